//! The facts every Exchange script's help text states (`_help.ps1.j2`).

use crate::exchange::limits::ALLOW_LIST_CAP;
use crate::model::Topology;
use crate::parse::{EfMode, LockdownBy};
use serde::Serialize;

/// The facts the scripts' help text (`powershell/_help.ps1.j2`) states:
/// computed or validated values only (addresses, counts, the tenant's
/// onmicrosoft.com name, a fingerprint), never a user's free text, which
/// could close the comment the help sits in.
#[derive(Debug, Clone, Serialize)]
pub struct HelpFacts {
    pub tenant: String,
    pub ef_mode: EfMode,
    pub ef_pilots: usize,
    pub ef_skip_count: usize,
    /// IPv4 prefixes wider than /24, split for Exchange.
    pub split_prefixes: Vec<String>,
    /// IPv6 prefixes, left out of Exchange's IPv4-only fields.
    pub ipv6_left_out: Vec<String>,
    pub gateway_entries: usize,
    pub allow_list_cap: usize,
    pub lockdown_by: Option<LockdownBy>,
    /// Whether the lock-down also covers the tenant's onmicrosoft.com domain.
    pub lockdown_onmicrosoft: bool,
    pub tls: Option<&'static str>,
    pub sha256: Option<String>,
}

/// The help facts of a topology.
pub fn help_facts(topology: &Topology) -> HelpFacts {
    let ef = &topology.inbound.enhanced_filtering;
    let egress = &topology.gateway.egress;
    HelpFacts {
        tenant: topology.organization.tenant.clone(),
        ef_mode: ef.mode,
        ef_pilots: ef.pilot_recipients.len(),
        ef_skip_count: ef.skip_ips.ipv4().len(),
        split_prefixes: egress
            .ipv4_split_prefixes()
            .into_iter()
            .map(|p| p.to_string())
            .collect(),
        ipv6_left_out: egress
            .ipv6_prefixes()
            .into_iter()
            .map(|p| p.to_string())
            .collect(),
        gateway_entries: egress.ipv4_exchange_entries().len(),
        allow_list_cap: ALLOW_LIST_CAP,
        lockdown_by: topology.inbound.lockdown.as_ref().map(|l| l.by),
        lockdown_onmicrosoft: topology
            .inbound
            .lockdown
            .as_ref()
            .is_some_and(|l| l.onmicrosoft),
        tls: topology.outbound.as_ref().map(|o| o.tls.exchange_value()),
        sha256: topology
            .outbound
            .as_ref()
            .and_then(|o| o.secret_header.as_ref())
            .map(|h| h.sha256.clone()),
    }
}
