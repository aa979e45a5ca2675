//! `mailflowc drift`: the desired state against a tenant export, offline.
//! Cases derive from `tests/fixtures/drift/in-sync.json` (see its README).

mod common;

use serde_json::{json, Value};
use std::process::Command;

fn fixture(name: &str) -> std::path::PathBuf {
    common::root().join("tests/fixtures/drift").join(name)
}

fn in_sync() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("in-sync.json")).unwrap()).unwrap()
}

/// `mailflowc drift` of the fixture topology against `export`, with `more`.
fn drift_output(export: &Value, more: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, serde_json::to_string_pretty(export).unwrap()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .args(["drift"])
        .arg(fixture("topology.toml"))
        .arg("--tenant")
        .arg(&path)
        .args(more)
        .output()
        .unwrap()
}

fn run(export: &Value) -> (i32, Value) {
    let out = drift_output(export, &["--format", "json"]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), report)
}

fn problems(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["problem"].as_str().unwrap_or("").to_owned(),
                f["name"].as_str().unwrap_or("").to_owned(),
                f["property"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn object<'a>(export: &'a mut Value, noun: &str, name: &str) -> &'a mut Value {
    export[noun]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["Name"] == name)
        .unwrap()
}

#[test]
fn in_sync_is_exit_0() {
    let (code, report) = run(&in_sync());
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn each_kind_of_drift_is_reported_with_exit_3() {
    type Edit = fn(&mut Value);
    let cases: [(&str, Edit, (&str, &str, &str)); 8] = [
        (
            "connector disabled by hand",
            |e| {
                object(e, "InboundConnector", "mailflowc inbound from gateway")["Enabled"] =
                    json!(false);
            },
            ("differs", "mailflowc inbound from gateway", "Enabled"),
        ),
        (
            "allow list emptied",
            |e| {
                object(e, "HostedConnectionFilterPolicy", "Default")["IPAllowList"] = json!([]);
            },
            ("differs", "Default", "IPAllowList"),
        ),
        (
            "renamed object",
            |e| {
                object(e, "OutboundConnector", "mailflowc outbound to gateway")["Name"] =
                    json!("renamed by hand");
            },
            ("renamed", "mailflowc outbound to gateway", "Name"),
        ),
        (
            "rule disabled",
            |e| {
                object(
                    e,
                    "TransportRule",
                    "mailflowc route outbound through gateway",
                )["State"] = json!("Disabled");
            },
            (
                "differs",
                "mailflowc route outbound through gateway",
                "State",
            ),
        ),
        (
            "secret changed",
            |e| {
                object(
                    e,
                    "TransportRule",
                    "mailflowc route outbound through gateway",
                )["SetHeaderValue"] =
                    json!("0000000000000000000000000000000000000000000000000000000000000000");
            },
            (
                "differs",
                "mailflowc route outbound through gateway",
                "SetHeaderValue",
            ),
        ),
        (
            "both restrictions on the lock-down",
            |e| {
                object(e, "InboundConnector", "mailflowc lock-down to gateway")
                    ["RestrictDomainsToCertificate"] = json!(true);
            },
            (
                "differs",
                "mailflowc lock-down to gateway",
                "RestrictDomainsToCertificate",
            ),
        ),
        (
            "direct send allowed again by hand",
            |e| {
                e["OrganizationConfig"]["RejectDirectSend"] = json!(false);
            },
            ("differs", "organization", "RejectDirectSend"),
        ),
        (
            "connector gone",
            |e| {
                e["InboundConnector"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|o| o["Name"] != "mailflowc lock-down to gateway");
            },
            ("missing", "mailflowc lock-down to gateway", ""),
        ),
    ];
    for (name, edit, expected) in cases {
        let mut export = in_sync();
        edit(&mut export);
        let (code, report) = run(&export);
        assert_eq!(code, 3, "{name}: {report:#}");
        let found = problems(&report);
        let expected = (
            expected.0.to_owned(),
            expected.1.to_owned(),
            expected.2.to_owned(),
        );
        assert_eq!(found, vec![expected], "{name}");
    }
}

#[test]
fn what_the_tenant_had_before_is_not_drift() {
    let mut export = in_sync();
    let list = object(&mut export, "HostedConnectionFilterPolicy", "Default");
    list["IPAllowList"]
        .as_array_mut()
        .unwrap()
        .push(json!("192.0.2.99"));
    export["InboundConnector"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "Name": "yet another connector", "Enabled": false, "Comment": null
        }));
    assert_eq!(run(&export).0, 0);
}

