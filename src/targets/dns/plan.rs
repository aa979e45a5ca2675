//! The DNS plan: per routed domain, the MX records of every phase (BIND zone
//! fragments and octoDNS YAML), and the SPF mechanisms outbound mail through
//! the gateway needs.
//!
//! Phases, in order: `pre-cutover` (Microsoft 365's MX, TTL lowered),
//! `cutover` (the gateway's MX, still the short TTL, so a rollback is quick),
//! `stabilized` (the gateway's MX with the usual TTL, after the lock-down);
//! undoing: `rollback` (Microsoft 365's MX, short TTL) and `restore` (its
//! original TTL, once the attempt is abandoned).

use crate::model::Topology;
use crate::targets::plan::{property, Action, Object, Phase, Step, Target, Value};

/// One DNS phase: its name, when it runs, whether it undoes, and whose MX.
pub struct DnsPhase {
    pub name: &'static str,
    pub phase: Phase,
    pub action: Action,
    pub gateway: bool,
}

pub const PHASES: &[DnsPhase] = &[
    DnsPhase {
        name: "pre-cutover",
        phase: Phase::Prepare,
        action: Action::Apply,
        gateway: false,
    },
    DnsPhase {
        name: "cutover",
        phase: Phase::Cutover,
        action: Action::Apply,
        gateway: true,
    },
    DnsPhase {
        name: "stabilized",
        phase: Phase::Stabilize,
        action: Action::Apply,
        gateway: true,
    },
    DnsPhase {
        name: "rollback",
        phase: Phase::Cutover,
        action: Action::Undo,
        gateway: false,
    },
    DnsPhase {
        name: "restore",
        phase: Phase::Prepare,
        action: Action::Undo,
        gateway: false,
    },
];

/// The zone fragment and octoDNS file of a domain's phase.
pub fn zone_file(domain: &str, phase: &str) -> String {
    format!("dns/{domain}/{phase}.zone")
}

pub fn octodns_file(domain: &str, phase: &str) -> String {
    format!("dns/octodns/{phase}/{domain}.yaml")
}

/// The octoDNS configuration that pushes a phase, beside its folder
/// (`dns/octodns/`), named relative to that folder.
pub fn octodns_config_file(phase: &str) -> String {
    format!("{phase}.config.yaml")
}

pub fn spf_file(domain: &str) -> String {
    format!("dns/{domain}/spf.txt")
}

/// The SPF record sets: the outbound phase's (the current record with the
/// gateway added) and its rollback's (the current record).
pub const SPF_SETS: &[(&str, Action)] = &[("spf", Action::Apply), ("spf-rollback", Action::Undo)];

/// The zone fragment and octoDNS file of a domain's SPF record set.
pub fn spf_zone_file(domain: &str, set: &str) -> String {
    format!("dns/{domain}/{set}.zone")
}

pub fn spf_octodns_file(domain: &str, set: &str) -> String {
    format!("dns/octodns/{set}/{domain}.yaml")
}

/// The SPF record a domain needs once outbound mail leaves through the
/// gateway, when the topology gives its current one.
pub fn spf_record(topology: &Topology, domain: &str) -> Option<String> {
    let current = topology.dns.spf_current.get(domain)?;
    Some(crate::knowledge::spf::compose(
        current,
        &spf_mechanisms(topology),
    ))
}

/// One MX record as the plan lists it.
fn mx(domain: &str, host: &str, priority: u16, ttl: i64) -> Object {
    Object::new(
        "MX",
        domain,
        vec![
            property("exchange", Value::text(host)),
            property("priority", Value::Int(i64::from(priority))),
            property("ttl", Value::Int(ttl)),
        ],
    )
}

/// Whether the topology moves MX records at all: inbound through the
/// gateway, with the gateway's MX hosts known.
pub fn moves_mx(topology: &Topology) -> bool {
    topology.inbound.through_gateway && !topology.gateway.mx.is_empty()
}

