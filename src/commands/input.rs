//! The topologies a call names: read (bounded), expanded from directories,
//! each with its output tree.

use super::{Exit, Settings};
use crate::context::Context;
use crate::diagnostics::Sources;
use std::path::{Path, PathBuf};

/// One topology of a call: where it was read from and its files.
pub(super) struct Input {
    pub(super) file_name: String,
    pub(super) display: String,
    pub(super) base_dir: PathBuf,
    pub(super) sources: Sources,
    /// The documents' language (`build --lang`).
    lang: crate::targets::Lang,
}

impl Input {
    pub(super) fn context(&self) -> Context {
        Context {
            base_dir: self.base_dir.clone(),
            reveal: false,
            today: Some(time::OffsetDateTime::now_utc().date()),
            check_git: true,
            lang: self.lang,
        }
    }
}

/// A topology's text, bounded (`parse::read_bounded`): over the size limit,
/// the start of it, which the pipeline refuses (MF0006).
fn read_limited_from(reader: impl std::io::Read) -> std::io::Result<String> {
    let bytes = crate::parse::read_bounded(reader)?;
    if bytes.len() > crate::parse::schema::MAX_TOPOLOGY_BYTES {
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

pub(super) fn read_limited(path: &Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        return read_limited_from(std::io::stdin().lock());
    }
    read_limited_from(std::fs::File::open(path)?)
}

/// Reads a topology and the bases it extends; the error to print otherwise.
pub(super) fn load_topology(path: &Path, settings: &Settings) -> Result<Input, String> {
    let stdin = path.as_os_str() == "-";
    let source = read_limited(path).map_err(|error| {
        let shown = if stdin {
            "standard input".to_owned()
        } else {
            format!("`{}`", path.display())
        };
        format!("error: cannot read {shown}: {error}")
    })?;
    let file_name = if stdin {
        "stdin.toml".to_owned()
    } else {
        path.file_name().map_or_else(
            || "topology.toml".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let display = if stdin {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    };
    let base_dir = if stdin {
        PathBuf::from(".")
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let context = Context {
        base_dir: base_dir.clone(),
        ..Context::default()
    };
    let own = (!stdin).then_some(path);
    let sources = crate::pipeline::load(&source, &display, &context, own);
    Ok(Input {
        file_name,
        display,
        base_dir,
        sources,
        lang: settings.lang.unwrap_or_default(),
    })
}

pub(super) fn read_topology(path: &Path, settings: &Settings) -> Result<Input, Exit> {
    load_topology(path, settings).map_err(|message| {
        warn!("{message}");
        Exit::Failure
    })
}

/// The topology files a call names: files as given, directories as the
/// `*.toml` files in them (sorted; names starting with `_` or `.` are shared
/// bases, not tenants), `-` for standard input (alone).
pub(super) fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            if paths.len() > 1 {
                return Err("error: `-` (standard input) must be the only topology".to_owned());
            }
            files.push(path.clone());
        } else if path.is_dir() {
            let mut found: Vec<PathBuf> = Vec::new();
            // A tenant's file that cannot be read as one (a dangling link, a
            // FIFO, a directory) is never skipped in silence: the call stops.
            let mut unusable: Vec<String> = Vec::new();
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("error: cannot read `{}`: {e}", path.display()))?;
            for entry in entries.filter_map(Result::ok) {
                let p = entry.path();
                let p = p
                    .strip_prefix(".")
                    .map_or_else(|_| p.clone(), Path::to_path_buf);
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                let tenant = p.extension().is_some_and(|e| e == "toml")
                    && name.is_some_and(|n| !n.starts_with('_') && !n.starts_with('.'));
                if !tenant {
                    continue;
                }
                if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                    found.push(p);
                } else {
                    unusable.push(format!(
                        "`{}`",
                        crate::diagnostics::sanitize(&p.display().to_string())
                    ));
                }
            }
            if !unusable.is_empty() {
                unusable.sort();
                return Err(format!(
                    "error: {} in `{}` is not a regular file (a dangling link, a FIFO or a \
                     directory), so no tenant can be read from it; nothing was built: remove it \
                     or make it the tenant's topology",
                    unusable.join(", "),
                    path.display()
                ));
            }
            if found.is_empty() {
                return Err(format!(
                    "error: `{}` holds no topology (`*.toml` not starting with `_`)",
                    path.display()
                ));
            }
            // Two tenants whose names differ only in case build into trees
            // that are one directory on macOS and Windows.
            let mut by_folded: std::collections::BTreeMap<String, &PathBuf> =
                std::collections::BTreeMap::new();
            found.sort();
            for file in &found {
                let folded = crate::trees::stem(file).to_lowercase();
                if let Some(other) = by_folded.insert(folded, file) {
                    return Err(format!(
                        "error: `{}` and `{}` differ only in case: their trees would be one \
                         directory on macOS and Windows; rename one",
                        crate::diagnostics::sanitize(&other.display().to_string()),
                        crate::diagnostics::sanitize(&file.display().to_string())
                    ));
                }
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// Each topology's output directory: `out` (or `generated/` beside it) for
/// one named on its own; `OUT/<stem>/` (or `generated/<stem>/` beside each)
/// for a fleet (several, or a directory).
fn out_dirs(files: &[PathBuf], out: Option<&Path>, fleet: bool) -> Result<Vec<PathBuf>, String> {
    if !fleet {
        return Ok(vec![out.map_or_else(
            || crate::trees::tree_for(&files[0]),
            Path::to_path_buf,
        )]);
    }
    let mut dirs = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for file in files {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = match out {
            Some(out) => out.join(&stem),
            None => crate::trees::beside(file, "generated").join(&stem),
        };
        if let Some(other) = seen.insert(dir.clone(), file.clone()) {
            return Err(format!(
                "error: `{}` and `{}` would build into the same tree `{}`; rename one",
                other.display(),
                file.display(),
                dir.display()
            ));
        }
        dirs.push(dir);
    }
    Ok(dirs)
}

/// Whether a fleet build killed while writing into the directories of
/// `outs` left old and new trees side by side (`trees::interrupted`); each
/// such directory is named, with the command that finishes the build.
pub(super) fn interrupted(outs: &[PathBuf]) -> bool {
    let parents: std::collections::BTreeSet<PathBuf> =
        outs.iter().map(|o| crate::trees::parent_dir(o)).collect();
    let mut found = false;
    for message in parents.iter().filter_map(|p| crate::trees::interrupted(p)) {
        warn!("error: {message}");
        found = true;
    }
    found
}

/// The topologies a call names and each one's output directory; `None`
/// (the error printed) when they cannot be listed or two share a tree.
pub(super) fn topologies_and_trees(
    paths: &[PathBuf],
    out: Option<&Path>,
) -> Option<(Vec<PathBuf>, Vec<PathBuf>)> {
    // A directory is a fleet, even of one tenant: each tenant's tree is
    // `generated/<stem>/`, so the fleet's second tenant moves no tree.
    let fleet = paths.iter().any(|p| p.is_dir());
    match expand(paths).and_then(|f| out_dirs(&f, out, fleet || f.len() > 1).map(|o| (f, o))) {
        Ok(found) => Some(found),
        Err(message) => {
            warn!("{message}");
            None
        }
    }
}
