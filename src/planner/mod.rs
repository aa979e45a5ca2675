//! The planner: from what a change does to the paths mail takes, the steps
//! an operator follows, in order, with the waits and the operator's own
//! actions as steps of their own.
//!
//! One rule orders everything, make before break:
//!
//! - a path **opens** receiver first: Exchange accepts a gateway's address
//!   before the gateway delivers from it; the gateway relays (and its guard
//!   accepts a secret) before Exchange routes or stamps; the gateway takes a
//!   domain before its MX points there. Openings run in the runbook's order,
//!   which is that order, with the waits it needs between them: the old MX
//!   TTL between lowering it and the cutover, the days stale MX records live
//!   and the search for direct senders before anything that rejects mail
//!   arriving straight at Microsoft 365;
//! - a path **closes** sender first, then waits until nothing is in flight,
//!   then the receiver: Exchange stops routing to the gateway before the
//!   gateway stops relaying (and the SPF mechanisms leave last); the gateway
//!   stops delivering from an address before Exchange stops accepting it; an
//!   old secret leaves the guard only a `MessageExpiration` after the rule
//!   stopped stamping it.
//!
//! The planner reads what each change is from the desired states (keys,
//! properties, phases), never from a template; `plan` renders its steps,
//! and the simulation (issue 27) checks them against the files an operator
//! runs.

use serde::Serialize;
use std::collections::BTreeSet;

/// What a step asks of the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Run or follow a generated file.
    Run,
    /// Let time pass before the next step.
    Wait,
    /// Something only the operator can do (a command, a check, the gateway's
    /// own console).
    Do,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PlannedStep {
    pub kind: StepKind,
    /// Which wait, action or kind of run it is (`wait.old-ttl`,
    /// `do.direct-senders`, `run.revealed-guard`…), for documents that
    /// word it in their own language; empty for a plain run.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub id: &'static str,
    /// The file to run or follow, relative to its tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The file is in the base's tree only: the new tree no longer has it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_base: bool,
    /// What the step is for, or what to do or wait for.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub what: String,
    /// How long a wait lasts, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

impl PlannedStep {
    fn run(file: &str, from_base: bool) -> Self {
        PlannedStep {
            kind: StepKind::Run,
            id: "",
            file: Some(file.to_owned()),
            from_base,
            what: String::new(),
            duration: None,
        }
    }

    fn wait(id: &'static str, what: String, duration: &str) -> Self {
        PlannedStep {
            kind: StepKind::Wait,
            id,
            file: None,
            from_base: false,
            what,
            duration: Some(duration.to_owned()),
        }
    }

    fn act(id: &'static str, what: String) -> Self {
        PlannedStep {
            kind: StepKind::Do,
            id,
            file: None,
            from_base: false,
            what,
            duration: None,
        }
    }

    /// One line for a reader, without the number.
    pub fn describe(&self) -> String {
        match (self.kind, &self.file) {
            (StepKind::Run, Some(file)) if self.from_base => {
                format!("`{file}` from the base's tree{}", suffix(&self.what))
            }
            (StepKind::Run, Some(file)) => format!("`{file}`{}", suffix(&self.what)),
            (StepKind::Wait, _) => format!(
                "wait {}: {}",
                self.duration.as_deref().unwrap_or(""),
                self.what
            ),
            _ => self.what.clone(),
        }
    }
}

/// A file run to take something away: a gateway's steps and an SPF file
/// say what to remove, the base's tree naming it.
fn closing_run(file: &str, base: bool) -> PlannedStep {
    let (id, what) = if file.ends_with("spf.txt") && !base {
        ("", "")
    } else if file.ends_with("spf.txt") {
        (
            "run.spf-out",
            "take the gateway's mechanisms this file lists out of the domain's SPF record",
        )
    } else if !file.starts_with("exchange/") && !file.starts_with("dns/") {
        (
            "run.remove-on-gateway",
            "remove on the gateway what this file of the base's tree set up",
        )
    } else {
        ("", "")
    };
    PlannedStep {
        id,
        what: what.to_owned(),
        ..PlannedStep::run(file, base)
    }
}

fn suffix(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!(": {what}")
    }
}

/// What one change does to the paths mail takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Adds or widens a path, or changes nothing that carries mail.
    Open,
    /// Rejects mail that did not come through the gateway, where it was
    /// accepted before: a lock-down created or covering another domain,
    /// Reject Direct Send turned on. It waits for stale MX records and for
    /// direct senders to move.
    Restrict,
    /// Exchange stops routing outbound mail to the gateway (the sender).
    StopRouting,
    /// The gateway stops relaying for the tenant (the receiver of outbound
    /// mail), or an SPF mechanism for it leaves.
    StopRelaying,
    /// Exchange (or SPF) stops accepting these gateway addresses.
    StopAccepting(Vec<String>),
    /// The relay guard accepts a new secret beside the old one.
    RotateSecret,
    /// A domain's MX leaves the gateway (its cutover is gone).
    DomainLeaves(String),
    /// The gateway stops taking a domain.
    StopTakingDomain(String),
}

