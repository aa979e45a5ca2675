//! Audit: every path by which mail can reach a tenant's mailboxes without
//! passing the gateway, found offline in a tenant export
//! (`exchange/verify.ps1 -ExportPath`, format `mailflowc-tenant-export`).
//!
//! The export is read once into a [`TenantExport`] (`exchange::export`:
//! keys case-insensitive, `null` ≡ `[]` ≡ `[null]`, names trimmed) and its
//! values compared with the same rules as drift and the scripts
//! (`exchange::readback`): sender domains without `smtp:` and `;1`,
//! addresses as networks (exchange-readback §0, §9). With a topology, the gateway's addresses,
//! certificate and ARC sealer come from it and mailflowc's own objects are
//! known by name; without one, the gateway is what the tenant's lock-down
//! connector admits, and a finding that would depend on a guess is not made
//! (MFA014 says which checks were left out).

mod codes;

pub use codes::AuditCode;

use crate::diagnostics::Severity;
use crate::exchange::export::{ExportObject, Noun, TenantExport};
use crate::knowledge::hosts;
use crate::model::Topology;
use crate::targets::exchange::quote::quote as ps;
use crate::targets::exchange::readback::Rule;
use crate::targets::state::DesiredState;
use ipnet::IpNet;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::net::IpAddr;

pub const AUDIT_FORMAT: &str = "mailflowc-audit";

/// One path around the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFinding {
    pub code: AuditCode,
    /// The cmdlet noun of the object concerned (`InboundConnector`, …).
    pub kind: String,
    /// The object: its name, or `name: entry` for one entry of a list.
    pub object: String,
    pub message: String,
    /// The change that closes the path.
    pub fix: String,
    /// That change as one PowerShell command, when one command does it.
    pub command: Option<String>,
    /// The text whose first occurrence in the export locates the finding.
    pub locate: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub tenant: String,
    /// How the gateway was known: from the topology, from which connectors,
    /// or not at all.
    pub gateway: String,
    pub findings: Vec<AuditFinding>,
}

impl AuditReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.code.severity() == severity)
            .count()
    }
}

/// What a topology says the tenant should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub tenant: String,
    pub gateway_nets: Vec<IpNet>,
    pub gateway_certificate: Option<String>,
    /// mailflowc's own Exchange objects, lowercase names.
    pub ours: BTreeSet<String>,
    /// The routed domains, lowercase.
    pub domains: BTreeSet<String>,
    pub arc_sealer: Option<String>,
    /// Enhanced Filtering is off by the topology's choice.
    pub ef_off: bool,
}

impl Expected {
    /// What `topology` wants; refused when inbound mail does not go through
    /// the gateway (nothing to go around).
    pub fn from_topology(topology: &Topology, state: &DesiredState) -> Result<Self, String> {
        if !topology.inbound.through_gateway {
            return Err("the topology keeps inbound mail on Microsoft 365 (`inbound.through_gateway = false`): an audit looks for paths around an inbound gateway".to_owned());
        }
        let egress = &topology.gateway.egress;
        let gateway_nets = egress
            .ipv4()
            .iter()
            .map(|n| IpNet::V4(*n))
            .chain(egress.ipv6().iter().map(|n| IpNet::V6(*n)))
            .collect();
        Ok(Expected {
            tenant: topology.organization.tenant.to_ascii_lowercase(),
            gateway_nets,
            gateway_certificate: topology
                .gateway
                .tls_certificate
                .as_deref()
                .map(hosts::normalize_host),
            ours: state
                .objects
                .iter()
                .filter(|(key, _)| key.starts_with("exchange/"))
                .map(|(_, e)| e.name.to_ascii_lowercase())
                .collect(),
            domains: topology
                .organization
                .domains
                .iter()
                .map(|d| hosts::normalize_host(d))
                .collect(),
            arc_sealer: topology.gateway.arc_sealer.clone(),
            ef_off: topology.inbound.enhanced_filtering.mode == crate::parse::EfMode::Off,
        })
    }
}

/// The export's members an audit reads, with what `verify.ps1` calls to
/// fill each: an export without one was written by an older build.
pub const REQUIRED: &[Noun] = &[
    Noun::InboundConnector,
    Noun::TransportRule,
    Noun::HostedConnectionFilterPolicy,
    Noun::OrganizationConfig,
    Noun::ArcConfig,
    Noun::AcceptedDomain,
    Noun::MxRecord,
];

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
struct Gateway {
    nets: Vec<IpNet>,
    certificates: BTreeSet<String>,
    ours: BTreeSet<String>,
}

