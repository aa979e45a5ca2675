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
use crate::exchange::settings;
use crate::exchange::vocabulary;
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
        } else if let Some(setting) = settings::by_step(&step.id) {
            i.kind = setting.runbook().kind;
        }
        i
    };
    // A setting's step, with what it needs and the check after it, as the
    // setting says (`exchange::settings`).
    let setting_items = |items: &mut Vec<Item>, step: &Step| {
        let runbook = settings::by_step(&step.id).map(|s| s.runbook());
        items.push(script(step, runbook.map_or(&[], |r| r.needs)));
        if let Some(check) = runbook.and_then(|r| r.check) {
            items.push(item(
                check.id,
                check.kind,
                Vec::new(),
                check.what,
                check.needs,
            ));
        }
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
            settings::by_step(&step.id).map_or(&["exchange.preflight"], |s| s.runbook().needs)
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
            // The steps, then the relay guard they paste: both before the
            // connector and the rule that stamps the secret.
            let mut files = vec![step.file.clone()];
            files.extend(gateway("gateway.relay-guard-filter").map(|s| s.file.clone()));
            items.push(item(
                "gateway.relay",
                "gateway-relay",
                files,
                &step.summary,
                &[],
            ));
        }
        for step in &outbound_steps {
            // The rule sends mail out through the gateway, which its SPF
            // records must name first.
            if step.id == "exchange.outbound-rule" {
                let mut spf = dns_files(plan, "spf");
                // The whole records, where the topology gives the current ones.
                spf.extend(dns_files(plan, "spf-record"));
                if !spf.is_empty() {
                    items.push(item(
                        "dns.spf",
                        "dns-spf",
                        spf,
                        "name the gateway in each domain's SPF record",
                        &["gateway.relay"],
                    ));
                }
            }
            setting_items(&mut items, step);
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

    // Lock-down: what rejects mail that did not come through the gateway,
    // once stale MX records have expired and direct senders have moved.
    let lockdown_steps = exchange(Phase::Lockdown, Action::Apply);
    if !lockdown_steps.is_empty() {
        let mut items = vec![
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
        ];
        for step in lockdown_steps {
            setting_items(&mut items, step);
        }
        out.push(Section {
            id: "lockdown",
            title: "Lock-down",
            items,
        });
    }

    let mut stabilize = Vec::new();
    if moves_mx {
        // After whatever the lock-down does, or the cutover without one.
        let mut after: Vec<&str> = Vec::new();
        if topology.inbound.lockdown.is_some() {
            after.push("exchange.lockdown-connector");
        }
        if topology.inbound.reject_direct_send {
            after.push("exchange.reject-direct-send");
        }
        if after.is_empty() {
            after.push("dns.cutover");
        }
        stabilize.push(item(
            "dns.stabilized",
            "dns-stabilized",
            dns_files(plan, "stabilized"),
            "raise the gateway MX's TTL",
            &after,
        ));
    }
    for step in exchange(Phase::Stabilize, Action::Apply) {
        let mut converge = script(
            step,
            &[
                "dns.cutover",
                "wait.lockdown",
                "exchange.lockdown-connector",
                "exchange.reject-direct-send",
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

/// Every file the runbook has the operator run or follow, in the order it
/// does (each once, where it first appears): the order `mailflowc plan`
/// lists the files a change needs.
pub fn files_in_order(topology: &Topology, plan: &Plan) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    sections(topology, plan)
        .into_iter()
        .flat_map(|s| s.items)
        .flat_map(|i| i.files)
        .filter(|f| seen.insert(f.clone()))
        .collect()
}

/// The steps an operator follows for one kind of change to a deployment
/// that is already live: the planner's, for that kind of change.
#[derive(Debug, Clone, Serialize)]
pub struct Recipe {
    pub id: &'static str,
    pub steps: Vec<crate::planner::PlannedStep>,
}

/// How a new domain's own DNS files are named in the recipes.
pub const ANY_DOMAIN: &str = "<domain>";

/// The steps for the usual changes to a live deployment, each from the
/// planner, given the files whose objects carry what the change touches:
/// the gateway's addresses, a routed domain, the secret.
pub fn recipes(topology: &Topology, plan: &Plan) -> Vec<Recipe> {
    use super::plan::Value;
    use crate::planner::{Effect, Unit};
    let first_domain = topology.organization.domains.first();
    // A new domain's files are its own: the first domain's, renamed.
    let generic = |file: &str| match first_domain {
        Some(d) => file.replacen(&format!("dns/{d}/"), &format!("dns/{ANY_DOMAIN}/"), 1),
        None => file.to_owned(),
    };
    let order: Vec<String> = files_in_order(topology, plan)
        .iter()
        .flat_map(|f| {
            let g = generic(f);
            if g == *f {
                vec![g]
            } else {
                vec![f.clone(), g]
            }
        })
        .collect();
    let applying = || plan.steps.iter().filter(|s| s.action == Action::Apply);
    let file_of = |id: &str| plan.find(id).map(|s| s.file.clone());
    let waits = waits(topology);
    let planned = |units: Vec<Unit>| {
        crate::planner::plan(
            &units,
            &order,
            file_of("exchange.preflight").as_deref(),
            file_of("exchange.verify").as_deref(),
            &waits,
        )
    };
    let unit = |effect: Effect, files: Vec<String>| Unit {
        effect,
        files: files.into_iter().map(|f| (f, false)).collect(),
    };
    let mentions = |value: &Value, what: &dyn Fn(&str) -> bool| match value {
        Value::Text(t) => what(t),
        Value::List(items) => items.iter().any(|i| what(i)),
        _ => false,
    };
    let mut out = Vec::new();

    let addresses: Vec<String> = applying()
        .filter(|s| {
            s.id.ends_with(".spf")
                || s.objects.iter().any(|o| {
                    o.properties
                        .iter()
                        .any(|p| vocabulary::ADDRESS_PROPERTIES.contains(&p.name))
                })
        })
        .map(|s| s.file.clone())
        .collect();
    if !addresses.is_empty() {
        out.push(Recipe {
            id: "address-added",
            steps: planned(vec![unit(Effect::Open, addresses.clone())]),
        });
        // A tenant-wide list's entries (the allow list's) leave through
        // converge, not its script.
        let lists: Vec<String> = settings::SETTINGS
            .iter()
            .filter(|s| s.retired().is_some())
            .filter_map(|s| file_of(&format!("exchange.{}", s.slug())))
            .collect();
        let mut leaving: Vec<String> = addresses
            .iter()
            .filter(|f| f.starts_with("exchange/") || f.ends_with("spf.txt"))
            .filter(|f| !lists.contains(f))
            .cloned()
            .collect();
        leaving.extend(file_of("exchange.converge"));
        out.push(Recipe {
            id: "address-removed",
            steps: planned(vec![unit(
                Effect::StopAccepting(vec!["the address".to_owned()]),
                leaving,
            )]),
        });
    }

    // A value is a domain's when it is one of them, or ends in `.` or `@`
    // and one of them: each suffix after a `.` or `@` is looked up once, so
    // the cost is the value's length, not the number of domains.
    let domains: std::collections::HashSet<&str> = topology
        .organization
        .domains
        .iter()
        .map(String::as_str)
        .collect();
    let is_domain = |text: &str| {
        let text = text.trim_end_matches('.').to_ascii_lowercase();
        domains.contains(text.as_str())
            || text
                .char_indices()
                .filter(|&(_, c)| c == '.' || c == '@')
                .any(|(i, _)| domains.contains(&text[i + 1..]))
    };
    let mut domain_files: Vec<String> = applying()
        .filter(|s| {
            s.objects.iter().any(|o| {
                is_domain(&o.name) || o.properties.iter().any(|p| mentions(&p.value, &is_domain))
            })
        })
        // The new domain's own DNS files are the first domain's, renamed.
        .filter(|s| s.target != Target::Dns)
        .map(|s| s.file.clone())
        .collect();
    if !domain_files.is_empty() {
        if let Some(first) = first_domain {
            domain_files.extend(
                applying()
                    .filter(|s| {
                        s.target == Target::Dns && s.file.starts_with(&format!("dns/{first}/"))
                    })
                    .map(|s| generic(&s.file)),
            );
        }
        // The lock-down (and Reject Direct Send) covers the new domain.
        let (restricting, opening): (Vec<String>, Vec<String>) = domain_files
            .into_iter()
            .partition(|f| Some(f) == file_of("exchange.lockdown-connector").as_ref());
        out.push(Recipe {
            id: "domain-added",
            steps: planned(vec![
                unit(Effect::Open, opening),
                unit(Effect::Restrict, restricting),
            ]),
        });
    }

    let secret: Vec<String> = applying()
        .filter(|s| {
            s.id == "gateway.relay-guard-filter"
                || s.objects.iter().any(|o| {
                    o.properties
                        .iter()
                        .any(|p| matches!(p.value, Value::Secret { .. }))
                })
        })
        .map(|s| s.file.clone())
        .collect();
    if !secret.is_empty() {
        out.push(Recipe {
            id: "secret-rotated",
            steps: planned(vec![unit(Effect::RotateSecret, secret)]),
        });
    }
    out
}

/// The waits of this topology, for the planner, in English words.
pub fn waits(topology: &Topology) -> crate::planner::Waits {
    let words = duration(topology.dns.current_ttl);
    let count = words
        .get_attr("count")
        .ok()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let message = words
        .get_attr("message")
        .ok()
        .map(|m| m.as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    let cloudflare = topology
        .gateway
        .vendor
        .as_ref()
        .is_some_and(|v| v.id == "cloudflare");
    crate::planner::Waits {
        old_ttl: message.replace("{count}", &count),
        lockdown: if cloudflare {
            "72 hours (Cloudflare's advice)".to_owned()
        } else {
            "24 to 72 hours".to_owned()
        },
    }
}

/// A duration as the runbook says it: the catalog message for its unit and
/// number (`{count} hour`, `{count} hours`) and the count, so each language words
/// and pluralizes it itself (`t(dns.current_ttl.message, count=…)`).
fn duration(seconds: i64) -> minijinja::Value {
    let (count, one, many) = match seconds {
        s if s % 86400 == 0 => (s / 86400, "{count} day", "{count} days"),
        s if s % 3600 == 0 => (s / 3600, "{count} hour", "{count} hours"),
        s if s % 60 == 0 => (s / 60, "{count} minute", "{count} minutes"),
        s => (s, "{count} second", "{count} seconds"),
    };
    minijinja::context! {
        message => if count == 1 { one } else { many },
        count => count,
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
        // Domains whose Microsoft 365 MX host was derived from their name.
        derived_mx => topology
            .organization
            .microsoft365_mx
            .iter()
            .filter(|m| m.derived)
            .map(|m| m.domain.as_str())
            .collect::<Vec<_>>(),
        pilot => &topology.inbound.enhanced_filtering.pilot_recipients,
        ef_on => topology.inbound.enhanced_filtering.mode != EfMode::Off,
        inbound => topology.inbound.through_gateway,
        lockdown => topology.inbound.lockdown.is_some(),
        lockdown_onmicrosoft => topology.inbound.lockdown.as_ref().is_some_and(|l| l.onmicrosoft),
        reject_direct_send => topology.inbound.reject_direct_send,
        arc_sealer => topology.gateway.arc_sealer,
        outbound => topology.outbound.is_some(),
        mx_is_example => topology.gateway.vendor.as_ref().is_some_and(|v| v.mx_is_example),
        gateway_mx => topology.gateway.mx.iter().map(|r| r.host.clone()).collect::<Vec<_>>(),
        sections => super::context(&sections(topology, plan)),
        recipes => super::context(&recipes(topology, plan)),
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
        // Whether the gateway checks a secret header that the outbound rule
        // stamps; where not, how the vendor documents recognizing the tenant.
        secret_header => topology.outbound.as_ref().is_some_and(|o| o.secret_header.is_some()),
        vendor_name => topology.gateway.vendor.as_ref().map_or(topology.gateway.name.as_str(), |v| v.name.as_str()),
        tenant_recognition => tenant_recognition(topology),
        dns => minijinja::context! {
            ttl => dns.ttl,
            precutover_ttl => dns.precutover_ttl,
            current_ttl => duration(dns.current_ttl),
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

/// How the gateway's vendor documents telling this tenant's relayed mail
/// from other tenants' (catalog `tenant_recognition`), with its source.
fn tenant_recognition(topology: &Topology) -> Option<minijinja::Value> {
    let vendor = crate::catalog::find(&topology.gateway.vendor.as_ref()?.id)?;
    let recognition = vendor.tenant_recognition.as_ref()?;
    let source = vendor.source(&recognition.source)?;
    Some(minijinja::context! {
        what => &recognition.what,
        title => &source.title,
        url => &source.url,
        date => source.date(),
    })
}
