//! The Exchange Online plan: one step per script, each with the complete
//! wanted state of the objects it owns. Every setting's steps come from its
//! own file (`exchange::settings`); this adds what belongs to the tenant as
//! a whole: the preflight, converge and the read-only verify.
//!
//! File names carry a two-digit prefix in run order: inbound (10–40), then
//! outbound (50, 60), then the lock-down (70), which must run last, after MX
//! cutover. Rollback scripts are numbered in the order to undo things: the
//! most recent change first.
//!
//! `tests/powershell.rs` checks every emitted cmdlet and parameter against
//! Microsoft's cmdlet reference.

use crate::exchange::settings;
use crate::model::Topology;
use crate::parse::EfMode;
use crate::targets::plan::{Action, Object, Phase, Step, Target};

/// What a script does, with the data its template needs.
#[derive(Debug, Clone)]
pub enum Script {
    /// Session, accepted domains, conflicts, organization customization.
    Preflight {
        domains: Vec<String>,
        /// The gateway's entries, to find conflicting connectors and rules.
        entries: Vec<String>,
        /// Every object name mailflowc manages, to find unmarked namesakes.
        names: Vec<String>,
        enhanced_filtering: bool,
        /// Each routed domain's Microsoft 365 MX host, as the topology has
        /// it, to compare with what Exchange expects.
        microsoft365_mx: Vec<(String, String)>,
        /// The tenant's onmicrosoft.com domain when the lock-down will
        /// cover it: what would stop arriving is listed first.
        lockdown_tenant: Option<String>,
    },
    /// A setting's apply or undo script (`exchange::settings`).
    Setting(settings::Script),
    /// Read-only: compare the tenant with every managed object's wanted
    /// state; optionally export what was read.
    Verify {
        objects: Vec<Object>,
        ef_on: bool,
        names: Vec<String>,
        outbound_rule: Option<String>,
        /// The gateway's addresses as Exchange takes them, whether or not
        /// the allow list holds them: another SCL -1 rule for them is a
        /// conflict with Enhanced Filtering.
        gateway_addresses: Vec<String>,
        /// What each setting says verify needs of it.
        settings: minijinja::Value,
    },
    /// Remove what an earlier run added and the topology no longer wants:
    /// objects of roles not planned, and what each setting says converge
    /// needs of it (allow-list entries not wanted, ARC sealers, Reject
    /// Direct Send's recorded value).
    Converge {
        roles: Vec<String>,
        settings: minijinja::Value,
    },
}

impl Script {
    /// The objects this script owns, for the generic plan.
    fn objects(&self) -> Vec<Object> {
        match self {
            Script::Preflight { .. } => Vec::new(),
            Script::Setting(script) => script.objects.clone(),
            Script::Converge { .. } | Script::Verify { .. } => Vec::new(),
        }
    }
}

/// One Exchange step: the generic step, the script that carries it out and
/// its help text.
#[derive(Debug, Clone)]
pub struct ExchangeStep {
    pub step: Step,
    pub script: Script,
}

/// The steps being assembled.
struct Steps {
    out: Vec<ExchangeStep>,
}

impl Steps {
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        slug: &str,
        file: &str,
        phase: Phase,
        title: &str,
        summary: &str,
        script: Script,
    ) {
        self.out.push(ExchangeStep {
            step: Step {
                id: format!("exchange.{slug}"),
                target: Target::Exchange,
                phase,
                action: Action::Apply,
                file: format!("exchange/{file}"),
                title: title.to_owned(),
                summary: summary.to_owned(),
                objects: script.objects(),
                undo: None,
            },
            script,
        });
    }
}

/// A rollback step, collected in apply order and numbered in undo order.
struct Rollback {
    /// The slug of the step it undoes.
    undoes: &'static str,
    slug: &'static str,
    phase: Phase,
    title: &'static str,
    script: Script,
}

