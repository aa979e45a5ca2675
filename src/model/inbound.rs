use super::AddressSet;
use crate::parse::{EfMode, LockdownBy};
use serde::Serialize;

/// How Exchange Online receives and trusts mail from the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inbound {
    /// Whether inbound mail (MX) goes through the gateway; false: outbound only.
    pub through_gateway: bool,
    pub enhanced_filtering: EnhancedFiltering,
    /// Add the gateway to the connection-filter IP allow list.
    pub allow_list: bool,
    /// Make sure SPF hard fail is not marked as spam.
    pub spf_hard_fail_off: bool,
    /// The connector that rejects mail not arriving through the gateway.
    pub lockdown: Option<Lockdown>,
    /// Reject Direct Send: Exchange Online refuses anonymous mail from the
    /// tenant's own accepted domains that matches no inbound connector.
    pub reject_direct_send: bool,
    /// The opt-in transport rule that sets SCL -1 for the gateway's addresses.
    pub scl_bypass_rule: bool,
}

/// Enhanced Filtering for Connectors on the inbound connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnhancedFiltering {
    pub mode: EfMode,
    /// The hops to skip, IPv4 only, in `skip-listed` mode; empty otherwise.
    pub skip_ips: AddressSet,
    /// `EFUsers`: lowercase, sorted, unique; empty means every recipient.
    pub pilot_recipients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lockdown {
    pub by: LockdownBy,
    /// Whether the connector also covers the tenant's onmicrosoft.com
    /// domain (`inbound.lockdown_onmicrosoft`), not only the routed domains.
    pub onmicrosoft: bool,
}
