//! Diagnostics for machines: JSON (one object per finding) and GitHub
//! Actions workflow commands. Positions are 1-based lines and columns, the
//! columns counted in characters (spans are byte offsets inside).

use super::render::Source;
use super::untrusted::escape as sanitize;
use super::{Diagnostic, Sources};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(flatten)]
    pub position: Option<Position>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Position>,
}

fn severity(d: &Diagnostic) -> &'static str {
    d.severity().word()
}

fn position(sources: &Sources, files: &[Source<'_>], span: &std::ops::Range<usize>) -> Position {
    let index = sources.locate(span.start);
    let local = sources.local(index, span);
    let source = &files[index];
    let (line, column) = source.position(local.start);
    let (end_line, end_column) = source.position(local.end.max(local.start));
    Position {
        file: sources.files()[index].name.clone(),
        line,
        column,
        end_line,
        end_column,
    }
}

fn indexed(sources: &Sources) -> Vec<Source<'_>> {
    sources
        .files()
        .iter()
        .map(|f| Source::new(&f.name, &f.text))
        .collect()
}

/// The position of a diagnostic: its span, or the tenant's file when it has
/// none (line 1, column 1).
fn position_of(sources: &Sources, files: &[Source<'_>], d: &Diagnostic) -> Position {
    match &d.span {
        Some(span) => position(sources, files, span),
        None => Position {
            file: sources.main().map(|f| f.name.clone()).unwrap_or_default(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        },
    }
}

/// Every diagnostic as a JSON-ready value, in order.
pub fn json(found: &[Diagnostic], sources: &Sources) -> Vec<JsonDiagnostic> {
    let files = indexed(sources);
    found
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code.id(),
            severity: severity(d),
            message: d.message.clone(),
            label: d.label.clone(),
            help: d.help.clone(),
            position: Some(position_of(sources, &files, d)),
            related: d
                .related
                .iter()
                .map(|(s, _)| position(sources, &files, s))
                .collect(),
        })
        .collect()
}

/// A workflow command's data: `%`, CR and LF escaped.
pub fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
pub fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions annotations, one per diagnostic. The caller adds the
/// summary line ([`github_summary`]): only the first few annotations of each
/// kind are shown per step.
pub fn github(found: &[Diagnostic], sources: &Sources) -> String {
    let files = indexed(sources);
    let mut out = String::new();
    for d in found {
        let p = position_of(sources, &files, d);
        let properties = [
            format!("file={}", github_property(&repo_relative(&p.file))),
            format!("line={}", p.line),
            format!("col={}", p.column),
            format!("endLine={}", p.end_line),
            format!("endColumn={}", p.end_column),
            format!("title={}", github_property(d.code.id())),
        ];
        let mut message = sanitize(&d.message);
        if let Some(help) = &d.help {
            message.push('\n');
            message.push_str(&sanitize(help));
        }
        out.push_str(&format!(
            "::{} {}::{}\n",
            severity(d),
            properties.join(","),
            github_data(&message)
        ));
    }
    out
}

/// The line after the annotations: what was checked and what was found.
pub fn github_summary(what: &str, errors: usize, warnings: usize) -> String {
    format!(
        "mailflowc: {}: {errors} error(s), {warnings} warning(s)\n",
        sanitize(what)
    )
}

/// A file name as code scanning and annotations want it: relative to the
/// repository's root (`GITHUB_WORKSPACE` in GitHub Actions, else the working
/// directory), `.` and `..` resolved, `/` separators. A path outside that
/// root stays as it is, resolved.
pub fn repo_relative(file: &str) -> String {
    use std::path::{Component, Path, PathBuf};
    let Ok(cwd) = std::env::current_dir() else {
        return file.replace('\\', "/");
    };
    let root = std::env::var_os("GITHUB_WORKSPACE").map_or_else(|| cwd.clone(), PathBuf::from);
    let mut resolved = PathBuf::new();
    for component in cwd.join(Path::new(file)).components() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => resolved.push(other.as_os_str()),
        }
    }
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let shown = resolved.strip_prefix(&root).map_or_else(
        |_| {
            std::fs::canonicalize(&resolved)
                .ok()
                .and_then(|real| real.strip_prefix(&root).ok().map(Path::to_path_buf))
                .unwrap_or_else(|| resolved.clone())
        },
        Path::to_path_buf,
    );
    shown.to_string_lossy().replace('\\', "/")
}

/// The schema URI SARIF logs name (the OASIS 2.1.0 schema, as published on
/// json.schemastore.org, which GitHub code scanning also names).
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A path as a repository-relative URI reference: `/` separators, and every
/// byte outside RFC 3986's unreserved set and `/` percent-encoded.
pub fn sarif_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One SARIF 2.1.0 log for every topology of a call: one run, a rule per code
/// that occurs (with its explanation), a result per diagnostic with a
/// repository-relative URI (against `%SRCROOT%`, the working directory) and
/// a region in 1-based lines and Unicode code-point columns.
///
/// `failures` are what went wrong outside any topology's diagnostics (a file
/// that cannot be read, a stale tree, a crash): they become the invocation's
/// notifications, and any of them marks the run unsuccessful, so an upload
/// of an empty log never closes open alerts silently.
pub fn sarif(reports: &[(&Sources, &[Diagnostic])], failures: &[String]) -> serde_json::Value {
    use serde_json::json;
    let mut codes: Vec<super::Code> = reports
        .iter()
        .flat_map(|(_, found)| found.iter().map(|d| d.code))
        .collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|code| {
            let level = code.severity().word();
            json!({
                "id": code.id(),
                "name": code.title(),
                "shortDescription": { "text": code.title() },
                "fullDescription": { "text": code.title() },
                "help": { "text": code.explanation(), "markdown": code.explanation() },
                "defaultConfiguration": { "level": level },
            })
        })
        .collect();
    let mut results = Vec::new();
    // A finding in a shared base is reported once, not once per tenant.
    let mut seen = std::collections::BTreeSet::new();
    for (sources, found) in reports {
        let files = indexed(sources);
        for d in found.iter() {
            let mut p = position_of(sources, &files, d);
            p.file = repo_relative(&p.file);
            if !seen.insert((d.code, p.file.clone(), p.line, p.column, d.message.clone())) {
                continue;
            }
            let mut message = sanitize(&d.message);
            if let Some(help) = &d.help {
                message.push('\n');
                message.push_str(&sanitize(help));
            }
            let rule_index = codes.iter().position(|c| *c == d.code).unwrap_or(0);
            results.push(json!({
                "ruleId": d.code.id(),
                "ruleIndex": rule_index,
                "level": severity(d),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": sarif_uri(&p.file), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": p.line,
                            "startColumn": p.column,
                            "endLine": p.end_line,
                            "endColumn": p.end_column.max(if p.end_line == p.line { p.column } else { 1 }),
                        }
                    }
                }],
            }));
        }
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mailflowc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": failures.is_empty(),
                "toolExecutionNotifications": failures
                    .iter()
                    .map(|text| json!({ "level": "error", "message": { "text": sanitize(text) } }))
                    .collect::<Vec<_>>(),
            }],
            "results": results,
        }]
    })
}
