//! The runbook: RUNBOOK.md at the root of the output tree, walking an
//! operator through prepare, pilot, cutover, outbound, lock-down and
//! stabilize, with the files to run, the waits, how to verify each step, how
//! to roll back, and which audit checks the design passes or fails on purpose.
//!
//! The runbook is a typed, ordered list of [`Item`]s built from the plan's
//! steps (never from file names). Each item names the items it needs done
//! (and, on the gateway, committed) first; `tests/runbook.rs` checks the
//! order from the items themselves, so nothing goes live before what it
//! depends on. Every value in a shell or PowerShell command goes through
//! that shell's quoting filter (`sh`, `ps`).

use super::plan::{Action, Phase, Plan, Step, Target};
use super::templates::ids;
use super::Rendered;
use crate::model::Topology;
use crate::parse::EfMode;
use minijinja::{Error, ErrorKind};
use serde::Serialize;

/// One thing the operator does, in order.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Stable: a plan step's id (`exchange.outbound-rule`), or what the
    /// runbook adds (`wait.old-ttl`, `dns.cutover`, `exchange.validate-outbound-connector`).
    pub id: String,
    /// How the template writes it.
    pub kind: &'static str,
    /// The files it uses, all of which the build writes.
    pub files: Vec<String>,
    /// One line on what it does.
    pub what: String,
    /// Items that must be done first.
    pub needs: Vec<String>,
}

/// A phase of the runbook and its items.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub items: Vec<Item>,
}

fn item(id: &str, kind: &'static str, files: Vec<String>, what: &str, needs: &[&str]) -> Item {
    Item {
        id: id.to_owned(),
        kind,
        files,
        what: what.to_owned(),
        needs: needs.iter().map(|n| (*n).to_owned()).collect(),
    }
}

fn dns_files(plan: &Plan, phase: &str) -> Vec<String> {
    plan.steps
        .iter()
        .filter(|s| s.target == Target::Dns && s.id.ends_with(&format!(".{phase}")))
        .map(|s| s.file.clone())
        .collect()
}