/// An export written before verify.ps1 read the organization's settings
/// cannot say whether direct send is rejected: refused, not "missing".
#[test]
fn an_export_without_the_organization_settings_is_refused() {
    let mut export = in_sync();
    export.as_object_mut().unwrap().remove("OrganizationConfig");
    let out = drift_output(&export, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("OrganizationConfig") && stderr.contains("verify.ps1 -ExportPath"),
        "{stderr}"
    );
}

#[test]
fn an_export_of_another_kind_is_refused() {
    let (code, _) = run(&json!({ "InboundConnector": [] }));
    assert_eq!(code, 2);
}

/// `mailflowc drift` on the sample under `examples/drift/`, as the README runs it.
fn drift_sample(more: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(common::root())
        .args([
            "drift",
            "examples/drift/topology.toml",
            "--tenant",
            "examples/drift/tenant-export.json",
        ])
        .args(more)
        .output()
        .unwrap()
}

#[test]
fn the_sample_export_shows_set_differences_as_plan_does() {
    let out = drift_sample(&[]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    insta::assert_snapshot!("drift-sample-export", text);
    // Entries added and removed, not both whole lists.
    assert!(
        text.contains("SenderIPAddresses: + 68.232.141.16/28, − 192.0.2.99"),
        "{text}"
    );
    assert!(!text.contains("found ["), "{text}");
    // JSON carries the same two sets.
    let out = drift_sample(&["--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["property"] == "SenderIPAddresses")
        .unwrap();
    assert_eq!(finding["missing"], json!(["68.232.141.16/28"]));
    assert_eq!(finding["extra"], json!(["192.0.2.99"]));
}

/// Exchange trims a name and compares it case-insensitively
/// (exchange-readback §1 Name, §9.3): an export whose names carry
/// surrounding spaces holds the same objects, for drift as for import.
#[test]
fn names_with_surrounding_spaces_are_the_same_objects() {
    let mut export = in_sync();
    for noun in ["InboundConnector", "OutboundConnector", "TransportRule"] {
        for object in export[noun].as_array_mut().unwrap() {
            let name = object["Name"].as_str().unwrap().to_owned();
            object["Name"] = json!(format!("  {name} \t"));
        }
    }
    let (code, report) = run(&export);
    assert_eq!(code, 0, "{report:#}");
}

/// Writes `export` with `padding` extra disabled connectors of the
/// tenant's own (not drift) and runs drift on it as text.
fn run_padded(padding: usize) -> std::process::Output {
    let mut export = in_sync();
    let connectors = export["InboundConnector"].as_array_mut().unwrap();
    for n in 0..padding {
        connectors.push(json!({
            "Name": format!("connector of the tenant's own {n:08}"),
            "Enabled": false,
            "Comment": "padding that makes the export large, as a big tenant's is",
        }));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, serde_json::to_string_pretty(&export).unwrap()).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .args(["drift"])
        .arg(fixture("topology.toml"))
        .arg("--tenant")
        .arg(&path)
        .output()
        .unwrap();
    eprintln!("export of {size} bytes");
    out
}

/// An export over 1 MiB is read whole (a big tenant's is), up to 16 MiB;
/// a bigger one is refused with the limit named, not as broken JSON.
#[test]
fn exports_up_to_16_mib_are_read_and_bigger_ones_refused_naming_the_limit() {
    // About 150 bytes a connector: 2 MiB.
    let out = run_padded(14_000);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // About 17 MiB.
    let out = run_padded(120_000);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("16 MiB") && !stderr.contains("EOF"),
        "{stderr}"
    );
}

/// An export of another tenant than the topology's is refused (exit 2), as
/// `audit` refuses it, never compared as if it were the topology's.
#[test]
fn an_export_of_another_tenant_is_refused() {
    let mut export = in_sync();
    export["tenant"] = json!("fabrikam.onmicrosoft.com");
    let out = drift_output(&export, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("fabrikam.onmicrosoft.com") && stderr.contains("contoso.onmicrosoft.com"),
        "{stderr}"
    );
    // The same tenant written otherwise is the same tenant.
    export["tenant"] = json!(" Contoso.onmicrosoft.com ");
    assert_eq!(run(&export).0, 0);
}

/// A relay secret an older export wrote as it is, not as its SHA-256, is
/// never printed: drift says the export holds a cleartext value and how to
/// export again.
#[test]
fn a_cleartext_header_value_is_never_printed() {
    const SECRET: &str = "Relay0Secret0That0Must0Not0Leak0Into0CI0Logs";
    let mut export = in_sync();
    object(
        &mut export,
        "TransportRule",
        "mailflowc route outbound through gateway",
    )["SetHeaderValue"] = json!(SECRET);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, serde_json::to_string_pretty(&export).unwrap()).unwrap();
    for format in ["text", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
            .args(["drift"])
            .arg(fixture("topology.toml"))
            .arg("--tenant")
            .arg(&path)
            .args(["--format", format])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(3), "{all}");
        assert!(
            !all.to_ascii_lowercase()
                .contains(&SECRET.to_ascii_lowercase()),
            "{format}: {all}"
        );
        assert!(
            all.contains("cleartext") && all.contains("verify.ps1"),
            "{format}: {all}"
        );
    }
}

