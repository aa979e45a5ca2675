//! Topologies from a pull request may be hostile (issue 28, item 4): `extends`
//! reads only a relative path inside the repository (or, outside one, the
//! tenant's folder), and never quotes a file that is not TOML.

mod common;

use std::fs;
use std::path::Path;

/// The Cloudflare example as a base, and a tenant that extends `base`.
fn tenant(dir: &Path, base: &str) {
    let source = fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    fs::write(dir.join("_base.toml"), source).unwrap();
    fs::write(dir.join("t.toml"), format!("extends = \"{base}\"\n")).unwrap();
}

fn check(dir: &Path) -> (i32, String) {
    let out = common::mailflowc_in(dir, &["check", "t.toml"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn a_base_inside_the_folder_is_read() {
    let dir = tempfile::tempdir().unwrap();
    tenant(dir.path(), "_base.toml");
    let (code, text) = check(dir.path());
    assert_eq!(code, 0, "{text}");
}

#[test]
fn an_absolute_or_outside_base_is_refused_and_never_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::create_dir_all(repo.join("tenants")).unwrap();
    fs::create_dir_all(dir.path().join("outside")).unwrap();
    let secret = "token = \"CI-TOKEN-0123456789\"\n";
    fs::write(dir.path().join("outside/creds.toml"), secret).unwrap();
    let tenants = repo.join("tenants");
    std::os::unix::fs::symlink("/proc/self/environ", tenants.join("_env.toml")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("outside/creds.toml"),
        tenants.join("_creds.toml"),
    )
    .unwrap();
    let absolute = dir.path().join("outside/creds.toml");
    for base in [
        "/proc/self/environ",
        "/etc/passwd",
        absolute.to_str().unwrap(),
        "../../outside/creds.toml",
        "_env.toml",
        "_creds.toml",
    ] {
        tenant(&tenants, base);
        let (code, text) = check(&tenants);
        assert_eq!(code, 1, "{base}: {text}");
        assert!(text.contains("MF0008"), "{base}: {text}");
        assert!(!text.contains("CI-TOKEN"), "{base}: {text}");
        assert!(!text.contains("root:"), "{base}: {text}");
        assert!(!text.contains("PATH="), "{base}: {text}");
    }
    // A base inside the repository, one folder up, is fine.
    fs::create_dir_all(repo.join("shared")).unwrap();
    let source = fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    fs::write(repo.join("shared/gateway.toml"), source).unwrap();
    fs::write(
        tenants.join("t.toml"),
        "extends = \"../shared/gateway.toml\"\n",
    )
    .unwrap();
    let (code, text) = check(&tenants);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn a_base_that_is_not_toml_is_named_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("_key.toml"),
        "-----BEGIN KEY-----\nSECRETKEYBYTES\n",
    )
    .unwrap();
    fs::write(dir.path().join("t.toml"), "extends = \"_key.toml\"\n").unwrap();
    let (code, text) = check(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("is not a TOML document"), "{text}");
    assert!(!text.contains("SECRETKEYBYTES"), "{text}");
}

/// A fleet's folder with the Cloudflare example as two tenants.
fn fleet(dir: &Path) -> std::path::PathBuf {
    let fleet = dir.join("tenants");
    fs::create_dir_all(&fleet).unwrap();
    let source = fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    fs::write(fleet.join("contoso.toml"), &source).unwrap();
    fs::write(
        fleet.join("fabrikam.toml"),
        source.replace("contoso", "fabrikam"),
    )
    .unwrap();
    fleet
}

#[test]
fn a_fleet_entry_that_is_no_file_stops_the_call() {
    for what in ["dangling", "fifo", "directory"] {
        let dir = tempfile::tempdir().unwrap();
        let fleet = fleet(dir.path());
        let odd = fleet.join("litware.toml");
        match what {
            "dangling" => std::os::unix::fs::symlink("nowhere.toml", &odd).unwrap(),
            "fifo" => {
                let status = std::process::Command::new("mkfifo")
                    .arg(&odd)
                    .status()
                    .unwrap();
                assert!(status.success());
            }
            _ => fs::create_dir(&odd).unwrap(),
        }
        let out = common::mailflowc_in(dir.path(), &["build", "tenants"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains("litware.toml"), "{what}: {err}");
        assert!(
            !fleet.join("generated").exists(),
            "{what}: something was built"
        );
    }
}

#[test]
fn tenants_whose_names_differ_only_in_case_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = fleet(dir.path());
    fs::rename(fleet.join("fabrikam.toml"), fleet.join("Contoso.toml")).unwrap();
    let out = common::mailflowc_in(dir.path(), &["build", "tenants"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("differ only in case"), "{err}");
}

#[test]
fn a_file_secret_that_is_a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = fs::read_to_string(common::root().join("examples/cisco.toml")).unwrap();
    let changed = source.replace("env:FABRIKAM_RELAY_SECRET", "file:secret-dir");
    assert_ne!(source, changed);
    fs::write(dir.path().join("t.toml"), changed).unwrap();
    fs::create_dir(dir.path().join("secret-dir")).unwrap();
    let (code, text) = check(dir.path());
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("MF0520"), "{text}");
}
