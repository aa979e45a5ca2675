//! Import: a topology from a tenant export (`exchange/verify.ps1
//! -ExportPath`), for a tenant configured by hand to come under mailflowc.
//!
//! What the export says is read from its typed form (`exchange::export`),
//! with the read-back rules of `exchange::readback` and the audit's notion
//! of a lock-down, written through the import template
//! (every value through `toml_str`), and then proven: the topology is
//! checked like any other, its desired state is compared with the same
//! export by drift, and the only differences allowed are the ownership
//! markers `-Adopt` writes on the objects it takes over. Anything else is a
//! change building the topology would make, listed, and the import is
//! refused unless the caller accepts them.

mod gateway;

pub use gateway::GATEWAY_CONNECTOR_FLAG;

use crate::audit::{nets, within};
use crate::catalog;
use crate::context::Context;
use crate::diagnostics::Diagnostic;
use crate::exchange::export::{ExportObject, Noun, TenantExport};
use crate::exchange::readback::Rule;
use crate::exchange::settings;
use crate::exchange::vocabulary;
use crate::knowledge::hosts;
use crate::targets::drift::{self, DriftReport, Finding};
use crate::targets::state::{self, DesiredState};
use crate::targets::templates::ids;
use ipnet::IpNet;
use serde::Serialize;
use std::collections::BTreeSet;

/// What an import reads; an export without one of them is refused.
pub const REQUIRED: &[Noun] = &[
    Noun::InboundConnector,
    Noun::OutboundConnector,
    Noun::TransportRule,
    Noun::HostedConnectionFilterPolicy,
    Noun::HostedContentFilterPolicy,
    Noun::OrganizationConfig,
    Noun::ArcConfig,
    Noun::AcceptedDomain,
];

/// Transport-rule conditions and exceptions that narrow a rule to some mail
/// (Set-TransportRule's parameters, tests/data/exo-cmdlets.json); a rule
/// holding any is not the gateway's relay rule.
const NARROWING: &[&str] = &[
    "From",
    "FromMemberOf",
    "SentTo",
    "SentToMemberOf",
    "SenderDomainIs",
    "RecipientDomainIs",
    "RecipientAddressContainsWords",
    "AnyOfRecipientAddressContainsWords",
    "HeaderContainsMessageHeader",
    "HeaderMatchesMessageHeader",
    "SubjectContainsWords",
    "SubjectOrBodyContainsWords",
    "ExceptIfFrom",
    "ExceptIfSentTo",
    "ExceptIfRecipientDomainIs",
    "ExceptIfSenderDomainIs",
];

/// The environment variable the imported outbound secret is read from.
pub const SECRET_VARIABLE: &str = crate::init::SECRET_VARIABLE;

/// An object of the tenant the topology names, which its script takes over.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Adopted {
    pub kind: String,
    pub name: String,
    /// The generated script that applies it (to run once with `-Adopt`).
    pub file: String,
    /// Why `-Adopt` will refuse it, when it will.
    pub refused: Option<String>,
}

/// The topology written, and what building it does to the tenant.
#[derive(Debug, Clone)]
pub struct Imported {
    pub text: String,
    pub adopted: Vec<Adopted>,
    /// What building the topology would change (drift of the topology
    /// against the export, markers aside, and marked objects converge
    /// would remove).
    pub changes: DriftReport,
    pub notes: Vec<String>,
    pub warnings: Vec<Diagnostic>,
}

/// Why an import was refused.
#[derive(Debug)]
pub enum ImportError {
    /// The export cannot be imported: not an export, or nothing in it says
    /// which gateway to import.
    Export(String),
    /// The topology the export makes fails `check`: the tenant holds a
    /// value mailflowc refuses. The text is the topology, for the spans.
    Invalid {
        text: String,
        found: Vec<Diagnostic>,
    },
}