/// Every Exchange step, applying ones in run order, then the rollbacks in
/// undo order.
pub fn plan(topology: &Topology) -> Vec<ExchangeStep> {
    let inbound = &topology.inbound;
    let names = &topology.names;
    let domains = &topology.organization.domains;
    let exchange_entries = topology.gateway.egress.ipv4_exchange_entries();
    let lockdown_tenant = inbound
        .lockdown
        .as_ref()
        .filter(|l| l.onmicrosoft)
        .map(|_| topology.organization.tenant.clone());
    let mut set = Steps { out: Vec::new() };

    set.apply(
        "preflight",
        "00-preflight.ps1",
        Phase::Prepare,
        "Checks the Exchange Online session and prepares the tenant.",
        "checks the session and the accepted domains; enables organization customization if the tenant needs it",
        Script::Preflight {
            domains: domains.clone(),
            entries: exchange_entries.clone(),
            names: {
                let mut all = vec![
                    names.inbound_connector.clone(),
                    names.lockdown_connector.clone(),
                    names.scl_bypass_rule.clone(),
                    names.outbound_connector.clone(),
                    names.outbound_rule.clone(),
                ];
                all.sort();
                all
            },
            enhanced_filtering: inbound.enhanced_filtering.mode != EfMode::Off,
            microsoft365_mx: topology
                .organization
                .microsoft365_mx
                .iter()
                .map(|r| (r.domain.clone(), r.host.clone()))
                .collect(),
            lockdown_tenant,
        },
    );

    let mut rollbacks = Vec::new();
    // Every setting the topology wants, each from its own file.
    for setting in settings::SETTINGS {
        let Some((apply, undo)) = setting.steps(topology) else {
            continue;
        };
        let slug = setting.slug();
        set.apply(
            slug,
            apply.file,
            apply.phase,
            apply.title,
            apply.summary,
            Script::Setting(apply.script),
        );
        rollbacks.push(Rollback {
            undoes: slug,
            slug: undo.slug,
            phase: apply.phase,
            title: undo.title,
            script: Script::Setting(undo.script),
        });
    }
    // In run order, which each file's number says; the rollbacks in the
    // same order, to be undone from the last.
    set.out.sort_by_key(|s| file_number(&s.step.file));
    rollbacks.sort_by_key(|r| apply_number(&set.out, r.undoes));

    // Convergence, last: what earlier runs added and this topology retires.
    let mut roles: Vec<String> = set
        .out
        .iter()
        .flat_map(|s| s.step.objects.iter())
        .filter_map(|o| o.marker.as_deref())
        .map(|m| m.trim_start_matches("mailflowc:").to_owned())
        .collect();
    roles.sort();
    roles.dedup();
    set.apply(
        "converge",
        "80-converge.ps1",
        Phase::Stabilize,
        "Removes what earlier runs added and the topology no longer wants.",
        "removes objects mailflowc marked for a role this topology no longer has, and allow-list entries and ARC sealers it added that are no longer wanted",
        Script::Converge {
            roles,
            settings: settings::converge_context(topology),
        },
    );

    // The read-only check, from the same wanted state.
    let managed: Vec<Object> = set
        .out
        .iter()
        .flat_map(|s| s.step.objects.iter())
        .filter(|o| o.marker.is_some())
        .cloned()
        .collect();
    let all_names = match set.out.first().map(|s| &s.script) {
        Some(Script::Preflight { names, .. }) => names.clone(),
        _ => Vec::new(),
    };
    set.apply(
        "verify",
        "verify.ps1",
        Phase::Stabilize,
        "Compares the tenant with the wanted state, read-only.",
        "compares every managed object, the allow list, the ARC sealers, the SPF and Reject Direct Send settings with the wanted state, changes nothing; exit 3 on drift; -ExportPath writes what it read for `mailflowc drift`",
        Script::Verify {
            objects: managed,
            ef_on: inbound.enhanced_filtering.mode != EfMode::Off,
            names: all_names,
            outbound_rule: topology.outbound.as_ref().map(|_| names.outbound_rule.clone()),
            gateway_addresses: topology.gateway.egress.ipv4_exchange_entries(),
            settings: settings::verify_context(topology),
        },
    );

    // A rollback's number mirrors the step it undoes (100 minus its number),
    // so rollbacks sort in undo order and adding a feature renames nothing.
    for rollback in rollbacks.into_iter().rev() {
        let id = format!("exchange.rollback.{}", rollback.undoes);
        if let Some(applied) = set
            .out
            .iter_mut()
            .find(|s| s.step.id == format!("exchange.{}", rollback.undoes))
        {
            applied.step.undo = Some(id.clone());
        }
        set.out.push(ExchangeStep {
            step: Step {
                id,
                target: Target::Exchange,
                phase: rollback.phase,
                action: Action::Undo,
                file: format!(
                    "exchange/rollback/{}-{}.ps1",
                    100 - apply_number(&set.out, rollback.undoes),
                    rollback.slug
                ),
                title: rollback.title.to_owned(),
                summary: String::new(),
                objects: rollback.script.objects(),
                undo: None,
            },
            script: rollback.script,
        });
    }
    set.out
}

/// The two-digit number of the applying step `slug`.
fn apply_number(steps: &[ExchangeStep], slug: &str) -> u32 {
    let id = format!("exchange.{slug}");
    steps
        .iter()
        .find(|s| s.step.id == id)
        .map_or(0, |s| file_number(&s.step.file))
}

/// The two-digit number a step's file starts with (0 without one).
fn file_number(path: &str) -> u32 {
    path.rsplit('/')
        .next()
        .and_then(|file| file.get(..2))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
