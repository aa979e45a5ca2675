//! The tenant export a command reads (`--tenant`).

use super::Exit;
use std::path::Path;

/// A tenant export's text and its typed form (`exchange::export::read`).
pub(super) fn read_export(
    export: &Path,
) -> Result<(String, crate::exchange::export::TenantExport), Exit> {
    crate::exchange::export::read(export).map_err(|message| {
        warn!("error: {message}");
        Exit::Failure
    })
}
