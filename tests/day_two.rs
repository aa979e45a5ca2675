//! Day two: plans of one tenant of a fleet, plans that name the files to
//! run, fleet plans a reviewer can read, and bases that are missing or
//! wrong said plainly.

mod common;

use common::mailflowc_in as mailflowc;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// The shared gateway of the fleet.
const BASE: &str = "version = 1\n\n[gateway]\nname = \"Cloudflare Email Security\"\nvendor = \"cloudflare\"\nmx = [{ host = \"mx1.gw.example\", priority = 10 }, { host = \"mx2.gw.example\", priority = 20 }]\n\n[inbound]\nlockdown = true\n";

fn tenant(name: &str) -> String {
    format!(
        "extends = \"_gateway.toml\"\n\n[organization]\nname = \"{name} Ltd\"\ntenant = \"{name}.onmicrosoft.com\"\ndomains = [\"{name}.example.com\"]\n"
    )
}

fn fleet(dir: &Path, count: usize) {
    let tenants = dir.join("tenants");
    fs::create_dir_all(&tenants).unwrap();
    fs::write(tenants.join("_gateway.toml"), BASE).unwrap();
    for n in 1..=count {
        let name = format!("t{n:04}");
        fs::write(tenants.join(format!("{name}.toml")), tenant(&name)).unwrap();
    }
}

/// A bundled example, copied into `dir`.
fn copy_example(dir: &Path, name: &str) {
    fs::copy(common::root().join("examples").join(name), dir.join(name)).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn repo(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["config", "user.email", "t@example.com"]);
    git(dir, &["config", "user.name", "t"]);
}

fn ok(output: &Output, code: i32) -> String {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A change to the shared base: a third MX host, and the inbound
/// connector renamed (a change that a PowerShell script applies).
fn change_the_base(dir: &Path) {
    let base = BASE.replace(
        "priority = 20 }]",
        "priority = 20 }, { host = \"mx3.gw.example\", priority = 30 }]",
    ) + "\n[names]\ninbound_connector = \"Gateway inbound (fleet)\"\n";
    assert_ne!(base, BASE);
    fs::write(dir.join("tenants/_gateway.toml"), base).unwrap();
}

#[test]
fn one_tenant_of_a_fleet_plans_against_its_fleet_tree_and_agrees_with_the_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    repo(root);
    fleet(root, 3);
    ok(&mailflowc(root, &["build", "tenants"]), 0);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "fleet"]);
    change_the_base(root);

    let alone = ok(
        &mailflowc(
            root,
            &[
                "plan",
                "tenants/t0001.toml",
                "--base",
                "HEAD",
                "--format",
                "json",
            ],
        ),
        3,
    );
    let alone: serde_json::Value = serde_json::from_str(&alone).unwrap();
    assert_eq!(
        alone["base"]["source"], "HEAD:tenants/generated/t0001/desired-state.json",
        "{alone}"
    );
    assert_eq!(alone["base"]["status"], "found");
    // What changed (the MX records of two DNS phases, the connector's
    // name), not everything as new.
    let changes: Vec<(String, String)> = alone["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["target"].as_str().unwrap().to_owned(),
                c["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("dns".to_owned(), "changed".to_owned()),
            ("dns".to_owned(), "changed".to_owned()),
            ("exchange".to_owned(), "renamed".to_owned()),
        ],
        "{alone}"
    );

    let fleet = ok(
        &mailflowc(
            root,
            &["plan", "tenants", "--base", "HEAD", "--format", "json"],
        ),
        3,
    );
    let line = fleet
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["topology"] == "tenants/t0001.toml")
        .unwrap();
    assert_eq!(line["changes"], alone["changes"]);
    assert_eq!(line["apply"], alone["apply"]);
    assert_eq!(line["base"], alone["base"]);

    // The same against the tree on disk, and `build` of the one tenant
    // writes the fleet's tree for it.
    let on_disk = ok(
        &mailflowc(root, &["plan", "tenants/t0001.toml", "--format", "json"]),
        3,
    );
    let on_disk: serde_json::Value = serde_json::from_str(&on_disk).unwrap();
    assert_eq!(on_disk["changes"], alone["changes"]);
    let built = ok(&mailflowc(root, &["build", "tenants/t0001.toml"]), 0);
    assert!(built.contains("tenants/generated/t0001"), "{built}");
    assert!(!root.join("tenants/generated/.mailflowc-generated").exists());
    ok(
        &mailflowc(root, &["plan", "tenants/t0001.toml", "--format", "json"]),
        0,
    );
}

