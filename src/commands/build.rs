//! `mailflowc build`: every topology of the call compiles, a fleet's shared
//! appliances are checked, and only then is anything written (or, with
//! `--check`, compared).

use super::appliance_trees::appliance_trees;
use super::input::{interrupted, topologies_and_trees, Input};
use super::outcome::{collect_all, failed_into, print_outcomes, Outcome};
use super::{Exit, Settings};
use crate::write::{diff_tree_in, write_tree_in, Listings};
use std::path::{Path, PathBuf};

pub fn build(paths: &[PathBuf], out: Option<PathBuf>, check: bool, settings: &Settings) -> Exit {
    let Some((files, outs)) = topologies_and_trees(paths, out.as_deref()) else {
        return Exit::Failure;
    };
    // A fleet build killed while writing the trees left a record beside
    // them, which `--check` reports (a build finishes it).
    if check && interrupted(&outs) {
        return Exit::Failure;
    }
    let parents: std::collections::BTreeSet<PathBuf> =
        outs.iter().map(|o| crate::trees::parent_dir(o)).collect();
    let listings = Listings::default();
    // Every topology is checked (and a fleet's appliances are) before
    // anything is written: a refused tenant leaves its tree untouched. Only
    // the model is kept meanwhile; each tree is rendered just before it is
    // written or compared, and dropped after, so a fleet's memory does not
    // grow with its tenants' output.
    let mut outcomes = collect_all(&files, settings, |input, _| analyze_one(input, settings));
    let fleet = files.len() > 1 || paths.iter().any(|p| p.is_dir());
    let called = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let appliances = appliance_trees(&files, &outs, &mut outcomes, fleet, check, settings);
    // A fleet's trees are written under a record that the build is under
    // way, in each directory of trees, removed once every tree is written:
    // a build killed midway is seen by every command that reads them.
    // Only the directories this build writes a tree into: a build that
    // writes nothing leaves nothing (not even the directory).
    let recorded: Vec<&PathBuf> = if check || (!fleet && appliances.is_empty()) {
        Vec::new()
    } else {
        parents
            .iter()
            .filter(|dir| {
                outs.iter().zip(&outcomes).any(|(o, outcome)| {
                    outcome.topology.is_some() && crate::trees::parent_dir(o) == **dir
                }) || appliances.iter().any(|a| a.dir.starts_with(dir))
            })
            .collect()
    };
    let finish = finish_command(paths, out.as_deref());
    for dir in &recorded {
        let begun = std::fs::create_dir_all(dir)
            .and_then(|()| listings.hold(dir))
            .and_then(|()| crate::trees::begin_writing(dir, &finish));
        if let Err(error) = begun {
            warn!("error: cannot write in `{}`: {error}", dir.display());
            return Exit::Failure;
        }
    }
    // The shared appliances' guards first: a guard is never older than a
    // tenant's tree that depends on it, even when the build stops midway.
    let mut appliance_outcomes = Vec::new();
    for tree in appliances {
        let mut done = write_or_compare(
            &tree.dir,
            &tree.files,
            &tree.fleet,
            check,
            &listings,
            settings,
        );
        done.display = tree.display;
        done.appliance = true;
        done.files = tree.files.len();
        appliance_outcomes.push(done);
    }
    {
        use rayon::prelude::*;
        outcomes
            .par_iter_mut()
            .enumerate()
            .for_each(|(index, outcome)| {
                let Some(topology) = outcome.topology.take() else {
                    return;
                };
                // What to run again: the one topology, or for a fleet the
                // whole call (a tree of it is only right with the others).
                let shown = if files[index].as_os_str() == "-" {
                    "-".to_owned()
                } else if fleet {
                    called.clone()
                } else {
                    files[index].display().to_string()
                };
                let lang = tree_language(&outs[index], settings);
                let rendered = match crate::targets::emit(&topology, &outcome.file_name, lang) {
                    Ok(rendered) => rendered,
                    Err(error) => {
                        let error = crate::pipeline::CompileError::Internal(format!(
                            "template error: {error:#}"
                        ));
                        failed_into(outcome, error, settings);
                        return;
                    }
                };
                let done =
                    write_or_compare(&outs[index], &rendered, &shown, check, &listings, settings);
                outcome.files = rendered.len();
                outcome.out.extend(done.out);
                outcome.err.extend(done.err);
                outcome.result = done.result;
                outcome.code = done.code;
            });
    }
    outcomes.extend(appliance_outcomes);
    for dir in recorded {
        if let Err(error) = crate::trees::end_writing(dir) {
            warn!("warning: cannot remove `{}`: {error}", dir.display());
        }
    }
    print_outcomes(&outcomes, settings);
    Exit::combine(outcomes.iter().map(|o| o.code))
}

/// The command that builds what this call builds, for the record a fleet
/// build leaves while it writes.
fn finish_command(paths: &[PathBuf], out: Option<&Path>) -> String {
    let mut words = vec!["mailflowc".to_owned(), "build".to_owned()];
    words.extend(
        paths
            .iter()
            .map(|p| crate::targets::runbook::sh_quote(&p.display().to_string())),
    );
    if let Some(out) = out {
        words.push("--out".to_owned());
        words.push(crate::targets::runbook::sh_quote(
            &out.display().to_string(),
        ));
    }
    words.join(" ")
}

/// The language a tree is built in: `--lang` when given, else the one the
/// tree on disk records (English when it records none).
pub(super) fn tree_language(out: &Path, settings: &Settings) -> crate::targets::Lang {
    settings
        .lang
        .unwrap_or_else(|| crate::trees::language(out).unwrap_or_default())
}

/// Checks one topology of a build; its model stays in the outcome until the
/// whole call is known to be writable.
fn analyze_one(input: &Input, settings: &Settings) -> Outcome {
    let mut outcome = Outcome::default();
    let (topology, found) = crate::pipeline::analyze_sources(&input.sources, &input.context());
    let Some(topology) = topology else {
        failed_into(
            &mut outcome,
            crate::pipeline::CompileError::Invalid(found),
            settings,
        );
        return outcome;
    };
    if outcome.diagnostics(&found, settings) {
        outcome.code = Exit::Invalid;
        outcome.result = "warnings denied".to_owned();
        return outcome;
    }
    outcome.topology = Some(topology);
    outcome
}

/// Writes one tree, or compares it with the files (`--check`).
fn write_or_compare(
    out: &Path,
    files: &crate::targets::Files,
    shown: &str,
    check: bool,
    listings: &Listings,
    settings: &Settings,
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
                outcome.code = Exit::Ok;
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
                outcome.code = Exit::Different;
            }
            Err(error) => {
                outcome
                    .err
                    .push(format!("error: cannot read `{}`: {error}", out.display()));
                outcome.result = "cannot read the tree".to_owned();
                outcome.code = Exit::Failure;
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
            if settings.verbose {
                for file in files.keys() {
                    outcome.out.push(format!("  {file}"));
                }
                outcome.out.push(format!(
                    "  in {:.1} ms",
                    started.elapsed().as_secs_f64() * 1000.0
                ));
            }
            outcome.result = format!("wrote {}", out.display());
            outcome.code = Exit::Ok;
        }
        Err(error) => {
            outcome.err.push(format!("error: {error}"));
            outcome.result = "not written".to_owned();
            outcome.code = Exit::Failure;
        }
    }
    outcome
}
