//! The templates, embedded in the binary so `mailflowc` runs from anywhere.
//! `tests/templates.rs` checks that every file under `templates/` is listed.

pub const TEMPLATES: &[(&str, &str)] = &[
    ("powershell/_header.ps1.j2", include_str!("../../templates/powershell/_header.ps1.j2")),
    ("powershell/_helpers.ps1.j2", include_str!("../../templates/powershell/_helpers.ps1.j2")),
    ("powershell/_connector.ps1.j2", include_str!("../../templates/powershell/_connector.ps1.j2")),
    ("powershell/preflight.ps1.j2", include_str!("../../templates/powershell/preflight.ps1.j2")),
    ("powershell/inbound-connector.ps1.j2", include_str!("../../templates/powershell/inbound-connector.ps1.j2")),
    ("powershell/allow-list.ps1.j2", include_str!("../../templates/powershell/allow-list.ps1.j2")),
    ("powershell/spf-hard-fail.ps1.j2", include_str!("../../templates/powershell/spf-hard-fail.ps1.j2")),
    ("powershell/scl-bypass-rule.ps1.j2", include_str!("../../templates/powershell/scl-bypass-rule.ps1.j2")),
    ("powershell/lockdown-connector.ps1.j2", include_str!("../../templates/powershell/lockdown-connector.ps1.j2")),
    ("powershell/rollback-connector.ps1.j2", include_str!("../../templates/powershell/rollback-connector.ps1.j2")),
    ("powershell/rollback-allow-list.ps1.j2", include_str!("../../templates/powershell/rollback-allow-list.ps1.j2")),
    ("powershell/rollback-scl-bypass-rule.ps1.j2", include_str!("../../templates/powershell/rollback-scl-bypass-rule.ps1.j2")),
];
