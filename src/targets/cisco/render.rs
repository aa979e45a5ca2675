//! Cisco steps → template contexts: the relay-guard message filter to paste
//! at the CLI, and the ordered steps around it.

use super::placeholder::placeholder;
use super::plan::{FILTER_FILE, STEPS_FILE};
use crate::model::Topology;
use crate::parse::{DestinationTls, SenderCheck};
use crate::secret::RevealedSecrets;
use crate::targets::templates::ids;
use crate::targets::{context, Rendered};

/// Every Cisco file: (path, template, context). `revealed` replaces the
/// placeholders with the real secrets.
pub fn files(
    topology: &Topology,
    source: &str,
    revealed: Option<&RevealedSecrets>,
) -> Vec<Rendered> {
    let Some(cisco) = &topology.cisco else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if revealed.is_none() {
        let controls = &cisco.destination_controls;
        let (tls_label, tls_choice) = match controls.tls {
            DestinationTls::Preferred => ("Preferred", "2 (Preferred)"),
            DestinationTls::Required => ("Required", "3 (Required)"),
        };
        out.push((
            STEPS_FILE.to_owned(),
            ids::CISCO_STEPS,
            minijinja::context! {
                source => source,
                cisco => context(cisco),
                cisco_relay_policy => crate::model::relay_policy(&cisco.relay_sender_group),
                domains => &topology.organization.domains,
                routes => context(&topology.organization.microsoft365_mx),
                controls => minijinja::context! {
                    max_concurrency => controls.max_concurrency,
                    max_messages_per_connection => controls.max_messages_per_connection,
                    tls_label => tls_label,
                    tls_choice => tls_choice,
                },
                outbound => context(&topology.outbound),
                inbound => topology.inbound.through_gateway,
                commit_comment => format!("mailflowc: Microsoft 365 integration from {source}"),
                sender_domains => topology.organization.sender_domains(),
                sender_check => sender_check_word(cisco.sender_check),
                appliance => cisco.appliance.as_deref().map(|label| minijinja::context! {
                    label => label,
                    steps => super::appliance::steps_from_tenant(label),
                    guard => super::appliance::guard_from_tenant(label),
                }),
            },
        ));
    }
    // On a shared appliance, the relay guard is the appliance's, built
    // for the whole fleet (`appliance::files`).
    if let Some(header) =
        super::appliance::secret_header(topology).filter(|_| cisco.appliance.is_none())
    {
        let secrets: Vec<String> = match revealed {
            Some(secrets) => std::iter::once(secrets.current.clone())
                .chain(secrets.previous.clone())
                .collect(),
            None => std::iter::once(placeholder(&header.sha256))
                .chain(header.previous_sha256.as_deref().map(placeholder))
                .collect(),
        };
        let (entry, logged) = guard_entry(topology, None, secrets);
        out.push((
            FILTER_FILE.to_owned(),
            ids::CISCO_RELAY_GUARD,
            minijinja::context! {
                revealed => revealed.is_some(),
                appliance => None::<String>,
                tenants => vec![entry],
                logged => logged,
                filter_name => &cisco.filter_name,
                outbound_listener => &cisco.outbound_listener,
                relay_sender_group => &cisco.relay_sender_group,
                header => &header.name,
            },
        ));
    }
    out
}

/// One tenant's entry in a relay guard: the secrets it accepts (`accepted`:
/// placeholders, or the real values when revealed), bound to the tenant's
/// sender domains; and those secrets again when its sender check only logs
/// (they pass from any sender, logged).
pub(super) fn guard_entry(
    topology: &Topology,
    tenant: Option<&str>,
    accepted: Vec<String>,
) -> (minijinja::Value, Vec<String>) {
    let header = super::appliance::secret_header(topology);
    let check = topology
        .cisco
        .as_ref()
        .map(|c| c.sender_check)
        .unwrap_or_default();
    let logged = match check {
        SenderCheck::Log => accepted.clone(),
        SenderCheck::Enforce => Vec::new(),
    };
    let entry = minijinja::context! {
        // A file name can hold anything; comments get the safe label.
        tenant => tenant.map(crate::targets::source_label),
        name => &topology.organization.name,
        sha256 => header.map(|h| &h.sha256),
        previous_sha256 => header.and_then(|h| h.previous_sha256.as_ref()),
        secrets => accepted,
        senders => topology.organization.sender_domains(),
        check => sender_check_word(check),
        enforce => check == SenderCheck::Enforce,
    };
    (entry, logged)
}

/// How a topology writes a sender check.
pub fn sender_check_word(check: SenderCheck) -> &'static str {
    match check {
        SenderCheck::Log => "log",
        SenderCheck::Enforce => "enforce",
    }
}
