//! What a change will do: the semantic difference between two desired
//! states, per target, per object, per property (entries of a list added and
//! removed), as Markdown for a pull-request comment, plain text or JSON.

use super::state::{DesiredState, Entry, StepSummary};
use crate::exchange::settings;
use crate::exchange::vocabulary;
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
    /// The generated files an operator runs for this change, in runbook
    /// order (relative to the tree).
    pub run: Vec<String>,
    /// The file that undoes the step this change belongs to, where it has
    /// one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    /// What the change does when the line alone would mislead, or where a
    /// file comes from the base's tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a plan was compared with, said in every plan format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseInfo {
    /// `found`, `first-build` (no tree there yet: everything is added) or
    /// `new-tenant` (the fleet had no tree for this tenant).
    pub status: &'static str,
    /// Where the base was read, or looked for: a path, or `REV:path`.
    pub source: String,
}

impl BaseInfo {
    /// One line for a reader.
    pub fn describe(&self) -> String {
        match self.status {
            "found" => format!("base: {}", self.source),
            "new-tenant" => format!(
                "base: none, a new tenant: the fleet has no tree for it at {} (everything is added)",
                self.source
            ),
            _ => format!(
                "base: none, a first build: nothing at {} (everything is added)",
                self.source
            ),
        }
    }
}

pub use crate::planner::{PlannedStep, StepKind};

/// Where the files only the base's tree has are run from.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BaseTree {
    /// The base's tree: a directory, or `REV:path` to check out.
    pub tree: String,
    /// The `-StatePath` that finds the records the live tree's scripts wrote
    /// (a script's default looks beside the tree it sits in).
    pub state_path: String,
    /// The base's tree is the one on disk that `mailflowc build` replaces.
    pub replaced_by_build: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanDiff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseInfo>,
    pub changes: Vec<Change>,
    /// The steps the changes need, in order (the planner's): each file
    /// once, the waits and the operator's own actions between them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apply: Vec<PlannedStep>,
    /// Where to run the files to apply that only the base's tree has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_tree: Option<BaseTree>,
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
        && (key.contains(vocabulary::CONNECTION_FILTER_POLICY)
            || key.ends_with("inbound-connector")
            || key.ends_with("lockdown-connector"))
        && vocabulary::ADDRESS_PROPERTIES.contains(&change.name.as_str())
}

/// An apply step's `when` for what runs in runbook order.
pub const NOW: &str = "now";

const AFTER_OLD_MX: &str = "after the old MX records are gone";

/// When addresses leave: what matters is that the gateway no longer sends
/// from them, not where the MX points.
const ONCE_NOT_SENDING: &str = "once the gateway no longer sends from them";

/// The changes that turn `base` into `new`.
pub fn diff(base: &DesiredState, new: &DesiredState) -> PlanDiff {
    let keys: BTreeSet<&String> = base.objects.keys().chain(new.objects.keys()).collect();
    let mut changes = Vec::new();
    for key in keys {
        let target = key.split('/').next().unwrap_or("").to_owned();
        let (old, now) = (base.objects.get(key), new.objects.get(key));
        match (old, now, retired_list(key)) {
            (None, Some(entry), _) => changes.push(Change {
                key: key.clone(),
                target,
                kind: entry.kind.clone(),
                name: entry.name.clone(),
                change: ChangeKind::Added,
                renamed_from: None,
                when: phase_word(&entry.phase),
                properties: Vec::new(),
                run: Vec::new(),
                rollback: None,
                note: None,
            }),
            (Some(entry), None, Some(retired)) => {
                // The list stays: only the entries mailflowc added leave.
                let removed = entry
                    .properties
                    .get(retired.property)
                    .and_then(items)
                    .unwrap_or_default();
                changes.push(Change {
                    key: key.clone(),
                    target,
                    kind: entry.kind.clone(),
                    name: entry.name.clone(),
                    change: ChangeKind::Changed,
                    renamed_from: None,
                    when: AFTER_OLD_MX.to_owned(),
                    properties: vec![PropertyChange {
                        name: retired.property.to_owned(),
                        before: None,
                        after: None,
                        added: Vec::new(),
                        removed: removed.into_iter().collect(),
                    }],
                    run: Vec::new(),
                    rollback: None,
                    note: Some(retired.note.to_owned()),
                });
            }
            (Some(entry), None, None) => changes.push(Change {
                key: key.clone(),
                target,
                kind: entry.kind.clone(),
                name: entry.name.clone(),
                change: ChangeKind::Removed,
                renamed_from: None,
                when: if key.contains("inbound-connector")
                    || key.contains(vocabulary::CONNECTION_FILTER_POLICY)
                {
                    AFTER_OLD_MX.to_owned()
                } else {
                    phase_word(&entry.phase)
                },
                properties: Vec::new(),
                run: Vec::new(),
                rollback: None,
                note: None,
            }),
            (Some(before), Some(after), _) if before != after => {
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
                    run: Vec::new(),
                    rollback: None,
                    note: None,
                };
                if !now.is_empty() || renamed {
                    changes.push(change(now, phase_word(&after.phase), true));
                }
                if !later.is_empty() {
                    changes.push(change(later, ONCE_NOT_SENDING.to_owned(), false));
                }
            }
            _ => {}
        }
    }
    PlanDiff {
        base: None,
        changes,
        apply: Vec::new(),
        base_tree: None,
    }
}

