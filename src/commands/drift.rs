//! `mailflowc drift`: the desired state against a tenant export, offline.

use super::export::read_export;
use super::outcome::analyze_file;
use super::settings::DriftFormat;
use super::{Exit, Settings};
use crate::diagnostics::untrusted::Untrusted;
use std::path::Path;

pub fn drift(path: &Path, export: &Path, format: DriftFormat, settings: &Settings) -> Exit {
    use crate::targets::{drift, state};
    let (_, topology) = match analyze_file(path, settings) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let json = match read_export(export) {
        Ok((_, json)) => json,
        Err(code) => return code,
    };
    let desired = state::desired_state(&topology, &crate::targets::plan(&topology));
    let report = match drift::drift(&desired, &json) {
        Ok(report) => report,
        Err(message) => {
            warn!(
                "error: `{}`: {message}",
                Untrusted(&export.display().to_string())
            );
            return Exit::Failure;
        }
    };
    match format {
        DriftFormat::Text => super::say_raw(&drift::text(&report)),
        DriftFormat::Json => super::say_raw(&crate::diagnostics::untrusted::json(&report)),
    }
    if report.in_sync() {
        Exit::Ok
    } else {
        Exit::Different
    }
}
