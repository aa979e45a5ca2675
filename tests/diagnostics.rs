//! Every diagnostic code is real: it has a long explanation, and an invalid
//! fixture named after it that yields exactly that code, with a span into the
//! TOML and help text. Fixtures are `tests/fixtures/invalid/MFxxxx-*.toml`.

mod common;

use mailflowc::diagnostics::{Code, Severity};
use mailflowc::pipeline::render;
use std::collections::{BTreeMap, BTreeSet};

fn fixtures() -> BTreeMap<String, Vec<std::path::PathBuf>> {
    let mut by_code: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for path in common::toml_files(&common::root().join("tests/fixtures/invalid")) {
        let name = common::file_name(&path);
        let code = name.split('-').next().unwrap().to_owned();
        by_code.entry(code).or_default().push(path);
    }
    by_code
}

#[test]
fn each_invalid_fixture_yields_exactly_its_code_with_span_and_help() {
    for (code, paths) in fixtures() {
        let expected =
            Code::from_id(&code).unwrap_or_else(|| panic!("fixture for unknown code {code}"));
        for path in paths {
            let source = std::fs::read_to_string(&path).unwrap();
            let mut ctx = common::context_for(&path);
            ctx.reveal = common::file_name(&path).contains("-when-revealed");
            ctx.check_git = common::file_name(&path).contains("-git-");
            ctx.today = Some(common::today());
            let (topology, found) = mailflowc::analyze_with(&source, &ctx);
            let codes: BTreeSet<Code> = found.iter().map(|d| d.code).collect();
            assert_eq!(
                codes,
                BTreeSet::from([expected]),
                "{} yields:\n{}",
                path.display(),
                render(&found, &common::file_name(&path), &source, false)
            );
            for d in &found {
                let span = d
                    .span
                    .clone()
                    .unwrap_or_else(|| panic!("{}: {code} has no span", path.display()));
                // In the fixture, or in a base it extends (`bases/`).
                let sources = mailflowc::pipeline::load(&source, "fixture.toml", &ctx, None);
                let file = &sources.files()[sources.locate(span.start)];
                assert!(
                    span.start <= span.end && span.end <= file.offset + file.text.len(),
                    "{}: bad span",
                    path.display()
                );
                assert!(
                    d.help.as_deref().is_some_and(|h| !h.is_empty()),
                    "{}: no help",
                    path.display()
                );
                assert!(
                    !d.message.is_empty() && !d.message.contains('\n'),
                    "{}: message must be one line",
                    path.display()
                );
            }
            // Errors stop the build; a warning alone does not.
            assert_eq!(
                topology.is_none(),
                expected.severity() == Severity::Error,
                "{}",
                path.display()
            );
        }
    }
}

