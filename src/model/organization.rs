use serde::Serialize;

/// The Microsoft 365 organization behind the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    pub name: String,
    /// The `*.onmicrosoft.com` domain, lowercase.
    pub tenant: String,
    /// Accepted domains whose mail flows through the gateway: lowercase, sorted, unique.
    pub domains: Vec<String>,
    /// Other accepted domains that send through the gateway, their MX left
    /// where it is: lowercase, sorted, unique.
    pub outbound_only_domains: Vec<String>,
    /// Each routed domain with its Microsoft 365 MX host, in domain order.
    pub microsoft365_mx: Vec<DomainMx>,
}

/// A routed domain and the Microsoft 365 host that receives its mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainMx {
    pub domain: String,
    pub host: String,
    /// The host was derived from the domain's name
    /// (`<domain-with-dashes>.mail.protection.outlook.com`), not given in
    /// `organization.microsoft365_mx`.
    pub derived: bool,
}

impl Organization {
    /// Every domain the tenant's outbound mail may carry as its envelope
    /// sender: the routed domains, the outbound-only ones and the tenant's
    /// `onmicrosoft.com` domain (Exchange Online's SRS rewrites forwarded
    /// mail to an accepted domain of the forwarding tenant). Sorted, unique.
    pub fn sender_domains(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .domains
            .iter()
            .chain(&self.outbound_only_domains)
            .chain(std::iter::once(&self.tenant))
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }
}
