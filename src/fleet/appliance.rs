//! What a shared appliance's relay guard on disk must go on accepting: the
//! one place that reads an appliance's manifest (`appliance.json`) and the
//! fleet's trees that name the appliance, with one policy for every command
//! (`build`, `build --check`, `reveal`).
//!
//! The guard is one filter for every tenant that relays through the
//! appliance; pasting one that lacks a tenant drops that tenant's relayed
//! mail, silently. So a tenant whose tree is still on disk and names the
//! guard is one the guard must accept, whatever the manifest says: the
//! manifest may be missing (a first build, or deleted to be regenerated)
//! and still the trees say who depends on the guard. A manifest that is
//! there but cannot be read (a merge conflict in the MSP's repository) is
//! refused, never taken as "no tenant".

use crate::targets::cisco::appliance::{
    guard_from_tenant, label, wanted_manifest, Manifest, Tenant, MANIFEST_FILE,
};
use crate::targets::state::DESIRED_STATE_FILE;
use crate::targets::MARKER_FILE;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The manifest of the appliance tree at `dir`: `None` when there is none,
/// an error when one is there and is not a manifest this mailflowc reads.
pub fn manifest(dir: &Path) -> Result<Option<Manifest>, String> {
    let path = dir.join(MANIFEST_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("cannot read `{}`: {error}", path.display())),
    };
    match serde_json::from_str::<Manifest>(&text) {
        Ok(found) if found.is_current() => Ok(Some(found)),
        _ => Err(format!(
            "`{}` is not a manifest this mailflowc reads (a merge conflict?): restore it from \
             the last build, or delete it and build the whole fleet, which rebuilds it from the \
             trees on disk",
            path.display()
        )),
    }
}

/// The tenants (tree names) whose trees in `fleet` name appliance `label`'s
/// relay guard: each holds mailflowc's marker and a desired state whose
/// relay guard is the appliance's.
pub fn dependents(fleet: &Path, label: &str) -> Result<BTreeSet<String>, String> {
    let guard = guard_from_tenant(label);
    let mut found = BTreeSet::new();
    let entries = match std::fs::read_dir(fleet) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(error) => return Err(format!("cannot read `{}`: {error}", fleet.display())),
    };
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read `{}`: {e}", fleet.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let tree = entry.path();
        if name.starts_with('_') || name.starts_with('.') || !tree.join(MARKER_FILE).is_file() {
            continue;
        }
        let path = tree.join(DESIRED_STATE_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let state: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "`{}` is not a desired state mailflowc reads ({e}); restore it, or delete the \
                 tree `{}` if its tenant has left the fleet",
                path.display(),
                tree.display()
            )
        })?;
        let names_guard = state
            .get("objects")
            .and_then(serde_json::Value::as_object)
            .is_some_and(|objects| {
                objects
                    .values()
                    .any(|o| o.get("file").and_then(serde_json::Value::as_str) == Some(&guard))
            });
        if names_guard {
            found.insert(name);
        }
    }
    Ok(found)
}

/// Why appliance `label`'s guard cannot be rebuilt by a call.
pub enum Refusal {
    /// The manifest, or a tree's desired state, cannot be read.
    Unreadable(String),
    /// Tenants the guard must accept: by tree name, whether each is in
    /// the call (then it has errors) or not (then its tree is still there).
    LeftOut(Vec<(String, bool)>),
}

/// Why a call cannot rebuild appliance `label`'s guard (`None` when it
/// can): the tenants the guard must go on accepting — the manifest's, and
/// every tree in `fleet` that names the guard — that the call cannot build
/// it with. `in_call` maps each tenant of this fleet the call builds to
/// whether it compiled.
pub fn refusal(fleet: &Path, label: &str, in_call: &BTreeMap<&str, bool>) -> Option<Refusal> {
    let dir = fleet.join(crate::targets::cisco::appliance::tree(label));
    let accepted = match manifest(&dir) {
        Ok(found) => found.map(|m| m.tenants.into_keys().collect::<BTreeSet<String>>()),
        Err(message) => return Some(Refusal::Unreadable(message)),
    };
    let mut must_accept = accepted.unwrap_or_default();
    match dependents(fleet, label) {
        Ok(found) => must_accept.extend(found),
        Err(message) => return Some(Refusal::Unreadable(message)),
    }
    let left_out: Vec<(String, bool)> = must_accept
        .into_iter()
        .filter_map(|stem| match in_call.get(stem.as_str()) {
            Some(&compiled) => (!compiled).then_some((stem, true)),
            None => fleet
                .join(&stem)
                .join(MARKER_FILE)
                .is_file()
                .then_some((stem, false)),
        })
        .collect();
    (!left_out.is_empty()).then_some(Refusal::LeftOut(left_out))
}

/// Why the appliance tree at `dir` does not yet accept `tenant` as it
/// builds now (`None` when it does): a build of that one tenant must not
/// leave the shared guard behind its secret.
pub fn not_accepted(dir: &Path, tenant: Tenant) -> Option<String> {
    let label = label(tenant.topology)?;
    // A tenant that relays nothing needs nothing of the guard.
    tenant.topology.outbound.as_ref()?;
    let found = match manifest(dir) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Some(format!(
                "`{}` does not exist yet",
                dir.join(MANIFEST_FILE).display()
            ))
        }
        Err(message) => return Some(message),
    };
    let wanted = wanted_manifest(label, tenant)?;
    let mut same_names = wanted.clone();
    same_names.tenants = found.tenants.clone();
    same_names.senders = found.senders.clone();
    if found != same_names {
        return Some(format!(
            "the relay guard in `{}` is built with other names than this tenant's",
            dir.display()
        ));
    }
    match found.tenants.get(tenant.stem) {
        Some(accepted)
            if Some(accepted) == wanted.tenants.get(tenant.stem)
                && found.senders.get(tenant.stem) != wanted.senders.get(tenant.stem) =>
        {
            Some(format!(
                "the relay guard in `{}` binds `{}`'s secret to other sender domains, or checks its senders otherwise",
                dir.display(),
                crate::diagnostics::sanitize(tenant.stem)
            ))
        }
        Some(accepted) if Some(accepted) == wanted.tenants.get(tenant.stem) => None,
        Some(_) => Some(format!(
            "the relay guard in `{}` accepts another secret for `{}`",
            dir.display(),
            crate::diagnostics::sanitize(tenant.stem)
        )),
        None => Some(format!(
            "the relay guard in `{}` does not accept `{}` yet",
            dir.display(),
            crate::diagnostics::sanitize(tenant.stem)
        )),
    }
}
