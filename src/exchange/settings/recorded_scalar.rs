//! The shape "a scalar whose previous value is recorded": one property of
//! one tenant-wide object (SPF hard fail in the default anti-spam policy,
//! Reject Direct Send in the organization configuration). The apply script
//! records the value it finds before it sets mailflowc's, and the undo puts
//! the recorded value back; drift compares the one property.

use super::tenant_list::lacks;
use crate::exchange::compare::{self, Finding};
use crate::exchange::export::{ExportObject, TenantExport};
use crate::exchange::readback::Rule;
use crate::targets::plan::{property, Object, Value};
use crate::targets::state::Entry;

/// One recorded scalar.
pub struct RecordedScalar {
    /// The object holding it, and its identity.
    pub kind: &'static str,
    pub name: &'static str,
    pub property: &'static str,
    pub rule: Rule,
    /// The apply script's file, which the undo's wanted state names.
    pub apply_file: &'static str,
    /// Whether Exchange holds one such object, whatever its name
    /// (exchange-readback §6): an export written before verify.ps1 read it
    /// cannot tell.
    pub singleton: bool,
}

impl RecordedScalar {
    /// The wanted state: the property at mailflowc's value.
    pub fn object(&self, value: Value) -> Object {
        Object::new(self.kind, self.name, vec![property(self.property, value)])
    }

    /// The undo's wanted state: whatever the record holds.
    pub fn restored(&self) -> Object {
        self.object(Value::Text(format!(
            "(the value recorded before {} ran)",
            self.apply_file
        )))
    }

    fn found<'a>(&self, export: &'a TenantExport) -> Option<&'a ExportObject> {
        super::held(export, self.kind, self.name, self.singleton)
    }

    /// Drift: the property under its rule; a missing object is missing,
    /// or, for a singleton, an export that cannot say.
    pub fn compare(
        &self,
        key: &str,
        entry: &Entry,
        export: &TenantExport,
        findings: &mut Vec<Finding>,
    ) -> Result<(), String> {
        match self.found(export) {
            Some(found) => compare::properties(key, entry, found, findings),
            None if self.singleton => return Err(lacks(self.kind, key)),
            None => findings.push(compare::finding(key, entry, "missing")),
        }
        Ok(())
    }

    /// The value an export holds, canonical under the rule ("" when the
    /// export has no such object).
    pub fn read(&self, export: &TenantExport) -> String {
        self.found(export)
            .map(|o| o.canonical(self.property, self.rule))
            .unwrap_or_default()
    }
}
