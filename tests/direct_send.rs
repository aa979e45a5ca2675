//! Reject Direct Send (`Set-OrganizationConfig -RejectDirectSend`): when it
//! is planned, what its script checks before changing anything, what it
//! records, how it is undone, and how a day-two plan names it.

mod common;

use common::mailflowc_in as mailflowc;
use std::fs;

fn example() -> String {
    fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap()
}

/// The example with its `[inbound]` lines replaced.
fn with_inbound(lines: &str) -> String {
    const INBOUND: &str = "allow_list = true\nspf_hard_fail_off = true\nlockdown = true\n";
    assert!(
        example().contains(INBOUND),
        "examples/cloudflare.toml's [inbound] moved"
    );
    example().replace(
        INBOUND,
        &format!("allow_list = true\nspf_hard_fail_off = true\n{lines}"),
    )
}

const SCRIPT: &str = "exchange/75-reject-direct-send.ps1";
const ROLLBACK: &str = "exchange/rollback/25-restore-direct-send.ps1";

#[test]
fn it_follows_the_lockdown_unless_the_topology_says_otherwise() {
    // (lines, planned, lock-down connector planned)
    let cases = [
        ("lockdown = true\n", true, true),
        ("", true, true),
        ("lockdown = false\n", false, false),
        ("lockdown = true\nreject_direct_send = false\n", false, true),
        ("lockdown = false\nreject_direct_send = true\n", true, false),
    ];
    for (lines, planned, lockdown) in cases {
        let files = common::build_source(&with_inbound(lines), "cloudflare.toml");
        assert_eq!(files.contains_key(SCRIPT), planned, "{lines:?}");
        assert_eq!(files.contains_key(ROLLBACK), planned, "{lines:?}");
        assert_eq!(
            files.contains_key("exchange/70-lockdown-connector.ps1"),
            lockdown,
            "{lines:?}"
        );
        let verify = &files["exchange/verify.ps1"];
        assert_eq!(
            verify.contains("-Property 'RejectDirectSend'"),
            planned,
            "{lines:?}: verify.ps1 compares RejectDirectSend only when it is wanted"
        );
        // Whatever the topology, the export carries the setting.
        assert!(verify.contains("Select-Object -Property Name, RejectDirectSend"));
        // Converge puts back a value an earlier run recorded only when the
        // topology no longer turns it on.
        let converge = &files["exchange/80-converge.ps1"];
        assert_eq!(
            converge.contains("Set-OrganizationConfig -RejectDirectSend $value"),
            !planned,
            "{lines:?}"
        );
        let runbook = &files["RUNBOOK.md"];
        assert_eq!(
            runbook.contains("550 5.7.68"),
            planned,
            "{lines:?}: the runbook says what it breaks"
        );
        if planned {
            assert!(runbook.contains(&format!("`{SCRIPT}`")), "{runbook}");
            assert!(runbook.contains(&format!("`{ROLLBACK}`")), "{runbook}");
        }
    }
}

#[test]
fn the_script_checks_first_records_what_was_there_and_reads_back() {
    let files = common::build_source(&example(), "cloudflare.toml");
    let script = &files[SCRIPT];
    let at = |needle: &str| {
        script
            .find(needle)
            .unwrap_or_else(|| panic!("{SCRIPT} lacks {needle}"))
    };
    let set = at("Set-OrganizationConfig -RejectDirectSend $true -ErrorAction Stop");
    // Before any change: the MX has left Microsoft 365, the gateway's mail
    // matches mailflowc's enabled inbound connector, the property exists
    // and reads True or False, and the old value is recorded.
    for before in [
        "    'contoso.co.jp'\n    'contoso.com'\n)\nif (-not $SkipMxCheck)",
        "\\.mail\\.protection\\.outlook\\.com",
        "$connectorName = 'mailflowc inbound from gateway'",
        ".Contains('mailflowc:inbound-connector')",
        "PSObject.Properties['RejectDirectSend']",
        "if ($before -notin 'true', 'false')",
        "$PSCmdlet.ShouldProcess($name, 'Set RejectDirectSend $true')",
        "Save-MfcRecord -Path $recordPath -Record ([ordered]@{ tenant = 'contoso.onmicrosoft.com'; before = $before })",
    ] {
        assert!(at(before) < set, "{before} comes after the change");
    }
    assert!(at("Confirm-MfcState -Read $read -Desired $wanted") > set);
    // A dry run before the inbound connector exists warns instead of stopping.
    assert!(script.contains(
        "if ($WhatIfPreference) { Write-Warning \"Dry run: $problem\" } else { throw $problem }"
    ));
    // Already on: nothing recorded, so the rollback leaves it on.
    let unchanged = at("'Reject Direct Send is on'");
    assert!(unchanged < set);

    let rollback = &files[ROLLBACK];
    assert!(rollback
        .contains("$record = Read-MfcRecord -Path $recordPath -Tenant 'contoso.onmicrosoft.com'"));
    assert!(rollback.contains("no value recorded: mailflowc did not change Reject Direct Send"));
    let restore = rollback
        .find("Set-OrganizationConfig -RejectDirectSend $value -ErrorAction Stop")
        .unwrap();
    let confirm = rollback.find("Confirm-MfcState -Read $read").unwrap();
    let forget = rollback[restore..]
        .find("Remove-Item -LiteralPath $recordPath")
        .unwrap()
        + restore;
    assert!(restore < confirm && confirm < forget, "{rollback}");
}

#[test]
fn an_outbound_only_topology_cannot_reject_direct_send() {
    let source = example().replace(
        "allow_list = true\nspf_hard_fail_off = true\nlockdown = true\n",
        "through_gateway = false\nreject_direct_send = true\n",
    ) + "\n[outbound]\nsmart_hosts = [\"smtp.gateway.example\"]\n\n[outbound.secret_header]\nvalue_from = \"env:MFC_DS_SECRET\"\nsha256 = \"1bf9eaf339bd20c172b2f62b6feac9ffaa489d1799b8572b1c9935efec2812af\"\n";
    let source = source.replace(
        "[inbound.enhanced_filtering]\nmode = \"skip-last-ip\"\n",
        "",
    );
    let (_, found) = mailflowc::analyze_with(&source, &mailflowc::Context::default());
    let codes: Vec<String> = found
        .iter()
        .filter(|d| d.is_error() && d.code.id() == "MF0209")
        .map(|d| format!("{}: {}", d.code.id(), d.message))
        .collect();
    assert_eq!(
        codes,
        ["MF0209: `inbound.reject_direct_send` has no effect: inbound mail stays on Microsoft 365"],
        "{found:#?}"
    );
}

#[test]
fn a_day_two_plan_names_the_script_and_its_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "t@example.com"]);
    git(&["config", "user.name", "t"]);
    fs::write(
        root.join("cloudflare.toml"),
        with_inbound("lockdown = true\nreject_direct_send = false\n"),
    )
    .unwrap();
    assert_eq!(
        mailflowc(root, &["build", "cloudflare.toml"]).status.code(),
        Some(0)
    );
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "deployed"]);
    fs::write(
        root.join("cloudflare.toml"),
        with_inbound("lockdown = true\n"),
    )
    .unwrap();
    let out = mailflowc(
        root,
        &[
            "plan",
            "cloudflare.toml",
            "--base",
            "HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan:#}");
    assert_eq!(changes[0]["kind"], "OrganizationConfig", "{plan:#}");
    let apply: Vec<&str> = plan["apply"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(apply.contains(&SCRIPT), "{plan:#}");
    assert_eq!(changes[0]["rollback"], ROLLBACK, "{plan:#}");
}
