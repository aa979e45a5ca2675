use crate::parse::DestinationTls;
use serde::Serialize;

/// Cisco Secure Email settings around the Microsoft 365 integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cisco {
    pub relay_sender_group: String,
    pub filter_name: String,
    pub inbound_listener: String,
    pub outbound_listener: String,
    pub destination_controls: DestinationControls,
}

/// Self-throttling towards Microsoft 365, per routed domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestinationControls {
    pub max_concurrency: i64,
    pub max_messages_per_connection: i64,
    pub tls: DestinationTls,
}
