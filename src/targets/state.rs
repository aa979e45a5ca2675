//! The desired state: the complete wanted state of every target as one
//! canonical JSON document, `desired-state.json` in every generated tree and
//! what `mailflowc print-plan` prints. `mailflowc plan` compares two of them;
//! `mailflowc drift` compares one with a tenant export.
//!
//! Format (version 1): an object with `format`, `version`, `tenant` and
//! `objects`, a map from a stable key to an entry. Keys:
//! - `exchange/<role>` for objects mailflowc owns through a marker
//!   (`exchange/inbound-connector`), so a renamed object keeps its key;
//! - `exchange/<Kind>/<name>` for the policies it changes
//!   (`exchange/HostedConnectionFilterPolicy/Default`);
//! - `gateway/<kind>/<name>` for the gateway's objects;
//! - `dns/<domain>/<phase>` for each phase's records.
//!
//! Each entry holds `kind`, `name`, `step`, `phase`, `file`, the `marker`
//! where there is one, and `properties` (a map, keys sorted) or, for DNS,
//! `records`. Secrets appear only as `{"secret_sha256": …}`. Keys and
//! properties are sorted and each value sits on its own line, so a change
//! is a one-line diff.

use super::plan::{Action, Object, Plan, Target, Value};
use crate::model::Topology;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const DESIRED_STATE_FILE: &str = "desired-state.json";
pub const FORMAT: &str = "mailflowc-desired-state";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredState {
    pub format: String,
    pub version: u32,
    pub tenant: String,
    pub objects: BTreeMap<String, Entry>,
    /// Every step in run order, without its objects (they are above).
    pub steps: Vec<StepSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSummary {
    pub id: String,
    pub target: String,
    pub phase: String,
    pub action: String,
    pub file: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: String,
    pub name: String,
    pub step: String,
    pub phase: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<BTreeMap<String, serde_json::Value>>,
}

fn json(value: &Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn properties(object: &Object) -> BTreeMap<String, serde_json::Value> {
    object
        .properties
        .iter()
        .map(|p| (p.name.to_owned(), json(&p.value)))
        .collect()
}

fn phase_name<T: Serialize>(phase: T) -> String {
    serde_json::to_value(phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The desired state of `plan`: every applying step's objects.
pub fn desired_state(topology: &Topology, plan: &Plan) -> DesiredState {
    let mut objects = BTreeMap::new();
    for step in plan.steps.iter().filter(|s| s.action == Action::Apply) {
        for object in &step.objects {
            let entry = |properties, records| Entry {
                kind: object.kind.to_owned(),
                name: object.name.clone(),
                step: step.id.clone(),
                phase: phase_name(step.phase),
                file: step.file.clone(),
                marker: object.marker.clone(),
                properties,
                records,
            };
            match step.target {
                Target::Exchange => {
                    let key = match &object.marker {
                        Some(marker) => format!(
                            "exchange/{}",
                            marker.strip_prefix("mailflowc:").unwrap_or(marker)
                        ),
                        None => format!("exchange/{}/{}", object.kind, object.name),
                    };
                    objects.insert(key, entry(properties(object), Vec::new()));
                }
                Target::Gateway => {
                    let key = format!("gateway/{}/{}", object.kind, object.name);
                    objects.insert(key, entry(properties(object), Vec::new()));
                }
                Target::Dns => {
                    // One entry per domain and phase; octoDNS repeats BIND.
                    if step.id.ends_with("-octodns") {
                        continue;
                    }
                    let phase = step.id.rsplit('.').next().unwrap_or("");
                    let key = format!("dns/{}/{phase}", object.name);
                    let slot = objects
                        .entry(key)
                        .or_insert_with(|| entry(BTreeMap::new(), Vec::new()));
                    if object.kind == "MX" {
                        slot.records.push(properties(object));
                    } else {
                        slot.properties = properties(object);
                    }
                }
            }
        }
    }
    let steps = plan
        .steps
        .iter()
        .map(|s| StepSummary {
            id: s.id.clone(),
            target: phase_name(s.target),
            phase: phase_name(s.phase),
            action: phase_name(s.action),
            file: s.file.clone(),
            title: s.title.clone(),
            undo: s.undo.clone(),
        })
        .collect();
    DesiredState {
        format: FORMAT.to_owned(),
        version: VERSION,
        tenant: topology.organization.tenant.clone(),
        objects,
        steps,
    }
}

/// The document as written: pretty JSON, one value per line, a final newline.
pub fn to_text(state: &DesiredState) -> String {
    let mut text = serde_json::to_string_pretty(state).unwrap_or_default();
    text.push('\n');
    text
}