/// The runbook's sections, in order; empty sections are left out.
pub fn sections(topology: &Topology, plan: &Plan) -> Vec<Section> {
    let exchange =
        |phase, action| -> Vec<&Step> { plan.select(Target::Exchange, phase, action).collect() };
    let script = |step: &Step, needs: &[&str]| {
        let mut i = item(
            &step.id,
            "script",
            vec![step.file.clone()],
            &step.summary,
            needs,
        );
        if step.id == "exchange.preflight" {
            i.kind = "preflight";
        }
        i
    };
    let gateway = |id: &str| plan.find(id);
    let moves_mx = super::dns::plan::moves_mx(topology);
    let inbound = topology.inbound.through_gateway;
    let mut out = Vec::new();

    // 1. Prepare: nothing here rejects or reroutes mail.
    let mut prepare = Vec::new();
    if moves_mx {
        prepare.push(item(
            "dns.pre-cutover",
            "dns-pre-cutover",
            dns_files(plan, "pre-cutover"),
            "lower the MX TTL",
            &[],
        ));
    } else if inbound {
        prepare.push(item(
            "dns.pre-cutover",
            "dns-pre-cutover-by-hand",
            Vec::new(),
            "lower the MX TTL",
            &[],
        ));
    }
    for step in exchange(Phase::Prepare, Action::Apply) {
        let needs: &[&str] = if step.id == "exchange.preflight" {
            &[]
        } else {
            &["exchange.preflight"]
        };
        prepare.push(script(step, needs));
    }
    if inbound {
        prepare.push(item(
            "verify.inbound-connector",
            "verify-inbound-connector",
            Vec::new(),
            "check the inbound connector",
            &["exchange.inbound-connector"],
        ));
    }
    if let Some(step) = gateway("gateway.inbound") {
        prepare.push(item(
            "gateway.inbound",
            "gateway-inbound",
            vec![step.file.clone()],
            &step.summary,
            &[],
        ));
    }
    if inbound {
        prepare.push(item(
            "wait.old-ttl",
            "wait-old-ttl",
            Vec::new(),
            "wait out the old MX TTL",
            &["dns.pre-cutover"],
        ));
    }
    out.push(Section {
        id: "prepare",
        title: "Prepare",
        items: prepare,
    });

    if inbound {
        out.push(Section {
            id: "pilot",
            title: "Pilot",
            items: vec![item(
                "pilot",
                "pilot",
                Vec::new(),
                "test mail through the gateway",
                &["gateway.inbound", "exchange.inbound-connector"],
            )],
        });
        let mut cutover = vec![item(
            "dns.cutover",
            if moves_mx {
                "dns-cutover"
            } else {
                "dns-cutover-by-hand"
            },
            dns_files(plan, "cutover"),
            "point MX at the gateway",
            &[
                "gateway.inbound",
                "exchange.inbound-connector",
                "wait.old-ttl",
                "pilot",
            ],
        )];
        cutover.push(item(
            "verify.cutover",
            "verify-cutover",
            Vec::new(),
            "check the MX records served",
            &["dns.cutover"],
        ));
        out.push(Section {
            id: "cutover",
            title: "Cutover",
            items: cutover,
        });
    }

    // Outbound: the relay side committed, then the connector, its
    // validation, the SPF record, and the rule last.
    let outbound_steps = exchange(Phase::Outbound, Action::Apply);
    if !outbound_steps.is_empty() {
        let mut items = Vec::new();
        if let Some(step) = gateway("gateway.relay") {
            items.push(item(
                "gateway.relay",
                "gateway-relay",
                vec![step.file.clone()],
                &step.summary,
                &[],
            ));
        }
        for step in &outbound_steps {
            if step.id == "exchange.outbound-rule" {
                let spf = dns_files(plan, "spf");
                if !spf.is_empty() {
                    items.push(item(
                        "dns.spf",
                        "dns-spf",
                        spf,
                        "name the gateway in each domain's SPF record",
                        &["gateway.relay"],
                    ));
                }
                items.push(script(
                    step,
                    &[
                        "gateway.relay",
                        "exchange.outbound-connector",
                        "exchange.validate-outbound-connector",
                        "dns.spf",
                    ],
                ));
            } else {
                items.push(script(step, &["exchange.preflight", "gateway.relay"]));
                if step.id == "exchange.outbound-connector" {
                    items.push(item(
                        "exchange.validate-outbound-connector",
                        "validate-outbound-connector",
                        Vec::new(),
                        "check connectivity and TLS to the smart hosts",
                        &["exchange.outbound-connector", "gateway.relay"],
                    ));
                }
            }
        }
        items.push(item(
            "verify.outbound",
            "verify-outbound",
            Vec::new(),
            "send a message out",
            &["exchange.outbound-rule"],
        ));
        out.push(Section {
            id: "outbound",
            title: "Outbound",
            items,
        });
    }

    if let Some(step) = exchange(Phase::Lockdown, Action::Apply).first() {
        let items = vec![
            item(
                "wait.lockdown",
                "wait-lockdown",
                Vec::new(),
                "wait for stale MX records to expire",
                &["dns.cutover"],
            ),
            item(
                "direct-senders",
                "direct-senders",
                Vec::new(),
                "find senders that deliver straight to Microsoft 365",
                &["dns.cutover"],
            ),
            script(
                step,
                &[
                    "dns.cutover",
                    "wait.lockdown",
                    "direct-senders",
                    "exchange.inbound-connector",
                ],
            ),
            item(
                "verify.lockdown",
                "verify-lockdown",
                Vec::new(),
                "check the lock-down",
                &["exchange.lockdown-connector"],
            ),
        ];
        out.push(Section {
            id: "lockdown",
            title: "Lock-down",
            items,
        });
    }

    let mut stabilize = Vec::new();
    if moves_mx {
        let after = if topology.inbound.lockdown.is_some() {
            "exchange.lockdown-connector"
        } else {
            "dns.cutover"
        };
        stabilize.push(item(
            "dns.stabilized",
            "dns-stabilized",
            dns_files(plan, "stabilized"),
            "raise the gateway MX's TTL",
            &[after],
        ));
    }
    for step in exchange(Phase::Stabilize, Action::Apply) {
        let mut converge = script(
            step,
            &[
                "dns.cutover",
                "wait.lockdown",
                "exchange.lockdown-connector",
                "exchange.outbound-rule",
            ],
        );
        converge.kind = if step.id == "exchange.verify" {
            "verify"
        } else {
            "converge"
        };
        stabilize.push(converge);
    }
    out.push(Section {
        id: "stabilize",
        title: "Stabilize",
        items: stabilize,
    });
    out
}

