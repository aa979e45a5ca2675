//! Stage 5: the rendered files → the output directory, all or nothing.
//!
//! Files are written to a fresh staging directory beside the target. Where
//! the platform can, the staging directory and the old tree then trade places
//! in one step (`renameat2(RENAME_EXCHANGE)` on Linux, `renameatx_np`
//! with `RENAME_SWAP` on macOS), so the output directory is at every instant
//! either the whole old tree or the whole new one. Where that call is refused
//! at run time (an old kernel, a file system such as NFS or some FUSE mounts,
//! another OS), two renames are used instead: between them, for the time of
//! one rename, the output directory does not exist, and the old tree sits in
//! a hidden sibling that the next build cleans away. A first build, with no
//! old tree, is one rename.
//!
//! Staging and old trees left by a build that was killed carry the marker
//! (or are empty); the next build removes them, and `build --check` reports
//! them. A directory that is not an output tree of the same kind (it lacks
//! the marker file the new tree carries, and is not empty) is never
//! replaced, so a mistyped `--out` cannot wipe a folder, and `reveal` cannot
//! overwrite the committed output with secrets. An output directory that is
//! a symbolic link is refused: the swap would trade the link itself, and
//! deleting "the old tree" would then read through it.
//!
//! Builds into one directory are serialised: a call holds an exclusive lock
//! on each parent it writes trees into (an advisory `flock` on the
//! directory, released when the call ends), so a second build waits for the
//! first, and never finds — and removes as a leftover — the first's live
//! staging tree.

use crate::targets::Files;
use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum WriteError {
    /// The target exists and is not ours to replace; the marker it lacks.
    NotOurs(PathBuf, String),
    /// The target is a symbolic link (to the path given).
    Symlink(PathBuf, PathBuf),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::NotOurs(path, marker) => write!(
                f,
                "`{}` exists and is not this kind of mailflowc output directory (no `{marker}`); refusing to replace it; give another directory with --out DIR, or remove it if it is an old copy",
                path.display()
            ),
            WriteError::Symlink(path, target) => write!(
                f,
                "`{}` is a symbolic link (to `{}`); mailflowc replaces its output directory whole and does not follow a link: give the directory itself with --out",
                path.display(),
                target.display()
            ),
            WriteError::Io(path, error) => write!(f, "{}: {error}", path.display()),
        }
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |error| WriteError::Io(path.to_owned(), error)
}

/// What a write that succeeded has to say: the new tree is in place either way.
#[derive(Debug, Default)]
pub struct Written {
    /// Things left undone that did not stop the write (an old tree that could
    /// not be deleted, a leftover that could not be cleaned).
    pub warnings: Vec<String>,
    /// Whether the tree was swapped in one step.
    pub atomic: bool,
}

/// Every marker a mailflowc tree can carry.
const MARKERS: &[&str] = &[
    crate::targets::MARKER_FILE,
    crate::targets::REVEALED_MARKER_FILE,
];

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The prefixes of `out`'s staging and old trees: hidden siblings named after it.
fn sibling_prefixes(out: &Path) -> [String; 2] {
    let name = out
        .file_name()
        .map_or_else(|| "out".to_owned(), |n| n.to_string_lossy().into_owned());
    [
        format!(".{name}.mailflowc-new-"),
        format!(".{name}.mailflowc-old-"),
    ]
}

/// The hidden entries of directories, each listed once for a whole fleet:
/// a thousand trees written into one parent would otherwise list it a
/// thousand times (quadratic). Only for one call: entries made after the
/// listing (our own staging trees) are not in it, and need not be. The
/// same call holds the lock of each parent ([`lock_dir`]) from before its
/// listing until the call ends.
#[derive(Debug, Default)]
pub struct Listings(std::sync::Mutex<HashMap<PathBuf, Listed>>);

/// A parent's hidden entries, and its lock.
type Listed = (std::sync::Arc<Vec<String>>, DirLock);

/// An exclusive lock on a directory, held while the value lives.
#[derive(Debug)]
pub struct DirLock(#[allow(dead_code)] Option<fs::File>);

/// Locks `dir` for this process, waiting while another holds it.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
))]
pub fn lock_dir(dir: &Path) -> io::Result<DirLock> {
    use rustix::fs::{flock, FlockOperation};
    let file = fs::File::open(dir)?;
    flock(&file, FlockOperation::LockExclusive).map_err(io::Error::from)?;
    Ok(DirLock(Some(file)))
}

/// Elsewhere builds are not serialised.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
)))]
pub fn lock_dir(_dir: &Path) -> io::Result<DirLock> {
    Ok(DirLock(None))
}

