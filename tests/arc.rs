//! Trusted ARC sealers (`Set-ArcConfig -ArcTrustedSealers`): when the script
//! is planned, that it adds only the gateway's domain and keeps the tenant's
//! others, that its rollback and converge remove only what it recorded
//! adding, the warning for a gateway that changes messages without a
//! sealer, and how verify and drift compare the list.

mod common;

use std::fs;
use std::process::Command;

fn example() -> String {
    fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap()
}

/// The example with lines added to its `[gateway]` table.
fn with_gateway(lines: &str) -> String {
    const GATEWAY: &str = "vendor = \"cloudflare\"\n";
    assert!(
        example().contains(GATEWAY),
        "examples/cloudflare.toml's [gateway] moved"
    );
    example().replace(GATEWAY, &format!("{GATEWAY}{lines}"))
}

const SCRIPT: &str = "exchange/35-arc-sealer.ps1";
const ROLLBACK: &str = "exchange/rollback/65-remove-arc-sealer.ps1";

fn codes(source: &str, code: &str) -> Vec<String> {
    let (_, found) = mailflowc::analyze_with(source, &mailflowc::Context::default());
    found
        .iter()
        .filter(|d| d.code.id() == code)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn it_is_planned_only_with_a_sealer() {
    for (lines, planned) in [
        ("", false),
        ("arc_sealer = \"Seal.Gateway.Example.\"\n", true),
    ] {
        let files = common::build_source(&with_gateway(lines), "cloudflare.toml");
        assert_eq!(files.contains_key(SCRIPT), planned, "{lines:?}");
        assert_eq!(files.contains_key(ROLLBACK), planned, "{lines:?}");
        let verify = &files["exchange/verify.ps1"];
        assert_eq!(
            verify.contains("-Property 'ArcTrustedSealers'"),
            planned,
            "{lines:?}: verify.ps1 compares the sealers only when one is wanted"
        );
        // Whatever the topology, the export carries the list.
        assert!(verify
            .contains("ArcConfig = @($arcConfig | Select-Object -Property ArcTrustedSealers)"));
        // Converge keeps the wanted sealer and removes others it added.
        let converge = &files["exchange/80-converge.ps1"];
        let wanted = if planned {
            "$wantedSealers = @('seal.gateway.example')"
        } else {
            "$wantedSealers = @()"
        };
        assert!(converge.contains(wanted), "{lines:?}\n{converge}");
        let runbook = &files["RUNBOOK.md"];
        assert_eq!(runbook.contains("Get-ArcConfig"), planned, "{lines:?}");
        if planned {
            assert!(runbook.contains(&format!("`{SCRIPT}`")), "{runbook}");
            assert!(runbook.contains("`d=seal.gateway.example`"), "{runbook}");
        }
    }
}

#[test]
fn the_script_adds_only_the_gateway_and_records_it() {
    let files = common::build_source(
        &with_gateway("arc_sealer = \"seal.gateway.example\"\n"),
        "cloudflare.toml",
    );
    let script = &files[SCRIPT];
    let at = |needle: &str| {
        script
            .find(needle)
            .unwrap_or_else(|| panic!("{SCRIPT} lacks {needle}"))
    };
    let set =
        at("Set-ArcConfig -Identity $policyName -ArcTrustedSealers $wantedList -ErrorAction Stop");
    // The list written is the list read plus ours: nothing else is dropped.
    for before in [
        "$sealer = 'seal.gateway.example'",
        "$read = { @(Get-ArcConfig -ErrorAction Stop) }",
        "-Rule 'sealer-set'",
        "$record = Read-MfcRecord -Path $recordPath",
        "if ($current -contains $sealer)",
        "$PSCmdlet.ShouldProcess($policyName, \"Add $sealer to ArcTrustedSealers\")",
        "$wantedList = @($current + $sealer)",
    ] {
        assert!(at(before) < set, "{before} comes after the change");
    }
    let confirm = at("Confirm-MfcState -Read $read -Desired @{ ArcTrustedSealers = $wantedList }");
    // Recorded before the change (issue 27, finding 9; tests/records.rs).
    let save = at("Save-MfcRecord -Path $recordPath");
    assert!(save < set && set < confirm, "{script}");
    // No other call: the script never empties or replaces the list.
    assert_eq!(script.matches("    Set-ArcConfig -").count(), 1, "{script}");
}

#[test]
fn the_rollback_and_converge_remove_only_what_was_added() {
    let files = common::build_source(
        &with_gateway("arc_sealer = \"seal.gateway.example\"\n"),
        "cloudflare.toml",
    );
    for file in [ROLLBACK, "exchange/80-converge.ps1"] {
        let script = &files[file];
        let at = |needle: &str| {
            script
                .find(needle)
                .unwrap_or_else(|| panic!("{file} lacks {needle}"))
        };
        // Nothing recorded, nothing removed.
        assert!(script.contains("no record of sealers 35-arc-sealer.ps1 added"));
        let retired = at("$retired = @(@($record.added) | Where-Object { $wantedSealers -notcontains $_ -and $before -notcontains $_ })");
        let remaining = at("$remaining = @($current | Where-Object { $present -notcontains $_ })");
        let set = at("Set-ArcConfig -Identity $policyName -ArcTrustedSealers $remaining");
        // The documented way to write an empty list.
        assert!(script.contains("Set-ArcConfig -Identity $policyName -ArcTrustedSealers ' '"));
        let confirm = at("Desired @{ ArcTrustedSealers = $remaining }");
        assert!(
            retired < remaining && remaining < set && set < confirm,
            "{file}"
        );
    }
    assert!(files[ROLLBACK].contains("$wantedSealers = @()"));
}

#[test]
fn a_gateway_that_changes_messages_wants_a_sealer() {
    let warning = "Cloudflare Email Security changes messages, and it is not a trusted ARC sealer";
    // (gateway lines, MF0210 expected)
    for (lines, warned) in [
        ("", true),
        ("arc_sealer = \"seal.gateway.example\"\n", false),
        ("modifies_messages = false\n", false),
    ] {
        let found = codes(&with_gateway(lines), "MF0210");
        assert_eq!(
            found,
            if warned {
                vec![warning.to_owned()]
            } else {
                Vec::new()
            },
            "{lines:?}"
        );
    }
    // A vendor the catalog records nothing of: only the topology can say.
    let cisco = |lines: &str| {
        format!(
            "version = 1\n[organization]\nname = \"C\"\ntenant = \"c.onmicrosoft.com\"\ndomains = [\"c.example\"]\n[gateway]\nname = \"G\"\nvendor = \"cisco\"\negress = [\"68.232.140.27\"]\nmx = [{{ host = \"mx1.gateway.example\" }}]\n{lines}"
        )
    };
    assert!(codes(&cisco(""), "MF0210").is_empty());
    assert_eq!(
        codes(&cisco("modifies_messages = true\n"), "MF0210"),
        ["the gateway changes messages, and it is not a trusted ARC sealer"]
    );
    // The sealer must be a domain.
    assert_eq!(
        codes(&cisco("arc_sealer = \"not a domain\"\n"), "MF0401"),
        ["`not a domain` is not a valid ARC sealer domain"]
    );
}

#[test]
fn an_outbound_only_topology_has_no_sealer() {
    let source = "version = 1\n[organization]\nname = \"C\"\ntenant = \"c.onmicrosoft.com\"\ndomains = [\"c.example\"]\n[gateway]\nname = \"G\"\nvendor = \"cisco\"\negress = [\"68.232.140.27\"]\narc_sealer = \"seal.gateway.example\"\n[inbound]\nthrough_gateway = false\n[outbound]\nsmart_hosts = [\"smtp.gateway.example\"]\n[outbound.secret_header]\nvalue_from = \"env:MFC_ARC_SECRET\"\nsha256 = \"1bf9eaf339bd20c172b2f62b6feac9ffaa489d1799b8572b1c9935efec2812af\"\n";
    assert_eq!(
        codes(source, "MF0209"),
        ["`gateway.arc_sealer` has no effect: inbound mail stays on Microsoft 365"]
    );
}

/// `mailflowc drift` of the drift fixture topology (which names a sealer)
/// against its in-sync export, changed by `edit`.
fn drift(edit: impl FnOnce(&mut serde_json::Value)) -> (i32, serde_json::Value, String) {
    let root = common::root().join("tests/fixtures/drift");
    let mut export: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root.join("in-sync.json")).unwrap()).unwrap();
    edit(&mut export);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    fs::write(&path, serde_json::to_string(&export).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .arg("drift")
        .arg(root.join("topology.toml"))
        .arg("--tenant")
        .arg(&path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn drift_wants_the_sealer_and_leaves_the_tenants_own_alone() {
    // In sync: the list is one comma-separated text with another sealer.
    let (code, report, _) = drift(|_| {});
    assert_eq!(code, 0, "{report:#}");
    // As an array, without the tenant's own: still in sync.
    let (code, report, _) = drift(|e| {
        e["ArcConfig"]["ArcTrustedSealers"] = serde_json::json!(["Gateway.Example"]);
    });
    assert_eq!(code, 0, "{report:#}");
    // Without ours: drift, naming what is missing and nothing extra.
    let (code, report, _) = drift(|e| {
        e["ArcConfig"]["ArcTrustedSealers"] = serde_json::json!("fabrikam.com");
    });
    assert_eq!(code, 3, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["kind"], "ArcConfig");
    assert_eq!(findings[0]["property"], "ArcTrustedSealers");
    assert_eq!(
        findings[0]["missing"],
        serde_json::json!(["gateway.example"])
    );
    assert!(findings[0].get("extra").is_none(), "{report:#}");
    // An export without the list cannot tell: refused.
    let (code, _, stderr) = drift(|e| {
        e.as_object_mut().unwrap().remove("ArcConfig");
    });
    assert_eq!(code, 2);
    assert!(
        stderr.contains("ArcConfig") && stderr.contains("verify.ps1 -ExportPath"),
        "{stderr}"
    );
}