impl Gateway {
    /// Whether mail through this connector came through the gateway: it is
    /// mailflowc's, or it admits only the gateway's addresses, or (without
    /// addresses) only its certificate.
    fn owns(&self, connector: &ExportObject) -> bool {
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

fn names(connectors: &[&ExportObject]) -> String {
    connectors
        .iter()
        .map(|c| format!("`{}`", c.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn finding(
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
/// nor MFA008 is made of them.
fn is_microsoft_domain(domain: &str) -> bool {
    domain.ends_with(".onmicrosoft.com")
}

/// Audits a tenant export; `expected` comes from the topology, when given.
pub fn audit(export: &TenantExport, expected: Option<&Expected>) -> Result<AuditReport, String> {
    let lacking = export.lacking(REQUIRED);
    if !lacking.is_empty() {
        return Err(format!(
            "the export has no {}: an audit needs them; export again with this build's exchange/verify.ps1 -ExportPath",
            lacking.iter().map(|n| format!("`{}`", n.name())).collect::<Vec<_>>().join(", ")
        ));
    }
    let tenant = export.tenant.clone();
    if let Some(expected) = expected {
        export.check_tenant(&expected.tenant)?;
    }

    let inbound = export.inbound_connectors();
    let lockdowns: Vec<&ExportObject> = inbound.iter().filter(|c| is_lockdown(c)).collect();
    let broad: Vec<&ExportObject> = inbound
        .iter()
        .filter(|c| c.on("Enabled") && kind_of(c) == "partner" && covers_every_sender(c))
        .collect();
    let mut findings = Vec::new();
    let mut skipped: Vec<&str> = Vec::new();

    let (gateway, told) = match expected {
        Some(e) => (
            Some(Gateway {
                nets: e.gateway_nets.clone(),
                certificates: e.gateway_certificate.iter().cloned().collect(),
                ours: e.ours.clone(),
            }),
            "gateway from the topology".to_owned(),
        ),
        None => {
            let from = if lockdowns.is_empty() {
                &broad
            } else {
                &lockdowns
            };
            let what = if lockdowns.is_empty() {
                "Partner connector for every sender domain"
            } else {
                "lock-down connector"
            };
            match identity(from) {
                Some((addresses, certificates)) if !from.is_empty() => (
                    Some(Gateway {
                        nets: nets(&addresses),
                        certificates,
                        ours: BTreeSet::new(),
                    }),
                    format!("gateway from the {what} {}", names(from)),
                ),
                _ => {
                    let why = if from.is_empty() {
                        "no enabled Partner inbound connector accepts every sender domain, so nothing in the export says which addresses are the gateway's".to_owned()
                    } else {
                        format!("the connectors {} admit different addresses, and any of them could be the gateway", names(from))
                    };
                    let mut f = finding(
                        AuditCode::GatewayUnidentified,
                        "InboundConnector",
                        "(gateway)",
                        why,
                        "Audit again with the topology (`mailflowc audit --tenant EXPORT TOPOLOGY`): it names the gateway's addresses.".to_owned(),
                    );
                    f.locate = "InboundConnector".to_owned();
                    findings.push(f);
                    (None, "gateway not identified".to_owned())
                }
            }
        }
    };

    // MFA001, MFA002: the lock-down.
    let gateway_lockdowns: Vec<&ExportObject> = match &gateway {
        Some(g) => lockdowns.iter().copied().filter(|c| g.owns(c)).collect(),
        None => lockdowns.clone(),
    };
    if gateway_lockdowns.is_empty() && (gateway.is_some() || lockdowns.is_empty()) {
        let mut f = finding(
            AuditCode::LockdownMissing,
            "InboundConnector",
            "(none)",
            "no enabled Partner inbound connector for every sender domain (`*`) rejects mail that does not come from the gateway's addresses or certificate: anyone can send to the tenant's Microsoft 365 MX host directly".to_owned(),
            "Set `inbound.lockdown` in the topology and apply the lock-down connector mailflowc plans (after the MX cutover), or create a Partner connector with `-SenderDomains *` and `-RestrictDomainsToIPAddresses $true` (or `-RestrictDomainsToCertificate $true`) for the gateway.".to_owned(),
        );
        f.locate = "InboundConnector".to_owned();
        findings.push(f);
    }
    let accepted: Vec<(String, &ExportObject)> = export
        .accepted_domains()
        .iter()
        .map(|d| (d.host("DomainName"), d))
        .filter(|(name, _)| !name.is_empty())
        .collect();
    if !gateway_lockdowns.is_empty()
        && gateway_lockdowns.iter().all(|c| {
            !c.list("AssociatedAcceptedDomains", Rule::AcceptedDomainSet)
                .is_empty()
        })
    {
        let covered: BTreeSet<String> = gateway_lockdowns
            .iter()
            .flat_map(|c| c.list("AssociatedAcceptedDomains", Rule::AcceptedDomainSet))
            .collect();
        for (domain, _) in &accepted {
            if !covered.contains(domain) && !is_microsoft_domain(domain) {
                findings.push(finding(
                    AuditCode::LockdownPartial,
                    "AcceptedDomain",
                    domain,
                    format!("the lock-down connector {} applies only to its associated accepted domains, and `{domain}` is not one: mail to it is not restricted to the gateway", names(&gateway_lockdowns)),
                    format!("Add `{domain}` to the lock-down connector's AssociatedAcceptedDomains, or empty that list so the connector covers every accepted domain."),
                ));
            }
        }
    }

    // MFA003, MFA004, MFA011, MFA012: the inbound connectors.
    let mut ef_on = false;
    match &gateway {
        None => skipped.push(
            "other inbound connectors and Enhanced Filtering (MFA003, MFA004, MFA011, MFA012)",
        ),
        Some(g) => {
            for connector in inbound {
                if !connector.on("Enabled") {
                    continue;
                }
                let name = connector.name().to_owned();
                let owned = g.owns(connector);
                if owned {
                    let skip_last = connector.is("EFSkipLastIP");
                    let skip_listed = !connector.list("EFSkipIPs", Rule::IpSet).is_empty();
                    if skip_last || skip_listed {
                        ef_on = true;
                        let users = connector.list("EFUsers", Rule::HostSet);
                        if !users.is_empty() {
                            let mut f = finding(
                                AuditCode::EnhancedFilteringPilot,
                                "InboundConnector",
                                &name,
                                format!("Enhanced Filtering applies only to {} listed recipient(s) (EFUsers), and only to messages whose every recipient is listed: other mail is filtered as if it came from the gateway itself", users.len()),
                                "When the pilot is over, clear EFUsers so Enhanced Filtering applies to every recipient.".to_owned(),
                            );
                            f.command = Some(format!(
                                "Set-InboundConnector -Identity {} -EFUsers $null",
                                ps(&name)
                            ));
                            findings.push(f);
                        }
                    } else if !expected.is_some_and(|e| e.ef_off) && covers_every_sender(connector)
                    {
                        let mut f = finding(
                            AuditCode::EnhancedFilteringOff,
                            "InboundConnector",
                            &name,
                            "Enhanced Filtering is off on the gateway's connector (EFSkipLastIP false, EFSkipIPs empty): Microsoft 365 sees the gateway as the sender, so SPF, DKIM, DMARC and spoof intelligence judge the gateway instead of the real source".to_owned(),
                            "Turn on Enhanced Filtering for the connector: skip the last hop (the gateway), or list the gateway's addresses in EFSkipIPs.".to_owned(),
                        );
                        f.command = Some(format!(
                            "Set-InboundConnector -Identity {} -EFSkipLastIP $true",
                            ps(&name)
                        ));
                        findings.push(f);
                    }
                    continue;
                }
                if !covers_every_sender(connector) {
                    continue;
                }
                let code = match kind_of(connector).as_str() {
                    "onpremises" => AuditCode::BroadOnPremisesConnector,
                    _ => AuditCode::BroadPartnerConnector,
                };
                let from = connector.list("SenderIPAddresses", Rule::IpSet);
                let certificate = connector.text("TlsSenderCertificateName");
                let source = match (from.is_empty(), certificate.is_empty()) {
                    (false, _) => format!("from {}", from.join(", ")),
                    (true, false) => format!("with the certificate `{certificate}`"),
                    (true, true) => "from any address".to_owned(),
                };
                let message = match code {
                    AuditCode::BroadOnPremisesConnector => format!("accepts mail for every sender domain {source}, which is not the gateway, and grants it the rights of the organization's own mail (relay to the internet, internal in hybrid)"),
                    _ => format!("accepts mail for every sender domain {source}, which is not the gateway: that mail passes the lock-down and reaches mailboxes without the gateway's filtering"),
                };
                let mut f = finding(
                    code,
                    "InboundConnector",
                    &name,
                    message,
                    "Disable the connector, or narrow its SenderDomains to the partner's own domains.".to_owned(),
                );
                f.command = Some(format!(
                    "Set-InboundConnector -Identity {} -Enabled $false",
                    ps(&name)
                ));
                findings.push(f);
            }
        }
    }

    // MFA005, MFA006: transport rules that skip spam filtering.
    for rule in export.transport_rules() {
        let name = rule.name().to_owned();
        let enabled = rule.canonical("State", Rule::Word);
        let mode = rule.canonical("Mode", Rule::Word);
        if enabled == "disabled"
            || !(mode.is_empty() || mode == "enforce")
            || rule.canonical("SetSCL", Rule::Int) != "-1"
            || expected.is_some_and(|e| e.ours.contains(&name.to_ascii_lowercase()))
        {
            continue;
        }
        let ranges = rule.list("SenderIpRanges", Rule::IpSet);
        let gateway_only = match &gateway {
            _ if ranges.is_empty() => Some(false),
            Some(g) => Some(ranges.iter().all(|r| within(&g.nets, r))),
            None => None,
        };
        match gateway_only {
            None => {
                if !skipped
                    .contains(&"SCL -1 rules with sender address conditions (MFA005, MFA006)")
                {
                    skipped.push("SCL -1 rules with sender address conditions (MFA005, MFA006)");
                }
            }
            Some(true) if ef_on => {
                let mut f = finding(
                    AuditCode::SclBypassWithEf,
                    "TransportRule",
                    &name,
                    "sets SCL -1 for the gateway's addresses while Enhanced Filtering is on: Microsoft says to disable such rules once Enhanced Filtering is on (Microsoft, Enhanced Filtering for Connectors)".to_owned(),
                    "Disable the rule.".to_owned(),
                );
                f.command = Some(format!("Disable-TransportRule -Identity {}", ps(&name)));
                findings.push(f);
            }
            Some(true) => {}
            Some(false) => {
                let scope = if ranges.is_empty() {
                    "for every message its conditions match, whatever address it came from"
                        .to_owned()
                } else {
                    format!(
                        "for mail from {}, not only the gateway's addresses",
                        ranges.join(", ")
                    )
                };
                let mut f = finding(
                    AuditCode::SclBypassRule,
                    "TransportRule",
                    &name,
                    format!("sets SCL -1 (skip spam filtering) {scope}: a sender that matches it is delivered to the inbox unfiltered"),
                    "Disable the rule, or limit it to the gateway's addresses (SenderIpRanges).".to_owned(),
                );
                f.command = Some(format!("Disable-TransportRule -Identity {}", ps(&name)));
                findings.push(f);
            }
        }
    }

    // MFA007: the connection filter's allow list.
    match &gateway {
        None => skipped.push("the connection-filter allow list (MFA007)"),
        Some(g) => {
            for policy in export.objects(Noun::HostedConnectionFilterPolicy) {
                let name = policy.name();
                let mut entries = policy.texts("IPAllowList");
                entries.retain(|e| !e.is_empty());
                entries.sort();
                entries.dedup();
                for entry in entries {
                    if within(&g.nets, &entry) {
                        continue;
                    }
                    let object = format!("{name}: {entry}");
                    let mut f = finding(
                        AuditCode::ForeignAllowListEntry,
                        "HostedConnectionFilterPolicy",
                        &object,
                        format!("`{entry}` is on the allow list and is not the gateway's: mail from it skips spam filtering (Microsoft, connection filter policies)"),
                        "Remove the entry (the list's other entries stay).".to_owned(),
                    );
                    f.command = Some(format!(
                        "Set-HostedConnectionFilterPolicy -Identity {} -IPAllowList @{{Remove = {}}}",
                        ps(name),
                        ps(&entry)
                    ));
                    f.locate = entry.clone();
                    findings.push(f);
                }
            }
        }
    }

    // MFA008, MFA009: accepted domains and their MX.
    for (domain, object) in &accepted {
        if is_microsoft_domain(domain) || object.is("OutboundOnly") {
            continue;
        }
        // One map lookup a domain: the export indexed its MX records once.
        let record = export.mx_of(domain);
        let error = record.map(|r| r.text("Error")).unwrap_or_default();
        let Some(record) = record.filter(|_| error.is_empty()) else {
            let why = if record.is_none() {
                "the export holds no MX lookup for it".to_owned()
            } else {
                format!("its MX lookup failed when the export was written: {error}")
            };
            findings.push(finding(
                AuditCode::MxNotExamined,
                "AcceptedDomain",
                domain,
                format!("whether mail for `{domain}` arrives through the gateway is unknown: {why}"),
                "Export again where Resolve-DnsName works (Windows), or check the domain's MX by hand.".to_owned(),
            ));
            continue;
        };
        let microsoft: Vec<String> = record
            .list("Exchanges", Rule::HostSet)
            .into_iter()
            .filter(|host| hosts::microsoft365_mx_problem(host).is_none())
            .collect();
        if microsoft.is_empty() {
            continue;
        }
        let routed = expected.is_some_and(|e| e.domains.contains(domain));
        let fix = match expected {
            Some(_) if routed => "Finish the MX cutover: follow the runbook's DNS phases (lower the TTL, then point the MX at the gateway only).".to_owned(),
            Some(_) => format!("Add `{domain}` to `organization.domains` in the topology and follow the runbook's DNS phases, or remove the accepted domain if it receives no mail."),
            None => "Point the domain's MX at the gateway only (lower the TTL first), or remove the accepted domain if it receives no mail.".to_owned(),
        };
        findings.push(finding(
            AuditCode::MxAtMicrosoft365,
            "AcceptedDomain",
            domain,
            format!("the MX of `{domain}` points at Microsoft 365 ({}): senders deliver there directly, around the gateway", microsoft.join(", ")),
            fix,
        ));
    }

    // MFA010: Direct Send.
    let direct_send = export
        .organization_config()
        .map(|o| o.canonical("RejectDirectSend", Rule::Bool))
        .unwrap_or_default();
    if direct_send != "true" {
        let state = if direct_send.is_empty() {
            "the tenant shows no RejectDirectSend setting"
        } else {
            "RejectDirectSend is false"
        };
        let mut f = finding(
            AuditCode::DirectSendAllowed,
            "OrganizationConfig",
            "organization",
            format!("{state}: anyone can send unauthenticated mail as the tenant's own domains straight to its Microsoft 365 endpoint"),
            "Move devices and applications that send as your domains straight to Microsoft 365 to an authenticated path, then reject Direct Send (`inbound.reject_direct_send` in the topology).".to_owned(),
        );
        f.command = Some("Set-OrganizationConfig -RejectDirectSend $true".to_owned());
        f.locate = "OrganizationConfig".to_owned();
        findings.push(f);
    }

    // MFA013: the gateway as a trusted ARC sealer.
    if let Some(sealer) = expected.and_then(|e| e.arc_sealer.as_deref()) {
        let sealers = export
            .arc_config()
            .map(|a| a.list("ArcTrustedSealers", Rule::SealerSet))
            .unwrap_or_default();
        if !sealers.iter().any(|s| s == sealer) {
            let mut f = finding(
                AuditCode::ArcSealerNotTrusted,
                "ArcConfig",
                "Default",
                format!("`{sealer}` is not among the trusted ARC sealers: the messages the gateway changes may fail authentication in Microsoft 365"),
                "Apply exchange/35-arc-sealer.ps1 from the build: it adds the gateway's domain and keeps the tenant's other sealers.".to_owned(),
            );
            f.locate = "ArcConfig".to_owned();
            findings.push(f);
        }
    }

    if !skipped.is_empty() {
        if let Some(f) = findings
            .iter_mut()
            .find(|f| f.code == AuditCode::GatewayUnidentified)
        {
            f.message
                .push_str(&format!("; not examined: {}", skipped.join(", ")));
        }
    }
    findings.sort_by(|a, b| (a.code, &a.object).cmp(&(b.code, &b.object)));
    findings.dedup();
    Ok(AuditReport {
        tenant,
        gateway: told,
        findings,
    })
}

fn severity_word(code: AuditCode) -> &'static str {
    code.severity().word()
}

/// The report as JSON.
pub fn json(report: &AuditReport) -> Json {
    #[derive(Serialize)]
    struct Out<'a> {
        code: &'static str,
        severity: &'static str,
        title: &'static str,
        kind: &'a str,
        object: &'a str,
        message: &'a str,
        fix: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        command: Option<&'a str>,
    }
    let findings: Vec<Out<'_>> = report
        .findings
        .iter()
        .map(|f| Out {
            code: f.code.id(),
            severity: severity_word(f.code),
            title: f.code.title(),
            kind: &f.kind,
            object: &f.object,
            message: &f.message,
            fix: &f.fix,
            command: f.command.as_deref(),
        })
        .collect();
    serde_json::json!({
        "format": AUDIT_FORMAT,
        "version": 1,
        "tenant": report.tenant,
        "gateway": report.gateway,
        "errors": report.count(Severity::Error),
        "warnings": report.count(Severity::Warning),
        "findings": findings,
    })
}

fn summary(report: &AuditReport) -> String {
    format!(
        "{}: {} error(s), {} warning(s); {}",
        report.tenant,
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.gateway
    )
}

/// The report as text: a finding, its fix and its command, a block each.
pub fn text(report: &AuditReport) -> String {
    use crate::diagnostics::sanitize;
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&sanitize(&format!(
            "{}[{}] {} {}: {}",
            severity_word(f.code),
            f.code.id(),
            f.kind,
            f.object,
            f.message
        )));
        out.push('\n');
        out.push_str(&sanitize(&format!("  fix: {}", f.fix)));
        out.push('\n');
        if let Some(command) = &f.command {
            out.push_str(&sanitize(&format!("  run: {command}")));
            out.push('\n');
        }
    }
    out.push_str(&sanitize(&summary(report)));
    out.push('\n');
    out
}

/// The 1-based line where a finding's object first appears in the export
/// text (JSON-escaped, as the export writes it), or 1.
fn line_of(export_text: &str, locate: &str) -> usize {
    let needle = serde_json::to_string(locate).unwrap_or_default();
    let at = export_text
        .find(&needle)
        .or_else(|| export_text.find(&format!("\"{locate}\"")));
    at.map_or(1, |at| export_text[..at].matches('\n').count() + 1)
}

/// A finding as lines: what, the fix, the command; each line sanitized.
fn message_of(f: &AuditFinding) -> String {
    use crate::diagnostics::sanitize;
    let mut lines = vec![
        sanitize(&format!("{} {}: {}", f.kind, f.object, f.message)),
        sanitize(&f.fix),
    ];
    if let Some(command) = &f.command {
        lines.push(sanitize(command));
    }
    lines.join("\n")
}

/// GitHub Actions annotations on the export file, and a summary line.
pub fn github(report: &AuditReport, export_file: &str, export_text: &str) -> String {
    use crate::diagnostics::formats::{github_data, github_property, repo_relative};
    use crate::diagnostics::sanitize;
    // Escaped (`diagnostics::untrusted`), then encoded for the workflow
    // command: a file name and a tenant are text from outside too.
    let file = github_property(&sanitize(&repo_relative(export_file)));
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!(
            "::{} file={file},line={},title={}::{}\n",
            severity_word(f.code),
            line_of(export_text, &f.locate),
            github_property(f.code.id()),
            github_data(&message_of(f))
        ));
    }
    out.push_str(&format!("{}\n", github_data(&sanitize(&summary(report)))));
    out
}

