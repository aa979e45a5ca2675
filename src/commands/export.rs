//! The tenant export a command reads (`--tenant`).

use super::Exit;
use crate::diagnostics::untrusted;
use crate::exchange::export::{self, MAX_EXPORT_BYTES};
use std::path::Path;

/// A tenant export's text and its typed form (`exchange::export::from_bytes`).
pub(super) fn read_export(
    export: &Path,
) -> Result<(String, crate::exchange::export::TenantExport), Exit> {
    read(export).map_err(|message| {
        warn!("error: {message}");
        Exit::Failure
    })
}

/// Reads the export at `path` (`-`: standard input), bounded by
/// [`MAX_EXPORT_BYTES`]. `Err` is the message a command prints.
fn read(path: &Path) -> Result<(String, crate::exchange::export::TenantExport), String> {
    use std::io::Read as _;
    let shown = untrusted::escape(&path.display().to_string());
    let reader: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(file) => Box::new(file),
            Err(error) => return Err(format!("cannot read `{shown}`: {error}")),
        }
    };
    // One byte past the limit tells a file at the limit from a bigger one.
    let mut bytes = Vec::new();
    if let Err(error) = reader
        .take(MAX_EXPORT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
    {
        return Err(format!("cannot read `{shown}`: {error}"));
    }
    export::from_bytes(bytes, &shown)
}
