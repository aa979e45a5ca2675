use super::{Cisco, Dns, Gateway, Inbound, Names, Organization, Outbound};
use serde::Serialize;

/// A whole mail flow: who, through which gateway, with which inbound trust
/// and which outbound path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topology {
    pub organization: Organization,
    pub gateway: Gateway,
    pub inbound: Inbound,
    /// Outbound through the gateway; none when Microsoft 365 delivers directly.
    pub outbound: Option<Outbound>,
    /// Present when the gateway is Cisco Secure Email.
    pub cisco: Option<Cisco>,
    pub dns: Dns,
    pub names: Names,
}
