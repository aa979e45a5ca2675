//! The report's formats: JSON, text, GitHub annotations and SARIF, each
//! from the one [`AuditReport`].

use super::{AuditCode, AuditFinding, AuditReport, AUDIT_FORMAT};
use crate::diagnostics::Severity;
use serde::Serialize;
use serde_json::Value as Json;

fn severity_word(code: AuditCode) -> &'static str {
    code.severity().word()
}

/// The report as JSON.
pub fn json(report: &AuditReport) -> Json {
    #[derive(Serialize)]
    struct Out<'a> {
        code: &'static str,
        severity: &'static str,
        title: &'static str,
        kind: &'a str,
        object: &'a str,
        message: &'a str,
        fix: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        command: Option<&'a str>,
    }
    let findings: Vec<Out<'_>> = report
        .findings
        .iter()
        .map(|f| Out {
            code: f.code.id(),
            severity: severity_word(f.code),
            title: f.code.title(),
            kind: &f.kind,
            object: &f.object,
            message: &f.message,
            fix: &f.fix,
            command: f.command.as_deref(),
        })
        .collect();
    serde_json::json!({
        "format": AUDIT_FORMAT,
        "version": 1,
        "tenant": report.tenant,
        "gateway": report.gateway,
        "errors": report.count(Severity::Error),
        "warnings": report.count(Severity::Warning),
        "findings": findings,
    })
}

fn summary(report: &AuditReport) -> String {
    format!(
        "{}: {} error(s), {} warning(s); {}",
        report.tenant,
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.gateway
    )
}

/// The report as text: a finding, its fix and its command, a block each.
pub fn text(report: &AuditReport) -> String {
    use crate::diagnostics::sanitize;
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&sanitize(&format!(
            "{}[{}] {} {}: {}",
            severity_word(f.code),
            f.code.id(),
            f.kind,
            f.object,
            f.message
        )));
        out.push('\n');
        out.push_str(&sanitize(&format!("  fix: {}", f.fix)));
        out.push('\n');
        if let Some(command) = &f.command {
            out.push_str(&sanitize(&format!("  run: {command}")));
            out.push('\n');
        }
    }
    out.push_str(&sanitize(&summary(report)));
    out.push('\n');
    out
}

/// The 1-based line where a finding's object first appears in the export
/// text (JSON-escaped, as the export writes it), or 1.
fn line_of(export_text: &str, locate: &str) -> usize {
    let needle = serde_json::to_string(locate).unwrap_or_default();
    let at = export_text
        .find(&needle)
        .or_else(|| export_text.find(&format!("\"{locate}\"")));
    at.map_or(1, |at| export_text[..at].matches('\n').count() + 1)
}

/// A finding as lines: what, the fix, the command; each line sanitized.
fn message_of(f: &AuditFinding) -> String {
    use crate::diagnostics::sanitize;
    let mut lines = vec![
        sanitize(&format!("{} {}: {}", f.kind, f.object, f.message)),
        sanitize(&f.fix),
    ];
    if let Some(command) = &f.command {
        lines.push(sanitize(command));
    }
    lines.join("\n")
}

/// GitHub Actions annotations on the export file, and a summary line.
pub fn github(report: &AuditReport, export_file: &str, export_text: &str) -> String {
    use crate::diagnostics::formats::{github_data, github_property, repo_relative};
    use crate::diagnostics::sanitize;
    // Escaped (`diagnostics::untrusted`), then encoded for the workflow
    // command: a file name and a tenant are text from outside too.
    let file = github_property(&sanitize(&repo_relative(export_file)));
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&format!(
            "::{} file={file},line={},title={}::{}\n",
            severity_word(f.code),
            line_of(export_text, &f.locate),
            github_property(f.code.id()),
            github_data(&message_of(f))
        ));
    }
    out.push_str(&format!("{}\n", github_data(&sanitize(&summary(report)))));
    out
}

/// One SARIF 2.1.0 log: a rule per code found (with its explanation), a
/// result per finding, located on the export file.
pub fn sarif(report: &AuditReport, export_file: &str, export_text: &str) -> Json {
    use crate::diagnostics::formats::{repo_relative, sarif_uri, SARIF_SCHEMA};
    let mut codes: Vec<AuditCode> = report.findings.iter().map(|f| f.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<Json> = codes
        .iter()
        .map(|code| {
            serde_json::json!({
                "id": code.id(),
                "name": code.title(),
                "shortDescription": { "text": code.title() },
                "fullDescription": { "text": code.title() },
                "help": { "text": code.explanation(), "markdown": code.explanation() },
                "defaultConfiguration": { "level": severity_word(*code) },
            })
        })
        .collect();
    let uri = sarif_uri(&repo_relative(export_file));
    let results: Vec<Json> = report
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "ruleId": f.code.id(),
                "ruleIndex": codes.iter().position(|c| *c == f.code).unwrap_or(0),
                "level": severity_word(f.code),
                "message": { "text": message_of(f) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                        "region": { "startLine": line_of(export_text, &f.locate) },
                    }
                }],
            })
        })
        .collect();
    serde_json::json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "mailflowc", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "invocations": [{ "executionSuccessful": true }],
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_located_on_the_line_of_its_object() {
        let text = "{\n  \"a\": 1,\n  \"Name\": \"x \\\"y\\\"\"\n}";
        assert_eq!(line_of(text, "x \"y\""), 3);
        assert_eq!(line_of(text, "absent"), 1);
    }
}
