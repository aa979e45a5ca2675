//! The typed plan: what every target changes, as ordered steps.
//!
//! Each target's `plan.rs` turns the model into steps; its `render.rs` turns
//! steps into template contexts; the runbook reads the steps of every target,
//! never the file map. `mailflowc print-plan` prints the same steps as JSON.
//!
//! A step has a stable id (`exchange.inbound-connector`), so adding a feature
//! never renames the steps that were already there; its objects carry every
//! property mailflowc is responsible for, in the order the scripts set them.

use serde::Serialize;

/// The system a step changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    Exchange,
    Gateway,
    Dns,
}

/// When in the migration a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Before any MX change: nothing here rejects or reroutes mail.
    Prepare,
    /// MX moves to the gateway.
    Cutover,
    /// Outbound mail starts to go through the gateway.
    Outbound,
    /// Microsoft 365 rejects mail that did not come through the gateway.
    Lockdown,
    /// After the lock-down: the gateway's MX gets its usual TTL.
    Stabilize,
}

/// Whether a step makes its change or undoes another step's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Apply,
    Undo,
}

/// One value of an object's wanted state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
    /// A secret, known only by its fingerprint; read at run time.
    Secret {
        secret_sha256: String,
    },
    /// Explicitly empty.
    Null(()),
}

impl Value {
    pub fn text(value: &str) -> Self {
        Value::Text(value.to_owned())
    }

    /// A list, or an explicit empty value when it has no item.
    pub fn list_or_null(items: Vec<String>) -> Self {
        if items.is_empty() {
            Value::Null(())
        } else {
            Value::List(items)
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null(()))
    }
}

/// One property of an object's wanted state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Property {
    pub name: &'static str,
    pub value: Value,
}

pub fn property(name: &'static str, value: Value) -> Property {
    Property { name, value }
}

/// An object a step creates, changes or removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Object {
    /// What kind of object: a cmdlet noun (`InboundConnector`), an AsyncOS
    /// table (`rat`), a DNS record type (`MX`).
    pub kind: &'static str,
    pub name: String,
    /// Every property mailflowc is responsible for; empty for an object a
    /// step only removes.
    pub properties: Vec<Property>,
    /// The ownership marker the object carries in its comment when mailflowc
    /// created or adopted it (`mailflowc:inbound-connector`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Object {
    pub fn new(kind: &'static str, name: &str, properties: Vec<Property>) -> Self {
        Object {
            kind,
            name: name.to_owned(),
            properties,
            marker: None,
        }
    }

    /// The same object, owned through `marker`.
    pub fn owned(mut self, marker: String) -> Self {
        self.marker = Some(marker);
        self
    }

    /// The wanted value of one property.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.value)
    }
}

/// The ownership marker of a role: what an object's comment carries when
/// mailflowc created or adopted it.
pub fn marker(role: &str) -> String {
    format!("mailflowc:{role}")
}

/// One step of the plan: one file to run or follow.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Stable across builds and features: `TARGET.WHAT`, `TARGET.rollback.WHAT`.
    pub id: String,
    pub target: Target,
    pub phase: Phase,
    pub action: Action,
    /// The generated file, relative to the output directory.
    pub file: String,
    pub title: String,
    /// What the step does, in one line, for the runbook ("" when its title says it).
    pub summary: String,
    pub objects: Vec<Object>,
    /// For an applying step, the id of the step that undoes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo: Option<String>,
}

/// Every step of every target, in run order within each target.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    /// The steps of one target, phase and action, in run order.
    pub fn select(
        &self,
        target: Target,
        phase: Phase,
        action: Action,
    ) -> impl Iterator<Item = &Step> + '_ {
        self.steps
            .iter()
            .filter(move |s| s.target == target && s.phase == phase && s.action == action)
    }

    pub fn find(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}
