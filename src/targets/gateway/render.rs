//! Gateway steps → the context of `gateway/STEPS.md`.

use super::plan::{applies, STEPS_FILE};
use crate::model::Topology;
use crate::targets::templates::ids;
use crate::targets::{context, Rendered};

pub fn files(topology: &Topology, source: &str) -> Vec<Rendered> {
    if !applies(topology) {
        return Vec::new();
    }
    let vendor = topology.gateway.vendor.as_ref();
    let ctx = minijinja::context! {
        source,
        vendor => vendor.map_or("", |v| v.id.as_str()),
        vendor_name => vendor.map_or(topology.gateway.name.as_str(), |v| v.name.as_str()),
        mx_is_example => vendor.is_some_and(|v| v.mx_is_example),
        routes => context(&topology.organization.microsoft365_mx),
        tenant => &topology.organization.tenant,
        outbound => topology.outbound.is_some(),
        smart_hosts => topology.outbound.as_ref().map(|o| o.smart_hosts.clone()).unwrap_or_default(),
        disposition_rules => context(&vendor.map(|v| v.disposition_rules.clone()).unwrap_or_default()),
    };
    vec![(STEPS_FILE.to_owned(), ids::GATEWAY_STEPS, ctx)]
}
