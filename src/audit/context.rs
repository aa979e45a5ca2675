//! What every rule reads: the typed export, the topology's expectations
//! when given, and what the audit prepares once from them: the lock-down
//! connectors, the gateway as identified (from the topology, or from the
//! connectors that admit it), the accepted domains, whether Enhanced
//! Filtering is on. Also the address helpers the rules and `import` share.

use super::{AuditCode, AuditFinding, Expected};
use crate::exchange::export::{ExportObject, TenantExport};
use crate::exchange::readback::Rule;
use crate::mailflow::{self, GatewayFacts, Tenant};
use ipnet::IpNet;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The export and what the audit prepared from it, the one input of every
/// rule (`rules::RULES`).
pub struct Context<'a> {
    pub export: &'a TenantExport,
    /// From the topology, when the audit was given one.
    pub expected: Option<&'a Expected>,
    pub inbound: &'a [ExportObject],
    /// Every enabled lock-down connector ([`is_lockdown`]), the gateway's or not.
    pub lockdowns: Vec<&'a ExportObject>,
    /// The gateway, or `None` when the export cannot tell it (MFA014).
    pub gateway: Option<Gateway>,
    /// Why the gateway could not be told, when it could not.
    pub unidentified: Option<String>,
    /// How the gateway was known, as the report's summary says it.
    pub told: String,
    /// The lock-down connectors that admit the gateway (all of them when
    /// the gateway is not known).
    pub gateway_lockdowns: Vec<&'a ExportObject>,
    /// The accepted domains with a name, normalized, and their objects.
    pub accepted: Vec<(String, &'a ExportObject)>,
    /// Enhanced Filtering is on for one of the gateway's enabled connectors.
    pub ef_on: bool,
    /// Lock-down connectors that admit every Microsoft 365 tenant (MFA017),
    /// lowercase names: no other check blames them.
    pub tenant_lockdowns: BTreeSet<String>,
    /// The tenant as the mail-flow model reads it.
    pub tenant: Tenant,
    /// The gateway as the model knows it (None: not identified).
    pub facts: Option<GatewayFacts>,
}

impl<'a> Context<'a> {
    /// Prepares, once, what several rules read: each would otherwise tell
    /// the gateway again, and the rules must agree on it.
    pub fn new(export: &'a TenantExport, expected: Option<&'a Expected>) -> Self {
        let inbound = export.inbound_connectors();
        let tenant = Tenant::from_export(export);
        let lockdowns: Vec<&ExportObject> = inbound.iter().filter(|c| is_lockdown(c)).collect();
        // A connector that admits every Microsoft 365 tenant (MFA017) says
        // nothing of which addresses are the gateway's.
        let shared: BTreeSet<String> = tenant
            .inbound
            .iter()
            .filter(|c| mailflow::admits_other_tenants(c))
            .map(|c| c.name.to_ascii_lowercase())
            .collect();
        let tenant_lockdowns = tenant
            .inbound
            .iter()
            .filter(|c| c.restricts() && mailflow::admits_other_tenants(c))
            .map(|c| c.name.to_ascii_lowercase())
            .collect();
        let (gateway, told, unidentified) = match expected {
            Some(e) => (
                Some(Gateway {
                    nets: e.gateway_nets.clone(),
                    certificates: e.gateway_certificate.iter().cloned().collect(),
                    ours: e.ours.clone(),
                }),
                "gateway from the topology".to_owned(),
                None,
            ),
            None => from_connectors(inbound, &lockdowns, &shared),
        };
        let gateway_lockdowns = match &gateway {
            Some(g) => lockdowns.iter().copied().filter(|c| g.owns(c)).collect(),
            None => lockdowns.clone(),
        };
        let accepted = export
            .accepted_domains()
            .iter()
            .map(|d| (d.host("DomainName"), d))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        // Only the gateway's own connectors count: Enhanced Filtering on
        // another connector says nothing of the mail the gateway relays.
        let ef_on = gateway.as_ref().is_some_and(|g| {
            inbound
                .iter()
                .any(|c| c.on("Enabled") && g.owns(c) && ef_on(c))
        });
        let facts = gateway.as_ref().map(|g| GatewayFacts {
            egress: g.nets.clone(),
            certificates: g.certificates.iter().cloned().collect(),
            mx_hosts: expected.map(|e| e.gateway_mx.clone()).unwrap_or_default(),
            relay_guard: expected.is_some_and(|e| e.relay_guard),
        });
        Context {
            export,
            expected,
            inbound,
            lockdowns,
            gateway,
            unidentified,
            told,
            gateway_lockdowns,
            accepted,
            ef_on,
            tenant_lockdowns,
            tenant,
            facts,
        }
    }
}

