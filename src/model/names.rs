use serde::Serialize;

/// Names of the Exchange objects mailflowc creates; they are also how the
/// generated scripts find those objects again on a re-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    pub inbound_connector: String,
    pub lockdown_connector: String,
    pub scl_bypass_rule: String,
    pub outbound_connector: String,
    pub outbound_rule: String,
}

impl Names {
    pub const DEFAULT_INBOUND_CONNECTOR: &'static str = "mailflowc inbound from gateway";
    pub const DEFAULT_LOCKDOWN_CONNECTOR: &'static str = "mailflowc lock-down to gateway";
    pub const DEFAULT_SCL_BYPASS_RULE: &'static str = "mailflowc SCL -1 for gateway";
    pub const DEFAULT_OUTBOUND_CONNECTOR: &'static str = "mailflowc outbound to gateway";
    pub const DEFAULT_OUTBOUND_RULE: &'static str = "mailflowc route outbound through gateway";
}
