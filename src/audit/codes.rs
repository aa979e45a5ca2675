//! The registry of audit codes. Like the diagnostic codes (`MF….`), an audit
//! code names one way around the gateway forever: never renumbered, never
//! reused. Each has an explanation (`mailflowc explain MFA…`, files in
//! `explain/`), one rule in `rules::RULES` (its check, messages and fix) and
//! a fixture under `tests/fixtures/audit/` (a JSON Patch of `clean.json`)
//! that yields exactly that code; `tests/audit.rs` enforces all three.

use crate::diagnostics::code::code_registry;

code_registry! {
    /// One kind of path around the gateway an audit can find.
    AuditCode, "../audit/explain",
    LockdownMissing      => "MFA001", Error,   "no connector restricts inbound mail to the gateway";
    LockdownPartial      => "MFA002", Error,   "accepted domain outside the lock-down connector's domains";
    BroadPartnerConnector => "MFA003", Error,  "another Partner inbound connector accepts every sender domain";
    BroadOnPremisesConnector => "MFA004", Warning, "an OnPremises inbound connector accepts every sender domain";
    SclBypassRule        => "MFA005", Error,   "transport rule skips spam filtering for mail not from the gateway";
    SclBypassWithEf      => "MFA006", Warning, "SCL -1 rule for the gateway while Enhanced Filtering is on";
    ForeignAllowListEntry => "MFA007", Warning, "connection-filter allow list holds an address that is not the gateway's";
    MxAtMicrosoft365     => "MFA008", Error,   "accepted domain's MX points at Microsoft 365";
    MxNotExamined        => "MFA009", Warning, "accepted domain's MX not in the export";
    DirectSendAllowed    => "MFA010", Warning, "Direct Send is not rejected";
    EnhancedFilteringOff => "MFA011", Warning, "Enhanced Filtering off on the gateway's connector";
    EnhancedFilteringPilot => "MFA012", Warning, "Enhanced Filtering only for some recipients";
    ArcSealerNotTrusted  => "MFA013", Warning, "the gateway is not a trusted ARC sealer";
    GatewayUnidentified  => "MFA014", Warning, "the gateway's connector cannot be told from the export";
    OnMicrosoftOpen      => "MFA015", Error,   "mail to the onmicrosoft.com domain reaches mailboxes around the gateway";
    OnMicrosoftOpenByChoice => "MFA016", Warning, "the topology's lock-down leaves the onmicrosoft.com domain out";
    LockdownAdmitsTenants => "MFA017", Error,  "the lock-down admits every Microsoft 365 tenant";
    OnPremisesAttribution => "MFA018", Warning, "an OnPremises connector Microsoft warns may stop working (MC1226222)";
}

impl AuditCode {
    pub fn from_id(id: &str) -> Option<AuditCode> {
        AuditCode::ALL
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(id))
    }
}
