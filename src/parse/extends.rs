//! `extends = "…"`: a topology that takes its shared tables (most often the
//! gateway) from a base file, for MSPs that run many tenants behind one
//! gateway.
//!
//! [`load`] follows the chain (the tenant's file, its base, the base's base…)
//! and reads every file into [`Sources`]; [`merge`] lays the documents over
//! each other, the tenant's on top: tables merge key by key, any other value
//! (a string, a list, a list of tables) replaces the base's whole. Every
//! value keeps a span into the file that holds it, so a diagnostic points
//! into whichever file wrote the value.
//!
//! A topology may come from a pull request, so a base is confined: its path
//! is relative, and the file it names (links resolved) lies inside the
//! repository that holds the tenant's file (the nearest folder with a
//! `.git`), or, outside any repository, inside the tenant's own folder. A
//! base's text is shown in a diagnostic only once it parses as TOML: a
//! file that does not (`/proc/self/environ` through a link, a key file)
//! is never quoted.

use crate::diagnostics::{Code, Diagnostic, Sources};
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The key naming the base.
pub const KEY: &str = "extends";
/// The longest chain followed (the tenant's file and three bases).
pub const MAX_DEPTH: usize = 4;

/// The `extends` value of a document, with its span, when it is a string.
fn extends_of(text: &str) -> Option<(String, std::ops::Range<usize>)> {
    if !text.contains(KEY) {
        // Most files extend nothing: no second parse for them.
        return None;
    }
    let (document, _) = DeTable::parse_recoverable(text);
    let value = document.get_ref().get(KEY)?;
    let base = value.get_ref().as_str()?.to_owned();
    Some((base, value.span()))
}

/// Reads a topology file and every base it extends. `name` is how the
/// tenant's file is shown, `dir` where its relative paths point, `own` its
/// path when it is a file (to refuse a base that extends it back).
pub fn load(text: &str, name: &str, dir: &Path, own: Option<&Path>) -> Sources {
    let mut sources = Sources::default();
    let mut offset = sources.push(name, text);
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut current_text = text.to_owned();
    let mut current_dir = dir.to_owned();
    let root = confinement_root(dir);
    while let Some((base, span)) = extends_of(&current_text) {
        if seen.is_empty() {
            // Only a file that extends another is ever looked up again.
            seen.extend(own.and_then(|p| std::fs::canonicalize(p).ok()));
        }
        let span = span.start + offset..span.end + offset;
        let problem = |message: String, help: &str| {
            Diagnostic::new(Code::ExtendsUnusable, message)
                .at(span.clone())
                .with_label("this base")
                .with_help(help.to_owned())
        };
        // `a.toml`, not `./a.toml`, for a base beside a file in the working directory.
        let path = if current_dir == Path::new(".") {
            PathBuf::from(&base)
        } else {
            current_dir.join(&base)
        };
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let refused = if sources.files().len() >= MAX_DEPTH {
            Some(problem(
                format!("the chain of `extends` is longer than {MAX_DEPTH} files"),
                "let the tenant's file extend one shared base, which extends nothing",
            ))
        } else if base.trim().is_empty() {
            Some(problem(
                "`extends` names no file".to_owned(),
                "write the base's path relative to this file, e.g. extends = \"_gateway.toml\"",
            ))
        } else if Path::new(&base).has_root() || Path::new(&base).is_absolute() {
            Some(problem(
                "`extends` names an absolute path".to_owned(),
                "write the base's path relative to the file that names it, inside its repository",
            ))
        } else if canonical.exists() && !root.as_ref().is_some_and(|r| canonical.starts_with(r)) {
            Some(problem(
                "`extends` names a file outside the repository that holds this topology".to_owned(),
                "keep shared bases inside the repository (or, outside one, beside the tenants' files)",
            ))
        } else if seen.contains(&canonical) {
            Some(problem(
                format!("`{base}` extends back to a file already in the chain"),
                "a base must not extend the file that extends it",
            ))
        } else {
            None
        };
        if let Some(refused) = refused {
            sources.problems.push(refused);
            break;
        }
        let base_text = match read_base(&path) {
            Ok(base_text) => base_text,
            Err(error) => {
                sources.problems.push(problem(
                    format!("cannot read the base `{}`: {error}", path.display()),
                    "write the base's path relative to the file that names it",
                ));
                break;
            }
        };
        // Quoted in diagnostics from here on: only once it is TOML.
        let (_, errors) = DeTable::parse_recoverable(&base_text);
        if let Some(first) = errors.first() {
            let at = first.span().map_or_else(String::new, |span| {
                let before = &base_text[..span.start.min(base_text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(" (line {line}, column {column})")
            });
            sources.problems.push(problem(
                format!(
                    "the base `{}` is not a TOML document{at}; it is not shown here",
                    path.display()
                ),
                "correct the base's syntax, or name the right file",
            ));
            break;
        }
        seen.push(canonical);
        let base_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        offset = sources.push(&path.display().to_string(), &base_text);
        current_text = base_text;
        current_dir = base_dir;
    }
    super::defaults::add_to(&mut sources);
    sources
}

/// Where bases must lie: the repository holding `dir` (its nearest ancestor
/// with a `.git`), else `dir` itself; links resolved. `None` when `dir`
/// cannot be resolved (then no base is accepted).
fn confinement_root(dir: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(dir).ok()?;
    let repository = start
        .ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf);
    Some(repository.unwrap_or(start))
}

/// Reads a base no larger than a topology may be.
fn read_base(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    if !file.metadata().map_err(|e| e.to_string())?.is_file() {
        return Err("not a regular file".to_owned());
    }
    let bytes = super::read_bounded(file).map_err(|e| e.to_string())?;
    if bytes.len() > super::schema::MAX_TOPOLOGY_BYTES {
        return Err(format!(
            "over mailflowc's limit of {} bytes",
            super::schema::MAX_TOPOLOGY_BYTES
        ));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())
}

/// Tables whose keys only make sense together: the tenant's replaces the
/// base's whole, never key by key (a tenant's `mode` with a base's
/// `skip_ips`, or a secret's reference from one file and its fingerprint
/// from another, would be nonsense).
pub const WHOLE_TABLES: &[&str] = &["inbound.enhanced_filtering", "outbound.secret_header"];

/// Lays `top` over `base`: tables merge key by key (but [`WHOLE_TABLES`]),
/// anything else in `top` replaces the base's value whole.
pub fn merge<'i>(base: DeTable<'i>, top: DeTable<'i>) -> DeTable<'i> {
    merge_at("", base, top)
}

fn merge_at<'i>(path: &str, base: DeTable<'i>, top: DeTable<'i>) -> DeTable<'i> {
    let mut merged = base;
    for (key, value) in top {
        let child = if path.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{path}.{}", key.get_ref())
        };
        let existing = merged
            .keys()
            .find(|k| k.get_ref() == key.get_ref())
            .cloned();
        let combined = match existing.and_then(|k| merged.remove(&k)) {
            Some(old) => {
                let span = value.span();
                match (old.into_inner(), value.into_inner()) {
                    (DeValue::Table(old), DeValue::Table(new))
                        if !WHOLE_TABLES.contains(&child.as_str()) =>
                    {
                        Spanned::new(span, DeValue::Table(merge_at(&child, old, new)))
                    }
                    (_, new) => Spanned::new(span, new),
                }
            }
            None => value,
        };
        merged.insert(key, combined);
    }
    merged
}
