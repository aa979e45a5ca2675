//! MSP fleets: many topologies in one call, a shared base through
//! `extends`, one tenant's failure (an error or a crash) never touching
//! another's tree; standard input; the global output switches.

mod common;

use common::mailflowc_in as mailflowc;
use std::process::{Command, Output};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The shared gateway of the fleet.
const BASE: &str = "version = 1\n\n[gateway]\nname = \"Cloudflare Email Security\"\nvendor = \"cloudflare\"\nmx = [{ host = \"mx1.gw.example\", priority = 10 }, { host = \"mx2.gw.example\", priority = 20 }]\n\n[inbound]\nlockdown = true\n";

fn tenant(name: &str) -> String {
    format!(
        "extends = \"_gateway.toml\"\n\n[organization]\nname = \"{name} Ltd\"\ntenant = \"{name}.onmicrosoft.com\"\ndomains = [\"{name}.example.com\"]\n"
    )
}

#[test]
fn a_fleet_of_50_builds_49_trees_and_leaves_the_invalid_ones_alone() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("tenants");
    std::fs::create_dir(&fleet).unwrap();
    std::fs::write(fleet.join("_gateway.toml"), BASE).unwrap();
    for n in 0..50 {
        let name = format!("t{n:02}");
        let mut text = tenant(&name);
        if n == 17 {
            text = text.replace("t17.example.com", "t17..example.com");
        }
        std::fs::write(fleet.join(format!("{name}.toml")), text).unwrap();
    }
    // The invalid tenant's tree from an earlier, valid build.
    let old = fleet.join("generated/t17");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join(mailflowc::targets::MARKER_FILE), "earlier build\n").unwrap();
    std::fs::write(old.join("RUNBOOK.md"), "the earlier runbook\n").unwrap();
    let before = common::files_under(&old);

    let output = mailflowc(dir.path(), &["build", "tenants"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        common::files_under(&old),
        before,
        "the invalid tenant's tree changed"
    );
    let err = stderr(&output);
    assert!(err.contains("t17..example.com"), "{err}");
    let summary = stdout(&output);
    assert!(
        summary.contains("50 topologies: 49 ok, 1 failed"),
        "{summary}"
    );

    // Every other tree is complete: what a build of that tenant alone writes.
    let single = common::build(&fleet.join("t03.toml"));
    for n in (0..50).filter(|n| *n != 17) {
        let tree = fleet.join(format!("generated/t{n:02}"));
        let written = common::files_under(&tree);
        assert_eq!(written.len(), single.len(), "{}", tree.display());
    }
    let check = mailflowc(
        dir.path(),
        &[
            "build",
            "--check",
            "tenants/t03.toml",
            "--out",
            "tenants/generated/t03",
        ],
    );
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    // The same call twice writes the same bytes (deterministic, parallel or not).
    let first = common::files_under(&fleet.join("generated/t42"));
    let _ = mailflowc(dir.path(), &["build", "tenants"]);
    assert_eq!(common::files_under(&fleet.join("generated/t42")), first);
}

#[test]
fn a_crash_in_one_tenant_is_that_tenants_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("_gateway.toml"), BASE).unwrap();
    for name in ["a", "b", "c"] {
        std::fs::write(dir.path().join(format!("{name}.toml")), tenant(name)).unwrap();
    }
    let output = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(dir.path())
        .args(["build", "a.toml", "b.toml", "c.toml"])
        .env("MAILFLOWC_DEBUG_PANIC", "b.toml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("This is a bug in mailflowc"));
    assert!(dir.path().join("generated/a/RUNBOOK.md").is_file());
    assert!(dir.path().join("generated/c/RUNBOOK.md").is_file());
    assert!(!dir.path().join("generated/b").exists());
    assert!(stdout(&output).contains("crashed"), "{}", stdout(&output));
}

