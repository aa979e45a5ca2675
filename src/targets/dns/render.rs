//! DNS steps → template contexts.

use super::plan::zones;
use crate::model::Topology;
use crate::targets::templates::ids;
use crate::targets::{context, Rendered};

/// Every DNS file: (path, template, context).
pub fn files(topology: &Topology) -> Vec<Rendered> {
    let dns = &topology.dns;
    let mut out = Vec::new();
    for zone in zones(topology) {
        let ctx = minijinja::context! {
            domain => &zone.domain,
            mx => context(&topology.gateway.mx),
            ttl => dns.ttl,
            precutover_ttl => dns.precutover_ttl,
            current_ttl => dns.current_ttl,
            microsoft365_host => &zone.microsoft365_host,
            microsoft365_priority => crate::model::Dns::MICROSOFT365_PRIORITY,
        };
        out.push((zone.pre_cutover, ids::DNS_PRE_CUTOVER, ctx.clone()));
        out.push((zone.cutover, ids::DNS_CUTOVER, ctx.clone()));
        out.push((zone.rollback, ids::DNS_ROLLBACK, ctx.clone()));
        out.push((zone.octodns, ids::DNS_OCTODNS, ctx));
    }
    out
}
