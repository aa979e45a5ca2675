//! How a wanted object compares with what a tenant export holds: the
//! findings drift reports, and the two comparisons every setting is made
//! of: each property under its read-back rule ([`properties`]), and the
//! members a tenant-wide list must hold ([`contained`]). The same rules
//! run online in `verify.ps1` (`ConvertTo-MfcCanonical`), so a value
//! compares the same in both. `SetHeaderValue` holds the SHA-256 of the
//! value, never the value.

use super::export::{ExportObject, CLEARTEXT};
use super::readback::{self, Rule};
use crate::targets::state::Entry;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeSet;

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

/// A finding about `entry`, without a property.
pub fn finding(key: &str, entry: &Entry, problem: &str) -> Finding {
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

fn entries(text: &str) -> BTreeSet<String> {
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

/// Every wanted property of `entry` against the object `found`, each under
/// its read-back rule.
pub fn properties(key: &str, entry: &Entry, found: &ExportObject, out: &mut Vec<Finding>) {
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

/// A set the tenant must hold every wanted item of; what else it holds is
/// the tenant's own, not drift (no `extra`).
pub fn contained(
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
    let have: BTreeSet<String> = entries(&readback::canonical(rule, &have));
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
