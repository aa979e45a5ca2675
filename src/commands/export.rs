//! The tenant export a command reads (`--tenant`).

use super::input::read_limited;
use super::Exit;
use std::path::Path;

/// A tenant export's text and its typed form (`exchange::export`); a
/// Windows PowerShell byte-order mark is dropped.
pub(super) fn read_export(
    export: &Path,
) -> Result<(String, crate::exchange::export::TenantExport), Exit> {
    let text = match read_limited(export) {
        Ok(text) => text,
        Err(error) => {
            warn!("error: cannot read `{}`: {error}", export.display());
            return Err(Exit::Failure);
        }
    };
    let text = text.trim_start_matches('\u{feff}').to_owned();
    match crate::exchange::export::TenantExport::parse(&text) {
        Ok(parsed) => Ok((text, parsed)),
        Err(error) => {
            warn!("error: {}", error.about(&export.display().to_string()));
            Err(Exit::Failure)
        }
    }
}
