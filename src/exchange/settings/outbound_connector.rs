//! The outbound connector to the gateway's smart hosts, chosen by the
//! outbound rule. An object mailflowc owns ([`owned_object`]).

use super::owned_object::{self, comment};
use super::{Apply, Check, Runbook, Setting, Switch, Undo};
use crate::exchange::vocabulary::{COMMENT, OUTBOUND_CONNECTOR};
use crate::model::{Outbound, Topology};
use crate::parse::OutboundTls;
use crate::targets::plan::{property, Object, Phase, Value};
use crate::targets::templates::ids;

pub struct OutboundConnector;

/// The rule-scoped outbound connector (exchange-facts F-OUT-02, F-OUT-04 to
/// F-OUT-06): smart hosts instead of MX, TlsDomain only with DomainValidation.
fn object(topology: &Topology, outbound: &Outbound) -> Object {
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

impl Setting for OutboundConnector {
    fn slug(&self) -> &'static str {
        "outbound-connector"
    }

    fn kind(&self) -> &'static str {
        OUTBOUND_CONNECTOR
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        let object = object(topology, topology.outbound.as_ref()?);
        Some((
            Apply {
                file: "50-outbound-connector.ps1",
                phase: Phase::Outbound,
                title: "Creates or updates the outbound connector to the gateway.",
                summary: "the outbound connector to the gateway's smart hosts",
                script: owned_object::apply(
                    ids::PS_OBJECT,
                    &[Switch::Adopt, Switch::StatePath],
                    object.clone(),
                    minijinja::context! {},
                ),
            },
            Undo {
                slug: "remove-outbound-connector",
                title: "Removes the outbound connector to the gateway.",
                script: owned_object::removal(object),
            },
        ))
    }

    /// Validated (connectivity and TLS to the smart hosts) before the rule
    /// sends mail through it.
    fn runbook(&self) -> Runbook {
        Runbook {
            kind: "script",
            needs: &["exchange.preflight", "gateway.relay"],
            check: Some(Check {
                id: "exchange.validate-outbound-connector",
                kind: "validate-outbound-connector",
                what: "check connectivity and TLS to the smart hosts",
                needs: &["exchange.outbound-connector", "gateway.relay"],
            }),
        }
    }
}
