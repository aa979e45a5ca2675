//! `mailflowc plan`: what a change does, against the tree on disk or a
//! base revision; a fleet's plans grouped into one report.

use super::input::{interrupted, topologies_and_trees, Input};
use super::outcome::{analyzed, collect_all, print_outcomes, Outcome};
use super::settings::PlanFormat;
use super::{Exit, Settings};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// How many tenants a plan against a revision plans at a time.
const PLAN_CHUNK: usize = 256;

/// How `plan` reports.
pub struct PlanHow {
    pub format: Option<PlanFormat>,
    pub summary: bool,
    pub full: Option<PathBuf>,
}

pub fn plan(
    paths: &[PathBuf],
    out: Option<PathBuf>,
    base: Option<&str>,
    how: PlanHow,
    settings: &Settings,
) -> Exit {
    let Some((files, outs)) = topologies_and_trees(paths, out.as_deref()) else {
        return Exit::Failure;
    };
    if files.len() > 1 && base.is_some_and(|b| Path::new(b).is_file()) {
        warn!("error: `--base FILE` compares one topology; give a git revision for several");
        return Exit::Failure;
    }
    // A revision is opened once for the whole call: one batch reader, not
    // git processes per tenant.
    let (revision, file) = match crate::trees::BaseSource::open(&outs[0], base) {
        Ok(found) => found,
        Err(message) => {
            warn!("error: {message}");
            return Exit::Failure;
        }
    };
    let base = match (&revision, file) {
        (Some(revision), _) => crate::trees::BaseSource::Revision(revision),
        (None, Some(file)) => crate::trees::BaseSource::File(file),
        (None, None) => crate::trees::BaseSource::Disk,
    };
    let base = &base;
    // Against the trees on disk, a fleet build killed while writing them
    // leaves old and new side by side: no plan can be read from them.
    if matches!(base, crate::trees::BaseSource::Disk) && interrupted(&outs) {
        return Exit::Failure;
    }
    let format = how.format.unwrap_or(if std::io::stdout().is_terminal() {
        PlanFormat::Text
    } else {
        PlanFormat::Markdown
    });
    let several = files.len() > 1;
    // Against a revision, the tenants are planned a chunk at a time while
    // the next chunk's committed desired states are read ahead through the
    // one git process: git's reading overlaps the planning, and no more
    // than two chunks of them are held at once.
    let chunks: Vec<std::ops::Range<usize>> = match &revision {
        Some(_) => (0..files.len())
            .step_by(PLAN_CHUNK)
            .map(|start| start..(start + PLAN_CHUNK).min(files.len()))
            .collect(),
        None => std::iter::once(0..files.len()).collect(),
    };
    let read_ahead = |range: &std::ops::Range<usize>| {
        if let Some(revision) = &revision {
            let paths: Vec<String> = outs[range.clone()]
                .iter()
                .filter_map(|o| crate::trees::committed_state_path(o, revision).ok())
                .collect();
            // A failure here is met again, and reported, tenant by tenant.
            let _ = revision.read_ahead(&paths);
        }
    };
    let mut outcomes = Vec::with_capacity(files.len());
    std::thread::scope(|scope| {
        if let Some(first) = chunks.first() {
            read_ahead(first);
        }
        for (k, range) in chunks.iter().enumerate() {
            let next = chunks.get(k + 1).map(|n| scope.spawn(|| read_ahead(n)));
            outcomes.extend(collect_all(&files[range.clone()], settings, |input, i| {
                plan_one(
                    input,
                    &outs[range.start + i],
                    base,
                    format,
                    several,
                    how.summary,
                    settings,
                )
            }));
            if let Some(next) = next {
                let _ = next.join();
            }
        }
    });
    if let Some(revision) = &revision {
        revision.forget_ahead();
    }
    let mut report = None;
    if several && format != PlanFormat::Json && outcomes.iter().any(|o| o.plan.is_some()) {
        let planned: Vec<(&str, &crate::targets::diff::PlanDiff)> = outcomes
            .iter()
            .filter_map(|o| o.plan.as_ref().map(|p| (o.display.as_str(), p)))
            .collect();
        let grouped = crate::fleet::plan_report::group(&planned);
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
                return Exit::Failure;
            }
        }
    } else if let (Some(file), [one]) = (&how.full, outcomes.as_slice()) {
        if let Some(plan) = &one.plan {
            if let Err(error) = std::fs::write(file, crate::targets::diff::markdown(plan, false)) {
                warn!("error: cannot write `{}`: {error}", file.display());
                return Exit::Failure;
            }
        }
    }
    for outcome in &mut outcomes {
        outcome.plan = None;
    }
    print_outcomes(&outcomes, settings);
    if let Some(report) = report {
        say!("{}", report.trim_end_matches('\n'));
    }
    Exit::combine(outcomes.iter().map(|o| o.code))
}

fn plan_one(
    input: &Input,
    out: &Path,
    base: &crate::trees::BaseSource,
    format: PlanFormat,
    several: bool,
    summary: bool,
    settings: &Settings,
) -> Outcome {
    use crate::targets::{diff, state};
    let mut outcome = Outcome::default();
    let Some(topology) = analyzed(input, &mut outcome, settings) else {
        return outcome;
    };
    let plan = crate::targets::plan(&topology);
    let new = state::desired_state(&topology, &plan);
    let base_source = base;
    let (base, info) = match crate::trees::read_base(out, base) {
        Ok(found) => found,
        Err(message) => {
            outcome.err.push(format!("error: {message}"));
            outcome.code = Exit::Failure;
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
    let waits = crate::targets::runbook::waits(&topology);
    let mut changes = diff::plan_changes(&base, &new, &order, &waits);
    if changes.apply.iter().any(|a| a.from_base) {
        changes.base_tree = Some(base_tree(
            &info.source,
            out,
            matches!(base_source, crate::trees::BaseSource::Disk),
        ));
    }
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
        outcome.code = Exit::Ok;
    } else {
        outcome.result = format!("{} change(s)", changes.changes.len());
        outcome.code = Exit::Different;
    }
    outcome.plan = Some(changes);
    outcome
}

/// Where the base's tree is (its desired state's directory, or `REV:dir`)
/// and the `-StatePath` of the records beside the tree at `out`: what a
/// script of the base's tree defaults to only when that tree is `out`.
fn base_tree(source: &str, out: &Path, replaced_by_build: bool) -> crate::targets::diff::BaseTree {
    let tree = source
        .strip_suffix(crate::targets::state::DESIRED_STATE_FILE)
        .map(|dir| dir.trim_end_matches(['/', '\\']))
        .map(|dir| match dir {
            "" => ".".to_owned(),
            d if d.ends_with(':') => format!("{d}."),
            d => d.to_owned(),
        })
        .unwrap_or_else(|| source.to_owned());
    // The scripts' default: `mailflowc-state` in the directory that holds
    // the tree (`$PSScriptRoot/../../mailflowc-state` from `exchange/`).
    let state = match (out.file_name(), out.parent()) {
        (Some(_), Some(parent)) if !parent.as_os_str().is_empty() => parent.join("mailflowc-state"),
        (Some(_), _) => PathBuf::from("mailflowc-state"),
        (None, _) => out.join("..").join("mailflowc-state"),
    };
    crate::targets::diff::BaseTree {
        tree,
        state_path: state.display().to_string(),
        replaced_by_build,
    }
}
