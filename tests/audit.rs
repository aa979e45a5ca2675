//! `mailflowc audit`: every audit code has one rule in the registry, an
//! explanation and a fixture (a JSON Patch of `clean.json`) that yields
//! exactly it; the export with three planted bypasses (the patches of
//! MFA003, MFA005 and MFA008 together) yields exactly those three, with and
//! without the topology; every printed
//! command is one PowerShell command of documented Exchange Online cmdlets
//! and parameters, whatever the object's name; the export `verify.ps1`
//! writes has every member the audit reads.

mod common;

use mailflowc::audit::{self, AuditCode};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    common::root().join("tests/fixtures/audit")
}

fn load(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `clean.json` with the RFC 6902 patch `name` (in the fixtures' folder)
/// applied: the patch's `test` operations check that the objects it
/// changes are still where it expects them.
fn patched(base: &serde_json::Value, name: &str) -> serde_json::Value {
    let patch: json_patch::Patch = serde_json::from_value(load(&dir().join(name)))
        .unwrap_or_else(|e| panic!("{name}: not a JSON Patch: {e}"));
    let mut export = base.clone();
    json_patch::patch(&mut export, &patch).unwrap_or_else(|e| panic!("{name}: {e}"));
    export
}

/// Every code's fixture: its file name and the export it makes.
fn fixtures() -> Vec<(String, serde_json::Value)> {
    let clean = load(&dir().join("clean.json"));
    let mut found: Vec<(String, serde_json::Value)> = std::fs::read_dir(dir())
        .unwrap()
        .map(|entry| common::file_name(&entry.unwrap().path()).to_owned())
        .filter(|name| name.starts_with("MFA"))
        .map(|name| {
            assert!(
                name.ends_with(".patch.json"),
                "{name}: a fixture is a patch of clean.json"
            );
            let export = patched(&clean, &name);
            (name, export)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// The export as the commands read it.
fn typed(export: &serde_json::Value) -> mailflowc::exchange::export::TenantExport {
    mailflowc::exchange::export::TenantExport::from_json(export).unwrap()
}

fn expected() -> audit::Expected {
    expected_from("topology.toml")
}

/// The topology that opts the tenant's onmicrosoft.com domain out of the
/// lock-down (`lockdown_onmicrosoft = false`).
fn opted_out() -> audit::Expected {
    expected_from("topology-onmicrosoft-opt-out.toml")
}

fn expected_from(file: &str) -> audit::Expected {
    let path = dir().join(file);
    let ctx = common::context_for(&path);
    let source = std::fs::read_to_string(&path).unwrap();
    let (topology, found) = mailflowc::pipeline::analyze_with(&source, &ctx);
    let topology = topology.unwrap_or_else(|| panic!("{found:?}"));
    let state =
        mailflowc::targets::state::desired_state(&topology, &mailflowc::targets::plan(&topology));
    audit::Expected::from_topology(&topology, &state).unwrap()
}

fn codes(export: &serde_json::Value, expected: Option<&audit::Expected>) -> BTreeSet<&'static str> {
    audit::audit(&typed(export), expected)
        .unwrap()
        .findings
        .iter()
        .map(|f| f.code.id())
        .collect()
}

#[test]
fn every_audit_code_has_an_explanation_and_a_fixture_that_yields_exactly_it() {
    let expected = expected();
    let mut covered = BTreeSet::new();
    for (name, export) in fixtures() {
        let id = &name[..6];
        let code = AuditCode::from_id(id).unwrap_or_else(|| panic!("{name}: no code {id}"));
        let only = BTreeSet::from([code.id()]);
        match code {
            // Needs the topology's sealer.
            AuditCode::ArcSealerNotTrusted => {
                assert_eq!(codes(&export, Some(&expected)), only, "{name}");
                assert!(codes(&export, None).is_empty(), "{name} without topology");
            }
            // The onmicrosoft.com route: an error without the topology, and
            // with one whose lock-down covers the domain (mailflowc's
            // default); a warning naming the choice when the topology opts
            // the domain out (issue 26, case 1 and item 5).
            AuditCode::OnMicrosoftOpen | AuditCode::OnMicrosoftOpenByChoice => {
                let open = BTreeSet::from([AuditCode::OnMicrosoftOpen.id()]);
                assert_eq!(codes(&export, None), open, "{name} without topology");
                assert_eq!(
                    codes(&export, Some(&expected)),
                    open,
                    "{name} with the default topology"
                );
                assert_eq!(
                    codes(&export, Some(&opted_out())),
                    BTreeSet::from([AuditCode::OnMicrosoftOpenByChoice.id()]),
                    "{name} with the opted-out topology"
                );
            }
            // The topology tells the two lock-downs apart: the second is a
            // path around the gateway.
            AuditCode::GatewayUnidentified => {
                assert_eq!(codes(&export, None), only, "{name}");
                assert_eq!(
                    codes(&export, Some(&expected)),
                    BTreeSet::from([AuditCode::BroadPartnerConnector.id()]),
                    "{name} with topology"
                );
            }
            _ => {
                assert_eq!(
                    codes(&export, Some(&expected)),
                    only,
                    "{name} with topology"
                );
                assert_eq!(codes(&export, None), only, "{name} without topology");
            }
        }
        covered.insert(code);
    }
    for code in AuditCode::ALL {
        assert!(covered.contains(code), "{} has no fixture", code.id());
        let explanation = code.explanation();
        assert!(
            explanation.starts_with(&format!("# {}: {}", code.id(), code.title())),
            "{} explanation heading",
            code.id()
        );
    }
    assert!(codes(&load(&dir().join("clean.json")), Some(&expected)).is_empty());
    assert!(codes(&load(&dir().join("clean.json")), None).is_empty());
}

#[test]
fn the_registry_has_one_rule_a_code_in_code_order_each_with_its_explanation_and_fixture() {
    // Every code once, in code order: the code→rule map is total and
    // one-to-one, and the audit runs the rules in code order.
    let registered: Vec<AuditCode> = audit::RULES.iter().map(|r| r.code).collect();
    assert_eq!(registered, AuditCode::ALL);
    // No check registered for two codes (a function's address tells it).
    let checks: BTreeSet<usize> = audit::RULES.iter().map(|r| r.check as usize).collect();
    assert_eq!(checks.len(), audit::RULES.len(), "a check registered twice");
    let fixtures = fixtures();
    for rule in audit::RULES {
        let id = rule.code.id();
        assert!(
            rule.code
                .explanation()
                .starts_with(&format!("# {id}: {}", rule.code.title())),
            "{id}: explanation"
        );
        let own: Vec<&str> = fixtures
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| name.starts_with(&format!("{id}-")))
            .collect();
        assert_eq!(own.len(), 1, "{id}: one fixture, found {own:?}");
    }
}

/// The audit's findings on an export: (code, object, message).
fn findings(
    export: &serde_json::Value,
    expected: Option<&audit::Expected>,
) -> Vec<(&'static str, String, String)> {
    audit::audit(&typed(export), expected)
        .unwrap()
        .findings
        .into_iter()
        .map(|f| (f.code.id(), f.object, f.message))
        .collect()
}

#[test]
fn the_cases_of_issue_26_are_found_and_blame_the_right_object() {
    let clean = load(&dir().join("clean.json"));
    let expected = expected();
    // (fixture, with the topology, without: each a code and its object)
    type Found = (&'static str, &'static str);
    let cases: &[(&str, Found, Found)] = &[
        // 1: the lock-down as mailflowc deploys it leaves the onmicrosoft.com
        // domain open.
        (
            "MFA015-onmicrosoft-open.patch.json",
            ("MFA015", "contoso.onmicrosoft.com"),
            ("MFA015", "contoso.onmicrosoft.com"),
        ),
        // 2: a lock-down that lists an Exchange Online shared range.
        (
            "MFA017-lockdown-microsoft-range.patch.json",
            ("MFA017", "mailflowc lock-down to gateway"),
            ("MFA017", "mailflowc lock-down to gateway"),
        ),
        // 3: a lock-down restricted to Exchange Online's certificate: the
        // lock-down is blamed, not the gateway's connector or allow list.
        (
            "case3-lockdown-certificate.patch.json",
            ("MFA017", "mailflowc lock-down to gateway"),
            ("MFA017", "mailflowc lock-down to gateway"),
        ),
        // 5: OnPremises connectors MC1226222 warns about.
        (
            "MFA018-on-premises-certificate.patch.json",
            ("MFA018", "Relay service"),
            ("MFA018", "Relay service"),
        ),
        (
            "case5-on-premises-shared-addresses.patch.json",
            ("MFA018", "Cloud relay"),
            ("MFA018", "Cloud relay"),
        ),
    ];
    for (name, with, without) in cases {
        let export = patched(&clean, name);
        for (expected, want) in [(Some(&expected), with), (None, without)] {
            let found = findings(&export, expected);
            let got: Vec<(&str, &str)> = found.iter().map(|(c, o, _)| (*c, o.as_str())).collect();
            assert_eq!(got, [*want], "{name}, topology: {}", expected.is_some());
            // The finding names its path, ending in its outcome.
            let message = &found[0].2;
            if want.0 != "MFA018" {
                assert!(
                    message.contains(" → ") && message.contains("delivered around the gateway"),
                    "{name}: {message}"
                );
            }
        }
    }
    // Case 1's warning names the choice: the topology's lock-down scope.
    let export = patched(&clean, "MFA015-onmicrosoft-open.patch.json");
    let found = findings(&export, Some(&opted_out()));
    assert_eq!(found[0].0, "MFA016");
    assert!(
        found[0]
            .2
            .contains("the topology's lock-down covers only `contoso.com`"),
        "{}",
        found[0].2
    );
}

#[test]
fn three_bypasses_is_the_patches_of_its_three_codes_together() {
    // Kept whole: the README runs it and the snapshots name its lines.
    let mut export = load(&dir().join("clean.json"));
    for name in [
        "MFA003-broad-partner.patch.json",
        "MFA005-scl-bypass.patch.json",
        "MFA008-mx-microsoft.patch.json",
    ] {
        export = patched(&export, name);
    }
    assert_eq!(export, load(&dir().join("three-bypasses.json")));
}

fn run(args: &[&str]) -> (i32, String, String) {
    let output = common::mailflowc_in(&common::root(), args);
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn three_planted_bypasses_are_found_exactly() {
    let export = "tests/fixtures/audit/three-bypasses.json";
    for with_topology in [true, false] {
        let mut args = vec!["audit", "--tenant", export, "--format", "json"];
        if with_topology {
            args.push("tests/fixtures/audit/topology.toml");
        }
        let (code, out, err) = run(&args);
        assert_eq!(code, 3, "{err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let found: Vec<(String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_owned(),
                    f["object"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("MFA003", "Legacy relay"),
                ("MFA005", "Allow partner newsletters"),
                ("MFA008", "fabrikam.com"),
            ]
            .map(|(c, o)| (c.to_owned(), o.to_owned())),
            "with topology: {with_topology}"
        );
        if with_topology {
            insta::assert_snapshot!("audit-three-bypasses-json", out);
        }
    }
    let (_, text, _) = run(&[
        "audit",
        "--tenant",
        export,
        "tests/fixtures/audit/topology.toml",
    ]);
    insta::assert_snapshot!("audit-three-bypasses-text", text);
    let (_, github, _) = run(&["audit", "--tenant", export, "--format", "github"]);
    insta::assert_snapshot!("audit-three-bypasses-github", github);
    let (code, _, _) = run(&["audit", "--tenant", "tests/fixtures/audit/clean.json"]);
    assert_eq!(code, 0);
}

#[test]
fn sarif_validates_against_the_sarif_schema() {
    let (_, sarif, _) = run(&[
        "audit",
        "--tenant",
        "tests/fixtures/audit/three-bypasses.json",
        "--format",
        "sarif",
    ]);
    let errors = common::json_schema_errors(
        &common::root().join("tests/data/sarif-schema-2.1.0.json"),
        &sarif,
    );
    assert!(errors.is_empty(), "{errors:#?}");
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    // Located on the line of the object in the export.
    let text = std::fs::read_to_string(dir().join("three-bypasses.json")).unwrap();
    let line = results[0]["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap() as usize;
    assert!(text.lines().nth(line - 1).unwrap().contains("Legacy relay"));
}

#[test]
fn input_order_does_not_change_the_report() {
    let export = load(&dir().join("three-bypasses.json"));
    let mut reversed = export.clone();
    for value in reversed.as_object_mut().unwrap().values_mut() {
        if let Some(list) = value.as_array_mut() {
            list.reverse();
        }
    }
    let expected = expected();
    assert_eq!(
        audit::text(&audit::audit(&typed(&export), Some(&expected)).unwrap()),
        audit::text(&audit::audit(&typed(&reversed), Some(&expected)).unwrap())
    );
}

#[test]
fn printed_commands_are_one_documented_powershell_command_whatever_the_names() {
    let documented: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("tests/data/exo-cmdlets.json")).unwrap(),
    )
    .unwrap();
    let hostile = "x'; Remove-Item -Recurse C:\\ #\u{2019}";
    let mut commands = Vec::new();
    let mut exports = vec![
        load(&dir().join("clean.json")),
        load(&dir().join("three-bypasses.json")),
    ];
    exports.extend(fixtures().into_iter().map(|(_, export)| export));
    for export in exports {
        // Every name and allow-list entry made hostile.
        let text = serde_json::to_string_pretty(&export)
            .unwrap()
            .replace(
                "\"Legacy relay\"",
                &serde_json::to_string(&format!("Legacy {hostile}")).unwrap(),
            )
            .replace(
                "\"Allow partner newsletters\"",
                &serde_json::to_string(&format!("Allow {hostile}")).unwrap(),
            )
            .replace(
                "\"Hybrid on-premises\"",
                &serde_json::to_string(&format!("Hybrid {hostile}")).unwrap(),
            )
            .replace(
                "\"198.51.100.7\"",
                &serde_json::to_string(&format!("198.51.100.7{hostile}")).unwrap(),
            );
        let export: serde_json::Value = serde_json::from_str(&text).unwrap();
        for f in audit::audit(&typed(&export), Some(&expected()))
            .unwrap()
            .findings
        {
            commands.extend(f.command);
        }
    }
    assert!(commands.len() >= 8, "{commands:#?}");
    assert!(
        commands
            .iter()
            .filter(|c| c.contains("Remove-Item"))
            .count()
            >= 3,
        "the hostile names reach the commands: {commands:#?}"
    );
    for command in &commands {
        let tree = common::parse_powershell(command);
        assert!(
            common::syntax_errors(&tree, command).is_empty(),
            "{command}"
        );
        let calls: Vec<_> = common::nodes(&tree)
            .into_iter()
            .filter(|n| n.kind() == "command")
            .collect();
        assert_eq!(calls.len(), 1, "one command: {command}");
        let mut cursor = calls[0].walk();
        let children: Vec<_> = calls[0].named_children(&mut cursor).collect();
        let name = children
            .iter()
            .find(|c| c.kind() == "command_name")
            .unwrap();
        let name = &command[name.byte_range()];
        let params = documented["cmdlets"][name]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not a documented cmdlet"));
        for element in children.iter().filter(|c| c.kind() == "command_elements") {
            let mut c2 = element.walk();
            for part in element.named_children(&mut c2) {
                if part.kind() == "command_parameter" {
                    let param = command[part.byte_range()].trim_start_matches('-');
                    assert!(
                        params.iter().any(|p| p.as_str() == Some(param)),
                        "{name} -{param}"
                    );
                }
            }
        }
    }
}

#[test]
fn verify_exports_every_member_the_audit_reads() {
    let files = common::build(&dir().join("topology.toml"));
    let (_, verify) = files
        .iter()
        .find(|(path, _)| path.ends_with("exchange/verify.ps1"))
        .expect("verify.ps1");
    let start = verify.find("$export = [ordered]@{").expect("the export");
    let block = &verify[start..start + verify[start..].find("\n    }\n").unwrap()];
    for member in audit::REQUIRED {
        assert!(
            block
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{member} = "))),
            "verify.ps1 does not export {member}"
        );
    }
}

#[test]
fn an_export_without_what_the_audit_reads_or_of_another_tenant_is_refused() {
    // The drift fixture is an export of an older build: no accepted domains.
    let (code, out, err) = run(&["audit", "--tenant", "tests/fixtures/drift/in-sync.json"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("AcceptedDomain") && err.contains("MxRecord"),
        "{err}"
    );
    let mut other = load(&dir().join("clean.json"));
    other["tenant"] = "fabrikam.onmicrosoft.com".into();
    let error = audit::audit(&typed(&other), Some(&expected())).unwrap_err();
    assert!(error.contains("fabrikam.onmicrosoft.com"), "{error}");
}

/// A name and a tenant from the export that would start a line of their
/// choosing (a workflow command on a GitHub runner) or reverse its direction.
const HOSTILE: &str = "evil\n::error title=pwned::x\u{202e}gnp";

/// Whether `out` lets the hostile text through: a bidi override, or a line
/// starting with `::` that is not one of the audit's own annotations.
fn leaks(out: &str) -> bool {
    out.contains('\u{202e}')
        || out.lines().any(|l| {
            l.starts_with("::")
                && !l.starts_with("::error file=")
                && !l.starts_with("::warning file=")
        })
}

#[test]
fn hostile_names_and_tenants_are_shown_escaped_in_every_format() {
    let work = tempfile::tempdir().unwrap();
    let mut export = load(&dir().join("three-bypasses.json"));
    for connector in export["InboundConnector"].as_array_mut().unwrap() {
        if connector["Name"] == "Legacy relay" {
            connector["Name"] = HOSTILE.into();
        }
    }
    let named = work.path().join("named.json");
    std::fs::write(&named, serde_json::to_string_pretty(&export).unwrap()).unwrap();
    // Without a topology the tenant is not checked, and starts the summary.
    export["tenant"] = format!("::stop-commands::{HOSTILE}").into();
    let tenant = work.path().join("tenant.json");
    std::fs::write(&tenant, serde_json::to_string_pretty(&export).unwrap()).unwrap();
    let topology = dir().join("topology.toml");
    for format in ["text", "github", "sarif", "json"] {
        for args in [
            vec![
                "audit",
                "--tenant",
                named.to_str().unwrap(),
                topology.to_str().unwrap(),
            ],
            vec!["audit", "--tenant", tenant.to_str().unwrap()],
        ] {
            let mut args = args.clone();
            args.extend(["--format", format]);
            let (_, out, err) = run(&args);
            assert!(
                !leaks(&out) && !leaks(&err),
                "{format} {args:?}:\n{out}{err}"
            );
            assert!(
                out.contains("u{202e}") || out.contains("u202e"),
                "{format}:\n{out}"
            );
        }
    }
    // The tenant mismatch names the export's tenant escaped.
    let (code, out, err) = run(&[
        "audit",
        "--tenant",
        tenant.to_str().unwrap(),
        topology.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        !leaks(&err) && err.contains("\\u{3a}:stop-commands::evil\\n"),
        "{err}"
    );
}
