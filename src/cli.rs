//! The command line: arguments → one of the commands → an exit code.
//!
//! Exit codes, the same for every command ([`EXIT_CODES`], printed by
//! `mailflowc explain exit-codes`): 0 success, 1 the topology has errors,
//! 2 usage, I/O or internal error (a panic included), 3 a difference was found.
//!
//! Output never panics: a closed stdout or stderr (`mailflowc print-ir | head`)
//! ends the output quietly, and the command keeps its exit code.

use crate::context::Context;
use crate::diagnostics::{self, Code, Diagnostic};
use crate::pipeline::{analyze_with, compile_with, reveal, CompileError};
use crate::write::{diff_tree, marked_ancestor, write_private_tree, write_tree};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "mailflowc",
    version,
    about = "Compile a mail-flow topology into Exchange Online, gateway and DNS configuration"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the topology and write every generated file.
    Build {
        /// The topology file (TOML).
        topology: PathBuf,
        #[command(flatten)]
        reporting: Reporting,
        /// Output directory [default: `generated/` beside the topology].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail when the output directory differs from a fresh build.
        #[arg(long)]
        check: bool,
    },
    /// Validate the topology only.
    Check {
        /// The topology file (TOML).
        topology: PathBuf,
        #[command(flatten)]
        reporting: Reporting,
    },
    /// Print the long explanation of a diagnostic code, or list all codes.
    Explain {
        /// A code such as MF0101, or `exit-codes`; omit it to list every code.
        code: Option<String>,
    },
    /// Write the files that carry secrets, with the real values, to a
    /// directory marked not-for-commit.
    Reveal {
        /// The topology file (TOML).
        topology: PathBuf,
        /// Output directory [default: `revealed/` beside the topology].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the vendor catalog, or show one vendor with its sources and dates.
    Vendors {
        #[command(subcommand)]
        action: Option<VendorsAction>,
    },
    /// Show what a change will do: the difference between a base desired
    /// state and the topology's, per target, object and property. Exit 0 when
    /// nothing changes, 3 when something does.
    Plan {
        /// The topology file (TOML).
        topology: PathBuf,
        /// The output directory whose `desired-state.json` is the base
        /// [default: `generated/` beside the topology].
        #[arg(long)]
        out: Option<PathBuf>,
        /// The base: a git revision (its committed `desired-state.json` under
        /// the output directory) or a file [default: the one on disk].
        #[arg(long)]
        base: Option<String>,
        /// Markdown for a pull-request comment, plain text, or JSON
        /// [default: text on a terminal, Markdown otherwise].
        #[arg(long, value_enum)]
        format: Option<PlanFormat>,
    },
    /// Compare the topology's desired state with a tenant export (written by
    /// `exchange/verify.ps1 -ExportPath`), offline. Exit 0 in sync, 3 on drift.
    Drift {
        /// The topology file (TOML).
        topology: PathBuf,
        /// The tenant export (JSON).
        #[arg(long)]
        tenant: PathBuf,
        /// Text, or JSON (the same report `verify.ps1 -Json` writes).
        #[arg(long, value_enum, default_value = "text")]
        format: DriftFormat,
    },
    /// Ask each routed domain's authoritative name servers (or --server) for
    /// its MX records and compare them, and their served TTL, with a DNS
    /// phase. Exit 0 when every domain matches, 3 when one does not.
    DnsCheck {
        /// The topology file (TOML).
        topology: PathBuf,
        /// pre-cutover, cutover, stabilized, rollback or restore.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::dnscheck::PHASES))]
        phase: String,
        /// Ask this server (HOST or HOST:PORT) instead of the authoritative ones.
        #[arg(long)]
        server: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), e.g. `mailflowc man > mailflowc.1`.
    Man,
    /// Print the lowered model as JSON (what the plan is made from).
    PrintIr {
        /// The topology file (TOML).
        topology: PathBuf,
    },
    /// Print the desired state as JSON (the `desired-state.json` a build
    /// writes): every object of every target with its complete wanted state,
    /// and every step with its phase and file.
    PrintPlan {
        /// The topology file (TOML).
        topology: PathBuf,
    },
}

