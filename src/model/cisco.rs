use crate::parse::{DestinationTls, SenderCheck};
use serde::Serialize;

/// Cisco Secure Email settings around the Microsoft 365 integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cisco {
    pub relay_sender_group: String,
    pub filter_name: String,
    pub inbound_listener: String,
    pub outbound_listener: String,
    /// The label of a gateway several tenants of a fleet share: their
    /// relay guard is one, built for the fleet (see
    /// `crate::targets::cisco::appliance`).
    pub appliance: Option<String>,
    /// Where the topology (or its base) names the appliance, for a fleet's
    /// diagnostics.
    #[serde(skip)]
    pub appliance_span: Option<std::ops::Range<usize>>,
    /// Whether the relay guard drops, or only logs, mail that carries this
    /// tenant's secret from a sender outside its domains.
    pub sender_check: SenderCheck,
    pub destination_controls: DestinationControls,
}

/// The mail flow policy of the relay sender group: its own, named after
/// the group (`$RELAY_O365`), never the shared `$RELAYED`, whose TLS
/// setting every other relay client of the listener depends on.
pub fn relay_policy(relay_sender_group: &str) -> String {
    format!("${relay_sender_group}")
}

/// Self-throttling towards Microsoft 365, per routed domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestinationControls {
    pub max_concurrency: i64,
    pub max_messages_per_connection: i64,
    pub tls: DestinationTls,
}
