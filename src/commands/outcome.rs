//! What each topology of a call came to, and how a call reports: the
//! diagnostics in the chosen format, each topology's lines, the summary.

use super::input::{load_topology, read_topology, Input};
use super::settings::DiagnosticFormat;
use super::settings::DENIED_UNLESS_ALLOWED;
use super::{debug_panic, Exit, Settings};
use crate::diagnostics::{self, Diagnostic, Sources};
use crate::pipeline::CompileError;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What one topology of a call came to.
#[derive(Default)]
pub(super) struct Outcome {
    /// How the topology is named in messages.
    pub(super) display: String,
    pub(super) sources: Option<Sources>,
    /// The diagnostics shown (after `--allow`).
    pub(super) found: Vec<Diagnostic>,
    pub(super) code: Exit,
    /// Lines for stdout and for stderr, printed in the order of the inputs.
    pub(super) out: Vec<String>,
    pub(super) err: Vec<String>,
    /// Files written or compared.
    pub(super) files: usize,
    /// What happened, for the summary table.
    pub(super) result: String,
    /// `plan`: the changes, for a fleet's grouped report.
    pub(super) plan: Option<crate::targets::diff::PlanDiff>,
    /// The topology's file name, as the generated files name their source.
    pub(super) file_name: String,
    /// The model: `check`'s, for what only the whole call can check;
    /// `build`'s, until the whole call is known to be writable.
    pub(super) topology: Option<crate::model::Topology>,
    /// A shared appliance's tree, not a topology's.
    pub(super) appliance: bool,
}

impl Outcome {
    pub(super) fn errors(&self) -> usize {
        self.found.iter().filter(|d| d.is_error()).count()
    }

    pub(super) fn warnings(&self) -> usize {
        self.found.len() - self.errors()
    }

