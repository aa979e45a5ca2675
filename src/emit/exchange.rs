//! View-models for the Exchange Online PowerShell scripts.
//!
//! File names carry a two-digit prefix in run order; numbers are spaced so
//! the outbound scripts (50, 60) slot in before the lock-down (70), which must
//! run last, after MX cutover. Rollback scripts are numbered in the order to
//! undo things: the most recent change first.
//!
//! Which parameters each object gets, and why, follows
//! `shared/reference/exchange-facts.md`; `tests/powershell.rs` checks every
//! emitted cmdlet and parameter against Microsoft's cmdlet reference.

use super::context;
use crate::check::ALLOW_LIST_CAP;
use crate::model::Topology;
use crate::parse::{EfMode, LockdownBy};
use minijinja::Value;
use serde::Serialize;

#[derive(Serialize)]
struct Script {
    file_name: String,
    synopsis: String,
    /// Lines of the help block. Only computed or validated text goes here
    /// (addresses, domains, counts): a user string could close the comment.
    description: Vec<String>,
    source: String,
    switches: Vec<Switch>,
}

#[derive(Serialize)]
struct Switch {
    name: &'static str,
    help: &'static str,
}

/// One parameter of a connector's wanted state.
#[derive(Serialize)]
struct Param {
    name: &'static str,
    value: PsValue,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PsValue {
    Bool(bool),
    Text(String),
    List(Vec<String>),
    Null(()),
}

#[derive(Serialize)]
struct Connector {
    name: String,
    params: Vec<Param>,
    /// Parameters given to `New-InboundConnector`: those with a value.
    create_params: Vec<&'static str>,
}

impl Connector {
    fn new(name: &str, params: Vec<Param>) -> Self {
        let create_params = params
            .iter()
            .filter(|p| !matches!(p.value, PsValue::Null(())))
            .map(|p| p.name)
            .collect();
        Connector {
            name: name.to_owned(),
            params,
            create_params,
        }
    }
}

#[derive(Serialize)]
struct Rule {
    name: String,
    sender_ip_ranges: Vec<String>,
    comments: String,
}

/// Every Exchange script: (path, template, context).
pub fn scripts(topology: &Topology, source: &str) -> Vec<(String, &'static str, Value)> {
    let inbound = &topology.inbound;
    let tenant = &topology.organization.tenant;
    let domains = &topology.organization.domains;
    let egress = &topology.gateway.egress;
    let exchange_entries = egress.ipv4_exchange_entries();
    let mut address_notes = Vec::new();
    for prefix in egress.ipv4_split_prefixes() {
        address_notes.push(format!(
            "{prefix} is split into /24 entries: Exchange takes /24 to /32 here."
        ));
    }
    for prefix in egress.ipv6_prefixes() {
        address_notes.push(format!(
            "{prefix} is left out: Exchange takes only IPv4 here."
        ));
    }

    let script =
        |file: &str, synopsis: &str, description: Vec<String>, switches: Vec<Switch>| Script {
            file_name: file.rsplit('/').next().unwrap_or(file).to_owned(),
            synopsis: synopsis.to_owned(),
            description,
            source: source.to_owned(),
            switches,
        };
    let mut out = Vec::new();
    let mut push = |path: &str, template: &'static str, ctx: Value| {
        out.push((path.to_owned(), template, ctx));
    };

    let path = "exchange/00-preflight.ps1";
    push(
        path,
        "powershell/preflight.ps1.j2",
        minijinja::context! {
            script => context(&script(path, "Checks the Exchange Online session and prepares the tenant.", vec![
                format!("Phase: prepare. Run first, connected with Connect-ExchangeOnline -Organization {tenant}."),
                "Checks that every routed domain is an accepted domain, and runs".to_owned(),
                "Enable-OrganizationCustomization when Get-OrganizationConfig reports the".to_owned(),
                "tenant dehydrated (IsDehydrated = True); it can be run only once.".to_owned(),
            ], vec![])),
            tenant => tenant,
            domains => domains,
        },
    );

    let path = "exchange/10-inbound-connector.ps1";
    let mut description = vec![
        "Phase: prepare. Safe before MX cutover: this connector rejects nothing by".to_owned(),
        "address; 70-lockdown-connector.ps1 does that, later.".to_owned(),
        "Creates or updates the Partner inbound connector that identifies mail from the".to_owned(),
        "gateway by its egress addresses, requires TLS, and carries Enhanced Filtering".to_owned(),
        ef_summary(topology),
    ];
    description.extend(address_notes.iter().cloned());
    push(
        path,
        "powershell/inbound-connector.ps1.j2",
        minijinja::context! {
            script => context(&script(path, "Creates or updates the inbound connector from the gateway.", description, vec![])),
            tenant => tenant,
            connector => context(&inbound_connector(topology, &exchange_entries)),
        },
    );

