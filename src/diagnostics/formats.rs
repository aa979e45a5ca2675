//! Diagnostics for machines: JSON (one object per finding) and GitHub
//! Actions workflow commands. Positions are 1-based lines and columns, the
//! columns counted in characters (spans are byte offsets inside).

use super::render::{sanitize, Source};
use super::{Diagnostic, Severity};
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
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Position>,
}

fn severity(d: &Diagnostic) -> &'static str {
    match d.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn position(source: &Source<'_>, file: &str, span: &std::ops::Range<usize>) -> Position {
    let (line, column) = source.position(span.start);
    let (end_line, end_column) = source.position(span.end.max(span.start));
    Position {
        file: file.to_owned(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// Every diagnostic as a JSON-ready value, in order.
pub fn json(found: &[Diagnostic], file: &str, text: &str) -> Vec<JsonDiagnostic> {
    let source = Source::new(file, text);
    found
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code.id(),
            severity: severity(d),
            message: d.message.clone(),
            label: d.label.clone(),
            help: d.help.clone(),
            position: d.span.as_ref().map(|s| position(&source, file, s)),
            related: d
                .related
                .iter()
                .map(|(s, _)| position(&source, file, s))
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

/// GitHub Actions annotations, one per diagnostic, and a summary line (only
/// the first few annotations of each kind are shown per step).
pub fn github(found: &[Diagnostic], file: &str, text: &str) -> String {
    let source = Source::new(file, text);
    let mut out = String::new();
    for d in found {
        let mut properties = vec![format!("title={}", github_property(d.code.id()))];
        if let Some(span) = &d.span {
            let p = position(&source, file, span);
            properties.insert(0, format!("file={}", github_property(file)));
            properties.insert(1, format!("line={}", p.line));
            properties.insert(2, format!("col={}", p.column));
            properties.insert(3, format!("endLine={}", p.end_line));
            properties.insert(4, format!("endColumn={}", p.end_column));
        }
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
    let errors = found.iter().filter(|d| d.is_error()).count();
    out.push_str(&format!(
        "mailflowc: {file}: {errors} error(s), {} warning(s)\n",
        found.len() - errors
    ));
    out
}
