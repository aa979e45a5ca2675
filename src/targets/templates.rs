//! The templates, embedded in the binary so `mailflowc` runs from anywhere.
//! `tests/consistency.rs` checks that every file under `templates/` is listed.

macro_rules! templates {
    ($($path:literal),* $(,)?) => {
        pub const TEMPLATES: &[(&str, &str)] = &[
            $(($path, include_str!(concat!("../../templates/", $path))),)*
        ];
    };
}

templates![
    "powershell/_header.ps1.j2",
    "powershell/_help.ps1.j2",
    "powershell/_helpers.ps1.j2",
    "powershell/_object.ps1.j2",
    "powershell/object.ps1.j2",
    "powershell/preflight.ps1.j2",
    "powershell/allow-list.ps1.j2",
    "powershell/spf-hard-fail.ps1.j2",
    "powershell/lockdown-connector.ps1.j2",
    "powershell/outbound-rule.ps1.j2",
    "powershell/rollback.ps1.j2",
    "powershell/rollback-allow-list.ps1.j2",
    "powershell/rollback-spf-hard-fail.ps1.j2",
    "powershell/reject-direct-send.ps1.j2",
    "powershell/rollback-reject-direct-send.ps1.j2",
    "powershell/_restore-direct-send.ps1.j2",
    "powershell/arc-sealer.ps1.j2",
    "powershell/rollback-arc-sealer.ps1.j2",
    "powershell/_remove-arc-sealers.ps1.j2",
    "powershell/converge.ps1.j2",
    "powershell/_converge-allow-list.ps1.j2",
    "powershell/_converge-arc-sealer.ps1.j2",
    "powershell/_converge-reject-direct-send.ps1.j2",
    "powershell/verify.ps1.j2",
    "powershell/_verify-allow-list.ps1.j2",
    "powershell/_verify-arc-sealer.ps1.j2",
    "powershell/_verify-spf-hard-fail.ps1.j2",
    "powershell/_verify-reject-direct-send.ps1.j2",
    "powershell/_readonly.ps1.j2",
    "powershell/_mx_check.ps1.j2",
    "cisco/relay-guard-filter.txt.j2",
    "cisco/_sender-check.md.j2",
    "cisco/STEPS.md.j2",
    "cisco/APPLIANCE-STEPS.md.j2",
    "gateway/STEPS.md.j2",
    "dns/mx.zone.j2",
    "dns/mx.octodns.yaml.j2",
    "dns/octodns.config.yaml.j2",
    "dns/spf.txt.j2",
    "dns/spf.zone.j2",
    "dns/spf.octodns.yaml.j2",
    "runbook/RUNBOOK.md.j2",
    "init/topology.toml.j2",
    "import/topology.toml.j2",
];

/// Template ids, one constant each, so a renamed template fails to compile
/// instead of failing to render.
pub mod ids {
    pub const PS_PREFLIGHT: &str = "powershell/preflight.ps1.j2";
    pub const PS_OBJECT: &str = "powershell/object.ps1.j2";
    pub const PS_ALLOW_LIST: &str = "powershell/allow-list.ps1.j2";
    pub const PS_SPF_HARD_FAIL: &str = "powershell/spf-hard-fail.ps1.j2";
    pub const PS_OUTBOUND_RULE: &str = "powershell/outbound-rule.ps1.j2";
    pub const PS_LOCKDOWN: &str = "powershell/lockdown-connector.ps1.j2";
    pub const PS_ROLLBACK: &str = "powershell/rollback.ps1.j2";
    pub const PS_ROLLBACK_ALLOW_LIST: &str = "powershell/rollback-allow-list.ps1.j2";
    pub const PS_ROLLBACK_SPF_HARD_FAIL: &str = "powershell/rollback-spf-hard-fail.ps1.j2";
    pub const PS_REJECT_DIRECT_SEND: &str = "powershell/reject-direct-send.ps1.j2";
    pub const PS_ROLLBACK_REJECT_DIRECT_SEND: &str =
        "powershell/rollback-reject-direct-send.ps1.j2";
    pub const PS_ARC_SEALER: &str = "powershell/arc-sealer.ps1.j2";
    pub const PS_ROLLBACK_ARC_SEALER: &str = "powershell/rollback-arc-sealer.ps1.j2";
    pub const PS_CONVERGE: &str = "powershell/converge.ps1.j2";
    pub const PS_VERIFY: &str = "powershell/verify.ps1.j2";
    /// A setting's part of verify.ps1 and of 80-converge.ps1.
    pub const PS_VERIFY_ALLOW_LIST: &str = "powershell/_verify-allow-list.ps1.j2";
    pub const PS_VERIFY_ARC_SEALER: &str = "powershell/_verify-arc-sealer.ps1.j2";
    pub const PS_VERIFY_SPF_HARD_FAIL: &str = "powershell/_verify-spf-hard-fail.ps1.j2";
    pub const PS_VERIFY_REJECT_DIRECT_SEND: &str = "powershell/_verify-reject-direct-send.ps1.j2";
    pub const PS_CONVERGE_ALLOW_LIST: &str = "powershell/_converge-allow-list.ps1.j2";
    pub const PS_CONVERGE_ARC_SEALER: &str = "powershell/_converge-arc-sealer.ps1.j2";
    pub const PS_CONVERGE_REJECT_DIRECT_SEND: &str =
        "powershell/_converge-reject-direct-send.ps1.j2";
    pub const CISCO_STEPS: &str = "cisco/STEPS.md.j2";
    pub const CISCO_APPLIANCE_STEPS: &str = "cisco/APPLIANCE-STEPS.md.j2";
    pub const GATEWAY_STEPS: &str = "gateway/STEPS.md.j2";
    pub const CISCO_RELAY_GUARD: &str = "cisco/relay-guard-filter.txt.j2";
    pub const DNS_ZONE: &str = "dns/mx.zone.j2";
    pub const DNS_OCTODNS: &str = "dns/mx.octodns.yaml.j2";
    pub const DNS_OCTODNS_CONFIG: &str = "dns/octodns.config.yaml.j2";
    pub const DNS_SPF: &str = "dns/spf.txt.j2";
    pub const DNS_SPF_ZONE: &str = "dns/spf.zone.j2";
    pub const DNS_SPF_OCTODNS: &str = "dns/spf.octodns.yaml.j2";
    pub const RUNBOOK: &str = "runbook/RUNBOOK.md.j2";
    pub const INIT_TOPOLOGY: &str = "init/topology.toml.j2";
    pub const IMPORT_TOPOLOGY: &str = "import/topology.toml.j2";
}
