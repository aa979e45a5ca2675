//! View-models for the Exchange Online PowerShell scripts.
//!
//! File names carry a two-digit prefix in run order: inbound (10–40), then
//! outbound (50, 60), then the lock-down (70), which must run last, after MX
//! cutover. Rollback scripts are numbered in the order to undo things: the
//! most recent change first.
//!
//! Which parameters each object gets, and why, follows
//! `shared/reference/exchange-facts.md`; `tests/powershell.rs` checks every
//! emitted cmdlet and parameter against Microsoft's cmdlet reference.

use super::context;
use crate::check::ALLOW_LIST_CAP;
use crate::model::{Outbound, Topology};
use crate::parse::{EfMode, LockdownBy, OutboundTls};
use minijinja::Value;
use serde::Serialize;

#[derive(Serialize)]
struct Script {
    file_name: String,
    synopsis: &'static str,
    /// Lines of the help block. Only computed or validated text goes here
    /// (addresses, domains, counts): a user string could close the comment.
    description: Vec<String>,
    source: String,
    params: Vec<ScriptParam>,
}

/// A parameter of the generated script itself.
#[derive(Serialize)]
struct ScriptParam {
    declaration: &'static str,
    help: &'static str,
}

/// One property of an Exchange object's wanted state.
#[derive(Serialize)]
struct Param {
    name: &'static str,
    value: PsValue,
    /// A PowerShell expression the template writes as it is, instead of
    /// `value`: only for fixed text such as `$Secret`, never for user data.
    expr: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PsValue {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
    Null(()),
}

/// An Exchange object the scripts create, update or remove by name.
#[derive(Serialize)]
struct Object {
    /// The cmdlet noun: `InboundConnector`, `OutboundConnector`, `TransportRule`.
    noun: &'static str,
    label: &'static str,
    name: String,
    params: Vec<Param>,
    /// Parameters given when creating: those with a value.
    create_params: Vec<&'static str>,
    /// Properties whose values are never printed.
    masked: Vec<&'static str>,
}

impl Object {
    fn new(noun: &'static str, label: &'static str, name: &str, params: Vec<Param>) -> Self {
        let create_params = params
            .iter()
            .filter(|p| p.expr.is_some() || !matches!(p.value, PsValue::Null(())))
            .map(|p| p.name)
            .collect();
        Object {
            noun,
            label,
            name: name.to_owned(),
            params,
            create_params,
            masked: Vec::new(),
        }
    }

    /// The same object, for a rollback script: only its name matters.
    fn named(noun: &'static str, label: &'static str, name: &str) -> Self {
        Object::new(noun, label, name, Vec::new())
    }
}

const INBOUND_CONNECTOR: (&str, &str) = ("InboundConnector", "inbound connector");
const OUTBOUND_CONNECTOR: (&str, &str) = ("OutboundConnector", "outbound connector");
const TRANSPORT_RULE: (&str, &str) = ("TransportRule", "transport rule");

fn param(name: &'static str, value: PsValue) -> Param {
    Param {
        name,
        value,
        expr: None,
    }
}

fn text(value: &str) -> PsValue {
    PsValue::Text(value.to_owned())
}

fn list_or_null(items: Vec<String>) -> PsValue {
    if items.is_empty() {
        PsValue::Null(())
    } else {
        PsValue::List(items)
    }
}

/// The scripts being assembled: each gets the common context (its header,
/// the tenant) plus its own values.
struct ScriptSet<'a> {
    source: &'a str,
    tenant: &'a str,
    out: Vec<(String, &'static str, Value)>,
}

impl ScriptSet<'_> {
    fn add(&mut self, path: &str, template: &'static str, header: Header, extra: Value) {
        let script = Script {
            file_name: path.rsplit('/').next().unwrap_or(path).to_owned(),
            synopsis: header.synopsis,
            description: header.description,
            source: self.source.to_owned(),
            params: header.params,
        };
        let ctx =
            minijinja::context! { script => context(&script), tenant => self.tenant, ..extra };
        self.out.push((path.to_owned(), template, ctx));
    }

    fn object(&mut self, path: &str, header: Header, object: &Object) {
        self.add(
            path,
            "powershell/object.ps1.j2",
            header,
            minijinja::context! { object => context(object) },
        );
    }
}

/// A rollback script, collected in apply order and numbered in undo order.
struct Rollback {
    slug: &'static str,
    header: Header,
    template: &'static str,
    extra: Value,
}

impl Rollback {
    fn removal(slug: &'static str, header: Header, object: Object) -> Self {
        Rollback {
            slug,
            header,
            template: "powershell/rollback.ps1.j2",
            extra: minijinja::context! { object => context(&object) },
        }
    }
}

