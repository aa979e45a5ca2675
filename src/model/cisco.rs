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

impl Cisco {
    /// A sender group of its own, holding only `.protection.outlook.com`
    /// (seed 003): `RELAYLIST` usually holds on-premises servers and
    /// applications too, whose mail the relay guard would drop.
    pub const DEFAULT_RELAY_SENDER_GROUP: &'static str = "RELAY_O365";
    pub const DEFAULT_FILTER_NAME: &'static str = "mailflowc_relay_guard";
    pub const DEFAULT_INBOUND_LISTENER: &'static str = "IncomingMail";
    pub const DEFAULT_OUTBOUND_LISTENER: &'static str = "OutgoingMail";
    /// Cisco's Microsoft 365 guide: 10 connections, 20 messages per connection.
    pub const DEFAULT_MAX_CONCURRENCY: i64 = 10;
    pub const DEFAULT_MAX_MESSAGES_PER_CONNECTION: i64 = 20;
}