/// The values of the import template.
#[derive(Debug, Serialize, Default)]
struct Draft {
    source: String,
    tenant: String,
    organization_name: String,
    domains: Vec<String>,
    domains_from: String,
    microsoft365_mx: Vec<(String, String)>,
    gateway_name: String,
    vendor: Option<String>,
    region: Option<String>,
    egress: Vec<String>,
    egress_from: String,
    /// (host, priority): the catalog's priority when it lists the host (the
    /// export holds no preference), else 10.
    mx: Vec<(String, u16)>,
    tls_certificate: Option<String>,
    lockdown: bool,
    lockdown_by_certificate: bool,
    lockdown_onmicrosoft: bool,
    scl_bypass_rule: bool,
    ef_mode: String,
    skip_ips: Vec<String>,
    pilot_recipients: Vec<String>,
    outbound: Option<Outbound>,
    names: Vec<(String, String)>,
    notes: Vec<String>,
    adopted: Vec<Adopted>,
    changes: Vec<String>,
    /// Notes name objects the topology leaves as they are.
    left_alone: bool,

    /// What each tenant-wide setting reads back (`exchange::settings`):
    /// `allow_list`, `spf_hard_fail_off`, `reject_direct_send`, and the
    /// trusted ARC `sealers`, which the export cannot tell the gateway's of.
    #[serde(flatten)]
    settings: std::collections::BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct Outbound {
    smart_hosts: Vec<String>,
    tls: String,
    tls_domain: Option<String>,
    header: String,
    sha256: String,
    secret_from: String,
}

fn has_marker(object: &ExportObject, role: &str) -> bool {
    object.comments().any(|c| {
        c.to_ascii_lowercase()
            .contains(&format!("(mailflowc:{role})"))
    })
}

/// The one object of `candidates` that is the gateway's: the one carrying
/// mailflowc's marker for `role`, or the only one; `Err` names them when
/// more than one could be.
fn the_one<'a>(
    candidates: &[&'a ExportObject],
    role: &str,
    what: &str,
) -> Result<Option<&'a ExportObject>, String> {
    let marked: Vec<&ExportObject> = candidates
        .iter()
        .copied()
        .filter(|c| has_marker(c, role))
        .collect();
    let pool = if marked.is_empty() {
        candidates
    } else {
        &marked[..]
    };
    match pool {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => {
            let mut names: Vec<String> = many.iter().map(|c| format!("`{}`", c.name())).collect();
            names.sort();
            Err(format!(
                "{} {what}, and any of them could be the gateway's: mailflowc imports one gateway; disable the ones that are not (the audit lists them: `mailflowc audit --tenant`) and export again",
                names.join(", ")
            ))
        }
    }
}

/// Addresses in address order (IPv4 first), as an admin lists them.
fn in_address_order(addresses: &[String]) -> Vec<String> {
    let mut keyed: Vec<(Option<IpNet>, String)> = addresses
        .iter()
        .map(|a| (nets(std::slice::from_ref(a)).into_iter().next(), a.clone()))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, a)| a).collect()
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

/// The IPv4 addresses a list covers, merged: a vendor's published prefix
/// and the /24 pieces a connector holds of it compare the same, and an IPv6
/// prefix, which no connector holds (`AddressSet`), is not compared.
fn coverage(addresses: &[String]) -> Vec<ipnet::Ipv4Net> {
    crate::model::address_set::AddressSet::new(nets(addresses))
        .ipv4()
        .to_vec()
}

/// The catalog's MX hosts of a vendor's region, sorted.
fn catalog_mx(vendor: &str, region: Option<&str>) -> Vec<String> {
    catalog::select(vendor, region)
        .and_then(|s| s.mx())
        .map(|(mx, _)| sorted(mx.iter().map(|m| hosts::normalize_host(&m.host)).collect()))
        .unwrap_or_default()
}

