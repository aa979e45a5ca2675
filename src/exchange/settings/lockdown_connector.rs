//! The lock-down connector: it rejects mail for the routed domains that did
//! not come through the gateway, by the gateway's addresses or its
//! certificate. An object mailflowc owns ([`owned_object`]), created last,
//! after the cutover, by a script that checks first that no domain's MX
//! still points at Microsoft 365.

use super::owned_object::{self, comment, enhanced_filtering_params};
use super::{Apply, Check, Runbook, Setting, Switch, Undo};
use crate::exchange::vocabulary::{COMMENT, INBOUND_CONNECTOR, SENDER_IP_ADDRESSES};
use crate::model::{Lockdown, Topology};
use crate::parse::LockdownBy;
use crate::targets::plan::{property, Object, Phase, Value};
use crate::targets::templates::ids;

pub struct LockdownConnector;

/// The domains the lock-down connector covers: the routed ones and, unless
/// `inbound.lockdown_onmicrosoft = false`, the tenant's onmicrosoft.com
/// domain, whose MX is Microsoft's for good, so that mail to its addresses
/// cannot go around the gateway (mailflow-model-sources.md: Microsoft's
/// archived guidance, a Partner connector restricted by address or
/// certificate covering that domain). `<tenant>.mail.onmicrosoft.com`, the
/// hybrid routing domain, is left out: no source settles how a lock-down
/// acts on it.
fn lockdown_domains(topology: &Topology, lockdown: &Lockdown) -> Vec<String> {
    let mut domains = topology.organization.domains.clone();
    if lockdown.onmicrosoft && !domains.contains(&topology.organization.tenant) {
        domains.push(topology.organization.tenant.clone());
        domains.sort();
    }
    domains
}

fn object(topology: &Topology, lockdown: &Lockdown, exchange_entries: &[String]) -> Object {
    let by = lockdown.by;
    let (text, marker) = comment(
        "lockdown-connector",
        "rejects mail that did not come through the secure email gateway.",
    );
    let mut params = vec![
        property("ConnectorType", Value::text("Partner")),
        property("Enabled", Value::Bool(true)),
        property("SenderDomains", Value::List(vec!["*".to_owned()])),
        property(
            "AssociatedAcceptedDomains",
            Value::List(lockdown_domains(topology, lockdown)),
        ),
        property("RequireTls", Value::Bool(true)),
    ];
    // Address and certificate restriction go in separate connectors
    // (exchange-facts F-IN-10), so each lock-down uses exactly one, and the
    // other one's flag and list are cleared explicitly: switching
    // `lockdown_by` never leaves both on one connector.
    match by {
        LockdownBy::IpAddresses => {
            params.extend([
                property(SENDER_IP_ADDRESSES, Value::List(exchange_entries.to_vec())),
                property("RestrictDomainsToIPAddresses", Value::Bool(true)),
                property("TlsSenderCertificateName", Value::Null(())),
                property("RestrictDomainsToCertificate", Value::Bool(false)),
            ]);
        }
        LockdownBy::Certificate => {
            let certificate = topology.gateway.tls_certificate.clone().unwrap_or_default();
            params.extend([
                property(SENDER_IP_ADDRESSES, Value::Null(())),
                property("RestrictDomainsToIPAddresses", Value::Bool(false)),
                property("TlsSenderCertificateName", Value::Text(certificate)),
                property("RestrictDomainsToCertificate", Value::Bool(true)),
            ]);
        }
    }
    params.extend(enhanced_filtering_params(topology));
    params.push(property(COMMENT, Value::Text(text)));
    Object::new(
        INBOUND_CONNECTOR,
        &topology.names.lockdown_connector,
        params,
    )
    .owned(marker)
}

impl Setting for LockdownConnector {
    fn slug(&self) -> &'static str {
        "lockdown-connector"
    }

    fn kind(&self) -> &'static str {
        INBOUND_CONNECTOR
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        let lockdown = topology.inbound.lockdown.as_ref()?;
        let object = object(
            topology,
            lockdown,
            &topology.gateway.egress.ipv4_exchange_entries(),
        );
        Some((
            Apply {
                file: "70-lockdown-connector.ps1",
                phase: Phase::Lockdown,
                title: "Creates or updates the lock-down connector.",
                summary: "the connector that rejects mail for the domains it covers that did not come through the gateway; it checks first that no routed domain's MX still points at Microsoft 365",
                script: owned_object::apply(
                    ids::PS_LOCKDOWN,
                    &[Switch::Adopt, Switch::StatePath, Switch::SkipMxCheck],
                    object.clone(),
                    minijinja::context! {
                        domains => &topology.organization.domains,
                        // The tenant's onmicrosoft.com domain when the
                        // connector covers it: the script stops on a hybrid
                        // tenant (an OnPremises connector).
                        onmicrosoft => lockdown.onmicrosoft.then(|| topology.organization.tenant.clone()),
                    },
                ),
            },
            Undo {
                slug: "remove-lockdown-connector",
                title: "Removes the lock-down connector.",
                script: owned_object::removal(object),
            },
        ))
    }

    fn runbook(&self) -> Runbook {
        Runbook {
            kind: "script",
            needs: &[
                "dns.cutover",
                "wait.lockdown",
                "direct-senders",
                "exchange.inbound-connector",
            ],
            check: Some(Check {
                id: "verify.lockdown",
                kind: "verify-lockdown",
                what: "check the lock-down",
                needs: &["exchange.lockdown-connector"],
            }),
        }
    }
}
