//! Fits the toolchain: the editor schema agrees with the parser, `init`
//! writes starters that check, the README's reference block checks.

mod common;

use common::mailflowc_in as mailflowc;
use std::path::Path;
use std::process::{Command, Output};

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `mailflowc schema`, written to a file for the validator.
fn schema_file(dir: &Path) -> std::path::PathBuf {
    schema_file_with(dir, &["schema"])
}

fn schema_file_with(dir: &Path, args: &[&str]) -> std::path::PathBuf {
    let output = mailflowc(dir, args);
    assert_eq!(output.status.code(), Some(0));
    let path = dir.join(format!("{}.schema.json", args.len()));
    std::fs::write(&path, &output.stdout).unwrap();
    path
}

fn as_json(path: &Path) -> String {
    let value: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::to_string(&value).unwrap()
}

#[test]
fn every_valid_topology_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let schema = schema_file(dir.path());
    insta::assert_snapshot!("topology-schema", std::fs::read_to_string(&schema).unwrap());
    for path in common::valid_inputs() {
        let errors = common::json_schema_errors(&schema, &as_json(&path));
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
    // A shared base holds only some tables: the partial schema takes it,
    // the whole one does not.
    let partial = schema_file_with(dir.path(), &["schema", "--partial"]);
    for path in common::toml_files(&common::root().join("tests/fixtures/valid/bases")) {
        let json = as_json(&path);
        let errors = common::json_schema_errors(&partial, &json);
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            path.display(),
            errors.join("\n")
        );
        assert!(!common::json_schema_errors(&schema, &json).is_empty());
    }
}

#[test]
fn every_unknown_key_fixture_fails_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let schema = schema_file(dir.path());
    let mut checked = 0;
    for path in common::toml_files(&common::root().join("tests/fixtures/invalid")) {
        let name = common::file_name(&path);
        if !name.starts_with("MF0002-") {
            continue;
        }
        let errors = common::json_schema_errors(&schema, &as_json(&path));
        assert!(!errors.is_empty(), "{name} passes the schema");
        checked += 1;
    }
    assert!(checked > 0);
    // Required keys are required only in a file without `extends`.
    let partial = r#"{"extends": "_gateway.toml", "organization": {"name": "A"}}"#;
    assert!(common::json_schema_errors(&schema, partial).is_empty());
    let whole = r#"{"version": 1, "organization": {"name": "A"}}"#;
    let errors = common::json_schema_errors(&schema, whole);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("'gateway' is a required property")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("'tenant' is a required property")),
        "{errors:?}"
    );
}

#[test]
fn every_schema_key_has_a_description() {
    for (table, keys) in mailflowc::parse::schema::TABLES {
        for key in *keys {
            let path = if table.is_empty() {
                key.name.to_owned()
            } else {
                format!("{table}.{}", key.name)
            };
            assert!(
                mailflowc::parse::json_schema::doc(&path).is_some_and(|d| d.len() > 10),
                "no description for `{path}`"
            );
        }
    }
}