/// A step's phase as the runbook names it (`lockdown` is its Lock-down).
fn phase_word(phase: &str) -> String {
    match phase {
        "lockdown" => "lock-down".to_owned(),
        other => other.to_owned(),
    }
}

/// The tenant-wide list a key is, when its members leave through
/// converge once mailflowc stops managing it (`exchange::settings`).
fn retired_list(key: &str) -> Option<settings::Retired> {
    settings::retired(key)
}

/// The changes that turn `base` into `new`, each with the files an
/// operator runs for it, and the steps in the planner's order: `order` is
/// the runbook's files in the order it runs them
/// (`runbook::files_in_order` of the new topology).
pub fn plan_changes(
    base: &DesiredState,
    new: &DesiredState,
    order: &[String],
    waits: &crate::planner::Waits,
) -> PlanDiff {
    let mut plan = diff(base, new);
    let rank = |file: &str| order.iter().position(|f| f == file).unwrap_or(order.len());
    let new_files: BTreeSet<&str> = new.steps.iter().map(|s| s.file.as_str()).collect();
    let mut units = Vec::new();
    for change in &mut plan.changes {
        let (files, rollback, note) = files_for(change, base, new);
        let mut files: Vec<String> = files
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        files.sort_by_key(|f| rank(f));
        let (effect, files) = effect_of(change, files, base);
        units.push(crate::planner::Unit {
            effect,
            files: files
                .iter()
                .map(|f| (f.clone(), !new_files.contains(f.as_str())))
                .collect(),
        });
        change.run = files;
        change.rollback = rollback;
        if change.note.is_none() {
            change.note = note;
        }
    }
    let special = |id: &str| step(new, id).map(|s| s.file.as_str());
    let touches_exchange = plan.changes.iter().any(|c| c.target == "exchange");
    plan.apply = crate::planner::plan(
        &units,
        order,
        special("exchange.preflight"),
        special("exchange.verify").filter(|_| touches_exchange),
        waits,
    );
    plan
}

