//! `build` killed at random points: the output directory is always one whole
//! tree, the old or the new, and the next build leaves no leftovers.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TRIALS: usize = 120;

/// A topology with `domains` routed domains: enough files that a kill often
/// lands while the tree is being written or swapped.
fn topology(domains: usize) -> String {
    let list: Vec<String> = (0..domains)
        .map(|i| format!("\"d{i}.contoso.com\""))
        .collect();
    let source = fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    source.replace(
        "domains = [\"contoso.com\", \"contoso.co.jp\"]",
        &format!("domains = [{}]", list.join(", ")),
    )
}

fn build(topology: &Path, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .args(["build"])
        .arg(topology)
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_killed_build_leaves_a_whole_tree_and_no_leftovers_after_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    fs::write(&a, topology(25)).unwrap();
    fs::write(&b, topology(24)).unwrap();

    // The two trees a build can leave, and how long a whole build takes.
    let started = Instant::now();
    assert!(build(&b, &out).wait().unwrap().success());
    let duration = started.elapsed();
    let tree_b = common::files_under(&out);
    assert!(build(&a, &out).wait().unwrap().success());
    let tree_a = common::files_under(&out);
    assert_ne!(tree_a, tree_b);

    // A fixed pseudo-random sequence: the same kill points on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let span = duration.as_micros().max(1) as u64 * 3 / 2;
    let mut completed = 0;
    for trial in 0..TRIALS {
        let topology = if trial % 2 == 0 { &b } else { &a };
        let mut child = build(topology, &out);
        std::thread::sleep(Duration::from_micros(next() % span));
        let _ = child.kill();
        if child.wait().unwrap().success() {
            completed += 1;
        }
        assert!(
            out.is_dir(),
            "trial {trial}: the output directory is missing"
        );
        let tree = common::files_under(&out);
        assert!(
            tree == tree_a || tree == tree_b,
            "trial {trial}: the output directory holds neither whole tree ({} files)",
            tree.len()
        );
    }
    assert!(completed < TRIALS, "no build was ever interrupted");

    assert!(build(&a, &out).wait().unwrap().success());
    assert_eq!(common::files_under(&out), tree_a);
    let siblings: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        siblings.is_empty(),
        "leftovers after a full build: {siblings:?}"
    );
}
