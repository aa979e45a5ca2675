//! The DNS plan: per routed domain, the MX records of each phase, as BIND
//! zone fragments and octoDNS YAML.

use crate::model::Topology;
use crate::targets::plan::{property, Action, Object, Phase, Step, Target, Value};

/// The zone fragments of one domain, by path.
pub struct DomainZones {
    pub domain: String,
    pub pre_cutover: String,
    pub cutover: String,
    pub rollback: String,
    pub octodns: String,
    pub microsoft365_host: String,
}

/// Paths of every domain's fragments; empty when the gateway's MX is unknown.
pub fn zones(topology: &Topology) -> Vec<DomainZones> {
    if topology.gateway.mx.is_empty() {
        return Vec::new();
    }
    topology
        .organization
        .microsoft365_mx
        .iter()
        .map(|entry| DomainZones {
            domain: entry.domain.clone(),
            pre_cutover: format!("dns/{}/pre-cutover.zone", entry.domain),
            cutover: format!("dns/{}/cutover.zone", entry.domain),
            rollback: format!("dns/{}/rollback.zone", entry.domain),
            octodns: format!("dns/octodns/{}.yaml", entry.domain),
            microsoft365_host: entry.host.clone(),
        })
        .collect()
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

/// Every DNS step: per domain, the pre-cutover TTL, the cutover (BIND and
/// octoDNS) and its rollback.
pub fn plan(topology: &Topology) -> Vec<Step> {
    let dns = &topology.dns;
    let m365 = crate::model::Dns::MICROSOFT365_PRIORITY;
    let mut steps = Vec::new();
    for zone in zones(topology) {
        let d = &zone.domain;
        let microsoft365 = mx(d, &zone.microsoft365_host, m365, dns.precutover_ttl);
        let gateway: Vec<Object> = topology
            .gateway
            .mx
            .iter()
            .map(|r| mx(d, &r.host, r.priority, dns.ttl))
            .collect();
        let step = |id: &str, phase, action, file: &str, title: String, objects| Step {
            id: format!("dns.{d}.{id}"),
            target: Target::Dns,
            phase,
            action,
            file: file.to_owned(),
            title,
            summary: String::new(),
            objects,
            undo: None,
        };
        steps.push(step(
            "pre-cutover",
            Phase::Prepare,
            Action::Apply,
            &zone.pre_cutover,
            format!("Lower the TTL of {d}'s Microsoft 365 MX"),
            vec![microsoft365.clone()],
        ));
        let mut cutover = step(
            "cutover",
            Phase::Cutover,
            Action::Apply,
            &zone.cutover,
            format!("Point {d}'s MX at the gateway"),
            gateway.clone(),
        );
        cutover.undo = Some(format!("dns.{d}.rollback"));
        steps.push(cutover);
        steps.push(step(
            "cutover-octodns",
            Phase::Cutover,
            Action::Apply,
            &zone.octodns,
            format!("Point {d}'s MX at the gateway (octoDNS)"),
            gateway,
        ));
        steps.push(step(
            "rollback",
            Phase::Cutover,
            Action::Undo,
            &zone.rollback,
            format!("Point {d}'s MX back at Microsoft 365"),
            vec![microsoft365],
        ));
    }
    steps
}
