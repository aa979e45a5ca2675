//! The outbound secret reaches only the revealed variant: never a file of the
//! normal build, never the lowered model, and the revealed directory keeps
//! itself out of git.

mod common;

use std::path::PathBuf;

fn fixture() -> PathBuf {
    common::root().join("tests/fixtures/valid/everything.toml")
}

fn secrets() -> [String; 2] {
    let dir = common::root().join("tests/fixtures/valid/secrets");
    [
        std::fs::read_to_string(dir.join("northwind-current.secret"))
            .unwrap()
            .trim()
            .to_owned(),
        std::fs::read_to_string(dir.join("northwind-previous.secret"))
            .unwrap()
            .trim()
            .to_owned(),
    ]
}

#[test]
fn no_file_of_the_normal_build_holds_a_secret() {
    let files = common::build(&fixture());
    assert!(files.contains_key("cisco/10-relay-guard-filter.txt"));
    for secret in secrets() {
        for (path, text) in &files {
            assert!(!text.contains(&secret), "{path} holds a secret");
        }
    }
    // What stands there instead is the fingerprint.
    let filter = &files["cisco/10-relay-guard-filter.txt"];
    assert!(filter.contains(&mailflowc::secret::fingerprint(&secrets()[0])));
    assert!(filter.contains(&mailflowc::secret::fingerprint(&secrets()[1])));
}

#[test]
fn the_lowered_model_holds_no_secret() {
    let source = std::fs::read_to_string(fixture()).unwrap();
    let (topology, _) = mailflowc::analyze_with(&source, &common::context_for(&fixture()));
    let json = serde_json::to_string(&topology.unwrap()).unwrap();
    for secret in secrets() {
        assert!(!json.contains(&secret));
    }
}

#[test]
fn the_revealed_variant_holds_both_secrets_and_ignores_itself() {
    let source = std::fs::read_to_string(fixture()).unwrap();
    let base = fixture().parent().unwrap().to_owned();
    let files = mailflowc::reveal(&source, "everything.toml", &base)
        .unwrap()
        .unwrap();
    let filter = &files["cisco/10-relay-guard-filter.txt"];
    let [current, previous] = secrets();
    assert!(filter.contains(&format!("\"^{current}$\"")), "{filter}");
    assert!(filter.contains(&format!("\"^{previous}$\"")), "{filter}");
    assert!(files[".gitignore"].lines().any(|l| l.trim() == "*"));
}

#[test]
fn revealing_without_the_secret_is_an_error_building_is_not() {
    let source = std::fs::read_to_string(fixture())
        .unwrap()
        .replace("secrets/northwind-current.secret", "secrets/absent.secret");
    let base = fixture().parent().unwrap().to_owned();
    match mailflowc::reveal(&source, "everything.toml", &base) {
        Err(mailflowc::CompileError::Invalid(found)) => {
            assert!(found
                .iter()
                .any(|d| d.code == mailflowc::diagnostics::Code::SecretUnresolvable));
        }
        other => panic!("expected MF0502, got {other:?}"),
    }
    let ctx = common::context_for(&fixture());
    // A file that is not there is a mistake for build too (MF0520); an
    // unset variable is a machine without the secret, and builds.
    match mailflowc::compile_with(&source, "everything.toml", &ctx) {
        Err(mailflowc::CompileError::Invalid(found)) => {
            assert!(found
                .iter()
                .any(|d| d.code == mailflowc::diagnostics::Code::SecretFileMissing));
        }
        other => panic!("expected MF0520, got {other:?}"),
    }
    let unset = source.replace(
        "file:secrets/absent.secret",
        "env:MAILFLOWC_TEST_UNSET_SECRET",
    );
    assert_ne!(unset, source);
    assert!(mailflowc::compile_with(&unset, "everything.toml", &ctx).is_ok());
}

fn with_secret_reference(
    reference: &str,
    dir: &std::path::Path,
) -> (
    Option<mailflowc::model::Topology>,
    Vec<mailflowc::diagnostics::Diagnostic>,
) {
    let source = std::fs::read_to_string(fixture())
        .unwrap()
        .replace("file:secrets/northwind-current.secret", reference);
    let ctx = mailflowc::Context {
        base_dir: dir.to_owned(),
        reveal: true,
        today: None,
        check_git: false,
        lang: mailflowc::targets::Lang::En,
    };
    mailflowc::analyze_with(&source, &ctx)
}

/// A directory holding the fixture's previous secret, so that only the
/// current secret's reference is under test.
fn with_previous_secret() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::copy(
        common::root().join("tests/fixtures/valid/secrets/northwind-previous.secret"),
        dir.path().join("secrets/northwind-previous.secret"),
    )
    .unwrap();
    dir
}

#[test]
fn only_small_regular_files_are_read_as_secrets() {
    let dir = with_previous_secret();
    std::fs::write(dir.path().join("big"), "A".repeat(5000)).unwrap();
    #[cfg(unix)]
    {
        // A FIFO would block a reader forever: it is refused before opening.
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
    }
    let started = std::time::Instant::now();
    for reference in [
        "file:big",
        "file:fifo",
        "file:/dev/zero",
        "file:/dev/null",
        "file:.",
    ] {
        let (topology, found) = with_secret_reference(reference, dir.path());
        assert!(topology.is_none(), "{reference} was accepted");
        assert!(
            found
                .iter()
                .any(|d| d.code == mailflowc::diagnostics::Code::SecretUnresolvable),
            "{reference}: {found:#?}"
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "a secret read hung"
    );
}

#[test]
fn no_message_describes_a_files_content_or_echoes_a_pasted_value() {
    let dir = with_previous_secret();
    // Some readable file that is no secret: its first odd character, its
    // length and its fingerprint must not show.
    let content = "root:x:0:0:root:/root:/bin/bash";
    std::fs::write(dir.path().join("passwd"), content).unwrap();
    let (_, found) = with_secret_reference("file:passwd", dir.path());
    let source = std::fs::read_to_string(fixture()).unwrap();
    let text = mailflowc::pipeline::render(&found, "t.toml", &source, false);
    let weak = found
        .iter()
        .find(|d| d.code == mailflowc::diagnostics::Code::WeakSecret)
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(weak.label.as_deref(), Some(mailflowc::secret::NOT_A_SECRET));
    for leak in ["31", "`:`", &mailflowc::secret::fingerprint(content)] {
        assert!(!text.contains(leak), "`{leak}` leaks:\n{text}");
    }
    // A value pasted where a reference belongs is not echoed back.
    let pasted = "Zq8e0fR3u7XwP2mK9sT4vB6nC1dL5hJ0";
    let (_, found) = with_secret_reference(pasted, dir.path());
    let text = mailflowc::pipeline::render(&found, "t.toml", "", false);
    assert!(
        !found.iter().any(|d| d.message.contains(pasted)
            || d.label.as_deref().is_some_and(|l| l.contains(pasted))
            || d.help.as_deref().is_some_and(|h| h.contains(pasted))),
        "{text}"
    );
}
