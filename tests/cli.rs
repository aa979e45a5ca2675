//! The `mailflowc` binary as a user runs it: exit codes, the output tree,
//! determinism, `--check`, and that a failing build writes nothing.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mailflowc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A scratch directory holding a copy of the Cloudflare example.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let topology = dir.path().join("topology.toml");
    fs::copy(common::root().join("examples/cloudflare.toml"), &topology).unwrap();
    (dir, topology)
}

/// Every file below `root` with its bytes.
fn snapshot_tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push((
                    path.strip_prefix(root).unwrap().to_owned(),
                    fs::read(&path).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn build_writes_generated_beside_the_topology_and_is_byte_stable() {
    let (dir, topology) = workspace();
    let first = mailflowc(&["build", s(&topology)]);
    assert_eq!(code(&first), 0, "{}", text(&first));
    let out = dir.path().join("generated");
    let before = snapshot_tree(&out);
    assert!(before
        .iter()
        .any(|(p, _)| p.ends_with("10-inbound-connector.ps1")));

    let second = mailflowc(&["build", s(&topology)]);
    assert_eq!(code(&second), 0, "{}", text(&second));
    assert_eq!(before, snapshot_tree(&out), "a second build changed bytes");

    // Only the output tree sits beside the topology: no staging leftovers.
    let mut entries: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, vec!["generated", "topology.toml"]);
}

#[test]
fn check_mode_reports_a_stale_tree_and_writes_nothing() {
    let (dir, topology) = workspace();
    let out = dir.path().join("generated");
    let fresh = mailflowc(&["build", s(&topology), "--check"]);
    assert_eq!(
        code(&fresh),
        3,
        "missing tree must be stale: {}",
        text(&fresh)
    );
    assert!(!out.exists(), "--check wrote files");

    assert_eq!(code(&mailflowc(&["build", s(&topology)])), 0);
    let clean = mailflowc(&["build", s(&topology), "--check"]);
    assert_eq!(code(&clean), 0, "{}", text(&clean));

    fs::write(out.join("exchange/20-allow-list.ps1"), "edited by hand\n").unwrap();
    fs::remove_file(out.join("exchange/30-spf-hard-fail.ps1")).unwrap();
    fs::write(out.join("exchange/notes.txt"), "stray\n").unwrap();
    let stale = mailflowc(&["build", s(&topology), "--check"]);
    assert_eq!(
        code(&stale),
        3,
        "a stale tree is a difference, not a topology error"
    );
    let report = text(&stale);
    assert!(
        report.contains("differs: exchange/20-allow-list.ps1"),
        "{report}"
    );
    assert!(
        report.contains("missing: exchange/30-spf-hard-fail.ps1"),
        "{report}"
    );
    assert!(report.contains("extra: exchange/notes.txt"), "{report}");

    // A topology change makes the tree stale too.
    let changed = fs::read_to_string(&topology)
        .unwrap()
        .replace("allow_list = true", "allow_list = false");
    fs::write(&topology, changed).unwrap();
    assert_eq!(code(&mailflowc(&["build", s(&topology)])), 0);
    assert_eq!(code(&mailflowc(&["build", s(&topology), "--check"])), 0);
}

#[test]
fn a_failing_build_leaves_the_previous_tree_untouched() {
    let (dir, topology) = workspace();
    assert_eq!(code(&mailflowc(&["build", s(&topology)])), 0);
    let out = dir.path().join("generated");
    let before = snapshot_tree(&out);

    let broken = fs::read_to_string(&topology)
        .unwrap()
        .replace("region = \"global\"", "region = \"mars\"");
    fs::write(&topology, broken).unwrap();
    let failed = mailflowc(&["build", s(&topology)]);
    assert_eq!(code(&failed), 1, "{}", text(&failed));
    assert!(text(&failed).contains("MF0701"), "{}", text(&failed));
    assert_eq!(before, snapshot_tree(&out), "the previous tree changed");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "staging left behind"
    );
}

#[test]
fn a_directory_that_is_not_an_output_tree_is_never_replaced() {
    let (dir, topology) = workspace();
    let precious = dir.path().join("precious");
    fs::create_dir(&precious).unwrap();
    fs::write(precious.join("keep.txt"), "mine\n").unwrap();
    let refused = mailflowc(&["build", s(&topology), "--out", s(&precious)]);
    assert_eq!(code(&refused), 2, "{}", text(&refused));
    assert_eq!(
        fs::read_to_string(precious.join("keep.txt")).unwrap(),
        "mine\n"
    );
    assert_eq!(fs::read_dir(&precious).unwrap().count(), 1);
}