    if inbound.allow_list {
        let path = "exchange/20-allow-list.ps1";
        let mut description = vec![
            "Phase: prepare. Adds the gateway's egress addresses to the IP allow list of the"
                .to_owned(),
            "Default connection filter policy with @{Add=...}, keeping every entry the".to_owned(),
            format!(
                "tenant already has ({} gateway entries; cap {ALLOW_LIST_CAP}).",
                exchange_entries.len()
            ),
            "Audit baselines flag allow-list entries (ORCA-114, CIS 2.1.12): intended here."
                .to_owned(),
        ];
        description.extend(address_notes.iter().cloned());
        push(
            path,
            "powershell/allow-list.ps1.j2",
            minijinja::context! {
                script => context(&script(path, "Adds the gateway to the connection-filter IP allow list.", description, vec![])),
                tenant => tenant,
                entries => &exchange_entries,
                cap => ALLOW_LIST_CAP,
            },
        );
        let path = "exchange/rollback/30-remove-allow-list-entries.ps1";
        push(
            path,
            "powershell/rollback-allow-list.ps1.j2",
            minijinja::context! {
                script => context(&script(path, "Removes the gateway's entries from the connection-filter IP allow list.", vec![
                    "Rollback of 20-allow-list.ps1. Removes with @{Remove=...} only the gateway's".to_owned(),
                    "entries; every other entry stays. An entry the tenant had listed before".to_owned(),
                    "mailflowc cannot be told apart from one it added, and is removed too.".to_owned(),
                ], vec![])),
                tenant => tenant,
                entries => &exchange_entries,
            },
        );
    }

    if inbound.spf_hard_fail_off {
        let path = "exchange/30-spf-hard-fail.ps1";
        push(
            path,
            "powershell/spf-hard-fail.ps1.j2",
            minijinja::context! {
                script => context(&script(path, "Turns SPF hard fail off in the Default anti-spam policy.", vec![
                    "Phase: prepare. Behind a gateway, Microsoft recommends not marking SPF hard".to_owned(),
                    "fail as spam. Off is also the policy's default, so the rollback scripts".to_owned(),
                    "leave it off. Custom anti-spam policies are reported, not changed.".to_owned(),
                ], vec![])),
                tenant => tenant,
            },
        );
    }

    if inbound.scl_bypass_rule {
        let rule = Rule {
            name: topology.names.scl_bypass_rule.clone(),
            sender_ip_ranges: egress.ipv4_prefixes(),
            comments: "Managed by mailflowc: mail from the secure email gateway bypasses spam filtering (SCL -1).".to_owned(),
        };
        let path = "exchange/40-scl-bypass-rule.ps1";
        push(
            path,
            "powershell/scl-bypass-rule.ps1.j2",
            minijinja::context! {
                script => context(&script(path, "Creates or updates the SCL -1 bypass rule for the gateway.", vec![
                    "Phase: prepare. Opt-in: mail whose last hop is one of the gateway's addresses".to_owned(),
                    "skips spam filtering. Fails ORCA-118-2 by intent. Only with Enhanced".to_owned(),
                    "Filtering off: Microsoft says to disable such rules once it is on.".to_owned(),
                ], vec![])),
                tenant => tenant,
                rule => context(&rule),
            },
        );
        let path = "exchange/rollback/20-remove-scl-bypass-rule.ps1";
        push(
            path,
            "powershell/rollback-scl-bypass-rule.ps1.j2",
            minijinja::context! {
                script => context(&script(path, "Removes the SCL -1 bypass rule.", vec![
                    "Rollback of 40-scl-bypass-rule.ps1.".to_owned(),
                ], vec![])),
                tenant => tenant,
                rule_name => &topology.names.scl_bypass_rule,
            },
        );
    }

    if let Some(lockdown) = &inbound.lockdown {
        let path = "exchange/70-lockdown-connector.ps1";
        let restriction = match lockdown.by {
            LockdownBy::IpAddresses => "arrives from an address outside the gateway's egress list,",
            LockdownBy::Certificate => "arrives without the gateway's TLS certificate,",
        };
        let mut description = vec![
            "Phase: lock-down. Run only after every domain's MX points at the gateway and the"
                .to_owned(),
            "old MX record's TTL has run out (wait 24 to 72 hours to be safe).".to_owned(),
            "Creates the Partner connector that rejects mail for the routed domains that"
                .to_owned(),
            restriction.to_owned(),
            "so nobody can deliver around the gateway through stale MX records. It is".to_owned(),
            format!("scoped to the routed domains: mail to {tenant} is not affected."),
        ];
        if lockdown.by == LockdownBy::IpAddresses {
            description.extend(address_notes.iter().cloned());
        }
        push(
            path,
            "powershell/lockdown-connector.ps1.j2",
            minijinja::context! {
                script => context(&script(path, "Creates or updates the lock-down connector.", description, vec![
                    Switch { name: "SkipMxCheck", help: "Skip the DNS check that every domain's MX has left Microsoft 365." },
                ])),
                tenant => tenant,
                domains => domains,
                connector => context(&lockdown_connector(topology, lockdown.by, &exchange_entries)),
            },
        );
        let path = "exchange/rollback/10-remove-lockdown-connector.ps1";
        push(
            path,
            "powershell/rollback-connector.ps1.j2",
            minijinja::context! {
                script => context(&script(path, "Removes the lock-down connector.", vec![
                    "Rollback of 70-lockdown-connector.ps1: the first thing to run when mail".to_owned(),
                    "is rejected after lock-down, or before pointing MX back at Microsoft 365.".to_owned(),
                ], vec![])),
                tenant => tenant,
                connector_name => &topology.names.lockdown_connector,
            },
        );
    }

