//! The shape "members of a tenant-wide list": one list the tenant shares
//! with its other tools and admins (the connection filter's allow list,
//! the trusted ARC sealers). mailflowc adds the gateway's members, records
//! what it added, and removes only those; the tenant's other members are
//! not drift. One object holds the list, found by its name or, where
//! Exchange has only one (`Get-ArcConfig`), whatever its name.

use crate::exchange::compare::{self, Finding};
use crate::exchange::export::{ExportObject, Noun, TenantExport};
use crate::exchange::readback::Rule;
use crate::targets::plan::{property, Object, Value};
use crate::targets::state::Entry;

/// One tenant-wide list.
pub struct TenantList {
    /// The object holding it, and its identity.
    pub kind: &'static str,
    pub name: &'static str,
    /// The list's property and its read-back rule.
    pub property: &'static str,
    pub rule: Rule,
    /// What drift says is wanted when a member is missing.
    pub wanted: &'static str,
    /// Whether Exchange holds one such object, whatever its name: an
    /// export written before verify.ps1 read it cannot tell.
    pub singleton: bool,
}

impl TenantList {
    /// The wanted state: the object with the members mailflowc adds.
    pub fn object(&self, members: Vec<String>) -> Object {
        Object::new(
            self.kind,
            self.name,
            vec![property(self.property, Value::List(members))],
        )
    }

    /// The object holding the list in an export; `Err` when the export has
    /// none of a kind Exchange always has one of.
    fn found<'a>(
        &self,
        key: &str,
        export: &'a TenantExport,
    ) -> Result<Option<&'a ExportObject>, String> {
        match super::held(export, self.kind, self.name, self.singleton) {
            None if self.singleton => Err(lacks(self.kind, key)),
            found => Ok(found),
        }
    }

    /// Drift: every wanted member listed; the others are the tenant's own.
    pub fn compare(
        &self,
        key: &str,
        entry: &Entry,
        export: &TenantExport,
        findings: &mut Vec<Finding>,
    ) -> Result<(), String> {
        let found = self.found(key, export)?;
        compare::contained(
            key,
            entry,
            found,
            self.property,
            self.rule,
            self.wanted,
            findings,
        );
        Ok(())
    }

    /// The members an export lists (canonical), whether or not they are
    /// the gateway's.
    pub fn members(&self, export: &TenantExport) -> Vec<String> {
        let found = if self.singleton {
            Noun::of_kind(self.kind).and_then(|n| export.objects(n).first())
        } else {
            Noun::of_kind(self.kind).and_then(|n| export.named(n, self.name))
        };
        found
            .map(|o| o.list(self.property, self.rule))
            .unwrap_or_default()
    }
}

/// Why an export cannot be compared with a setting of a kind it lacks.
pub fn lacks(kind: &str, key: &str) -> String {
    format!(
        "the export has no `{kind}`, which `{key}` is compared with: export again with this build's exchange/verify.ps1 -ExportPath"
    )
}
