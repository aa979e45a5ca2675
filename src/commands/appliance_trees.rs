//! `build`'s shared appliances: which relay guards a call writes, and which
//! tenants it must refuse so that no guard drops a tenant's mail.

use super::outcome::Outcome;
use super::{Exit, Settings};
use crate::fleet::appliance::Refusal;
use std::path::PathBuf;

/// One shared appliance's tree, to write beside the fleet's trees.
pub(super) struct ApplianceTree {
    pub(super) display: String,
    pub(super) dir: PathBuf,
    /// How to build the fleet again, for a stale tree.
    pub(super) fleet: String,
    pub(super) files: crate::targets::Files,
}

/// Stops a tenant that compiled: nothing of it is written.
fn refuse(outcome: &mut Outcome, code: Exit, result: &str, message: String) {
    outcome.topology = None;
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
pub(super) fn appliance_trees(
    files: &[PathBuf],
    outs: &[PathBuf],
    outcomes: &mut [Outcome],
    fleet: bool,
    check: bool,
    settings: &Settings,
) -> Vec<ApplianceTree> {
    use crate::targets::cisco::appliance::{self, Tenant};
    let label_of = |o: &Outcome| {
        o.topology
            .as_ref()
            .and_then(appliance::label)
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
    let parent = |i: usize| crate::trees::parent_dir(&outs[i]);
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
            outcomes[0].topology.as_ref().and_then(|topology| {
                crate::fleet::appliance::not_accepted(
                    &fleet.join(appliance::tree(&label)),
                    Tenant {
                        stem: &stems[0],
                        topology,
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
                (Exit::Different, "stale")
            } else {
                (Exit::Failure, "not written")
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
        let models: Vec<_> = outcomes.iter().map(|o| o.topology.as_ref()).collect();
        crate::fleet::groups(&stems, &models, parent)
    };
    let mut trees = Vec::new();
    for crate::fleet::Group {
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
            .map(|i| (stems[i].as_str(), outcomes[i].topology.is_some()))
            .collect();
        let refusal = crate::fleet::appliance::refusal(&fleet, &label, &in_call);
        let rendered = if !conflicted && refusal.is_none() {
            let models: Vec<_> = outcomes.iter().map(|o| o.topology.as_ref()).collect();
            let tenants = crate::fleet::tenants_of(&stems, &models, &members);
            let order: Vec<usize> = (0..tenants.len()).collect();
            Some(appliance::files(
                &label,
                &tenants,
                &order,
                None,
                super::build::tree_language(&dir, settings),
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
                        Exit::Failure,
                        "internal error",
                        format!("internal error: appliance `{label}`: template error: {error:#}"),
                    );
                }
            }
            None => {
                for &i in &members {
                    let own = conflicts.remove(&i).unwrap_or_default();
                    let message = match &refusal {
                        Some(Refusal::Unreadable(why)) => {
                            format!("error: not built: appliance `{label}`'s relay guard: {why}")
                        }
                        Some(Refusal::LeftOut(left_out)) => {
                            let named = |(stem, in_call): &(String, bool)| {
                                // A name from a manifest or a directory: outside text.
                                let shown = crate::diagnostics::sanitize(stem);
                                if *in_call {
                                    format!("`{shown}` (it has errors)")
                                } else {
                                    format!(
                                        "`{shown}` (not in this build; its tree `{}` is still \
                                         there: delete that tree if the tenant has left the \
                                         appliance)",
                                        crate::diagnostics::sanitize(
                                            &fleet.join(stem).display().to_string()
                                        )
                                    )
                                }
                            };
                            format!(
                                "error: not built: appliance `{label}`'s relay guard also accepts \
                                 {}, and a guard without it would drop its mail; then build the \
                                 whole fleet (`mailflowc build {}`)",
                                left_out.iter().map(named).collect::<Vec<_>>().join(", "),
                                fleet_dir(i)
                            )
                        }
                        None if own.is_empty() => format!(
                            "error: not built: tenants of appliance `{label}` conflict (MF0522, \
                             above), and its relay guard is one for all of them"
                        ),
                        None => String::new(),
                    };
                    let code = if refusal.is_none() {
                        Exit::Invalid
                    } else {
                        Exit::Failure
                    };
                    let outcome = &mut outcomes[i];
                    outcome.found.extend(own);
                    outcome.topology = None;
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