/// A name from the tenant that would start a line of its choosing (a
/// workflow command on a GitHub runner) or reverse its direction.
const HOSTILE: &str = "evil\n::error title=pwned::x\u{202e}gnp";

/// A value from the export is printed escaped: it never starts a line nor
/// reorders one; JSON carries it exactly, the bidi override as `\u202e`.
#[test]
fn a_hostile_name_is_shown_escaped() {
    let mut export = in_sync();
    object(
        &mut export,
        "InboundConnector",
        "mailflowc inbound from gateway",
    )["Name"] = json!(HOSTILE);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, serde_json::to_string_pretty(&export).unwrap()).unwrap();
    let drift = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_mailflowc"))
            .args(["drift"])
            .arg(fixture("topology.toml"))
            .arg("--tenant")
            .arg(&path)
            .args(["--format", format])
            .output()
            .unwrap()
    };
    let out = drift("text");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("renamed") && text.contains("evil\\n::error title=pwned::x\\u{202e}gnp"),
        "{text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("::")), "{text}");
    assert!(!text.contains('\u{202e}'), "{text}");
    let out = drift("json");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains('\u{202e}'), "{text}");
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["findings"][0]["found"], json!(HOSTILE));
}

/// The outbound connector's transport-security modes (issue 25, item 9):
/// `SmtpDaneMode Mandatory` drops mail where a destination has no DANE,
/// `MtaStsMode None` turns MTA-STS off, and a connector in test mode is not
/// the connector mailflowc built; each is drift from the documented
/// defaults mailflowc states.
#[test]
fn the_outbound_connectors_transport_security_modes_are_compared() {
    let mut export = in_sync();
    let connector = object(
        &mut export,
        "OutboundConnector",
        "mailflowc outbound to gateway",
    );
    connector["SmtpDaneMode"] = json!("Mandatory");
    connector["MtaStsMode"] = json!("None");
    connector["TestMode"] = json!(true);
    let (code, report) = run(&export);
    assert_eq!(code, 3, "{report:#}");
    let found = problems(&report);
    for property in ["SmtpDaneMode", "MtaStsMode", "TestMode"] {
        let wanted = (
            "differs".to_owned(),
            "mailflowc outbound to gateway".to_owned(),
            property.to_owned(),
        );
        assert!(found.contains(&wanted), "{property}: {found:?}");
    }
}
