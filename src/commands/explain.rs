//! `mailflowc explain`: a diagnostic's or audit code's long form, every
//! code, or the exit codes.

use super::{Exit, EXIT_CODES};
use crate::diagnostics::Code;

pub fn explain(code: Option<&str>) -> Exit {
    let Some(id) = code else {
        for code in Code::ALL {
            say!(
                "{}  {:<7}  {}",
                code.id(),
                code.severity().word(),
                code.title()
            );
        }
        for code in crate::audit::AuditCode::ALL {
            let severity = code.severity().word();
            say!("{}  {severity:<7}  audit: {}", code.id(), code.title());
        }
        say!("exit-codes  the exit codes every command uses");
        return Exit::Ok;
    };
    if id == "exit-codes" {
        say!("Exit codes, the same for every mailflowc command:\n");
        for (code, meaning) in EXIT_CODES {
            say!("  {code}  {meaning}");
        }
        return Exit::Ok;
    }
    if let Some(code) = crate::audit::AuditCode::from_id(id) {
        super::say_raw(code.explanation());
        return Exit::Ok;
    }
    match Code::from_id(id) {
        Some(code) => {
            super::say_raw(code.explanation());
            Exit::Ok
        }
        None => {
            warn!("error: no diagnostic `{id}`; run `mailflowc explain` for the list");
            Exit::Failure
        }
    }
}