#[test]
fn a_new_tenant_and_a_first_build_are_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    repo(root);
    fleet(root, 2);
    // Nothing built yet: a first build, said in every format.
    let text = ok(
        &mailflowc(root, &["plan", "tenants/t0001.toml", "--format", "text"]),
        3,
    );
    assert!(text.starts_with("base: none, a first build"), "{text}");
    ok(&mailflowc(root, &["build", "tenants"]), 0);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "fleet"]);
    fs::write(root.join("tenants/t0003.toml"), tenant("t0003")).unwrap();
    for args in [
        &[
            "plan",
            "tenants/t0003.toml",
            "--base",
            "HEAD",
            "--format",
            "json",
        ][..],
        &["plan", "tenants/t0003.toml", "--format", "json"][..],
    ] {
        let out = ok(&mailflowc(root, args), 3);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["base"]["status"], "new-tenant", "{args:?}: {json}");
        assert!(json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["change"] == "added"));
    }
    let markdown = ok(
        &mailflowc(
            root,
            &[
                "plan",
                "tenants/t0003.toml",
                "--base",
                "HEAD",
                "--format",
                "markdown",
            ],
        ),
        3,
    );
    assert!(markdown.contains("a new tenant"), "{markdown}");
    // A revision with no tree at all: a first build.
    git(root, &["commit", "-q", "--allow-empty", "-m", "empty"]);
    let first = Command::new("git")
        .current_dir(root)
        .args([
            "commit-tree",
            "-m",
            "nothing",
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        ])
        .output()
        .unwrap();
    let empty = String::from_utf8_lossy(&first.stdout).trim().to_owned();
    let out = ok(
        &mailflowc(
            root,
            &[
                "plan",
                "tenants/t0001.toml",
                "--base",
                &empty,
                "--format",
                "json",
            ],
        ),
        3,
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["base"]["status"], "first-build", "{json}");
}

#[test]
fn a_directory_that_is_no_tree_is_refused_with_the_right_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("t.toml"), format!("{BASE}\n[organization]\nname = \"T\"\ntenant = \"t.onmicrosoft.com\"\ndomains = [\"t.example.com\"]\n")).unwrap();
    fs::create_dir(root.join("generated")).unwrap();
    fs::write(root.join("generated/notes.txt"), "mine\n").unwrap();
    let out = mailflowc(root, &["plan", "t.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a mailflowc tree") && err.contains("--out"),
        "{err}"
    );
    let out = mailflowc(root, &["build", "t.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--out DIR"), "{err}");
    assert_eq!(
        fs::read_to_string(root.join("generated/notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn a_base_change_across_200_tenants_is_one_group_that_names_the_files_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fleet(root, 200);
    ok(&mailflowc(root, &["build", "tenants"]), 0);
    change_the_base(root);
    let markdown = ok(
        &mailflowc(root, &["plan", "tenants", "--format", "markdown"]),
        3,
    );
    insta::assert_snapshot!("fleet-plan-base-change", markdown);
    assert!(markdown.contains("all 200 tenants"), "{markdown}");
    let rows = markdown
        .lines()
        .filter(|l| l.starts_with("| all 200"))
        .count();
    assert_eq!(rows, 3, "one row per distinct change:\n{markdown}");
    assert!(
        markdown.contains("`dns/<domain>/cutover.zone`"),
        "{markdown}"
    );
    // The scripts to run, once for the whole group, in runbook order.
    let apply: Vec<&str> = markdown
        .lines()
        .skip_while(|l| !l.starts_with("**To apply**"))
        .filter_map(|l| l.split_once(". `").map(|(_, f)| f.trim_end_matches('`')))
        .collect();
    assert_eq!(
        apply,
        [
            "exchange/00-preflight.ps1",
            "exchange/10-inbound-connector.ps1",
            "dns/<domain>/cutover.zone",
            "dns/<domain>/stabilized.zone",
            "exchange/verify.ps1",
        ],
        "{markdown}"
    );
    let summary = ok(
        &mailflowc(
            root,
            &["plan", "tenants", "--format", "markdown", "--summary"],
        ),
        3,
    );
    assert!(
        !summary.contains("| run |") && summary.contains("all 200 tenants"),
        "{summary}"
    );
    let text = ok(
        &mailflowc(root, &["plan", "tenants", "--format", "text"]),
        3,
    );
    assert!(text.contains("for all 200 tenants:"), "{text}");
    // --full writes the whole plan; it fits here, so stdout is the same.
    let with_full = ok(
        &mailflowc(
            root,
            &[
                "plan", "tenants", "--format", "markdown", "--full", "full.md",
            ],
        ),
        3,
    );
    assert_eq!(with_full, markdown);
    assert_eq!(
        fs::read_to_string(root.join("full.md")).unwrap().trim_end(),
        markdown.trim_end()
    );
}

#[test]
fn a_thousand_tenant_plan_fits_a_pull_request_comment_and_says_where_the_rest_is() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fleet(root, 1000);
    ok(&mailflowc(root, &["build", "tenants", "-q"]), 0);
    // A change of its own in every tenant: 1,000 distinct rows.
    for n in 1..=1000 {
        let name = format!("t{n:04}");
        fs::write(
            root.join(format!("tenants/{name}.toml")),
            format!(
                "{}\n[names]\ninbound_connector = \"Gateway inbound {name}\"\n",
                tenant(&name)
            ),
        )
        .unwrap();
    }
    let markdown = ok(
        &mailflowc(
            root,
            &[
                "plan", "tenants", "--format", "markdown", "--full", "full.md",
            ],
        ),
        3,
    );
    assert!(
        markdown.chars().count() <= 65_536,
        "{} characters",
        markdown.chars().count()
    );
    assert!(
        markdown.contains("shortened") && markdown.contains("full.md"),
        "{}",
        &markdown[..500]
    );
    assert!(
        markdown.contains("more row(s) left out"),
        "{}",
        &markdown[..500]
    );
    let full = fs::read_to_string(root.join("full.md")).unwrap();
    assert!(full.chars().count() > 65_536);
    assert!(full.contains("Gateway inbound t1000"));
}

#[test]
fn turning_the_allow_list_off_says_what_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let topology = format!(
        "{BASE}\n[organization]\nname = \"T\"\ntenant = \"t.onmicrosoft.com\"\ndomains = [\"t.example.com\"]\n"
    );
    fs::write(root.join("t.toml"), &topology).unwrap();
    ok(&mailflowc(root, &["build", "t.toml"]), 0);
    fs::write(
        root.join("t.toml"),
        topology.replace("lockdown = true\n", "lockdown = true\nallow_list = false\n"),
    )
    .unwrap();
    let text = ok(&mailflowc(root, &["plan", "t.toml", "--format", "text"]), 3);
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("HostedConnectionFilterPolicy"))
        .take(4)
        .collect();
    let block = block.join("\n");
    assert!(
        block.starts_with("~ exchange HostedConnectionFilterPolicy Default"),
        "{text}"
    );
    assert!(block.contains("IPAllowList: −"), "{block}");
    assert!(block.contains("the entries it added leave it"), "{block}");
    assert!(block.contains("80-converge.ps1"), "{block}");
}

