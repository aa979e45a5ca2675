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
    "cisco/relay-guard-filter.txt.j2",
    "cisco/STEPS.md.j2",
    "dns/pre-cutover.zone.j2",
    "dns/cutover.zone.j2",
    "dns/rollback.zone.j2",
    "dns/octodns.yaml.j2",
    "runbook/RUNBOOK.md.j2",
];