/// What a script's help block says.
struct Header {
    synopsis: &'static str,
    description: Vec<String>,
    params: Vec<ScriptParam>,
}

fn header(synopsis: &'static str, description: &[&str]) -> Header {
    Header {
        synopsis,
        description: description.iter().map(|line| (*line).to_owned()).collect(),
        params: Vec::new(),
    }
}

impl Header {
    fn with_lines(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.description.extend(lines);
        self
    }

    fn with_param(mut self, declaration: &'static str, help: &'static str) -> Self {
        self.params.push(ScriptParam { declaration, help });
        self
    }
}

/// Every Exchange script: (path, template, context).
pub fn scripts(topology: &Topology, source: &str) -> Vec<(String, &'static str, Value)> {
    let inbound = &topology.inbound;
    let names = &topology.names;
    let tenant = topology.organization.tenant.as_str();
    let domains = &topology.organization.domains;
    let egress = &topology.gateway.egress;
    let exchange_entries = egress.ipv4_exchange_entries();
    let address_notes: Vec<String> = egress
        .ipv4_split_prefixes()
        .into_iter()
        .map(|p| format!("{p} is split into /24 entries: Exchange takes /24 to /32 here."))
        .chain(
            egress
                .ipv6_prefixes()
                .into_iter()
                .map(|p| format!("{p} is left out: Exchange takes only IPv4 here.")),
        )
        .collect();
    let mut set = ScriptSet {
        source,
        tenant,
        out: Vec::new(),
    };

    set.add(
        "exchange/00-preflight.ps1",
        "powershell/preflight.ps1.j2",
        header("Checks the Exchange Online session and prepares the tenant.", &[])
            .with_lines([format!(
                "Phase: prepare. Run first, connected with Connect-ExchangeOnline -Organization {tenant}."
            )])
            .with_lines(
                [
                    "Checks that every routed domain is an accepted domain, and runs",
                    "Enable-OrganizationCustomization when Get-OrganizationConfig reports the",
                    "tenant dehydrated (IsDehydrated = True); it can be run only once.",
                ]
                .map(String::from),
            ),
        minijinja::context! { domains => domains },
    );

    set.object(
        "exchange/10-inbound-connector.ps1",
        header(
            "Creates or updates the inbound connector from the gateway.",
            &[
                "Phase: prepare. Safe before MX cutover: this connector rejects nothing by",
                "address; 70-lockdown-connector.ps1 does that, later.",
                "Creates or updates the Partner inbound connector that identifies mail from the",
                "gateway by its egress addresses, requires TLS, and carries Enhanced Filtering",
            ],
        )
        .with_lines([ef_summary(topology)])
        .with_lines(address_notes.iter().cloned()),
        &inbound_connector(topology, &exchange_entries),
    );
    let mut rollbacks =
        vec![Rollback::removal(
        "remove-inbound-connector",
        header(
            "Removes the inbound connector from the gateway.",
            &[
                "Rollback of 10-inbound-connector.ps1, Enhanced Filtering included. Run it after",
                "MX points back at Microsoft 365 and the gateway's TTL has run out.",
            ],
        ),
        Object::named(INBOUND_CONNECTOR.0, INBOUND_CONNECTOR.1, &names.inbound_connector),
    )];

    if inbound.allow_list {
        set.add(
            "exchange/20-allow-list.ps1",
            "powershell/allow-list.ps1.j2",
            header(
                "Adds the gateway to the connection-filter IP allow list.",
                &[
                    "Phase: prepare. Adds the gateway's egress addresses to the IP allow list of the",
                    "Default connection filter policy with @{Add=...}, keeping every entry the",
                ],
            )
            .with_lines([
                format!(
                    "tenant already has ({} gateway entries; cap {ALLOW_LIST_CAP}).",
                    exchange_entries.len()
                ),
                "Audit baselines flag allow-list entries (ORCA-114, CIS 2.1.12): intended here.".to_owned(),
            ])
            .with_lines(address_notes.iter().cloned()),
            minijinja::context! { entries => &exchange_entries, cap => ALLOW_LIST_CAP },
        );
        rollbacks.push(Rollback {
            slug: "remove-allow-list-entries",
            header: header(
                "Removes the gateway's entries from the connection-filter IP allow list.",
                &[
                    "Rollback of 20-allow-list.ps1. Removes with @{Remove=...} only the gateway's",
                    "entries; every other entry stays. An entry the tenant had listed before",
                    "mailflowc cannot be told apart from one it added, and is removed too.",
                ],
            ),
            template: "powershell/rollback-allow-list.ps1.j2",
            extra: minijinja::context! { entries => &exchange_entries },
        });
    }

    if inbound.spf_hard_fail_off {
        set.add(
            "exchange/30-spf-hard-fail.ps1",
            "powershell/spf-hard-fail.ps1.j2",
            header(
                "Turns SPF hard fail off in the Default anti-spam policy.",
                &[
                    "Phase: prepare. Behind a gateway, Microsoft recommends not marking SPF hard",
                    "fail as spam. Off is also the policy's default, so the rollback scripts",
                    "leave it off. Custom anti-spam policies are reported, not changed.",
                ],
            ),
            minijinja::context! {},
        );
    }

    if inbound.scl_bypass_rule {
        let rule = Object::new(
            TRANSPORT_RULE.0,
            TRANSPORT_RULE.1,
            &names.scl_bypass_rule,
            vec![
                param("SenderIpRanges", PsValue::List(egress.ipv4_prefixes())),
                param("SetSCL", PsValue::Int(-1)),
                param(
                    "Comments",
                    text("Managed by mailflowc: mail from the secure email gateway bypasses spam filtering (SCL -1)."),
                ),
            ],
        );
        set.object(
            "exchange/40-scl-bypass-rule.ps1",
            header(
                "Creates or updates the SCL -1 bypass rule for the gateway.",
                &[
                    "Phase: prepare. Opt-in: mail whose last hop is one of the gateway's addresses",
                    "skips spam filtering. Fails ORCA-118-2 by intent. Only with Enhanced",
                    "Filtering off: Microsoft says to disable such rules once it is on.",
                ],
            ),
            &rule,
        );
        rollbacks.push(Rollback::removal(
            "remove-scl-bypass-rule",
            header(
                "Removes the SCL -1 bypass rule.",
                &["Rollback of 40-scl-bypass-rule.ps1."],
            ),
            Object::named(TRANSPORT_RULE.0, TRANSPORT_RULE.1, &names.scl_bypass_rule),
        ));
    }

    if let Some(outbound) = &topology.outbound {
        set.object(
            "exchange/50-outbound-connector.ps1",
            header(
                "Creates or updates the outbound connector to the gateway.",
                &[
                    "Phase: outbound. A Partner connector used only when a transport rule routes",
                    "mail to it (60-outbound-rule.ps1), delivering to the gateway's smart hosts",
                    "instead of the recipients' MX records.",
                ],
            )
            .with_lines([format!("TLS: {}.", outbound.tls.exchange_value())]),
            &outbound_connector(topology, outbound),
        );
        let mut rule = Object::new(
            TRANSPORT_RULE.0,
            TRANSPORT_RULE.1,
            &names.outbound_rule,
            vec![
                param("FromScope", text("InOrganization")),
                param("SentToScope", text("NotInOrganization")),
                param("RouteMessageOutboundConnector", text(&names.outbound_connector)),
                param("SetHeaderName", text(&outbound.secret_header.name)),
                Param { name: "SetHeaderValue", value: PsValue::Null(()), expr: Some("$Secret") },
                param(
                    "Comments",
                    text("Managed by mailflowc: outbound mail goes through the secure email gateway, stamped with the tenant secret it checks."),
                ),
            ],
        );
        rule.masked.push("SetHeaderValue");
        let mut rule_header = header(
            "Creates or updates the rule that routes outbound mail through the gateway.",
            &[
                "Phase: outbound, after 50-outbound-connector.ps1. Mail from inside the",
                "organization to outside recipients goes to the outbound connector, stamped",
                "with the secret header the gateway checks before relaying.",
                "The secret is read at run time (-Secret, then the environment variable named",
                "in the topology, then a prompt) and must match the fingerprint",
            ],
        )
        .with_lines([format!("sha256 {}.", outbound.secret_header.sha256)]);
        rule_header = rule_header.with_param(
            "[string] $Secret",
            "The secret header's value. Never stored in this file.",
        );
        set.add(
            "exchange/60-outbound-rule.ps1",
            "powershell/outbound-rule.ps1.j2",
            rule_header,
            minijinja::context! {
                object => context(&rule),
                connector_name => &names.outbound_connector,
                secret => minijinja::context! {
                    sha256 => &outbound.secret_header.sha256,
                    env => &outbound.secret_header.env,
                    header => &outbound.secret_header.name,
                },
            },
        );
        rollbacks.push(Rollback::removal(
            "remove-outbound-connector",
            header(
                "Removes the outbound connector to the gateway.",
                &["Rollback of 50-outbound-connector.ps1; run the rule's rollback first."],
            ),
            Object::named(
                OUTBOUND_CONNECTOR.0,
                OUTBOUND_CONNECTOR.1,
                &names.outbound_connector,
            ),
        ));
        rollbacks.push(Rollback::removal(
            "remove-outbound-rule",
            header(
                "Removes the rule that routes outbound mail through the gateway.",
                &["Rollback of 60-outbound-rule.ps1: outbound mail goes straight out again."],
            ),
            Object::named(TRANSPORT_RULE.0, TRANSPORT_RULE.1, &names.outbound_rule),
        ));
    }

    if let Some(lockdown) = &inbound.lockdown {
        let restriction = match lockdown.by {
            LockdownBy::IpAddresses => "arrives from an address outside the gateway's egress list,",
            LockdownBy::Certificate => "arrives without the gateway's TLS certificate,",
        };
        let mut lockdown_header = header(
            "Creates or updates the lock-down connector.",
            &[
                "Phase: lock-down. Run only after every domain's MX points at the gateway and the",
                "old MX record's TTL has run out (wait 24 to 72 hours to be safe).",
                "Creates the Partner connector that rejects mail for the routed domains that",
                restriction,
                "so nobody can deliver around the gateway through stale MX records. It is",
            ],
        )
        .with_lines([format!(
            "scoped to the routed domains: mail to {tenant} is not affected."
        )]);
        if lockdown.by == LockdownBy::IpAddresses {
            lockdown_header = lockdown_header.with_lines(address_notes.iter().cloned());
        }
        lockdown_header = lockdown_header.with_param(
            "[switch] $SkipMxCheck",
            "Skip the DNS check that every domain's MX has left Microsoft 365.",
        );
        set.add(
            "exchange/70-lockdown-connector.ps1",
            "powershell/lockdown-connector.ps1.j2",
            lockdown_header,
            minijinja::context! {
                domains => domains,
                object => context(&lockdown_connector(topology, lockdown.by, &exchange_entries)),
            },
        );
        rollbacks.push(Rollback::removal(
            "remove-lockdown-connector",
            header(
                "Removes the lock-down connector.",
                &[
                    "Rollback of 70-lockdown-connector.ps1: the first thing to run when mail",
                    "is rejected after lock-down, or before pointing MX back at Microsoft 365.",
                ],
            ),
            Object::named(
                INBOUND_CONNECTOR.0,
                INBOUND_CONNECTOR.1,
                &names.lockdown_connector,
            ),
        ));
    }

    for (index, rollback) in rollbacks.into_iter().rev().enumerate() {
        let path = format!(
            "exchange/rollback/{}-{}.ps1",
            (index + 1) * 10,
            rollback.slug
        );
        set.add(&path, rollback.template, rollback.header, rollback.extra);
    }
    set.out
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

fn inbound_connector(topology: &Topology, exchange_entries: &[String]) -> Object {
    let mut params = vec![
        param("ConnectorType", text("Partner")),
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
        params.push(param("TlsSenderCertificateName", text(certificate)));
    }
    params.extend(enhanced_filtering_params(topology));
    params.push(param(
        "Comment",
        text("Managed by mailflowc: mail from the secure email gateway."),
    ));
    Object::new(
        INBOUND_CONNECTOR.0,
        INBOUND_CONNECTOR.1,
        &topology.names.inbound_connector,
        params,
    )
}

fn lockdown_connector(topology: &Topology, by: LockdownBy, exchange_entries: &[String]) -> Object {
    let mut params = vec![
        param("ConnectorType", text("Partner")),
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
        text("Managed by mailflowc: rejects mail that did not come through the secure email gateway."),
    ));
    Object::new(
        INBOUND_CONNECTOR.0,
        INBOUND_CONNECTOR.1,
        &topology.names.lockdown_connector,
        params,
    )
}

/// The rule-scoped outbound connector (exchange-facts F-OUT-02, F-OUT-04 to
/// F-OUT-06): smart hosts instead of MX, TlsDomain only with DomainValidation.
fn outbound_connector(topology: &Topology, outbound: &Outbound) -> Object {
    let tls_domain = match outbound.tls {
        OutboundTls::DomainValidation => outbound
            .tls_domain
            .clone()
            .map_or(PsValue::Null(()), PsValue::Text),
        _ => PsValue::Null(()),
    };
    let params = vec![
        param("ConnectorType", text("Partner")),
        param("IsTransportRuleScoped", PsValue::Bool(true)),
        param("UseMXRecord", PsValue::Bool(false)),
        param("SmartHosts", PsValue::List(outbound.smart_hosts.clone())),
        param("TlsSettings", text(outbound.tls.exchange_value())),
        param("TlsDomain", tls_domain),
        param(
            "Comment",
            text("Managed by mailflowc: outbound mail to the secure email gateway, chosen by a transport rule."),
        ),
    ];
    Object::new(
        OUTBOUND_CONNECTOR.0,
        OUTBOUND_CONNECTOR.1,
        &topology.names.outbound_connector,
        params,
    )
}