#[test]
fn a_value_from_the_base_is_reported_in_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let base = BASE.replace("mx1.gw.example", "mx1..gw.example");
    std::fs::write(dir.path().join("_gateway.toml"), base).unwrap();
    std::fs::write(dir.path().join("a.toml"), tenant("a")).unwrap();
    let output = mailflowc(dir.path(), &["check", "a.toml", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let found: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let d = found
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "MF0601")
        .unwrap_or_else(|| panic!("{found}"));
    assert_eq!(d["file"], "_gateway.toml");
    assert_eq!(d["line"], 6);

    // The tenant's own value replaces the base's whole.
    let own = format!(
        "{}\n[gateway]\nmx = [{{ host = \"mx.own.example\" }}]\n",
        tenant("a")
    );
    std::fs::write(dir.path().join("a.toml"), own).unwrap();
    let output = mailflowc(dir.path(), &["print-plan", "a.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let plan = stdout(&output);
    assert!(plan.contains("mx.own.example") && !plan.contains("gw.example"));
}

#[test]
fn a_chain_that_loops_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "extends = \"b.toml\"\nversion = 1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.toml"), "extends = \"a.toml\"\n").unwrap();
    let output = mailflowc(dir.path(), &["check", "a.toml", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let found: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["MF0008"], "{found}");
    assert_eq!(found[0]["file"], "b.toml");
}

#[test]
fn a_topology_from_standard_input() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(dir.path())
        .args(["check", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            source
                .replace("domains = [", "domains = [\"x..y\", ")
                .as_bytes(),
        )
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let found: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["file"] == "<stdin>" && d["code"] == "MF0401"),
        "{found}"
    );
    // `-` goes alone.
    let output = mailflowc(dir.path(), &["check", "-", "x.toml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn quiet_and_color_switches() {
    let dir = tempfile::tempdir().unwrap();
    let example = common::root().join("examples/cloudflare.toml");
    let example = example.to_str().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let quiet = mailflowc(dir.path(), &["-q", "build", example, "--out", out]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stdout(&quiet), "");
    let verbose = mailflowc(dir.path(), &["build", "-v", example, "--out", out]);
    assert!(
        stdout(&verbose).contains("  exchange/"),
        "{}",
        stdout(&verbose)
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "version = 1\n[organization]\nname = 1\n").unwrap();
    let bad = bad.to_str().unwrap();
    let always = mailflowc(dir.path(), &["check", "--color", "always", bad]);
    assert!(stderr(&always).contains('\u{1b}'), "{}", stderr(&always));
    let never = mailflowc(dir.path(), &["check", "--color", "never", bad]);
    assert!(!stderr(&never).contains('\u{1b}'));
}

/// Tables whose keys belong together are replaced whole by the tenant's.
#[test]
fn enhanced_filtering_is_replaced_whole_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let base = BASE.replace(
        "[inbound]\nlockdown = true\n",
        "[inbound]\nlockdown = true\n\n[inbound.enhanced_filtering]\nmode = \"skip-listed\"\nskip_ips = [\"104.30.32.0/24\"]\npilot_recipients = [\"it@a.example.com\"]\n",
    );
    std::fs::write(dir.path().join("_gateway.toml"), base).unwrap();
    let own = format!(
        "{}\n[inbound.enhanced_filtering]\nmode = \"skip-last-ip\"\n",
        tenant("b")
    );
    std::fs::write(dir.path().join("b.toml"), own).unwrap();
    let output = mailflowc(dir.path(), &["print-ir", "b.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let ir: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ef = &ir["inbound"]["enhanced_filtering"];
    assert_eq!(ef["mode"], "skip-last-ip", "{ef}");
    assert_eq!(ef["pilot_recipients"], serde_json::json!([]), "{ef}");
}

/// What fails outside the diagnostics still reaches CI: a stale tree is an
/// annotation, an unreadable topology marks the SARIF run unsuccessful.
#[test]
fn failures_without_diagnostics_reach_ci_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("_gateway.toml"), BASE).unwrap();
    std::fs::write(dir.path().join("a.toml"), tenant("a")).unwrap();
    let stale = mailflowc(
        dir.path(),
        &["build", "--check", "a.toml", "--format", "github"],
    );
    assert_eq!(stale.status.code(), Some(3));
    assert!(
        stdout(&stale).contains("::error file=a.toml,title=mailflowc::a.toml: "),
        "{}",
        stdout(&stale)
    );
    let missing = mailflowc(dir.path(), &["check", "missing.toml", "--format", "sarif"]);
    assert_eq!(missing.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_slice(&missing.stdout).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{log}");
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("missing.toml")
    );
}

