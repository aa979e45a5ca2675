//! Drift: the desired state against what a tenant holds, offline, from the
//! export `exchange/verify.ps1 -ExportPath` writes, read into a
//! [`TenantExport`] (its format and shapes: `exchange::export`). The
//! comparison uses the same read-back rules as the scripts
//! (`exchange::readback`), so a value compares the same online and offline.
//! `SetHeaderValue` holds the SHA-256 of the value, never the value.

use super::state::{DesiredState, Entry};
use crate::diagnostics::untrusted::{self, Untrusted};
use crate::exchange::export::{ExportObject, Noun, TenantExport, CLEARTEXT};
use crate::exchange::readback::{self, Rule};
use serde::Serialize;
use serde_json::Value as Json;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub key: String,
    pub kind: String,
    pub name: String,
    /// `missing`, `renamed`, `differs`, `not-managed`.
    pub problem: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wanted: Option<String>,
    /// For a set: what the topology wants and the tenant lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// For a set: what the tenant holds and the topology does not want.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DriftReport {
    pub tenant: String,
    pub findings: Vec<Finding>,
}

impl DriftReport {
    pub fn in_sync(&self) -> bool {
        self.findings.is_empty()
    }
}

fn finding(key: &str, entry: &Entry, problem: &str) -> Finding {
    Finding {
        key: key.to_owned(),
        kind: entry.kind.clone(),
        name: entry.name.clone(),
        problem: problem.to_owned(),
        property: None,
        found: None,
        wanted: None,
        missing: Vec::new(),
        extra: Vec::new(),
    }
}

/// Whether a rule compares sets (its canonical text is a sorted list).
fn is_set(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::HostSet | Rule::AddressSpaceSet | Rule::IpSet | Rule::AcceptedDomainSet
    )
}

fn entries(text: &str) -> std::collections::BTreeSet<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The wanted value of a secret: its fingerprint, which is what the export holds.
fn wanted_value(value: &Json) -> Json {
    match value.get("secret_sha256") {
        Some(sha) => sha.clone(),
        None => value.clone(),
    }
}

fn compare_properties(key: &str, entry: &Entry, found: &ExportObject, out: &mut Vec<Finding>) {
    for (property, wanted) in &entry.properties {
        let rule = readback::rule(&entry.kind, property).unwrap_or(Rule::Text);
        let wanted = wanted_value(wanted);
        let have = found.get(property).cloned().unwrap_or(Json::Null);
        let (want_text, have_text) = (
            readback::canonical(rule, &wanted),
            readback::canonical(rule, &have),
        );
        // A fingerprint compares case-insensitively: it is hex.
        let same = if rule == Rule::Secret {
            want_text.eq_ignore_ascii_case(&have_text)
        } else {
            want_text == have_text
        };
        // A secret the export holds as it is was dropped when the export was
        // read: what was found is said, never shown.
        let cleartext = rule == Rule::Secret && found.holds_cleartext(property);
        if !same || cleartext {
            let shown = |text: &str| {
                if rule == Rule::Secret {
                    format!("sha256 {text}")
                } else {
                    text.to_owned()
                }
            };
            let (missing, extra) = if is_set(rule) {
                let (want, have) = (entries(&want_text), entries(&have_text));
                (
                    want.difference(&have).cloned().collect(),
                    have.difference(&want).cloned().collect(),
                )
            } else {
                (Vec::new(), Vec::new())
            };
            out.push(Finding {
                property: Some(property.clone()),
                found: Some(if cleartext {
                    CLEARTEXT.to_owned()
                } else {
                    shown(&have_text)
                }),
                wanted: Some(shown(&want_text)),
                missing,
                extra,
                ..finding(key, entry, "differs")
            });
        }
    }
}

/// Compares the desired state's Exchange objects with a tenant export.
/// An export of another tenant than the topology's is refused.
pub fn drift(state: &DesiredState, export: &TenantExport) -> Result<DriftReport, String> {
    export.check_tenant(&state.tenant)?;
    let mut findings = Vec::new();
    for (key, entry) in &state.objects {
        if !key.starts_with("exchange/") {
            continue;
        }
        let candidates = Noun::of_kind(&entry.kind).map_or(&[][..], |n| export.objects(n));
        match entry.kind.as_str() {
            "HostedConnectionFilterPolicy" => {
                // The allow list must hold every gateway entry; the tenant's
                // own entries are not drift.
                let policy = candidates.iter().find(|o| o.is_named(&entry.name));
                contained(key, entry, policy, "IPAllowList", Rule::IpSet, "every gateway entry", &mut findings);
            }
            // One list, whatever its name; the tenant's other sealers are
            // not drift. An export written before verify.ps1 read it cannot
            // tell.
            "ArcConfig" => match candidates.first() {
                Some(found) => contained(key, entry, Some(found), "ArcTrustedSealers", Rule::SealerSet, "the gateway's sealer", &mut findings),
                None => {
                    return Err(format!(
                        "the export has no `ArcConfig`, which `{key}` is compared with: export again with this build's exchange/verify.ps1 -ExportPath"
                    ))
                }
            },
            // One object, whatever its name (exchange-readback §6); an
            // export written before verify.ps1 read it cannot tell.
            "OrganizationConfig" => match candidates.first() {
                Some(found) => compare_properties(key, entry, found, &mut findings),
                None => {
                    return Err(format!(
                        "the export has no `OrganizationConfig`, which `{key}` is compared with: export again with this build's exchange/verify.ps1 -ExportPath"
                    ))
                }
            },
            _ => {
                match (candidates.iter().find(|o| o.is_named(&entry.name)), &entry.marker) {
                    (Some(found), _) => compare_properties(key, entry, found, &mut findings),
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
        }
    }
    Ok(DriftReport {
        tenant: state.tenant.clone(),
        findings,
    })
}

/// A set the tenant must hold every wanted item of; what else it holds is
/// the tenant's own, not drift (no `extra`).
fn contained(
    key: &str,
    entry: &Entry,
    found: Option<&ExportObject>,
    property: &str,
    rule: Rule,
    wanted_text: &str,
    findings: &mut Vec<Finding>,
) {
    let wanted = entry
        .properties
        .get(property)
        .cloned()
        .unwrap_or(Json::Null);
    let have = found
        .and_then(|p| p.get(property))
        .cloned()
        .unwrap_or(Json::Null);
    let have: std::collections::BTreeSet<String> = readback::canonical(rule, &have)
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let missing: Vec<String> = readback::canonical(rule, &wanted)
        .split(',')
        .filter(|s| !s.is_empty() && !have.contains(*s))
        .map(str::to_owned)
        .collect();
    if !missing.is_empty() {
        findings.push(Finding {
            property: Some(property.to_owned()),
            found: Some(format!(
                "{} entries, without {}",
                have.len(),
                missing.join(", ")
            )),
            wanted: Some(wanted_text.to_owned()),
            missing,
            ..finding(key, entry, "differs")
        });
    }
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