fn human_duration(seconds: i64) -> String {
    let (count, unit) = match seconds {
        s if s % 86400 == 0 => (s / 86400, "day"),
        s if s % 3600 == 0 => (s / 3600, "hour"),
        s if s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// A value as one POSIX shell word: single-quoted, every `'` closed,
/// escaped and reopened. Safe for any text, including `&`, `$(…)`, backticks
/// and line breaks (which a single-quoted word keeps literally).
pub fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

pub fn sh_filter(value: &minijinja::Value) -> Result<String, Error> {
    value
        .as_str()
        .map(sh_quote)
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "`sh` takes strings only"))
}

/// The runbook's (path, template, context), from every target's steps.
pub fn file(topology: &Topology, source: &str, plan: &Plan) -> Rendered {
    let undo = |target, phase| -> Vec<String> {
        plan.select(target, phase, Action::Undo)
            .map(|s| s.file.clone())
            .collect()
    };
    let dns = &topology.dns;
    let ctx = minijinja::context! {
        source => source,
        tenant => &topology.organization.tenant,
        domains => &topology.organization.domains,
        routes => super::context(&topology.organization.microsoft365_mx),
        pilot => &topology.inbound.enhanced_filtering.pilot_recipients,
        ef_on => topology.inbound.enhanced_filtering.mode != EfMode::Off,
        inbound => topology.inbound.through_gateway,
        lockdown => topology.inbound.lockdown.is_some(),
        outbound => topology.outbound.is_some(),
        mx_is_example => topology.gateway.vendor.as_ref().is_some_and(|v| v.mx_is_example),
        gateway_mx => topology.gateway.mx.iter().map(|r| r.host.clone()).collect::<Vec<_>>(),
        sections => super::context(&sections(topology, plan)),
        gateway_files => plan.steps.iter().filter(|s| s.target == Target::Gateway && s.id != "gateway.relay-guard-filter").map(|s| s.file.clone()).collect::<std::collections::BTreeSet<_>>(),
        names => super::context(&topology.names),
        rollback => minijinja::context! {
            lockdown => undo(Target::Exchange, Phase::Lockdown),
            outbound => undo(Target::Exchange, Phase::Outbound),
            prepare => undo(Target::Exchange, Phase::Prepare),
            dns_rollback => dns_files(plan, "rollback"),
            dns_restore => dns_files(plan, "restore"),
        },
        vendor_id => topology.gateway.vendor.as_ref().map(|v| v.id.as_str()),
        dns => minijinja::context! {
            ttl => dns.ttl,
            precutover_ttl => dns.precutover_ttl,
            current_ttl_text => human_duration(dns.current_ttl),
        },
        audit => minijinja::context! {
            allow_list => topology.inbound.allow_list,
            scl_bypass_rule => topology.inbound.scl_bypass_rule,
            ef_mode => topology.inbound.enhanced_filtering.mode,
            pilots => topology.inbound.enhanced_filtering.pilot_recipients.len(),
        },
    };
    ("RUNBOOK.md".to_owned(), ids::RUNBOOK, ctx)
}
