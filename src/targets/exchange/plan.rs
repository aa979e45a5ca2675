//! The Exchange Online plan: one step per script, each with the complete
//! wanted state of the objects it owns.
//!
//! File names carry a two-digit prefix in run order: inbound (10–40), then
//! outbound (50, 60), then the lock-down (70), which must run last, after MX
//! cutover. Rollback scripts are numbered in the order to undo things: the
//! most recent change first.
//!
//! Which parameters each object gets, and why, follows
//! `shared/reference/exchange-facts.md`; `tests/powershell.rs` checks every
//! emitted cmdlet and parameter against Microsoft's cmdlet reference.

use super::objects::{
    comment, inbound_connector, lockdown_connector, outbound_connector, rule_state,
};
use crate::exchange::vocabulary::{
    ARC_CONFIG, ARC_TRUSTED_SEALERS, COMMENTS, CONNECTION_FILTER_POLICY, CONTENT_FILTER_POLICY,
    DEFAULT_POLICY, IP_ALLOW_LIST, MARK_AS_SPAM_SPF_RECORD_HARD_FAIL, ORGANIZATION,
    ORGANIZATION_CONFIG, REJECT_DIRECT_SEND, SENDER_IP_RANGES, TRANSPORT_RULE,
};
use crate::model::Topology;
use crate::parse::EfMode;
use crate::targets::plan::{property, Action, Object, Phase, Step, Target, Value};
use serde::Serialize;

/// The secret the outbound rule stamps, by reference only.
#[derive(Debug, Clone, Serialize)]
pub struct SecretRef {
    pub sha256: String,
    pub env: Option<String>,
    pub header: String,
}

/// What a script does, with the data its template needs.
#[derive(Debug, Clone)]
pub enum Script {
    /// Session, accepted domains, conflicts, organization customization.
    Preflight {
        domains: Vec<String>,
        /// The gateway's entries, to find conflicting connectors and rules.
        entries: Vec<String>,
        /// Every object name mailflowc manages, to find unmarked namesakes.
        names: Vec<String>,
        enhanced_filtering: bool,
        /// Each routed domain's Microsoft 365 MX host, as the topology has
        /// it, to compare with what Exchange expects.
        microsoft365_mx: Vec<(String, String)>,
        /// The tenant's onmicrosoft.com domain when the lock-down will
        /// cover it: what would stop arriving is listed first.
        lockdown_tenant: Option<String>,
    },
    /// Create or update one object.
    Object(Object),
    /// Add the gateway's entries to the connection-filter allow list.
    AllowList { entries: Vec<String> },
    /// Turn SPF hard fail off in the Default anti-spam policy.
    SpfHardFail,
    /// The outbound rule, which needs its connector and the secret (none
    /// where the gateway checks no header).
    OutboundRule {
        rule: Object,
        connector: String,
        secret: Option<SecretRef>,
    },
    /// The lock-down connector, after a check of every domain's MX.
    Lockdown {
        domains: Vec<String>,
        connector: Object,
        /// The tenant's onmicrosoft.com domain when the connector covers it:
        /// the script stops on a hybrid tenant (an OnPremises connector).
        tenant: Option<String>,
    },
    /// Turn Reject Direct Send on for the organization, after a check of
    /// every domain's MX and of the connector the gateway's mail matches.
    RejectDirectSend {
        domains: Vec<String>,
        /// The inbound connector from the gateway, when there is one.
        inbound_connector: Option<String>,
    },
    /// Put Reject Direct Send back to what it was before mailflowc changed it.
    RestoreDirectSend,
    /// Add the gateway to the trusted ARC sealers, keeping the others.
    ArcSealer { sealer: String },
    /// Remove the sealer mailflowc added, and only it.
    RemoveArcSealer { sealer: String },
    /// Remove one object, found by name; an adopted one gets its prior
    /// state back instead. Holds the object as the apply step wants it.
    Remove(Object),
    /// Put SPF hard fail back to what it was before mailflowc changed it.
    RestoreSpfHardFail,
    /// Remove the gateway's entries from the allow list.
    RemoveAllowList { entries: Vec<String> },
    /// Read-only: compare the tenant with every managed object's wanted
    /// state; optionally export what was read.
    Verify {
        objects: Vec<Object>,
        entries: Vec<String>,
        spf: bool,
        /// Whether Reject Direct Send must be on.
        direct_send: bool,
        /// The trusted ARC sealer that must be listed.
        arc_sealer: Option<String>,
        ef_on: bool,
        names: Vec<String>,
        outbound_rule: Option<String>,
    },
    /// Remove what an earlier run added and the topology no longer wants:
    /// objects of roles not planned, allow-list entries not wanted.
    Converge {
        roles: Vec<String>,
        entries: Vec<String>,
        /// Whether Reject Direct Send stays on: if not, a value recorded by
        /// an earlier run is put back.
        direct_send: bool,
        /// The ARC sealer still wanted: others mailflowc added are removed.
        arc_sealer: Option<String>,
    },
}

