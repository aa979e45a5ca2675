//! A Cisco gateway that several tenants of a fleet share (`cisco.appliance`).
//!
//! An MSP runs many Microsoft 365 tenants through one Cisco gateway. Each
//! tenant stamps its own secret header; the gateway relays them all through
//! one sender group on one listener, so one relay guard must accept every
//! tenant's secret (and, while a tenant rotates, its previous one) and drop
//! mail that carries none. A tenant's own tree then holds no relay guard:
//! a fleet build writes the appliance's once, beside the tenants' trees, in
//! `_appliances/<label>/`, with the steps to paste it and a manifest that a
//! later build reads to know whether the guard already accepts a tenant
//! (`crate::fleet::appliance` reads it; this file only renders).
//!
//! Tenants that would need different guards (filter, sender group,
//! listener or header names), or that share a secret or a routed domain on
//! one appliance, are refused together ([`conflicts`], MF0522).

use super::placeholder::placeholder;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::Topology;
use crate::secret::RevealedSecrets;
use crate::targets::templates::ids;
use crate::targets::{Files, Rendered, MARKER_FILE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The directory, beside a fleet's trees, that holds one tree per appliance.
pub const DIR: &str = "_appliances";
/// The relay guard, in an appliance's tree.
pub const GUARD_FILE: &str = "10-relay-guard-filter.txt";
pub const STEPS_FILE: &str = "STEPS.md";
/// What the guard accepts, for a later build of one tenant.
pub const MANIFEST_FILE: &str = "appliance.json";
const FORMAT: &str = "mailflowc-appliance";
const VERSION: u32 = 1;

/// An appliance's tree, relative to the directory holding the fleet's trees.
pub fn tree(label: &str) -> String {
    format!("{DIR}/{label}")
}

/// The appliance's relay guard as a tenant's tree names it.
pub fn guard_from_tenant(label: &str) -> String {
    format!("../{DIR}/{label}/{GUARD_FILE}")
}

/// The appliance's steps as a tenant's tree names them.
pub fn steps_from_tenant(label: &str) -> String {
    format!("../{DIR}/{label}/{STEPS_FILE}")
}

/// One tenant of a fleet: its tree's name (the file stem) and its model.
#[derive(Clone, Copy)]
pub struct Tenant<'a> {
    pub stem: &'a str,
    pub topology: &'a Topology,
}

/// The appliance a tenant names, if any.
pub fn label(topology: &Topology) -> Option<&str> {
    topology.cisco.as_ref()?.appliance.as_deref()
}