    /// Keeps the diagnostics to report; true when they stop the command.
    pub(super) fn diagnostics(&mut self, found: &[Diagnostic], settings: &Settings) -> bool {
        let (found, denied) = settings.filter(found);
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
pub(super) fn collect_all(
    files: &[PathBuf],
    settings: &Settings,
    work: impl Fn(&Input, usize) -> Outcome + Sync,
) -> Vec<Outcome> {
    use rayon::prelude::*;
    let progress = progress_bar(files.len(), settings);
    let outcomes: Vec<Outcome> = files
        .par_iter()
        .enumerate()
        .map(|(index, path)| {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let input = match load_topology(path, settings) {
                    Ok(input) => input,
                    Err(message) => {
                        return Outcome {
                            display: path.display().to_string(),
                            code: Exit::Failure,
                            err: vec![message],
                            result: "cannot read".to_owned(),
                            ..Outcome::default()
                        }
                    }
                };
                debug_panic(Some(&input.file_name));
                let mut outcome = work(&input, index);
                outcome.display = input.display.clone();
                outcome.file_name = input.file_name.clone();
                outcome.sources = Some(input.sources);
                outcome
            }))
            .unwrap_or_else(|_| Outcome {
                display: path.display().to_string(),
                code: Exit::Failure,
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
pub(super) fn progress_bar(count: usize, settings: &Settings) -> Option<indicatif::ProgressBar> {
    const FROM: usize = 20;
    if count < FROM || settings.quiet || !std::io::stderr().is_terminal() {
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

/// Prints the diagnostics in the chosen format, then each topology's lines,
/// then the summary.
pub(super) fn print_outcomes(outcomes: &[Outcome], settings: &Settings) {
    let reporting = &settings.reporting;
    let quiet = settings.quiet;
    // A JSON or SARIF document on stdout leaves no room there for the
    // command's own lines; `plan` and `drift` put the document on stderr.
    let machine = matches!(
        reporting.format,
        DiagnosticFormat::Json | DiagnosticFormat::Sarif
    ) && !settings.diagnostics_on_stderr;
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
            settings.diagnostics_out(&text);
        }
        DiagnosticFormat::Sarif => {
            let reports: Vec<(&Sources, &[Diagnostic])> = outcomes
                .iter()
                .filter_map(|o| o.sources.as_ref().map(|s| (s, o.found.as_slice())))
                .collect();
            let failed: Vec<String> = failures(outcomes).into_iter().map(|(_, f)| f).collect();
            let log = diagnostics::formats::sarif(&reports, &failed);
            let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
            text.push('\n');
            settings.diagnostics_out(&text);
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
            for (file, failure) in failures(outcomes) {
                let file = file.map_or_else(String::new, |f| {
                    format!("file={},", diagnostics::formats::github_property(&f))
                });
                text.push_str(&format!(
                    "::error {file}title=mailflowc::{}\n",
                    diagnostics::formats::github_data(&failure)
                ));
            }
            let errors = outcomes.iter().map(Outcome::errors).sum();
            let warnings = outcomes.iter().map(Outcome::warnings).sum();
            text.push_str(&diagnostics::formats::github_summary(
                &what, errors, warnings,
            ));
            settings.diagnostics_out(&text);
        }
        DiagnosticFormat::Human => {}
    }
    let mut shown_in_bases = std::collections::HashSet::new();
    let mut repeated = 0;
    for o in outcomes {
        if matches!(reporting.format, DiagnosticFormat::Human) && !o.found.is_empty() {
            if let Some(sources) = &o.sources {
                use std::io::Write as _;
                // A finding in a shared base is shown once, for the first
                // tenant that extends it, not once per tenant.
                let shown: Vec<Diagnostic> = o
                    .found
                    .iter()
                    .filter(|d| {
                        let (file, local) = sources.localize(d);
                        file == 0
                            || shown_in_bases.insert((
                                sources.files()[file].name.clone(),
                                local.span.clone().map(|s| (s.start, s.end)),
                                d.code.id(),
                                d.message.clone(),
                            ))
                    })
                    .cloned()
                    .collect();
                if shown.is_empty() {
                    repeated += 1;
                } else {
                    if outcomes.len() > 1 {
                        warn!("── {}", diagnostics::sanitize(&o.display));
                    }
                    let text =
                        diagnostics::render_sources(&shown, sources, settings.color_on_stderr());
                    let _ = std::io::stderr().lock().write_all(text.as_bytes());
                    warn!("{} error(s), {} warning(s)", o.errors(), o.warnings());
                }
            }
        }
        for line in &o.err {
            warn!("{line}");
        }
        // `-q` keeps what is wrong: a stale tree's lines say why a check
        // failed, and a pre-commit hook shows nothing else.
        if !quiet || o.code == Exit::Different {
            for line in &o.out {
                if machine {
                    warn!("{line}");
                } else {
                    say!("{line}");
                }
            }
        }
    }
    if repeated > 0 {
        warn!(
            "(the same finding(s) of a shared base, shown above, also concern {repeated} other \
             topolog{})",
            if repeated == 1 { "y" } else { "ies" }
        );
    }
    if outcomes.len() > 1 && !quiet {
        let table = summary(outcomes);
        // Never into a document on stdout: the diagnostics' (JSON, SARIF)
        // or the command's own report (`plan`: Markdown, JSON Lines).
        if machine || settings.diagnostics_on_stderr {
            warn!("{table}");
        } else {
            say!("{table}");
        }
    }
}

/// What failed outside the diagnostics, one message per topology: a stale
/// tree (`build --check`), a file that cannot be read or written, a crash.
pub(super) fn failures(outcomes: &[Outcome]) -> Vec<(Option<String>, String)> {
    outcomes
        .iter()
        .filter(|o| o.code == Exit::Failure || o.code == Exit::Different)
        .map(|o| {
            let lines: Vec<&str> = o
                .err
                .iter()
                .chain(o.out.iter())
                .map(String::as_str)
                .collect();
            // A topology's own file, where an annotation shows it (a shared
            // appliance's tree has none).
            let file = (!o.appliance && o.sources.is_some()).then(|| o.display.clone());
            (file, format!("{}: {}", o.display, lines.join("\n")))
        })
        .collect()
}

/// The fleet summary: one row per topology.
pub(super) fn summary(outcomes: &[Outcome]) -> String {
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
    // What each kind of row came to: ok, a difference (a stale tree, a
    // plan with changes: exit 3, so never counted ok), or failed.
    let counts = |appliance: bool| {
        let rows: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.appliance == appliance)
            .collect();
        let count = |codes: &[Exit]| rows.iter().filter(|o| codes.contains(&o.code)).count();
        (
            rows.len(),
            count(&[Exit::Ok]),
            count(&[Exit::Different]),
            count(&[Exit::Invalid, Exit::Failure]),
        )
    };
    let line = |what: &str, (rows, ok, differ, failed): (usize, usize, usize, usize)| {
        let differ = if differ > 0 {
            format!(" {differ} differ,")
        } else {
            String::new()
        };
        format!("{rows} {what}: {ok} ok,{differ} {failed} failed")
    };
    text.push_str(&line("topologies", counts(false)));
    let appliances = counts(true);
    if appliances.0 > 0 {
        text.push_str(&format!("; {}", line("appliance(s)", appliances)));
    }
    text
}

/// Reports a compilation that failed in an outcome.
pub(super) fn failed_into(outcome: &mut Outcome, error: CompileError, settings: &Settings) {
    match error {
        CompileError::Invalid(found) => {
            outcome.diagnostics(&found, settings);
            outcome.code = Exit::Invalid;
            outcome.result = "has errors".to_owned();
        }
        CompileError::Internal(message) => {
            outcome.err.push(format!("internal error: {message}"));
            outcome.code = Exit::Failure;
            outcome.result = "internal error".to_owned();
        }
    }
}

/// Prints the diagnostics of a single-topology command, the way a call with
/// several prints them; true when a denied warning must stop it.
pub(super) fn report(input: &Input, found: &[Diagnostic], settings: &Settings) -> bool {
    let mut outcome = Outcome {
        display: input.display.clone(),
        sources: Some(input.sources.clone()),
        ..Outcome::default()
    };
    let denied = outcome.diagnostics(found, settings);
    print_outcomes(&[outcome], settings);
    denied
}

/// Reports a compilation that failed; the exit code to stop with.
pub(super) fn failed(input: &Input, error: CompileError, settings: &Settings) -> Exit {
    match error {
        CompileError::Invalid(found) => {
            let _ = report(input, &found, settings);
            Exit::Invalid
        }
        CompileError::Internal(message) => {
            warn!("internal error: {message}");
            Exit::Failure
        }
    }
}

/// Parses and checks one topology of a call, keeping its diagnostics in the
/// outcome; the model, or `None` with the outcome marked as having errors.
pub(super) fn analyzed(
    input: &Input,
    outcome: &mut Outcome,
    settings: &Settings,
) -> Option<crate::model::Topology> {
    let (topology, found) = crate::pipeline::analyze_sources(&input.sources, &input.context());
    let denied = outcome.diagnostics(&found, settings);
    let topology = topology.filter(|_| !denied);
    if topology.is_none() {
        outcome.result = "has errors".to_owned();
        outcome.code = Exit::Invalid;
    }
    topology
}

/// Reads, parses and checks a topology, printing every diagnostic; the model
/// when it has no errors, otherwise the exit code to stop with.
pub(super) fn analyze_file(
    path: &Path,
    settings: &Settings,
) -> Result<(Input, crate::model::Topology), Exit> {
    let input = read_topology(path, settings)?;
    let (topology, found) = crate::pipeline::analyze_sources(&input.sources, &input.context());
    let denied = report(&input, &found, settings);
    match topology {
        Some(topology) if !denied => Ok((input, topology)),
        _ => Err(Exit::Invalid),
    }
}
