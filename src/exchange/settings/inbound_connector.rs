//! The inbound connector from the gateway: the Partner connector that
//! receives the gateway's mail, with Enhanced Filtering. An object
//! mailflowc owns ([`owned_object`]). With inbound mail on Microsoft 365
//! (outbound only), there is none: nothing arrives from the gateway.
//! Which parameters it gets, and why: `shared/reference/exchange-facts.md`.

use super::owned_object::{self, comment, enhanced_filtering_params};
use super::{Apply, Setting, Switch, Undo};
use crate::exchange::vocabulary::{COMMENT, INBOUND_CONNECTOR, SENDER_IP_ADDRESSES};
use crate::model::Topology;
use crate::targets::plan::{property, Object, Phase, Value};
use crate::targets::templates::ids;

pub struct InboundConnector;

fn object(topology: &Topology, exchange_entries: &[String]) -> Object {
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

impl Setting for InboundConnector {
    fn slug(&self) -> &'static str {
        "inbound-connector"
    }

    fn kind(&self) -> &'static str {
        INBOUND_CONNECTOR
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        if !topology.inbound.through_gateway {
            return None;
        }
        let object = object(topology, &topology.gateway.egress.ipv4_exchange_entries());
        Some((
            Apply {
                file: "10-inbound-connector.ps1",
                phase: Phase::Prepare,
                title: "Creates or updates the inbound connector from the gateway.",
                summary: "the Partner connector that receives the gateway's mail, with Enhanced Filtering",
                script: owned_object::apply(ids::PS_OBJECT, &[Switch::Adopt, Switch::StatePath], object.clone(), minijinja::context! {}),
            },
            Undo {
                slug: "remove-inbound-connector",
                title: "Removes the inbound connector from the gateway.",
                script: owned_object::removal(object),
            },
        ))
    }
}