/// What only a whole fleet shows (tenants that conflict on one appliance),
/// each fixture a fleet's directory: `check DIR/` reports exactly its code,
/// on every tenant that conflicts, with a span and help; `build DIR/`
/// writes nothing. Run on a copy outside the repository, where the shared
/// `secrets/` are not tracked files.
#[test]
fn each_fleet_fixture_yields_exactly_its_code_on_check_and_build() {
    for fixture in common::fleet_fixtures("invalid") {
        let name = common::file_name(&fixture);
        let code = name.split('-').next().unwrap();
        assert!(
            Code::from_id(code).is_some(),
            "fixture for unknown code {code}"
        );
        let dir = tempfile::tempdir().unwrap();
        common::copy_dir(
            &fixture.parent().unwrap().join("secrets"),
            &dir.path().join("secrets"),
        );
        common::copy_dir(&fixture, &dir.path().join("fleet"));
        let output = common::mailflowc_in(dir.path(), &["check", "fleet", "--format", "json"]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let found: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        let codes: BTreeSet<&str> = found.iter().filter_map(|d| d["code"].as_str()).collect();
        assert_eq!(codes, BTreeSet::from([code]), "{name}: {found:#?}");
        for d in &found {
            assert!(d["line"].as_u64().is_some_and(|l| l > 0), "{name}: no span");
            assert!(
                d["help"].as_str().is_some_and(|h| !h.is_empty()),
                "{name}: no help"
            );
        }
        // Every tenant of the fixture conflicts with another.
        let tenants: BTreeSet<&str> = found
            .iter()
            .filter_map(|d| d["message"].as_str())
            .filter_map(|m| m.strip_prefix('`')?.split('`').next())
            .collect();
        assert_eq!(tenants, BTreeSet::from(["a", "b"]), "{name}");
        let output = common::mailflowc_in(dir.path(), &["build", "fleet"]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(code),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !dir.path().join("fleet/generated").exists(),
            "{name}: build wrote"
        );
    }
}

#[test]
fn every_code_has_a_fixture() {
    let fixtures = fixtures();
    let fleets: BTreeSet<String> = common::fleet_fixtures("invalid")
        .iter()
        .map(|f| common::file_name(f).split('-').next().unwrap().to_owned())
        .collect();
    for code in Code::ALL {
        assert!(
            fixtures.contains_key(code.id()) || fleets.contains(code.id()),
            "no tests/fixtures/invalid/{}-*.toml (or fleets/{}-*/)",
            code.id(),
            code.id()
        );
    }
}

#[test]
fn every_code_has_a_real_explanation() {
    for code in Code::ALL {
        let text = code.explanation();
        assert!(
            text.starts_with(&format!("# {}: ", code.id())),
            "{} explanation must open with its code and title",
            code.id()
        );
        assert!(text.len() > 300, "{} explanation is too thin", code.id());
        assert!(
            text.contains("```toml"),
            "{} explanation has no example",
            code.id()
        );
    }
}

#[test]
fn explanation_examples_yield_their_code() {
    // The example in each explanation is the first ```toml block; it must
    // show the problem it explains.
    for code in Code::ALL {
        // A fleet's diagnostic needs two tenants: its example shows one of
        // them (and the fleet fixtures yield it).
        if *code == Code::ApplianceConflict {
            continue;
        }
        let text = code.explanation();
        let Some(start) = text.find("```toml\n") else {
            continue;
        };
        let rest = &text[start + 8..];
        let example = &rest[..rest.find("```").unwrap()];
        // Examples that read a secret file find it beside the fixtures.
        let ctx = mailflowc::Context {
            base_dir: common::root().join("tests/fixtures/invalid"),
            reveal: text.contains("## Example (when revealed)"),
            today: Some(common::today()),
            check_git: *code == Code::SecretFileNotIgnored,
            lang: mailflowc::targets::Lang::En,
        };
        // The size limit's example says "more than a mebibyte": make it so.
        let padded;
        let example = if *code == Code::TopologyTooLarge {
            padded = format!("{example}{}", "#\n".repeat(600_000));
            padded.as_str()
        } else {
            example
        };
        let (_, found) = mailflowc::analyze_with(example, &ctx);
        assert!(
            found.iter().any(|d| d.code == *code),
            "the example in `mailflowc explain {}` does not yield {}:\n{example}",
            code.id(),
            code.id()
        );
    }
}

#[test]
fn codes_are_unique_and_round_trip() {
    let ids: BTreeSet<&str> = Code::ALL.iter().map(|c| c.id()).collect();
    assert_eq!(ids.len(), Code::ALL.len(), "two codes share an identifier");
    for code in Code::ALL {
        assert_eq!(Code::from_id(code.id()), Some(*code));
        assert_eq!(Code::from_id(&code.id().to_lowercase()), Some(*code));
    }
}

#[test]
fn unknown_keys_are_all_reported_with_did_you_mean() {
    let source = std::fs::read_to_string(common::root().join("examples/cloudflare.toml"))
        .unwrap()
        .replace("allow_list", "alow_list")
        .replace("spf_hard_fail_off", "spf_hardfail_off");
    let (_, found) = mailflowc::analyze(&source);
    let help: Vec<_> = found
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code, d.help.clone().unwrap_or_default()))
        .collect();
    assert_eq!(help.len(), 2, "{help:?}");
    assert!(help.iter().all(|(c, _)| *c == Code::UnknownKey));
    assert!(help[0].1.contains("`allow_list`"), "{help:?}");
    assert!(help[1].1.contains("`spf_hard_fail_off`"), "{help:?}");
}

#[test]
fn rendered_diagnostics() {
    let path = common::root().join("tests/fixtures/invalid/MF0107-rfc1918-in-skip-list.toml");
    let source = std::fs::read_to_string(&path).unwrap();
    let (_, found) = mailflowc::analyze(&source);
    insta::assert_snapshot!(
        "rendered-diagnostics",
        render(&found, "topology.toml", &source, false)
    );
}

