//! `mailflowc import`: a topology from a tenant export, which built plans
//! no change to that tenant.

use super::export::read_export;
use super::init::{context_beside, exists_refused, write_new};
use super::{Exit, Settings};
use crate::diagnostics::untrusted::Untrusted;
use crate::diagnostics::{self, Diagnostic};
use std::path::Path;

pub fn import(
    export: &Path,
    out: Option<&Path>,
    allow_changes: bool,
    gateway_connector: Option<&str>,
    settings: &Settings,
) -> Exit {
    use crate::import::{self, ImportError};
    use std::io::Write as _;
    if let Some(code) = out.and_then(|out| exists_refused(out, "import")) {
        return code;
    }
    let (_, json) = match read_export(export) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let context = context_beside(out);
    let label = out.map_or_else(|| "topology.toml".to_owned(), |p| p.display().to_string());
    let imported = match import::import_with(
        &json,
        &export.to_string_lossy(),
        &context,
        gateway_connector,
    ) {
        Ok(imported) => imported,
        Err(ImportError::Export(message)) => {
            warn!(
                "error: `{}`: {message}",
                Untrusted(&export.display().to_string())
            );
            return Exit::Failure;
        }
        Err(ImportError::Invalid { text, found }) => {
            let errors: Vec<Diagnostic> = found.into_iter().filter(Diagnostic::is_error).collect();
            let shown = crate::pipeline::render(&errors, &label, &text, settings.color_on_stderr());
            let _ = std::io::stderr().lock().write_all(shown.as_bytes());
            warn!(
                "error: the tenant holds what mailflowc refuses ({} error(s) in the topology it makes, above); nothing was written",
                errors.len()
            );
            return Exit::Invalid;
        }
    };
    // Line by line, so the lines stay lines and a name cannot start one.
    let changes: String = crate::targets::drift::text(&imported.changes)
        .lines()
        .map(|line| format!("{}\n", diagnostics::sanitize(line)))
        .collect();
    if !imported.changes.in_sync() && !allow_changes {
        warn!(
            "{}error: building the imported topology would change the tenant (above); nothing was written. \
             Run again with --allow-changes to write it with these changes listed in its header",
            changes
        );
        return Exit::Different;
    }
    let warnings: Vec<Diagnostic> = imported
        .warnings
        .iter()
        .filter(|d| !d.is_error())
        .cloned()
        .collect();
    if !warnings.is_empty() {
        let shown = crate::pipeline::render(
            &warnings,
            &label,
            &imported.text,
            settings.color_on_stderr(),
        );
        let _ = std::io::stderr().lock().write_all(shown.as_bytes());
    }
    match out {
        None => super::say_raw(&imported.text),
        Some(out) => {
            if let Err(code) = write_new(out, &imported.text) {
                return code;
            }
        }
    }
    if !settings.quiet {
        for note in &imported.notes {
            warn!("note: {}", diagnostics::sanitize(note));
        }
        for a in &imported.adopted {
            match &a.refused {
                None => warn!(
                    "adopt: {} `{}`: run {} -Adopt the first time",
                    a.kind,
                    diagnostics::sanitize(&a.name),
                    a.file
                ),
                Some(why) => warn!(
                    "adopt: {} `{}`: {}",
                    a.kind,
                    diagnostics::sanitize(&a.name),
                    why
                ),
            }
        }
        if !imported.changes.in_sync() {
            warn!("{}", changes.trim_end());
        }
        if let Some(out) = out {
            say!(
                "wrote {}; next: mailflowc drift {} --tenant {}",
                out.display(),
                out.display(),
                Untrusted(&export.display().to_string())
            );
        }
    }
    Exit::Ok
}
