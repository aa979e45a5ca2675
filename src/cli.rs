//! The command line: arguments → one of the commands → an exit code.
//!
//! Exit codes, the same for every command ([`EXIT_CODES`], printed by
//! `mailflowc explain exit-codes`): 0 success, 1 the topology has errors,
//! 2 usage, I/O or internal error (a panic included), 3 a difference was found.
//!
//! Output never panics: a closed stdout or stderr (`mailflowc print-ir | head`)
//! ends the output quietly, and the command keeps its exit code.

use crate::context::Context;
use crate::diagnostics::{self, Code, Diagnostic, Sources};
use crate::pipeline::CompileError;
use crate::write::{diff_tree_in, marked_ancestor, write_private_tree, write_tree_in, Listings};
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
    /// Color in diagnostics: auto (on a terminal, unless NO_COLOR is set),
    /// always or never.
    #[arg(long, value_enum, default_value = "auto", global = true)]
    color: ColorChoice,
    /// Print problems only: no "ok" or "wrote" lines, no summary, no progress.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print every file written and how long each topology took.
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// The global output settings.
#[derive(Debug, Clone, Copy, Default)]
struct Output {
    color: ColorChoice,
    quiet: bool,
    verbose: bool,
}

static OUTPUT: std::sync::OnceLock<Output> = std::sync::OnceLock::new();

fn output() -> Output {
    OUTPUT.get().copied().unwrap_or_default()
}