impl Script {
    /// The objects this script owns, for the generic plan.
    fn objects(&self) -> Vec<Object> {
        match self {
            Script::Preflight { .. } => Vec::new(),
            Script::Object(object) => vec![object.clone()],
            Script::OutboundRule { rule, .. } => vec![rule.clone()],
            Script::Lockdown { connector, .. } => vec![connector.clone()],
            Script::AllowList { entries } => vec![Object::new(
                CONNECTION_FILTER_POLICY,
                DEFAULT_POLICY,
                vec![property(IP_ALLOW_LIST, Value::List(entries.clone()))],
            )],
            Script::SpfHardFail => vec![Object::new(
                CONTENT_FILTER_POLICY,
                DEFAULT_POLICY,
                vec![property(
                    MARK_AS_SPAM_SPF_RECORD_HARD_FAIL,
                    Value::text("Off"),
                )],
            )],
            Script::RejectDirectSend { .. } => vec![Object::new(
                ORGANIZATION_CONFIG,
                ORGANIZATION,
                vec![property(REJECT_DIRECT_SEND, Value::Bool(true))],
            )],
            Script::RestoreDirectSend => vec![Object::new(
                ORGANIZATION_CONFIG,
                ORGANIZATION,
                vec![property(
                    REJECT_DIRECT_SEND,
                    Value::text("(the value recorded before 75-reject-direct-send.ps1 ran)"),
                )],
            )],
            Script::ArcSealer { sealer } | Script::RemoveArcSealer { sealer } => {
                vec![Object::new(
                    ARC_CONFIG,
                    DEFAULT_POLICY,
                    vec![property(
                        ARC_TRUSTED_SEALERS,
                        Value::List(vec![sealer.clone()]),
                    )],
                )]
            }
            Script::Remove(object) => vec![Object {
                properties: Vec::new(),
                ..object.clone()
            }],
            Script::RestoreSpfHardFail => vec![Object::new(
                CONTENT_FILTER_POLICY,
                DEFAULT_POLICY,
                vec![property(
                    MARK_AS_SPAM_SPF_RECORD_HARD_FAIL,
                    Value::text("(the value recorded before 30-spf-hard-fail.ps1 ran)"),
                )],
            )],
            Script::RemoveAllowList { entries } => vec![Object::new(
                CONNECTION_FILTER_POLICY,
                DEFAULT_POLICY,
                vec![property(IP_ALLOW_LIST, Value::List(entries.clone()))],
            )],
            Script::Converge { .. } | Script::Verify { .. } => Vec::new(),
        }
    }
}

/// One Exchange step: the generic step, the script that carries it out and
/// its help text.
#[derive(Debug, Clone)]
pub struct ExchangeStep {
    pub step: Step,
    pub script: Script,
}

/// The steps being assembled.
struct Steps {
    out: Vec<ExchangeStep>,
}

impl Steps {
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        slug: &str,
        file: &str,
        phase: Phase,
        title: &str,
        summary: &str,
        script: Script,
    ) {
        self.out.push(ExchangeStep {
            step: Step {
                id: format!("exchange.{slug}"),
                target: Target::Exchange,
                phase,
                action: Action::Apply,
                file: format!("exchange/{file}"),
                title: title.to_owned(),
                summary: summary.to_owned(),
                objects: script.objects(),
                undo: None,
            },
            script,
        });
    }
}

/// A rollback step, collected in apply order and numbered in undo order.
struct Rollback {
    /// The slug of the step it undoes.
    undoes: &'static str,
    slug: &'static str,
    phase: Phase,
    title: &'static str,
    script: Script,
}

impl Rollback {
    fn removal(
        undoes: &'static str,
        slug: &'static str,
        phase: Phase,
        title: &'static str,
        object: &Object,
    ) -> Self {
        Rollback {
            undoes,
            slug,
            phase,
            title,
            script: Script::Remove(object.clone()),
        }
    }
}