#[test]
fn exit_codes() {
    let (dir, topology) = workspace();
    assert_eq!(code(&mailflowc(&["check", s(&topology)])), 0);
    let invalid = common::root()
        .join("tests/fixtures/invalid/MF0205-scl-bypass-with-enhanced-filtering.toml");
    let result = mailflowc(&["check", s(&invalid)]);
    assert_eq!(code(&result), 1);
    assert!(text(&result).contains("MF0205"));
    // Warnings alone do not fail.
    let warning = common::root().join("tests/fixtures/invalid/MF0206-lockdown-off.toml");
    assert_eq!(code(&mailflowc(&["check", s(&warning)])), 0);
    // Usage and I/O problems are 2.
    assert_eq!(code(&mailflowc(&["build"])), 2);
    assert_eq!(
        code(&mailflowc(&["check", s(&dir.path().join("absent.toml"))])),
        2
    );
    assert_eq!(code(&mailflowc(&["explain", "MF9999"])), 2);
}

#[test]
fn explain_prints_the_long_form_and_lists_codes() {
    let one = mailflowc(&["explain", "mf0107"]);
    assert_eq!(code(&one), 0);
    assert!(text(&one).starts_with("# MF0107: "));
    let all = mailflowc(&["explain"]);
    assert_eq!(code(&all), 0);
    assert_eq!(
        text(&all).lines().count(),
        mailflowc::diagnostics::Code::ALL.len() + mailflowc::audit::AuditCode::ALL.len() + 1,
        "every code, every audit code, and the exit-codes topic"
    );
    let audit = mailflowc(&["explain", "mfa003"]);
    assert_eq!(code(&audit), 0);
    assert!(text(&audit).starts_with("# MFA003: "));
    let exits = mailflowc(&["explain", "exit-codes"]);
    assert_eq!(code(&exits), 0);
    for (number, _) in mailflowc::cli::EXIT_CODES {
        assert!(
            text(&exits).contains(&format!("  {number}  ")),
            "{}",
            text(&exits)
        );
    }
}

#[test]
fn the_readme_lists_every_exit_code() {
    let readme = fs::read_to_string(common::root().join("README.md")).unwrap();
    for (number, meaning) in mailflowc::cli::EXIT_CODES {
        let row = format!("| {number} | {meaning} |");
        assert!(readme.contains(&row), "README lacks the row `{row}`");
    }
}

#[test]
fn a_crash_is_exit_2_with_a_bug_report_never_101() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .args(["vendors"])
        .env("MAILFLOWC_DEBUG_PANIC", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("This is a bug in mailflowc"), "{stderr}");
}

#[test]
fn an_endless_topology_is_refused_without_being_read_whole() {
    let result = mailflowc(&["check", "/dev/zero"]);
    assert_eq!(code(&result), 1, "{}", text(&result));
    assert!(text(&result).contains("MF0006"), "{}", text(&result));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let topology = common::root().join("examples/cisco.toml");
    for command in ["print-plan", "print-ir"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
            .args([command, s(&topology)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe, like `| head -c1`.
        let mut stdout = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        stdout.read_exact(&mut byte).unwrap();
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "{stderr}"
        );
        assert_eq!(output.status.code(), Some(0), "{command}: {stderr}");
    }
}

#[test]
fn a_finding_far_along_a_long_line_is_reported_not_a_crash() {
    let (dir, _) = workspace();
    let topology = dir.path().join("long.toml");
    let padding = "x".repeat(70_000);
    fs::write(
        &topology,
        format!("version = 1\norganization = {{ name = \"{padding}\", tenant = \"contoso.onmicrosoft.com\", domains = [\"contoso.com\"], unknown_key = 1 }}\n"),
    )
    .unwrap();
    let result = mailflowc(&["check", s(&topology)]);
    let report = text(&result);
    assert_eq!(code(&result), 1, "{report}");
    assert!(report.contains("MF0002"), "{report}");
    assert!(report.len() < 10_000, "{} bytes of report", report.len());
}

#[test]
fn print_ir_shows_the_lowered_model() {
    let (_dir, topology) = workspace();
    let output = mailflowc(&["print-ir", s(&topology)]);
    assert_eq!(code(&output), 0);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["inbound"]["enhanced_filtering"]["mode"],
        "skip-last-ip"
    );
}

