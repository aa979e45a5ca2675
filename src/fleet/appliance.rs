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

use crate::targets::cisco::appliance::{label, wanted_manifest, Manifest, Tenant, MANIFEST_FILE};
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
    if found != same_names {
        return Some(format!(
            "the relay guard in `{}` is built with other names than this tenant's",
            dir.display()
        ));
    }
    match found.tenants.get(tenant.stem) {
        Some(accepted) if Some(accepted) == wanted.tenants.get(tenant.stem) => None,
        Some(_) => Some(format!(
            "the relay guard in `{}` accepts another secret for `{}`",
            dir.display(),
            tenant.stem
        )),
        None => Some(format!(
            "the relay guard in `{}` does not accept `{}` yet",
            dir.display(),
            tenant.stem
        )),
    }
}