/// What one appliance's relay guard is made of; every tenant that relays
/// through it must give the same.
fn guard_keys(topology: &Topology) -> Option<[(&'static str, &str); 4]> {
    let cisco = topology.cisco.as_ref()?;
    let header = secret_header(topology)?;
    Some([
        ("cisco.filter_name", cisco.filter_name.as_str()),
        (
            "cisco.relay_sender_group",
            cisco.relay_sender_group.as_str(),
        ),
        ("cisco.outbound_listener", cisco.outbound_listener.as_str()),
        ("outbound.secret_header.name", header.name.as_str()),
    ])
}

/// The fingerprints of the secrets a tenant's guard entry accepts.
fn fingerprints(topology: &Topology) -> Vec<String> {
    secret_header(topology).map_or_else(Vec::new, |h| {
        std::iter::once(h.sha256.clone())
            .chain(h.previous_sha256.clone())
            .collect()
    })
}

/// The secret header a tenant relays with: none when it relays nothing
/// through the gateway (a Cisco topology always gives one, MF0510).
pub fn secret_header(topology: &Topology) -> Option<&crate::model::SecretHeader> {
    topology.outbound.as_ref()?.secret_header.as_ref()
}

/// MF0522 for each tenant of one appliance that conflicts with another, by
/// tenant index: at the tenant's `cisco.appliance`, naming the other.
pub fn conflicts(tenants: &[Tenant], members: &[usize]) -> BTreeMap<usize, Vec<Diagnostic>> {
    let mut out: BTreeMap<usize, Vec<Diagnostic>> = BTreeMap::new();
    let Some(&first) = members.first() else {
        return out;
    };
    let label = label(tenants[first].topology).unwrap_or_default();
    let mut push = |at: usize, other: usize, what: String| {
        let span = tenants[at]
            .topology
            .cisco
            .as_ref()
            .and_then(|c| c.appliance_span.clone())
            .unwrap_or(0..0);
        let list = out.entry(at).or_default();
        // One diagnostic per tenant and kind of conflict is enough to act on.
        if list.iter().any(|d| d.message.ends_with(&what)) {
            return;
        }
        list.push(
            Diagnostic::new(
                Code::ApplianceConflict,
                format!(
                    "`{}` shares appliance `{label}` with `{}`, {what}",
                    tenants[at].stem, tenants[other].stem
                ),
            )
            .at(span)
            .with_label("one Cisco gateway, one relay guard")
            .with_help(
                "give every tenant of one appliance the same `[cisco]` names (a shared base is the place) and secret header `name`, and each its own secret and domains",
            ),
        );
    };
    // The guard's names, against the first tenant that relays.
    let relaying: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| secret_header(tenants[i].topology).is_some())
        .collect();
    if let Some((&reference, rest)) = relaying.split_first() {
        let wanted = guard_keys(tenants[reference].topology);
        for &i in rest {
            let (Some(wanted), Some(mine)) = (wanted, guard_keys(tenants[i].topology)) else {
                continue;
            };
            for ((key, theirs), (_, own)) in wanted.iter().zip(mine.iter()) {
                if theirs != own {
                    push(
                        i,
                        reference,
                        format!("which gives another `{key}` (`{own}` here, `{theirs}` there)"),
                    );
                    push(
                        reference,
                        i,
                        format!("which gives another `{key}` (`{theirs}` here, `{own}` there)"),
                    );
                }
            }
        }
    }
    // What must be each tenant's own.
    let mut secrets: BTreeMap<String, usize> = BTreeMap::new();
    let mut domains: BTreeMap<String, usize> = BTreeMap::new();
    for &i in members {
        for sha in fingerprints(tenants[i].topology) {
            match secrets.get(&sha) {
                Some(&other) if other != i => {
                    push(i, other, "which holds the same secret".to_owned());
                    push(other, i, "which holds the same secret".to_owned());
                }
                _ => {
                    secrets.insert(sha, i);
                }
            }
        }
        // A domain two tenants give would let each one's secret send as
        // the other: the guard binds each secret to its tenant's domains.
        for domain in tenants[i].topology.organization.sender_domains() {
            match domains.get(&domain) {
                Some(&other) if other != i => {
                    let what = format!("which gives the same domain `{domain}`");
                    push(i, other, what.clone());
                    push(other, i, what);
                }
                _ => {
                    domains.insert(domain, i);
                }
            }
        }
    }
    out
}

/// What an appliance's guard accepts: written beside it, read by a later
/// build of one tenant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub appliance: String,
    pub filter_name: String,
    pub relay_sender_group: String,
    pub outbound_listener: String,
    pub header: String,
    /// Each relaying tenant, by tree name, with the fingerprints accepted.
    pub tenants: BTreeMap<String, Vec<String>>,
    /// Each relaying tenant, by tree name: the sender domains its secrets
    /// are bound to and its sender check. Absent from a manifest written
    /// before the binding: then no tenant is bound yet, and a build of one
    /// tenant asks for a build of the fleet.
    #[serde(default)]
    pub senders: BTreeMap<String, Senders>,
}

/// What the guard binds one tenant's secrets to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Senders {
    pub check: String,
    pub domains: Vec<String>,
}

fn senders(topology: &Topology) -> Senders {
    Senders {
        check: super::render::sender_check_word(
            topology
                .cisco
                .as_ref()
                .map(|c| c.sender_check)
                .unwrap_or_default(),
        )
        .to_owned(),
        domains: topology.organization.sender_domains(),
    }
}

impl Manifest {
    /// Whether this mailflowc wrote it (its format and version).
    pub fn is_current(&self) -> bool {
        self.format == FORMAT && self.version == VERSION
    }
}