/// `plan` over several topologies writes one JSON line per topology on
/// stdout, and its summary table on stderr.
#[test]
fn a_fleet_plan_in_json_lines_keeps_stdout_clean() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("_gateway.toml"), BASE).unwrap();
    for name in ["a", "b"] {
        std::fs::write(dir.path().join(format!("{name}.toml")), tenant(name)).unwrap();
    }
    let output = mailflowc(dir.path(), &["plan", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["topology"], "a.toml");
    assert!(stderr(&output).contains("2 topologies: 0 ok, 2 differ, 0 failed"));
}

/// A stale fleet in CI (issue 29, item 6): the summary never counts a stale
/// tree as ok, `-q` still says which trees are stale and what to run, and
/// each annotation names its tenant's file and the fleet's build.
#[test]
fn a_stale_fleet_says_so_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("tenants");
    std::fs::create_dir(&fleet).unwrap();
    std::fs::write(fleet.join("_gateway.toml"), BASE).unwrap();
    for name in ["t1", "t2"] {
        std::fs::write(fleet.join(format!("{name}.toml")), tenant(name)).unwrap();
    }
    let built = mailflowc(dir.path(), &["build", "tenants"]);
    assert!(built.status.success(), "{}", stderr(&built));
    // A change to the shared base makes every tree stale.
    std::fs::write(
        fleet.join("_gateway.toml"),
        BASE.replace("mx2.gw.example", "mx3.gw.example"),
    )
    .unwrap();
    let output = mailflowc(dir.path(), &["build", "--check", "tenants"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("2 topologies: 0 ok, 2 differ, 0 failed"),
        "{out}"
    );
    assert!(
        out.contains("stale; run `mailflowc build tenants`"),
        "{out}"
    );

    let quiet = mailflowc(dir.path(), &["-q", "build", "--check", "tenants"]);
    assert_eq!(quiet.status.code(), Some(3));
    let said = stdout(&quiet);
    assert!(said.contains("tenants/generated/t1: stale"), "{said}");

    let github = mailflowc(
        dir.path(),
        &["build", "--check", "tenants", "--format", "github"],
    );
    let annotations = stdout(&github);
    for name in ["t1", "t2"] {
        assert!(
            annotations.contains(&format!(
                "::error file=tenants/{name}.toml,title=mailflowc::"
            )),
            "{annotations}"
        );
    }
    assert!(
        !annotations.contains("mailflowc build tenants/t1.toml"),
        "{annotations}"
    );
}

/// A warning in a shared base is shown once, not once per tenant (issue 29,
/// item 6): a thousand tenants once printed it a thousand times.
#[test]
fn a_base_warning_is_shown_once_for_the_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("tenants");
    std::fs::create_dir(&fleet).unwrap();
    std::fs::write(fleet.join("_gateway.toml"), BASE).unwrap();
    for n in 0..5 {
        std::fs::write(fleet.join(format!("t{n}.toml")), tenant(&format!("t{n}"))).unwrap();
    }
    let output = mailflowc(dir.path(), &["check", "tenants"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(err.matches("changes messages").count(), 1, "{err}");
    assert!(err.contains("also concern 4 other topologies"), "{err}");
}

/// A fleet whose files all lack `version` is told once, at the base every
/// tenant extends (issue 29, item 5): it was one MF0004 per tenant, each
/// pointing at the tenant's own first line.
#[test]
fn a_missing_version_is_reported_once_at_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("tenants");
    std::fs::create_dir(&fleet).unwrap();
    std::fs::write(
        fleet.join("_gateway.toml"),
        BASE.replace("version = 1\n", ""),
    )
    .unwrap();
    for n in 0..3 {
        std::fs::write(fleet.join(format!("t{n}.toml")), tenant(&format!("t{n}"))).unwrap();
    }
    let output = mailflowc(dir.path(), &["check", "tenants"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(err.matches("missing required key").count(), 1, "{err}");
    assert!(err.contains("_gateway.toml:1:1"), "{err}");
    assert!(err.contains("also concern 2 other topologies"), "{err}");
    // A tenant that gives `version` itself is not told to edit the base.
    std::fs::write(
        fleet.join("t0.toml"),
        format!("version = 1\n{}", tenant("t0")),
    )
    .unwrap();
    let output = mailflowc(dir.path(), &["check", "tenants/t0.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}
