//! A model of how mail reaches a tenant's mailboxes behind a gateway (issue
//! 26): given a tenant (read from the typed export, [`Tenant`]) and what is
//! known of the gateway ([`GatewayFacts`], from the topology or from the
//! connectors that admit it), each message class ([`Class`]) is followed
//! from its sender through DNS and Exchange Online's connectors to an
//! [`Outcome`], as a [`Path`] that names every hop.
//!
//! Each rule cites the scenario of `tests/data/mailflow/scenarios.toml`
//! that states it (`S01` …) with its source; a rule no source states says
//! *assumed*. `tests/mailflow.rs` runs every scenario against the model.
//! The model is deterministic (connectors in name order, no hashing) and
//! imports nothing from the code that renders scripts (`targets`): `audit`
//! and `import` read it, never the reverse.

mod exchange;
mod tenant;

pub use exchange::on_premises_risk;

pub use tenant::{domain_matches, is_onmicrosoft, networks, overlaps, Connector, Kind, Tenant};

use crate::knowledge::{hosts, microsoft365};
use ipnet::IpNet;

/// Who sends, and to where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Anyone on the internet, to an accepted domain through its MX.
    Internet,
    /// Anyone on the internet, straight to the domain's Microsoft 365 host,
    /// as a stale MX record (or its predictable name) gives it (S18, S19).
    InternetDirect,
    /// The gateway, from its egress, presenting its certificate.
    Gateway,
    /// Any other Microsoft 365 tenant: Exchange Online's shared outbound
    /// addresses and certificate, straight to this tenant's Microsoft 365
    /// host (a tenant can route to any smart host: *assumed*).
    OtherTenant,
    /// A device or application sending anonymously as the tenant's own
    /// domain straight to the Microsoft 365 MX (Direct Send).
    OwnDomainDirect,
    /// The organization's own server through its OnPremises connector.
    OnPremises,
    /// A user's mail to the internet.
    Outbound,
    /// Another tenant relaying through the gateway's relay side.
    OtherTenantRelay,
}

impl Class {
    pub fn sender(self) -> &'static str {
        match self {
            Class::Internet => "anyone on the internet",
            Class::InternetDirect => "anyone on the internet (a stale MX)",
            Class::Gateway => "the gateway",
            Class::OtherTenant => "any other Microsoft 365 tenant",
            Class::OwnDomainDirect => "a device sending as the tenant's own domain",
            Class::OnPremises => "the on-premises server",
            Class::Outbound => "a user of the tenant",
            Class::OtherTenantRelay => "another Microsoft 365 tenant, through the gateway's relay",
        }
    }
}

/// Where a message ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered, and it passed the gateway.
    ThroughGateway,
    /// Delivered around the gateway.
    Bypass,
    /// Rejected; the bounce the sender sees (or what rejects it, where no
    /// source gives the bounce's text).
    Rejected(String),
    /// Dropped without a bounce.
    Dropped,
    /// The export cannot tell (why).
    Unknown(String),
}

impl Outcome {
    pub fn label(&self) -> String {
        match self {
            Outcome::ThroughGateway => "delivered through the gateway".to_owned(),
            Outcome::Bypass => "delivered around the gateway".to_owned(),
            Outcome::Rejected(bounce) => format!("rejected ({bounce})"),
            Outcome::Dropped => "dropped without a bounce".to_owned(),
            Outcome::Unknown(why) => format!("not known: {why}"),
        }
    }
}

/// One message's way, hop by hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub class: Class,
    /// The recipient's domain.
    pub domain: String,
    /// Sender, host, connector, outcome.
    pub hops: Vec<String>,
    /// The connector that accepted or rejected the message.
    pub via: Option<String>,
    pub outcome: Outcome,
    /// Why spam filtering is weakened for it (allow list, SCL -1 rules).
    pub weakened: Vec<String>,
    /// A condition Microsoft warns may break the path (MC1226222).
    pub at_risk: Option<String>,
    /// The scenarios whose rules decided it.
    pub rules: Vec<&'static str>,
}

impl Path {
    /// `sender → host → connector → outcome`, as a finding names it.
    pub fn describe(&self) -> String {
        self.hops.join(" → ")
    }
}

