//! The Exchange vocabulary, spelled once: the kinds of object mailflowc
//! reads and writes (the cmdlet nouns, which are also the tenant export's
//! members, [`Noun`]), the fixed identities of the tenant-wide settings,
//! the property names read outside the object that sets them, which
//! properties carry the gateway's addresses, and how each kind is named,
//! listed and marked in the scripts. Each property's read-back rule is in
//! [`super::readback`]; each setting's own file (`settings/`) says which
//! of these it changes.

use super::export::Noun;

pub const INBOUND_CONNECTOR: &str = Noun::InboundConnector.name();
pub const OUTBOUND_CONNECTOR: &str = Noun::OutboundConnector.name();
pub const TRANSPORT_RULE: &str = Noun::TransportRule.name();
/// The policies the allow list and SPF scripts change: Exchange's defaults.
pub const CONNECTION_FILTER_POLICY: &str = Noun::HostedConnectionFilterPolicy.name();
pub const CONTENT_FILTER_POLICY: &str = Noun::HostedContentFilterPolicy.name();
/// The organization's settings: one object, no Identity in Exchange Online
/// (exchange-readback §6, F-ORG-02), so a fixed name stands for it.
pub const ORGANIZATION_CONFIG: &str = Noun::OrganizationConfig.name();
/// The trusted ARC sealers: one list, `Identity Default` (Set-ArcConfig).
pub const ARC_CONFIG: &str = Noun::ArcConfig.name();

/// The identity of every default policy and of the ARC configuration.
pub const DEFAULT_POLICY: &str = "Default";
/// The name that stands for the organization configuration.
pub const ORGANIZATION: &str = "organization";

/// The connection filter's allow list (exchange-facts F-CF-03).
pub const IP_ALLOW_LIST: &str = "IPAllowList";
/// The trusted ARC sealers (Set-ArcConfig).
pub const ARC_TRUSTED_SEALERS: &str = "ArcTrustedSealers";
/// SPF hard fail in an anti-spam policy.
pub const MARK_AS_SPAM_SPF_RECORD_HARD_FAIL: &str = "MarkAsSpamSpfRecordHardFail";
/// Reject Direct Send (Set-OrganizationConfig).
pub const REJECT_DIRECT_SEND: &str = "RejectDirectSend";
/// An inbound connector's sender addresses.
pub const SENDER_IP_ADDRESSES: &str = "SenderIPAddresses";
/// Enhanced Filtering's skipped addresses, on an inbound connector.
pub const EF_SKIP_IPS: &str = "EFSkipIPs";
/// A transport rule's sender address condition.
pub const SENDER_IP_RANGES: &str = "SenderIpRanges";
/// The comment carrying the ownership marker on connectors …
pub const COMMENT: &str = "Comment";
/// … and on transport rules.
pub const COMMENTS: &str = "Comments";

/// The properties that carry the gateway's addresses: what a change of
/// the gateway's egress changes.
pub const ADDRESS_PROPERTIES: &[&str] = &[
    SENDER_IP_ADDRESSES,
    EF_SKIP_IPS,
    IP_ALLOW_LIST,
    SENDER_IP_RANGES,
];

/// The property an object of `kind` carries its ownership marker in.
pub fn marker_property(kind: &str) -> &'static str {
    if kind == TRANSPORT_RULE {
        COMMENTS
    } else {
        COMMENT
    }
}

/// How the scripts name an object of `kind` to the operator.
pub fn label(kind: &str) -> &'static str {
    match kind {
        INBOUND_CONNECTOR => "inbound connector",
        OUTBOUND_CONNECTOR => "outbound connector",
        TRANSPORT_RULE => "transport rule",
        _ => "object",
    }
}

/// How every object of a kind is listed: never by `-Identity`, whose
/// not-found behaviour is documented inconsistently (exchange-readback R-05);
/// outbound connectors in test mode need a second call (§2).
pub fn listings(kind: &str) -> &'static [&'static str] {
    match kind {
        OUTBOUND_CONNECTOR => &[
            "Get-OutboundConnector -IncludeTestModeConnectors $false",
            "Get-OutboundConnector -IncludeTestModeConnectors $true",
        ],
        TRANSPORT_RULE => &["Get-TransportRule"],
        _ => &["Get-InboundConnector"],
    }
}
