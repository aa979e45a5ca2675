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
    /// The gateway's MX records, by priority then host; empty when unknown.
    pub mx: Vec<MxRecord>,
    /// The domain the gateway ARC-seals with, lowercase: added to Exchange
    /// Online's trusted ARC sealers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arc_sealer: Option<String>,
    /// The catalog entry values came from, if any.
    pub vendor: Option<VendorData>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MxRecord {
    pub priority: u16,
    /// Lowercase, without the trailing dot.
    pub host: String,
}

/// Which catalog values a topology uses, and where they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VendorData {
    pub id: String,
    pub name: String,
    pub region: Option<String>,
    /// The catalog's MX hosts, used here, are the example of a vendor guide.
    pub mx_is_example: bool,
    /// Set when the egress list came from the catalog.
    pub egress_source: Option<SourceRef>,
    /// Set when the MX hosts came from the catalog.
    pub mx_source: Option<SourceRef>,
    /// Transport rules the vendor's guide asks for on its verdict header.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disposition_rules: Vec<DispositionRule>,
}

/// A transport rule a vendor documents, with where it says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispositionRule {
    pub name: String,
    pub header: String,
    pub words: Vec<String>,
    pub from_egress: bool,
    pub action: String,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub title: String,
    pub url: String,
    pub date: String,
}