/// The names of the hidden entries of `parent` (both sibling prefixes start
/// with a dot); empty when it does not exist.
fn hidden_entries(parent: &Path) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut names = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            names.push(name);
        }
    }
    Ok(names)
}

impl Listings {
    /// Locks `dir`, which exists, for the rest of the call (and lists it):
    /// for what a call writes there besides trees.
    pub fn hold(&self, dir: &Path) -> io::Result<()> {
        self.hidden(dir).map(|_| ())
    }

    /// The hidden entries of `parent`, which exists, locked for this call
    /// first.
    fn hidden(&self, parent: &Path) -> io::Result<std::sync::Arc<Vec<String>>> {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((names, _)) = cache.get(parent) {
            return Ok(names.clone());
        }
        let lock = lock_dir(parent)?;
        let names = std::sync::Arc::new(hidden_entries(parent)?);
        cache.insert(parent.to_owned(), (names.clone(), lock));
        Ok(names)
    }
}

/// Staging and old trees of `out` that a killed build left behind: hidden
/// siblings with our prefix that are empty or carry a marker.
pub fn leftovers(out: &Path) -> io::Result<Vec<PathBuf>> {
    leftovers_in(out, None)
}

fn leftovers_in(out: &Path, listings: Option<&Listings>) -> io::Result<Vec<PathBuf>> {
    let parent = parent_of(out);
    let prefixes = sibling_prefixes(out);
    let names = match listings {
        Some(listings) if parent.is_dir() => listings.hidden(&parent)?,
        _ => std::sync::Arc::new(hidden_entries(&parent)?),
    };
    let mut found = Vec::new();
    for name in names.iter() {
        if !prefixes.iter().any(|p| name.starts_with(p.as_str())) {
            continue;
        }
        let path = parent.join(name);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            // Gone since the listing (removed by an earlier tree's build).
            Ok(_) => continue,
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        }
        let ours =
            MARKERS.iter().any(|m| path.join(m).is_file()) || fs::read_dir(&path)?.next().is_none();
        if ours {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Replaces `out` with exactly `files`, which carry `marker` at their root.
pub fn write_tree(out: &Path, files: &Files, marker: &str) -> Result<Written, WriteError> {
    write_tree_using(out, files, marker, false, &Listings::default(), exchange)
}

/// [`write_tree`] for one tree of many written in one call, sharing their
/// parents' listings.
pub fn write_tree_in(
    out: &Path,
    files: &Files,
    marker: &str,
    listings: &Listings,
) -> Result<Written, WriteError> {
    write_tree_using(out, files, marker, false, listings, exchange)
}

/// [`write_tree`] for files that hold secrets: directories 0700, files 0600
/// (on Unix), whatever the umask.
pub fn write_private_tree(out: &Path, files: &Files, marker: &str) -> Result<Written, WriteError> {
    write_tree_using(out, files, marker, true, &Listings::default(), exchange)
}

/// The directory at or above `path` (symbolic links and `..` resolved) that
/// carries `marker`, if any: `reveal` refuses to write inside a build tree,
/// which is committed.
pub fn marked_ancestor(path: &Path, marker: &str) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    // Resolve the longest existing prefix, then the rest lexically.
    let mut existing = absolute.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?.to_owned();
    }
    let mut resolved = fs::canonicalize(&existing).ok()?;
    for part in rest.iter().rev() {
        if part == ".." {
            resolved.pop();
        } else if part != "." {
            resolved.push(part);
        }
    }
    resolved
        .ancestors()
        .find(|dir| dir.join(marker).is_file())
        .map(Path::to_path_buf)
}

fn write_file(path: &Path, contents: &str, private: bool) -> io::Result<()> {
    #[cfg(unix)]
    if private {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        return file.write_all(contents.as_bytes());
    }
    let _ = private;
    fs::write(path, contents)
}