#[test]
fn reveal_writes_the_secret_only_to_a_git_ignored_directory() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::root().join("tests/fixtures/valid");
    let topology = dir.path().join("topology.toml");
    fs::copy(fixtures.join("everything.toml"), &topology).unwrap();
    fs::create_dir(dir.path().join("secrets")).unwrap();
    for name in ["northwind-current.secret", "northwind-previous.secret"] {
        fs::copy(
            fixtures.join("secrets").join(name),
            dir.path().join("secrets").join(name),
        )
        .unwrap();
    }
    let secret = fs::read_to_string(dir.path().join("secrets/northwind-current.secret")).unwrap();
    let secret = secret.trim();

    assert_eq!(code(&mailflowc(&["build", s(&topology)])), 0);
    for (path, bytes) in snapshot_tree(&dir.path().join("generated")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{} holds the secret",
            path.display()
        );
    }

    let revealed = mailflowc(&["reveal", s(&topology)]);
    assert_eq!(code(&revealed), 0, "{}", text(&revealed));
    let out = dir.path().join("revealed");
    assert_eq!(
        fs::read_to_string(out.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    assert!(
        fs::read_to_string(out.join("cisco/10-relay-guard-filter.txt"))
            .unwrap()
            .contains(secret)
    );

    // Neither command replaces the other's tree: a reveal into the committed
    // output would put the secret into git.
    let generated = dir.path().join("generated");
    let before = snapshot_tree(&generated);
    let crossed = mailflowc(&["reveal", s(&topology), "--out", s(&generated)]);
    assert_eq!(code(&crossed), 2, "{}", text(&crossed));
    assert_eq!(before, snapshot_tree(&generated));
    let crossed = mailflowc(&["build", s(&topology), "--out", s(&out)]);
    assert_eq!(code(&crossed), 2, "{}", text(&crossed));
    assert!(out.join(".gitignore").is_file());

    // Nor below it, however the path is spelled.
    for below in [
        generated.join("revealed"),
        generated.join("exchange/../x"),
        dir.path().join("generated/./deep/er"),
    ] {
        let refused = mailflowc(&["reveal", s(&topology), "--out", s(&below)]);
        assert_eq!(code(&refused), 2, "{}: {}", below.display(), text(&refused));
        assert!(!below.exists(), "{} was written", below.display());
    }
    #[cfg(unix)]
    {
        let link = dir.path().join("link-to-generated");
        std::os::unix::fs::symlink(&generated, &link).unwrap();
        let refused = mailflowc(&["reveal", s(&topology), "--out", s(&link.join("r"))]);
        assert_eq!(code(&refused), 2, "{}", text(&refused));
    }
    assert_eq!(before, snapshot_tree(&generated));

    // Secrets are readable by their owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("cisco")), 0o700);
        assert_eq!(mode(&out.join("cisco/10-relay-guard-filter.txt")), 0o600);
    }

    fs::remove_file(dir.path().join("secrets/northwind-current.secret")).unwrap();
    let failed = mailflowc(&["reveal", s(&topology)]);
    assert_eq!(code(&failed), 1);
    assert!(text(&failed).contains("MF0502"), "{}", text(&failed));
}

#[test]
fn vendors_lists_the_catalog_and_shows_sources_and_dates() {
    let list = mailflowc(&["vendors"]);
    assert_eq!(code(&list), 0);
    for id in ["cloudflare", "cisco", "trend-micro", "hornetsecurity"] {
        assert!(
            text(&list).lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{}",
            text(&list)
        );
    }
    let show = mailflowc(&["vendors", "show", "cloudflare"]);
    assert_eq!(code(&show), 0);
    let shown = text(&show);
    assert!(shown.contains("104.30.32.0/19"));
    assert!(shown.contains("page dated 2026-04-17"));
    assert!(shown.contains("https://developers.cloudflare.com/"));
    let typo = mailflowc(&["vendors", "show", "cloudflair"]);
    assert_eq!(code(&typo), 2);
    assert!(text(&typo).contains("did you mean `cloudflare`"));
}

#[test]
fn completions_and_man_page_name_every_subcommand() {
    let subcommands = [
        "build",
        "check",
        "explain",
        "reveal",
        "vendors",
        "plan",
        "drift",
        "dns-check",
        "print-ir",
        "print-plan",
        "completions",
        "man",
        "init",
        "schema",
    ];
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = mailflowc(&["completions", shell]);
        assert_eq!(code(&out), 0);
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.len() > 500, "{shell}: empty");
        for sub in subcommands {
            assert!(script.contains(sub), "{shell} completions lack `{sub}`");
        }
    }
    let man = mailflowc(&["man"]);
    assert_eq!(code(&man), 0);
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH mailflowc"),
        "{page}"
    );
    for sub in subcommands {
        assert!(
            page.contains(&sub.replace('-', "\\-")),
            "the man page lacks `{sub}`"
        );
    }
}

