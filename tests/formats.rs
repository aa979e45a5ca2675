//! Diagnostics for machines: JSON and GitHub annotations, and the switches
//! that make warnings fail a CI run.

mod common;

use std::process::Command;

fn run(args: &[&str], dir: &std::path::Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A topology with an error and two warnings.
const MIXED: &str = "version = 1\n[organization]\nname = \"C\"\ntenant = \"c.onmicrosoft.com\"\ndomains = [\"c.com\", \"c.com\"]\n[gateway]\nname = \"G\"\negress = [\"52.11.209.211\", \"2405:8100:c400::/38\", \"104.30.32.7/24\"]\n";

#[test]
fn json_and_github_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), MIXED).unwrap();
    let (code, json) = run(&["check", "t.toml", "--format", "json"], dir.path());
    assert_eq!(code, 1);
    insta::assert_snapshot!("format-json", json);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    for d in parsed.as_array().unwrap() {
        for key in [
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
        ] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
    }
    let (code, github) = run(&["check", "t.toml", "--format", "github"], dir.path());
    assert_eq!(code, 1);
    insta::assert_snapshot!("format-github", github);
}

/// SARIF for GitHub code scanning: valid against the SARIF 2.1.0 schema
/// (bundled in `tests/data/`, see its README), every result with a rule id,
/// a repository-relative URI and a start line; every rule carries its
/// explanation.
#[test]
fn sarif_format_validates_against_the_sarif_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tenants dir")).unwrap();
    std::fs::write(dir.path().join("tenants dir/t.toml"), MIXED).unwrap();
    let (code, sarif) = run(
        &["check", "tenants dir/t.toml", "--format", "sarif"],
        dir.path(),
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!("format-sarif", sarif);
    let errors = common::json_schema_errors(
        &common::root().join("tests/data/sarif-schema-2.1.0.json"),
        &sarif,
    );
    assert!(
        errors.is_empty(),
        "SARIF log is invalid:\n{}",
        errors.join("\n")
    );
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        assert!(result["ruleId"].as_str().unwrap().starts_with("MF"));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "tenants%20dir/t.toml");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
    }
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .starts_with(&format!("# {id}: ")));
    }
    // A schema check that cannot fail proves nothing: a result without its
    // message is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let errors = common::json_schema_errors(
        &common::root().join("tests/data/sarif-schema-2.1.0.json"),
        &broken.to_string(),
    );
    assert!(!errors.is_empty());
}

#[test]
fn github_annotations_escape_a_hostile_file_name() {
    let escaped = mailflowc::diagnostics::formats::github_property("a,b:c%d\ne");
    assert_eq!(escaped, "a%2Cb%3Ac%25d%0Ae");
    let data = mailflowc::diagnostics::formats::github_data("50% done\r\nnext");
    assert_eq!(data, "50%25 done%0D%0Anext");
}

#[test]
fn warnings_fail_only_when_denied() {
    let dir = tempfile::tempdir().unwrap();
    let warning_only = MIXED.replace("[\"c.com\", \"c.com\"]", "[\"c.com\"]");
    std::fs::write(dir.path().join("t.toml"), warning_only).unwrap();
    assert_eq!(run(&["check", "t.toml"], dir.path()).0, 0);
    assert_eq!(
        run(&["check", "t.toml", "--deny-warnings"], dir.path()).0,
        1
    );
    assert_eq!(
        run(&["check", "t.toml", "--deny", "MF0103"], dir.path()).0,
        1
    );
    assert_eq!(
        run(
            &[
                "check",
                "t.toml",
                "--deny-warnings",
                "--allow",
                "MF0103",
                "--allow",
                "MF0102"
            ],
            dir.path()
        )
        .0,
        0
    );
    // An error cannot be allowed away, and a denied warning writes nothing.
    assert_eq!(
        run(&["check", "t.toml", "--allow", "MF0402"], dir.path()).0,
        2
    );
    assert_eq!(
        run(&["build", "t.toml", "--deny-warnings"], dir.path()).0,
        1
    );
    assert!(!dir.path().join("generated").exists());
}

/// `plan` and `drift` print their own report on stdout; the topology's
/// diagnostics go to stderr, in the format `--diagnostics` names.
#[test]
fn plan_and_drift_report_diagnostics_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), MIXED).unwrap();
    std::fs::write(dir.path().join("export.json"), "{}").unwrap();
    for args in [
        &["plan", "t.toml", "--diagnostics", "json"][..],
        &[
            "drift",
            "t.toml",
            "--tenant",
            "export.json",
            "--diagnostics",
            "json",
        ][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let found: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
        assert!(
            found
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["code"] == "MF0402"),
            "{found}"
        );
    }
}

/// With the diagnostics in JSON on stderr, `plan` keeps its own report on
/// stdout.
#[test]
fn plan_keeps_its_report_on_stdout_beside_json_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let warning_only = MIXED.replace("[\"c.com\", \"c.com\"]", "[\"c.com\"]");
    std::fs::write(dir.path().join("t.toml"), warning_only).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(dir.path())
        .args([
            "plan",
            "t.toml",
            "--diagnostics",
            "json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!plan["changes"].as_array().unwrap().is_empty(), "{plan}");
    let found: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "MF0103"));
}
