//! DNS steps → template contexts: each zone, octoDNS and SPF file is
//! rendered from its step's records.

use super::plan::{octodns_config_file, PHASES};
use super::{ENV_HOST, ENV_KEY_NAME, ENV_KEY_SECRET, ENV_PORT};
use crate::model::Topology;
use crate::targets::plan::{Plan, Target, Value};
use crate::targets::templates::ids;
use crate::targets::Rendered;
use serde::Serialize;

#[derive(Serialize)]
struct Record<'a> {
    host: &'a str,
    priority: i64,
    ttl: i64,
}

/// Every DNS file: (path, template, context).
pub fn files(topology: &Topology, plan: &Plan) -> Vec<Rendered> {
    let mut out = Vec::new();
    // The domains of each phase's octoDNS folder, in plan order.
    let mut octodns: Vec<(&str, Vec<&str>)> = PHASES.iter().map(|p| (p.name, Vec::new())).collect();
    for step in plan.steps.iter().filter(|s| s.target == Target::Dns) {
        let Some(first) = step.objects.first() else {
            continue;
        };
        let domain = &first.name;
        if first.kind == "TXT" {
            out.push(spf_file(topology, step, domain));
            continue;
        }
        if step.file.ends_with("/spf.txt") {
            let mechanisms = match first.get("add") {
                Some(Value::List(list)) => list.clone(),
                _ => Vec::new(),
            };
            let record = super::plan::spf_record(topology, domain);
            out.push((
                step.file.clone(),
                ids::DNS_SPF,
                minijinja::context! { domain, mechanisms, record },
            ));
            continue;
        }
        let phase = PHASES
            .iter()
            .find(|p| {
                step.id.ends_with(&format!(".{}", p.name))
                    || step.id.ends_with(&format!(".{}-octodns", p.name))
            })
            .map_or("", |p| p.name);
        let records: Vec<Record<'_>> = step
            .objects
            .iter()
            .map(|o| Record {
                host: match o.get("exchange") {
                    Some(Value::Text(host)) => host,
                    _ => "",
                },
                priority: match o.get("priority") {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                },
                ttl: match o.get("ttl") {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                },
            })
            .collect();
        let template = if step.file.ends_with(".yaml") {
            if let Some((_, domains)) = octodns.iter_mut().find(|(name, _)| *name == phase) {
                domains.push(domain);
            }
            ids::DNS_OCTODNS
        } else {
            ids::DNS_ZONE
        };
        out.push((
            step.file.clone(),
            template,
            minijinja::context! {
                domain,
                phase,
                records => minijinja::Value::from_serialize(&records),
                current_ttl => topology.dns.current_ttl,
                // Microsoft 365's host, derived from the domain's name.
                derived => topology
                    .organization
                    .microsoft365_mx
                    .iter()
                    .any(|m| m.domain == *domain && m.derived),
            },
        ));
    }
    for (phase, domains) in octodns {
        if domains.is_empty() {
            continue;
        }
        let config_file = octodns_config_file(phase);
        out.push((
            format!("dns/octodns/{config_file}"),
            ids::DNS_OCTODNS_CONFIG,
            minijinja::context! {
                phase,
                directory => phase,
                config_file,
                domains,
                env => minijinja::context! {
                    host => ENV_HOST,
                    port => ENV_PORT,
                    key_name => ENV_KEY_NAME,
                    key_secret => ENV_KEY_SECRET,
                },
            },
        ));
    }
    out
}

/// A domain's SPF record set (the outbound phase's, or its rollback's) as a
/// zone fragment or an octoDNS file.
fn spf_file(topology: &Topology, step: &crate::targets::plan::Step, domain: &str) -> Rendered {
    let first = &step.objects[0];
    let text = match first.get("text") {
        Some(Value::Text(text)) => text.as_str(),
        _ => "",
    };
    let ttl = match first.get("ttl") {
        Some(Value::Int(n)) => *n,
        _ => 0,
    };
    let current = topology
        .dns
        .spf_current
        .get(domain)
        .map_or("", String::as_str);
    let rollback = step.action == crate::targets::plan::Action::Undo;
    let template = if step.file.ends_with(".yaml") {
        ids::DNS_SPF_OCTODNS
    } else {
        ids::DNS_SPF_ZONE
    };
    (
        step.file.clone(),
        template,
        minijinja::context! {
            domain,
            record => text,
            ttl,
            rollback,
            current,
            qualifier => crate::knowledge::spf::all_qualifier(current).map(String::from),
            mechanisms => super::plan::spf_mechanisms(topology),
        },
    )
}