/// Whether diagnostics on stderr are colored.
fn color_on_stderr() -> bool {
    match output().color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the topology and write every generated file.
    Build {
        /// Topology files (TOML), directories of them, or `-` for standard
        /// input. With several, each builds into its own tree.
        #[arg(required = true, value_name = "TOPOLOGY")]
        topologies: Vec<PathBuf>,
        #[command(flatten)]
        reporting: Reporting,
        /// Output directory [default: `generated/` beside the topology]. With
        /// several topologies, each tree is `OUT/<file stem>/` [default:
        /// `generated/<file stem>/` beside each topology].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write nothing; fail when the output directory differs from a fresh build.
        #[arg(long)]
        check: bool,
        /// The language of RUNBOOK.md and the gateway steps (the scripts, zone
        /// fragments and desired state are the same in every language). Give
        /// `build --check` the same.
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
    /// Validate the topology only.
    Check {
        /// Topology files (TOML), directories of them, or `-` for standard input.
        #[arg(required = true, value_name = "TOPOLOGY")]
        topologies: Vec<PathBuf>,
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
        /// The topology file (TOML), or a fleet's directory: then every
        /// tenant's files, and the relay guard of each appliance its tenants
        /// share, in one directory.
        topology: PathBuf,
        /// Output directory [default: `revealed/` beside the topology, or
        /// inside the fleet's directory].
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
        /// Topology files (TOML), directories of them, or `-` for standard input.
        #[arg(required = true, value_name = "TOPOLOGY")]
        topologies: Vec<PathBuf>,
        /// The output directory whose `desired-state.json` is the base
        /// [default: `generated/` beside the topology; with several,
        /// `OUT/<file stem>/` or `generated/<file stem>/`].
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
        /// One line per change (a fleet: per distinct change, with its
        /// tenants), without details or files to run.
        #[arg(long)]
        summary: bool,
        /// Also write the whole plan (Markdown) to FILE: a fleet's Markdown
        /// on stdout is shortened to fit a pull-request comment and then
        /// names this file.
        #[arg(long, value_name = "FILE")]
        full: Option<PathBuf>,
        #[command(flatten)]
        reporting: SideReporting,
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
        #[command(flatten)]
        reporting: SideReporting,
    },
    /// List every path by which mail can reach the tenant's mailboxes
    /// without passing the gateway, from a tenant export (written by
    /// `exchange/verify.ps1 -ExportPath`), offline. With the topology, the
    /// gateway and mailflowc's own objects are known by it. Exit 0 when no
    /// error-severity path is found, 3 when one is.
    Audit {
        /// The tenant export (JSON).
        #[arg(long)]
        tenant: PathBuf,
        /// The topology file (TOML), if the tenant has one.
        topology: Option<PathBuf>,
        /// Text, JSON, SARIF 2.1.0 or GitHub Actions annotations.
        #[arg(long, value_enum, default_value = "text")]
        format: AuditFormat,
        #[command(flatten)]
        reporting: SideReporting,
    },
    /// Write a topology from a tenant export (written by
    /// `exchange/verify.ps1 -ExportPath`), offline, naming the tenant's
    /// objects it adopts, so that building it plans no change. Refused
    /// (exit 3, nothing written) when building it would change the tenant,
    /// unless --allow-changes; exit 1 when the tenant holds what mailflowc
    /// refuses.
    Import {
        /// The tenant export (JSON).
        #[arg(long)]
        tenant: PathBuf,
        /// Where to write the topology (never overwritten); standard output
        /// without it.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write the topology even when building it would change the
        /// tenant; the changes are listed in its header.
        #[arg(long)]
        allow_changes: bool,
        #[command(flatten)]
        reporting: SideReporting,
    },
    /// Ask each routed domain's authoritative name servers (or --server) for
    /// its MX records and compare them, and their served TTL, with a DNS
    /// phase. Exit 0 when every domain matches, 3 when one does not.
    DnsCheck {
        /// The topology file (TOML).
        topology: PathBuf,
        /// The runbook's phase: prepare, cutover, stabilize, or its rollback
        /// and restore (the record sets' names, pre-cutover and stabilized,
        /// are accepted too).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::dnscheck::possible_values()))]
        phase: String,
        /// Ask this server (HOST or HOST:PORT) instead of the authoritative ones.
        #[arg(long)]
        server: Option<String>,
    },
    /// Write a commented starter topology (never over an existing file).
    /// Values only you know come from flags, or a prompt on a terminal;
    /// without them the file holds example values, each named in a warning,
    /// which fail every command until replaced (MF0707). Flags whose values
    /// would fail `check` are refused, and nothing is written.
    Init {
        /// The file to write.
        #[arg(default_value = "topology.toml")]
        path: PathBuf,
        #[command(flatten)]
        answers: crate::init::Answers,
    },
    /// Print the JSON Schema of the topology format, for editors (taplo,
    /// Even Better TOML): `mailflowc schema > topology.schema.json`.
    Schema {
        /// The schema of a shared base (`extends`): nothing required.
        #[arg(long)]
        partial: bool,
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
    /// 1-based), sarif (a SARIF 2.1.0 log on stdout, for code scanning),
    /// github (workflow annotations on stdout).
    #[arg(long, value_enum, default_value = "human")]
    format: DiagnosticFormat,
    #[command(flatten)]
    policy: WarningPolicy,
}

/// Which warnings fail the command.
#[derive(Debug, Clone, Default, clap::Args)]
struct WarningPolicy {
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

/// How the topology's diagnostics are reported by a command whose standard
/// output carries its own report (`plan`, `drift`): on standard error.
#[derive(Debug, Clone, Default, clap::Args)]
struct SideReporting {
    /// The topology's diagnostics, on stderr (stdout carries the report):
    /// human, json, sarif or github, as `check --format` writes them.
    #[arg(long = "diagnostics", value_enum, default_value = "human")]
    diagnostics: DiagnosticFormat,
    #[command(flatten)]
    policy: WarningPolicy,
}

impl SideReporting {
    fn into_reporting(self) -> Reporting {
        Reporting {
            format: self.diagnostics,
            policy: self.policy,
        }
    }
}

/// Machine-readable diagnostics go to stderr (`plan`, `drift`).
static DIAGNOSTICS_ON_STDERR: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Writes a diagnostics document where the command puts them.
fn diagnostics_out(text: &str) {
    use std::io::Write as _;
    if DIAGNOSTICS_ON_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    } else {
        say_raw(text);
    }
}

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
enum DiagnosticFormat {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
}

static REPORTING: std::sync::OnceLock<Reporting> = std::sync::OnceLock::new();

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AuditFormat {
    Text,
    Json,
    Sarif,
    Github,
}

/// `build --lang`: English, or Japanese (日本語).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LangArg {
    En,
    Ja,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DriftFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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
    (
        EXIT_INVALID,
        "the topology has errors (for `import`: the one the tenant makes)",
    ),
    (
        EXIT_FAILURE,
        "usage, I/O or internal error (a crash is caught and reported as one)",
    ),
    (
        EXIT_DIFFERENT,
        "a difference was found: `build --check` on a stale tree, `plan` with changes, `drift`, `dns-check`, an `audit` error, an `import` that would change the tenant",
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
    let _ = OUTPUT.set(Output {
        color: cli.color,
        quiet: cli.quiet,
        verbose: cli.verbose,
    });
    let code = std::panic::catch_unwind(|| run(cli.command)).unwrap_or(EXIT_FAILURE);
    ExitCode::from(code)
}

/// Debug builds only: lets the tests prove that a crash becomes exit 2, for
/// the whole command (`MAILFLOWC_DEBUG_PANIC=1`) or for the one topology of a
/// fleet whose file is so named.
fn debug_panic(file_name: Option<&str>) {
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

fn run(command: Command) -> u8 {
    debug_panic(None);
    match command {
        Command::Build {
            topologies,
            reporting,
            out,
            check,
            lang,
        } => match set_reporting(reporting) {
            Ok(()) => {
                let _ = BUILD_LANG.set(match lang {
                    LangArg::En => crate::targets::Lang::En,
                    LangArg::Ja => crate::targets::Lang::Ja,
                });
                build(&topologies, out, check)
            }
            Err(code) => code,
        },
        Command::Check {
            topologies,
            reporting,
        } => match set_reporting(reporting) {
            Ok(()) => check_only(&topologies),
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
            reporting,
        } => {
            DIAGNOSTICS_ON_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
            match set_reporting(reporting.into_reporting()) {
                Ok(()) => drift(&topology, &tenant, format),
                Err(code) => code,
            }
        }
        Command::Audit {
            tenant,
            topology,
            format,
            reporting,
        } => {
            DIAGNOSTICS_ON_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
            match set_reporting(reporting.into_reporting()) {
                Ok(()) => audit(topology.as_deref(), &tenant, format),
                Err(code) => code,
            }
        }
        Command::Import {
            tenant,
            out,
            allow_changes,
            reporting,
        } => {
            DIAGNOSTICS_ON_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
            match set_reporting(reporting.into_reporting()) {
                Ok(()) => import(&tenant, out.as_deref(), allow_changes),
                Err(code) => code,
            }
        }
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
            topologies,
            out,
            base,
            format,
            summary,
            full,
            reporting,
        } => {
            DIAGNOSTICS_ON_STDERR.store(true, std::sync::atomic::Ordering::Relaxed);
            let how = PlanHow {
                format,
                summary,
                full,
            };
            match set_reporting(reporting.into_reporting()) {
                Ok(()) => plan(&topologies, out, base.as_deref(), how),
                Err(code) => code,
            }
        }
        Command::Schema { partial } => {
            let schema = crate::parse::json_schema::json_schema(partial);
            print_json(&schema)
        }
        Command::Init { path, answers } => init(&path, answers),
    }
}

/// Asks on a terminal for a value only the user knows; `None` when not on a
/// terminal or left empty.
fn prompt(question: &str) -> Option<String> {
    use std::io::{BufRead as _, Write as _};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    let _ = write!(std::io::stderr().lock(), "{question}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    let line = line.trim().to_owned();
    (!line.is_empty()).then_some(line)
}

/// Refuses a file `command` would write when it exists: init and import
/// never overwrite.
fn exists_refused(path: &Path, command: &str) -> Option<u8> {
    path.exists().then(|| {
        warn!(
            "error: `{}` exists; `mailflowc {command}` never overwrites a file",
            path.display()
        );
        EXIT_FAILURE
    })
}

/// The context a topology about to be written at `path` is checked in.
fn context_beside(path: Option<&Path>) -> Context {
    let base_dir = path
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Context {
        base_dir,
        reveal: false,
        today: Some(time::OffsetDateTime::now_utc().date()),
        check_git: false,
        lang: crate::targets::Lang::En,
    }
}

/// Writes a file that must not exist yet (`create_new`: never one that
/// appeared since the check).
fn write_new(path: &Path, text: &str) -> Result<(), u8> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|error| {
            warn!("error: cannot write `{}`: {error}", path.display());
            EXIT_FAILURE
        })
}

fn init(path: &Path, mut answers: crate::init::Answers) -> u8 {
    use std::io::Write as _;
    if let Some(code) = exists_refused(path, "init") {
        return code;
    }
    if answers.tenant.is_none() {
        answers.tenant = prompt("Tenant's initial domain (NAME.onmicrosoft.com)");
    }
    if answers.domains.is_empty() {
        if let Some(domains) = prompt("Accepted domains whose MX moves, separated by spaces") {
            answers.domains = domains.split_whitespace().map(str::to_owned).collect();
        }
    }
    let file_name = path.file_name().map_or_else(
        || "topology.toml".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let starter = match crate::init::starter(&answers, &file_name) {
        Ok(starter) => starter,
        Err(message) => {
            warn!("error: {message}");
            return EXIT_FAILURE;
        }
    };
    // What the flags say must pass `check` (example values aside, which the
    // warnings below name): refuse, writing nothing, rather than leave a
    // file that fails.
    let context = context_beside(Some(path));
    let display = path.display().to_string();
    let sources = crate::pipeline::load(&starter.text, &display, &context, None);
    let (_, found) = crate::pipeline::analyze_sources(&sources, &context);
    let errors: Vec<Diagnostic> = found.into_iter().filter(Diagnostic::is_error).collect();
    if !errors.is_empty() {
        let text = diagnostics::render_sources(&errors, &sources, color_on_stderr());
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        warn!(
            "error: the values given would write a topology that fails `check` ({} error(s)); \
             nothing was written: correct the flags above",
            errors.len()
        );
        return EXIT_INVALID;
    }
    if let Err(code) = write_new(path, &starter.text) {
        return code;
    }
    for example in &starter.examples {
        warn!("warning: example value, replace it: {example}");
    }
    if !output().quiet {
        say!(
            "wrote {}; next: mailflowc check {}",
            path.display(),
            path.display()
        );
    }
    EXIT_OK
}

/// One topology of a call: where it was read from and its files.
struct Input {
    file_name: String,
    display: String,
    base_dir: PathBuf,
    sources: Sources,
}

impl Input {
    fn context(&self) -> Context {
        Context {
            base_dir: self.base_dir.clone(),
            reveal: false,
            today: Some(time::OffsetDateTime::now_utc().date()),
            check_git: true,
            lang: build_lang(),
        }
    }
}

/// The language `build --lang` asked for; English for every other command.
static BUILD_LANG: std::sync::OnceLock<crate::targets::Lang> = std::sync::OnceLock::new();

fn build_lang() -> crate::targets::Lang {
    BUILD_LANG.get().copied().unwrap_or_default()
}

/// A topology's text, bounded (`parse::read_bounded`): over the size limit,
/// the start of it, which the pipeline refuses (MF0006).
fn read_limited_from(reader: impl std::io::Read) -> std::io::Result<String> {
    let bytes = crate::parse::read_bounded(reader)?;
    if bytes.len() > crate::parse::schema::MAX_TOPOLOGY_BYTES {
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn read_limited(path: &Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        return read_limited_from(std::io::stdin().lock());
    }
    read_limited_from(std::fs::File::open(path)?)
}

/// Reads a topology and the bases it extends; the error to print otherwise.
fn load_topology(path: &Path) -> Result<Input, String> {
    let stdin = path.as_os_str() == "-";
    let source = read_limited(path).map_err(|error| {
        let shown = if stdin {
            "standard input".to_owned()
        } else {
            format!("`{}`", path.display())
        };
        format!("error: cannot read {shown}: {error}")
    })?;
    let file_name = if stdin {
        "stdin.toml".to_owned()
    } else {
        path.file_name().map_or_else(
            || "topology.toml".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let display = if stdin {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let base_dir = if stdin {
        PathBuf::from(".")
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let context = Context {
        base_dir: base_dir.clone(),
        ..Context::default()
    };
    let own = (!stdin).then_some(path);
    let sources = crate::pipeline::load(&source, &display, &context, own);
    Ok(Input {
        file_name,
        display,
        base_dir,
        sources,
    })
}

fn read_topology(path: &Path) -> Result<Input, u8> {
    load_topology(path).map_err(|message| {
        warn!("{message}");
        EXIT_FAILURE
    })
}

/// The topology files a call names: files as given, directories as the
/// `*.toml` files in them (sorted; names starting with `_` or `.` are shared
/// bases, not tenants), `-` for standard input (alone).
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            if paths.len() > 1 {
                return Err("error: `-` (standard input) must be the only topology".to_owned());
            }
            files.push(path.clone());
        } else if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("error: cannot read `{}`: {e}", path.display()))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .map(|p| {
                    p.strip_prefix(".")
                        .map_or_else(|_| p.clone(), Path::to_path_buf)
                })
                .filter(|p| {
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    p.is_file()
                        && p.extension().is_some_and(|e| e == "toml")
                        && name.is_some_and(|n| !n.starts_with('_') && !n.starts_with('.'))
                })
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "error: `{}` holds no topology (`*.toml` not starting with `_`)",
                    path.display()
                ));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// Each topology's output directory: `out` (or `generated/` beside it) for
/// one named on its own; `OUT/<stem>/` (or `generated/<stem>/` beside each)
/// for a fleet (several, or a directory).
fn out_dirs(files: &[PathBuf], out: Option<&Path>, fleet: bool) -> Result<Vec<PathBuf>, String> {
    if !fleet {
        return Ok(vec![out.map_or_else(
            || crate::trees::tree_for(&files[0]),
            Path::to_path_buf,
        )]);
    }
    let mut dirs = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for file in files {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = match out {
            Some(out) => out.join(&stem),
            None => crate::trees::beside(file, "generated").join(&stem),
        };
        if let Some(other) = seen.insert(dir.clone(), file.clone()) {
            return Err(format!(
                "error: `{}` and `{}` would build into the same tree `{}`; rename one",
                other.display(),
                file.display(),
                dir.display()
            ));
        }
        dirs.push(dir);
    }
    Ok(dirs)
}

/// Checks `--allow`/`--deny` codes and keeps the settings for `report`.
fn set_reporting(reporting: Reporting) -> Result<(), u8> {
    for id in reporting.policy.allow.iter().chain(&reporting.policy.deny) {
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

/// Warnings that fail every command unless `--allow` names them: a
/// topology that still holds `init`'s example values (or its all-zero
/// fingerprint) would build for nobody's tenant.
const DENIED_UNLESS_ALLOWED: &[Code] = &[Code::ExampleValue];

/// The diagnostics that are shown (`--allow` drops warnings), and whether a
/// warning among them is denied (`--deny-warnings`, `--deny CODE`, or one of
/// [`DENIED_UNLESS_ALLOWED`]).
fn filter(found: &[Diagnostic]) -> (Vec<Diagnostic>, bool) {
    let reporting = REPORTING.get().cloned().unwrap_or_default();
    let allowed = |d: &Diagnostic| {
        !d.is_error()
            && reporting
                .policy
                .allow
                .iter()
                .any(|a| a.eq_ignore_ascii_case(d.code.id()))
    };
    let found: Vec<Diagnostic> = found.iter().filter(|d| !allowed(d)).cloned().collect();
    let denied = found.iter().any(|d| {
        !d.is_error()
            && (reporting.policy.deny_warnings
                || DENIED_UNLESS_ALLOWED.contains(&d.code)
                || reporting
                    .policy
                    .deny
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(d.code.id())))
    });
    (found, denied)
}

/// What one topology of a call came to.
#[derive(Default)]
struct Outcome {
    /// How the topology is named in messages.
    display: String,
    sources: Option<Sources>,
    /// The diagnostics shown (after `--allow`).
    found: Vec<Diagnostic>,
    code: u8,
    /// Lines for stdout and for stderr, printed in the order of the inputs.
    out: Vec<String>,
    err: Vec<String>,
    /// Files written or compared.
    files: usize,
    /// What happened, for the summary table.
    result: String,
    /// `plan`: the changes, for a fleet's grouped report.
    plan: Option<crate::targets::diff::PlanDiff>,
    /// `build`: what compiled, until the whole call is known to be writable.
    compiled: Option<crate::pipeline::Compiled>,
    /// `check`: the model, for what only the whole call can check.
    topology: Option<crate::model::Topology>,
    /// A shared appliance's tree, not a topology's.
    appliance: bool,
}

impl Outcome {
    fn errors(&self) -> usize {
        self.found.iter().filter(|d| d.is_error()).count()
    }

    fn warnings(&self) -> usize {
        self.found.len() - self.errors()
    }

    /// Keeps the diagnostics to report; true when they stop the command.
    fn diagnostics(&mut self, found: &[Diagnostic]) -> bool {
        let (found, denied) = filter(found);
        self.found = found;
        if denied {
            let message = if self
                .found
                .iter()
                .any(|d| DENIED_UNLESS_ALLOWED.contains(&d.code))
            {
                "error: example values from `mailflowc init` are still in the topology (MF0707): \
                 replace them, or give --allow MF0707 to go on anyway"
            } else {
                "error: warnings are denied (--deny-warnings / --deny)"
            };
            self.err.push(message.to_owned());
        }
        denied
    }
}

/// Runs `work` on every topology of the call, in parallel, a crash in one
/// caught for that one alone; what each came to, in the order given.
fn collect_all(files: &[PathBuf], work: impl Fn(&Input, usize) -> Outcome + Sync) -> Vec<Outcome> {
    use rayon::prelude::*;
    let progress = progress_bar(files.len());
    let outcomes: Vec<Outcome> = files
        .par_iter()
        .enumerate()
        .map(|(index, path)| {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let input = match load_topology(path) {
                    Ok(input) => input,
                    Err(message) => {
                        return Outcome {
                            display: path.display().to_string(),
                            code: EXIT_FAILURE,
                            err: vec![message],
                            result: "cannot read".to_owned(),
                            ..Outcome::default()
                        }
                    }
                };
                debug_panic(Some(&input.file_name));
                let mut outcome = work(&input, index);
                outcome.display = input.display.clone();
                outcome.sources = Some(input.sources);
                outcome
            }))
            .unwrap_or_else(|_| Outcome {
                display: path.display().to_string(),
                code: EXIT_FAILURE,
                err: vec![format!(
                    "error: `{}`: internal error (see above); no other topology is affected",
                    path.display()
                )],
                result: "crashed".to_owned(),
                ..Outcome::default()
            });
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            outcome
        })
        .collect();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    outcomes
}

/// A progress bar on a terminal, for many topologies and unless `-q`.
fn progress_bar(count: usize) -> Option<indicatif::ProgressBar> {
    const FROM: usize = 20;
    if count < FROM || output().quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(count as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} topologies {elapsed}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// One exit code for many: a failure (2) over errors (1) over differences
/// (3) over success.
fn combine(codes: impl Iterator<Item = u8>) -> u8 {
    let codes: Vec<u8> = codes.collect();
    for code in [EXIT_FAILURE, EXIT_INVALID, EXIT_DIFFERENT] {
        if codes.contains(&code) {
            return code;
        }
    }
    EXIT_OK
}

/// Prints the diagnostics in the chosen format, then each topology's lines,
/// then the summary.
fn print_outcomes(outcomes: &[Outcome]) {
    let reporting = REPORTING.get().cloned().unwrap_or_default();
    let quiet = output().quiet;
    // A JSON or SARIF document on stdout leaves no room there for the
    // command's own lines; `plan` and `drift` put the document on stderr.
    let machine = matches!(
        reporting.format,
        DiagnosticFormat::Json | DiagnosticFormat::Sarif
    ) && !DIAGNOSTICS_ON_STDERR.load(std::sync::atomic::Ordering::Relaxed);
    match reporting.format {
        DiagnosticFormat::Json => {
            let list: Vec<_> = outcomes
                .iter()
                .filter_map(|o| {
                    o.sources
                        .as_ref()
                        .map(|s| diagnostics::formats::json(&o.found, s))
                })
                .flatten()
                .collect();
            let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
            text.push('\n');
            diagnostics_out(&text);
        }
        DiagnosticFormat::Sarif => {
            let reports: Vec<(&Sources, &[Diagnostic])> = outcomes
                .iter()
                .filter_map(|o| o.sources.as_ref().map(|s| (s, o.found.as_slice())))
                .collect();
            let log = diagnostics::formats::sarif(&reports, &failures(outcomes));
            let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
            text.push('\n');
            diagnostics_out(&text);
        }
        DiagnosticFormat::Github => {
            let mut text = String::new();
            // A finding in a shared base is annotated once, not per tenant.
            let mut seen = std::collections::BTreeSet::new();
            for o in outcomes {
                if let Some(sources) = &o.sources {
                    for line in diagnostics::formats::github(&o.found, sources).lines() {
                        if seen.insert(line.to_owned()) {
                            text.push_str(line);
                            text.push('\n');
                        }
                    }
                }
            }
            // Topologies only: a shared appliance's tree is not one.
            let topologies: Vec<&Outcome> = outcomes.iter().filter(|o| !o.appliance).collect();
            let what = match topologies.as_slice() {
                [one] => one.display.clone(),
                many => format!("{} topologies", many.len()),
            };
            // What failed outside the diagnostics (a stale tree, a file that
            // cannot be read, a crash) is an annotation too: it is why the
            // step fails.
            for failure in failures(outcomes) {
                text.push_str(&format!(
                    "::error title=mailflowc::{}\n",
                    diagnostics::formats::github_data(&failure)
                ));
            }
            let errors = outcomes.iter().map(Outcome::errors).sum();
            let warnings = outcomes.iter().map(Outcome::warnings).sum();
            text.push_str(&diagnostics::formats::github_summary(
                &what, errors, warnings,
            ));
            diagnostics_out(&text);
        }
        DiagnosticFormat::Human => {}
    }
    for o in outcomes {
        if matches!(reporting.format, DiagnosticFormat::Human) && !o.found.is_empty() {
            if let Some(sources) = &o.sources {
                use std::io::Write as _;
                if outcomes.len() > 1 {
                    // A base's finding is shown for every tenant that extends it.
                    warn!("── {}", diagnostics::sanitize(&o.display));
                }
                let text = diagnostics::render_sources(&o.found, sources, color_on_stderr());
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
                warn!("{} error(s), {} warning(s)", o.errors(), o.warnings());
            }
        }
        for line in &o.err {
            warn!("{line}");
        }
        if !quiet {
            for line in &o.out {
                if machine {
                    warn!("{line}");
                } else {
                    say!("{line}");
                }
            }
        }
    }
    if outcomes.len() > 1 && !quiet {
        let table = summary(outcomes);
        // Never into a document on stdout: the diagnostics' (JSON, SARIF)
        // or the command's own report (`plan`: Markdown, JSON Lines).
        if machine || DIAGNOSTICS_ON_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
            warn!("{table}");
        } else {
            say!("{table}");
        }
    }
}

/// What failed outside the diagnostics, one message per topology: a stale
/// tree (`build --check`), a file that cannot be read or written, a crash.
fn failures(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter(|o| o.code == EXIT_FAILURE || o.code == EXIT_DIFFERENT)
        .map(|o| {
            let lines: Vec<&str> = o
                .err
                .iter()
                .chain(o.out.iter())
                .map(String::as_str)
                .collect();
            format!("{}: {}", o.display, lines.join("\n"))
        })
        .collect()
}

/// The fleet summary: one row per topology.
fn summary(outcomes: &[Outcome]) -> String {
    let width = outcomes
        .iter()
        .map(|o| o.display.chars().count())
        .max()
        .unwrap_or(0)
        .max("topology".len());
    let mut text = format!(
        "{:<width$}  {:>5}  {:>8}  {:>6}  result\n",
        "topology", "files", "warnings", "errors"
    );
    for o in outcomes {
        text.push_str(&format!(
            "{:<width$}  {:>5}  {:>8}  {:>6}  {}\n",
            diagnostics::sanitize(&o.display),
            o.files,
            o.warnings(),
            o.errors(),
            o.result
        ));
    }
    let failed = |appliance: bool| {
        let rows: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.appliance == appliance)
            .collect();
        let failed = rows
            .iter()
            .filter(|o| o.code == EXIT_INVALID || o.code == EXIT_FAILURE)
            .count();
        (rows.len(), failed)
    };
    let (topologies, failed_topologies) = failed(false);
    text.push_str(&format!(
        "{topologies} topologies: {} ok, {failed_topologies} failed",
        topologies - failed_topologies
    ));
    let (appliances, failed_appliances) = failed(true);
    if appliances > 0 {
        text.push_str(&format!(
            "; {appliances} appliance(s): {} ok, {failed_appliances} failed",
            appliances - failed_appliances
        ));
    }
    text
}

