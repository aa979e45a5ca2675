use serde::Serialize;

/// The Microsoft 365 organization behind the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub name: String,
    /// The `*.onmicrosoft.com` domain, lowercase.
    pub tenant: String,
    /// Accepted domains whose mail flows through the gateway: lowercase, sorted, unique.
    pub domains: Vec<String>,
    /// Each routed domain with its Microsoft 365 MX host, in domain order.
    pub microsoft365_mx: Vec<DomainMx>,
}

/// A routed domain and the Microsoft 365 host that receives its mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainMx {
    pub domain: String,
    pub host: String,
}