#[test]
fn the_runbook_says_what_to_run_again_for_the_usual_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_example(root, "cisco.toml");
    ok(&mailflowc(root, &["build", "cisco.toml"]), 0);
    let runbook = fs::read_to_string(root.join("generated/RUNBOOK.md")).unwrap();
    let section: String = runbook
        .lines()
        .skip_while(|l| *l != "## Changing a live deployment")
        .take_while(|l| *l != "## Rollback")
        .map(|l| format!("{l}\n"))
        .collect();
    let recipe = |title: &str| -> Vec<String> {
        section
            .split("- **")
            .find(|r| r.starts_with(title))
            .unwrap_or_else(|| panic!("no `{title}` in\n{section}"))
            .lines()
            .filter_map(|l| {
                l.trim()
                    .split_once(". `")
                    .and_then(|(_, f)| f.split('`').next())
                    .map(str::to_owned)
            })
            .collect()
    };
    // Every file it names is in the tree.
    for title in [
        "An address added",
        "An address removed",
        "A domain added",
        "The secret rotated",
    ] {
        for file in recipe(title) {
            // `<domain>` stands for a new domain's own files.
            let file = file.replace("<domain>", "fabrikam.com");
            assert!(
                root.join("generated").join(&file).is_file(),
                "{title}: {file}"
            );
        }
    }
    let position = |list: &[String], file: &str| list.iter().position(|f| f == file);
    let added = recipe("An address added");
    assert_eq!(
        added.first().map(String::as_str),
        Some("exchange/00-preflight.ps1")
    );
    assert!(
        position(&added, "exchange/10-inbound-connector.ps1")
            < position(&added, "exchange/70-lockdown-connector.ps1")
    );
    // An address leaves the allow list through converge, last.
    let removed = recipe("An address removed");
    assert!(
        position(&removed, "exchange/20-allow-list.ps1").is_none(),
        "{removed:?}"
    );
    assert!(
        position(&removed, "exchange/80-converge.ps1")
            > position(&removed, "exchange/10-inbound-connector.ps1")
    );
    // The gateway accepts the new secret before the rule sends it.
    let rotated = recipe("The secret rotated");
    assert!(
        position(&rotated, "cisco/10-relay-guard-filter.txt")
            < position(&rotated, "exchange/60-outbound-rule.ps1"),
        "{rotated:?}"
    );
    assert!(position(&recipe("A domain added"), "cisco/STEPS.md").is_some());
    // A new domain's lock-down comes after its cutover and the waits
    // (issue 27, finding 4: it ran before the cutover).
    let domain = recipe("A domain added");
    assert!(
        position(&domain, "dns/<domain>/cutover.zone")
            < position(&domain, "exchange/70-lockdown-connector.ps1"),
        "{domain:?}"
    );
    // The relay guard binds the new domain before its mail can reach the
    // gateway (with `sender_check = "enforce"`, it would drop it).
    let guard = position(&domain, "cisco/10-relay-guard-filter.txt");
    assert!(guard.is_some(), "{domain:?}");
    assert!(
        guard < position(&domain, "dns/<domain>/cutover.zone"),
        "{domain:?}"
    );
    let text = section
        .split("- **")
        .find(|r| r.starts_with("A domain added"))
        .unwrap();
    let cutover = text.find("cutover.zone").unwrap();
    let lockdown = text.find("70-lockdown-connector.ps1").unwrap();
    let wait = text.find("24 to 72 hours").unwrap();
    assert!(cutover < wait && wait < lockdown, "{text}");
    // A rotation reveals, waits a MessageExpiration and has a second half.
    let rotation = section
        .split("- **")
        .find(|r| r.starts_with("The secret rotated"))
        .unwrap();
    for said in ["mailflowc reveal", "MessageExpiration", "previous_sha256"] {
        assert!(rotation.contains(said), "{rotation}");
    }
}

