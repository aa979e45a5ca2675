//! One git revision of the repository a plan compares with (`plan --base
//! REV`), read through one `git cat-file --batch` process for the whole
//! call: a fleet of a thousand tenants reads a thousand committed desired
//! states through one process, not three processes each.
//!
//! Object names are `REV:PATH` words written to the batch process's input,
//! one a line; a path holding a line break cannot be asked for, and is
//! refused.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

/// A revision, and the batch reader of its objects.
pub struct Revision {
    revision: String,
    /// The work tree's top directory.
    top: PathBuf,
    batch: Mutex<Batch>,
    /// Objects read ahead ([`Revision::read_ahead`]), each handed out once.
    ahead: Mutex<HashMap<String, Object>>,
}

struct Batch {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Closing its input ends `cat-file --batch`; reap it.
        let _ = self.input.flush();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a `REV:PATH` names.
pub enum Object {
    Blob(Vec<u8>),
    /// A directory: the names of its entries.
    Tree(Vec<String>),
    Missing,
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, String> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))
}

impl Revision {
    /// `revision` of the work tree that holds `dir` (an existing directory).
    pub fn open(dir: &Path, revision: &str) -> Result<Revision, String> {
        let anchor = std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let top = git(&anchor, &["rev-parse", "--show-toplevel"])?;
        if !top.status.success() {
            return Err(format!(
                "`{revision}` is neither a file nor a git revision here (not a git work tree)"
            ));
        }
        let top = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
        let verified = git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{revision}^{{commit}}"),
            ],
        )?;
        if !verified.status.success() || revision.contains('\n') {
            return Err(format!(
                "`{revision}` is neither a file nor a git revision here"
            ));
        }
        let mut child = Command::new("git")
            .arg("-C")
            .arg(&top)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("cannot talk to `git cat-file --batch`".to_owned());
        };
        Ok(Revision {
            revision: revision.to_owned(),
            top,
            batch: Mutex::new(Batch {
                child,
                input,
                output: BufReader::new(output),
            }),
            ahead: Mutex::new(HashMap::new()),
        })
    }

    pub fn name(&self) -> &str {
        &self.revision
    }

    /// `path` relative to the work tree's top, `/`-separated.
    pub fn relative(&self, path: &Path) -> Result<String, String> {
        Ok(path
            .strip_prefix(&self.top)
            .map_err(|_| format!("`{}` is outside the git work tree", path.display()))?
            .to_string_lossy()
            .replace('\\', "/"))
    }

    /// The object at `path` (relative to the top) in the revision.
    pub fn object(&self, path: &str) -> Result<Object, String> {
        let ahead = self
            .ahead
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(path);
        if let Some(found) = ahead {
            return Ok(found);
        }
        let mut batch = self
            .batch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Self::ask(&mut batch, &self.revision, path)?;
        Self::answer(&mut batch)
    }

    /// Reads `paths` in one exchange (every request written, then every
    /// answer read: no round trip each), for [`Revision::object`] to hand
    /// out. The requests of one call stay well under a pipe's buffer, so
    /// git never waits on its output while mailflowc still writes.
    pub fn read_ahead(&self, paths: &[String]) -> Result<(), String> {
        let mut read = Vec::with_capacity(paths.len());
        {
            let mut batch = self
                .batch
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut rest = paths;
            while !rest.is_empty() {
                // As many requests as fit well under a pipe's buffer.
                let mut bytes = 0;
                let count = rest
                    .iter()
                    .take_while(|p| {
                        bytes += p.len() + self.revision.len() + 2;
                        bytes <= READ_AHEAD_BYTES
                    })
                    .count()
                    .max(1);
                let (chunk, later) = rest.split_at(count);
                for path in chunk {
                    Self::ask(&mut batch, &self.revision, path)?;
                }
                for path in chunk {
                    read.push((path.clone(), Self::answer(&mut batch)?));
                }
                rest = later;
            }
        }
        self.ahead
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(read);
        Ok(())
    }

    /// Forgets what was read ahead and not asked for.
    pub fn forget_ahead(&self) {
        self.ahead
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    fn ask(batch: &mut Batch, revision: &str, path: &str) -> Result<(), String> {
        if path.contains('\n') {
            return Err(format!("`{path}` holds a line break"));
        }
        let broken = |e: std::io::Error| format!("`git cat-file --batch` stopped: {e}");
        writeln!(batch.input, "{revision}:{path}").map_err(broken)?;
        batch.input.flush().map_err(broken)
    }

    fn answer(batch: &mut Batch) -> Result<Object, String> {
        let broken = |e: std::io::Error| format!("`git cat-file --batch` stopped: {e}");
        let mut header = String::new();
        batch.output.read_line(&mut header).map_err(broken)?;
        let fields: Vec<&str> = header.split_whitespace().collect();
        let (oid, kind, size) = match fields.as_slice() {
            [oid, kind, size] => match size.parse::<usize>() {
                Ok(size) => (*oid, *kind, size),
                Err(_) => return Ok(Object::Missing),
            },
            // `<name> missing`, `<name> ambiguous`, or nothing.
            _ => return Ok(Object::Missing),
        };
        let mut contents = vec![0; size + 1];
        batch.output.read_exact(&mut contents).map_err(broken)?;
        contents.pop(); // the line feed after the contents
        Ok(match kind {
            "blob" => Object::Blob(contents),
            "tree" => Object::Tree(tree_names(&contents, oid.len() / 2)),
            _ => Object::Missing,
        })
    }
}

/// How many bytes of requests one exchange writes before it reads their
/// answers: half of a pipe's 64 KiB buffer.
const READ_AHEAD_BYTES: usize = 32 * 1024;

/// The entry names of a tree object: `<mode> <name>\0<hash>` each, the
/// hash `hash_len` bytes (20 for SHA-1 repositories, 32 for SHA-256).
fn tree_names(mut contents: &[u8], hash_len: usize) -> Vec<String> {
    let mut names = Vec::new();
    while let Some(space) = contents.iter().position(|&b| b == b' ') {
        let rest = &contents[space + 1..];
        let Some(nul) = rest.iter().position(|&b| b == 0) else {
            break;
        };
        names.push(String::from_utf8_lossy(&rest[..nul]).into_owned());
        let next = nul + 1 + hash_len;
        if next > rest.len() {
            break;
        }
        contents = &rest[next..];
    }
    names
}
