//! The Cisco Secure Email (AsyncOS) plan: the setup steps an operator
//! follows in `STEPS.md`, and the relay-guard filter to paste.
//! Follows `shared/reference/cisco-summary.md`.

use crate::model::Topology;
use crate::parse::DestinationTls;
use crate::targets::plan::{property, Action, Object, Phase, Step, Target, Value};

pub const STEPS_FILE: &str = "cisco/STEPS.md";
pub const FILTER_FILE: &str = "cisco/10-relay-guard-filter.txt";

/// Every Cisco step; empty when the topology has no `[cisco]` table.
pub fn plan(topology: &Topology) -> Vec<Step> {
    let Some(cisco) = &topology.cisco else {
        return Vec::new();
    };
    let controls = &cisco.destination_controls;
    let tls = match controls.tls {
        DestinationTls::Preferred => "preferred",
        DestinationTls::Required => "required",
    };
    let mut objects: Vec<Object> = Vec::new();
    for domain in &topology.organization.domains {
        objects.push(Object::new(
            "rcptaccess",
            domain,
            vec![
                property("listener", Value::text(&cisco.inbound_listener)),
                property("action", Value::text("ACCEPT")),
            ],
        ));
    }
    for route in &topology.organization.microsoft365_mx {
        objects.push(Object::new(
            "smtproutes",
            &route.domain,
            vec![property("destination", Value::text(&route.host))],
        ));
    }
    for domain in &topology.organization.domains {
        objects.push(Object::new(
            "destconfig",
            domain,
            vec![
                property("max_concurrency", Value::Int(controls.max_concurrency)),
                property(
                    "max_messages_per_connection",
                    Value::Int(controls.max_messages_per_connection),
                ),
                property("tls", Value::text(tls)),
            ],
        ));
    }
    let mut steps = Vec::new();
    if topology.inbound.through_gateway {
        steps.push(Step {
            id: "gateway.inbound".to_owned(),
            target: Target::Gateway,
            phase: Phase::Prepare,
            action: Action::Apply,
            file: STEPS_FILE.to_owned(),
            title: "The gateway's inbound side: RAT, SMTP routes, destination controls, commit"
                .to_owned(),
            summary: "RAT, SMTP routes and destination controls for the routed domains, committed and read back"
                .to_owned(),
            objects,
            undo: None,
        });
    }
    if let Some(header) = super::appliance::secret_header(topology) {
        let mut secrets = vec![header.sha256.clone()];
        secrets.extend(header.previous_sha256.clone());
        steps.push(Step {
            id: "gateway.relay".to_owned(),
            target: Target::Gateway,
            phase: Phase::Outbound,
            action: Action::Apply,
            file: STEPS_FILE.to_owned(),
            title: "The gateway's relay side: a sender group for Microsoft 365, the relay guard, commit"
                .to_owned(),
            summary: "sender group, relay guard (from `mailflowc reveal`), committed and read back"
                .to_owned(),
            objects: vec![Object::new(
                "hostaccess",
                &cisco.relay_sender_group,
                vec![
                    property("listener", Value::text(&cisco.outbound_listener)),
                    property("members", Value::List(vec![".protection.outlook.com".to_owned()])),
                    property(
                        "policy",
                        Value::Text(crate::model::relay_policy(&cisco.relay_sender_group)),
                    ),
                ],
            )],
            undo: None,
        });
        steps.push(Step {
            id: "gateway.relay-guard-filter".to_owned(),
            target: Target::Gateway,
            phase: Phase::Outbound,
            action: Action::Apply,
            // A shared appliance's guard is beside the fleet's trees.
            file: cisco.appliance.as_deref().map_or_else(
                || FILTER_FILE.to_owned(),
                super::appliance::guard_from_tenant,
            ),
            title: "The relay guard: drops relayed mail without the tenant's secret header from its own domains"
                .to_owned(),
            summary: String::new(),
            objects: vec![Object::new(
                "filters",
                &cisco.filter_name,
                vec![
                    property("sender_group", Value::text(&cisco.relay_sender_group)),
                    property("listener", Value::text(&cisco.outbound_listener)),
                    property("header", Value::text(&header.name)),
                    property("accepted_secrets_sha256", Value::List(secrets)),
                    property(
                        "sender_domains",
                        Value::List(topology.organization.sender_domains()),
                    ),
                    property(
                        "sender_check",
                        Value::text(super::render::sender_check_word(cisco.sender_check)),
                    ),
                ],
            )],
            undo: None,
        });
    }
    steps
}