/// How diagnostics are reported, and which warnings fail the command.
#[derive(Debug, Clone, Default, clap::Args)]
struct Reporting {
    /// human (on stderr), json (an array on stdout: code, severity, message,
    /// help, file, line, column, end_line, end_column; columns in characters,
    /// 1-based), github (workflow annotations on stdout).
    #[arg(long, value_enum, default_value = "human")]
    format: DiagnosticFormat,
    /// Warnings fail the command (exit 1), except codes given to --allow.
    #[arg(long)]
    deny_warnings: bool,
    /// Drop this warning code (repeatable), e.g. MF0702, whose verdict
    /// depends on today's date.
    #[arg(long, value_name = "CODE")]
    allow: Vec<String>,
    /// Make this warning code fail the command (repeatable).
    #[arg(long, value_name = "CODE")]
    deny: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
enum DiagnosticFormat {
    #[default]
    Human,
    Json,
    Github,
}

static REPORTING: std::sync::OnceLock<Reporting> = std::sync::OnceLock::new();

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DriftFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PlanFormat {
    Markdown,
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum VendorsAction {
    /// Show one vendor: what the catalog supplies, from which page, of which date.
    Show {
        /// The vendor id (or an alias).
        name: String,
    },
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_INVALID: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;
pub const EXIT_DIFFERENT: u8 = 3;

/// Every exit code, with what it means; the README carries the same table.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (
        EXIT_OK,
        "success: warnings allowed; nothing to do; the tree is up to date",
    ),
    (EXIT_INVALID, "the topology has errors"),
    (
        EXIT_FAILURE,
        "usage, I/O or internal error (a crash is caught and reported as one)",
    ),
    (
        EXIT_DIFFERENT,
        "a difference was found: `build --check` on a stale tree, `plan` with changes, `drift`, `dns-check`",
    ),
];

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

/// Writes text as it is to stdout, quietly on a closed pipe.
fn say_raw(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

pub fn main() -> ExitCode {
    // A panic is a bug: report it as one, never as Rust's exit 101.
    std::panic::set_hook(Box::new(|info| {
        warn!(
            "internal error: mailflowc crashed ({info}).\n\
             This is a bug in mailflowc; please report it with the topology that caused it."
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            });
        }
    };
    let code = std::panic::catch_unwind(|| run(cli.command)).unwrap_or(EXIT_FAILURE);
    ExitCode::from(code)
}

fn run(command: Command) -> u8 {
    // Debug builds only: lets the tests prove that a crash becomes exit 2.
    if cfg!(debug_assertions) && std::env::var_os("MAILFLOWC_DEBUG_PANIC").is_some() {
        panic!("MAILFLOWC_DEBUG_PANIC is set");
    }
    match command {
        Command::Build {
            topology,
            reporting,
            out,
            check,
        } => match set_reporting(reporting) {
            Ok(()) => build(&topology, out, check),
            Err(code) => code,
        },
        Command::Check {
            topology,
            reporting,
        } => match set_reporting(reporting) {
            Ok(()) => check_only(&topology),
            Err(code) => code,
        },
        Command::Explain { code } => explain(code.as_deref()),
        Command::Reveal { topology, out } => reveal_secrets(&topology, out),
        Command::Vendors { action: None } => list_vendors(),
        Command::Vendors {
            action: Some(VendorsAction::Show { name }),
        } => show_vendor(&name),
        Command::PrintIr { topology } => print_ir(&topology),
        Command::PrintPlan { topology } => print_plan(&topology),
        Command::Drift {
            topology,
            tenant,
            format,
        } => drift(&topology, &tenant, format),
        Command::DnsCheck {
            topology,
            phase,
            server,
        } => dns_check(&topology, &phase, server.as_deref()),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut command, "mailflowc", &mut text);
            say_raw(&String::from_utf8_lossy(&text));
            EXIT_OK
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut text = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut text) {
                Ok(()) => {
                    say_raw(&String::from_utf8_lossy(&text));
                    EXIT_OK
                }
                Err(error) => {
                    warn!("internal error: {error}");
                    EXIT_FAILURE
                }
            }
        }
        Command::Plan {
            topology,
            out,
            base,
            format,
        } => plan(&topology, out, base.as_deref(), format),
    }
}