/// One change, as the planner needs it.
#[derive(Debug, Clone)]
pub struct Unit {
    pub effect: Effect,
    /// The files it needs, each with whether it is the base's only.
    pub files: Vec<(String, bool)>,
}

/// What the waits are, for this topology.
#[derive(Debug, Clone)]
pub struct Waits {
    /// The Microsoft 365 MX's TTL today, in words.
    pub old_ttl: String,
    /// How long stale MX records are given before the lock-down.
    pub lockdown: String,
}

/// Exchange Online retries a message for up to its `MessageExpiration`:
/// 12 to 24 hours, 24 by default (`Set-TransportConfig`).
pub const MESSAGE_EXPIRATION: &str = "24 hours";

/// The steps for `units`; `order` is the new tree's files in runbook
/// order, `preflight` and `verify` the new tree's first and last scripts.
pub fn plan(
    units: &[Unit],
    order: &[String],
    preflight: Option<&str>,
    verify: Option<&str>,
    waits: &Waits,
) -> Vec<PlannedStep> {
    let rank = |file: &str| order.iter().position(|f| f == file).unwrap_or(order.len());
    let is_special = |f: &str| Some(f) == preflight || Some(f) == verify;
    let mut closing_files: BTreeSet<&str> = BTreeSet::new();
    for unit in units {
        if !matches!(
            unit.effect,
            Effect::Open | Effect::RotateSecret | Effect::Restrict
        ) {
            closing_files.extend(unit.files.iter().map(|(f, _)| f.as_str()));
        }
    }
    let restricting: BTreeSet<&str> = units
        .iter()
        .filter(|u| u.effect == Effect::Restrict)
        .flat_map(|u| u.files.iter().map(|(f, _)| f.as_str()))
        .collect();
    let mut opening: Vec<(usize, &str, bool)> = Vec::new();
    let mut rotation = false;
    for unit in units {
        rotation |= unit.effect == Effect::RotateSecret;
        if matches!(
            unit.effect,
            Effect::Open | Effect::RotateSecret | Effect::Restrict
        ) {
            for (file, base) in &unit.files {
                if !is_special(file) {
                    opening.push((rank(file), file, *base));
                }
            }
        }
    }
    opening.sort();
    opening.dedup();
    // A relay guard only widens what the gateway accepts (receiver first):
    // it goes right after the gateway's own steps, or first, never after a
    // cutover that lets the new domain's mail through to it.
    if let Some(at) = opening
        .iter()
        .position(|(_, f, _)| f.contains("relay-guard"))
    {
        let guard = opening.remove(at);
        let after_steps = opening
            .iter()
            .rposition(|(_, f, _)| f.ends_with("STEPS.md"))
            .map_or(0, |i| i + 1);
        opening.insert(after_steps, guard);
    }

    let mut steps = Vec::new();
    let touches_exchange = units
        .iter()
        .flat_map(|u| &u.files)
        .any(|(f, _)| f.starts_with("exchange/") && !is_special(f));
    if touches_exchange {
        steps.extend(preflight.map(|p| PlannedStep::run(p, false)));
    }

    // Openings, receiver first (the runbook's order), with their waits.
    let has = |suffix: &str| opening.iter().any(|(_, f, _)| f.ends_with(suffix));
    let lowers_ttl = has("/pre-cutover.zone");
    let moves_mx = has("/cutover.zone");
    let (mut waited_ttl, mut waited_lockdown, mut warned) = (false, false, false);
    for (_, file, base) in &opening {
        if closing_files.contains(file) && !warned && file.starts_with("exchange/") {
            // One script sets the whole list: it cannot add the new
            // addresses without taking the old ones out.
            warned = true;
            steps.push(PlannedStep::act("do.replace-both", format!(
                "`{file}` adds the new addresses and, in the same run, removes the ones leaving, which a gateway may still deliver from until the old MX records are gone: to keep that mail, first apply a topology that lists both, then this one"
            )));
        }
        if file.ends_with("/cutover.zone") && lowers_ttl && !waited_ttl {
            waited_ttl = true;
            steps.push(PlannedStep::wait(
                "wait.old-ttl",
                "the Microsoft 365 MX's old TTL, so no resolver still holds it at its old length"
                    .to_owned(),
                &waits.old_ttl,
            ));
        }
        let rejects = restricting.contains(file);
        if rejects && !waited_lockdown {
            waited_lockdown = true;
            if moves_mx {
                steps.push(PlannedStep::wait(
                    "wait.stale-mx",
                    "stale MX records expire: a sender still holding an old MX record delivers there until then".to_owned(),
                    &waits.lockdown,
                ));
            }
            steps.push(PlannedStep::act(
                "do.direct-senders",
                "find the senders that deliver straight to Microsoft 365 (devices, applications, other services) and move them to the gateway or a connector of their own: what follows rejects them".to_owned(),
            ));
        }
        if file.contains("relay-guard") {
            // The committed guard holds placeholders: pasted, it would drop
            // every relayed message.
            steps.push(PlannedStep::act(
                "do.reveal",
                "run `mailflowc reveal`: the committed guard holds placeholders, the revealed one the secrets".to_owned(),
            ));
            let (id, what) = if rotation {
                (
                    "run.revealed-guard-both",
                    "paste it from the revealed tree: it accepts the new secret and the old one",
                )
            } else {
                ("run.revealed-guard", "paste it from the revealed tree")
            };
            steps.push(PlannedStep {
                id,
                what: what.to_owned(),
                ..PlannedStep::run(file, *base)
            });
            continue;
        }
        steps.push(PlannedStep::run(file, *base));
    }
    if rotation {
        steps.push(PlannedStep::wait(
            "wait.message-expiration",
            "Exchange Online retries a message for up to its MessageExpiration; one stamped with the old secret may still arrive".to_owned(),
            MESSAGE_EXPIRATION,
        ));
        steps.push(PlannedStep::act(
            "do.second-half",
            "second half: remove `previous_value_from` and `previous_sha256` from the topology, build, `mailflowc reveal`, and paste the guard again: it accepts only the new secret".to_owned(),
        ));
    }

    // Closings, sender first, then what is in flight, then the receiver.
    let files_of = |pick: &dyn Fn(&Effect) -> bool| -> Vec<(usize, String, bool)> {
        let mut out: Vec<(usize, String, bool)> = units
            .iter()
            .filter(|u| pick(&u.effect))
            .flat_map(|u| u.files.iter())
            .filter(|(f, _)| !is_special(f))
            .map(|(f, b)| (rank(f), f.clone(), *b))
            .collect();
        out.sort();
        out.dedup();
        out
    };
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut push_runs = |steps: &mut Vec<PlannedStep>, files: Vec<(usize, String, bool)>| {
        for (_, file, base) in files {
            if done.insert(file.clone()) {
                steps.push(closing_run(&file, base));
            }
        }
    };

    // A domain that leaves: its MX back first, then the gateway lets it go.
    let leaving: Vec<&str> = units
        .iter()
        .filter_map(|u| match &u.effect {
            Effect::DomainLeaves(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    if !leaving.is_empty() {
        push_runs(
            &mut steps,
            files_of(&|e| matches!(e, Effect::DomainLeaves(_))),
        );
        steps.push(PlannedStep::wait(
            "wait.domain-leaves",
            format!(
                "the gateway MX's TTL, so no sender still delivers mail for {} to the gateway",
                leaving.join(", ")
            ),
            "the TTL the gateway MX had",
        ));
        push_runs(
            &mut steps,
            files_of(&|e| matches!(e, Effect::StopTakingDomain(_))),
        );
    } else {
        push_runs(
            &mut steps,
            files_of(&|e| matches!(e, Effect::StopTakingDomain(_))),
        );
    }

    // Outbound mail no longer through the gateway: Exchange first.
    let stop_routing = files_of(&|e| *e == Effect::StopRouting);
    let stop_relaying = files_of(&|e| *e == Effect::StopRelaying);
    if !stop_routing.is_empty() {
        push_runs(&mut steps, stop_routing);
        if !stop_relaying.is_empty() {
            steps.push(PlannedStep::act(
                "do.check-no-relay",
                "check that Microsoft 365 no longer sends to the gateway (a test message leaves straight from Exchange Online) and that the gateway's delivery queue holds none of the tenant's mail".to_owned(),
            ));
        }
    }
    push_runs(&mut steps, stop_relaying);

    // Addresses the gateway leaves: it stops delivering from them first.
    let mut addresses: Vec<&str> = units
        .iter()
        .filter_map(|u| match &u.effect {
            Effect::StopAccepting(a) => Some(a),
            _ => None,
        })
        .flatten()
        .map(String::as_str)
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    if !addresses.is_empty() {
        steps.push(PlannedStep::act(
            "do.stop-sending",
            format!(
            "confirm that the gateway no longer delivers or sends from {} (the vendor's notice, or its log over a day): Microsoft 365 and SPF stop accepting them next",
            addresses.join(", ")
        )));
        push_runs(
            &mut steps,
            files_of(&|e| matches!(e, Effect::StopAccepting(_))),
        );
    }

    if touches_exchange {
        steps.extend(verify.map(|v| PlannedStep::run(v, false)));
    }
    steps
}