/// Without a topology: the gateway is what the lock-down connectors admit
/// (or, lacking one, the Partner connectors for every sender domain), when
/// they agree; otherwise it is not known, and why.
fn from_connectors(
    inbound: &[ExportObject],
    lockdowns: &[&ExportObject],
    shared: &BTreeSet<String>,
) -> (Option<Gateway>, String, Option<String>) {
    let own = |c: &&ExportObject| !shared.contains(&c.name().to_ascii_lowercase());
    let broad: Vec<&ExportObject> = inbound
        .iter()
        .filter(|c| c.on("Enabled") && kind_of(c) == "partner" && covers_every_sender(c))
        .filter(own)
        .collect();
    let lockdowns: Vec<&ExportObject> = lockdowns.iter().copied().filter(own).collect();
    let lockdowns = &lockdowns[..];
    let (from, what) = if lockdowns.is_empty() {
        (&broad[..], "Partner connector for every sender domain")
    } else {
        (lockdowns, "lock-down connector")
    };
    match identity(from) {
        Some((addresses, certificates)) if !from.is_empty() => (
            Some(Gateway {
                nets: nets(&addresses),
                certificates,
                ours: BTreeSet::new(),
            }),
            format!("gateway from the {what} {}", names(from)),
            None,
        ),
        _ => {
            let why = if from.is_empty() {
                "no enabled Partner inbound connector accepts every sender domain, so nothing in the export says which addresses are the gateway's".to_owned()
            } else {
                format!(
                    "the connectors {} admit different addresses, and any of them could be the gateway",
                    names(from)
                )
            };
            (None, "gateway not identified".to_owned(), Some(why))
        }
    }
}

/// An IP list entry as the first and last address it covers: an address,
/// a CIDR prefix, or a dash range (exchange-facts F-CF-02, F-TR-06).
fn span(entry: &str) -> Option<(IpAddr, IpAddr)> {
    let entry = entry.trim();
    if let Some((first, last)) = entry.split_once('-') {
        let (first, last) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
        return Some((first, last));
    }
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some((address, address));
    }
    let net: IpNet = entry.parse().ok()?;
    Some((net.network(), net.broadcast()))
}

/// The networks of an address list's entries (an address is its /32 or
/// /128); entries that are neither are left out.
pub(crate) fn nets(addresses: &[String]) -> Vec<IpNet> {
    addresses
        .iter()
        .filter_map(|a| {
            a.parse::<IpNet>()
                .ok()
                .or_else(|| a.parse::<IpAddr>().ok().map(IpNet::from))
        })
        .collect()
}

pub(crate) fn within(nets: &[IpNet], entry: &str) -> bool {
    span(entry)
        .is_some_and(|(first, last)| nets.iter().any(|n| n.contains(&first) && n.contains(&last)))
}

/// The gateway as the audit knows it.
pub struct Gateway {
    pub nets: Vec<IpNet>,
    pub certificates: BTreeSet<String>,
    pub ours: BTreeSet<String>,
}

impl Gateway {
    /// Whether mail through this connector came through the gateway: it is
    /// mailflowc's, or it admits only the gateway's addresses, or (without
    /// addresses) only its certificate.
    pub fn owns(&self, connector: &ExportObject) -> bool {
        if self.ours.contains(&connector.name().to_ascii_lowercase()) {
            return true;
        }
        let addresses = connector.list("SenderIPAddresses", Rule::IpSet);
        if !addresses.is_empty() {
            return addresses.iter().all(|a| within(&self.nets, a));
        }
        let certificate = connector.host("TlsSenderCertificateName");
        !certificate.is_empty() && self.certificates.contains(&certificate)
    }
}