/// Wording that contradicted the tool (issue 29, item 7).
#[test]
fn init_and_explain_say_what_the_tool_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::mailflowc_in(dir.path(), &["init", "t.toml", "--vendor", "cisco"]);
    assert!(out.status.success(), "{out:?}");
    let starter = std::fs::read_to_string(dir.path().join("t.toml")).unwrap();
    assert!(!starter.contains("Cloudflare"), "{starter}");
    let out = common::mailflowc_in(dir.path(), &["explain", "MF0604"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("604800"), "{text}");
    assert!(!text.contains("2147483647"), "{text}");
}

/// A gateway whose only address lies in a documentation range gets MF0107
/// for that address, not MF0104 beside it (issue 29, item 7).
#[test]
fn a_refused_egress_address_is_not_also_reported_as_no_address() {
    let dir = tempfile::tempdir().unwrap();
    let topology = "version = 1\n\n[organization]\nname = \"Contoso\"\ntenant = \"contoso.onmicrosoft.com\"\ndomains = [\"contoso.com\"]\n\n[gateway]\nname = \"Gateway\"\negress = [\"192.0.2.10\"]\nmx = [{ host = \"mx1.gateway.example\", priority = 10 }]\n";
    std::fs::write(dir.path().join("t.toml"), topology).unwrap();
    let out = common::mailflowc_in(dir.path(), &["check", "t.toml", "--format", "json"]);
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = found.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["MF0107"], "{found:#?}");
}

/// Cisco's steps give Microsoft 365 a mail flow policy of its own and never
/// set the shared `$RELAYED` to TLS Required, and the pilot says every
/// proxy address must be listed (issue 29, item 3).
#[test]
fn the_cisco_steps_leave_relayed_alone_and_the_pilot_names_proxy_addresses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::root().join("examples/cisco.toml"),
        dir.path().join("cisco.toml"),
    )
    .unwrap();
    let out = common::mailflowc_in(dir.path(), &["build", "cisco.toml"]);
    assert!(out.status.success(), "{out:?}");
    let steps = std::fs::read_to_string(dir.path().join("generated/cisco/STEPS.md")).unwrap();
    assert!(!steps.contains("Mail flow policy `$RELAYED`"), "{steps}");
    assert!(steps.contains("Mail Flow Policies > Add Policy"), "{steps}");
    assert!(steps.contains("edit it to use `$RELAY_O365`"), "{steps}");
    assert!(steps.contains("with policy `$RELAY_O365`"), "{steps}");
    let fixture = common::root().join("tests/fixtures/valid/everything.toml");
    let files = common::build(&fixture);
    let runbook = &files["RUNBOOK.md"];
    assert!(runbook.contains("every proxy address"), "{runbook}");
}

/// `init --organization` names the organization; without it the name taken
/// from the tenant is named in a warning (issue 29, item 7).
#[test]
fn init_takes_the_organization_name_from_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::mailflowc_in(
        dir.path(),
        &[
            "init",
            "a.toml",
            "--tenant",
            "fabrikam.onmicrosoft.com",
            "--organization",
            "Fabrikam GmbH",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let starter = std::fs::read_to_string(dir.path().join("a.toml")).unwrap();
    assert!(starter.contains("name = \"Fabrikam GmbH\""), "{starter}");
    let out = common::mailflowc_in(
        dir.path(),
        &["init", "b.toml", "--tenant", "fabrikam.onmicrosoft.com"],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--organization"), "{said}");
}

/// `[diagnostics] allow` keeps an accepted warning out of every command for
/// that topology (issue 29, item 5): the same MF0706 and MF0210 printed on
/// check, build, plan and dns-check, forever, with `--allow` the only way out.
#[test]
fn warnings_accepted_in_the_topology_stay_out_of_every_command() {
    let (_dir, topology) = workspace();
    let original = fs::read_to_string(&topology).unwrap();
    let before = mailflowc(&["check", s(&topology)]);
    assert_eq!(code(&before), 0, "{}", text(&before));
    assert!(text(&before).contains("MF0706"), "{}", text(&before));
    assert!(text(&before).contains("MF0210"), "{}", text(&before));

    fs::write(
        &topology,
        format!("{original}\n[diagnostics]\nallow = [\"MF0706\"]\n"),
    )
    .unwrap();
    for args in [
        vec!["check", s(&topology)],
        vec!["build", s(&topology)],
        vec!["build", "--check", s(&topology)],
        vec!["check", "--deny", "MF0706", s(&topology)],
    ] {
        let output = mailflowc(&args);
        assert_eq!(code(&output), 0, "{args:?}: {}", text(&output));
        let said = text(&output);
        assert!(!said.contains("MF0706"), "{args:?}: {said}");
        assert!(said.contains("MF0210"), "{args:?}: {said}");
    }
}