/// Every Exchange step, applying ones in run order, then the rollbacks in
/// undo order.
pub fn plan(topology: &Topology) -> Vec<ExchangeStep> {
    let inbound = &topology.inbound;
    let names = &topology.names;
    let domains = &topology.organization.domains;
    let egress = &topology.gateway.egress;
    let exchange_entries = egress.ipv4_exchange_entries();
    let lockdown_tenant = inbound
        .lockdown
        .as_ref()
        .filter(|l| l.onmicrosoft)
        .map(|_| topology.organization.tenant.clone());
    let mut set = Steps { out: Vec::new() };
    let inbound_object = inbound_connector(topology, &exchange_entries);

    set.apply(
        "preflight",
        "00-preflight.ps1",
        Phase::Prepare,
        "Checks the Exchange Online session and prepares the tenant.",
        "checks the session and the accepted domains; enables organization customization if the tenant needs it",
        Script::Preflight {
            domains: domains.clone(),
            entries: exchange_entries.clone(),
            names: {
                let mut all = vec![
                    names.inbound_connector.clone(),
                    names.lockdown_connector.clone(),
                    names.scl_bypass_rule.clone(),
                    names.outbound_connector.clone(),
                    names.outbound_rule.clone(),
                ];
                all.sort();
                all
            },
            enhanced_filtering: inbound.enhanced_filtering.mode != EfMode::Off,
            microsoft365_mx: topology
                .organization
                .microsoft365_mx
                .iter()
                .map(|r| (r.domain.clone(), r.host.clone()))
                .collect(),
            lockdown_tenant: lockdown_tenant.clone(),
        },
    );

    let mut rollbacks = Vec::new();
    // With inbound mail on Microsoft 365 (outbound only), there is no
    // inbound connector: nothing arrives from the gateway.
    if inbound.through_gateway {
        set.apply(
            "inbound-connector",
            "10-inbound-connector.ps1",
            Phase::Prepare,
            "Creates or updates the inbound connector from the gateway.",
            "the Partner connector that receives the gateway's mail, with Enhanced Filtering",
            Script::Object(inbound_object.clone()),
        );
        rollbacks.push(Rollback::removal(
            "inbound-connector",
            "remove-inbound-connector",
            Phase::Prepare,
            "Removes the inbound connector from the gateway.",
            &inbound_object,
        ));
    }

    if inbound.allow_list {
        set.apply(
            "allow-list",
            "20-allow-list.ps1",
            Phase::Prepare,
            "Adds the gateway to the connection-filter IP allow list.",
            "adds the gateway's addresses to the connection-filter allow list",
            Script::AllowList {
                entries: exchange_entries.clone(),
            },
        );
        rollbacks.push(Rollback {
            undoes: "allow-list",
            slug: "remove-allow-list-entries",
            phase: Phase::Prepare,
            title: "Removes the gateway's entries from the connection-filter IP allow list.",
            script: Script::RemoveAllowList {
                entries: exchange_entries.clone(),
            },
        });
    }

    if inbound.spf_hard_fail_off {
        set.apply(
            "spf-hard-fail",
            "30-spf-hard-fail.ps1",
            Phase::Prepare,
            "Turns SPF hard fail off in the Default anti-spam policy.",
            "turns SPF hard fail off in the Default anti-spam policy",
            Script::SpfHardFail,
        );
        rollbacks.push(Rollback {
            undoes: "spf-hard-fail",
            slug: "restore-spf-hard-fail",
            phase: Phase::Prepare,
            title: "Puts SPF hard fail back to what it was before mailflowc.",
            script: Script::RestoreSpfHardFail,
        });
    }

    // A trusted ARC sealer, before the cutover: trusting it changes nothing
    // until mail arrives sealed by it.
    if let Some(sealer) = &topology.gateway.arc_sealer {
        set.apply(
            "arc-sealer",
            "35-arc-sealer.ps1",
            Phase::Prepare,
            "Adds the gateway to the trusted ARC sealers.",
            "adds the gateway's ARC sealer domain to the trusted ARC sealers, keeping the tenant's others",
            Script::ArcSealer {
                sealer: sealer.clone(),
            },
        );
        rollbacks.push(Rollback {
            undoes: "arc-sealer",
            slug: "remove-arc-sealer",
            phase: Phase::Prepare,
            title: "Removes the ARC sealer mailflowc added from the trusted ARC sealers.",
            script: Script::RemoveArcSealer {
                sealer: sealer.clone(),
            },
        });
    }

    if inbound.scl_bypass_rule {
        let (text, marker) = comment(
            "scl-bypass-rule",
            "mail from the secure email gateway bypasses spam filtering (SCL -1).",
        );
        let mut properties = vec![
            property(SENDER_IP_RANGES, Value::List(egress.ipv4_prefixes())),
            property("SetSCL", Value::Int(-1)),
        ];
        properties.extend(rule_state());
        properties.push(property(COMMENTS, Value::Text(text)));
        let rule = Object::new(TRANSPORT_RULE, &names.scl_bypass_rule, properties).owned(marker);
        set.apply(
            "scl-bypass-rule",
            "40-scl-bypass-rule.ps1",
            Phase::Prepare,
            "Creates or updates the SCL -1 bypass rule for the gateway.",
            "the SCL -1 rule for the gateway's addresses",
            Script::Object(rule.clone()),
        );
        rollbacks.push(Rollback::removal(
            "scl-bypass-rule",
            "remove-scl-bypass-rule",
            Phase::Prepare,
            "Removes the SCL -1 bypass rule.",
            &rule,
        ));
    }

    if let Some(outbound) = &topology.outbound {
        let connector = outbound_connector(topology, outbound);
        set.apply(
            "outbound-connector",
            "50-outbound-connector.ps1",
            Phase::Outbound,
            "Creates or updates the outbound connector to the gateway.",
            "the outbound connector to the gateway's smart hosts",
            Script::Object(connector.clone()),
        );
        // A gateway that checks no header gets none: it would leave with
        // every message (catalog `checks_secret_header`, MF0523).
        let header = outbound.secret_header.as_ref();
        let (text, marker) = comment(
            "outbound-rule",
            if header.is_some() {
                "outbound mail goes through the secure email gateway, stamped with the tenant secret it checks."
            } else {
                "outbound mail goes through the secure email gateway."
            },
        );
        let mut properties = vec![
            property("FromScope", Value::text("InOrganization")),
            property("SentToScope", Value::text("NotInOrganization")),
            property(
                "RouteMessageOutboundConnector",
                Value::text(&names.outbound_connector),
            ),
        ];
        if let Some(header) = header {
            properties.push(property("SetHeaderName", Value::text(&header.name)));
            properties.push(property(
                "SetHeaderValue",
                Value::Secret {
                    secret_sha256: header.sha256.clone(),
                },
            ));
        }
        properties.extend(rule_state());
        properties.push(property(COMMENTS, Value::Text(text)));
        let rule = Object::new(TRANSPORT_RULE, &names.outbound_rule, properties).owned(marker);
        set.apply(
            "outbound-rule",
            "60-outbound-rule.ps1",
            Phase::Outbound,
            "Creates or updates the rule that routes outbound mail through the gateway.",
            if header.is_some() {
                "the rule that routes outbound mail to it, stamped with the secret (asks for the secret)"
            } else {
                "the rule that routes outbound mail to it"
            },
            Script::OutboundRule {
                rule: rule.clone(),
                connector: names.outbound_connector.clone(),
                secret: header.map(|header| SecretRef {
                    sha256: header.sha256.clone(),
                    env: header.env.clone(),
                    header: header.name.clone(),
                }),
            },
        );
        rollbacks.push(Rollback::removal(
            "outbound-connector",
            "remove-outbound-connector",
            Phase::Outbound,
            "Removes the outbound connector to the gateway.",
            &connector,
        ));
        rollbacks.push(Rollback::removal(
            "outbound-rule",
            "remove-outbound-rule",
            Phase::Outbound,
            "Removes the rule that routes outbound mail through the gateway.",
            &rule,
        ));
    }

    if let Some(lockdown) = &inbound.lockdown {
        let lockdown_object = lockdown_connector(topology, lockdown, &exchange_entries);
        set.apply(
            "lockdown-connector",
            "70-lockdown-connector.ps1",
            Phase::Lockdown,
            "Creates or updates the lock-down connector.",
            "the connector that rejects mail for the domains it covers that did not come through the gateway; it checks first that no routed domain's MX still points at Microsoft 365",
            Script::Lockdown {
                domains: domains.clone(),
                connector: lockdown_object.clone(),
                tenant: lockdown_tenant.clone(),
            },
        );
        rollbacks.push(Rollback::removal(
            "lockdown-connector",
            "remove-lockdown-connector",
            Phase::Lockdown,
            "Removes the lock-down connector.",
            &lockdown_object,
        ));
    }

    // Reject Direct Send, after the cutover like the lock-down connector:
    // before it, mail from senders using the tenant's own domains still
    // reaches Microsoft 365 straight, matching no connector.
    if inbound.reject_direct_send {
        set.apply(
            "reject-direct-send",
            "75-reject-direct-send.ps1",
            Phase::Lockdown,
            "Turns Reject Direct Send on for the organization.",
            "turns Reject Direct Send on: anonymous mail from your own domains that matches no inbound connector is rejected",
            Script::RejectDirectSend {
                domains: domains.clone(),
                inbound_connector: inbound
                    .through_gateway
                    .then(|| names.inbound_connector.clone()),
            },
        );
        rollbacks.push(Rollback {
            undoes: "reject-direct-send",
            slug: "restore-direct-send",
            phase: Phase::Lockdown,
            title: "Puts Reject Direct Send back to what it was before mailflowc.",
            script: Script::RestoreDirectSend,
        });
    }

    // Convergence, last: what earlier runs added and this topology retires.
    let mut roles: Vec<String> = set
        .out
        .iter()
        .flat_map(|s| s.step.objects.iter())
        .filter_map(|o| o.marker.as_deref())
        .map(|m| m.trim_start_matches("mailflowc:").to_owned())
        .collect();
    roles.sort();
    roles.dedup();
    set.apply(
        "converge",
        "80-converge.ps1",
        Phase::Stabilize,
        "Removes what earlier runs added and the topology no longer wants.",
        "removes objects mailflowc marked for a role this topology no longer has, and allow-list entries and ARC sealers it added that are no longer wanted",
        Script::Converge {
            roles,
            entries: if inbound.allow_list {
                exchange_entries.clone()
            } else {
                Vec::new()
            },
            direct_send: inbound.reject_direct_send,
            arc_sealer: topology.gateway.arc_sealer.clone(),
        },
    );

    // The read-only check, from the same wanted state.
    let managed: Vec<Object> = set
        .out
        .iter()
        .flat_map(|s| s.step.objects.iter())
        .filter(|o| o.marker.is_some())
        .cloned()
        .collect();
    let all_names = match set.out.first().map(|s| &s.script) {
        Some(Script::Preflight { names, .. }) => names.clone(),
        _ => Vec::new(),
    };
    set.apply(
        "verify",
        "verify.ps1",
        Phase::Stabilize,
        "Compares the tenant with the wanted state, read-only.",
        "compares every managed object, the allow list, the ARC sealers, the SPF and Reject Direct Send settings with the wanted state, changes nothing; exit 3 on drift; -ExportPath writes what it read for `mailflowc drift`",
        Script::Verify {
            objects: managed,
            entries: if inbound.allow_list {
                exchange_entries.clone()
            } else {
                Vec::new()
            },
            spf: inbound.spf_hard_fail_off,
            direct_send: inbound.reject_direct_send,
            arc_sealer: topology.gateway.arc_sealer.clone(),
            ef_on: inbound.enhanced_filtering.mode != EfMode::Off,
            names: all_names,
            outbound_rule: topology.outbound.as_ref().map(|_| names.outbound_rule.clone()),
        },
    );

    // A rollback's number mirrors the step it undoes (100 minus its number),
    // so rollbacks sort in undo order and adding a feature renames nothing.
    for rollback in rollbacks.into_iter().rev() {
        let id = format!("exchange.rollback.{}", rollback.undoes);
        if let Some(applied) = set
            .out
            .iter_mut()
            .find(|s| s.step.id == format!("exchange.{}", rollback.undoes))
        {
            applied.step.undo = Some(id.clone());
        }
        set.out.push(ExchangeStep {
            step: Step {
                id,
                target: Target::Exchange,
                phase: rollback.phase,
                action: Action::Undo,
                file: format!(
                    "exchange/rollback/{}-{}.ps1",
                    100 - apply_number(&set.out, rollback.undoes),
                    rollback.slug
                ),
                title: rollback.title.to_owned(),
                summary: String::new(),
                objects: rollback.script.objects(),
                undo: None,
            },
            script: rollback.script,
        });
    }
    set.out
}

/// The two-digit number of the applying step `slug`.
fn apply_number(steps: &[ExchangeStep], slug: &str) -> u32 {
    let id = format!("exchange.{slug}");
    steps
        .iter()
        .find(|s| s.step.id == id)
        .and_then(|s| s.step.file.rsplit('/').next())
        .and_then(|file| file.get(..2))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