/// What a change does to the paths mail takes, and the files it needs for
/// that (a domain that leaves needs its base's rollback zone, not the
/// zones of its phases).
fn effect_of(
    change: &Change,
    files: Vec<String>,
    base: &DesiredState,
) -> (crate::planner::Effect, Vec<String>) {
    use crate::planner::Effect;
    let key = change.key.as_str();
    let removed = change.change == ChangeKind::Removed;
    let mut parts = key.split('/');
    let (target, second) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let third = parts.next().unwrap_or("");
    if target == "dns" && removed {
        return match third {
            "cutover" => {
                let undo = base
                    .objects
                    .get(key)
                    .and_then(|e| step(base, &e.step))
                    .and_then(|s| s.undo.as_deref())
                    .and_then(|u| step(base, u))
                    .map(|u| vec![u.file.clone()])
                    .unwrap_or_default();
                (Effect::DomainLeaves(second.to_owned()), undo)
            }
            "spf" => (Effect::StopRelaying, files),
            // A leaving domain's other phases have nothing to run.
            _ => (Effect::Open, Vec::new()),
        };
    }
    if removed && (key == "exchange/outbound-connector" || key == "exchange/outbound-rule") {
        return (Effect::StopRouting, files);
    }
    if removed && target == "gateway" {
        return match second {
            "hostaccess" | "filters" => (Effect::StopRelaying, files),
            "destconfig" | "rcptaccess" | "smtproutes" => {
                (Effect::StopTakingDomain(third.to_owned()), files)
            }
            _ => (Effect::Open, files),
        };
    }
    let secret = change.properties.iter().any(|p| {
        p.name == "accepted_secrets_sha256"
            || [&p.before, &p.after]
                .iter()
                .any(|v| v.as_ref().is_some_and(|v| v.get("secret_sha256").is_some()))
    });
    if secret && change.change == ChangeKind::Changed {
        return (Effect::RotateSecret, files);
    }
    let leaving: Vec<String> = change
        .properties
        .iter()
        .filter(|p| p.added.is_empty() && !p.removed.is_empty())
        .filter(|p| {
            vocabulary::ADDRESS_PROPERTIES.contains(&p.name.as_str())
                || (target == "dns" && p.name == "add")
        })
        .flat_map(|p| p.removed.iter())
        .filter_map(|a| {
            let a = a
                .strip_prefix("ip4:")
                .or(a.strip_prefix("ip6:"))
                .unwrap_or(a);
            a.chars()
                .next()
                .filter(|c| c.is_ascii_hexdigit())
                .map(|_| a.to_owned())
        })
        .collect();
    if !leaving.is_empty() {
        return (Effect::StopAccepting(leaving), files);
    }
    // What starts rejecting mail that arrived before.
    let restricts = match key {
        "exchange/lockdown-connector" => {
            change.change == ChangeKind::Added
                || change
                    .properties
                    .iter()
                    .any(|p| p.name == "AssociatedAcceptedDomains" && !p.added.is_empty())
        }
        _ if key.starts_with("exchange/OrganizationConfig/") => {
            change
                .properties
                .iter()
                .any(|p| p.name == "RejectDirectSend" && p.after == Some(Json::Bool(true)))
                || (change.change == ChangeKind::Added
                    && files.iter().any(|f| f.contains("reject-direct-send")))
        }
        _ => false,
    };
    if restricts {
        return (Effect::Restrict, files);
    }
    (Effect::Open, files)
}

fn step<'a>(state: &'a DesiredState, id: &str) -> Option<&'a StepSummary> {
    state.steps.iter().find(|s| s.id == id)
}