fn create_dirs(dir: &Path, private: bool) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// [`write_tree`] with the one-step swap given, so tests can refuse it.
fn write_tree_using(
    out: &Path,
    files: &Files,
    marker: &str,
    private: bool,
    listings: &Listings,
    exchange: impl Fn(&Path, &Path) -> io::Result<()>,
) -> Result<Written, WriteError> {
    if let Ok(target) = fs::read_link(out) {
        return Err(WriteError::Symlink(out.to_owned(), target));
    }
    let parent = parent_of(out);
    fs::create_dir_all(&parent).map_err(io_at(&parent))?;
    // Locks the parent (once per call) before anything of it is read.
    let leftovers = leftovers_in(out, Some(listings)).map_err(io_at(&parent))?;
    let exists = out.exists();
    if exists && !is_replaceable(out, marker).map_err(io_at(out))? {
        return Err(WriteError::NotOurs(out.to_owned(), marker.to_owned()));
    }
    let mut written = Written::default();
    for leftover in leftovers {
        if let Err(error) = remove_tree(&leftover) {
            written.warnings.push(format!(
                "could not remove `{}`, left by an interrupted build: {error}",
                leftover.display()
            ));
        }
    }

    let [new_prefix, old_prefix] = sibling_prefixes(out);
    let staging = tempfile::Builder::new()
        .prefix(&new_prefix)
        .tempdir_in(&parent)
        .map_err(io_at(&parent))?;
    // The marker first, so an interrupted staging tree is recognizably ours.
    let mut ordered: Vec<(&String, &String)> = files.iter().collect();
    ordered.sort_by_key(|(path, _)| path.as_str() != marker);
    // Each directory is created once, not once per file in it (a fleet
    // writes tens of thousands of files: every system call counts).
    let mut created = std::collections::BTreeSet::new();
    for (relative, contents) in ordered {
        let path = staging.path().join(relative);
        if let Some(dir) = path.parent() {
            if !created.contains(dir) {
                create_dirs(dir, private).map_err(io_at(dir))?;
                created.insert(dir.to_owned());
            }
        }
        write_file(&path, contents, private).map_err(io_at(&path))?;
    }

    if !exists {
        let staged = staging.keep();
        fs::rename(&staged, out).map_err(|error| {
            let _ = fs::remove_dir_all(&staged);
            WriteError::Io(out.to_owned(), error)
        })?;
        written.atomic = true;
        return Ok(written);
    }

    let staged = staging.keep();
    match exchange(&staged, out) {
        Ok(()) => {
            // `staged` now holds the old tree.
            written.atomic = true;
            remove_old(&staged, &mut written);
            return Ok(written);
        }
        Err(error) if !exchange_unsupported(&error) => {
            let _ = fs::remove_dir_all(&staged);
            return Err(WriteError::Io(out.to_owned(), error));
        }
        Err(_) => {}
    }

    // Fallback: move the old tree aside under a unique name, put the new one
    // in place, and only then delete the old one; put it back if that fails.
    let aside = match tempfile::Builder::new()
        .prefix(&old_prefix)
        .tempdir_in(&parent)
    {
        Ok(dir) => dir.keep(),
        Err(error) => {
            let _ = fs::remove_dir_all(&staged);
            return Err(WriteError::Io(parent, error));
        }
    };
    let fallback = fs::remove_dir(&aside)
        .and_then(|()| fs::rename(out, &aside))
        .map_err(io_at(out));
    if let Err(error) = fallback {
        let _ = fs::remove_dir_all(&staged);
        return Err(error);
    }
    if let Err(error) = fs::rename(&staged, out) {
        let _ = fs::rename(&aside, out);
        let _ = fs::remove_dir_all(&staged);
        return Err(WriteError::Io(out.to_owned(), error));
    }
    remove_old(&aside, &mut written);
    Ok(written)
}

/// Deletes a tree of ours with its marker last, so a deletion that is
/// interrupted leaves a directory the next build still recognizes.
fn remove_tree(tree: &Path) -> io::Result<()> {
    let mut markers = Vec::new();
    for entry in fs::read_dir(tree)? {
        let entry = entry?;
        let name = entry.file_name();
        if MARKERS.iter().any(|m| name == std::ffi::OsStr::new(m)) {
            markers.push(entry.path());
        } else if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    for marker in markers {
        fs::remove_file(marker)?;
    }
    fs::remove_dir(tree)
}

/// Deletes the old tree; a failure is a warning, since the new tree is in place.
fn remove_old(old: &Path, written: &mut Written) {
    if let Err(error) = remove_tree(old) {
        written.warnings.push(format!(
            "the new tree is in place, but the old one at `{}` could not be deleted: {error}; the next build removes it",
            old.display()
        ));
    }
}

/// Swaps two directories in one step.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
)))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Whether the one-step swap was refused as unsupported here (kernel, file
/// system, OS), rather than failing for a reason the fallback would hit too.
fn exchange_unsupported(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::Unsupported
        || error.raw_os_error().is_some_and(unsupported_errno)
}

/// EINVAL: the file system does not support the flag; ENOSYS: the kernel
/// lacks renameat2; EOPNOTSUPP/ENOTSUP: refused by the file system.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
))]
fn unsupported_errno(code: i32) -> bool {
    use rustix::io::Errno;
    let errno = Errno::from_raw_os_error(code);
    [Errno::INVAL, Errno::NOSYS, Errno::OPNOTSUPP, Errno::NOTSUP].contains(&errno)
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
)))]
fn unsupported_errno(_code: i32) -> bool {
    false
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
    /// Staging or old trees an interrupted build left beside the output.
    pub leftovers: Vec<String>,
}