#[test]
fn init_writes_a_starter_that_checks_for_every_vendor() {
    let dir = tempfile::tempdir().unwrap();
    for vendor in mailflowc::catalog::vendors() {
        let id = vendor.id.as_str();
        // No flags: example values, each named in a warning.
        let bare = format!("{id}.toml");
        let output = mailflowc(dir.path(), &["init", "--vendor", id, &bare]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        assert!(
            text(&output).contains("organization.tenant"),
            "{}",
            text(&output)
        );
        // Example values left in fail check and build, unless allowed.
        let check = mailflowc(dir.path(), &["check", &bare]);
        assert_eq!(check.status.code(), Some(1), "{id}:\n{}", text(&check));
        assert!(
            text(&check).contains("--allow MF0707"),
            "{id}:\n{}",
            text(&check)
        );
        let build = mailflowc(dir.path(), &["build", &bare, "--out", "bare-tree"]);
        assert_eq!(build.status.code(), Some(1), "{id}:\n{}", text(&build));
        assert!(!dir.path().join("bare-tree").exists());
        let allowed = mailflowc(dir.path(), &["check", &bare, "--allow", "MF0707"]);
        assert_eq!(allowed.status.code(), Some(0), "{id}:\n{}", text(&allowed));

        // With the values only the user knows.
        let given = format!("{id}-given.toml");
        let mut args = vec![
            "init",
            "--vendor",
            id,
            "--tenant",
            "fabrikam.onmicrosoft.com",
            "--domain",
            "fabrikam.com",
            "--domain",
            "fabrikam.de",
        ];
        if vendor.needs.iter().any(|n| n == "gateway.egress") {
            args.extend(["--egress", "52.11.209.211"]);
        }
        if vendor.needs.iter().any(|n| n == "gateway.mx") {
            args.extend([
                "--mx",
                "mx1.fabrikam-gw.example",
                "--mx",
                "mx2.fabrikam-gw.example",
            ]);
        }
        if !vendor.no_outbound_relay {
            args.extend(["--outbound", "--smart-host", "relay.fabrikam-gw.example"]);
        }
        if vendor.modifies.is_some() {
            args.extend(["--arc-sealer", "seal.fabrikam-gw.example"]);
        }
        args.push(&given);
        let output = mailflowc(dir.path(), &args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        let written = std::fs::read_to_string(dir.path().join(&given)).unwrap();
        assert!(written.contains("\"fabrikam.de\""), "{written}");
        let check = mailflowc(dir.path(), &["check", &given]);
        // No secret header where the gateway checks none (MF0523): then
        // every value came from a flag.
        if vendor.no_outbound_relay || !vendor.checks_secret_header {
            assert_eq!(check.status.code(), Some(0), "{id}:\n{}", text(&check));
            assert!(!text(&check).contains("MF0707"), "{id}:\n{}", text(&check));
            assert!(
                !written.contains("[outbound.secret_header]"),
                "{id}:\n{written}"
            );
            continue;
        }
        // The secret's fingerprint is the one example a flag cannot give:
        // it fails check until replaced, or comes from the secret itself.
        assert_eq!(check.status.code(), Some(1), "{id}:\n{}", text(&check));
        assert_eq!(
            text(&check).matches("MF0707\n").count(),
            1,
            "{id}:\n{}",
            text(&check)
        );
        let secret = "3f9c1a7e5b2d8046c9e1f3a5b7d90c2e4f6a8b0c1d3e5f70";
        let with_secret = format!("{id}-secret.toml");
        let mut args = args.clone();
        args.pop();
        args.push(&with_secret);
        let output = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
            .current_dir(dir.path())
            .env(mailflowc::init::SECRET_VARIABLE, secret)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        let check = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
            .current_dir(dir.path())
            .env(mailflowc::init::SECRET_VARIABLE, secret)
            .args([
                "check",
                &with_secret,
                "--deny-warnings",
                "--allow",
                "MF0702",
            ])
            .output()
            .unwrap();
        assert_eq!(check.status.code(), Some(0), "{id}:\n{}", text(&check));
    }
    // Never over an existing file; never `--outbound` where the vendor has
    // no outbound relay.
    let again = mailflowc(
        dir.path(),
        &["init", "--vendor", "cloudflare", "cloudflare.toml"],
    );
    assert_eq!(again.status.code(), Some(2));
    let outbound = mailflowc(dir.path(), &["init", "--outbound", "new.toml"]);
    assert_eq!(outbound.status.code(), Some(2));
    assert!(!dir.path().join("new.toml").exists());
}

#[test]
fn init_with_no_flags_writes_a_cloudflare_starter() {
    let dir = tempfile::tempdir().unwrap();
    let output = mailflowc(dir.path(), &["init"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let written = std::fs::read_to_string(dir.path().join("topology.toml")).unwrap();
    insta::assert_snapshot!("init-cloudflare", written);
    let check = mailflowc(dir.path(), &["check", "topology.toml", "--allow", "MF0707"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn init_refuses_flags_that_would_fail_check_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A documentation address (TEST-NET-3): refused, with its diagnostic.
    let output = mailflowc(dir.path(), &["init", "--egress", "203.0.113.10", "a.toml"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("MF0107"), "{}", text(&output));
    assert!(!dir.path().join("a.toml").exists());
    // Every flag given, and valid: a topology that passes check as it is.
    let output = mailflowc(
        dir.path(),
        &[
            "init",
            "--egress",
            "52.11.209.211",
            "--vendor",
            "cisco",
            "--tenant",
            "fabrikam.onmicrosoft.com",
            "--domain",
            "fabrikam.com",
            "--mx",
            "mx1.fabrikam.example",
            "b.toml",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let check = mailflowc(dir.path(), &["check", "b.toml", "--deny-warnings"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn the_readme_reference_block_checks() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let start = readme.find("## Topology format v1").unwrap();
    let block = &readme[start..];
    let open = block.find("```toml\n").unwrap() + "```toml\n".len();
    let close = open + block[open..].find("```\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reference.toml"), &block[open..close]).unwrap();
    let check = mailflowc(dir.path(), &["check", "reference.toml"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

/// The GitHub Action and the pre-commit hooks are well-formed YAML (read by
/// PyYAML, which octoDNS brings into the test environment), name what they
/// must, and the action's shell steps pass ShellCheck.
#[test]
fn the_action_and_hooks_are_well_formed() {
    const SCRIPT: &str = r#"
import json, sys, yaml
print(json.dumps([yaml.safe_load(open(p, encoding="utf-8")) for p in sys.argv[1:]]))
"#;
    let root = common::root();
    let files = [root.join("action.yml"), root.join(".pre-commit-hooks.yaml")];
    let args: Vec<&std::ffi::OsStr> = files.iter().map(|f| f.as_os_str()).collect();
    let output = common::python(SCRIPT, &args, "");
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let action = &parsed[0];
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let mut scripts = 0;
    for step in steps {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        assert_eq!(step["shell"], "bash");
        // Inputs reach scripts through the environment only.
        assert!(
            !run.contains("${{"),
            "an expression pasted into a script: {run}"
        );
        let (ok, said) = common::shellcheck(&format!("#!/usr/bin/env bash\n{run}"), &[]);
        assert!(ok, "{said}");
        scripts += 1;
    }
    assert!(scripts >= 2);
    assert!(steps.iter().any(|s| s["run"]
        .as_str()
        .is_some_and(|r| r.contains("--format github"))));
    let hooks = parsed[1].as_array().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mailflowc-check", "mailflowc-build-check"]);
    for hook in hooks {
        assert_eq!(hook["language"], "rust");
        assert!(hook["entry"].as_str().unwrap().starts_with("mailflowc "));
    }
}

/// The defaults table names only optional keys of the topology, each with a
/// value of its kind, and the schema offers each default to editors.
#[test]
fn every_default_is_an_optional_key_of_its_kind() {
    use mailflowc::parse::schema::{keys_of, Kind};
    let listed = mailflowc::parse::defaults::listed();
    assert!(listed.len() >= 25, "{listed:?}");
    let schema = mailflowc::parse::json_schema::json_schema(false);
    for (path, value) in listed {
        let (table, key) = path.rsplit_once('.').unwrap_or(("", &path));
        let spec = keys_of(table)
            .and_then(|keys| keys.iter().find(|k| k.name == key))
            .unwrap_or_else(|| panic!("`{path}` in defaults.toml is no topology key"));
        if spec.required {
            // Only as part of a whole optional table laid in when absent
            // (`[inbound.enhanced_filtering]`, whose `mode` is required
            // when the topology writes the table).
            let (parent, name) = table.rsplit_once('.').unwrap_or(("", table));
            let optional = keys_of(parent)
                .and_then(|keys| keys.iter().find(|k| k.name == name))
                .is_some_and(|k| !k.required);
            assert!(
                optional,
                "`{path}` is required in a required table: it cannot have a default"
            );
        }
        let fits = match (spec.kind, &value) {
            (Kind::Int, toml::Value::Integer(_)) | (Kind::Bool, toml::Value::Boolean(_)) => true,
            (Kind::Str, toml::Value::String(_)) => true,
            (Kind::Enum(words), toml::Value::String(s)) => words.contains(&s.as_str()),
            _ => false,
        };
        assert!(fits, "`{path}` = {value} is not of its kind");
        let definition = if table.is_empty() { "topology" } else { table };
        let offered = &schema["definitions"][definition]["properties"][key]["default"];
        if spec.required {
            assert!(
                offered.is_null(),
                "{path}: a required key offers no default"
            );
        } else {
            assert_eq!(offered, &serde_json::to_value(&value).unwrap(), "{path}");
        }
    }
}

/// A diagnostic about a default points at the defaults table.
#[test]
fn a_default_points_at_its_table() {
    let root = common::root();
    let fixture = root.join(
        "tests/fixtures/invalid/MF0302-lockdown-named-like-the-default-inbound-connector.toml",
    );
    let output = mailflowc(
        &root,
        &["check", fixture.to_str().unwrap(), "--format", "json"],
    );
    let found: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let related = &found[0]["related"][0];
    assert_eq!(related["file"], mailflowc::parse::defaults::NAME);
    let line = related["line"].as_u64().unwrap() as usize;
    let default_line = mailflowc::parse::defaults::TEXT
        .lines()
        .nth(line - 1)
        .unwrap();
    assert_eq!(
        default_line,
        "inbound_connector = \"mailflowc inbound from gateway\""
    );
    let human = mailflowc(&root, &["check", fixture.to_str().unwrap()]);
    assert!(
        text(&human).contains(&format!("at {}:{line}:", mailflowc::parse::defaults::NAME)),
        "{}",
        text(&human)
    );
}

/// The descriptions never restate a default of the table: the schema
/// states each one from it, so the two cannot drift apart. (Computed
/// defaults, such as the skip list, and the default of a required key,
/// which the schema does not offer, are described in words.)
#[test]
fn no_description_restates_a_table_default() {
    let schema = mailflowc::parse::json_schema::json_schema(false);
    for (path, value) in mailflowc::parse::defaults::listed() {
        let (table, key) = path.rsplit_once('.').unwrap_or(("", &path));
        let definition = if table.is_empty() { "topology" } else { table };
        if schema["definitions"][definition]["properties"][key]["default"].is_null() {
            continue;
        }
        let description = mailflowc::parse::json_schema::doc(&path).unwrap_or_default();
        assert!(
            !description.to_ascii_lowercase().contains("default"),
            "`{path}` restates its default {value}: {description}"
        );
    }
}

/// The README's pull-request steps run as written (issue 29, item 4): each
/// `run:` line of its block, in a shell, in a shallow clone of a pull
/// request's branch as `actions/checkout` leaves it, with mailflowc on
/// `PATH` as the action puts it and `GITHUB_BASE_REF` set as the runner sets
/// it.
#[test]
fn the_readmes_pull_request_steps_run_from_a_shallow_clone() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let block = readme
        .split("```yaml")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or(""))
        .find(|b| b.contains("--base \"origin/$GITHUB_BASE_REF\""))
        .expect("the README's pull-request block");
    let steps: Vec<&str> = block
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- run: "))
        .collect();
    assert!(steps.len() >= 3, "{steps:?}");

    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    std::fs::create_dir(&origin).unwrap();
    let git = |dir: &Path, args: &[&str]| {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&origin, &["init", "-q", "-b", "main"]);
    git(&origin, &["config", "user.email", "t@example.com"]);
    git(&origin, &["config", "user.name", "t"]);
    let example = std::fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    std::fs::write(origin.join("topology.toml"), &example).unwrap();
    let binary = env!("CARGO_BIN_EXE_mailflowc");
    let build = |dir: &Path| {
        let out = Command::new(binary)
            .current_dir(dir)
            .args(["build", "topology.toml"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    build(&origin);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "main"]);
    git(&origin, &["checkout", "-q", "-b", "pr"]);
    let changed = example.replace("\"contoso.co.jp\"]", "\"contoso.co.jp\", \"contoso.de\"]");
    assert_ne!(changed, example);
    std::fs::write(origin.join("topology.toml"), changed).unwrap();
    build(&origin);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "pr"]);

    let url = format!("file://{}", origin.display());
    git(
        dir.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "pr", &url, "work",
        ],
    );
    let work = dir.path().join("work");
    let bin_dir = Path::new(binary).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for step in steps {
        let out = Command::new("bash")
            .current_dir(&work)
            .args(["-e", "-c", step])
            .env("PATH", &path)
            .env("GITHUB_BASE_REF", "main")
            .output()
            .unwrap();
        assert!(out.status.success(), "`{step}`: {}", text(&out));
    }
    let plan = std::fs::read_to_string(work.join("plan.md")).unwrap();
    assert!(plan.contains("contoso.de"), "{plan}");
}