#[test]
fn plan_dns_check_and_the_runbook_share_one_set_of_phase_names() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_example(root, "cisco.toml");
    ok(
        &mailflowc(root, &["build", "cisco.toml", "--out", "tree"]),
        0,
    );
    let runbook = fs::read_to_string(root.join("tree/RUNBOOK.md")).unwrap();
    // `## 5. Lock-down` → `lock-down`.
    let names: Vec<String> = runbook
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|l| l.split_once(". ").map(|(_, t)| t.to_lowercase()))
        .collect();
    assert!(names.contains(&"lock-down".to_owned()), "{names:?}");
    // Every `when` of a first plan is a runbook phase.
    let plan = ok(
        &mailflowc(
            root,
            &["plan", "cisco.toml", "--out", "none", "--format", "json"],
        ),
        3,
    );
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    for change in plan["changes"].as_array().unwrap() {
        let when = change["when"].as_str().unwrap().to_owned();
        assert!(
            names.contains(&when),
            "`{when}` is not a runbook phase: {names:?}"
        );
    }
    // dns-check's phases are the runbook's, and its Rollback section's.
    for (name, _) in mailflowc::dnscheck::PHASES {
        assert!(
            names.contains(&(*name).to_owned()) || runbook.contains(&format!("`{name}.zone`")),
            "{name}"
        );
    }
    assert!(
        runbook.contains("--phase 'prepare'"),
        "the runbook's dns-check uses the phase names"
    );
}

/// Runs `plan tenants --base HEAD` with a `git` on PATH that counts its
/// runs before it runs the real one; the number of git processes.
fn git_runs_of_a_fleet_plan(count: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    repo(root);
    fleet(root, count);
    ok(&mailflowc(root, &["build", "tenants"]), 0);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "fleet"]);
    change_the_base(root);
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    let shim = root.join("shim");
    fs::create_dir_all(&shim).unwrap();
    let counter = root.join("git-runs");
    fs::write(
        shim.join("git"),
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec '{real}' \"$@\"\n",
            counter.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(shim.join("git"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        shim.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(root)
        .env("PATH", path)
        .args(["plan", "tenants", "--base", "HEAD", "--format", "json"])
        .output()
        .unwrap();
    ok(&output, 3);
    fs::read_to_string(counter).map_or(0, |t| t.lines().count())
}

#[test]
fn a_fleet_plan_against_a_revision_runs_git_a_fixed_number_of_times() {
    let few = git_runs_of_a_fleet_plan(2);
    let many = git_runs_of_a_fleet_plan(8);
    assert_eq!(few, many, "git ran {few} times for 2 tenants, {many} for 8");
    assert!(many <= 3, "git ran {many} times");
}