/// The SPF mechanisms for the gateway's egress addresses.
pub fn spf_mechanisms(topology: &Topology) -> Vec<String> {
    let egress = &topology.gateway.egress;
    egress
        .ipv4_prefixes()
        .into_iter()
        .map(|p| format!("ip4:{p}"))
        .chain(
            egress
                .ipv6_prefixes()
                .into_iter()
                .map(|p| format!("ip6:{p}")),
        )
        .collect()
}

/// Every DNS step, per domain in domain order, phases in the order above.
pub fn plan(topology: &Topology) -> Vec<Step> {
    let dns = &topology.dns;
    let m365 = crate::model::Dns::MICROSOFT365_PRIORITY;
    let mut steps = Vec::new();
    for entry in &topology.organization.microsoft365_mx {
        let d = &entry.domain;
        if moves_mx(topology) {
            for phase in PHASES {
                let ttl = match phase.name {
                    "stabilized" => dns.ttl,
                    "restore" => dns.current_ttl,
                    _ => dns.precutover_ttl,
                };
                let records: Vec<Object> = if phase.gateway {
                    topology
                        .gateway
                        .mx
                        .iter()
                        .map(|r| mx(d, &r.host, r.priority, ttl))
                        .collect()
                } else {
                    vec![mx(d, &entry.host, m365, ttl)]
                };
                let title = match phase.name {
                    "pre-cutover" => format!("Lower the TTL of {d}'s Microsoft 365 MX"),
                    "cutover" => format!("Point {d}'s MX at the gateway, short TTL"),
                    "stabilized" => format!("Raise the TTL of {d}'s gateway MX"),
                    "rollback" => format!("Point {d}'s MX back at Microsoft 365"),
                    _ => format!("Give {d}'s Microsoft 365 MX its old TTL back"),
                };
                for (suffix, file) in [
                    ("", zone_file(d, phase.name)),
                    ("-octodns", octodns_file(d, phase.name)),
                ] {
                    steps.push(Step {
                        id: format!("dns.{d}.{}{suffix}", phase.name),
                        target: Target::Dns,
                        phase: phase.phase,
                        action: phase.action,
                        file,
                        title: title.clone(),
                        summary: String::new(),
                        objects: records.clone(),
                        undo: match phase.name {
                            "cutover" if suffix.is_empty() => Some(format!("dns.{d}.rollback")),
                            _ => None,
                        },
                    });
                }
            }
        }
        if topology.outbound.is_some() {
            steps.push(Step {
                id: format!("dns.{d}.spf"),
                target: Target::Dns,
                phase: Phase::Outbound,
                action: Action::Apply,
                file: spf_file(d),
                title: format!("Let {d}'s SPF record name the gateway"),
                summary: String::new(),
                objects: vec![Object::new(
                    "SPF mechanisms",
                    d,
                    vec![property("add", Value::List(spf_mechanisms(topology)))],
                )],
                undo: None,
            });
            if let (Some(current), Some(record)) =
                (topology.dns.spf_current.get(d), spf_record(topology, d))
            {
                for (set, action) in SPF_SETS {
                    let text = if *action == Action::Apply {
                        &record
                    } else {
                        current
                    };
                    let title = if *action == Action::Apply {
                        format!("Publish {d}'s SPF record with the gateway")
                    } else {
                        format!("Put {d}'s SPF record back as it was")
                    };
                    for (suffix, file) in [
                        ("", spf_zone_file(d, set)),
                        ("-octodns", spf_octodns_file(d, set)),
                    ] {
                        steps.push(Step {
                            id: format!("dns.{d}.{set}-record{suffix}"),
                            target: Target::Dns,
                            phase: Phase::Outbound,
                            action: *action,
                            file,
                            title: title.clone(),
                            summary: String::new(),
                            objects: vec![Object::new(
                                "TXT",
                                d,
                                vec![
                                    property("text", Value::text(text)),
                                    property("ttl", Value::Int(dns.ttl)),
                                ],
                            )],
                            undo: match (*action, suffix) {
                                (Action::Apply, "") => Some(format!("dns.{d}.spf-rollback-record")),
                                _ => None,
                            },
                        });
                    }
                }
            }
        }
    }
    steps
}