/// One SARIF 2.1.0 log: a rule per code found (with its explanation), a
/// result per finding, located on the export file.
pub fn sarif(report: &AuditReport, export_file: &str, export_text: &str) -> Json {
    use crate::diagnostics::formats::{repo_relative, sarif_uri, SARIF_SCHEMA};
    let mut codes: Vec<AuditCode> = report.findings.iter().map(|f| f.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<Json> = codes
        .iter()
        .map(|code| {
            serde_json::json!({
                "id": code.id(),
                "name": code.title(),
                "shortDescription": { "text": code.title() },
                "fullDescription": { "text": code.title() },
                "help": { "text": code.explanation(), "markdown": code.explanation() },
                "defaultConfiguration": { "level": severity_word(*code) },
            })
        })
        .collect();
    let uri = sarif_uri(&repo_relative(export_file));
    let results: Vec<Json> = report
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "ruleId": f.code.id(),
                "ruleIndex": codes.iter().position(|c| *c == f.code).unwrap_or(0),
                "level": severity_word(f.code),
                "message": { "text": message_of(f) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": line_of(export_text, &f.locate) },
                    }
                }],
            })
        })
        .collect();
    serde_json::json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "mailflowc", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "invocations": [{ "executionSuccessful": true }],
            "results": results,
        }]
    })
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

    #[test]
    fn a_finding_is_located_on_the_line_of_its_object() {
        let text = "{\n  \"a\": 1,\n  \"Name\": \"x \\\"y\\\"\"\n}";
        assert_eq!(line_of(text, "x \"y\""), 3);
        assert_eq!(line_of(text, "absent"), 1);
    }
}
