//! `mailflowc audit`: the paths around the gateway in a tenant export.

use super::export::read_export;
use super::outcome::analyze_file;
use super::settings::AuditFormat;
use super::{Exit, Settings};
use crate::diagnostics;
use crate::diagnostics::untrusted::Untrusted;
use std::path::Path;

pub fn audit(path: Option<&Path>, export: &Path, format: AuditFormat, settings: &Settings) -> Exit {
    use crate::audit;
    use crate::targets::state;
    let expected = match path {
        None => None,
        Some(path) => {
            let (_, topology) = match analyze_file(path, settings) {
                Ok(found) => found,
                Err(code) => return code,
            };
            let desired = state::desired_state(&topology, &crate::targets::plan(&topology));
            match audit::Expected::from_topology(&topology, &desired) {
                Ok(expected) => Some(expected),
                Err(message) => {
                    warn!(
                        "error: `{}`: {message}",
                        Untrusted(&path.display().to_string())
                    );
                    return Exit::Failure;
                }
            }
        }
    };
    let (text, json) = match read_export(export) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let report = match audit::audit(&json, expected.as_ref()) {
        Ok(report) => report,
        Err(message) => {
            warn!(
                "error: `{}`: {message}",
                Untrusted(&export.display().to_string())
            );
            return Exit::Failure;
        }
    };
    let file = export.to_string_lossy();
    match format {
        AuditFormat::Text => super::say_raw(&audit::text(&report)),
        AuditFormat::Github => super::say_raw(&audit::github(&report, &file, &text)),
        AuditFormat::Json | AuditFormat::Sarif => {
            let value = match format {
                AuditFormat::Json => audit::json(&report),
                _ => audit::sarif(&report, &file, &text),
            };
            super::say_raw(&crate::diagnostics::untrusted::json(&value));
        }
    }
    if report.count(diagnostics::Severity::Error) == 0 {
        Exit::Ok
    } else {
        Exit::Different
    }
}