/// The catalog vendor whose published egress covers exactly what the
/// connector admits, when one vendor does (its region told by the MX hosts,
/// when its regions share the egress); or the one vendor whose documented
/// certificate name the connector checks (then its egress is written too).
/// `(vendor, region, egress is the catalog's)`.
fn vendor_of(
    egress: &[String],
    certificate: Option<&str>,
    mx: &[String],
) -> Option<(String, Option<String>, bool)> {
    let want = coverage(egress);
    let mut found: Vec<(&catalog::Vendor, Option<&catalog::Region>)> = Vec::new();
    for vendor in catalog::vendors() {
        let regions = vendor.regions.iter().map(Some).chain([None]);
        for region in regions {
            if let Some((addresses, _)) = vendor.egress_for(region) {
                if !want.is_empty() && coverage(addresses) == want {
                    found.push((vendor, region));
                }
            }
        }
    }
    let vendors: BTreeSet<&str> = found.iter().map(|(v, _)| v.id.as_str()).collect();
    if vendors.len() == 1 {
        let vendor = found[0].0;
        let region = found
            .iter()
            .filter_map(|(_, r)| *r)
            .find(|r| !mx.is_empty() && catalog_mx(&vendor.id, Some(&r.id)) == mx)
            .map(|r| r.id.clone())
            .or_else(|| {
                // Regions that differ only in MX: without the MX, the
                // vendor's default (no `region`), else its first matching.
                if found.iter().any(|(_, r)| r.is_none()) {
                    None
                } else {
                    found[0].1.map(|r| r.id.clone())
                }
            });
        return Some((vendor.id.clone(), region, true));
    }
    let certificate = hosts::normalize_host(certificate?);
    let by_certificate: Vec<&catalog::Vendor> = catalog::vendors()
        .iter()
        .filter(|v| {
            v.certificate
                .as_ref()
                .is_some_and(|c| hosts::normalize_host(&c.name) == certificate)
        })
        .collect();
    match by_certificate[..] {
        [vendor] => Some((vendor.id.clone(), None, false)),
        _ => None,
    }
}