/// The files a change needs, the rollback file of its step, and a note.
fn files_for(
    change: &Change,
    base: &DesiredState,
    new: &DesiredState,
) -> (Vec<String>, Option<String>, Option<String>) {
    let entry = new.objects.get(&change.key);
    let old = base.objects.get(&change.key);
    let step_id = entry.or(old).map(|e| e.step.clone()).unwrap_or_default();
    let undo_of = |state: &DesiredState| {
        step(state, &step_id)
            .and_then(|s| s.undo.as_deref())
            .and_then(|u| step(state, u))
            .map(|u| u.file.clone())
    };
    let file_of = |state: &DesiredState, id: &str| step(state, id).map(|s| s.file.clone());
    let mut files = Vec::new();
    let mut note = None;
    match change.target.as_str() {
        "exchange" => {
            files.extend(file_of(new, "exchange.preflight"));
            let converge = file_of(new, "exchange.converge");
            let retired = retired_list(&change.key);
            let leaves_list = retired.is_some_and(|r| {
                change
                    .properties
                    .iter()
                    .any(|p| p.name == r.property && !p.removed.is_empty())
            });
            match (&change.change, entry) {
                (ChangeKind::Removed, _) if change.key.matches('/').count() == 1 => {
                    // An object of a role the topology no longer plans.
                    files.extend(converge);
                }
                (ChangeKind::Removed, _) => match undo_of(base) {
                    Some(undo) => {
                        files.push(undo);
                        note = Some(
                            "the new tree has no script for this: run it from the base's tree"
                                .to_owned(),
                        );
                    }
                    None => files.extend(converge),
                },
                _ if leaves_list => {
                    // The list's script only adds; converge removes what it added.
                    if retired.is_some_and(|r| {
                        change
                            .properties
                            .iter()
                            .any(|p| p.name == r.property && !p.added.is_empty())
                    }) {
                        files.extend(entry.map(|e| e.file.clone()));
                    }
                    files.extend(converge);
                }
                (_, Some(entry)) => {
                    files.push(entry.file.clone());
                    if change.key == "exchange/outbound-connector"
                        && change.change == ChangeKind::Renamed
                    {
                        // The rule names the connector it routes to.
                        files.extend(file_of(new, "exchange.outbound-rule"));
                    }
                }
                (_, None) => {}
            }
        }
        "dns" => {
            let state = if entry.is_some() { new } else { base };
            files.extend(file_of(state, &step_id));
            if let Some(twin) = file_of(state, &format!("{step_id}-octodns")) {
                note = Some(format!("or, with octoDNS, {twin}"));
            }
        }
        _ => {
            let state = if entry.is_some() { new } else { base };
            files.extend(file_of(state, &step_id));
            if entry.is_none() {
                note = Some(
                    "remove it on the gateway by hand: the base's STEPS.md names it".to_owned(),
                );
            }
        }
    }
    // A rollback belongs to the step that makes the change, not to one that
    // only removes (converge).
    let rollback = entry
        .filter(|e| files.contains(&e.file))
        .and_then(|_| undo_of(new));
    (files, rollback, note)
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

/// Where the plan's changes are, once more, as the files to run.
pub const ROLLBACK_NOTE: &str = "A rollback file undoes its whole step; to undo only this change, revert the topology, build, and run the files the plan then names.";

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

/// How a change is said in a table.
pub fn change_word(change: &Change) -> &'static str {
    match change.change {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Changed => "changed",
        ChangeKind::Renamed => "renamed",
    }
}

/// A change's details and files as two Markdown table cells.
pub fn markdown_cells(c: &Change) -> (String, String) {
    let mut details: Vec<String> = details(c).iter().map(|d| md(d)).collect();
    if let Some(note) = &c.note {
        details.push(format!("_{}_", md(note)));
    }
    let mut run: Vec<String> = c.run.iter().map(|f| md_code(f)).collect();
    if let Some(rollback) = &c.rollback {
        run.push(format!("rollback: {}", md_code(rollback)));
    }
    (details.join("<br>"), run.join("<br>"))
}

/// A planner's sentence: its `code` spans as code, the rest escaped.
fn md_inline(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { md_code(part) } else { md(part) })
        .collect()
}

/// The steps, as a numbered Markdown list.
pub fn markdown_apply(diff: &PlanDiff) -> String {
    let mut out = String::new();
    for (index, step) in diff.apply.iter().enumerate() {
        let line = match (step.kind, &step.file) {
            (StepKind::Run, Some(file)) => {
                let mut line = md_code(file);
                if step.from_base {
                    line.push_str(&format!(" — {}", from_base(diff, file, true)));
                }
                if !step.what.is_empty() {
                    line.push_str(&format!(": {}", md(&step.what)));
                }
                line
            }
            (StepKind::Wait, _) => format!(
                "**Wait {}**: {}",
                md(step.duration.as_deref().unwrap_or("")),
                md_inline(&step.what)
            ),
            _ => format!("**Do**: {}", md_inline(&step.what)),
        };
        out.push_str(&format!("{}. {line}\n", index + 1));
    }
    out
}

/// Where a file only the base's tree has runs from, and, for a script,
/// with which `-StatePath`: the base's tree's own default misses the records
/// when that tree is another checkout. `markdown`: paths as code spans.
fn from_base(diff: &PlanDiff, file: &str, markdown: bool) -> String {
    let code = |text: &str| {
        if markdown {
            md_code(text)
        } else {
            text.to_owned()
        }
    };
    let script = file.ends_with(".ps1");
    let (tree, state_path) = match &diff.base_tree {
        Some(base) => (
            code(&base.tree),
            code(&format!("-StatePath {}", base.state_path)),
        ),
        None => (
            "of each tenant".to_owned(),
            format!("{} beside the new tree", code("-StatePath mailflowc-state")),
        ),
    };
    let mut out = format!("not in the new tree: it is in the base's tree {tree}");
    if diff.base_tree.as_ref().is_some_and(|b| b.replaced_by_build) {
        out.push_str(&format!(
            " as it is now, before {} replaces it (or in a checkout of the commit that built it)",
            code("mailflowc build")
        ));
    }
    if script {
        out.push_str(&format!("; run it from there with {state_path}"));
    }
    out
}