/// Enhanced Filtering is on for this connector: it skips the last hop or
/// listed addresses.
pub fn ef_on(connector: &ExportObject) -> bool {
    connector.is("EFSkipLastIP") || !connector.list("EFSkipIPs", Rule::IpSet).is_empty()
}

pub(crate) fn covers_every_sender(connector: &ExportObject) -> bool {
    connector
        .list("SenderDomains", Rule::AddressSpaceSet)
        .iter()
        .any(|d| d == "*")
}

pub(crate) fn kind_of(connector: &ExportObject) -> String {
    connector.canonical("ConnectorType", Rule::Word)
}

/// Partner connectors for every sender domain that reject mail from
/// elsewhere (exchange-facts F-IN-04, F-IN-05, F-IN-08).
pub(crate) fn is_lockdown(connector: &ExportObject) -> bool {
    connector.on("Enabled")
        && kind_of(connector) == "partner"
        && covers_every_sender(connector)
        && (connector.is("RestrictDomainsToIPAddresses")
            || connector.is("RestrictDomainsToCertificate"))
}

/// How a set of connectors tells the gateway: the addresses and certificate
/// names they admit, when they agree.
fn identity(connectors: &[&ExportObject]) -> Option<(Vec<String>, BTreeSet<String>)> {
    let mut seen: Option<(Vec<String>, BTreeSet<String>)> = None;
    for connector in connectors {
        let addresses = connector.list("SenderIPAddresses", Rule::IpSet);
        let certificate = connector.host("TlsSenderCertificateName");
        let mut certificates = BTreeSet::new();
        if !certificate.is_empty() && connector.is("RestrictDomainsToCertificate") {
            certificates.insert(certificate);
        }
        match &mut seen {
            None => seen = Some((addresses, certificates)),
            Some((known, known_certificates)) => {
                if !addresses.is_empty() && !known.is_empty() && *known != addresses {
                    return None;
                }
                if known.is_empty() {
                    *known = addresses;
                }
                known_certificates.extend(certificates);
            }
        }
    }
    seen
}

/// The mail-flow model's path of `class` to `domain`, as `path: ` to start
/// a finding's message with, when it ends around the gateway; empty
/// otherwise (the finding stands on its own check).
pub fn path_around(ctx: &Context<'_>, class: mailflow::Class, domain: &str) -> String {
    let path = mailflow::follow(&ctx.tenant, ctx.facts.as_ref(), class, domain);
    if path.outcome == mailflow::Outcome::Bypass {
        format!("{}: ", path.describe())
    } else {
        String::new()
    }
}

/// Connectors' names, each in backquotes, for a message.
pub fn names(connectors: &[&ExportObject]) -> String {
    connectors
        .iter()
        .map(|c| format!("`{}`", c.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A finding located on its object's name; a rule sets `command` and
/// `locate` after when they differ.
pub fn finding(
    code: AuditCode,
    kind: &str,
    object: &str,
    message: String,
    fix: String,
) -> AuditFinding {
    AuditFinding {
        code,
        kind: kind.to_owned(),
        object: object.to_owned(),
        message,
        fix,
        command: None,
        locate: object.to_owned(),
    }
}

/// The tenant's `onmicrosoft.com` domains: their MX is Microsoft's for
/// good, so no mail for them comes through the gateway, and neither MFA002
/// nor MFA008 is made of them: whether the lock-down covers them is
/// MFA015's and MFA016's (the mail-flow model's path).
pub fn is_microsoft_domain(domain: &str) -> bool {
    domain.ends_with(".onmicrosoft.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_entries_are_within_the_gateway_by_their_whole_span() {
        let nets: Vec<IpNet> = vec!["192.0.2.0/28".parse().unwrap()];
        assert!(within(&nets, "192.0.2.1"));
        assert!(within(&nets, "192.0.2.0/29"));
        assert!(within(&nets, "192.0.2.1-192.0.2.15"));
        assert!(!within(&nets, "192.0.2.1-192.0.2.16"));
        assert!(!within(&nets, "192.0.2.0/24"));
        assert!(!within(&nets, "not an address"));
    }
}
