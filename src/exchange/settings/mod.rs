//! The settings mailflowc manages in a tenant, one file each, in one
//! registry ([`SETTINGS`]). A setting owns everything about itself in both
//! directions: its steps (the script that applies it and the one that
//! undoes it), its complete wanted state (the objects of those steps),
//! what `verify.ps1` and `80-converge.ps1` need of it, its comparison with
//! what a tenant export holds (`mailflowc drift`), its reading back into a
//! topology (`mailflowc import`), and how the runbook and the plan diff
//! treat it. The plan, drift, verify, converge, import, the runbook and
//! the plan diff iterate the registry instead of knowing the settings.
//!
//! Settings of one shape share code: [`tenant_list`] (members of a
//! tenant-wide list, which the tenant shares with others: the allow list,
//! the trusted ARC sealers) and [`recorded_scalar`] (one value whose
//! previous value a record keeps for the undo: SPF hard fail, Reject
//! Direct Send).
//!
//! A third shape is [`owned_object`]: an object mailflowc creates and owns
//! through a marker (the inbound, lock-down and outbound connectors, the
//! SCL -1 rule, the outbound rule), written by `_object.ps1.j2`, removed by
//! its undo, found by name or marker and compared property by property.

mod allow_list;
mod arc_sealer;
mod inbound_connector;
mod lockdown_connector;
mod outbound_connector;
mod outbound_rule;
mod owned_object;
mod recorded_scalar;
mod reject_direct_send;
mod scl_bypass_rule;
mod spf_hard_fail;
mod tenant_list;

pub use outbound_rule::SecretRef;

use super::compare::Finding;
use super::export::TenantExport;
use crate::model::Topology;
use crate::targets::plan::{Object, Phase};
use crate::targets::state::Entry;

/// Every setting, in the order `verify.ps1` and `80-converge.ps1` check
/// them; the plan orders the steps by their files' numbers.
pub static SETTINGS: &[&dyn Setting] = &[
    &inbound_connector::InboundConnector,
    &allow_list::AllowList,
    &arc_sealer::ArcSealer,
    &spf_hard_fail::SpfHardFail,
    &scl_bypass_rule::SclBypassRule,
    &outbound_connector::OutboundConnector,
    &outbound_rule::OutboundRule,
    &lockdown_connector::LockdownConnector,
    &reject_direct_send::RejectDirectSend,
];

/// A parameter a setting's script declares (the script's help says what
/// each does; a rollback's `-StatePath` is one folder deeper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    Adopt,
    StatePath,
    SkipMxCheck,
}

/// A script of a setting, as the renderer needs it: the template, its
/// parameters, the values the template reads, and the objects it changes
/// (the step's wanted state).
#[derive(Debug, Clone)]
pub struct Script {
    pub template: &'static str,
    pub switches: &'static [Switch],
    pub context: minijinja::Value,
    pub objects: Vec<Object>,
    /// An object the template writes through `_object.ps1.j2` (an object
    /// mailflowc owns, [`owned_object`]): the renderer adds its view as
    /// `object`.
    pub object: Option<Object>,
}

/// The applying step of a setting (`exchange.<slug>`).
#[derive(Debug, Clone)]
pub struct Apply {
    /// Under `exchange/`, its two-digit number first (the run order).
    pub file: &'static str,
    pub phase: Phase,
    pub title: &'static str,
    /// One line for the runbook.
    pub summary: &'static str,
    pub script: Script,
}

/// The step that undoes it (`exchange.rollback.<setting's slug>`), in
/// the same phase.
#[derive(Debug, Clone)]
pub struct Undo {
    /// Names its file: `rollback/<100 - apply's number>-<slug>.ps1`.
    pub slug: &'static str,
    pub title: &'static str,
    pub script: Script,
}

/// How the runbook lists a setting's script.
#[derive(Debug, Clone, Copy)]
pub struct Runbook {
    /// The item's kind, which the runbook template words.
    pub kind: &'static str,
    /// The items that must be done first.
    pub needs: &'static [&'static str],
    /// The check the operator makes after it.
    pub check: Option<Check>,
}

/// A runbook item that checks what a step did.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub id: &'static str,
    pub kind: &'static str,
    pub what: &'static str,
    pub needs: &'static [&'static str],
}

/// What happens to a tenant-wide list when mailflowc stops managing it:
/// the members it added leave through converge, the list and the
/// tenant's other members stay.
#[derive(Debug, Clone, Copy)]
pub struct Retired {
    /// The list's property.
    pub property: &'static str,
    /// What the plan says of it.
    pub note: &'static str,
}

/// One tenant-wide setting.
pub trait Setting: Sync {
    /// The step's id is `exchange.<slug>`.
    fn slug(&self) -> &'static str;

    /// The kind of object it changes.
    fn kind(&self) -> &'static str;