/// Reads the export into the template's values.
fn draft(export: &TenantExport, source: &str, chosen: Option<&str>) -> Result<Draft, String> {
    let lacking: Vec<String> = export
        .lacking(REQUIRED)
        .iter()
        .map(|n| format!("`{}`", n.name()))
        .collect();
    if !lacking.is_empty() {
        return Err(format!(
            "the export has no {}: an import needs them; export again with this build's exchange/verify.ps1 -ExportPath",
            lacking.join(", ")
        ));
    }
    let mut d = Draft {
        source: source.to_owned(),
        tenant: export.tenant.clone(),
        ..Draft::default()
    };
    d.organization_name = d
        .tenant
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("Imported")
        .to_owned();

    // The gateway: what the lock-down admits, or the operator's choice.
    let (gateway_in, lockdown) = gateway::choose(export, chosen, &mut d.notes)?;
    let Some(identifying) = gateway_in.or(lockdown) else {
        return Err(
            "no enabled Partner inbound connector accepts every sender domain, so nothing in the export says which addresses are the gateway's: `mailflowc init` writes a starter topology instead".to_owned(),
        );
    };

    // The domains: the lock-down connector's, else every accepted domain
    // that is not the tenant's onmicrosoft.com one.
    let accepted: Vec<String> = sorted(
        export
            .accepted_domains()
            .iter()
            .map(|a| a.host("DomainName"))
            .filter(|a| !a.is_empty() && !a.ends_with(".onmicrosoft.com"))
            .collect(),
    );
    let associated = lockdown
        .map(|l| l.list("AssociatedAcceptedDomains", Rule::AcceptedDomainSet))
        .unwrap_or_default();
    // The tenant's onmicrosoft.com domain in a scoped lock-down is what
    // `lockdown_onmicrosoft` says, not a routed domain; a scoped lock-down
    // without it keeps it out (`lockdown_onmicrosoft = false`).
    d.lockdown_onmicrosoft =
        associated.is_empty() || associated.contains(&d.tenant.to_ascii_lowercase());
    let scoped: Vec<String> = associated
        .into_iter()
        .filter(|a| !a.ends_with(".onmicrosoft.com"))
        .collect();
    if scoped.is_empty() {
        // Without a lock-down, an accepted domain is routed only when its MX
        // already points away from Microsoft 365: one whose MX is still
        // Microsoft's would be cut over by the DNS fragments, and an
        // outbound-only one receives no mail.
        let outbound_only: BTreeSet<String> = export
            .accepted_domains()
            .iter()
            .filter(|a| a.is("OutboundOnly"))
            .map(|a| a.host("DomainName"))
            .collect();
        let at_microsoft: BTreeSet<String> = export
            .mx_records()
            .iter()
            .filter(|r| {
                let exchanges = r.list("Exchanges", Rule::HostSet);
                exchanges.is_empty()
                    || exchanges
                        .iter()
                        .any(|h| hosts::microsoft365_mx_problem(h).is_none())
            })
            .map(|r| r.host("Domain"))
            .collect();
        let (kept, left): (Vec<String>, Vec<String>) = accepted
            .into_iter()
            .partition(|a| !outbound_only.contains(a) && !at_microsoft.contains(a));
        if !left.is_empty() {
            d.notes.push(format!(
                "not routed (no lock-down connector names them, and their MX is Microsoft 365's, unknown, or they are outbound-only): {}; add to `organization.domains` the ones to move to the gateway",
                left.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        d.domains = kept;
        d.domains_from = "the accepted domains whose MX is not Microsoft 365's".to_owned();
    } else {
        d.domains = sorted(scoped);
        d.domains_from = "the lock-down connector's accepted domains".to_owned();
    }
    if d.domains.is_empty() {
        return Err("no accepted domain is routed to the gateway (a lock-down connector's, or one whose MX points away from Microsoft 365): there is nothing to import; `mailflowc init` writes a starter topology instead".to_owned());
    }

    // MX: the Microsoft 365 host of a domain that has another than the
    // default, and the gateway's hosts when every domain's agree.
    let mut gateway_mx: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut at_microsoft = Vec::new();
    for record in export.mx_records() {
        let domain = record.host("Domain");
        if !d.domains.contains(&domain) {
            continue;
        }
        let exchanges = sorted(record.list("Exchanges", Rule::HostSet));
        let (microsoft, others): (Vec<String>, Vec<String>) = exchanges
            .into_iter()
            .partition(|h| hosts::microsoft365_mx_problem(h).is_none());
        if !microsoft.is_empty() {
            at_microsoft.push(domain.clone());
        }
        if let [host] = &microsoft[..] {
            if *host != hosts::default_microsoft365_mx(&domain) {
                d.microsoft365_mx.push((domain.clone(), host.clone()));
            }
        }
        if !others.is_empty() {
            gateway_mx.insert(others);
        }
    }
    d.microsoft365_mx.sort();
    if !at_microsoft.is_empty() {
        at_microsoft.sort();
        d.notes.push(format!(
            "the MX of {} is still Microsoft 365's: the export does not hold its TTL, so `dns.current_ttl` is the default (3600); set it to the TTL your DNS serves before the cutover",
            at_microsoft.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    let seen_mx = if gateway_mx.len() == 1 {
        gateway_mx.iter().next().cloned().unwrap_or_default()
    } else {
        if gateway_mx.len() > 1 {
            d.notes.push(
                "the domains' MX point at different gateway hosts; one topology has one set (`gateway.mx`), so none is written: DNS fragments follow the catalog or are not written".to_owned(),
            );
        }
        Vec::new()
    };

    let egress = identifying.list("SenderIPAddresses", Rule::IpSet);
    let certificate = Some(identifying.canonical("TlsSenderCertificateName", Rule::HostSet))
        .filter(|c| !c.is_empty());
    d.tls_certificate = certificate.clone();
    match vendor_of(&egress, certificate.as_deref(), &seen_mx) {
        Some((vendor, region, egress_is_catalog)) => {
            let entry = catalog::find(&vendor)
                .map(|v| v.name.clone())
                .unwrap_or_default();
            d.gateway_name = entry;
            if !egress_is_catalog {
                d.egress = in_address_order(&egress);
                d.egress_from = identifying.name().to_owned();
            }
            d.vendor = Some(vendor);
            d.region = region;
        }
        None => {
            if egress.is_empty() {
                return Err(format!(
                    "the connector `{}` admits the gateway by certificate only, and no catalog vendor documents the name `{}`: mailflowc needs the gateway's addresses (`gateway.egress`); `mailflowc init` writes a starter topology instead",
                    identifying.name(),
                    certificate.unwrap_or_default()
                ));
            }
            d.gateway_name = "Secure email gateway".to_owned();
            d.egress = in_address_order(&egress);
            d.egress_from = identifying.name().to_owned();
        }
    }
    // What the tenant's domains resolve to is written even when it is the
    // catalog's: a catalog's MX may be only its guide's example (MF0706).
    let catalog_priority = |host: &str| {
        d.vendor
            .as_deref()
            .and_then(|v| catalog::select(v, d.region.as_deref()))
            .and_then(|s| s.mx())
            .and_then(|(mx, _)| {
                mx.iter()
                    .find(|m| hosts::normalize_host(&m.host) == host)
                    .map(|m| m.priority)
            })
    };
    let mut priorities_known = true;
    d.mx = seen_mx
        .iter()
        .map(|h| {
            let p = catalog_priority(h);
            priorities_known &= p.is_some();
            (h.clone(), p.unwrap_or(10))
        })
        .collect();
    if !d.mx.is_empty() && !priorities_known {
        d.notes.push("the export holds the MX hosts, not their preferences: `gateway.mx` gives each priority 10; set the ones your DNS serves".to_owned());
    }
    if d.domains
        .iter()
        .any(|dom| !d.microsoft365_mx.iter().any(|(m, _)| m == dom))
        && !seen_mx.is_empty()
    {
        d.notes.push("a domain whose MX already points at the gateway has its Microsoft 365 MX host assumed `<domain-with-dashes>.mail.protection.outlook.com`; for a domain with inbound DNSSEC (`…mx.microsoft`), set `organization.microsoft365_mx` (admin center, Settings > Domains > DNS records)".to_owned());
    }
    let gateway_nets = nets(&egress);

    // The tenant-wide settings, each read back by its own file.
    d.settings = settings::read_back(export, &|entry| within(&gateway_nets, entry));

    // Inbound options.
    d.lockdown = lockdown.is_some();
    d.lockdown_by_certificate = lockdown.is_some_and(|l| {
        l.is("RestrictDomainsToCertificate") && !l.is("RestrictDomainsToIPAddresses")
    });
    let skip_ips = identifying.list("EFSkipIPs", Rule::IpSet);
    d.ef_mode = if identifying.is("EFSkipLastIP") {
        "skip-last-ip"
    } else if !skip_ips.is_empty() {
        d.skip_ips = skip_ips;
        "skip-listed"
    } else {
        "off"
    }
    .to_owned();
    d.pilot_recipients = identifying.list("EFUsers", Rule::HostSet);

    // Names of the objects the topology takes over.
    let mut name = |key: &str, object: Option<&ExportObject>| {
        if let Some(object) = object {
            d.names.push((key.to_owned(), object.name().to_owned()));
        }
    };
    name("inbound_connector", gateway_in);
    name("lockdown_connector", lockdown);

    // An SCL -1 rule for the gateway's addresses, which mailflowc manages
    // only with Enhanced Filtering off.
    let rules = export.transport_rules();
    let scl: Vec<&ExportObject> = rules
        .iter()
        .filter(|r| {
            r.canonical("State", Rule::Word) == "enabled"
                && r.canonical("SetSCL", Rule::Int) == "-1"
                && {
                    let ranges = r.list("SenderIpRanges", Rule::IpSet);
                    !ranges.is_empty() && ranges.iter().all(|e| within(&gateway_nets, e))
                }
        })
        .collect();
    let scl_rule = the_one(
        &scl,
        "scl-bypass-rule",
        "are SCL -1 rules for the gateway's addresses",
    )?;
    if let Some(rule) = scl_rule {
        if d.ef_mode == "off" {
            d.scl_bypass_rule = true;
            name("scl_bypass_rule", Some(rule));
        } else {
            d.notes.push(format!(
                "the rule `{}` sets SCL -1 for the gateway's addresses while Enhanced Filtering is on; mailflowc does not manage such a rule (MF0205), so it is left out: remove it (audit MFA006)",
                rule.name()
            ));
        }
    }

    // Outbound: a rule stamping a header on mail it routes to a connector.
    let stamping: Vec<&ExportObject> = rules
        .iter()
        .filter(|r| {
            r.canonical("State", Rule::Word) == "enabled"
                && !r.text("RouteMessageOutboundConnector").is_empty()
                && !r.text("SetHeaderName").is_empty()
        })
        .collect();
    // A rule with conditions of its own (one recipient domain, a group)
    // routes some mail only: it is not the gateway's relay, whatever it
    // stamps. mailflowc's rule has only FromScope and SentToScope.
    let (stamping, narrow): (Vec<&ExportObject>, Vec<&ExportObject>) =
        stamping.into_iter().partition(|r| {
            NARROWING.iter().all(|c| r.list(c, Rule::Text).is_empty())
                && r.canonical("SentToScope", Rule::Word) == "notinorganization"
        });
    for rule in narrow {
        d.notes.push(format!(
            "the rule `{}` stamps a header and routes to `{}`, but only for some mail (conditions of its own, or not all mail to outside recipients): it is not taken as the gateway's relay, and mailflowc leaves it alone",
            rule.name(),
            rule.text("RouteMessageOutboundConnector")
        ));
    }
    if let Some(rule) = the_one(
        &stamping,
        "outbound-rule",
        "are rules that stamp a header and route to an outbound connector",
    )? {
        let connector_name = rule.text("RouteMessageOutboundConnector");
        let connector = export
            .named(Noun::OutboundConnector, &connector_name)
            .ok_or_else(|| {
                format!(
                    "the rule `{}` routes to the outbound connector `{connector_name}`, which the export does not hold",
                    rule.name()
                )
            })?;
        let tls = match connector.canonical("TlsSettings", Rule::Word).as_str() {
            "domainvalidation" => "domain-validation",
            "encryptiononly" => "encryption-only",
            // No TLS setting cannot be written: mailflowc always wants one,
            // and the round trip lists the change.
            _ => "certificate-validation",
        };
        // A secret the export holds as it is would be written into the
        // topology: refused, never shown.
        let sha256 = rule
            .set_header_value()
            .map_err(|why| format!("the rule `{}` holds in SetHeaderValue {why}", rule.name()))?;
        d.outbound = Some(Outbound {
            smart_hosts: connector.list("SmartHosts", Rule::HostSet),
            tls: tls.to_owned(),
            tls_domain: Some(connector.canonical("TlsDomain", Rule::HostSet))
                .filter(|t| tls == "domain-validation" && !t.is_empty()),
            header: rule.text("SetHeaderName"),
            sha256,
            secret_from: format!("env:{SECRET_VARIABLE}"),
        });
        d.notes.push(format!(
            "the secret `{}` is checked by 60-outbound-rule.ps1 when it runs: 32 or more letters and digits; a secret of another form must be rotated on both sides (README, rotating the secret)",
            SECRET_VARIABLE
        ));
        name("outbound_connector", Some(connector));
        name("outbound_rule", Some(rule));
    }
    gateway::left_alone(export, &mut d.notes, &d.names, &mut d.left_alone);
    Ok(d)
}

/// Whether a finding is only the ownership marker `-Adopt` writes on an
/// object it takes over.
fn is_marker_only(finding: &Finding, adopted: &[Adopted]) -> bool {
    finding.problem == "differs"
        && matches!(finding.property.as_deref(), Some("Comment" | "Comments"))
        && adopted
            .iter()
            .any(|a| a.kind == finding.kind && a.name.eq_ignore_ascii_case(&finding.name))
}

/// Objects the topology names that the tenant holds without mailflowc's marker.
fn adoptions(desired: &DesiredState, export: &TenantExport) -> Vec<Adopted> {
    let mut out = Vec::new();
    for entry in desired.objects.values() {
        let Some(marker) = &entry.marker else {
            continue;
        };
        let Some(found) =
            Noun::of_kind(&entry.kind).and_then(|noun| export.named(noun, &entry.name))
        else {
            continue;
        };
        let role = marker.trim_start_matches("mailflowc:");
        if has_marker(found, role) {
            continue;
        }
        // The script refuses to adopt a rule that already stamps a value
        // (templates/powershell/_object.ps1.j2): its rollback could not
        // restore a secret it never recorded.
        let refused = (entry.kind == vocabulary::TRANSPORT_RULE
            && found.set_header_value() != Ok(String::new()))
        .then(|| {
            "it already stamps a header value, which a rollback could not restore: -Adopt refuses it; rename it in Exchange (or remove it, noting its settings) so the script creates mailflowc's own".to_owned()
        });
        out.push(Adopted {
            kind: entry.kind.clone(),
            name: entry.name.clone(),
            file: entry.file.clone(),
            refused,
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file).then(a.name.cmp(&b.name)));
    out
}

/// Objects carrying a mailflowc marker for a role the topology does not
/// have: `80-converge.ps1` removes them.
fn orphans(desired: &DesiredState, export: &TenantExport) -> Vec<Finding> {
    let markers: BTreeSet<&str> = desired
        .objects
        .values()
        .filter_map(|e| e.marker.as_deref())
        .collect();
    let mut out = Vec::new();
    for noun in [
        Noun::InboundConnector,
        Noun::OutboundConnector,
        Noun::TransportRule,
    ] {
        for object in export.objects(noun) {
            for p in ["Comment", "Comments"] {
                let comment = object.text(p);
                // As 80-converge.ps1 reads it: `\(mailflowc:([a-z0-9-]+)\)`,
                // matched case-insensitively (PowerShell's -match).
                let lower = comment.to_ascii_lowercase();
                let Some(at) = lower.find("(mailflowc:") else {
                    continue;
                };
                let rest = &lower[at + 1..];
                let role: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-')
                    .collect();
                if !rest[role.len()..].starts_with(')') {
                    continue;
                }
                if !markers.contains(role.as_str()) {
                    out.push(Finding {
                        key: format!("exchange/{}", role.trim_start_matches("mailflowc:")),
                        kind: noun.name().to_owned(),
                        name: object.name().to_owned(),
                        problem: "removed".to_owned(),
                        property: None,
                        found: None,
                        wanted: Some(format!(
                            "removed by exchange/80-converge.ps1 (it carries `{role}`, a role the topology does not have)"
                        )),
                        missing: Vec::new(),
                        extra: Vec::new(),
                    });
                }
            }
        }
    }
    out
}

fn render(d: &Draft) -> Result<String, String> {
    let env = crate::targets::environment().map_err(|e| format!("internal error: {e:#}"))?;
    env.get_template(ids::IMPORT_TOPOLOGY)
        .and_then(|t| t.render(d))
        .map_err(|e| format!("internal error: {e:#}"))
}

/// A line of a change, as drift prints it.
fn change_lines(report: &DriftReport) -> Vec<String> {
    drift::text(report)
        .lines()
        .filter(|l| !l.starts_with('(') && !l.starts_with(&format!("{}:", report.tenant)))
        .map(str::to_owned)
        .collect()
}

/// Imports a tenant export: the topology, the objects it adopts and the
/// changes building it would make. `source` names the export in the
/// topology's header (sanitized there).
pub fn import(export: &TenantExport, source: &str, ctx: &Context) -> Result<Imported, ImportError> {
    import_with(export, source, ctx, None)
}

/// [`import`], the gateway's inbound connector named by the operator
/// (`--gateway-connector`) where the export cannot tell it.
pub fn import_with(
    export: &TenantExport,
    source: &str,
    ctx: &Context,
    gateway_connector: Option<&str>,
) -> Result<Imported, ImportError> {
    let file_name = std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_owned(), |n| n.to_string_lossy().into_owned());
    // A refusal names the tenant's objects: escaped, as every value from outside.
    let mut d = draft(
        export,
        &crate::targets::source_label(&file_name),
        gateway_connector,
    )
    .map_err(|why| ImportError::Export(crate::diagnostics::sanitize(&why)))?;
    // First pass: the topology without its report, to compute the report.
    let first = render(&d).map_err(ImportError::Export)?;
    let (topology, found) = crate::pipeline::analyze_with(&first, ctx);
    let Some(topology) = topology else {
        return Err(ImportError::Invalid { text: first, found });
    };
    let desired = state::desired_state(&topology, &crate::targets::plan(&topology));
    let report = drift::drift(&desired, export).map_err(ImportError::Export)?;
    let adopted = adoptions(&desired, export);
    let mut findings: Vec<Finding> = report
        .findings
        .into_iter()
        .filter(|f| !is_marker_only(f, &adopted))
        .collect();
    findings.extend(orphans(&desired, export));
    let changes = DriftReport {
        tenant: report.tenant,
        findings,
    };
    // Second pass: the same topology, its header saying what was found.
    d.adopted = adopted.clone();
    d.changes = change_lines(&changes);
    let text = render(&d).map_err(ImportError::Export)?;
    // The warnings again, of the text written, so their spans point into it.
    let (_, warnings) = crate::pipeline::analyze_with(&text, ctx);
    Ok(Imported {
        text,
        adopted,
        changes,
        notes: d.notes.clone(),
        warnings,
    })
}
