//! The SCL -1 bypass rule: mail from the gateway's addresses bypasses spam
//! filtering, where Enhanced Filtering is off (with it on, Microsoft says
//! to disable such a rule; `check` refuses it, MF0205). An object
//! mailflowc owns ([`owned_object`]).

use super::owned_object::{self, comment, rule_state};
use super::{Apply, Setting, Switch, Undo};
use crate::exchange::vocabulary::{COMMENTS, SENDER_IP_RANGES, TRANSPORT_RULE};
use crate::model::Topology;
use crate::targets::plan::{property, Object, Phase, Value};
use crate::targets::templates::ids;

pub struct SclBypassRule;

fn object(topology: &Topology) -> Object {
    let (text, marker) = comment(
        "scl-bypass-rule",
        "mail from the secure email gateway bypasses spam filtering (SCL -1).",
    );
    let mut properties = vec![
        property(
            SENDER_IP_RANGES,
            Value::List(topology.gateway.egress.ipv4_prefixes()),
        ),
        property("SetSCL", Value::Int(-1)),
    ];
    properties.extend(rule_state());
    properties.push(property(COMMENTS, Value::Text(text)));
    Object::new(TRANSPORT_RULE, &topology.names.scl_bypass_rule, properties).owned(marker)
}

impl Setting for SclBypassRule {
    fn slug(&self) -> &'static str {
        "scl-bypass-rule"
    }

    fn kind(&self) -> &'static str {
        TRANSPORT_RULE
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        if !topology.inbound.scl_bypass_rule {
            return None;
        }
        let object = object(topology);
        Some((
            Apply {
                file: "40-scl-bypass-rule.ps1",
                phase: Phase::Prepare,
                title: "Creates or updates the SCL -1 bypass rule for the gateway.",
                summary: "the SCL -1 rule for the gateway's addresses",
                script: owned_object::apply(
                    ids::PS_OBJECT,
                    &[Switch::Adopt, Switch::StatePath],
                    object.clone(),
                    minijinja::context! {},
                ),
            },
            Undo {
                slug: "remove-scl-bypass-rule",
                title: "Removes the SCL -1 bypass rule.",
                script: owned_object::removal(object),
            },
        ))
    }
}
