use serde::Serialize;

/// The DNS side of the cutover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dns {
    /// TTL of the gateway MX records.
    pub ttl: i64,
    /// TTL the Microsoft 365 MX is lowered to before cutover (and rollback uses).
    pub precutover_ttl: i64,
    /// TTL the Microsoft 365 MX has today: the wait after lowering it.
    pub current_ttl: i64,
    /// Per domain (lower case), its SPF record today, as given.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub spf_current: std::collections::BTreeMap<String, String>,
}

impl Dns {
    /// The preference Microsoft 365 gives its own MX record.
    pub const MICROSOFT365_PRIORITY: u16 = 0;
}
