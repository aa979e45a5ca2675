//! `mailflowc reveal`: the files that carry a secret, with the real value,
//! into a directory marked not-for-commit; of a fleet, every tenant's and
//! each shared appliance's relay guard.

use super::input::{expand, load_topology, read_topology};
use super::outcome::{failed, failed_into, print_outcomes, Outcome};
use super::{Exit, Settings};
use crate::pipeline::CompileError;
use crate::write::{marked_ancestor, write_private_tree};
use std::path::{Path, PathBuf};

pub fn reveal(path: &Path, out: Option<PathBuf>, settings: &Settings) -> Exit {
    if path.is_dir() {
        return reveal_fleet(path, out, settings);
    }
    let input = match read_topology(path, settings) {
        Ok(input) => input,
        Err(code) => return code,
    };
    let files =
        match crate::pipeline::reveal_sources(&input.sources, &input.file_name, &input.base_dir) {
            Ok(Some(files)) => files,
            Ok(None) => {
                say!("{}: no outbound secret; nothing to reveal", input.display);
                return Exit::Ok;
            }
            Err(error) => return failed(&input, error, settings),
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
            return Exit::Ok;
        }
    }
    write_revealed(&out, &files)
}

/// Writes a reveal directory, never below a committed build tree.
fn write_revealed(out: &Path, files: &crate::targets::Files) -> Exit {
    let out = out.to_path_buf();
    // Secrets never go below a build tree, which is committed.
    if let Some(tree) = marked_ancestor(&out, crate::targets::MARKER_FILE) {
        warn!(
            "error: `{}` is inside `{}`, a tree `mailflowc build` writes and you commit; reveal the secret somewhere else",
            out.display(),
            tree.display()
        );
        return Exit::Failure;
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
            Exit::Ok
        }
        Err(error) => {
            warn!("error: {error}");
            Exit::Failure
        }
    }
}

/// `reveal` of a fleet's directory: `<tree>/…` for each tenant with a
/// secret, `_appliances/<label>/10-relay-guard-filter.txt` for each shared
/// appliance, in one reveal directory (`revealed/` inside the fleet's
/// directory). Any error, or a conflict on an appliance, writes nothing.
fn reveal_fleet(dir: &Path, out: Option<PathBuf>, settings: &Settings) -> Exit {
    use crate::targets::cisco::appliance;
    let files = match expand(&[dir.to_path_buf()]) {
        Ok(files) => files,
        Err(message) => {
            warn!("{message}");
            return Exit::Failure;
        }
    };
    let stems: Vec<String> = files.iter().map(|f| crate::trees::stem(f)).collect();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut revealed: Vec<Option<(crate::model::Topology, crate::secret::RevealedSecrets)>> =
        Vec::new();
    let mut combined = crate::targets::Files::new();
    for file in &files {
        let mut outcome = Outcome::default();
        let input = match load_topology(file, settings) {
            Ok(input) => input,
            Err(message) => {
                outcome.display = file.display().to_string();
                outcome.err.push(message);
                outcome.code = Exit::Failure;
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
                                settings,
                            );
                        }
                    }
                }
                if outcome.code == Exit::Ok {
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
                failed_into(&mut outcome, error, settings);
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
    let (groups, conflicts) = crate::fleet::groups(&stems, &models, |_| dir.to_path_buf());
    // The fleet's trees, where a build of this directory writes them: a
    // guard revealed without a tenant whose tree still names it would drop
    // that tenant's relayed mail, as a build's would (crate::fleet::appliance).
    let trees = crate::trees::beside(&dir.join("topology.toml"), "generated");
    if let Some(message) = crate::trees::interrupted(&trees) {
        warn!("error: {message}; nothing revealed");
        return Exit::Failure;
    }
    let in_call: std::collections::BTreeMap<&str, bool> = stems
        .iter()
        .zip(&outcomes)
        .map(|(stem, o)| (stem.as_str(), o.code == Exit::Ok))
        .collect();
    let mut refused: Vec<(Vec<usize>, String)> = Vec::new();
    for group in groups {
        if group.members.iter().any(|i| conflicts.contains_key(i)) {
            continue;
        }
        if let Some(refusal) = crate::fleet::appliance::refusal(&trees, &group.label, &in_call) {
            let why = match refusal {
                crate::fleet::appliance::Refusal::Unreadable(why) => why,
                crate::fleet::appliance::Refusal::LeftOut(left_out) => format!(
                    "it also accepts {}, whose tree is still in `{}`; a guard without it would \
                     drop its mail",
                    left_out
                        .iter()
                        .map(|(stem, _)| format!("`{}`", crate::diagnostics::sanitize(stem)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    trees.display()
                ),
            };
            refused.push((
                group.members.clone(),
                format!(
                    "error: appliance `{}`'s relay guard not revealed: {why}",
                    group.label
                ),
            ));
            continue;
        }
        let tenants = crate::fleet::tenants_of(&stems, &models, &group.members);
        let order: Vec<usize> = (0..tenants.len()).collect();
        let secrets: std::collections::BTreeMap<usize, crate::secret::RevealedSecrets> = group
            .members
            .iter()
            .enumerate()
            .filter_map(|(position, &i)| revealed[i].as_ref().map(|(_, s)| (position, s.clone())))
            .collect();
        match appliance::files(
            &group.label,
            &tenants,
            &order,
            Some(&secrets),
            settings.lang.unwrap_or_default(),
        ) {
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
                return Exit::Failure;
            }
        }
    }
    for (members, message) in refused {
        for i in members {
            outcomes[i].code = Exit::Failure;
            outcomes[i].result = "not revealed".to_owned();
            outcomes[i].err.push(message.clone());
        }
    }
    for (index, found) in conflicts {
        let outcome = &mut outcomes[index];
        outcome.found.extend(found);
        outcome.code = Exit::Invalid;
        outcome.result = "has errors".to_owned();
    }
    let code = Exit::combine(outcomes.iter().map(|o| o.code));
    if code != Exit::Ok {
        print_outcomes(&outcomes, settings);
        warn!("error: nothing revealed: correct the errors above");
        return code;
    }
    if combined.is_empty() {
        say!("{}: no outbound secret; nothing to reveal", dir.display());
        return Exit::Ok;
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
