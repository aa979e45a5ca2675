//! Drift: the desired state against what a tenant holds, offline, from the
//! export `exchange/verify.ps1 -ExportPath` writes, read into a
//! [`TenantExport`] (its format and shapes: `exchange::export`). Each
//! setting compares its own objects (`exchange::settings`) with the same
//! read-back rules as the scripts (`exchange::compare`), so a value
//! compares the same online and offline; this module asks them in the
//! desired state's order and words the report.

use super::state::DesiredState;
use crate::diagnostics::untrusted::{self, Untrusted};
use crate::exchange::export::TenantExport;
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
        // Each setting compares its own objects (`exchange::settings`): a
        // tenant-wide one its list or value, an owned one every property.
        match settings::by_step(&entry.step) {
            Some(setting) => setting.compare(key, entry, export, &mut findings)?,
            None => return Err(format!("internal error: no setting makes `{key}`")),
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