/// The plan as Markdown: a table a reviewer can read in a pull request;
/// `summary` leaves out the details and the files.
pub fn markdown(diff: &PlanDiff, summary: bool) -> String {
    let mut out = if diff.is_empty() {
        "### mailflowc plan\n\n".to_owned()
    } else {
        format!("### mailflowc plan: {} change(s)\n\n", diff.changes.len())
    };
    out.push_str(&markdown_body(diff, summary));
    out
}

/// The table and the files to run, without the heading.
pub fn markdown_body(diff: &PlanDiff, summary: bool) -> String {
    let mut out = String::new();
    if let Some(base) = &diff.base {
        out.push_str(&format!("{}\n\n", md(&base.describe())));
    }
    if diff.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    if summary {
        out.push_str("| target | object | change | when |\n|---|---|---|---|\n");
    } else {
        out.push_str(
            "| target | object | change | when | details | run |\n|---|---|---|---|---|---|\n",
        );
    }
    for c in &diff.changes {
        let lead = format!(
            "| {} | {} {} | {} | {} |",
            md(&c.target),
            md(&c.kind),
            md(&c.name),
            change_word(c),
            md(&c.when)
        );
        if summary {
            out.push_str(&format!("{lead}\n"));
        } else {
            let (details, run) = markdown_cells(c);
            out.push_str(&format!("{lead} {details} | {run} |\n"));
        }
    }
    if summary {
        return out;
    }
    out.push_str("\n**To apply**, in this order (paths relative to the generated tree):\n\n");
    out.push_str(&markdown_apply(diff));
    out.push_str(&format!("\n{}\n", md(ROLLBACK_NOTE)));
    out
}

/// One change as plain text: a line, and its details unless `summary`.
pub fn text_change(c: &Change, summary: bool) -> String {
    let sign = match c.change {
        ChangeKind::Added => '+',
        ChangeKind::Removed => '-',
        ChangeKind::Changed | ChangeKind::Renamed => '~',
    };
    let mut out = format!("{sign} {} {} {} ({})\n", c.target, c.kind, c.name, c.when);
    if summary {
        return out;
    }
    for d in details(c) {
        out.push_str(&format!("    {d}\n"));
    }
    if let Some(note) = &c.note {
        out.push_str(&format!("    note: {note}\n"));
    }
    if !c.run.is_empty() {
        out.push_str(&format!("    run: {}\n", c.run.join(", ")));
    }
    if let Some(rollback) = &c.rollback {
        out.push_str(&format!("    rollback: {rollback}\n"));
    }
    out
}

/// The steps, as a numbered plain-text list.
pub fn text_apply(diff: &PlanDiff) -> String {
    diff.apply
        .iter()
        .enumerate()
        .map(|(index, step)| match (&step.file, step.from_base) {
            (Some(file), true) => format!(
                "  {}. {} — {}{}\n",
                index + 1,
                file,
                from_base(diff, file, false),
                if step.what.is_empty() {
                    String::new()
                } else {
                    format!(": {}", step.what)
                }
            ),
            _ => format!("  {}. {}\n", index + 1, step.describe().replace('`', "")),
        })
        .collect()
}

/// The plan as plain text, one change per block; `summary`: a line each.
pub fn text(diff: &PlanDiff, summary: bool) -> String {
    let mut out = String::new();
    if let Some(base) = &diff.base {
        out.push_str(&format!("{}\n", base.describe()));
    }
    if diff.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    for c in &diff.changes {
        out.push_str(&text_change(c, summary));
    }
    out.push_str(&format!("{} change(s)\n", diff.changes.len()));
    if summary {
        return out;
    }
    out.push_str("To apply, in this order:\n");
    out.push_str(&text_apply(diff));
    out.push_str(&format!("{ROLLBACK_NOTE}\n"));
    out
}
