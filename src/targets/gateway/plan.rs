//! The plan of the gateway side for a non-Cisco gateway: onboarding before
//! the MX change, and the relay side before the outbound connector.

use crate::model::Topology;
use crate::targets::plan::{property, Action, Object, Phase, Step, Target, Value};

pub const STEPS_FILE: &str = "gateway/STEPS.md";

/// Whether this module describes the gateway: it is not a Cisco appliance
/// (which `targets::cisco` covers).
pub fn applies(topology: &Topology) -> bool {
    topology.cisco.is_none()
}

pub fn plan(topology: &Topology) -> Vec<Step> {
    if !applies(topology) {
        return Vec::new();
    }
    let mut steps = Vec::new();
    if topology.inbound.through_gateway {
        let objects = topology
            .organization
            .microsoft365_mx
            .iter()
            .map(|route| {
                Object::new(
                    "domain",
                    &route.domain,
                    vec![
                        property("deliver_to", Value::text(&route.host)),
                        property("tls", Value::text("required")),
                    ],
                )
            })
            .collect();
        steps.push(Step {
            id: "gateway.inbound".to_owned(),
            target: Target::Gateway,
            phase: Phase::Prepare,
            action: Action::Apply,
            file: STEPS_FILE.to_owned(),
            title: "The gateway's inbound side: each domain onboarded, delivering to Microsoft 365"
                .to_owned(),
            summary: "onboard each domain in the vendor's console, delivering to its Microsoft 365 MX host over TLS, and read it back"
                .to_owned(),
            objects,
            undo: None,
        });
    }
    if let Some(outbound) = &topology.outbound {
        steps.push(Step {
            id: "gateway.relay".to_owned(),
            target: Target::Gateway,
            phase: Phase::Outbound,
            action: Action::Apply,
            file: STEPS_FILE.to_owned(),
            title: "The gateway's relay side: accept your tenant's relayed mail".to_owned(),
            summary: "the gateway accepts relayed mail from your tenant only".to_owned(),
            objects: vec![Object::new(
                "relay",
                &topology.gateway.name,
                vec![property(
                    "smart_hosts",
                    Value::List(outbound.smart_hosts.clone()),
                )],
            )],
            undo: None,
        });
    }
    steps
}
