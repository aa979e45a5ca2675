//! The commands, one file each. [`crate::cli`] parses the arguments into a
//! [`Settings`] value and calls one of them; each returns its typed
//! [`Exit`]. What several share: reading the topologies a call names
//! (`input`), and reporting what each came to (`outcome`).
//!
//! A fleet's rooms — tenants grouped by appliance, the shared appliance's
//! manifest and its rebuild policy — are [`crate::fleet`]'s; these files
//! only ask it.

/// Writes to stdout; a closed pipe ends the output quietly.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Writes to stderr; a closed pipe ends the output quietly.
macro_rules! warn {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

pub mod exit;
pub mod settings;

mod appliance_trees;
pub mod audit;
pub mod build;
pub mod check;
pub mod dns_check;
pub mod drift;
pub mod explain;
mod export;
pub mod import;
pub mod init;
mod input;
mod outcome;
pub mod plan;
pub mod print;
pub mod reveal;
pub mod vendors;

pub use exit::{Exit, EXIT_CODES};
pub use settings::Settings;

/// Writes text as it is to stdout, quietly on a closed pipe.
pub fn say_raw(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Writes one line to stderr, quietly on a closed pipe.
pub fn warn_line(text: &str) {
    warn!("{text}");
}

/// Debug builds only: lets the tests prove that a crash becomes exit 2, for
/// the whole command (`MAILFLOWC_DEBUG_PANIC=1`) or for the one topology of a
/// fleet whose file is so named.
pub fn debug_panic(file_name: Option<&str>) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Some(value) = std::env::var_os("MAILFLOWC_DEBUG_PANIC") else {
        return;
    };
    let value = value.to_string_lossy();
    let whole = value == "1";
    if (file_name.is_none() && whole) || (file_name.is_some() && file_name == Some(&*value)) {
        panic!("MAILFLOWC_DEBUG_PANIC is set");
    }
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Exit {
    match serde_json::to_string_pretty(value) {
        Ok(json) => {
            say!("{json}");
            Exit::Ok
        }
        Err(error) => {
            warn!("internal error: {error}");
            Exit::Failure
        }
    }
}