/// What is known of the gateway.
#[derive(Debug, Clone, Default)]
pub struct GatewayFacts {
    pub egress: Vec<IpNet>,
    pub certificates: Vec<String>,
    /// Its MX hosts; empty: any MX that is not Microsoft 365's counts as the
    /// gateway's (*assumed*).
    pub mx_hosts: Vec<String>,
    /// Its relay side drops relayed mail without the guard's header (S16).
    pub relay_guard: bool,
}

/// A sender as Exchange Online sees it.
#[derive(Debug, Clone)]
struct Sender {
    /// The addresses it sends from; empty: an arbitrary internet address,
    /// listed on no connector.
    addresses: Vec<IpNet>,
    /// The names its TLS certificate presents.
    certificates: Vec<String>,
    /// The envelope sender's domain (P1 MAIL FROM).
    mail_from: String,
    from_gateway: bool,
}

/// The names Exchange Online's certificate presents, for every tenant:
/// CN `mail.protection.outlook.com` and its SANs (S08, eopfieldnotes).
pub const EXCHANGE_ONLINE_CERTIFICATE: &[&str] = &[
    "mail.protection.outlook.com",
    "*.mail.protection.outlook.com",
    "*.mail.eo.outlook.com",
    "outlook.com",
    "mail.messaging.microsoft.com",
];

/// Exchange Online's shared outbound ranges (S07; `knowledge::microsoft365`).
pub fn exchange_online_ranges() -> Vec<IpNet> {
    microsoft365::MAIL_RANGES
        .iter()
        .filter_map(|r| r.parse().ok())
        .collect()
}

/// Whether a connector identifies every Microsoft 365 tenant: it lists
/// one of Exchange Online's shared addresses (S07) or names a certificate
/// Exchange Online presents for all (S08).
pub fn admits_other_tenants(connector: &Connector) -> bool {
    overlaps(&connector.addresses, &exchange_online_ranges())
        || (!connector.certificate.is_empty()
            && (connector.restrict_certificate || connector.kind == Kind::OnPremises)
            && EXCHANGE_ONLINE_CERTIFICATE
                .iter()
                .any(|c| exchange::certificate_matches(&connector.certificate, c)))
}

/// A domain no tenant's accepted domains hold, as other senders' own.
const FOREIGN_DOMAIN: &str = "sender.example";

/// Follows one message of `class` to `domain` (an accepted domain, or for
/// outbound classes an external domain).
pub fn follow(tenant: &Tenant, gateway: Option<&GatewayFacts>, class: Class, domain: &str) -> Path {
    let domain = hosts::normalize_host(domain);
    let mut path = Path {
        class,
        domain: domain.clone(),
        hops: vec![class.sender().to_owned()],
        via: None,
        outcome: Outcome::Unknown(String::new()),
        weakened: Vec::new(),
        at_risk: None,
        rules: Vec::new(),
    };
    match class {
        Class::Internet => internet(tenant, gateway, &domain, &mut path),
        Class::InternetDirect => {
            path.rules.extend(["S18", "S19"]);
            path.hops.push(format!(
                "`{}` (Microsoft 365)",
                hosts::default_microsoft365_mx(&domain)
            ));
            let sender = Sender {
                addresses: Vec::new(),
                certificates: Vec::new(),
                mail_from: FOREIGN_DOMAIN.to_owned(),
                from_gateway: false,
            };
            exchange::arrive(tenant, &sender, &domain, &mut path);
        }
        Class::Gateway => {
            let sender = gateway_sender(gateway);
            path.rules.push("S06");
            path.hops.push(format!("its egress to `{domain}`"));
            exchange::arrive(tenant, &sender, &domain, &mut path);
        }
        Class::OtherTenant => {
            let sender = Sender {
                addresses: exchange_online_ranges(),
                certificates: EXCHANGE_ONLINE_CERTIFICATE
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                mail_from: FOREIGN_DOMAIN.to_owned(),
                from_gateway: false,
            };
            path.rules.extend(["S07", "S08"]);
            path.hops.push(format!(
                "Exchange Online's shared addresses and certificate, to `{domain}`'s Microsoft 365 host"
            ));
            exchange::arrive(tenant, &sender, &domain, &mut path);
        }
        Class::OwnDomainDirect => {
            let sender = Sender {
                addresses: Vec::new(),
                certificates: Vec::new(),
                mail_from: domain.clone(),
                from_gateway: false,
            };
            path.rules.extend(["S10", "S11"]);
            path.hops.push(format!(
                "`{}` (Microsoft 365), as `{domain}`",
                hosts::default_microsoft365_mx(&domain)
            ));
            exchange::arrive(tenant, &sender, &domain, &mut path);
        }
        Class::OnPremises => {
            let Some(server) = tenant.inbound.iter().find(|c| c.kind == Kind::OnPremises) else {
                path.outcome =
                    Outcome::Unknown("the tenant has no OnPremises connector".to_owned());
                return path;
            };
            let sender = Sender {
                addresses: server.addresses.clone(),
                certificates: [server.certificate.clone()]
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect(),
                mail_from: domain.clone(),
                from_gateway: false,
            };
            path.rules.push("S14");
            path.hops.push(format!("the server of `{}`", server.name));
            exchange::arrive(tenant, &sender, &domain, &mut path);
        }
        Class::Outbound => exchange::outbound(tenant, &domain, &mut path),
        Class::OtherTenantRelay => {
            path.rules.push("S16");
            path.hops.push("the gateway's relay side".to_owned());
            match gateway {
                Some(g) if g.relay_guard => {
                    path.via = Some("gateway relay guard".to_owned());
                    path.hops.push("no guard header".to_owned());
                    path.outcome = Outcome::Dropped;
                }
                Some(_) => {
                    path.outcome = Outcome::Unknown(
                        "the gateway's relay side is not described (no outbound in the topology)"
                            .to_owned(),
                    )
                }
                None => path.outcome = Outcome::Unknown("the gateway is not known".to_owned()),
            }
            path.hops.push(path.outcome.label());
        }
    }
    path
}

