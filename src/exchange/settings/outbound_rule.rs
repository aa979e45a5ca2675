//! The outbound rule: outbound mail to outside recipients is routed to the
//! outbound connector and stamped with the tenant secret the gateway
//! checks. An object mailflowc owns ([`owned_object`]); its script asks
//! for the secret, which the plan knows only by its SHA-256.

use super::owned_object::{self, comment, rule_state};
use super::{Apply, Runbook, Setting, Switch, Undo};
use crate::exchange::vocabulary::{COMMENTS, TRANSPORT_RULE};
use crate::model::Topology;
use crate::targets::plan::{property, Object, Phase, Value};
use crate::targets::templates::ids;
use serde::Serialize;

/// The secret the outbound rule stamps, by reference only.
#[derive(Debug, Clone, Serialize)]
pub struct SecretRef {
    pub sha256: String,
    pub env: Option<String>,
    pub header: String,
}

pub struct OutboundRule;

impl Setting for OutboundRule {
    fn slug(&self) -> &'static str {
        "outbound-rule"
    }

    fn kind(&self) -> &'static str {
        TRANSPORT_RULE
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        let outbound = topology.outbound.as_ref()?;
        let names = &topology.names;
        // A gateway that checks no header gets none: it would leave with
        // every message (catalog `checks_secret_header`, MF0523).
        let header = outbound.secret_header.as_ref();
        let (text, marker) = comment(
            "outbound-rule",
            if header.is_some() {
                "outbound mail goes through the secure email gateway, stamped with the tenant secret it checks."
            } else {
                "outbound mail goes through the secure email gateway."
            },
        );
        let mut properties = vec![
            property("FromScope", Value::text("InOrganization")),
            property("SentToScope", Value::text("NotInOrganization")),
            property(
                "RouteMessageOutboundConnector",
                Value::text(&names.outbound_connector),
            ),
        ];
        if let Some(header) = header {
            properties.push(property("SetHeaderName", Value::text(&header.name)));
            properties.push(property(
                "SetHeaderValue",
                Value::Secret {
                    secret_sha256: header.sha256.clone(),
                },
            ));
        }
        properties.extend(rule_state());
        properties.push(property(COMMENTS, Value::Text(text)));
        let object = Object::new(TRANSPORT_RULE, &names.outbound_rule, properties).owned(marker);
        let secret = header.map(|header| SecretRef {
            sha256: header.sha256.clone(),
            env: header.env.clone(),
            header: header.name.clone(),
        });
        Some((
            Apply {
                file: "60-outbound-rule.ps1",
                phase: Phase::Outbound,
                title: "Creates or updates the rule that routes outbound mail through the gateway.",
                summary: if header.is_some() {
                    "the rule that routes outbound mail to it, stamped with the secret (asks for the secret)"
                } else {
                    "the rule that routes outbound mail to it"
                },
                script: owned_object::apply(
                    ids::PS_OUTBOUND_RULE,
                    &[Switch::Adopt, Switch::StatePath],
                    object.clone(),
                    minijinja::context! {
                        connector_name => &names.outbound_connector,
                        secret => minijinja::Value::from_serialize(&secret),
                    },
                ),
            },
            Undo {
                slug: "remove-outbound-rule",
                title: "Removes the rule that routes outbound mail through the gateway.",
                script: owned_object::removal(object),
            },
        ))
    }

    /// After the relay side, the connector, its validation and the SPF
    /// records: once it runs, mail leaves through the gateway.
    fn runbook(&self) -> Runbook {
        Runbook {
            kind: "script",
            needs: &[
                "gateway.relay",
                "exchange.outbound-connector",
                "exchange.validate-outbound-connector",
                "dns.spf",
            ],
            check: None,
        }
    }
}
