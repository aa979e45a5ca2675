//! Where a topology's generated tree is, and the base a plan compares with.
//!
//! One topology builds into `generated/` beside it; a fleet (several
//! topologies, or a directory of them) into `generated/<file stem>/`. A
//! single tenant of a fleet, named on its own, resolves to the tree the fleet
//! build writes for it, so `build tenants/t001.toml` and `plan
//! tenants/t001.toml` agree with `build tenants/` and `plan tenants/`.
//!
//! A plan never compares against a base it did not find without saying so:
//! [`read_base`] tells a found base from a first build and from a tenant that
//! is new to its fleet, and refuses a directory that is not a mailflowc tree.

pub use crate::targets::diff::BaseInfo;
use crate::targets::state::{DesiredState, DESIRED_STATE_FILE, FORMAT, VERSION};
use crate::targets::MARKER_FILE;
use std::path::{Path, PathBuf};

/// The name of the output directory beside a topology.
pub const GENERATED: &str = "generated";

/// `DIR/NAME` beside the topology file (in the working directory for
/// standard input).
pub fn beside(path: &Path, name: &str) -> PathBuf {
    if path.as_os_str() == "-" {
        return PathBuf::from(name);
    }
    path.parent()
        .map_or_else(|| PathBuf::from(name), |dir| dir.join(name))
}

/// The language a tree at `out` was built in, from its marker's language
/// line; `None` for a tree in English, or no tree.
pub fn language(out: &Path) -> Option<crate::targets::Lang> {
    let marker = std::fs::read_to_string(out.join(MARKER_FILE)).ok()?;
    let code = marker
        .lines()
        .find_map(|line| line.strip_prefix(crate::targets::LANGUAGE_KEY))?
        .split_whitespace()
        .next()?;
    crate::targets::Lang::ALL
        .iter()
        .copied()
        .find(|lang| lang.code() == code)
}

/// The file a fleet build leaves in the directory of its trees while it
/// writes them: a build killed there leaves it, and every command that
/// reads those trees says the build was interrupted and how to finish it.
pub const IN_PROGRESS_FILE: &str = ".mailflowc-build-in-progress";

/// Records, in `dir` (which holds a fleet's trees), that a build writing
/// them has started; `finish` is the command that completes it.
pub fn begin_writing(dir: &Path, finish: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(IN_PROGRESS_FILE),
        format!(
            "A mailflowc build is writing the trees in this directory. If no build is \
             running, one was interrupted: some trees are new and some old. Finish it \
             with:\n  {finish}\n"
        ),
    )
}

/// Records that the build writing the trees in `dir` has ended.
pub fn end_writing(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(dir.join(IN_PROGRESS_FILE)) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Why the trees in `dir` cannot be read as one build's: a fleet build into
/// it was interrupted; the message says how to finish it.
pub fn interrupted(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(IN_PROGRESS_FILE)).ok()?;
    let finish = text
        .lines()
        .skip(1)
        .map(str::trim)
        .find(|line| line.starts_with("mailflowc build"))
        .unwrap_or("mailflowc build <the fleet's directory>");
    Some(format!(
        "a build writing the trees in `{}` was interrupted (`{IN_PROGRESS_FILE}` is \
         there): some trees are new, some old; finish it with `{}`",
        dir.display(),
        crate::diagnostics::sanitize(finish)
    ))
}

