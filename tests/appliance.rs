//! Cisco fleets on one appliance (`cisco.appliance`): a build of the
//! fleet's directory writes one relay guard that accepts every relaying
//! tenant's secret, in `generated/_appliances/<label>/`; a build of one
//! tenant, or of part of the fleet, never leaves that guard behind a
//! tenant's secret; `reveal` of the fleet writes the guard with the real
//! secrets. The fleet is `tests/fixtures/valid/fleets/esa-hq/` (its README
//! says what each tenant shows), run on a copy outside the repository.

mod common;

use common::mailflowc_in as mailflowc;
use std::path::Path;
use std::process::Output;

const GUARD: &str = "esa-hq/generated/_appliances/esa-hq/10-relay-guard-filter.txt";
const APPLIANCE_TREE: &str = "esa-hq/generated/_appliances/esa-hq";
/// Fabrikam's next secret, when a test rotates it.
const NEXT_SECRET: &str = "FabrikamFleetNext0123456789abcdefABCDEF";

/// A copy of the fleet fixture, with the secrets it reads beside it.
fn fleet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::root().join("tests/fixtures/valid/fleets");
    common::copy_dir(&fixtures.join("secrets"), &dir.path().join("secrets"));
    common::copy_dir(&fixtures.join("esa-hq"), &dir.path().join("esa-hq"));
    dir
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output: Output = mailflowc(dir, args);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn built_fleet() -> tempfile::TempDir {
    let dir = fleet();
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    dir
}

