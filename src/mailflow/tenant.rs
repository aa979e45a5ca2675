//! The tenant as the model reads it: the typed export's objects turned into
//! the few facts mail flow depends on, read once. Values are normalised here
//! (sender domains without `smtp:` and `;1`, accepted domains without the
//! `<tenant>/Configuration/` prefix, addresses as networks), with nothing
//! from the code that renders scripts.

use crate::exchange::export::{ExportObject, TenantExport};
use crate::knowledge::hosts;
use ipnet::IpNet;
use std::net::IpAddr;

/// An inbound connector's type (exchange-facts F-IN-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Partner,
    OnPremises,
}

/// An enabled inbound connector, as matching and attribution read it.
#[derive(Debug, Clone)]
pub struct Connector {
    pub name: String,
    pub kind: Kind,
    /// Sender domains, lowercase, `*` for every one.
    pub sender_domains: Vec<String>,
    pub addresses: Vec<IpNet>,
    pub restrict_addresses: bool,
    pub restrict_certificate: bool,
    /// `TlsSenderCertificateName`, normalised; empty when unset.
    pub certificate: String,
    /// `AssociatedAcceptedDomains`, lowercase; empty: every accepted domain.
    pub associated: Vec<String>,
}

impl Connector {
    /// A Partner connector that rejects mail it does not identify (F-IN-04,
    /// F-IN-05: the restrictions act on Partner connectors only).
    pub fn restricts(&self) -> bool {
        self.kind == Kind::Partner && (self.restrict_addresses || self.restrict_certificate)
    }

    /// Whether the connector applies to mail for `domain`.
    pub fn covers_recipient(&self, domain: &str) -> bool {
        self.associated.is_empty() || self.associated.iter().any(|d| d == domain)
    }

    /// Whether the connector's sender domains take mail from `domain`. Only
    /// a Partner connector is limited by them ("the source domains from
    /// which a Partner type connector accepts messages", the cmdlet page).
    pub fn covers_sender(&self, domain: &str) -> bool {
        self.kind == Kind::OnPremises
            || self
                .sender_domains
                .iter()
                .any(|d| d == "*" || domain_matches(d, domain))
    }
}

/// A transport rule that sets SCL -1, enabled and enforced.
#[derive(Debug, Clone)]
pub struct SclRule {
    pub name: String,
    pub sender_ranges: Vec<IpNet>,
    pub sender_domains: Vec<String>,
}

/// An enabled outbound connector.
#[derive(Debug, Clone)]
pub struct OutboundConnector {
    pub name: String,
    pub rule_scoped: bool,
    pub recipient_domains: Vec<String>,
    pub smart_hosts: Vec<String>,
}

/// Everything the model reads of a tenant.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Accepted domains that receive mail, lowercase.
    pub accepted: Vec<String>,
    pub inbound: Vec<Connector>,
    pub scl_rules: Vec<SclRule>,
    /// Transport rules routing to an outbound connector: connector names.
    pub routing_rules: Vec<String>,
    pub outbound: Vec<OutboundConnector>,
    /// The connection-filter allow lists' entries.
    pub allow_list: Vec<IpNet>,
    pub reject_direct_send: bool,
    /// Each domain's MX hosts, or why they are not known.
    pub mx: Vec<(String, Result<Vec<String>, String>)>,
}

/// `*.contoso.com` covers the domain and its subdomains (F-IN-08).
pub fn domain_matches(pattern: &str, domain: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(base) => domain == base || domain.ends_with(&format!(".{base}")),
        None => pattern == domain,
    }
}

/// An address list's entries as networks: an address, a CIDR prefix, or a
/// dash range (as the prefixes that cover exactly it; exchange-facts
/// F-CF-02, F-TR-06). Entries that are none of these are left out.
pub fn networks(entries: &[String]) -> Vec<IpNet> {
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.trim();
        if let Some((first, last)) = entry.split_once('-') {
            match (
                first.trim().parse::<IpAddr>(),
                last.trim().parse::<IpAddr>(),
            ) {
                (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(b))) if a <= b => {
                    out.extend(ipnet::Ipv4Subnets::new(a, b, 0).map(IpNet::V4));
                }
                (Ok(IpAddr::V6(a)), Ok(IpAddr::V6(b))) if a <= b => {
                    out.extend(ipnet::Ipv6Subnets::new(a, b, 0).map(IpNet::V6));
                }
                _ => {}
            }
        } else if let Ok(net) = entry.parse::<IpNet>() {
            out.push(net.trunc());
        } else if let Ok(a) = entry.parse::<IpAddr>() {
            out.push(IpNet::from(a));
        }
    }
    out
}

/// Whether two lists of networks share an address.
pub fn overlaps(a: &[IpNet], b: &[IpNet]) -> bool {
    a.iter().any(|x| {
        b.iter()
            .any(|y| x.contains(&y.network()) || y.contains(&x.network()))
    })
}

fn strip_space(entry: &str) -> String {
    let e = entry.trim().to_ascii_lowercase();
    let e = e.strip_prefix("smtp:").unwrap_or(&e);
    let e = e.split(';').next().unwrap_or_default();
    e.to_owned()
}