/// Reports a compilation that failed in an outcome.
fn failed_into(outcome: &mut Outcome, error: CompileError) {
    match error {
        CompileError::Invalid(found) => {
            outcome.diagnostics(&found);
            outcome.code = EXIT_INVALID;
            outcome.result = "has errors".to_owned();
        }
        CompileError::Internal(message) => {
            outcome.err.push(format!("internal error: {message}"));
            outcome.code = EXIT_FAILURE;
            outcome.result = "internal error".to_owned();
        }
    }
}

/// Prints the diagnostics of a single-topology command, the way a call with
/// several prints them; true when a denied warning must stop it.
fn report(input: &Input, found: &[Diagnostic]) -> bool {
    let mut outcome = Outcome {
        display: input.display.clone(),
        sources: Some(input.sources.clone()),
        ..Outcome::default()
    };
    let denied = outcome.diagnostics(found);
    print_outcomes(&[outcome]);
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

/// The topologies a call names and each one's output directory; `None`
/// (the error printed) when they cannot be listed or two share a tree.
fn topologies_and_trees(
    paths: &[PathBuf],
    out: Option<&Path>,
) -> Option<(Vec<PathBuf>, Vec<PathBuf>)> {
    // A directory is a fleet, even of one tenant: each tenant's tree is
    // `generated/<stem>/`, so the fleet's second tenant moves no tree.
    let fleet = paths.iter().any(|p| p.is_dir());
    match expand(paths).and_then(|f| out_dirs(&f, out, fleet || f.len() > 1).map(|o| (f, o))) {
        Ok(found) => Some(found),
        Err(message) => {
            warn!("{message}");
            None
        }
    }
}

fn build(paths: &[PathBuf], out: Option<PathBuf>, check: bool) -> u8 {
    let Some((files, outs)) = topologies_and_trees(paths, out.as_deref()) else {
        return EXIT_FAILURE;
    };
    let listings = Listings::default();
    // Everything compiles (and a fleet's appliances are checked) before
    // anything is written: a refused tenant leaves its tree untouched.
    let mut outcomes = collect_all(&files, |input, _| compile_one(input));
    let fleet = files.len() > 1 || paths.iter().any(|p| p.is_dir());
    let appliances = appliance_trees(&files, &outs, &mut outcomes, fleet, check);
    {
        use rayon::prelude::*;
        outcomes
            .par_iter_mut()
            .enumerate()
            .for_each(|(index, outcome)| {
                if let Some(compiled) = outcome.compiled.take() {
                    let shown = if files[index].as_os_str() == "-" {
                        "-".to_owned()
                    } else {
                        files[index].display().to_string()
                    };
                    let files = compiled.files;
                    let done = write_or_compare(&outs[index], &files, &shown, check, &listings);
                    outcome.files = files.len();
                    outcome.out.extend(done.out);
                    outcome.err.extend(done.err);
                    outcome.result = done.result;
                    outcome.code = done.code;
                }
            });
    }
    for tree in appliances {
        let mut done = write_or_compare(&tree.dir, &tree.files, &tree.fleet, check, &listings);
        done.display = tree.display;
        done.appliance = true;
        done.files = tree.files.len();
        outcomes.push(done);
    }
    print_outcomes(&outcomes);
    combine(outcomes.iter().map(|o| o.code))
}

/// Compiles one topology of a build; the files stay in the outcome until
/// the whole call is known to be writable.
fn compile_one(input: &Input) -> Outcome {
    let mut outcome = Outcome::default();
    let compiled = match crate::pipeline::compile_sources(
        &input.sources,
        &input.file_name,
        &input.context(),
    ) {
        Ok(compiled) => compiled,
        Err(error) => {
            failed_into(&mut outcome, error);
            return outcome;
        }
    };
    if outcome.diagnostics(&compiled.warnings) {
        outcome.code = EXIT_INVALID;
        outcome.result = "warnings denied".to_owned();
        return outcome;
    }
    outcome.compiled = Some(compiled);
    outcome
}

/// One shared appliance's tree, to write beside the fleet's trees.
struct ApplianceTree {
    display: String,
    dir: PathBuf,
    /// How to build the fleet again, for a stale tree.
    fleet: String,
    files: crate::targets::Files,
}

/// The directory holding `path` (empty for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Stops a tenant that compiled: nothing of it is written.
fn refuse(outcome: &mut Outcome, code: u8, result: &str, message: String) {
    outcome.compiled = None;
    outcome.code = code;
    outcome.result = result.to_owned();
    outcome.err.push(message);
}

/// The relay guards of the appliances the tenants of this build share
/// (`cisco.appliance`), one tree each in `_appliances/<label>/` beside the
/// tenants' trees. Tenants that conflict on one appliance are refused with
/// MF0522, all of that appliance's with them. A build of one tenant writes
/// no appliance tree: it is refused unless the fleet's guard already
/// accepts the tenant as it builds now.
fn appliance_trees(
    files: &[PathBuf],
    outs: &[PathBuf],
    outcomes: &mut [Outcome],
    fleet: bool,
    check: bool,
) -> Vec<ApplianceTree> {
    use crate::targets::cisco::appliance::{self, Tenant};
    let label_of = |o: &Outcome| {
        o.compiled
            .as_ref()
            .and_then(|c| appliance::label(&c.topology))
            .map(str::to_owned)
    };
    let stems: Vec<String> = outs
        .iter()
        .map(|o| {
            o.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let parent = |i: usize| parent_dir(&outs[i]);
    // The directory of the fleet's topologies, as a build names it.
    let fleet_dir = |i: usize| match files[i].parent() {
        Some(dir) if !dir.as_os_str().is_empty() => format!("{}/", dir.display()),
        _ => "./".to_owned(),
    };
    if !fleet {
        let Some(label) = label_of(&outcomes[0]) else {
            return Vec::new();
        };
        let fleet = parent(0);
        let reason = if crate::trees::is_fleet_parent(&fleet) {
            outcomes[0].compiled.as_ref().and_then(|c| {
                appliance::not_accepted(
                    &fleet.join(appliance::tree(&label)),
                    Tenant {
                        stem: &stems[0],
                        topology: &c.topology,
                    },
                )
            })
        } else {
            Some(format!(
                "`{}` is not among a fleet's trees, so there is no guard for it to join",
                outs[0].display()
            ))
        };
        if let Some(reason) = reason {
            let display = outcomes[0].display.clone();
            let (code, result) = if check {
                (EXIT_DIFFERENT, "stale")
            } else {
                (EXIT_FAILURE, "not written")
            };
            refuse(
                &mut outcomes[0],
                code,
                result,
                format!(
                    "error: `{display}` names appliance `{label}`, whose relay guard a build of \
                     the whole fleet writes: {reason}; build the fleet's directory \
                     (`mailflowc build {}`), so that the guard accepts this tenant's secret",
                    fleet_dir(0)
                ),
            );
        }
        return Vec::new();
    }
    let (groups, mut conflicts) = {
        let models: Vec<_> = outcomes
            .iter()
            .map(|o| o.compiled.as_ref().map(|c| &c.topology))
            .collect();
        appliance::groups(&stems, &models, parent)
    };
    let mut trees = Vec::new();
    for appliance::Group {
        fleet,
        label,
        members,
    } in groups
    {
        let dir = fleet.join(appliance::tree(&label));
        let conflicted = members.iter().any(|i| conflicts.contains_key(i));
        // A tenant the guard accepts today that this build cannot rebuild
        // it with: one it does not name whose tree is still there, or one
        // with errors. Leaving it out would drop its relayed mail.
        let in_call: std::collections::BTreeMap<&str, bool> = (0..files.len())
            .filter(|&i| parent(i) == fleet)
            .map(|i| (stems[i].as_str(), outcomes[i].compiled.is_some()))
            .collect();
        let left_out: Vec<String> = std::fs::read_to_string(dir.join(appliance::MANIFEST_FILE))
            .ok()
            .and_then(|t| serde_json::from_str::<appliance::Manifest>(&t).ok())
            .map(|m| {
                m.tenants
                    .into_keys()
                    .filter(|stem| match in_call.get(stem.as_str()) {
                        Some(&compiled) => !compiled,
                        None => fleet.join(stem).join(crate::targets::MARKER_FILE).is_file(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rendered = if !conflicted && left_out.is_empty() {
            let models: Vec<_> = outcomes
                .iter()
                .map(|o| o.compiled.as_ref().map(|c| &c.topology))
                .collect();
            let tenants = appliance::tenants_of(&stems, &models, &members);
            let order: Vec<usize> = (0..tenants.len()).collect();
            Some(appliance::files(
                &label,
                &tenants,
                &order,
                None,
                build_lang(),
            ))
        } else {
            None
        };
        let display = format!("appliance {label}");
        match rendered {
            Some(Ok(files)) if files.is_empty() => {}
            Some(Ok(files)) => trees.push(ApplianceTree {
                display,
                dir,
                fleet: fleet_dir(members[0]),
                files,
            }),
            Some(Err(error)) => {
                for &i in &members {
                    refuse(
                        &mut outcomes[i],
                        EXIT_FAILURE,
                        "internal error",
                        format!("internal error: appliance `{label}`: template error: {error:#}"),
                    );
                }
            }
            None => {
                for &i in &members {
                    let own = conflicts.remove(&i).unwrap_or_default();
                    let message = if !left_out.is_empty() {
                        let named = |stem: &String| match in_call.get(stem.as_str()) {
                            Some(_) => format!("`{stem}` (it has errors)"),
                            None => format!(
                                "`{stem}` (not in this build; its tree `{}` is still there: delete \
                                 that tree if the tenant has left the appliance)",
                                fleet.join(stem).display()
                            ),
                        };
                        format!(
                            "error: not built: appliance `{label}`'s relay guard also accepts {}, \
                             and a guard without it would drop its mail; then build the whole \
                             fleet (`mailflowc build {}`)",
                            left_out.iter().map(named).collect::<Vec<_>>().join(", "),
                            fleet_dir(i)
                        )
                    } else if own.is_empty() {
                        format!(
                            "error: not built: tenants of appliance `{label}` conflict (MF0522, above), \
                             and its relay guard is one for all of them"
                        )
                    } else {
                        String::new()
                    };
                    let code = if left_out.is_empty() {
                        EXIT_INVALID
                    } else {
                        EXIT_FAILURE
                    };
                    let outcome = &mut outcomes[i];
                    outcome.found.extend(own);
                    outcome.compiled = None;
                    outcome.code = code;
                    outcome.result = if outcome.errors() > 0 {
                        "has errors"
                    } else {
                        "not built"
                    }
                    .to_owned();
                    if !message.is_empty() {
                        outcome.err.push(message);
                    }
                }
            }
        }
    }
    trees
}

/// Writes one tree, or compares it with the files (`--check`).
fn write_or_compare(
    out: &Path,
    files: &crate::targets::Files,
    shown: &str,
    check: bool,
    listings: &Listings,
) -> Outcome {
    let started = std::time::Instant::now();
    let mut outcome = Outcome::default();
    if check {
        match diff_tree_in(out, files, Some(listings)) {
            Ok(diff) if diff.is_clean() => {
                outcome.out.push(format!(
                    "{}: up to date ({} files)",
                    out.display(),
                    files.len()
                ));
                outcome.result = "up to date".to_owned();
                outcome.code = EXIT_OK;
            }
            Ok(diff) => {
                outcome.out.push(format!(
                    "{}: stale; run `mailflowc build {shown}`",
                    out.display(),
                ));
                for (label, files) in [
                    ("missing", &diff.missing),
                    ("differs", &diff.differing),
                    ("extra", &diff.extra),
                    ("leftover of an interrupted build", &diff.leftovers),
                ] {
                    for file in files {
                        outcome.out.push(format!("  {label}: {file}"));
                    }
                }
                outcome.result = "stale".to_owned();
                outcome.code = EXIT_DIFFERENT;
            }
            Err(error) => {
                outcome
                    .err
                    .push(format!("error: cannot read `{}`: {error}", out.display()));
                outcome.result = "cannot read the tree".to_owned();
                outcome.code = EXIT_FAILURE;
            }
        }
        return outcome;
    }
    match write_tree_in(out, files, crate::targets::MARKER_FILE, listings) {
        Ok(written) => {
            for warning in &written.warnings {
                outcome.err.push(format!("warning: {warning}"));
            }
            outcome
                .out
                .push(format!("wrote {} files to {}", files.len(), out.display()));
            if output().verbose {
                for file in files.keys() {
                    outcome.out.push(format!("  {file}"));
                }
                outcome.out.push(format!(
                    "  in {:.1} ms",
                    started.elapsed().as_secs_f64() * 1000.0
                ));
            }
            outcome.result = format!("wrote {}", out.display());
            outcome.code = EXIT_OK;
        }
        Err(error) => {
            outcome.err.push(format!("error: {error}"));
            outcome.result = "not written".to_owned();
            outcome.code = EXIT_FAILURE;
        }
    }
    outcome
}

/// Reads, parses and checks a topology, printing every diagnostic; the model
/// when it has no errors, otherwise the exit code to stop with.
fn analyze_file(path: &Path) -> Result<(Input, crate::model::Topology), u8> {
    let input = read_topology(path)?;
    let (topology, found) = crate::pipeline::analyze_sources(&input.sources, &input.context());
    let denied = report(&input, &found);
    match topology {
        Some(topology) if !denied => Ok((input, topology)),
        _ => Err(EXIT_INVALID),
    }
}

/// Parses and checks one topology of a call, keeping its diagnostics in the
/// outcome; the model, or `None` with the outcome marked as having errors.
fn analyzed(input: &Input, outcome: &mut Outcome) -> Option<crate::model::Topology> {
    let (topology, found) = crate::pipeline::analyze_sources(&input.sources, &input.context());
    let denied = outcome.diagnostics(&found);
    let topology = topology.filter(|_| !denied);
    if topology.is_none() {
        outcome.result = "has errors".to_owned();
        outcome.code = EXIT_INVALID;
    }
    topology
}

fn check_only(paths: &[PathBuf]) -> u8 {
    let files = match expand(paths) {
        Ok(files) => files,
        Err(message) => {
            warn!("{message}");
            return EXIT_FAILURE;
        }
    };
    let mut outcomes = collect_all(&files, |input, _| {
        let mut outcome = Outcome::default();
        outcome.topology = analyzed(input, &mut outcome);
        if outcome.topology.is_some() {
            outcome.result = "ok".to_owned();
            outcome.code = EXIT_OK;
        }
        outcome
    });
    // Tenants of one fleet that share an appliance must agree (MF0522):
    // what `build` of that fleet would refuse, `check` reports.
    let stems: Vec<String> = files.iter().map(|f| crate::trees::stem(f)).collect();
    let (_, conflicts) = {
        let models: Vec<_> = outcomes.iter().map(|o| o.topology.as_ref()).collect();
        crate::targets::cisco::appliance::groups(&stems, &models, |i| parent_dir(&files[i]))
    };
    for (index, found) in conflicts {
        let outcome = &mut outcomes[index];
        outcome.found.extend(found);
        outcome.topology = None;
        outcome.result = "has errors".to_owned();
        outcome.code = EXIT_INVALID;
    }
    for outcome in &mut outcomes {
        if outcome.topology.is_some() {
            let line = format!("{}: ok", outcome.display);
            outcome.out.push(line);
        }
    }
    print_outcomes(&outcomes);
    combine(outcomes.iter().map(|o| o.code))
}

fn reveal_secrets(path: &Path, out: Option<PathBuf>) -> u8 {
    if path.is_dir() {
        return reveal_fleet(path, out);
    }
    let input = match read_topology(path) {
        Ok(input) => input,
        Err(code) => return code,
    };
    let files =
        match crate::pipeline::reveal_sources(&input.sources, &input.file_name, &input.base_dir) {
            Ok(Some(files)) => files,
            Ok(None) => {
                say!("{}: no outbound secret; nothing to reveal", input.display);
                return EXIT_OK;
            }
            Err(error) => return failed(&input, error),
        };
    let out = out.unwrap_or_else(|| crate::trees::beside(path, "revealed"));
    if let Some(label) = crate::pipeline::analyze_sources(&input.sources, &input.context())
        .0
        .as_ref()
        .and_then(crate::targets::cisco::appliance::label)
    {
        say!(
            "{}: its relay guard is appliance `{label}`'s, with every tenant's secret: run `mailflowc reveal` on the fleet's directory",
            input.display
        );
        let own = files
            .keys()
            .any(|path| path != crate::targets::REVEALED_MARKER_FILE && path != ".gitignore");
        if !own {
            return EXIT_OK;
        }
    }
    write_revealed(&out, &files)
}

/// Writes a reveal directory, never below a committed build tree.
fn write_revealed(out: &Path, files: &crate::targets::Files) -> u8 {
    let out = out.to_path_buf();
    // Secrets never go below a build tree, which is committed.
    if let Some(tree) = marked_ancestor(&out, crate::targets::MARKER_FILE) {
        warn!(
            "error: `{}` is inside `{}`, a tree `mailflowc build` writes and you commit; reveal the secret somewhere else",
            out.display(),
            tree.display()
        );
        return EXIT_FAILURE;
    }
    match write_private_tree(&out, files, crate::targets::REVEALED_MARKER_FILE) {
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

/// `reveal` of a fleet's directory: `<tree>/…` for each tenant with a
/// secret, `_appliances/<label>/10-relay-guard-filter.txt` for each shared
/// appliance, in one reveal directory (`revealed/` inside the fleet's
/// directory). Any error, or a conflict on an appliance, writes nothing.
fn reveal_fleet(dir: &Path, out: Option<PathBuf>) -> u8 {
    use crate::targets::cisco::appliance;
    let files = match expand(&[dir.to_path_buf()]) {
        Ok(files) => files,
        Err(message) => {
            warn!("{message}");
            return EXIT_FAILURE;
        }
    };
    let stems: Vec<String> = files.iter().map(|f| crate::trees::stem(f)).collect();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut revealed: Vec<Option<(crate::model::Topology, crate::secret::RevealedSecrets)>> =
        Vec::new();
    let mut combined = crate::targets::Files::new();
    for file in &files {
        let mut outcome = Outcome::default();
        let input = match load_topology(file) {
            Ok(input) => input,
            Err(message) => {
                outcome.display = file.display().to_string();
                outcome.err.push(message);
                outcome.code = EXIT_FAILURE;
                outcome.result = "cannot read".to_owned();
                outcomes.push(outcome);
                revealed.push(None);
                continue;
            }
        };
        outcome.display = input.display.clone();
        outcome.sources = Some(input.sources.clone());
        match crate::pipeline::revealed_secrets(&input.sources, &input.base_dir) {
            Ok(found) => {
                if let Some((topology, secrets)) = &found {
                    match crate::targets::emit_revealed(topology, &input.file_name, secrets) {
                        Ok(own) => {
                            let stem = crate::trees::stem(file);
                            for (path, text) in own {
                                if path != crate::targets::REVEALED_MARKER_FILE
                                    && path != ".gitignore"
                                {
                                    combined.insert(format!("{stem}/{path}"), text);
                                }
                            }
                        }
                        Err(error) => {
                            failed_into(
                                &mut outcome,
                                CompileError::Internal(format!("template error: {error:#}")),
                            );
                        }
                    }
                }
                if outcome.code == EXIT_OK {
                    outcome.result = if found.is_some() {
                        "revealed"
                    } else {
                        "no secret"
                    }
                    .to_owned();
                }
                revealed.push(found);
            }
            Err(error) => {
                failed_into(&mut outcome, error);
                revealed.push(None);
            }
        }
        outcomes.push(outcome);
    }
    // The shared appliances' guards, with every tenant's real secret.
    let models: Vec<_> = revealed
        .iter()
        .map(|r| r.as_ref().map(|(topology, _)| topology))
        .collect();
    let (groups, conflicts) = appliance::groups(&stems, &models, |_| dir.to_path_buf());
    for group in groups {
        if group.members.iter().any(|i| conflicts.contains_key(i)) {
            continue;
        }
        let tenants = appliance::tenants_of(&stems, &models, &group.members);
        let order: Vec<usize> = (0..tenants.len()).collect();
        let secrets: std::collections::BTreeMap<usize, crate::secret::RevealedSecrets> = group
            .members
            .iter()
            .enumerate()
            .filter_map(|(position, &i)| revealed[i].as_ref().map(|(_, s)| (position, s.clone())))
            .collect();
        match appliance::files(&group.label, &tenants, &order, Some(&secrets), build_lang()) {
            Ok(files) => {
                for (path, text) in files {
                    combined.insert(format!("{}/{path}", appliance::tree(&group.label)), text);
                }
            }
            Err(error) => {
                warn!(
                    "internal error: appliance `{}`: template error: {error:#}",
                    group.label
                );
                return EXIT_FAILURE;
            }
        }
    }
    for (index, found) in conflicts {
        let outcome = &mut outcomes[index];
        outcome.found.extend(found);
        outcome.code = EXIT_INVALID;
        outcome.result = "has errors".to_owned();
    }
    let code = combine(outcomes.iter().map(|o| o.code));
    if code != EXIT_OK {
        print_outcomes(&outcomes);
        warn!("error: nothing revealed: correct the errors above");
        return code;
    }
    if combined.is_empty() {
        say!("{}: no outbound secret; nothing to reveal", dir.display());
        return EXIT_OK;
    }
    combined.insert(
        crate::targets::REVEALED_MARKER_FILE.to_owned(),
        format!(
            "This directory is written by `mailflowc reveal` from the fleet in {}.\n\
             It holds secrets: never commit it; delete it once they are configured.\n",
            crate::targets::source_label(&dir.display().to_string())
        ),
    );
    combined.insert(
        ".gitignore".to_owned(),
        "# Written by mailflowc reveal: this directory holds secrets.\n*\n".to_owned(),
    );
    write_revealed(&out.unwrap_or_else(|| dir.join("revealed")), &combined)
}

fn list_vendors() -> u8 {
    let width = crate::catalog::vendors()
        .iter()
        .map(|v| v.id.len())
        .max()
        .unwrap_or(0);
    for vendor in crate::catalog::vendors() {
        let regions: Vec<&str> = vendor.regions.iter().map(|r| r.id.as_str()).collect();
        let regions = if regions.is_empty() {
            "-".to_owned()
        } else {
            regions.join(", ")
        };
        say!(
            "{:<width$} {:<48} regions: {regions}",
            vendor.id,
            vendor.name
        );
    }
    EXIT_OK
}

fn show_vendor(name: &str) -> u8 {
    match crate::catalog::find_or_explain(name) {
        Ok(vendor) => {
            say_raw(&crate::catalog::describe(vendor));
            EXIT_OK
        }
        Err(message) => {
            warn!("error: {message}");
            EXIT_FAILURE
        }
    }
}

fn explain(code: Option<&str>) -> u8 {
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
        return EXIT_OK;
    };
    if id == "exit-codes" {
        say!("Exit codes, the same for every mailflowc command:\n");
        for (code, meaning) in EXIT_CODES {
            say!("  {code}  {meaning}");
        }
        return EXIT_OK;
    }
    if let Some(code) = crate::audit::AuditCode::from_id(id) {
        say_raw(code.explanation());
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

/// How `plan` reports.
struct PlanHow {
    format: Option<PlanFormat>,
    summary: bool,
    full: Option<PathBuf>,
}

fn plan(paths: &[PathBuf], out: Option<PathBuf>, base: Option<&str>, how: PlanHow) -> u8 {
    let Some((files, outs)) = topologies_and_trees(paths, out.as_deref()) else {
        return EXIT_FAILURE;
    };
    if files.len() > 1 && base.is_some_and(|b| Path::new(b).is_file()) {
        warn!("error: `--base FILE` compares one topology; give a git revision for several");
        return EXIT_FAILURE;
    }
    let format = how.format.unwrap_or(if std::io::stdout().is_terminal() {
        PlanFormat::Text
    } else {
        PlanFormat::Markdown
    });
    let several = files.len() > 1;
    let mut outcomes = collect_all(&files, |input, index| {
        plan_one(input, &outs[index], base, format, several, how.summary)
    });
    let mut report = None;
    if several && format != PlanFormat::Json && outcomes.iter().any(|o| o.plan.is_some()) {
        let planned: Vec<(&str, &crate::targets::diff::PlanDiff)> = outcomes
            .iter()
            .filter_map(|o| o.plan.as_ref().map(|p| (o.display.as_str(), p)))
            .collect();
        let grouped = crate::targets::fleet_plan::group(&planned);
        report = Some(match format {
            PlanFormat::Text => grouped.text(how.summary),
            _ => {
                let where_full = match &how.full {
                    Some(file) => format!("the whole plan is in `{}`", file.display()),
                    None => {
                        "`--full FILE` writes the whole plan, `--format text` prints it".to_owned()
                    }
                };
                grouped.markdown_within_limit(how.summary, &where_full)
            }
        });
        if let Some(file) = &how.full {
            let whole = grouped.markdown(true, how.summary);
            if let Err(error) = std::fs::write(file, whole) {
                warn!("error: cannot write `{}`: {error}", file.display());
                return EXIT_FAILURE;
            }
        }
    } else if let (Some(file), [one]) = (&how.full, outcomes.as_slice()) {
        if let Some(plan) = &one.plan {
            if let Err(error) = std::fs::write(file, crate::targets::diff::markdown(plan, false)) {
                warn!("error: cannot write `{}`: {error}", file.display());
                return EXIT_FAILURE;
            }
        }
    }
    for outcome in &mut outcomes {
        outcome.plan = None;
    }
    print_outcomes(&outcomes);
    if let Some(report) = report {
        say!("{}", report.trim_end_matches('\n'));
    }
    combine(outcomes.iter().map(|o| o.code))
}

fn plan_one(
    input: &Input,
    out: &Path,
    base: Option<&str>,
    format: PlanFormat,
    several: bool,
    summary: bool,
) -> Outcome {
    use crate::targets::{diff, state};
    let mut outcome = Outcome::default();
    let Some(topology) = analyzed(input, &mut outcome) else {
        return outcome;
    };
    let plan = crate::targets::plan(&topology);
    let new = state::desired_state(&topology, &plan);
    let (base, info) = match crate::trees::read_base(out, base) {
        Ok(found) => found,
        Err(message) => {
            outcome.err.push(format!("error: {message}"));
            outcome.code = EXIT_FAILURE;
            outcome.result = "no base".to_owned();
            return outcome;
        }
    };
    let base = base.unwrap_or_else(|| state::DesiredState {
        objects: Default::default(),
        steps: Vec::new(),
        ..new.clone()
    });
    let order = crate::targets::runbook::files_in_order(&topology, &plan);
    let mut changes = diff::plan_changes(&base, &new, &order);
    changes.base = Some(info);
    let text = match format {
        // Several topologies: one grouped report after all of them.
        PlanFormat::Markdown | PlanFormat::Text if several => String::new(),
        PlanFormat::Markdown => diff::markdown(&changes, summary),
        PlanFormat::Text => diff::text(&changes, summary),
        // Several topologies: JSON Lines, one object per topology.
        PlanFormat::Json if several => serde_json::to_string(&serde_json::json!({
            "topology": input.display,
            "base": changes.base,
            "changes": changes.changes,
            "apply": changes.apply,
        }))
        .unwrap_or_default(),
        PlanFormat::Json => serde_json::to_string_pretty(&changes).unwrap_or_default(),
    };
    if !text.is_empty() {
        outcome.out.push(text.trim_end_matches('\n').to_owned());
    }
    outcome.files = changes.changes.len();
    if changes.is_empty() {
        outcome.result = "no changes".to_owned();
        outcome.code = EXIT_OK;
    } else {
        outcome.result = format!("{} change(s)", changes.changes.len());
        outcome.code = EXIT_DIFFERENT;
    }
    outcome.plan = Some(changes);
    outcome
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

/// A tenant export's text and JSON; a Windows PowerShell byte-order mark
/// is dropped.
fn read_export(export: &Path) -> Result<(String, serde_json::Value), u8> {
    let text = match read_limited(export) {
        Ok(text) => text,
        Err(error) => {
            warn!("error: cannot read `{}`: {error}", export.display());
            return Err(EXIT_FAILURE);
        }
    };
    let text = text.trim_start_matches('\u{feff}').to_owned();
    match serde_json::from_str(&text) {
        Ok(json) => Ok((text, json)),
        Err(error) => {
            warn!("error: `{}` is not JSON: {error}", export.display());
            Err(EXIT_FAILURE)
        }
    }
}

fn audit(path: Option<&Path>, export: &Path, format: AuditFormat) -> u8 {
    use crate::audit;
    use crate::targets::state;
    let expected = match path {
        None => None,
        Some(path) => {
            let (_, topology) = match analyze_file(path) {
                Ok(found) => found,
                Err(code) => return code,
            };
            let desired = state::desired_state(&topology, &crate::targets::plan(&topology));
            match audit::Expected::from_topology(&topology, &desired) {
                Ok(expected) => Some(expected),
                Err(message) => {
                    warn!("error: `{}`: {message}", path.display());
                    return EXIT_FAILURE;
                }
            }
        }
    };
    let (text, json) = match read_export(export) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let report = match audit::audit(&json, expected.as_ref()) {
        Ok(report) => report,
        Err(message) => {
            warn!("error: `{}`: {message}", export.display());
            return EXIT_FAILURE;
        }
    };
    let file = export.to_string_lossy();
    match format {
        AuditFormat::Text => say_raw(&audit::text(&report)),
        AuditFormat::Github => say_raw(&audit::github(&report, &file, &text)),
        AuditFormat::Json | AuditFormat::Sarif => {
            let value = match format {
                AuditFormat::Json => audit::json(&report),
                _ => audit::sarif(&report, &file, &text),
            };
            let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
            out.push('\n');
            say_raw(&out);
        }
    }
    if report.count(diagnostics::Severity::Error) == 0 {
        EXIT_OK
    } else {
        EXIT_DIFFERENT
    }
}

fn import(export: &Path, out: Option<&Path>, allow_changes: bool) -> u8 {
    use crate::import::{self, ImportError};
    use std::io::Write as _;
    if let Some(code) = out.and_then(|out| exists_refused(out, "import")) {
        return code;
    }
    let (_, json) = match read_export(export) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let context = context_beside(out);
    let label = out.map_or_else(|| "topology.toml".to_owned(), |p| p.display().to_string());
    let imported = match import::import(&json, &export.to_string_lossy(), &context) {
        Ok(imported) => imported,
        Err(ImportError::Export(message)) => {
            warn!("error: `{}`: {message}", export.display());
            return EXIT_FAILURE;
        }
        Err(ImportError::Invalid { text, found }) => {
            let errors: Vec<Diagnostic> = found.into_iter().filter(Diagnostic::is_error).collect();
            let shown = diagnostics::render(&errors, &label, &text, color_on_stderr());
            let _ = std::io::stderr().lock().write_all(shown.as_bytes());
            warn!(
                "error: the tenant holds what mailflowc refuses ({} error(s) in the topology it makes, above); nothing was written",
                errors.len()
            );
            return EXIT_INVALID;
        }
    };
    // Line by line, so the lines stay lines and a name cannot start one.
    let changes: String = crate::targets::drift::text(&imported.changes)
        .lines()
        .map(|line| format!("{}\n", diagnostics::sanitize(line)))
        .collect();
    if !imported.changes.in_sync() && !allow_changes {
        warn!(
            "{}error: building the imported topology would change the tenant (above); nothing was written. \
             Run again with --allow-changes to write it with these changes listed in its header",
            changes
        );
        return EXIT_DIFFERENT;
    }
    let warnings: Vec<Diagnostic> = imported
        .warnings
        .iter()
        .filter(|d| !d.is_error())
        .cloned()
        .collect();
    if !warnings.is_empty() {
        let shown = diagnostics::render(&warnings, &label, &imported.text, color_on_stderr());
        let _ = std::io::stderr().lock().write_all(shown.as_bytes());
    }
    match out {
        None => say_raw(&imported.text),
        Some(out) => {
            if let Err(code) = write_new(out, &imported.text) {
                return code;
            }
        }
    }
    if !output().quiet {
        for note in &imported.notes {
            warn!("note: {}", diagnostics::sanitize(note));
        }
        for a in &imported.adopted {
            match &a.refused {
                None => warn!(
                    "adopt: {} `{}`: run {} -Adopt the first time",
                    a.kind,
                    diagnostics::sanitize(&a.name),
                    a.file
                ),
                Some(why) => warn!(
                    "adopt: {} `{}`: {}",
                    a.kind,
                    diagnostics::sanitize(&a.name),
                    why
                ),
            }
        }
        if !imported.changes.in_sync() {
            warn!("{}", changes.trim_end());
        }
        if let Some(out) = out {
            say!(
                "wrote {}; next: mailflowc drift {} --tenant {}",
                out.display(),
                out.display(),
                export.display()
            );
        }
    }
    EXIT_OK
}

fn drift(path: &Path, export: &Path, format: DriftFormat) -> u8 {
    use crate::targets::{drift, state};
    let (_, topology) = match analyze_file(path) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let json = match read_export(export) {
        Ok((_, json)) => json,
        Err(code) => return code,
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
