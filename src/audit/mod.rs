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
//! (MFA014 says which checks were left out). MFA015 to MFA018 follow
//! message classes through the mail-flow model (`crate::mailflow`) and name
//! the path each finding is about.
//!
//! Layout, after ruff's: `codes.rs` names each code (severity, title);
//! `explain/` holds its documentation; `rules/` its check, messages and fix,
//! listed in `rules::RULES`; `context.rs` what every check reads, prepared
//! once; `output.rs` the report's formats. This file runs the registry.

mod codes;
mod context;
mod output;
mod rules;

pub use codes::AuditCode;
pub use context::Context;
pub(crate) use context::{covers_every_sender, is_lockdown, kind_of, nets, within};
pub use output::{github, json, sarif, text};
pub use rules::{AuditRule, Found, RULES};

use crate::diagnostics::Severity;
use crate::exchange::export::{Noun, TenantExport};
use crate::knowledge::hosts;
use crate::model::Topology;
use crate::targets::state::DesiredState;
use ipnet::IpNet;
use std::collections::BTreeSet;

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
    /// The gateway's MX hosts, normalised.
    pub gateway_mx: Vec<String>,
    /// The gateway's relay side carries the guard (an outbound path).
    pub relay_guard: bool,
    /// The accepted domains the topology's own lock-down covers, as the
    /// build's desired state sets its `AssociatedAcceptedDomains` (empty:
    /// every accepted domain); `None` when the topology plans no lock-down.
    /// Whatever decides that scope (the routed domains, or a default that
    /// adds the onmicrosoft.com domain with an opt-out), the audit reads
    /// the outcome here: a domain the topology leaves out is its choice.
    pub lockdown_scope: Option<Vec<String>>,
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
            gateway_mx: topology
                .gateway
                .mx
                .iter()
                .map(|m| hosts::normalize_host(&m.host))
                .collect(),
            relay_guard: topology.outbound.is_some(),
            lockdown_scope: state.objects.get("exchange/lockdown-connector").map(|e| {
                e.properties
                    .get("AssociatedAcceptedDomains")
                    .and_then(serde_json::Value::as_array)
                    .map(|domains| {
                        domains
                            .iter()
                            .filter_map(serde_json::Value::as_str)
                            .map(hosts::normalize_host)
                            .collect()
                    })
                    .unwrap_or_default()
            }),
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

/// Audits a tenant export; `expected` comes from the topology, when given:
/// the export's members are checked, the shared preparation made once
/// ([`Context`]), then every rule of [`RULES`] runs, in code order.
pub fn audit(export: &TenantExport, expected: Option<&Expected>) -> Result<AuditReport, String> {
    let lacking = export.lacking(REQUIRED);
    if !lacking.is_empty() {
        return Err(format!(
            "the export has no {}: an audit needs them; export again with this build's exchange/verify.ps1 -ExportPath",
            lacking.iter().map(|n| format!("`{}`", n.name())).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(expected) = expected {
        export.check_tenant(&expected.tenant)?;
    }
    let ctx = Context::new(export, expected);
    let mut found = Found::default();
    for rule in RULES {
        (rule.check)(&ctx, &mut found);
    }
    let Found {
        mut findings,
        not_examined,
    } = found;
    if !not_examined.is_empty() {
        if let Some(f) = findings
            .iter_mut()
            .find(|f| f.code == AuditCode::GatewayUnidentified)
        {
            f.message
                .push_str(&format!("; not examined: {}", not_examined.join(", ")));
        }
    }
    findings.sort_by(|a, b| (a.code, &a.object).cmp(&(b.code, &b.object)));
    findings.dedup();
    Ok(AuditReport {
        tenant: export.tenant.clone(),
        gateway: ctx.told,
        findings,
    })
}
