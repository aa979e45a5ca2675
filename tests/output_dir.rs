//! The output directory is replaced only when it is a real mailflowc tree,
//! (for `reveal`'s private tree too: `write`'s unit tests),
//! and by one build at a time (issue 28, items 1 and 2): a symbolic link is
//! refused with nothing deleted through it, and two builds into one
//! directory at once leave one whole tree, never a partial one.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

fn mailflowc(dir: &Path, args: &[&str]) -> std::process::Output {
    common::mailflowc_in(dir, args)
}

/// A copy of the Cloudflare example in `dir`, with `name` as gateway name.
fn topology(dir: &Path, file: &str, name: &str) {
    let source = fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    let changed = source.replacen("name = \"", &format!("name = \"{name}"), 1);
    assert_ne!(source, changed, "the example names nothing");
    fs::write(dir.join(file), changed).unwrap();
}

#[test]
fn a_symlinked_output_directory_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    topology(dir.path(), "t.toml", "X ");
    let out = mailflowc(dir.path(), &["build", "t.toml", "--out", "shared"]);
    assert!(out.status.success(), "{out:?}");
    fs::write(dir.path().join("shared/NOTES.txt"), "the user's own file").unwrap();
    let before = common::files_under(&dir.path().join("shared"));
    std::os::unix::fs::symlink("shared", dir.path().join("generated")).unwrap();
    for args in [
        &["build", "t.toml", "--out", "generated"][..],
        &["build", "t.toml"][..],
    ] {
        let out = mailflowc(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(common::files_under(&dir.path().join("shared")), before);
        assert!(fs::symlink_metadata(dir.path().join("generated"))
            .unwrap()
            .file_type()
            .is_symlink());
    }
    let leftovers: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("mailflowc-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn two_builds_into_one_directory_at_once_leave_one_whole_tree() {
    let dir = tempfile::tempdir().unwrap();
    topology(dir.path(), "a.toml", "A ");
    topology(dir.path(), "b.toml", "B ");
    let whole = |name: &str| {
        let tree = format!("whole-{name}");
        let out = mailflowc(dir.path(), &["build", name, "--out", &tree]);
        assert!(out.status.success(), "{out:?}");
        common::files_under(&dir.path().join(tree))
    };
    let expected = [whole("a.toml"), whole("b.toml")];
    for round in 0..20 {
        if round % 2 == 0 {
            let _ = fs::remove_dir_all(dir.path().join("out"));
        }
        let spawn = |file: &str| {
            Command::new(env!("CARGO_BIN_EXE_mailflowc"))
                .current_dir(dir.path())
                .args(["build", file, "--out", "out"])
                .output()
                .unwrap()
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| spawn("a.toml"));
            let b = s.spawn(|| spawn("b.toml"));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a.status.success(), "round {round}: {a:?}");
        assert!(b.status.success(), "round {round}: {b:?}");
        let tree = common::files_under(&dir.path().join("out"));
        assert!(
            expected.contains(&tree),
            "round {round}: a partial tree of {} files",
            tree.len()
        );
    }
}