    let path = "exchange/rollback/40-remove-inbound-connector.ps1";
    push(
        path,
        "powershell/rollback-connector.ps1.j2",
        minijinja::context! {
            script => context(&script(path, "Removes the inbound connector from the gateway.", vec![
                "Rollback of 10-inbound-connector.ps1, Enhanced Filtering included. Run it after".to_owned(),
                "MX points back at Microsoft 365 and the gateway's TTL has run out.".to_owned(),
            ], vec![])),
            tenant => tenant,
            connector_name => &topology.names.inbound_connector,
        },
    );
    out
}

fn ef_summary(topology: &Topology) -> String {
    let ef = &topology.inbound.enhanced_filtering;
    let scope = if ef.pilot_recipients.is_empty() {
        "for every recipient".to_owned()
    } else {
        format!("for {} pilot recipient(s) only", ef.pilot_recipients.len())
    };
    match ef.mode {
        EfMode::Off => "(here: off).".to_owned(),
        EfMode::SkipLastIp => format!("(here: skip the last hop, {scope})."),
        EfMode::SkipListed => format!(
            "(here: skip {} listed prefix(es), {scope}).",
            ef.skip_ips.ipv4().len()
        ),
    }
}

fn param(name: &'static str, value: PsValue) -> Param {
    Param { name, value }
}

fn list_or_null(items: Vec<String>) -> PsValue {
    if items.is_empty() {
        PsValue::Null(())
    } else {
        PsValue::List(items)
    }
}

/// Enhanced Filtering settings, the same on every connector that may receive
/// the gateway's mail: Microsoft says a restricting connector takes
/// precedence over an unrestricted one for the same senders
/// (exchange-facts F-IN-10), so after lock-down the lock-down connector may be
/// the one that matches, and it must skip the same hops.
fn enhanced_filtering_params(topology: &Topology) -> [Param; 3] {
    let ef = &topology.inbound.enhanced_filtering;
    [
        param("EFSkipLastIP", PsValue::Bool(ef.mode == EfMode::SkipLastIp)),
        param("EFSkipIPs", list_or_null(ef.skip_ips.ipv4_prefixes())),
        param("EFUsers", list_or_null(ef.pilot_recipients.clone())),
    ]
}

fn inbound_connector(topology: &Topology, exchange_entries: &[String]) -> Connector {
    let mut params = vec![
        param("ConnectorType", PsValue::Text("Partner".to_owned())),
        param("SenderDomains", PsValue::List(vec!["*".to_owned()])),
        param(
            "SenderIPAddresses",
            PsValue::List(exchange_entries.to_vec()),
        ),
        // Restriction by address is the lock-down connector's job, after cutover.
        param("RestrictDomainsToIPAddresses", PsValue::Bool(false)),
        param("RequireTls", PsValue::Bool(true)),
    ];
    if let Some(certificate) = &topology.gateway.tls_certificate {
        params.push(param(
            "TlsSenderCertificateName",
            PsValue::Text(certificate.clone()),
        ));
    }
    params.extend(enhanced_filtering_params(topology));
    params.push(param(
        "Comment",
        PsValue::Text("Managed by mailflowc: mail from the secure email gateway.".to_owned()),
    ));
    Connector::new(&topology.names.inbound_connector, params)
}

fn lockdown_connector(
    topology: &Topology,
    by: LockdownBy,
    exchange_entries: &[String],
) -> Connector {
    let mut params = vec![
        param("ConnectorType", PsValue::Text("Partner".to_owned())),
        param("SenderDomains", PsValue::List(vec!["*".to_owned()])),
        param(
            "AssociatedAcceptedDomains",
            PsValue::List(topology.organization.domains.clone()),
        ),
        param("RequireTls", PsValue::Bool(true)),
    ];
    // Address and certificate restriction go in separate connectors
    // (exchange-facts F-IN-10), so each lock-down uses exactly one.
    match by {
        LockdownBy::IpAddresses => {
            params.push(param(
                "SenderIPAddresses",
                PsValue::List(exchange_entries.to_vec()),
            ));
            params.push(param("RestrictDomainsToIPAddresses", PsValue::Bool(true)));
        }
        LockdownBy::Certificate => {
            let certificate = topology.gateway.tls_certificate.clone().unwrap_or_default();
            params.push(param(
                "TlsSenderCertificateName",
                PsValue::Text(certificate),
            ));
            params.push(param("RestrictDomainsToCertificate", PsValue::Bool(true)));
        }
    }
    params.extend(enhanced_filtering_params(topology));
    params.push(param(
        "Comment",
        PsValue::Text(
            "Managed by mailflowc: rejects mail that did not come through the secure email gateway."
                .to_owned(),
        ),
    ));
    Connector::new(&topology.names.lockdown_connector, params)
}