struct Input {
    source: String,
    file_name: String,
    display: String,
    base_dir: PathBuf,
}

impl Input {
    fn context(&self) -> Context {
        Context {
            base_dir: self.base_dir.clone(),
            reveal: false,
            today: Some(time::OffsetDateTime::now_utc().date()),
            check_git: true,
        }
    }
}

/// `DIR/NAME` beside the topology file.
fn beside(path: &Path, name: &str) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from(name), |dir| dir.join(name))
}

/// Reads at most one byte more than the size limit: a larger file (or
/// `/dev/zero`) is refused by the pipeline without being read whole.
fn read_limited(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let limit = crate::parse::schema::MAX_TOPOLOGY_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 == limit {
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn read_topology(path: &Path) -> Result<Input, u8> {
    match read_limited(path) {
        Ok(source) => Ok(Input {
            source,
            file_name: path.file_name().map_or_else(
                || "topology.toml".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            ),
            display: path.display().to_string(),
            base_dir: path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        }),
        Err(error) => {
            warn!("error: cannot read `{}`: {error}", path.display());
            Err(EXIT_FAILURE)
        }
    }
}

/// Checks `--allow`/`--deny` codes and keeps the settings for `report`.
fn set_reporting(reporting: Reporting) -> Result<(), u8> {
    for id in reporting.allow.iter().chain(&reporting.deny) {
        match Code::from_id(id) {
            Some(code) if code.severity() == diagnostics::Severity::Warning => {}
            Some(_) => {
                warn!("error: `{id}` is an error, not a warning: it cannot be allowed or denied");
                return Err(EXIT_FAILURE);
            }
            None => {
                warn!("error: no diagnostic `{id}`; run `mailflowc explain` for the list");
                return Err(EXIT_FAILURE);
            }
        }
    }
    let _ = REPORTING.set(reporting);
    Ok(())
}

/// Prints the diagnostics in the chosen format; true when a warning is
/// denied (`--deny-warnings`, `--deny CODE`) and the command must fail.
fn report(input: &Input, found: &[Diagnostic]) -> bool {
    let reporting = REPORTING.get().cloned().unwrap_or_default();
    let allowed = |d: &Diagnostic| {
        !d.is_error()
            && reporting
                .allow
                .iter()
                .any(|a| a.eq_ignore_ascii_case(d.code.id()))
    };
    let found: Vec<Diagnostic> = found.iter().filter(|d| !allowed(d)).cloned().collect();
    let denied = found.iter().any(|d| {
        !d.is_error()
            && (reporting.deny_warnings
                || reporting
                    .deny
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(d.code.id())))
    });
    match reporting.format {
        DiagnosticFormat::Json => {
            let list = diagnostics::formats::json(&found, &input.display, &input.source);
            let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
            text.push('\n');
            say_raw(&text);
        }
        DiagnosticFormat::Github => say_raw(&diagnostics::formats::github(
            &found,
            &input.display,
            &input.source,
        )),
        DiagnosticFormat::Human => {
            if found.is_empty() {
                return false;
            }
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            {
                use std::io::Write as _;
                let text = diagnostics::render(&found, &input.display, &input.source, color);
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
            let errors = found.iter().filter(|d| d.is_error()).count();
            let warnings = found.len() - errors;
            warn!("{errors} error(s), {warnings} warning(s)");
        }
    }
    if denied {
        warn!("error: warnings are denied (--deny-warnings / --deny)");
    }
    denied
}

/// Reports a compilation that failed; the exit code to stop with.
fn failed(input: &Input, error: CompileError) -> u8 {
    match error {
        CompileError::Invalid(found) => {
            let _ = report(input, &found);
            EXIT_INVALID
        }
        CompileError::Internal(message) => {
            warn!("internal error: {message}");
            EXIT_FAILURE
        }
    }
}

fn build(path: &Path, out: Option<PathBuf>, check: bool) -> u8 {
    let input = match read_topology(path) {
        Ok(input) => input,
        Err(code) => return code,
    };
    let compiled = match compile_with(&input.source, &input.file_name, &input.context()) {
        Ok(compiled) => compiled,
        Err(error) => return failed(&input, error),
    };
    if report(&input, &compiled.warnings) {
        return EXIT_INVALID;
    }
    let out = out.unwrap_or_else(|| beside(path, "generated"));

    if check {
        return match diff_tree(&out, &compiled.files) {
            Ok(diff) if diff.is_clean() => {
                say!(
                    "{}: up to date ({} files)",
                    out.display(),
                    compiled.files.len()
                );
                EXIT_OK
            }
            Ok(diff) => {
                say!(
                    "{}: stale; run `mailflowc build {}`",
                    out.display(),
                    path.display()
                );
                for (label, files) in [
                    ("missing", &diff.missing),
                    ("differs", &diff.differing),
                    ("extra", &diff.extra),
                    ("leftover of an interrupted build", &diff.leftovers),
                ] {
                    for file in files {
                        say!("  {label}: {file}");
                    }
                }
                EXIT_DIFFERENT
            }
            Err(error) => {
                warn!("error: cannot read `{}`: {error}", out.display());
                EXIT_FAILURE
            }
        };
    }

    match write_tree(&out, &compiled.files, crate::targets::MARKER_FILE) {
        Ok(written) => {
            for warning in &written.warnings {
                warn!("warning: {warning}");
            }
            say!("wrote {} files to {}", compiled.files.len(), out.display());
            EXIT_OK
        }
        Err(error) => {
            warn!("error: {error}");
            EXIT_FAILURE
        }
    }
}

/// Reads, parses and checks a topology, printing every diagnostic; the model
/// when it has no errors, otherwise the exit code to stop with.
fn analyze_file(path: &Path) -> Result<(Input, crate::model::Topology), u8> {
    let input = read_topology(path)?;
    let (topology, found) = analyze_with(&input.source, &input.context());
    let denied = report(&input, &found);
    match topology {
        Some(topology) if !denied => Ok((input, topology)),
        _ => Err(EXIT_INVALID),
    }
}

fn check_only(path: &Path) -> u8 {
    match analyze_file(path) {
        Ok((input, _)) => {
            say!("{}: ok", input.display);
            EXIT_OK
        }
        Err(code) => code,
    }
}

fn reveal_secrets(path: &Path, out: Option<PathBuf>) -> u8 {
    let input = match read_topology(path) {
        Ok(input) => input,
        Err(code) => return code,
    };
    let files = match reveal(&input.source, &input.file_name, &input.base_dir) {
        Ok(Some(files)) => files,
        Ok(None) => {
            say!("{}: no outbound secret; nothing to reveal", input.display);
            return EXIT_OK;
        }
        Err(error) => return failed(&input, error),
    };
    let out = out.unwrap_or_else(|| beside(path, "revealed"));
    // Secrets never go below a build tree, which is committed.
    if let Some(tree) = marked_ancestor(&out, crate::targets::MARKER_FILE) {
        warn!(
            "error: `{}` is inside `{}`, a tree `mailflowc build` writes and you commit; reveal the secret somewhere else",
            out.display(),
            tree.display()
        );
        return EXIT_FAILURE;
    }
    match write_private_tree(&out, &files, crate::targets::REVEALED_MARKER_FILE) {
        Ok(written) => {
            for warning in &written.warnings {
                warn!("warning: {warning}");
            }
            say!(
                "wrote {} files holding secrets to {} (git-ignored; delete it once configured)",
                files.len(),
                out.display()
            );
            EXIT_OK
        }
        Err(error) => {
            warn!("error: {error}");
            EXIT_FAILURE
        }
    }
}

fn list_vendors() -> u8 {
    for vendor in crate::catalog::vendors() {
        let regions: Vec<&str> = vendor.regions.iter().map(|r| r.id.as_str()).collect();
        let regions = if regions.is_empty() {
            "-".to_owned()
        } else {
            regions.join(", ")
        };
        say!("{:<16} {:<48} regions: {regions}", vendor.id, vendor.name);
    }
    EXIT_OK
}

fn show_vendor(name: &str) -> u8 {
    let Some(vendor) = crate::catalog::find(name) else {
        let ids = crate::catalog::vendors().iter().map(|v| v.id.as_str());
        match crate::catalog::closest(name, ids) {
            Some(id) => warn!("error: no vendor `{name}` in the catalog; did you mean `{id}`?"),
            None => warn!("error: no vendor `{name}` in the catalog; run `mailflowc vendors`"),
        }
        return EXIT_FAILURE;
    };
    say_raw(&crate::catalog::describe(vendor));
    EXIT_OK
}

fn explain(code: Option<&str>) -> u8 {
    let Some(id) = code else {
        for code in Code::ALL {
            let severity = match code.severity() {
                diagnostics::Severity::Error => "error",
                diagnostics::Severity::Warning => "warning",
            };
            say!("{}  {severity:<7}  {}", code.id(), code.title());
        }
        say!("exit-codes  the exit codes every command uses");
        return EXIT_OK;
    };
    if id == "exit-codes" {
        say!("Exit codes, the same for every mailflowc command:\n");
        for (code, meaning) in EXIT_CODES {
            say!("  {code}  {meaning}");
        }
        return EXIT_OK;
    }
    match Code::from_id(id) {
        Some(code) => {
            say_raw(code.explanation());
            EXIT_OK
        }
        None => {
            warn!("error: no diagnostic `{id}`; run `mailflowc explain` for the list");
            EXIT_FAILURE
        }
    }
}

fn print_ir(path: &Path) -> u8 {
    match analyze_file(path) {
        Ok((_, topology)) => print_json(&topology),
        Err(code) => code,
    }
}

fn print_plan(path: &Path) -> u8 {
    match analyze_file(path) {
        Ok((_, topology)) => {
            let plan = crate::targets::plan(&topology);
            say_raw(&crate::targets::state::to_text(
                &crate::targets::state::desired_state(&topology, &plan),
            ));
            EXIT_OK
        }
        Err(code) => code,
    }
}

/// Reads the base desired state: a file, a git revision's committed copy,
/// or the output directory's; `None` when there is none yet (everything is
/// then added).
fn read_base(
    out: &Path,
    base: Option<&str>,
) -> Result<Option<crate::targets::state::DesiredState>, String> {
    use crate::targets::state::{DesiredState, DESIRED_STATE_FILE, FORMAT, VERSION};
    let on_disk = out.join(DESIRED_STATE_FILE);
    let text = match base {
        Some(file) if Path::new(file).is_file() => {
            std::fs::read_to_string(file).map_err(|e| format!("cannot read `{file}`: {e}"))?
        }
        Some(revision) => match committed_state(out, revision)? {
            Some(text) => text,
            None => return Ok(None),
        },
        None if on_disk.is_file() => std::fs::read_to_string(&on_disk)
            .map_err(|e| format!("cannot read `{}`: {e}", on_disk.display()))?,
        None => return Ok(None),
    };
    let state: DesiredState = serde_json::from_str(&text)
        .map_err(|e| format!("the base is not a mailflowc desired state: {e}"))?;
    if state.format != FORMAT || state.version != VERSION {
        return Err(format!(
            "the base is `{}` version {}; this mailflowc reads `{FORMAT}` version {VERSION}",
            state.format, state.version
        ));
    }
    Ok(Some(state))
}

/// The `desired-state.json` committed under `out` at `revision`, read with
/// git from the output directory's place in the work tree; `None` when the
/// revision has no such file (a first build).
fn committed_state(out: &Path, revision: &str) -> Result<Option<String>, String> {
    let git = |dir: &Path, args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))
    };
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let parent = std::fs::canonicalize(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let top = git(&parent, &["rev-parse", "--show-toplevel"])?;
    if !top.status.success() {
        return Err(format!(
            "`{revision}` is neither a file nor a git revision here (not a git work tree)"
        ));
    }
    let top = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
    let file = parent
        .join(out.file_name().unwrap_or_default())
        .join(crate::targets::state::DESIRED_STATE_FILE);
    let relative = file
        .strip_prefix(&top)
        .map_err(|_| format!("`{}` is outside the git work tree", file.display()))?
        .to_string_lossy()
        .replace('\\', "/");
    // `--` never needed: the argument is one `REV:PATH` word, not an option.
    let shown = git(&top, &["show", &format!("{revision}:{relative}")])?;
    if shown.status.success() {
        return Ok(Some(String::from_utf8_lossy(&shown.stdout).into_owned()));
    }
    let stderr = String::from_utf8_lossy(&shown.stderr);
    if stderr.contains("does not exist") || stderr.contains("exists on disk, but not in") {
        return Ok(None);
    }
    Err(format!(
        "git cannot show `{revision}:{relative}`: {}",
        stderr.trim()
    ))
}

