use serde::Serialize;

/// The Microsoft 365 organization behind the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub name: String,
    /// The `*.onmicrosoft.com` domain, lowercase.
    pub tenant: String,
    /// Accepted domains whose mail flows through the gateway: lowercase, sorted, unique.
    pub domains: Vec<String>,
}
