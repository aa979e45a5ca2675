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
