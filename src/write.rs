//! Stage 5: the rendered files → the output directory, all or nothing.
//!
//! Files are written to a fresh directory beside the target, which then takes
//! the target's place; a failure at any point leaves the previous tree as it
//! was. A directory that is not an output tree of the same kind (it lacks the
//! marker file the new tree carries, and is not empty) is never replaced, so a
//! mistyped `--out` cannot wipe a folder, and `reveal` cannot overwrite the
//! committed output with secrets.

use crate::targets::Files;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum WriteError {
    /// The target exists and is not ours to replace; the marker it lacks.
    NotOurs(PathBuf, String),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::NotOurs(path, marker) => write!(
                f,
                "`{}` exists and is not this kind of mailflowc output directory (no `{marker}`); refusing to replace it",
                path.display()
            ),
            WriteError::Io(path, error) => write!(f, "{}: {error}", path.display()),
        }
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |error| WriteError::Io(path.to_owned(), error)
}

/// Replaces `out` with exactly `files`, which carry `marker` at their root.
pub fn write_tree(out: &Path, files: &Files, marker: &str) -> Result<(), WriteError> {
    let exists = out.exists();
    if exists && !is_replaceable(out, marker).map_err(io_at(out))? {
        return Err(WriteError::NotOurs(out.to_owned(), marker.to_owned()));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_at(&parent))?;

    let staging = tempfile::Builder::new()
        .prefix(".mailflowc-new-")
        .tempdir_in(&parent)
        .map_err(io_at(&parent))?;
    for (relative, contents) in files {
        let path = staging.path().join(relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_at(dir))?;
        }
        fs::write(&path, contents).map_err(io_at(&path))?;
    }

    if !exists {
        let staged = staging.keep();
        return fs::rename(&staged, out).map_err(|error| {
            let _ = fs::remove_dir_all(&staged);
            WriteError::Io(out.to_owned(), error)
        });
    }

    // Move the old tree aside under a unique name, put the new one in place,
    // and only then delete the old one; put it back if the swap fails.
    let aside = tempfile::Builder::new()
        .prefix(".mailflowc-old-")
        .tempdir_in(&parent)
        .map_err(io_at(&parent))?
        .keep();
    fs::remove_dir(&aside).map_err(io_at(&aside))?;
    fs::rename(out, &aside).map_err(io_at(out))?;
    let staged = staging.keep();
    if let Err(error) = fs::rename(&staged, out) {
        let _ = fs::rename(&aside, out);
        let _ = fs::remove_dir_all(&staged);
        return Err(WriteError::Io(out.to_owned(), error));
    }
    fs::remove_dir_all(&aside).map_err(io_at(&aside))
}

fn is_replaceable(out: &Path, marker: &str) -> io::Result<bool> {
    if !out.is_dir() {
        return Ok(false);
    }
    if out.join(marker).is_file() {
        return Ok(true);
    }
    Ok(fs::read_dir(out)?.next().is_none())
}

/// How the tree on disk differs from what a build would write.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TreeDiff {
    pub missing: Vec<String>,
    pub differing: Vec<String>,
    pub extra: Vec<String>,
}

impl TreeDiff {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.differing.is_empty() && self.extra.is_empty()
    }
}

/// Compares `out` with `files` without writing anything.
pub fn diff_tree(out: &Path, files: &Files) -> io::Result<TreeDiff> {
    let mut diff = TreeDiff::default();
    let on_disk = if out.is_dir() {
        list_files(out)?
    } else {
        Vec::new()
    };
    for (relative, contents) in files {
        match fs::read(out.join(relative)) {
            Ok(bytes) if bytes == contents.as_bytes() => {}
            Ok(_) => diff.differing.push(relative.clone()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                diff.missing.push(relative.clone())
            }
            Err(error) => return Err(error),
        }
    }
    diff.extra = on_disk
        .into_iter()
        .filter(|f| !files.contains_key(f))
        .collect();
    Ok(diff)
}

/// Every file below `root`, as `/`-separated relative paths, sorted.
fn list_files(root: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}
