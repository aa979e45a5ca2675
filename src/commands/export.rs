//! The tenant export a command reads (`--tenant`).

use super::input::read_limited;
use super::Exit;
use std::path::Path;

pub(super) fn read_export(export: &Path) -> Result<(String, serde_json::Value), Exit> {
    let text = match read_limited(export) {
        Ok(text) => text,
        Err(error) => {
            warn!("error: cannot read `{}`: {error}", export.display());
            return Err(Exit::Failure);
        }
    };
    let text = text.trim_start_matches('\u{feff}').to_owned();
    match serde_json::from_str(&text) {
        Ok(json) => Ok((text, json)),
        Err(error) => {
            warn!("error: `{}` is not JSON: {error}", export.display());
            Err(Exit::Failure)
        }
    }
}