impl TreeDiff {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.differing.is_empty()
            && self.extra.is_empty()
            && self.leftovers.is_empty()
    }
}

/// Compares `out` with `files` without writing anything.
pub fn diff_tree(out: &Path, files: &Files) -> io::Result<TreeDiff> {
    diff_tree_in(out, files, None)
}

/// [`diff_tree`] for one tree of many compared in one call.
pub fn diff_tree_in(
    out: &Path,
    files: &Files,
    listings: Option<&Listings>,
) -> io::Result<TreeDiff> {
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
    diff.leftovers = leftovers_in(out, listings)?
        .iter()
        .map(|p| p.display().to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(marker: &str, text: &str) -> Files {
        let mut files = Files::new();
        files.insert(marker.to_owned(), String::new());
        files.insert("a/b.txt".to_owned(), text.to_owned());
        files
    }

    fn refuse(_: &Path, _: &Path) -> io::Result<()> {
        Err(io::Error::from_raw_os_error(22))
    }

    #[test]
    fn the_fallback_replaces_the_tree_when_the_swap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        let marker = crate::targets::MARKER_FILE;
        write_tree_using(
            &out,
            &tree(marker, "one"),
            marker,
            false,
            &Listings::default(),
            refuse,
        )
        .unwrap();
        let written = write_tree_using(
            &out,
            &tree(marker, "two"),
            marker,
            false,
            &Listings::default(),
            refuse,
        )
        .unwrap();
        assert!(!written.atomic);
        assert_eq!(fs::read_to_string(out.join("a/b.txt")).unwrap(), "two");
        assert!(leftovers(&out).unwrap().is_empty());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only the output tree remains"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_never_replaced_nor_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("shared");
        let marker = crate::targets::REVEALED_MARKER_FILE;
        write_private_tree(&target, &tree(marker, "one"), marker).unwrap();
        fs::write(target.join("NOTES.txt"), "mine").unwrap();
        let link = dir.path().join("revealed");
        std::os::unix::fs::symlink("shared", &link).unwrap();
        let refused = write_private_tree(&link, &tree(marker, "two"), marker);
        assert!(
            matches!(refused, Err(WriteError::Symlink(..))),
            "{refused:?}"
        );
        assert_eq!(
            fs::read_to_string(target.join("NOTES.txt")).unwrap(),
            "mine"
        );
        assert_eq!(fs::read_to_string(target.join("a/b.txt")).unwrap(), "one");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn the_swap_is_one_step_here() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        let marker = crate::targets::MARKER_FILE;
        write_tree(&out, &tree(marker, "one"), marker).unwrap();
        let written = write_tree(&out, &tree(marker, "two"), marker).unwrap();
        assert!(
            written.atomic,
            "renameat2(RENAME_EXCHANGE) was refused on this file system"
        );
        assert_eq!(fs::read_to_string(out.join("a/b.txt")).unwrap(), "two");
    }

    #[test]
    fn leftovers_of_a_killed_build_are_reported_and_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("generated");
        let marker = crate::targets::MARKER_FILE;
        write_tree(&out, &tree(marker, "one"), marker).unwrap();
        let stale_new = dir.path().join(".generated.mailflowc-new-abc123");
        let stale_old = dir.path().join(".generated.mailflowc-old-def456");
        let empty = dir.path().join(".generated.mailflowc-new-empty");
        let foreign = dir.path().join(".generated.mailflowc-new-notours");
        for d in [&stale_new, &stale_old, &empty, &foreign] {
            fs::create_dir_all(d).unwrap();
        }
        fs::write(stale_new.join(marker), "").unwrap();
        fs::write(stale_old.join(marker), "").unwrap();
        fs::write(foreign.join("keep.txt"), "not ours").unwrap();
        let files = tree(marker, "one");
        let diff = diff_tree(&out, &files).unwrap();
        assert_eq!(diff.leftovers.len(), 3, "{diff:?}");
        assert!(!diff.is_clean());
        write_tree(&out, &files, marker).unwrap();
        assert!(leftovers(&out).unwrap().is_empty());
        assert!(
            foreign.join("keep.txt").is_file(),
            "a directory without a marker is never removed"
        );
        assert!(diff_tree(&out, &files).unwrap().is_clean());
    }
}