/// The directory holding `path` (empty for a bare name).
pub fn parent_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The file stem a fleet names a tenant's tree after.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether `dir` holds a fleet's trees: no marker of its own, and at least
/// one sub-directory that is a mailflowc tree.
pub fn is_fleet_parent(dir: &Path) -> bool {
    if dir.join(MARKER_FILE).exists() {
        return false;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .any(|e| e.path().join(MARKER_FILE).is_file())
}

/// The tree one topology named on its own builds into, without `--out`:
/// `generated/` beside it, or `generated/<stem>/` when `generated/` holds a
/// fleet's trees (the topology is one tenant of that fleet).
pub fn tree_for(file: &Path) -> PathBuf {
    let generated = beside(file, GENERATED);
    if file.as_os_str() != "-" && is_fleet_parent(&generated) {
        generated.join(stem(file))
    } else {
        generated
    }
}

/// Where a plan's base is read: the trees on disk, a desired-state file,
/// or a git revision (opened once per call).
pub enum BaseSource<'a> {
    Disk,
    File(&'a str),
    Revision(&'a crate::git::Revision),
}

impl<'a> BaseSource<'a> {
    /// `--base` as given: a file when one is there, otherwise a revision of
    /// the work tree holding `out` (the first tree of the call), opened
    /// here with its one batch reader.
    pub fn open(
        out: &Path,
        base: Option<&'a str>,
    ) -> Result<(Option<crate::git::Revision>, Option<&'a str>), String> {
        match base {
            Some(revision) if !Path::new(revision).is_file() => {
                let (anchor, _) = existing_ancestor(out);
                crate::git::Revision::open(&anchor, revision).map(|r| (Some(r), None))
            }
            file => Ok((None, file)),
        }
    }
}

/// The base desired state of `out`: `base` as a file, `base` as a git
/// revision (its committed `desired-state.json` under `out`), or the one on
/// disk; `None` with what was looked for when there is none, so that the
/// plan adds everything and says why. A directory that exists but is no
/// mailflowc tree, or a tree without a desired state, is an error.
pub fn read_base(
    out: &Path,
    base: &BaseSource,
) -> Result<(Option<DesiredState>, BaseInfo), String> {
    let on_disk = out.join(DESIRED_STATE_FILE);
    let fleet_member = out.parent().is_some_and(is_fleet_parent);
    let (text, info) = match base {
        BaseSource::File(file) => (
            std::fs::read_to_string(file).map_err(|e| format!("cannot read `{file}`: {e}"))?,
            BaseInfo {
                status: "found",
                source: (*file).to_owned(),
            },
        ),
        BaseSource::Revision(revision) => match committed_state(out, revision)? {
            Committed::Found(text, source) => (
                text,
                BaseInfo {
                    status: "found",
                    source,
                },
            ),
            Committed::Missing { source, fleet } => {
                return Ok((
                    None,
                    BaseInfo {
                        status: if fleet { "new-tenant" } else { "first-build" },
                        source,
                    },
                ))
            }
        },
        BaseSource::Disk if on_disk.is_file() => (
            std::fs::read_to_string(&on_disk)
                .map_err(|e| format!("cannot read `{}`: {e}", on_disk.display()))?,
            BaseInfo {
                status: "found",
                source: on_disk.display().to_string(),
            },
        ),
        BaseSource::Disk if out.join(MARKER_FILE).is_file() => {
            return Err(format!(
                "`{}` is a mailflowc tree without `{DESIRED_STATE_FILE}` (built by an older \
                 mailflowc?); run `mailflowc build` on the committed topology first, or give \
                 --base",
                out.display()
            ))
        }
        BaseSource::Disk if out.exists() && !is_empty_dir(out) => {
            return Err(not_a_tree(out));
        }
        BaseSource::Disk => {
            return Ok((
                None,
                BaseInfo {
                    status: if fleet_member {
                        "new-tenant"
                    } else {
                        "first-build"
                    },
                    source: out.display().to_string(),
                },
            ))
        }
    };
    let state: DesiredState = serde_json::from_str(&text)
        .map_err(|e| format!("the base is not a mailflowc desired state: {e}"))?;
    if state.format != FORMAT || state.version != VERSION {
        return Err(format!(
            "the base is `{}` version {}; this mailflowc reads `{FORMAT}` version {VERSION}",
            state.format, state.version
        ));
    }
    Ok((Some(state), info))
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut e| e.next().is_none())
}

/// Why a directory that exists is not a tree to compare with, and what to
/// run instead.
pub fn not_a_tree(out: &Path) -> String {
    format!(
        "`{}` is not a mailflowc tree (no `{MARKER_FILE}`) and holds no fleet's trees; give \
         the tree with --out DIR, or plan the whole fleet (`mailflowc plan DIRECTORY`)",
        out.display()
    )
}

enum Committed {
    Found(String, String),
    /// Nothing at `source`; `fleet` when the revision has the fleet's
    /// directory with other tenants' trees in it.
    Missing {
        source: String,
        fleet: bool,
    },
}

/// The nearest existing ancestor of `out` (a new tenant's tree, or its
/// fleet's directory, may not exist in the work tree yet), and the names
/// below it down to `out`, innermost first.
fn existing_ancestor(out: &Path) -> (PathBuf, Vec<std::ffi::OsString>) {
    let mut anchor = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut below = vec![out.file_name().unwrap_or_default().to_owned()];
    while !anchor.is_dir() {
        let Some(name) = anchor.file_name() else {
            break;
        };
        below.push(name.to_owned());
        anchor = anchor
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
    }
    (anchor, below)
}

/// Where `out` is in the work tree (links resolved), whether or not it
/// exists yet.
fn tree_in_work_tree(out: &Path) -> Result<PathBuf, String> {
    let (anchor, below) = existing_ancestor(out);
    let mut tree =
        std::fs::canonicalize(&anchor).map_err(|e| format!("{}: {e}", anchor.display()))?;
    for name in below.iter().rev() {
        tree.push(name);
    }
    Ok(tree)
}

/// The path of the `desired-state.json` committed under `out`, relative to
/// `revision`'s work tree: what a plan of many tenants reads ahead.
pub fn committed_state_path(out: &Path, revision: &crate::git::Revision) -> Result<String, String> {
    revision.relative(&tree_in_work_tree(out)?.join(DESIRED_STATE_FILE))
}

/// The `desired-state.json` committed under `out` at `revision`, read
/// through the call's one batch reader, from the output directory's place
/// in the work tree.
fn committed_state(out: &Path, revision: &crate::git::Revision) -> Result<Committed, String> {
    use crate::git::Object;
    let tree = tree_in_work_tree(out)?;
    let file = revision.relative(&tree.join(DESIRED_STATE_FILE))?;
    let source = format!("{}:{file}", revision.name());
    match revision.object(&file)? {
        Object::Blob(bytes) => {
            return Ok(Committed::Found(
                String::from_utf8_lossy(&bytes).into_owned(),
                source,
            ))
        }
        Object::Tree(_) => return Err(format!("`{source}` is a directory")),
        Object::Missing => {}
    }
    // A fleet at the revision: the parent holds other tenants' trees.
    let parent = tree
        .parent()
        .map(|p| revision.relative(p))
        .transpose()?
        .unwrap_or_default();
    let fleet = match revision.object(&parent)? {
        Object::Tree(names) => {
            let mut fleet = false;
            for name in names {
                if matches!(
                    revision.object(&format!("{parent}/{name}/{MARKER_FILE}"))?,
                    Object::Blob(_)
                ) {
                    fleet = true;
                    break;
                }
            }
            fleet
        }
        _ => false,
    };
    Ok(Committed::Missing { source, fleet })
}
