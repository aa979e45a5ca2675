//! The whole pipeline in one call: parse → check → lower → emit.
//! Writing is separate (`write`), so every caller — the CLI, the tests, the
//! benchmark — goes through exactly the same stages.

use crate::context::Context;
use crate::diagnostics::{self, Code, Diagnostic};
use crate::model::Topology;
use crate::secret::{RevealedSecrets, SecretSource};
use crate::targets::{self, Files};
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

/// Parses and checks with the default context (paths relative to the
/// working directory, secrets not required).
pub fn analyze(source: &str) -> (Option<Topology>, Vec<Diagnostic>) {
    analyze_with(source, &Context::default())
}

/// Parses and checks; returns the model when there were no errors, and every
/// diagnostic, sorted by position.
pub fn analyze_with(source: &str, ctx: &Context) -> (Option<Topology>, Vec<Diagnostic>) {
    // Every problem of the file in one run: what parsing found (unknown
    // keys, wrong values) and, when the rest could be typed, what checking
    // finds in it.
    if source.len() > parse::schema::MAX_TOPOLOGY_BYTES {
        let found = vec![Diagnostic::new(
            Code::TopologyTooLarge,
            format!(
                "the topology is {} bytes, over mailflowc's limit of {}",
                source.len(),
                parse::schema::MAX_TOPOLOGY_BYTES
            ),
        )
        .at(0..0)
        .with_label("not read")
        .with_help("a topology describes one organization; split a larger one")];
        return (None, found);
    }
    let (raw, mut found) = parse::parse_all(source);
    let Some(raw) = raw else {
        diagnostics::sort(&mut found);
        return (None, found);
    };
    found.extend(check::check(&raw, ctx));
    diagnostics::sort(&mut found);
    if found.iter().any(Diagnostic::is_error) {
        return (None, found);
    }
    (Some(lower::lower(&raw)), found)
}

/// Runs the whole pipeline in memory, with the default context.
pub fn compile(source: &str, source_name: &str) -> Result<Compiled, CompileError> {
    compile_with(source, source_name, &Context::default())
}

/// Runs the whole pipeline in memory.
pub fn compile_with(
    source: &str,
    source_name: &str,
    ctx: &Context,
) -> Result<Compiled, CompileError> {
    let (topology, found) = analyze_with(source, ctx);
    let Some(topology) = topology else {
        return Err(CompileError::Invalid(found));
    };
    let files = targets::emit(&topology, source_name)
        .map_err(|error| CompileError::Internal(format!("template error: {error:#}")))?;
    Ok(Compiled {
        topology,
        files,
        warnings: found,
    })
}

/// Compiles with secrets required and renders only the files that carry them,
/// with the real values. `Ok(None)` when the topology has no secret.
pub fn reveal(
    source: &str,
    source_name: &str,
    base_dir: &std::path::Path,
) -> Result<Option<Files>, CompileError> {
    let ctx = Context {
        base_dir: base_dir.to_owned(),
        reveal: true,
        today: None,
        check_git: false,
    };
    let (topology, found) = analyze_with(source, &ctx);
    let Some(topology) = topology else {
        return Err(CompileError::Invalid(found));
    };
    let Some(outbound) = &topology.outbound else {
        return Ok(None);
    };
    // The checks just read and verified both secrets; the model carries
    // their references (never the values), resolved again here only.
    let read = |reference: &str| {
        SecretSource::parse(reference)
            .ok()
            .and_then(|source| source.resolve(base_dir).ok())
    };
    let header = &outbound.secret_header;
    let current = read(&header.value_from).ok_or_else(|| {
        CompileError::Internal("a checked secret could not be read again".to_owned())
    })?;
    let previous = header.previous_value_from.as_deref().and_then(read);
    let secrets = RevealedSecrets { current, previous };
    targets::emit_revealed(&topology, source_name, &secrets)
        .map(Some)
        .map_err(|error| CompileError::Internal(format!("template error: {error:#}")))
}
