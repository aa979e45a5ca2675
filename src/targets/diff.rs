//! What a change will do: the semantic difference between two desired
//! states, per target, per object, per property (entries of a list added and
//! removed), as Markdown for a pull-request comment, plain text or JSON.

use super::state::{DesiredState, Entry};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    Renamed,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PropertyChange {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Json>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    pub key: String,
    pub target: String,
    pub kind: String,
    pub name: String,
    pub change: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// When the change is applied: the phase of its step, or, for a removal
    /// that could cut off mail still arriving through an old gateway, after
    /// the old MX records are gone.
    pub when: String,
    pub properties: Vec<PropertyChange>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanDiff {
    pub changes: Vec<Change>,
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

fn items(value: &Json) -> Option<BTreeSet<String>> {
    match value {
        Json::Array(list) => Some(
            list.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect(),
        ),
        _ => None,
    }
}

/// The properties of an entry, records included (as `records`).
fn flat(entry: &Entry) -> BTreeMap<String, Json> {
    let mut out: BTreeMap<String, Json> = entry.properties.clone();
    if !entry.records.is_empty() {
        let list: Vec<Json> = entry
            .records
            .iter()
            .map(|r| {
                Json::String(
                    r.iter()
                        .map(|(k, v)| {
                            format!(
                                "{k}={}",
                                v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
            .collect();
        out.insert("records".to_owned(), Json::Array(list));
    }
    out.insert("name".to_owned(), Json::String(entry.name.clone()));
    out
}

fn property_changes(before: &Entry, after: &Entry) -> Vec<PropertyChange> {
    let (a, b) = (flat(before), flat(after));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let (old, new) = (a.get(key), b.get(key));
        if old == new {
            continue;
        }
        let lists = (old.and_then(items), new.and_then(items));
        match lists {
            (Some(old_items), Some(new_items)) => out.push(PropertyChange {
                name: key.clone(),
                before: None,
                after: None,
                added: new_items.difference(&old_items).cloned().collect(),
                removed: old_items.difference(&new_items).cloned().collect(),
            }),
            _ => out.push(PropertyChange {
                name: key.clone(),
                before: old.cloned(),
                after: new.cloned(),
                added: Vec::new(),
                removed: Vec::new(),
            }),
        }
    }
    out
}

/// Whether removing this could refuse mail still arriving through an old
/// gateway: addresses leaving the allow list or a connector.
fn cuts_mail(key: &str, change: &PropertyChange) -> bool {
    !change.removed.is_empty()
        && (key.contains("HostedConnectionFilterPolicy")
            || key.ends_with("inbound-connector")
            || key.ends_with("lockdown-connector"))
        && matches!(
            change.name.as_str(),
            "IPAllowList" | "SenderIPAddresses" | "EFSkipIPs"
        )
}

const AFTER_OLD_MX: &str = "after the old MX records are gone";

/// The changes that turn `base` into `new`.
pub fn diff(base: &DesiredState, new: &DesiredState) -> PlanDiff {
    let keys: BTreeSet<&String> = base.objects.keys().chain(new.objects.keys()).collect();
    let mut changes = Vec::new();
    for key in keys {
        let target = key.split('/').next().unwrap_or("").to_owned();
        let (old, now) = (base.objects.get(key), new.objects.get(key));
        match (old, now) {
            (None, Some(entry)) => changes.push(Change {
                key: key.clone(),
                target,
                kind: entry.kind.clone(),
                name: entry.name.clone(),
                change: ChangeKind::Added,
                renamed_from: None,
                when: entry.phase.clone(),
                properties: Vec::new(),
            }),
            (Some(entry), None) => changes.push(Change {
                key: key.clone(),
                target,
                kind: entry.kind.clone(),
                name: entry.name.clone(),
                change: ChangeKind::Removed,
                renamed_from: None,
                when: if key.contains("inbound-connector")
                    || key.contains("HostedConnectionFilterPolicy")
                {
                    AFTER_OLD_MX.to_owned()
                } else {
                    entry.phase.clone()
                },
                properties: Vec::new(),
            }),
            (Some(before), Some(after)) if before != after => {
                let mut properties = property_changes(before, after);
                let renamed = before.name != after.name;
                properties.retain(|p| p.name != "name");
                if properties.is_empty() && !renamed {
                    continue;
                }
                // Removals that could refuse mail still arriving through the
                // old gateway are a change of their own, after the old MX.
                let (mut later, mut now) = (Vec::new(), Vec::new());
                for p in properties {
                    if cuts_mail(key, &p) {
                        later.push(PropertyChange {
                            added: Vec::new(),
                            ..p.clone()
                        });
                        if !p.added.is_empty() {
                            now.push(PropertyChange {
                                removed: Vec::new(),
                                ..p
                            });
                        }
                    } else {
                        now.push(p);
                    }
                }
                let change = |properties: Vec<PropertyChange>, when: String, first: bool| Change {
                    key: key.clone(),
                    target: target.clone(),
                    kind: after.kind.clone(),
                    name: after.name.clone(),
                    change: if renamed && first {
                        ChangeKind::Renamed
                    } else {
                        ChangeKind::Changed
                    },
                    renamed_from: (renamed && first).then(|| before.name.clone()),
                    when,
                    properties,
                };
                if !now.is_empty() || renamed {
                    changes.push(change(now, after.phase.clone(), true));
                }
                if !later.is_empty() {
                    changes.push(change(later, AFTER_OLD_MX.to_owned(), false));
                }
            }
            _ => {}
        }
    }
    PlanDiff { changes }
}

/// Markdown's special characters escaped, line breaks folded: safe in a
/// table cell of a pull-request comment.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Any text as one Markdown code span: fenced with more backticks than its
/// longest run, padded when it starts or ends with one; line breaks folded.
pub fn md_code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn show(value: &Option<Json>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) => "(empty)".to_owned(),
        Some(other) => other.to_string(),
    }
}

fn details(change: &Change) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(from) = &change.renamed_from {
        out.push(format!("renamed from {from}"));
    }
    for p in &change.properties {
        if p.added.is_empty() && p.removed.is_empty() {
            out.push(format!(
                "{}: {} → {}",
                p.name,
                show(&p.before),
                show(&p.after)
            ));
        } else {
            let mut parts = Vec::new();
            parts.extend(p.added.iter().map(|a| format!("+ {a}")));
            parts.extend(p.removed.iter().map(|r| format!("− {r}")));
            out.push(format!("{}: {}", p.name, parts.join(", ")));
        }
    }
    out
}

/// The plan as Markdown: a table a reviewer can read in a pull request.
pub fn markdown(diff: &PlanDiff) -> String {
    if diff.is_empty() {
        return "### mailflowc plan\n\nNo changes.\n".to_owned();
    }
    let mut out = format!(
        "### mailflowc plan: {} change(s)\n\n| target | object | change | when | details |\n|---|---|---|---|---|\n",
        diff.changes.len()
    );
    for c in &diff.changes {
        let change = match c.change {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
        };
        let details: Vec<String> = details(c).iter().map(|d| md(d)).collect();
        out.push_str(&format!(
            "| {} | {} {} | {change} | {} | {} |\n",
            md(&c.target),
            md(&c.kind),
            md(&c.name),
            md(&c.when),
            details.join("<br>")
        ));
    }
    out
}

/// The plan as plain text, one change per block.
pub fn text(diff: &PlanDiff) -> String {
    if diff.is_empty() {
        return "No changes.\n".to_owned();
    }
    let mut out = String::new();
    for c in &diff.changes {
        let sign = match c.change {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed | ChangeKind::Renamed => '~',
        };
        out.push_str(&format!(
            "{sign} {} {} {} ({})\n",
            c.target, c.kind, c.name, c.when
        ));
        for d in details(c) {
            out.push_str(&format!("    {d}\n"));
        }
    }
    out.push_str(&format!("{} change(s)\n", diff.changes.len()));
    out
}