/// A topology with one problem of each stage: an unknown key, two values of
/// the wrong kind, an enum typo and a semantic error.
const THREE_ROUNDS: &str = r#"version = 1

[organization]
name = "Contoso"
tenant = "contoso.onmicrosoft.com"
domains = ["contoso.com", "contoso.com"]

[gateway]
name = "Gateway"
egress = ["192.0.2.10"]
colour = "blue"

[inbound]
allow_list = "yes"
lockdown_by = "certifcate"

[dns]
ttl = 1h
"#;

#[test]
fn every_problem_of_a_file_arrives_in_one_run() {
    let (topology, found) = mailflowc::analyze(THREE_ROUNDS);
    assert!(topology.is_none());
    let codes: Vec<Code> = found.iter().map(|d| d.code).collect();
    // `ttl = 1h` is a TOML syntax error, which stops everything else.
    assert_eq!(codes, vec![Code::TomlSyntax], "{found:#?}");

    let fixed_syntax = THREE_ROUNDS.replace("ttl = 1h", "ttl = \"1h\"");
    let (_, found) = mailflowc::analyze(&fixed_syntax);
    let text = render(&found, "t.toml", &fixed_syntax, false);
    let codes: BTreeSet<Code> = found.iter().map(|d| d.code).collect();
    for code in [Code::UnknownKey, Code::WrongType, Code::DuplicateDomain] {
        assert!(
            codes.contains(&code),
            "{code:?} missing from one run:\n{text}"
        );
    }
    assert_eq!(
        found.iter().filter(|d| d.code == Code::WrongType).count(),
        3,
        "allow_list, lockdown_by and ttl:\n{text}"
    );
    assert!(
        text.contains("`allow_list` must be `true` or `false`"),
        "{text}"
    );
    assert!(text.contains("for example: ttl = 3600"), "{text}");
    assert!(text.contains("did you mean `\"certificate\"`?"), "{text}");
    assert!(
        !text.contains("expected i64") && !text.contains("at byte"),
        "{text}"
    );
    // Ordered by position in the file.
    let starts: Vec<usize> = found
        .iter()
        .filter_map(|d| d.span.as_ref())
        .map(|s| s.start)
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
}

#[test]
fn a_missing_key_message_names_every_missing_key() {
    let source = "version = 1\n[organization]\nname = \"Contoso\"\n[gateway]\nname = \"G\"\n";
    let (_, found) = mailflowc::analyze(source);
    let missing: Vec<&str> = found
        .iter()
        .filter(|d| d.code == Code::MissingKey)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert!(
        missing[0].contains("`tenant`") && missing[0].contains("`domains`"),
        "{}",
        missing[0]
    );
}

#[test]
fn an_unquoted_word_is_explained_in_plain_words() {
    let source = "version = 1\n[organization]\nname = \"C\"\ntenant = \"c.onmicrosoft.com\"\ndomains = [\"c.com\"]\n[gateway]\nname = \"G\"\negress = [\"192.0.2.1\"]\n[inbound.enhanced_filtering]\nmode = inf\n";
    let (_, found) = mailflowc::analyze(source);
    let text = render(&found, "t.toml", source, false);
    assert!(!text.contains("expected 'nan'"), "{text}");
    assert!(text.contains("`mode` must be one of"), "{text}");
}

#[test]
fn a_duplicate_points_at_its_first_occurrence_by_line_and_column() {
    let source = "version = 1\n[organization]\nname = \"C\"\ntenant = \"c.onmicrosoft.com\"\ndomains = [\"c.com\", \"c.com\"]\n[gateway]\nname = \"G\"\negress = [\"192.0.2.1\"]\n";
    let (_, found) = mailflowc::analyze(source);
    let duplicate = found
        .iter()
        .find(|d| d.code == Code::DuplicateDomain)
        .unwrap();
    assert_eq!(duplicate.related.len(), 1, "{duplicate:#?}");
    let text = render(&found, "t.toml", source, false);
    assert!(text.contains("first listed here"), "{text}");
    assert!(!text.contains("at byte"), "{text}");
}

#[test]
fn the_readme_lists_every_code() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    for code in Code::ALL {
        let severity = match code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let row = format!("| {} | {severity} | {} |", code.id(), code.title());
        assert!(readme.contains(&row), "README lacks `{row}`");
    }
}