fn lower_list(object: &ExportObject, property: &str) -> Vec<String> {
    object
        .texts(property)
        .into_iter()
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

fn enforced(rule: &ExportObject) -> bool {
    let state = rule.text("State").to_ascii_lowercase();
    let mode = rule.text("Mode").to_ascii_lowercase();
    (state.is_empty() || state == "enabled") && (mode.is_empty() || mode == "enforce")
}

impl Tenant {
    pub fn from_export(export: &TenantExport) -> Tenant {
        let inbound = export
            .inbound_connectors()
            .iter()
            .filter(|c| c.on("Enabled"))
            .map(|c| Connector {
                name: c.name().to_owned(),
                kind: if c.text("ConnectorType").eq_ignore_ascii_case("onpremises") {
                    Kind::OnPremises
                } else {
                    Kind::Partner
                },
                sender_domains: c
                    .texts("SenderDomains")
                    .iter()
                    .map(|d| strip_space(d))
                    .filter(|d| !d.is_empty())
                    .collect(),
                addresses: networks(&c.texts("SenderIPAddresses")),
                restrict_addresses: c.is("RestrictDomainsToIPAddresses"),
                restrict_certificate: c.is("RestrictDomainsToCertificate"),
                certificate: c.host("TlsSenderCertificateName"),
                associated: lower_list(c, "AssociatedAcceptedDomains")
                    .into_iter()
                    .map(|d| d.rsplit('/').next().unwrap_or_default().to_owned())
                    .collect(),
            })
            .collect();
        let rules = export.transport_rules();
        let scl_rules = rules
            .iter()
            .filter(|r| enforced(r) && r.text("SetSCL") == "-1")
            .map(|r| SclRule {
                name: r.name().to_owned(),
                sender_ranges: networks(&r.texts("SenderIpRanges")),
                sender_domains: lower_list(r, "SenderDomainIs"),
            })
            .collect();
        let routing_rules = rules
            .iter()
            .filter(|r| enforced(r))
            .map(|r| r.text("RouteMessageOutboundConnector"))
            .filter(|c| !c.is_empty())
            .collect();
        let outbound = export
            .outbound_connectors()
            .iter()
            .filter(|c| c.on("Enabled"))
            .map(|c| OutboundConnector {
                name: c.name().to_owned(),
                rule_scoped: c.is("IsTransportRuleScoped"),
                recipient_domains: c
                    .texts("RecipientDomains")
                    .iter()
                    .map(|d| strip_space(d))
                    .filter(|d| !d.is_empty())
                    .collect(),
                smart_hosts: lower_list(c, "SmartHosts"),
            })
            .collect();
        let allow_list = export
            .objects(crate::exchange::export::Noun::HostedConnectionFilterPolicy)
            .iter()
            .flat_map(|p| networks(&p.texts("IPAllowList")))
            .collect();
        let reject_direct_send = export
            .organization_config()
            .is_some_and(|o| o.is("RejectDirectSend"));
        let accepted: Vec<String> = export
            .accepted_domains()
            .iter()
            .filter(|d| !d.is("OutboundOnly"))
            .map(|d| d.host("DomainName"))
            .filter(|d| !d.is_empty())
            .collect();
        let mx = accepted
            .iter()
            .map(|domain| {
                let record = export.mx_of(domain).map(|r| {
                    let found: Vec<String> = r
                        .texts("Exchanges")
                        .iter()
                        .map(|h| hosts::normalize_host(h))
                        .filter(|h| !h.is_empty())
                        .collect();
                    (r.text("Error"), found)
                });
                let hosts = match record {
                    Some((error, found)) if error.is_empty() && !found.is_empty() => Ok(found),
                    // The tenant's onmicrosoft.com domain: Microsoft's MX,
                    // which cannot move (S02, S04), whatever the lookup said.
                    _ if is_onmicrosoft(domain) => Ok(vec![hosts::default_microsoft365_mx(domain)]),
                    None => Err("the export holds no MX lookup for it".to_owned()),
                    Some((error, _)) if !error.is_empty() => {
                        Err(format!("its MX lookup failed: {error}"))
                    }
                    Some(_) => Err("its MX lookup found no host".to_owned()),
                };
                (domain.clone(), hosts)
            })
            .collect();
        Tenant {
            accepted,
            inbound,
            scl_rules,
            routing_rules,
            outbound,
            allow_list,
            reject_direct_send,
            mx,
        }
    }

    /// The MX hosts of an accepted domain, or why they are not known.
    pub fn mx_of(&self, domain: &str) -> Option<&Result<Vec<String>, String>> {
        self.mx.iter().find(|(d, _)| d == domain).map(|(_, m)| m)
    }
}

/// The tenant's initial domain and its siblings: `*.onmicrosoft.com`.
pub fn is_onmicrosoft(domain: &str) -> bool {
    domain.ends_with(".onmicrosoft.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(entries: &[&str]) -> Vec<IpNet> {
        networks(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_dash_range_is_the_prefixes_that_cover_exactly_it() {
        let range = nets(&["10.0.0.0-10.0.0.255"]);
        assert_eq!(range, nets(&["10.0.0.0/24"]));
        assert!(overlaps(&range, &nets(&["10.0.0.128/28"])));
        assert!(!overlaps(
            &nets(&["10.0.0.1-10.0.0.6"]),
            &nets(&["10.0.0.7"])
        ));
        assert!(nets(&["10.0.0.9-10.0.0.1", "not an address"]).is_empty());
    }

    #[test]
    fn wildcard_domains_cover_the_domain_and_its_subdomains() {
        assert!(domain_matches("*.contoso.com", "contoso.com"));
        assert!(domain_matches("*.contoso.com", "mail.contoso.com"));
        assert!(!domain_matches("*.contoso.com", "notcontoso.com"));
        assert!(!domain_matches("contoso.com", "mail.contoso.com"));
    }
}
