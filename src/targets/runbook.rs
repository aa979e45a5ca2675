//! The runbook: RUNBOOK.md at the root of the output tree, walking an
//! operator through prepare, pilot, cutover and lock-down, with the files to
//! run, the waits, how to verify each step, how to roll back, and which audit
//! checks the design passes or fails on purpose.
//!
//! Rendered last, from the list of files the other targets produced, so it
//! names exactly the files that exist.

use super::dns::zones;
use super::Files;
use crate::model::Topology;
use crate::parse::EfMode;
use minijinja::Value;
use serde::Serialize;

#[derive(Serialize)]
struct Script {
    path: String,
    what: &'static str,
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

/// What each Exchange script does, by its file name.
fn purpose(file: &str) -> &'static str {
    match file {
        "00-preflight.ps1" => "checks the session and the accepted domains; enables organization customization if the tenant needs it",
        "10-inbound-connector.ps1" => "the Partner connector that receives the gateway's mail, with Enhanced Filtering",
        "20-allow-list.ps1" => "adds the gateway's addresses to the connection-filter allow list",
        "30-spf-hard-fail.ps1" => "turns SPF hard fail off in the Default anti-spam policy",
        "40-scl-bypass-rule.ps1" => "the SCL -1 rule for the gateway's addresses",
        "50-outbound-connector.ps1" => "the outbound connector to the gateway's smart hosts",
        "60-outbound-rule.ps1" => "the rule that routes outbound mail to it, stamped with the secret (asks for the secret)",
        _ => "",
    }
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

/// The runbook's (path, template, context), given every other file.
pub fn file(topology: &Topology, source: &str, files: &Files) -> (String, &'static str, Value) {
    let exchange = |prefix: &str| -> Vec<String> {
        files
            .keys()
            .filter(|p| p.starts_with(prefix) && p.ends_with(".ps1"))
            .cloned()
            .collect()
    };
    let script = |path: &String| Script {
        what: purpose(path.rsplit('/').next().unwrap_or("")),
        path: path.clone(),
    };
    let applied: Vec<String> = exchange("exchange/")
        .into_iter()
        .filter(|p| !p.contains("/rollback/"))
        .collect();
    let number = |path: &str| -> u32 {
        path.rsplit('/')
            .next()
            .and_then(|f| f.get(..2))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let prepare_scripts: Vec<Script> = applied
        .iter()
        .filter(|p| number(p) < 50)
        .map(script)
        .collect();
    let outbound_scripts: Vec<Script> = applied
        .iter()
        .filter(|p| (50..70).contains(&number(p)))
        .map(script)
        .collect();
    let lockdown_script = applied.iter().find(|p| number(p) == 70).cloned();

    let rollbacks = exchange("exchange/rollback/");
    let is_outbound_rollback = |p: &&String| p.contains("outbound");
    let outbound_rollbacks: Vec<&String> = rollbacks.iter().filter(is_outbound_rollback).collect();
    let lockdown_rollback = rollbacks.iter().find(|p| p.contains("lockdown"));
    let prepare_rollbacks: Vec<&String> = rollbacks
        .iter()
        .filter(|p| !is_outbound_rollback(p) && !p.contains("lockdown"))
        .collect();

    let lockdown_wait = match topology.gateway.vendor.as_ref().map(|v| v.id.as_str()) {
        Some("cloudflare") => "72 hours (Cloudflare's advice)",
        _ => "24 to 72 hours",
    };
    let zones: Vec<Zone> = zones(topology)
        .into_iter()
        .map(|z| Zone {
            pre_cutover: z.pre_cutover,
            cutover: z.cutover,
            microsoft365_host: z.microsoft365_host,
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
    ("RUNBOOK.md".to_owned(), "runbook/RUNBOOK.md.j2", ctx)
}
