//! The command line: arguments → settings and one command → an exit code.
//! This file only parses (clap) and dispatches; each command is a file of
//! [`crate::commands`].
//!
//! Exit codes, the same for every command ([`EXIT_CODES`], printed by
//! `mailflowc explain exit-codes`): 0 success, 1 the topology has errors,
//! 2 usage, I/O or internal error (a panic included), 3 a difference was found.
//!
//! Output never panics: a closed stdout or stderr (`mailflowc print-ir | head`)
//! ends the output quietly, and the command keeps its exit code.

use crate::commands::settings::{
    AuditFormat, ColorChoice, DnsCheckFormat, DriftFormat, PlanFormat, Reporting, SideReporting,
};
use crate::commands::{self, Exit, Settings};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use crate::commands::EXIT_CODES;

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
        /// fragments and desired state are the same in every language)
        /// [default: the language the tree was built in, else en]. The tree
        /// records it, so a later `build` or `build --check` keeps it.
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
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
        /// The gateway's inbound connector, by name, where the export cannot
        /// prove which it is (several Partner connectors for every sender
        /// domain and no lock-down that tells them apart): import never
        /// picks one.
        #[arg(long, value_name = "NAME")]
        gateway_connector: Option<String>,
        #[command(flatten)]
        reporting: SideReporting,
    },
    /// Ask each routed domain's authoritative name servers (or --server) for
    /// its MX records and compare them, and their served TTL, with a DNS
    /// phase. Only an answer to the question asked is used (a truncated one
    /// is asked again over TCP). Exit 0 when every domain matches; 3 when
    /// one differs (NXDOMAIN included) and every one could be asked; 2 when
    /// a domain could not be asked (no answer, SERVFAIL, REFUSED, ...), or on
    /// a usage or I/O error; 1 when the topology has errors.
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
        /// Text (with -q, only what is wrong), or JSON: one document with
        /// each domain's status (ok, differs, could-not-ask), server, wanted
        /// and found records, and problems.
        #[arg(long, value_enum, default_value = "text")]
        format: DnsCheckFormat,
        #[command(flatten)]
        reporting: SideReporting,
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

/// `build --lang`: English, or Japanese (日本語).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LangArg {
    En,
    Ja,
}

#[derive(Debug, Subcommand)]
enum VendorsAction {
    /// Show one vendor: what the catalog supplies, from which page, of which date.
    Show {
        /// The vendor id (or an alias).
        name: String,
    },
}

pub fn main() -> ExitCode {
    // A panic is a bug: report it as one, never as Rust's exit 101.
    std::panic::set_hook(Box::new(|info| {
        commands::warn_line(&format!(
            "internal error: mailflowc crashed ({info}).\n\
             This is a bug in mailflowc; please report it with the topology that caused it."
        ));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                Exit::Failure.code()
            } else {
                Exit::Ok.code()
            });
        }
    };
    let settings = Settings {
        color: cli.color,
        quiet: cli.quiet,
        verbose: cli.verbose,
        ..Settings::default()
    };
    let exit = std::panic::catch_unwind(|| run(cli.command, settings)).unwrap_or(Exit::Failure);
    ExitCode::from(exit.code())
}

/// The settings with a command's reporting, then the command.
fn reporting(
    settings: Settings,
    reporting: Reporting,
    command: impl FnOnce(&Settings) -> Exit,
) -> Exit {
    match settings.with_reporting(reporting) {
        Ok(settings) => command(&settings),
        Err(exit) => exit,
    }
}

/// A command whose own report is on stdout: the topology's diagnostics go
/// to stderr.
fn side_reporting(
    settings: Settings,
    side: SideReporting,
    command: impl FnOnce(&Settings) -> Exit,
) -> Exit {
    let settings = Settings {
        diagnostics_on_stderr: true,
        ..settings
    };
    reporting(settings, side.into_reporting(), command)
}

fn run(command: Command, settings: Settings) -> Exit {
    commands::debug_panic(None);
    match command {
        Command::Build {
            topologies,
            reporting: how,
            out,
            check,
            lang,
        } => {
            let settings = Settings {
                lang: lang.map(|lang| match lang {
                    LangArg::En => crate::targets::Lang::En,
                    LangArg::Ja => crate::targets::Lang::Ja,
                }),
                ..settings
            };
            reporting(settings, how, |s| {
                commands::build::build(&topologies, out, check, s)
            })
        }
        Command::Check {
            topologies,
            reporting: how,
        } => reporting(settings, how, |s| commands::check::check(&topologies, s)),
        Command::Explain { code } => commands::explain::explain(code.as_deref()),
        Command::Reveal { topology, out } => commands::reveal::reveal(&topology, out, &settings),
        Command::Vendors { action: None } => commands::vendors::list(),
        Command::Vendors {
            action: Some(VendorsAction::Show { name }),
        } => commands::vendors::show(&name),
        Command::PrintIr { topology } => commands::print::print_ir(&topology, &settings),
        Command::PrintPlan { topology } => commands::print::print_plan(&topology, &settings),
        Command::Drift {
            topology,
            tenant,
            format,
            reporting: side,
        } => side_reporting(settings, side, |s| {
            commands::drift::drift(&topology, &tenant, format, s)
        }),
        Command::Audit {
            tenant,
            topology,
            format,
            reporting: side,
        } => side_reporting(settings, side, |s| {
            commands::audit::audit(topology.as_deref(), &tenant, format, s)
        }),
        Command::Import {
            tenant,
            out,
            allow_changes,
            gateway_connector,
            reporting: side,
        } => side_reporting(settings, side, |s| {
            commands::import::import(
                &tenant,
                out.as_deref(),
                allow_changes,
                gateway_connector.as_deref(),
                s,
            )
        }),
        Command::DnsCheck {
            topology,
            phase,
            server,
            format,
            reporting: side,
        } => side_reporting(settings, side, |s| {
            commands::dns_check::dns_check(&topology, &phase, server.as_deref(), format, s)
        }),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut command, "mailflowc", &mut text);
            commands::say_raw(&String::from_utf8_lossy(&text));
            Exit::Ok
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut text = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut text) {
                Ok(()) => {
                    commands::say_raw(&String::from_utf8_lossy(&text));
                    Exit::Ok
                }
                Err(error) => {
                    commands::warn_line(&format!("internal error: {error}"));
                    Exit::Failure
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
            reporting: side,
        } => {
            let how = commands::plan::PlanHow {
                format,
                summary,
                full,
            };
            side_reporting(settings, side, |s| {
                commands::plan::plan(&topologies, out, base.as_deref(), how, s)
            })
        }
        Command::Schema { partial } => {
            let schema = crate::parse::json_schema::json_schema(partial);
            commands::print_json(&schema)
        }
        Command::Init { path, answers } => commands::init::init(&path, answers, &settings),
    }
}
