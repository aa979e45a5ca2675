//! The wanted state of each Exchange object mailflowc owns: the connectors
//! and the parts of transport rules every rule shares. Which parameters
//! each gets, and why, follows `shared/reference/exchange-facts.md`.

use crate::model::{Lockdown, Outbound, Topology};
use crate::parse::{EfMode, LockdownBy, OutboundTls};
use crate::targets::plan::{marker, property, Object, Property, Value};

use crate::exchange::vocabulary::{
    COMMENT, EF_SKIP_IPS, INBOUND_CONNECTOR, OUTBOUND_CONNECTOR, SENDER_IP_ADDRESSES,
};

/// Enhanced Filtering settings, the same on every connector that may receive
/// the gateway's mail: Microsoft says a restricting connector takes
/// precedence over an unrestricted one for the same senders
/// (exchange-facts F-IN-10), so after lock-down the lock-down connector may be
/// the one that matches, and it must skip the same hops.
fn enhanced_filtering_params(topology: &Topology) -> [Property; 3] {
    let ef = &topology.inbound.enhanced_filtering;
    [
        property("EFSkipLastIP", Value::Bool(ef.mode == EfMode::SkipLastIp)),
        property(
            EF_SKIP_IPS,
            Value::list_or_null(ef.skip_ips.ipv4_prefixes()),
        ),
        property("EFUsers", Value::list_or_null(ef.pilot_recipients.clone())),
    ]
}

/// Who the object is to the scripts: its comment, carrying the marker.
pub(super) fn comment(role: &str, what: &str) -> (String, String) {
    let marker = marker(role);
    (format!("Managed by mailflowc ({marker}): {what}"), marker)
}

pub(super) fn inbound_connector(topology: &Topology, exchange_entries: &[String]) -> Object {
    let (text, marker) = comment("inbound-connector", "mail from the secure email gateway.");
    let mut params = vec![
        property("ConnectorType", Value::text("Partner")),
        property("Enabled", Value::Bool(true)),
        property("SenderDomains", Value::List(vec!["*".to_owned()])),
        property(SENDER_IP_ADDRESSES, Value::List(exchange_entries.to_vec())),
        // Restriction is the lock-down connector's job, after cutover; both
        // flags are stated so a hand-set restriction is put right.
        property("RestrictDomainsToIPAddresses", Value::Bool(false)),
        property("RestrictDomainsToCertificate", Value::Bool(false)),
        property("RequireTls", Value::Bool(true)),
        // Cleared when the topology names no certificate, so removing
        // `tls_certificate` removes it from the connector too.
        property(
            "TlsSenderCertificateName",
            topology
                .gateway
                .tls_certificate
                .as_deref()
                .map_or(Value::Null(()), Value::text),
        ),
    ];
    params.extend(enhanced_filtering_params(topology));
    params.push(property(COMMENT, Value::Text(text)));
    Object::new(INBOUND_CONNECTOR, &topology.names.inbound_connector, params).owned(marker)
}

/// The domains the lock-down connector covers: the routed ones and, unless
/// `inbound.lockdown_onmicrosoft = false`, the tenant's onmicrosoft.com
/// domain, whose MX is Microsoft's for good, so that mail to its addresses
/// cannot go around the gateway (mailflow-model-sources.md: Microsoft's
/// archived guidance, a Partner connector restricted by address or
/// certificate covering that domain). `<tenant>.mail.onmicrosoft.com`, the
/// hybrid routing domain, is left out: no source settles how a lock-down
/// acts on it.
pub(super) fn lockdown_domains(topology: &Topology, lockdown: &Lockdown) -> Vec<String> {
    let mut domains = topology.organization.domains.clone();
    if lockdown.onmicrosoft && !domains.contains(&topology.organization.tenant) {
        domains.push(topology.organization.tenant.clone());
        domains.sort();
    }
    domains
}

pub(super) fn lockdown_connector(
    topology: &Topology,
    lockdown: &Lockdown,
    exchange_entries: &[String],
) -> Object {
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

/// The rule-scoped outbound connector (exchange-facts F-OUT-02, F-OUT-04 to
/// F-OUT-06): smart hosts instead of MX, TlsDomain only with DomainValidation.
pub(super) fn outbound_connector(topology: &Topology, outbound: &Outbound) -> Object {
    let (text, marker) = comment(
        "outbound-connector",
        "outbound mail to the secure email gateway, chosen by a transport rule.",
    );
    let tls_domain = match outbound.tls {
        OutboundTls::DomainValidation => outbound
            .tls_domain
            .clone()
            .map_or(Value::Null(()), Value::Text),
        _ => Value::Null(()),
    };
    let params = vec![
        property("ConnectorType", Value::text("Partner")),
        property("Enabled", Value::Bool(true)),
        property("IsTransportRuleScoped", Value::Bool(true)),
        property("UseMXRecord", Value::Bool(false)),
        property("SmartHosts", Value::List(outbound.smart_hosts.clone())),
        property("TlsSettings", Value::text(outbound.tls.exchange_value())),
        property("TlsDomain", tls_domain),
        // The transport-security modes Exchange Online added to outbound
        // connectors in 2026 (F-OUT-08; MC1220759), stated at their
        // documented defaults so that a connector set to another value is
        // drift: `SmtpDaneMode Mandatory` queues and then drops mail where
        // the destination has no DANE, and Microsoft does not say how it
        // applies to a smart host. `TestMode $false`: a connector in test
        // mode is not used for mail flow the way an active one is.
        property("SmtpDaneMode", Value::text("Opportunistic")),
        property("MtaStsMode", Value::text("Opportunistic")),
        property("TestMode", Value::Bool(false)),
        property(COMMENT, Value::Text(text)),
    ];
    Object::new(
        OUTBOUND_CONNECTOR,
        &topology.names.outbound_connector,
        params,
    )
    .owned(marker)
}

/// A transport rule's wanted state always includes these: enforced, and
/// enabled (`State` is read-only; `Enable-TransportRule` sets it, F-TR-02).
pub(super) fn rule_state() -> [Property; 2] {
    [
        property("Mode", Value::text("Enforce")),
        property("State", Value::text("Enabled")),
    ]
}
