//! Bad input never panics: every truncation of every valid input, and every
//! input with one line removed, yields a model or diagnostics, never a crash.
//! An error-free result always renders.

mod common;

fn must_not_panic(source: &str, name: &str) {
    match mailflowc::compile(source, name) {
        Ok(_) => {}
        Err(mailflowc::CompileError::Invalid(found)) => {
            assert!(
                found.iter().any(|d| d.is_error()),
                "{name}: failed without an error"
            );
            for d in &found {
                if let Some(span) = &d.span {
                    assert!(span.end <= source.len(), "{name}: span past the end");
                }
            }
            mailflowc::pipeline::render(&found, name, source, false);
        }
        Err(mailflowc::CompileError::Internal(message)) => {
            panic!("{name}: internal error: {message}")
        }
    }
}

#[test]
fn truncated_inputs_give_diagnostics_not_panics() {
    for input in common::valid_inputs() {
        let source = std::fs::read_to_string(&input).unwrap();
        let name = common::file_name(&input);
        for (cut, _) in source.char_indices() {
            must_not_panic(&source[..cut], &name);
        }
    }
}

#[test]
fn inputs_missing_a_line_give_diagnostics_not_panics() {
    for input in common::valid_inputs() {
        let source = std::fs::read_to_string(&input).unwrap();
        let name = common::file_name(&input);
        let lines: Vec<&str> = source.lines().collect();
        for skip in 0..lines.len() {
            let text: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            must_not_panic(&text.join("\n"), &name);
        }
    }
}

/// Whatever `check` accepts, `build` renders: every fixture and example,
/// valid or not, is compiled both ways and the two must agree.
#[test]
fn check_passing_means_build_succeeds_for_every_fixture() {
    let mut inputs = common::valid_inputs();
    inputs.extend(common::toml_files(
        &common::root().join("tests/fixtures/invalid"),
    ));
    for input in inputs {
        let source = std::fs::read_to_string(&input).unwrap();
        let ctx = common::context_for(&input);
        let (topology, _) = mailflowc::analyze_with(&source, &ctx);
        let built = mailflowc::compile_with(&source, &common::file_name(&input), &ctx);
        match (topology.is_some(), built) {
            (true, Ok(_)) | (false, Err(mailflowc::CompileError::Invalid(_))) => {}
            (true, Err(error)) => {
                panic!("{}: check passes, build fails: {error:?}", input.display())
            }
            (false, Ok(_)) => panic!("{}: check fails, build succeeds", input.display()),
            (false, Err(error)) => panic!("{}: {error:?}", input.display()),
        }
    }
}

#[test]
fn a_pilot_at_the_tenants_hybrid_routing_domain_is_accepted() {
    // Hybrid targets: Enhanced Filtering lists the MailUser's
    // `<tenant>.mail.onmicrosoft.com` address (exchange-facts F-EF-06).
    let source =
        std::fs::read_to_string(common::root().join("tests/fixtures/valid/everything.toml"))
            .unwrap();
    let tenant = source
        .lines()
        .find_map(|l| l.strip_prefix("tenant = \""))
        .and_then(|rest| rest.strip_suffix("\""))
        .and_then(|t| t.strip_suffix(".onmicrosoft.com"))
        .unwrap()
        .to_owned();
    let with_pilot = source.replace(
        "pilot_recipients = [",
        &format!("pilot_recipients = [\"jo@{tenant}.mail.onmicrosoft.com\", "),
    );
    assert_ne!(with_pilot, source, "everything.toml has no pilot list");
    let (_, found) = mailflowc::analyze_with(
        &with_pilot,
        &common::context_for(&common::root().join("tests/fixtures/valid/everything.toml")),
    );
    assert!(
        !found
            .iter()
            .any(|d| d.code == mailflowc::diagnostics::Code::PilotOutsideDomains),
        "{found:#?}"
    );
}

#[test]
fn an_upper_case_fingerprint_is_accepted_and_written_lower_case() {
    let source =
        std::fs::read_to_string(common::root().join("tests/fixtures/valid/everything.toml"))
            .unwrap();
    let line = source
        .lines()
        .find(|l| l.starts_with("sha256 = \""))
        .unwrap();
    let upper = source.replace(
        line,
        &line.to_ascii_uppercase().replace("SHA256 = ", "sha256 = "),
    );
    assert_ne!(upper, source);
    let path = common::root().join("tests/fixtures/valid/everything.toml");
    let files = common::build_in(&upper, "everything.toml", &common::context_for(&path));
    let lower = line
        .trim_start_matches("sha256 = \"")
        .trim_end_matches('"')
        .to_owned();
    assert!(files["exchange/60-outbound-rule.ps1"].contains(&lower));
}
