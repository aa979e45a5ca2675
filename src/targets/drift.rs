//! Drift: the desired state against what a tenant holds, offline, from the
//! export `exchange/verify.ps1 -ExportPath` writes, read into a
//! [`TenantExport`] (its format and shapes: `exchange::export`). Each
//! tenant-wide setting compares itself (`exchange::settings`); the objects
//! mailflowc owns are compared here, property by property, with the same
//! read-back rules as the scripts (`exchange::compare`), so a value
//! compares the same online and offline. This module also words the report.

use super::state::DesiredState;
use crate::diagnostics::untrusted::{self, Untrusted};
use crate::exchange::compare::{self, finding};
use crate::exchange::export::{Noun, TenantExport};
use crate::exchange::settings;

pub use crate::exchange::compare::{DriftReport, Finding};

/// Compares the desired state's Exchange objects with a tenant export.
/// An export of another tenant than the topology's is refused.
pub fn drift(state: &DesiredState, export: &TenantExport) -> Result<DriftReport, String> {
    export.check_tenant(&state.tenant)?;
    let mut findings = Vec::new();
    for (key, entry) in &state.objects {
        if !key.starts_with("exchange/") {
            continue;
        }
        // A tenant-wide setting compares itself (`exchange::settings`).
        if let Some(setting) = settings::by_kind(&entry.kind) {
            setting.compare(key, entry, export, &mut findings)?;
            continue;
        }
        // An object mailflowc owns: found by its name, or by its marker
        // when it was renamed.
        let candidates = Noun::of_kind(&entry.kind).map_or(&[][..], |n| export.objects(n));
        match (
            candidates.iter().find(|o| o.is_named(&entry.name)),
            &entry.marker,
        ) {
            (Some(found), _) => compare::properties(key, entry, found, &mut findings),
            (None, Some(marker)) => {
                let renamed = candidates
                    .iter()
                    .find(|o| o.comments().any(|c| c.contains(marker.as_str())));
                findings.push(match renamed {
                    Some(other) => Finding {
                        found: Some(other.name().to_owned()),
                        wanted: Some(entry.name.clone()),
                        property: Some("Name".to_owned()),
                        ..finding(key, entry, "renamed")
                    },
                    None => finding(key, entry, "missing"),
                });
            }
            (None, None) => findings.push(finding(key, entry, "missing")),
        }
    }
    Ok(DriftReport {
        tenant: state.tenant.clone(),
        findings,
    })
}

/// A value as one line, escaped (`diagnostics::untrusted`) as every value
/// from outside: a line break in it (or between the entries of a
/// multi-valued text) shows as `\n`.
fn show(text: &str) -> String {
    if text.is_empty() {
        "(empty)".to_owned()
    } else {
        untrusted::escape(text)
    }
}

/// The report as text, one finding a line. Every name and value is escaped
/// (`diagnostics::untrusted`): none can start a line or reorder one.
pub fn text(report: &DriftReport) -> String {
    if report.in_sync() {
        return format!("{}: in sync\n", Untrusted(&report.tenant));
    }
    let mut out = String::new();
    for f in &report.findings {
        match (&f.property, &f.found, &f.wanted) {
            // A set, as plan shows one: what to add (+) and what the tenant
            // has that the topology does not want (−).
            (Some(p), _, _) if !f.missing.is_empty() || !f.extra.is_empty() => {
                let mut parts: Vec<String> = f
                    .missing
                    .iter()
                    .map(|m| format!("+ {}", Untrusted(m)))
                    .collect();
                parts.extend(f.extra.iter().map(|e| format!("− {}", Untrusted(e))));
                out.push_str(&format!(
                    "{} {} {}: {}: {}\n",
                    f.problem,
                    Untrusted(&f.kind),
                    Untrusted(&f.name),
                    Untrusted(p),
                    parts.join(", ")
                ));
            }
            (Some(p), Some(found), Some(wanted)) => out.push_str(&format!(
                "{} {} {}: {}: {} → {} (found → wanted)\n",
                f.problem,
                Untrusted(&f.kind),
                Untrusted(&f.name),
                Untrusted(p),
                show(found),
                show(wanted)
            )),
            _ => out.push_str(&format!(
                "{} {} {}\n",
                f.problem,
                Untrusted(&f.kind),
                Untrusted(&f.name)
            )),
        }
    }
    if report
        .findings
        .iter()
        .any(|f| !f.missing.is_empty() || !f.extra.is_empty())
    {
        out.push_str(
            "(+ the topology wants it and the tenant lacks it; − the tenant has it and the topology does not)\n",
        );
    }
    out.push_str(&format!(
        "{}: {} difference(s)\n",
        Untrusted(&report.tenant),
        report.findings.len()
    ));
    out
}
