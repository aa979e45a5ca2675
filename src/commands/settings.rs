//! What the whole call was asked for — colour, quietness, how diagnostics
//! are reported and which warnings fail, the documents' language — as one
//! value the dispatcher makes and passes down (no process-wide state).

use super::Exit;
use crate::diagnostics::{self, Code, Diagnostic};
use std::io::IsTerminal;

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// How diagnostics are reported, and which warnings fail the command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Reporting {
    /// human (on stderr), json (an array on stdout: code, severity, message,
    /// help, file, line, column, end_line, end_column; columns in characters,
    /// 1-based), sarif (a SARIF 2.1.0 log on stdout, for code scanning),
    /// github (workflow annotations on stdout).
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiagnosticFormat,
    #[command(flatten)]
    pub policy: WarningPolicy,
}

/// Which warnings fail the command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WarningPolicy {
    /// Warnings fail the command (exit 1), except codes given to --allow.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Drop this warning code (repeatable), e.g. MF0702, whose verdict
    /// depends on today's date.
    #[arg(long, value_name = "CODE")]
    pub allow: Vec<String>,
    /// Make this warning code fail the command (repeatable).
    #[arg(long, value_name = "CODE")]
    pub deny: Vec<String>,
}

/// How the topology's diagnostics are reported by a command whose standard
/// output carries its own report (`plan`, `drift`): on standard error.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SideReporting {
    /// The topology's diagnostics, on stderr (stdout carries the report):
    /// human, json, sarif or github, as `check --format` writes them.
    #[arg(long = "diagnostics", value_enum, default_value = "human")]
    pub diagnostics: DiagnosticFormat,
    #[command(flatten)]
    pub policy: WarningPolicy,
}

impl SideReporting {
    pub fn into_reporting(self) -> Reporting {
        Reporting {
            format: self.diagnostics,
            policy: self.policy,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum DiagnosticFormat {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DriftFormat {
    Text,
    Json,
}

/// `dns-check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DnsCheckFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Markdown,
    Text,
    Json,
}

/// Warnings that fail every command unless `--allow` names them: a
/// topology that still holds `init`'s example values (or its all-zero
/// fingerprint) would build for nobody's tenant.
pub const DENIED_UNLESS_ALLOWED: &[Code] = &[Code::ExampleValue];

/// The call's settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub color: ColorChoice,
    /// `-q`: problems only.
    pub quiet: bool,
    /// `-v`: every file written, and how long each topology took.
    pub verbose: bool,
    pub reporting: Reporting,
    /// Machine-readable diagnostics go to stderr: the command's own report
    /// is on stdout (`plan`, `drift`, `audit`, `import`).
    pub diagnostics_on_stderr: bool,
    /// The language `build --lang` asked for; without it, `build` keeps the
    /// language each tree was built in, and every other command is English.
    pub lang: Option<crate::targets::Lang>,
}

impl Settings {
    /// The settings with `reporting`, once its `--allow`/`--deny` codes are
    /// known warnings.
    pub fn with_reporting(mut self, reporting: Reporting) -> Result<Self, Exit> {
        for id in reporting.policy.allow.iter().chain(&reporting.policy.deny) {
            match Code::from_id(id) {
                Some(code) if code.severity() == diagnostics::Severity::Warning => {}
                Some(_) => {
                    warn!(
                        "error: `{id}` is an error, not a warning: it cannot be allowed or denied"
                    );
                    return Err(Exit::Failure);
                }
                None => {
                    warn!("error: no diagnostic `{id}`; run `mailflowc explain` for the list");
                    return Err(Exit::Failure);
                }
            }
        }
        self.reporting = reporting;
        Ok(self)
    }

    /// Whether diagnostics on stderr are colored.
    pub fn color_on_stderr(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// Writes a diagnostics document where the command puts them.
    pub fn diagnostics_out(&self, text: &str) {
        use std::io::Write as _;
        if self.diagnostics_on_stderr {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        } else {
            super::say_raw(text);
        }
    }

    /// The diagnostics that are shown (`--allow` drops warnings), and whether
    /// a warning among them is denied (`--deny-warnings`, `--deny CODE`, or
    /// one of [`DENIED_UNLESS_ALLOWED`]).
    pub fn filter(&self, found: &[Diagnostic]) -> (Vec<Diagnostic>, bool) {
        let policy = &self.reporting.policy;
        let allowed = |d: &Diagnostic| {
            !d.is_error()
                && policy
                    .allow
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(d.code.id()))
        };
        let found: Vec<Diagnostic> = found.iter().filter(|d| !allowed(d)).cloned().collect();
        let denied = found.iter().any(|d| {
            !d.is_error()
                && (policy.deny_warnings
                    || DENIED_UNLESS_ALLOWED.contains(&d.code)
                    || policy
                        .deny
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(d.code.id())))
        });
        (found, denied)
    }
}
