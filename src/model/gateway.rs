use super::AddressSet;
use serde::Serialize;

/// The secure email gateway in front of Microsoft 365.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gateway {
    pub name: String,
    /// Every address the gateway delivers from, IPv4 and IPv6, merged.
    pub egress: AddressSet,
    /// The certificate name the gateway presents when it connects, lowercase.
    pub tls_certificate: Option<String>,
    /// The gateway's inbound MX host names, lowercase, without trailing dots.
    pub mx_hosts: Vec<String>,
}