/// Gives `tenant` a new secret, as a rotation does: the current one moves
/// to `previous_*`.
fn rotate(dir: &Path, tenant: &str, value: &str) {
    std::fs::write(dir.join(format!("secrets/{tenant}-next.secret")), value).unwrap();
    let path = dir.join(format!("esa-hq/{tenant}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("previous_") {
            continue;
        }
        if let Some(old) = line.strip_prefix("value_from = ") {
            lines.push(format!(
                "value_from = \"file:../secrets/{tenant}-next.secret\""
            ));
            lines.push(format!("previous_value_from = {old}"));
        } else if let Some(old) = line.strip_prefix("sha256 = ") {
            lines.push(format!(
                "sha256 = \"{}\"",
                mailflowc::secret::fingerprint(value)
            ));
            lines.push(format!("previous_sha256 = {old}"));
        } else {
            lines.push(line.to_owned());
        }
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn one_guard_accepts_every_relaying_tenant_of_the_appliance() {
    let dir = built_fleet();
    let tree = common::files_under(&dir.path().join(APPLIANCE_TREE));
    assert_eq!(
        tree.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            ".mailflowc-generated",
            "10-relay-guard-filter.txt",
            "STEPS.md",
            "appliance.json"
        ]
    );
    let guard = read(dir.path(), GUARD);
    // Contoso rotates (two secrets), Fabrikam relays with one, Litware
    // sends nothing through the gateway: three accepted values in the
    // condition that lets mail through, in tenant order, each tenant's
    // first without `OR` (tests/relay_guard.rs runs the guard).
    let accepted: Vec<&str> = guard
        .lines()
        .map(str::trim)
        .take_while(|l| *l != ") {")
        .filter(|l| l.contains("header(\"X-MSP-Relay-Auth\") =="))
        .collect();
    assert_eq!(accepted.len(), 3, "{guard}");
    assert!(accepted[0].starts_with("(header("), "{guard}");
    assert!(accepted[1].starts_with("OR (header("), "{guard}");
    assert!(accepted[2].starts_with("(header("), "{guard}");
    for sha in [
        "edec7b796cd3aa82196d7fc7113e21a1e709d3d4c1f4f1d9f30a507984ccfc3f",
        "7979df337de614b8a84f217631909bbb489080c76df356283c6facdc6a6d5d1c",
        "79d1eb01bb23b74a5f545b637d0aa86fef0397542602912d5a8d269d11b2a46e",
    ] {
        assert!(
            guard.contains(&format!("SECRET-NOT-IN-THIS-FILE-sha256-{sha}")),
            "{sha} not accepted:\n{guard}"
        );
    }
    assert!(!guard.contains("litware"), "{guard}");
    // One filter, named once; it drops what carries none of the secrets.
    assert_eq!(guard.matches("msp_relay_guard: if").count(), 1, "{guard}");
    assert!(guard.contains("drop();"), "{guard}");
    assert!(guard.ends_with("}\n.\n"), "{guard}");
    // No tenant tree holds a relay guard of its own; each points at the
    // appliance's.
    for tenant in ["contoso", "fabrikam", "litware"] {
        let own = common::files_under(&dir.path().join(format!("esa-hq/generated/{tenant}")));
        assert!(
            !own.contains_key("cisco/10-relay-guard-filter.txt"),
            "{tenant} has its own guard"
        );
    }
    for tenant in ["contoso", "fabrikam"] {
        let steps = read(
            dir.path(),
            &format!("esa-hq/generated/{tenant}/cisco/STEPS.md"),
        );
        assert!(
            steps.contains("../_appliances/esa-hq/STEPS.md"),
            "{tenant}:\n{steps}"
        );
        let runbook = read(dir.path(), &format!("esa-hq/generated/{tenant}/RUNBOOK.md"));
        assert!(
            runbook.contains("../_appliances/esa-hq/10-relay-guard-filter.txt"),
            "{tenant}:\n{runbook}"
        );
    }
    let manifest: serde_json::Value = serde_json::from_str(&read(
        dir.path(),
        &format!("{APPLIANCE_TREE}/appliance.json"),
    ))
    .unwrap();
    let tenants: Vec<&str> = manifest["tenants"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(tenants, ["contoso", "fabrikam"]);
    insta::assert_snapshot!("appliance-guard", guard);
    insta::assert_snapshot!(
        "appliance-steps",
        read(dir.path(), &format!("{APPLIANCE_TREE}/STEPS.md"))
    );
    insta::assert_snapshot!(
        "appliance-manifest",
        read(dir.path(), &format!("{APPLIANCE_TREE}/appliance.json"))
    );
    insta::assert_snapshot!(
        "appliance-tenant-steps",
        read(dir.path(), "esa-hq/generated/contoso/cisco/STEPS.md")
    );
}

#[test]
fn the_fleet_builds_the_same_bytes_in_any_order_and_checks_clean() {
    let dir = built_fleet();
    let first = common::files_under(&dir.path().join("esa-hq/generated"));
    let (code, out, err) = run(dir.path(), &["build", "--check", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("esa-hq/generated/_appliances/esa-hq: up to date"),
        "{out}"
    );
    assert!(
        out.contains("3 topologies: 3 ok, 0 failed; 1 appliance(s): 1 ok, 0 failed"),
        "{out}"
    );
    // An appliance's tree is no topology in a CI summary either.
    let (code, out, err) = run(
        dir.path(),
        &["build", "--check", "esa-hq", "--format", "github"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("mailflowc: 3 topologies: 0 error(s)"), "{out}");
    // The tenants named one by one, in reverse: the same trees.
    let (code, out, err) = run(
        dir.path(),
        &[
            "build",
            "esa-hq/litware.toml",
            "esa-hq/fabrikam.toml",
            "esa-hq/contoso.toml",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        common::files_under(&dir.path().join("esa-hq/generated")),
        first
    );
}

#[test]
fn a_one_tenant_fleet_directory_builds_the_appliance_beside_its_tree() {
    let dir = fleet();
    for tenant in ["contoso", "litware"] {
        std::fs::remove_file(dir.path().join(format!("esa-hq/{tenant}.toml"))).unwrap();
    }
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(dir
        .path()
        .join("esa-hq/generated/fabrikam/.mailflowc-generated")
        .is_file());
    assert!(dir.path().join(GUARD).is_file(), "{out}");
    // The fleet's second tenant joins without moving the first one's tree.
    common::copy_dir(
        &common::root().join("tests/fixtures/valid/fleets/esa-hq"),
        &dir.path().join("esa-hq"),
    );
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(read(dir.path(), GUARD).contains("# contoso"));
}

#[test]
fn a_conflict_on_the_appliance_leaves_every_tree_untouched() {
    let dir = built_fleet();
    let before = common::files_under(&dir.path().join("esa-hq/generated"));
    let path = dir.path().join("esa-hq/fabrikam.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\n[cisco]\n"), "{text}");
    std::fs::write(
        &path,
        text.replace(
            "\n[cisco]\n",
            "\n[cisco]\nappliance = \"esa-hq\"\nfilter_name = \"fabrikam_guard\"\n",
        ),
    )
    .unwrap();
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("MF0522"), "{err}");
    // Litware conflicts with nobody, but the guard is one for all three.
    assert!(
        err.contains("not built: tenants of appliance `esa-hq` conflict"),
        "{err}"
    );
    assert_eq!(
        common::files_under(&dir.path().join("esa-hq/generated")),
        before
    );
}

#[test]
fn one_tenant_alone_builds_only_while_the_guard_accepts_it() {
    let dir = built_fleet();
    // Unchanged: the guard accepts it as it is.
    let (code, out, err) = run(dir.path(), &["build", "esa-hq/fabrikam.toml"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("esa-hq/generated/fabrikam"), "{out}");
    // A new secret: its outbound rule would stamp a value the guard drops.
    let before = common::files_under(&dir.path().join("esa-hq/generated"));
    rotate(dir.path(), "fabrikam", NEXT_SECRET);
    let (code, out, err) = run(dir.path(), &["build", "esa-hq/fabrikam.toml"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("accepts another secret for `fabrikam`"),
        "{err}"
    );
    assert!(err.contains("`mailflowc build esa-hq/`"), "{err}");
    assert_eq!(
        common::files_under(&dir.path().join("esa-hq/generated")),
        before
    );
    let (code, out, err) = run(dir.path(), &["build", "--check", "esa-hq/fabrikam.toml"]);
    assert_eq!(code, 3, "{out}{err}");
    // The fleet's build brings the guard along; then the tenant alone is
    // up to date.
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    let guard = read(dir.path(), GUARD);
    let next = mailflowc::secret::fingerprint(NEXT_SECRET);
    assert!(guard.contains(&next), "{guard}");
    assert!(
        guard.contains("79d1eb01bb23b74a5f545b637d0aa86fef0397542602912d5a8d269d11b2a46e"),
        "the previous secret stays accepted while it rotates:\n{guard}"
    );
    let (code, out, err) = run(dir.path(), &["build", "--check", "esa-hq/fabrikam.toml"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_rotation_touches_only_that_tenants_entry() {
    let dir = built_fleet();
    let guard = read(dir.path(), GUARD);
    rotate(dir.path(), "fabrikam", NEXT_SECRET);
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    let rotated = read(dir.path(), GUARD);
    let entry = |text: &str, tenant: &str| -> Vec<String> {
        // `# tenant`, then `((` (or `OR ((`) opens its secrets.
        text.lines()
            .skip_while(|l| l.trim() != format!("# {tenant}"))
            .skip(2)
            .take_while(|l| l.trim().starts_with("(header") || l.trim().starts_with("OR (header"))
            .map(|l| l.trim().trim_start_matches("OR ").to_owned())
            .collect()
    };
    assert_eq!(entry(&rotated, "contoso"), entry(&guard, "contoso"));
    assert_eq!(entry(&guard, "fabrikam").len(), 1);
    assert_eq!(entry(&rotated, "fabrikam").len(), 2, "{rotated}");
    // Built: nothing changes against the trees on disk.
    let (code, out, err) = run(dir.path(), &["plan", "esa-hq", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    // Not built yet: the plan names the guard before the rule that stamps
    // the new value.
    let dir = built_fleet();
    rotate(dir.path(), "fabrikam", NEXT_SECRET);
    let (code, out, err) = run(dir.path(), &["plan", "esa-hq", "--format", "json"]);
    assert_eq!(code, 3, "{out}{err}");
    let fabrikam: serde_json::Value = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["topology"] == "esa-hq/fabrikam.toml")
        .unwrap();
    let apply: Vec<&str> = fabrikam["apply"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    let at = |file: &str| {
        apply
            .iter()
            .position(|f| *f == file)
            .unwrap_or_else(|| panic!("{file} not in {apply:?}"))
    };
    assert!(
        at("../_appliances/esa-hq/10-relay-guard-filter.txt") < at("exchange/60-outbound-rule.ps1"),
        "{apply:?}"
    );
}

#[test]
fn a_tenant_the_guard_accepts_is_never_dropped_by_a_partial_build() {
    let dir = built_fleet();
    let before = common::files_under(&dir.path().join("esa-hq/generated"));
    // Its topology gone, its tree still there: refused, nothing written.
    std::fs::rename(
        dir.path().join("esa-hq/fabrikam.toml"),
        dir.path().join("fabrikam.toml.away"),
    )
    .unwrap();
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("also accepts `fabrikam` (not in this build"),
        "{err}"
    );
    assert_eq!(
        common::files_under(&dir.path().join("esa-hq/generated")),
        before
    );
    // The same for a tenant with errors in this build.
    std::fs::rename(
        dir.path().join("fabrikam.toml.away"),
        dir.path().join("esa-hq/fabrikam.toml"),
    )
    .unwrap();
    let path = dir.path().join("esa-hq/fabrikam.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("fabrikam.example", "fabrikam..example")).unwrap();
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        err.contains("also accepts `fabrikam` (it has errors)"),
        "{err}"
    );
    assert_eq!(
        common::files_under(&dir.path().join("esa-hq/generated")),
        before
    );
    // The tenant leaves: topology and tree removed, the guard drops it.
    std::fs::remove_file(&path).unwrap();
    std::fs::remove_dir_all(dir.path().join("esa-hq/generated/fabrikam")).unwrap();
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    let guard = read(dir.path(), GUARD);
    assert!(!guard.contains("# fabrikam"), "{guard}");
    assert!(guard.contains("# contoso"), "{guard}");
}

#[test]
fn reveal_of_the_fleet_writes_the_guard_with_every_real_secret() {
    let dir = built_fleet();
    let (code, out, err) = run(dir.path(), &["reveal", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    let revealed = read(
        dir.path(),
        "esa-hq/revealed/_appliances/esa-hq/10-relay-guard-filter.txt",
    );
    let committed = read(dir.path(), GUARD);
    let mut expected = committed.clone();
    for (name, sha) in [
        (
            "contoso-current",
            "edec7b796cd3aa82196d7fc7113e21a1e709d3d4c1f4f1d9f30a507984ccfc3f",
        ),
        (
            "contoso-previous",
            "7979df337de614b8a84f217631909bbb489080c76df356283c6facdc6a6d5d1c",
        ),
        (
            "fabrikam-current",
            "79d1eb01bb23b74a5f545b637d0aa86fef0397542602912d5a8d269d11b2a46e",
        ),
    ] {
        let value = read(dir.path(), &format!("secrets/{name}.secret"));
        let value = value.trim();
        assert!(
            revealed.contains(&format!("== \"^{value}$\")")),
            "{name}:\n{revealed}"
        );
        expected = expected.replace(&format!("SECRET-NOT-IN-THIS-FILE-sha256-{sha}"), value);
    }
    assert!(!revealed.contains("SECRET-NOT-IN-THIS-FILE"), "{revealed}");
    // The same filter but for the secrets and the note on which copy it is.
    let body = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with("# Committed copy") && !l.starts_with("# REVEALED"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(body(&revealed), body(&expected));
    assert_eq!(
        read(dir.path(), "esa-hq/revealed/.gitignore")
            .lines()
            .last(),
        Some("*")
    );
    // One tenant alone has no guard of its own to reveal: it says where to
    // go and writes nothing.
    let (code, out, err) = run(
        dir.path(),
        &["reveal", "esa-hq/fabrikam.toml", "--out", "one"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("run `mailflowc reveal` on the fleet's directory"),
        "{out}{err}"
    );
    assert!(!dir.path().join("one").exists());
}

#[test]
fn reveal_of_a_conflicting_fleet_writes_nothing() {
    let dir = built_fleet();
    let path = dir.path().join("esa-hq/fabrikam.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("fabrikam-current.secret", "contoso-current.secret")
            .replace(
                "79d1eb01bb23b74a5f545b637d0aa86fef0397542602912d5a8d269d11b2a46e",
                "edec7b796cd3aa82196d7fc7113e21a1e709d3d4c1f4f1d9f30a507984ccfc3f",
            ),
    )
    .unwrap();
    // A tenant with a secret of its own, on no appliance, sorted first: the
    // conflicts land on the tenants that have them.
    let own = "AardvarkOwnSecret0123456789abcdefABCDEF";
    std::fs::write(dir.path().join("secrets/aardvark.secret"), own).unwrap();
    let base = read(dir.path(), "esa-hq/_appliance.toml");
    let base = &base[..base.find("[cisco]").unwrap()];
    std::fs::write(
        dir.path().join("esa-hq/aardvark.toml"),
        format!(
            "{base}[organization]\nname = \"Aardvark\"\ntenant = \"aardvark.onmicrosoft.com\"\n\
             domains = [\"aardvark.example\"]\n\n[outbound.secret_header]\n\
             value_from = \"file:../secrets/aardvark.secret\"\nsha256 = \"{}\"\n",
            mailflowc::secret::fingerprint(own)
        ),
    )
    .unwrap();
    let (code, out, err) = run(dir.path(), &["reveal", "esa-hq"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("`contoso` shares appliance `esa-hq` with `fabrikam`"),
        "{err}"
    );
    assert!(
        err.contains("`fabrikam` shares appliance `esa-hq` with `contoso`"),
        "{err}"
    );
    assert!(!err.contains("`aardvark` shares"), "{err}");
    assert!(!dir.path().join("esa-hq/revealed").exists());
}

#[test]
fn a_lone_topology_naming_an_appliance_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::root().join("tests/fixtures/valid");
    std::fs::copy(
        fixtures.join("cisco-appliance.toml"),
        dir.path().join("t.toml"),
    )
    .unwrap();
    common::copy_dir(&fixtures.join("secrets"), &dir.path().join("secrets"));
    let (code, out, err) = run(dir.path(), &["check", "t.toml"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(dir.path(), &["build", "t.toml"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("is not among a fleet's trees"), "{err}");
    assert!(!dir.path().join("generated").exists());
}

/// The guard's manifest as a merge conflict leaves it, or gone: the fleet's
/// trees on disk still say who depends on the guard (issue 25, item 5).
fn spoil_manifest(dir: &Path, how: &str) {
    let manifest = dir.join(APPLIANCE_TREE).join("appliance.json");
    match how {
        "conflicted" => {
            let text = std::fs::read_to_string(&manifest).unwrap();
            std::fs::write(&manifest, format!("<<<<<<< HEAD\n{text}")).unwrap();
        }
        "deleted" => std::fs::remove_dir_all(dir.join("esa-hq/generated/_appliances")).unwrap(),
        _ => unreachable!(),
    }
}

#[test]
fn a_spoiled_manifest_never_drops_a_tenant_whose_tree_remains() {
    for how in ["conflicted", "deleted"] {
        let dir = built_fleet();
        // Fabrikam's topology leaves; its tree, and its outbound rule, stay.
        std::fs::rename(
            dir.path().join("esa-hq/fabrikam.toml"),
            dir.path().join("fabrikam.toml.away"),
        )
        .unwrap();
        spoil_manifest(dir.path(), how);
        let before = common::files_under(&dir.path().join("esa-hq/generated"));
        let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
        assert_eq!(code, 2, "{how}: {out}{err}");
        assert_eq!(
            common::files_under(&dir.path().join("esa-hq/generated")),
            before,
            "{how}: a refused build touched a tree"
        );
        let (code, out, err) = run(dir.path(), &["build", "--check", "esa-hq"]);
        assert_eq!(code, 2, "{how}: --check must not pass: {out}{err}");
        let (code, out, err) = run(dir.path(), &["reveal", "esa-hq"]);
        assert_eq!(code, 2, "{how}: reveal must refuse: {out}{err}");
        assert!(!dir.path().join("esa-hq/revealed").exists(), "{how}");
    }
}

#[test]
fn a_conflicted_manifest_is_refused_even_with_every_tenant_in_the_build() {
    let dir = built_fleet();
    spoil_manifest(dir.path(), "conflicted");
    let before = common::files_under(&dir.path().join("esa-hq/generated"));
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("merge conflict"), "{err}");
    assert_eq!(
        common::files_under(&dir.path().join("esa-hq/generated")),
        before
    );
}

#[test]
fn a_deleted_manifest_is_rebuilt_from_the_trees_on_disk() {
    let dir = built_fleet();
    let guard = read(dir.path(), GUARD);
    spoil_manifest(dir.path(), "deleted");
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(read(dir.path(), GUARD), guard);
    let (code, out, err) = run(dir.path(), &["build", "--check", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A fleet build killed while it writes (issue 28, item 3) leaves a record
/// in the directory of trees: `build --check`, `plan` and `reveal` say the
/// build was interrupted and how to finish it; a build finishes it.
#[test]
fn an_interrupted_fleet_build_is_seen_and_finished() {
    let dir = built_fleet();
    let trees = dir.path().join("esa-hq/generated");
    mailflowc::trees::begin_writing(&trees, "mailflowc build 'esa-hq'").unwrap();
    for args in [
        &["build", "--check", "esa-hq"][..],
        &["plan", "esa-hq", "--format", "json"][..],
        &["reveal", "esa-hq"][..],
    ] {
        let (code, out, err) = run(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("interrupted"), "{args:?}: {err}");
        assert!(err.contains("mailflowc build 'esa-hq'"), "{args:?}: {err}");
    }
    let (code, out, err) = run(dir.path(), &["build", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!trees.join(mailflowc::trees::IN_PROGRESS_FILE).exists());
    let (code, out, err) = run(dir.path(), &["build", "--check", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A fleet build writes the shared guard before the tenants' trees (issue
/// 28, item 3), so a build killed midway never leaves a tenant's tree newer
/// than the guard it depends on: every file of the appliance's tree is
/// older than every file of a tenant's tree.
#[test]
fn the_guard_is_written_before_the_trees_that_depend_on_it() {
    let dir = built_fleet();
    rotate(dir.path(), "fabrikam", NEXT_SECRET);
    let (code, out, err) = run(dir.path(), &["build", "-q", "esa-hq"]);
    assert_eq!(code, 0, "{out}{err}");
    let trees = dir.path().join("esa-hq/generated");
    let modified = |path: &Path| std::fs::metadata(path).unwrap().modified().unwrap();
    let files_of = |tree: &str| -> Vec<std::path::PathBuf> {
        common::files_under(&trees.join(tree))
            .into_keys()
            .map(|f| trees.join(tree).join(f))
            .collect()
    };
    let guard_newest = files_of("_appliances/esa-hq")
        .iter()
        .map(|f| modified(f))
        .max()
        .unwrap();
    for tenant in ["contoso", "fabrikam", "litware"] {
        let oldest = files_of(tenant).iter().map(|f| modified(f)).min().unwrap();
        assert!(
            guard_newest <= oldest,
            "{tenant}'s tree was written before the guard"
        );
    }
}