fn plan(path: &Path, out: Option<PathBuf>, base: Option<&str>, format: Option<PlanFormat>) -> u8 {
    use crate::targets::{diff, state};
    let (_, topology) = match analyze_file(path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let out = out.unwrap_or_else(|| beside(path, "generated"));
    let new = state::desired_state(&topology, &crate::targets::plan(&topology));
    let base = match read_base(&out, base) {
        Ok(Some(base)) => base,
        Ok(None) => state::DesiredState {
            objects: Default::default(),
            steps: Vec::new(),
            ..new.clone()
        },
        Err(message) => {
            warn!("error: {message}");
            return EXIT_FAILURE;
        }
    };
    let changes = diff::diff(&base, &new);
    let format = format.unwrap_or(if std::io::stdout().is_terminal() {
        PlanFormat::Text
    } else {
        PlanFormat::Markdown
    });
    match format {
        PlanFormat::Markdown => say_raw(&diff::markdown(&changes)),
        PlanFormat::Text => say_raw(&diff::text(&changes)),
        PlanFormat::Json => {
            let mut text = serde_json::to_string_pretty(&changes).unwrap_or_default();
            text.push('\n');
            say_raw(&text);
        }
    }
    if changes.is_empty() {
        EXIT_OK
    } else {
        EXIT_DIFFERENT
    }
}

fn dns_check(path: &Path, phase: &str, server: Option<&str>) -> u8 {
    let (_, topology) = match analyze_file(path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let server = match server.map(crate::dnscheck::server_address).transpose() {
        Ok(server) => server,
        Err(message) => {
            warn!("error: {message}");
            return EXIT_FAILURE;
        }
    };
    let results = match crate::dnscheck::check(&crate::targets::plan(&topology), phase, server) {
        Ok(results) => results,
        Err(message) => {
            warn!("error: {message}");
            return EXIT_FAILURE;
        }
    };
    if results.is_empty() {
        warn!("error: the topology plans no DNS records (no MX phase): nothing to check");
        return EXIT_FAILURE;
    }
    for result in &results {
        if result.ok {
            say!(
                "ok: {} ({}): {}",
                result.domain,
                result.server,
                result.found.join("; ")
            );
        } else {
            say!("differs: {} ({})", result.domain, result.server);
            for problem in &result.problems {
                say!("  {problem}");
            }
        }
    }
    if results.iter().all(|r| r.ok) {
        say!("every domain is in phase {phase}");
        EXIT_OK
    } else {
        EXIT_DIFFERENT
    }
}

fn drift(path: &Path, export: &Path, format: DriftFormat) -> u8 {
    use crate::targets::{drift, state};
    let (_, topology) = match analyze_file(path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let text = match read_limited(export) {
        Ok(text) => text,
        Err(error) => {
            warn!("error: cannot read `{}`: {error}", export.display());
            return EXIT_FAILURE;
        }
    };
    // Windows PowerShell writes UTF-8 with a byte-order mark.
    let json: serde_json::Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(json) => json,
        Err(error) => {
            warn!("error: `{}` is not JSON: {error}", export.display());
            return EXIT_FAILURE;
        }
    };
    let desired = state::desired_state(&topology, &crate::targets::plan(&topology));
    let report = match drift::drift(&desired, &json) {
        Ok(report) => report,
        Err(message) => {
            warn!("error: `{}`: {message}", export.display());
            return EXIT_FAILURE;
        }
    };
    match format {
        DriftFormat::Text => say_raw(&drift::text(&report)),
        DriftFormat::Json => {
            let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
            text.push('\n');
            say_raw(&text);
        }
    }
    if report.in_sync() {
        EXIT_OK
    } else {
        EXIT_DIFFERENT
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> u8 {
    match serde_json::to_string_pretty(value) {
        Ok(json) => {
            say!("{json}");
            EXIT_OK
        }
        Err(error) => {
            warn!("internal error: {error}");
            EXIT_FAILURE
        }
    }
}