    /// Its steps, when the topology wants it.
    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)>;

    /// The values `verify.ps1` reads of it, whether wanted or not (none
    /// for an object it owns: verify compares those from their wanted
    /// state).
    fn verify(&self, _topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        Vec::new()
    }

    /// Its part of `verify.ps1`, a template included whether the setting
    /// is wanted or not (it reads [`Setting::verify`]'s values). None for
    /// an object it owns, which verify compares from its wanted state.
    fn verify_check(&self) -> Option<&'static str> {
        None
    }

    /// The values `80-converge.ps1` reads of it (none by default: converge
    /// does not put it back).
    fn converge(&self, _topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        Vec::new()
    }

    /// Its part of `80-converge.ps1`, included whether the setting is
    /// wanted or not: what it retires when it is no longer wanted. None
    /// for an object it owns: converge removes those by their marker.
    fn converge_check(&self) -> Option<&'static str> {
        None
    }

    /// Its desired-state entry against the export: the findings, or why
    /// the export cannot say. By default, an object it owns: found by
    /// name, each wanted property compared.
    fn compare(
        &self,
        key: &str,
        entry: &Entry,
        export: &TenantExport,
        findings: &mut Vec<Finding>,
    ) -> Result<(), String> {
        owned_object::compare(key, entry, export, findings);
        Ok(())
    }

    /// What a tenant export says of it, as the import template's values;
    /// `is_gateways` tells whether an address entry is the gateway's.
    /// None for the objects mailflowc owns: which connectors and rules are
    /// the gateway's decides the vendor, the domains and the egress, so
    /// `import` reads them together.
    fn read_back(
        &self,
        _export: &TenantExport,
        _is_gateways: &dyn Fn(&str) -> bool,
    ) -> Vec<(&'static str, serde_json::Value)> {
        Vec::new()
    }

    /// How the runbook lists its apply step.
    fn runbook(&self) -> Runbook {
        Runbook {
            kind: "script",
            needs: &["exchange.preflight"],
            check: None,
        }
    }

    /// For a tenant-wide list whose members leave through converge.
    fn retired(&self) -> Option<Retired> {
        None
    }
}

/// The setting whose apply step is `step_id` (`exchange.<slug>`).
/// The object holding a tenant-wide setting in an export: the one of its
/// kind when Exchange holds one whatever its name (a singleton), else the
/// one by its name.
pub(super) fn held<'a>(
    export: &'a TenantExport,
    kind: &str,
    name: &str,
    singleton: bool,
) -> Option<&'a super::export::ExportObject> {
    let noun = super::export::Noun::of_kind(kind)?;
    if singleton {
        export.objects(noun).first()
    } else {
        export.named(noun, name)
    }
}

pub fn by_step(step_id: &str) -> Option<&'static dyn Setting> {
    let slug = step_id.strip_prefix("exchange.")?;
    SETTINGS.iter().copied().find(|s| s.slug() == slug)
}

/// What leaves through converge when the desired state's entry `key`
/// (`exchange/<kind>/<name>`, a tenant-wide list's) is no longer wanted.
pub fn retired(key: &str) -> Option<Retired> {
    let kind = key.strip_prefix("exchange/")?.split_once('/')?.0;
    SETTINGS
        .iter()
        .filter(|s| s.kind() == kind)
        .find_map(|s| s.retired())
}

/// Every setting's values for `verify.ps1`, and its parts in registry
/// order (`setting_checks`).
pub fn verify_context(topology: &Topology) -> minijinja::Value {
    let checks: Vec<&str> = SETTINGS.iter().filter_map(|s| s.verify_check()).collect();
    SETTINGS
        .iter()
        .flat_map(|s| s.verify(topology))
        .chain([("setting_checks", checks.into())])
        .collect()
}

/// Every setting's values for `80-converge.ps1`, and its parts in registry
/// order (`setting_checks`).
pub fn converge_context(topology: &Topology) -> minijinja::Value {
    let checks: Vec<&str> = SETTINGS.iter().filter_map(|s| s.converge_check()).collect();
    SETTINGS
        .iter()
        .flat_map(|s| s.converge(topology))
        .chain([("setting_checks", checks.into())])
        .collect()
}

/// Every setting's values for the import template.
pub fn read_back(
    export: &TenantExport,
    is_gateways: &dyn Fn(&str) -> bool,
) -> std::collections::BTreeMap<&'static str, serde_json::Value> {
    SETTINGS
        .iter()
        .flat_map(|s| s.read_back(export, is_gateways))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_has_its_own_slug() {
        let mut slugs = std::collections::BTreeSet::new();
        for setting in SETTINGS {
            assert!(slugs.insert(setting.slug()), "{} twice", setting.slug());
            assert!(by_step(&format!("exchange.{}", setting.slug())).is_some());
        }
    }

    /// A kind whose setting retires members through converge belongs to
    /// that setting alone: `retired` finds it by the kind.
    #[test]
    fn a_retiring_list_has_its_kind_alone() {
        for setting in SETTINGS.iter().filter(|s| s.retired().is_some()) {
            let same = SETTINGS
                .iter()
                .filter(|s| s.kind() == setting.kind())
                .count();
            assert_eq!(same, 1, "{}", setting.kind());
        }
    }
}
