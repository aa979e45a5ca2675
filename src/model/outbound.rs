use crate::parse::OutboundTls;
use serde::Serialize;

/// Outbound mail from Microsoft 365 through the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outbound {
    /// The gateway's outgoing listener(s), lowercase, sorted.
    pub smart_hosts: Vec<String>,
    pub tls: OutboundTls,
    pub tls_domain: Option<String>,
    /// The header Microsoft 365 stamps for the gateway to check; none
    /// where the gateway checks none (a catalog vendor without
    /// `checks_secret_header`, which recognizes the tenant otherwise).
    pub secret_header: Option<SecretHeader>,
}

/// The header Microsoft 365 stamps and the gateway checks. Only the
/// fingerprints are here: the model is printed and rendered into committed
/// files, and the value must never reach either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretHeader {
    pub name: String,
    pub sha256: String,
    /// The environment variable the generated script reads the value from, if
    /// the topology keeps it in one.
    pub env: Option<String>,
    /// A secret being rotated out, still accepted by the gateway.
    pub previous_sha256: Option<String>,
    /// Where the value is read from (`env:NAME` or `file:PATH`): a
    /// reference, never the value; `reveal` resolves it.
    pub value_from: String,
    pub previous_value_from: Option<String>,
}
