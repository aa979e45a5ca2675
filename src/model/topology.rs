use super::{Gateway, Inbound, Names, Organization};
use serde::Serialize;

/// A whole mail flow: who, through which gateway, with which inbound trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topology {
    pub organization: Organization,
    pub gateway: Gateway,
    pub inbound: Inbound,
    pub names: Names,
}