fn manifest(label: &str, tenants: &[Tenant], relaying: &[usize]) -> Option<Manifest> {
    let reference = tenants[*relaying.first()?].topology;
    let cisco = reference.cisco.as_ref()?;
    let header = secret_header(reference)?;
    Some(Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        appliance: label.to_owned(),
        filter_name: cisco.filter_name.clone(),
        relay_sender_group: cisco.relay_sender_group.clone(),
        outbound_listener: cisco.outbound_listener.clone(),
        header: header.name.clone(),
        tenants: relaying
            .iter()
            .map(|&i| {
                (
                    tenants[i].stem.to_owned(),
                    fingerprints(tenants[i].topology),
                )
            })
            .collect(),
        senders: relaying
            .iter()
            .map(|&i| (tenants[i].stem.to_owned(), senders(tenants[i].topology)))
            .collect(),
    })
}

/// The manifest a guard that accepts `tenant` as it builds now would carry
/// (with that tenant alone): what a build of one tenant compares with the
/// manifest on disk.
pub fn wanted_manifest(label: &str, tenant: Tenant) -> Option<Manifest> {
    manifest(label, &[tenant], &[0])
}

/// The files of one appliance's tree, relative to it; `revealed` (the
/// secrets of each relaying tenant, by tenant index) renders only the guard,
/// with the real values. Empty when no tenant of it relays outbound mail.
pub fn files(
    label: &str,
    tenants: &[Tenant],
    members: &[usize],
    revealed: Option<&BTreeMap<usize, RevealedSecrets>>,
    lang: crate::targets::Lang,
) -> Result<Files, minijinja::Error> {
    let relaying: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| secret_header(tenants[i].topology).is_some())
        .collect();
    let Some(manifest) = manifest(label, tenants, &relaying) else {
        return Ok(Files::new());
    };
    // Each relaying tenant's entry, in tree-name order: what the guard
    // accepts for it (placeholders, or the real secrets when revealed),
    // bound to its sender domains.
    let mut entries = Vec::new();
    let mut logged: Vec<String> = Vec::new();
    for &i in &relaying {
        let Some(header) = secret_header(tenants[i].topology) else {
            continue;
        };
        let accepted: Vec<String> = match revealed {
            Some(revealed) => revealed
                .get(&i)
                .map(|s| {
                    std::iter::once(s.current.clone())
                        .chain(s.previous.clone())
                        .collect()
                })
                .unwrap_or_default(),
            None => std::iter::once(placeholder(&header.sha256))
                .chain(header.previous_sha256.as_deref().map(placeholder))
                .collect(),
        };
        let (entry, log_only) =
            super::render::guard_entry(tenants[i].topology, Some(tenants[i].stem), accepted);
        entries.push(entry);
        logged.extend(log_only);
    }
    // What the guard and the steps both name.
    let shared = minijinja::context! {
        appliance => label,
        tenants => &entries,
        filter_name => &manifest.filter_name,
        outbound_listener => &manifest.outbound_listener,
        relay_sender_group => &manifest.relay_sender_group,
        relay_policy => crate::model::relay_policy(&manifest.relay_sender_group),
        header => &manifest.header,
    };
    let guard = minijinja::context! {
        revealed => revealed.is_some(),
        logged => logged,
        ..shared.clone()
    };
    let mut rendered: Vec<Rendered> = vec![(GUARD_FILE.to_owned(), ids::CISCO_RELAY_GUARD, guard)];
    if revealed.is_none() {
        let smart_hosts: std::collections::BTreeSet<&str> = relaying
            .iter()
            .filter_map(|&i| tenants[i].topology.outbound.as_ref())
            .flat_map(|o| o.smart_hosts.iter().map(String::as_str))
            .collect();
        rendered.push((
            STEPS_FILE.to_owned(),
            ids::CISCO_APPLIANCE_STEPS,
            minijinja::context! {
                smart_hosts => smart_hosts,
                commit_comment => format!("mailflowc: relay guard of appliance {label}"),
                ..shared
            },
        ));
    }
    let env = crate::targets::shared_environment()?;
    let mut out = Files::new();
    for (path, template, context) in rendered {
        let text = crate::targets::render(env, template, context, lang)?;
        out.insert(path, crate::targets::normalize_newlines(&text));
    }
    if revealed.is_none() {
        out.insert(
            MARKER_FILE.to_owned(),
            format!(
                "This directory is generated by mailflowc for appliance {label}, from the fleet's tenants that name it.\n\
                 `mailflowc build` of the fleet replaces it whole; do not keep other files here.\n{}",
                crate::targets::language_line(lang)
            ),
        );
        let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        text.push('\n');
        out.insert(MANIFEST_FILE.to_owned(), text);
    }
    Ok(out)
}
