//! The whole pipeline in one call: parse → check → lower → emit.
//! Writing is separate (`write`), so every caller — the CLI, the tests, the
//! benchmark — goes through exactly the same stages.

use crate::context::Context;
use crate::diagnostics::{self, Code, Diagnostic, Sources};
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
/// diagnostic, sorted by position. A base named by `extends` is read from
/// the context's directory; diagnostics in it point past the end of `source`
/// (see [`Sources`]): use [`analyze_sources`] to render them.
pub fn analyze_with(source: &str, ctx: &Context) -> (Option<Topology>, Vec<Diagnostic>) {
    analyze_sources(&load(source, "topology.toml", ctx, None), ctx)
}

/// Reads the bases a topology extends, from the context's directory.
pub fn load(source: &str, name: &str, ctx: &Context, own: Option<&std::path::Path>) -> Sources {
    if source.len() > parse::schema::MAX_TOPOLOGY_BYTES {
        // Refused below without being parsed.
        return crate::parse::defaults::single(name, source);
    }
    parse::extends::load(source, name, &ctx.base_dir, own)
}

/// [`analyze_with`] for a topology already read with its bases.
pub fn analyze_sources(sources: &Sources, ctx: &Context) -> (Option<Topology>, Vec<Diagnostic>) {
    // Every problem of the file in one run: what parsing found (unknown
    // keys, wrong values) and, when the rest could be typed, what checking
    // finds in it.
    let size = sources.main().map_or(0, |f| f.text.len());
    if size > parse::schema::MAX_TOPOLOGY_BYTES {
        let found = vec![Diagnostic::new(
            Code::TopologyTooLarge,
            format!(
                "the topology is {size} bytes, over mailflowc's limit of {}",
                parse::schema::MAX_TOPOLOGY_BYTES
            ),
        )
        .at(0..0)
        .with_label("not read")
        .with_help("a topology describes one organization; split a larger one")];
        return (None, found);
    }
    let (raw, mut found) = parse::parse_sources(sources);
    let Some(raw) = raw else {
        diagnostics::sort(&mut found);
        return (None, found);
    };
    found.extend(check::check(&raw, ctx));
    accepted_warnings(&raw, &mut found);
    diagnostics::sort(&mut found);
    if found.iter().any(Diagnostic::is_error) {
        return (None, found);
    }
    (Some(lower::lower(&raw)), found)
}

/// `[diagnostics] allow`: the warning codes the topology's owner accepted
/// are left out, for every command, as `--allow` leaves them out of one
/// call; a code that is not a warning mailflowc has is refused, so a typo
/// never hides what it meant to keep.
fn accepted_warnings(raw: &parse::raw::RawTopology, found: &mut Vec<Diagnostic>) {
    let Some(allow) = raw
        .diagnostics
        .as_ref()
        .and_then(|d| d.get_ref().allow.as_ref())
    else {
        return;
    };
    let mut accepted = Vec::new();
    for entry in allow.get_ref() {
        let id = entry.get_ref().trim();
        let refusal = match Code::from_id(id) {
            Some(code) if code.severity() == diagnostics::Severity::Warning => {
                accepted.push(code);
                continue;
            }
            Some(code) => format!(
                "`{id}` ({}) is an error: it cannot be accepted",
                code.title()
            ),
            None => format!(
                "`{}` is not a code mailflowc reports",
                diagnostics::sanitize(id)
            ),
        };
        found.push(
            Diagnostic::new(Code::AllowUnusable, refusal)
                .at(entry.span())
                .with_label("not a warning code")
                .with_help(
                    "list warning codes only (`mailflowc explain` lists every code with its severity); an error is fixed in the topology",
                ),
        );
    }
    found.retain(|d| d.is_error() || !accepted.contains(&d.code));
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
    compile_sources(&load(source, source_name, ctx, None), source_name, ctx)
}

/// [`compile_with`] for a topology already read with its bases.
pub fn compile_sources(
    sources: &Sources,
    source_name: &str,
    ctx: &Context,
) -> Result<Compiled, CompileError> {
    let (topology, found) = analyze_sources(sources, ctx);
    let Some(topology) = topology else {
        return Err(CompileError::Invalid(found));
    };
    let files = targets::emit(&topology, source_name, ctx.lang)
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
    let ctx = reveal_context(base_dir);
    reveal_sources(
        &load(source, source_name, &ctx, None),
        source_name,
        base_dir,
    )
}

/// Secrets required, paths relative to `base_dir`.
fn reveal_context(base_dir: &std::path::Path) -> Context {
    Context {
        base_dir: base_dir.to_owned(),
        reveal: true,
        today: None,
        check_git: false,
        lang: crate::targets::Lang::En,
    }
}

/// [`reveal`] for a topology already read with its bases.
pub fn reveal_sources(
    sources: &Sources,
    source_name: &str,
    base_dir: &std::path::Path,
) -> Result<Option<Files>, CompileError> {
    let Some((topology, secrets)) = revealed_secrets(sources, base_dir)? else {
        return Ok(None);
    };
    targets::emit_revealed(&topology, source_name, &secrets)
        .map(Some)
        .map_err(|error| CompileError::Internal(format!("template error: {error:#}")))
}

/// Compiles with secrets required; the model and the real secrets, or
/// `Ok(None)` when the topology has no secret.
pub fn revealed_secrets(
    sources: &Sources,
    base_dir: &std::path::Path,
) -> Result<Option<(Topology, RevealedSecrets)>, CompileError> {
    let ctx = reveal_context(base_dir);
    let (topology, found) = analyze_sources(sources, &ctx);
    let Some(topology) = topology else {
        return Err(CompileError::Invalid(found));
    };
    let Some(header) = topology
        .outbound
        .as_ref()
        .and_then(|o| o.secret_header.as_ref())
    else {
        return Ok(None);
    };
    // The checks just read and verified both secrets; the model carries
    // their references (never the values), resolved again here only.
    let read = |reference: &str| {
        SecretSource::parse(reference)
            .ok()
            .and_then(|source| source.resolve(base_dir).ok())
    };
    let current = read(&header.value_from).ok_or_else(|| {
        CompileError::Internal("a checked secret could not be read again".to_owned())
    })?;
    let previous = header.previous_value_from.as_deref().and_then(read);
    Ok(Some((topology, RevealedSecrets { current, previous })))
}

/// Renders diagnostics over one file (with the defaults table, where a
/// default's span points) for a terminal (`color`) or for logs and tests.
pub fn render(diagnostics: &[Diagnostic], file_name: &str, source: &str, color: bool) -> String {
    crate::diagnostics::render_sources(
        diagnostics,
        &crate::parse::defaults::single(file_name, source),
        color,
    )
}