fn gateway_sender(gateway: Option<&GatewayFacts>) -> Sender {
    Sender {
        addresses: gateway.map(|g| g.egress.clone()).unwrap_or_default(),
        certificates: gateway.map(|g| g.certificates.clone()).unwrap_or_default(),
        mail_from: FOREIGN_DOMAIN.to_owned(),
        from_gateway: true,
    }
}

/// An internet sender resolves the recipient domain's MX (S01, S02).
fn internet(tenant: &Tenant, gateway: Option<&GatewayFacts>, domain: &str, path: &mut Path) {
    let hosts_of = match tenant.mx_of(domain) {
        // Assumed: mail for a domain the tenant does not accept is refused
        // (no scenario: the model is asked about accepted domains only).
        None => {
            path.outcome = Outcome::Rejected(format!("`{domain}` is not an accepted domain"));
            path.hops.push(path.outcome.label());
            return;
        }
        Some(Err(why)) => {
            path.outcome = Outcome::Unknown(why.clone());
            path.hops.push(path.outcome.label());
            return;
        }
        Some(Ok(found)) => found,
    };
    let microsoft: Vec<&String> = hosts_of
        .iter()
        .filter(|h| hosts::microsoft365_mx_problem(h).is_none())
        .collect();
    // S02: a sender may pick any of the MX hosts; one at Microsoft 365 is
    // enough for it to arrive there directly.
    if let Some(host) = microsoft.first() {
        path.rules.push("S02");
        path.hops.push(format!("MX `{host}` (Microsoft 365)"));
        let sender = Sender {
            addresses: Vec::new(),
            certificates: Vec::new(),
            mail_from: FOREIGN_DOMAIN.to_owned(),
            from_gateway: false,
        };
        exchange::arrive(tenant, &sender, domain, path);
        return;
    }
    let host = hosts_of.first().cloned().unwrap_or_default();
    if let Some(g) = gateway.filter(|g| !g.mx_hosts.is_empty()) {
        if !hosts_of.iter().all(|h| g.mx_hosts.contains(h)) {
            path.hops.push(format!("MX `{host}`"));
            path.outcome = Outcome::Unknown(format!(
                "the MX of `{domain}` names a host that is neither Microsoft 365's nor the gateway's"
            ));
            path.hops.push(path.outcome.label());
            return;
        }
    }
    // S01: the gateway receives it and relays it from its egress.
    path.rules.push("S01");
    path.hops.push(format!("MX `{host}` (the gateway)"));
    exchange::arrive(tenant, &gateway_sender(gateway), domain, path);
}
