//! The runbook: RUNBOOK.md at the root of the output tree, walking an
//! operator through prepare, pilot, cutover and lock-down, with the files to
//! run, the waits, how to verify each step, how to roll back, and which audit
//! checks the design passes or fails on purpose.
//!
//! Rendered from the plan's steps, never from file names, so it names
//! exactly the files the targets produce, in the phase each step belongs to.

use super::plan::{Action, Phase, Plan, Step, Target};
use super::templates::ids;
use super::Rendered;
use crate::model::Topology;
use crate::parse::EfMode;
use serde::Serialize;

#[derive(Serialize)]
struct Script {
    path: String,
    what: String,
}

#[derive(Serialize)]
struct Zone {
    pre_cutover: String,
    cutover: String,
    microsoft365_host: String,
}

#[derive(Serialize)]
struct Audit {
    check: &'static str,
    verdict: &'static str,
    why: String,
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

const FAILS: &str = "fails, by intent";
const PASSES: &str = "passes";

fn audits(topology: &Topology) -> Vec<Audit> {
    let inbound = &topology.inbound;
    let ef = &inbound.enhanced_filtering;
    let audit = |check, verdict, why: &str| Audit {
        check,
        verdict,
        why: why.to_owned(),
    };
    let orca_114 = "ORCA-114 (no IP allow list entries)";
    let orca_118 = "ORCA-118-2 (no SCL -1 rule scoped by sender IP)";
    let orca_233 = "ORCA-233 (Enhanced Filtering where MX points elsewhere)";
    let cis = "CIS Microsoft 365 2.1.12 (connection filter IP allow list empty)";
    vec![
        if inbound.allow_list {
            audit(orca_114, FAILS, "the gateway's addresses are on the connection-filter allow list, as the vendor asks; set `inbound.allow_list = false` to pass")
        } else {
            audit(orca_114, PASSES, "mailflowc adds nothing to the allow list (`inbound.allow_list = false`)")
        },
        if inbound.scl_bypass_rule {
            audit(orca_118, FAILS, "the opt-in SCL -1 rule bypasses spam filtering for the gateway's addresses")
        } else {
            audit(orca_118, PASSES, "no SCL -1 rule is created; Enhanced Filtering is used instead")
        },
        match (ef.mode, ef.pilot_recipients.len()) {
            (EfMode::Off, _) => audit(orca_233, FAILS, "Enhanced Filtering is off; SPF, DKIM and DMARC judge the gateway, not the sender"),
            (_, pilots) if pilots > 0 => Audit {
                check: orca_233,
                verdict: "fails during the pilot",
                why: format!("Enhanced Filtering covers {pilots} pilot recipient(s) only; it passes once `pilot_recipients` is removed"),
            },
            (EfMode::SkipLastIp, _) => audit(orca_233, PASSES, "Enhanced Filtering skips the last hop (the gateway) for every recipient"),
            (EfMode::SkipListed, _) => audit(orca_233, PASSES, "Enhanced Filtering skips the gateway's listed addresses for every recipient"),
        },
        if inbound.allow_list {
            audit(cis, FAILS, "same allow list as ORCA-114; MSP baselines that empty it (CIPP, for one) will undo `20-allow-list.ps1`")
        } else {
            audit(cis, PASSES, "mailflowc leaves the allow list alone")
        },
    ]
}

/// The runbook's (path, template, context), from every target's steps.
pub fn file(topology: &Topology, source: &str, plan: &Plan) -> Rendered {
    let script = |step: &Step| Script {
        what: step.summary.clone(),
        path: step.file.clone(),
    };
    let exchange = |phase, action| plan.select(Target::Exchange, phase, action);
    let prepare_scripts: Vec<Script> = exchange(Phase::Prepare, Action::Apply)
        .map(script)
        .collect();
    let outbound_scripts: Vec<Script> = exchange(Phase::Outbound, Action::Apply)
        .map(script)
        .collect();
    let lockdown = exchange(Phase::Lockdown, Action::Apply).next();
    let lockdown_script = lockdown.map(|s| s.file.clone());
    let lockdown_rollback = lockdown
        .and_then(|s| s.undo.as_deref())
        .and_then(|id| plan.find(id))
        .map(|s| s.file.clone());
    // Rollbacks are listed in undo order: the plan's order.
    let files = |phase| -> Vec<String> {
        exchange(phase, Action::Undo)
            .map(|s| s.file.clone())
            .collect()
    };
    let outbound_rollbacks = files(Phase::Outbound);
    let prepare_rollbacks = files(Phase::Prepare);

    let lockdown_wait = match topology.gateway.vendor.as_ref().map(|v| v.id.as_str()) {
        Some("cloudflare") => "72 hours (Cloudflare's advice)",
        _ => "24 to 72 hours",
    };
    // Per domain, in the plan's order: its pre-cutover and cutover fragments.
    let dns_step = |domain: &str, what: &str| plan.find(&format!("dns.{domain}.{what}"));
    let zones: Vec<Zone> = topology
        .organization
        .domains
        .iter()
        .filter_map(|domain| {
            let pre_cutover = dns_step(domain, "pre-cutover")?;
            let cutover = dns_step(domain, "cutover")?;
            Some(Zone {
                pre_cutover: pre_cutover.file.clone(),
                cutover: cutover.file.clone(),
                microsoft365_host: pre_cutover
                    .objects
                    .first()
                    .and_then(|mx| mx.properties.first())
                    .and_then(|exchange| match &exchange.value {
                        super::plan::Value::Text(host) => Some(host.clone()),
                        _ => None,
                    })?,
            })
        })
        .collect();
    let dns = &topology.dns;

    let ctx = minijinja::context! {
        source => source,
        tenant => &topology.organization.tenant,
        domains => &topology.organization.domains,
        pilot => &topology.inbound.enhanced_filtering.pilot_recipients,
        outbound => topology.outbound.is_some(),
        cisco => topology.cisco.is_some(),
        gateway_mx => topology.gateway.mx.iter().map(|r| r.host.clone()).collect::<Vec<_>>(),
        zones => super::context(&zones),
        prepare_scripts => super::context(&prepare_scripts),
        outbound_scripts => super::context(&outbound_scripts),
        outbound_rollbacks => outbound_rollbacks,
        prepare_rollbacks => prepare_rollbacks,
        lockdown => lockdown_script.map(|script| minijinja::context! {
            script => script,
            rollback => lockdown_rollback,
            wait => lockdown_wait,
        }),
        names => super::context(&topology.names),
        dns => minijinja::context! {
            ttl => dns.ttl,
            precutover_ttl => dns.precutover_ttl,
            current_ttl_text => human_duration(dns.current_ttl),
        },
        audits => super::context(&audits(topology)),
    };
    ("RUNBOOK.md".to_owned(), ids::RUNBOOK, ctx)
}
