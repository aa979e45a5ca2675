//! The shape "an object mailflowc creates and owns": a connector or a
//! transport rule, named by the topology and marked in its comment
//! (`mailflowc:<role>`). Its apply script creates or updates it through
//! `_object.ps1.j2` with every property stated, adopting a namesake only
//! with `-Adopt`; its undo removes it (or puts an adopted one back); drift
//! finds it by name, or by its marker when it was renamed, and compares
//! each property. Also the parts every such object shares: its comment,
//! Enhanced Filtering's parameters on connectors, a rule's state.

use super::{Script, Switch};
use crate::exchange::compare::{self, finding, Finding};
use crate::exchange::export::{Noun, TenantExport};
use crate::exchange::vocabulary::EF_SKIP_IPS;
use crate::model::Topology;
use crate::parse::EfMode;
use crate::targets::plan::{marker, property, Object, Property, Value};
use crate::targets::state::Entry;
use crate::targets::templates::ids;

/// Who the object is to the scripts: its comment, carrying the marker.
pub fn comment(role: &str, what: &str) -> (String, String) {
    let marker = marker(role);
    (format!("Managed by mailflowc ({marker}): {what}"), marker)
}

/// Enhanced Filtering settings, the same on every connector that may receive
/// the gateway's mail: Microsoft says a restricting connector takes
/// precedence over an unrestricted one for the same senders
/// (exchange-facts F-IN-10), so after lock-down the lock-down connector may be
/// the one that matches, and it must skip the same hops.
pub fn enhanced_filtering_params(topology: &Topology) -> [Property; 3] {
    let ef = &topology.inbound.enhanced_filtering;
    [
        property("EFSkipLastIP", Value::Bool(ef.mode == EfMode::SkipLastIp)),
        property(
            EF_SKIP_IPS,
            Value::list_or_null(ef.skip_ips.ipv4_prefixes()),
        ),
        property("EFUsers", Value::list_or_null(ef.pilot_recipients.clone())),
    ]
}

/// A transport rule's wanted state always includes these: enforced, and
/// enabled (`State` is read-only; `Enable-TransportRule` sets it, F-TR-02).
pub fn rule_state() -> [Property; 2] {
    [
        property("Mode", Value::text("Enforce")),
        property("State", Value::text("Enabled")),
    ]
}

/// The apply script of `object`: `template` writes it (the renderer adds
/// its view as `object`), with `-Adopt`, `-StatePath` and `extra`
/// switches, and `context` besides.
pub fn apply(
    template: &'static str,
    switches: &'static [Switch],
    object: Object,
    context: minijinja::Value,
) -> Script {
    Script {
        template,
        switches,
        context,
        objects: vec![object.clone()],
        object: Some(object),
    }
}

/// The undo: the object removed, found by name; an adopted one gets its
/// prior state back instead. The script holds the object as the apply
/// step wants it; the step's wanted state is the object without properties.
pub fn removal(object: Object) -> Script {
    Script {
        template: ids::PS_ROLLBACK,
        switches: &[Switch::StatePath],
        context: minijinja::context! {},
        objects: vec![Object {
            properties: Vec::new(),
            ..object.clone()
        }],
        object: Some(object),
    }
}

/// Drift: the object of the entry's name, each property compared; else the
/// one carrying its marker (renamed); else missing.
pub fn compare(key: &str, entry: &Entry, export: &TenantExport, findings: &mut Vec<Finding>) {
    let candidates = Noun::of_kind(&entry.kind).map_or(&[][..], |n| export.objects(n));
    match (
        candidates.iter().find(|o| o.is_named(&entry.name)),
        &entry.marker,
    ) {
        (Some(found), _) => compare::properties(key, entry, found, findings),
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
