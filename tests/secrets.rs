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
    assert!(mailflowc::compile_with(&source, "everything.toml", &ctx).is_ok());
}
