//! The whole pipeline in one call: parse → check → lower → emit.
//! Writing is separate (`write`), so every caller — the CLI, the tests, the
//! benchmark — goes through exactly the same stages.

use crate::diagnostics::{self, Diagnostic};
use crate::emit::{self, Files};
use crate::model::Topology;
use crate::{check, lower, parse};

/// A topology that compiled, with the warnings found on the way.
#[derive(Debug)]
pub struct Compiled {
    pub topology: Topology,
    pub files: Files,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug)]
pub enum CompileError {
    /// The topology has errors; every diagnostic found, warnings included.
    Invalid(Vec<Diagnostic>),
    /// A bug in mailflowc (a template that failed to render).
    Internal(String),
}

/// Parses and checks; returns the model when there were no errors, and every
/// diagnostic, sorted by position.
pub fn analyze(source: &str) -> (Option<Topology>, Vec<Diagnostic>) {
    let raw = match parse::parse(source) {
        Ok(raw) => raw,
        Err(mut found) => {
            diagnostics::sort(&mut found);
            return (None, found);
        }
    };
    let mut found = check::check(&raw);
    diagnostics::sort(&mut found);
    if found.iter().any(Diagnostic::is_error) {
        return (None, found);
    }
    (Some(lower::lower(&raw)), found)
}

/// Runs the whole pipeline in memory.
pub fn compile(source: &str, source_name: &str) -> Result<Compiled, CompileError> {
    let (topology, found) = analyze(source);
    let Some(topology) = topology else {
        return Err(CompileError::Invalid(found));
    };
    let files = emit::emit(&topology, source_name)
        .map_err(|error| CompileError::Internal(format!("template error: {error:#}")))?;
    Ok(Compiled {
        topology,
        files,
        warnings: found,
    })
}
