//! Stage 1 of the pipeline: TOML text → [`RawTopology`], spans kept.
//!
//! TOML syntax is the one gate that stops everything (every syntax error the
//! parser can recover from is reported). Past it, one walk over the document
//! against [`schema`] reports every unknown key, every value of the wrong
//! kind and every missing key at once; the offending entries are then taken
//! out, and when what remains still has every required key, it is typed so
//! that `check` can report the semantic problems in the same run. Semantic
//! rules belong to `check`, not here.

pub mod defaults;
pub mod extends;
pub mod json_schema;
pub mod raw;
pub mod schema;
mod spans;

pub use raw::*;

use crate::diagnostics::{Code, Diagnostic, Sources};
use schema::{Key, Kind};
use serde::de::{Deserialize, IntoDeserializer};
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The only topology format version this build understands.
pub const SUPPORTED_VERSION: i64 = 1;

/// Reads at most one byte more than a topology may hold: a larger file (or
/// `/dev/zero`) is refused without being read whole.
pub fn read_bounded(reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader
        .take(schema::MAX_TOPOLOGY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Parses a topology; `Err` holds every problem found when it has any error.
pub fn parse(source: &str) -> Result<RawTopology, Vec<Diagnostic>> {
    match parse_all(source) {
        (Some(raw), found) if !found.iter().any(Diagnostic::is_error) => Ok(raw),
        (_, found) => Err(found),
    }
}

/// Parses a topology as far as it can: every problem of the document, and the
/// typed topology when every required key is present and well formed (with
/// the keys that were not taken out), so the caller can check it too.
pub fn parse_all(source: &str) -> (Option<RawTopology>, Vec<Diagnostic>) {
    parse_sources(&defaults::single("", source))
}

/// [`parse_all`] for a topology and the bases it extends: each file is parsed
/// on its own, its spans moved to its place in `sources`, and the documents
/// merged (the tenant's on top) before the walk.
pub fn parse_sources(sources: &Sources) -> (Option<RawTopology>, Vec<Diagnostic>) {
    let mut syntax_errors = Vec::new();
    let mut documents = Vec::new();
    for file in sources.topology_files() {
        let (document, errors) = DeTable::parse_recoverable(&file.text);
        for error in errors {
            let mut d = Diagnostic::new(Code::TomlSyntax, first_line(error.message()))
                .with_help("fix the TOML syntax; the file is read as TOML 1.0");
            if let Some(span) = error.span() {
                d = d
                    .at(span.start + file.offset..span.end + file.offset)
                    .with_label("here");
            }
            syntax_errors.push(d);
        }
        documents.push(spans::shift_document(document, file.offset));
    }
    if !syntax_errors.is_empty() {
        let mut found = sources.problems.clone();
        found.extend(syntax_errors);
        return (None, found);
    }
    if !sources.problems.is_empty() {
        // A base that cannot be used leaves the tenant without its keys:
        // every other finding would be noise.
        return (None, sources.problems.clone());
    }
    let mut documents = documents.into_iter().rev();
    let Some(mut document) = documents.next() else {
        return (None, Vec::new());
    };
    for top in documents {
        let span = top.span();
        document = Spanned::new(
            span,
            extends::merge(document.into_inner(), top.into_inner()),
        );
    }
    let shared_secrets = shared_secret(document.get_ref(), sources);
    if !shared_secrets.is_empty() {
        return (None, shared_secrets);
    }

    let mut walk = Walk {
        base: sources
            .topology_files()
            .skip(1)
            .last()
            .map(|f| (f.name.clone(), f.offset)),
        ..Walk::default()
    };
    let root_span = document.span();
    walk.table(document.get_ref(), root_span, "", &[]);
    let Walk {
        mut found,
        drop,
        fatal,
        ..
    } = walk;
    if fatal {
        return (None, found);
    }
    for path in &drop {
        remove(document.get_mut(), path);
    }
    remove(document.get_mut(), &[Seg::Key(extends::KEY.to_owned())]);
    // Every key is checked: the defaults go under what the topology wrote.
    defaults::apply(document.get_mut());
    let raw = match RawTopology::deserialize(document.into_deserializer()) {
        Ok(raw) => raw,
        Err(error) => {
            found.push(from_serde_error(&error));
            return (None, found);
        }
    };
    if *raw.version.get_ref() != SUPPORTED_VERSION {
        found.push(
            Diagnostic::new(
                Code::UnsupportedVersion,
                format!(
                    "topology `version = {}` is not supported",
                    raw.version.get_ref()
                ),
            )
            .at(raw.version.span())
            .with_label("unsupported version")
            .with_help(format!(
                "this mailflowc reads `version = {SUPPORTED_VERSION}`"
            )),
        );
        return (None, found);
    }
    (Some(raw), found)
}

/// A relay secret is one tenant's: `[outbound.secret_header]` written in a
/// shared base would give every tenant extending it the same secret, so any
/// tenant's administrator (who can read the transport rule) could relay as
/// every other tenant through the gateway.
fn shared_secret(document: &DeTable<'_>, sources: &Sources) -> Vec<Diagnostic> {
    let Some(header) = document
        .get("outbound")
        .and_then(|o| o.get_ref().as_table())
        .and_then(|o| o.get("secret_header"))
    else {
        return Vec::new();
    };
    let span = header.span();
    if sources.locate(span.start) == 0 {
        return Vec::new();
    }
    vec![Diagnostic::new(
        Code::SecretInSharedBase,
        "the relay secret is in a shared base: every tenant extending it would share it",
    )
    .at(span)
    .with_label("one secret for every tenant")
    .with_help(
        "move `[outbound.secret_header]` into each tenant's own file, with a secret of its own",
    )]
}

/// One step of a path into the document.
#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// The walk's findings: diagnostics, entries to take out before typing, and
/// whether typing is hopeless (a required key missing or unusable).
#[derive(Default)]
struct Walk {
    found: Vec<Diagnostic>,
    drop: Vec<Vec<Seg>>,
    fatal: bool,
    /// The deepest base a topology extends (its name and where it starts),
    /// where a missing `version` is reported: every tenant of a fleet
    /// inherits it from there, so the fleet shows the finding once.
    base: Option<(String, usize)>,
}

fn table_name(path: &str) -> String {
    if path.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`[{path}]`")
    }
}

fn describe_found(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a number with a fraction (or an unquoted word)",
        DeValue::Boolean(_) => "`true`/`false`",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

impl Walk {
    fn table(&mut self, table: &DeTable<'_>, span: Range<usize>, path: &str, at: &[Seg]) {
        let Some(known) = schema::keys_of(path) else {
            return;
        };
        let names: Vec<&'static str> = known.iter().map(|k| k.name).collect();
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let mut here = at.to_vec();
            here.push(Seg::Key(name.to_owned()));
            let Some(spec) = known.iter().find(|k| k.name == name) else {
                self.found.push(unknown_key(name, key.span(), path, &names));
                self.drop.push(here);
                continue;
            };
            let child_path = if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            if !self.value(spec, value, &child_path, &here) {
                if spec.required {
                    self.fatal = true;
                } else {
                    self.drop.push(here);
                }
            }
        }
        let mut missing: Vec<&Key> = known
            .iter()
            .filter(|k| k.required && table.get(k.name).is_none())
            .collect();
        if let (true, Some((base, offset))) = (path.is_empty(), &self.base) {
            if let Some(at) = missing.iter().position(|k| k.name == "version") {
                missing.remove(at);
                self.fatal = true;
                self.found.push(
                    Diagnostic::new(Code::MissingKey, "missing required key(s) `version`")
                        .at(*offset..*offset)
                        .with_label("add it here")
                        .with_help(format!(
                            "for example: version = 1, in the base `{}`: every topology that extends it inherits it",
                            crate::diagnostics::sanitize(base)
                        )),
                );
            }
        }
        if !missing.is_empty() {
            self.fatal = true;
            let list = missing
                .iter()
                .map(|k| format!("`{}`", k.name))
                .collect::<Vec<_>>()
                .join(", ");
            let examples = missing
                .iter()
                .map(|k| k.example)
                .collect::<Vec<_>>()
                .join("; ");
            let (what, span) = if path.is_empty() {
                ("", 0..0)
            } else {
                (" in ", span)
            };
            let message = if path.is_empty() {
                format!("missing required key(s) {list}")
            } else {
                format!("missing required key(s) {list}{what}{}", table_name(path))
            };
            self.found.push(
                Diagnostic::new(Code::MissingKey, message)
                    .at(span)
                    .with_label("add them here")
                    .with_help(format!("for example: {examples}")),
            );
        }
    }

    /// Checks one value against its key; false when it cannot be used.
    fn value(&mut self, spec: &Key, value: &Spanned<DeValue<'_>>, path: &str, at: &[Seg]) -> bool {
        let span = value.span();
        let count = match value.get_ref() {
            DeValue::Array(items) => items.len(),
            DeValue::Table(entries) if spec.kind == Kind::StrMap => entries.len(),
            _ => 0,
        };
        if let Some(max) = spec.max.filter(|max| count > *max) {
            // Over a cap, nothing else is looked at: the refusal costs no
            // more than parsing.
            self.found.push(
                Diagnostic::new(
                    Code::TooMany,
                    format!("`{}` has {count} entries, over mailflowc's limit of {max}", spec.name),
                )
                .at(span.start..span.start + 1)
                .with_label("too many entries")
                .with_help("split the organization into several topologies, or list fewer, wider entries where the field allows it"),
            );
            self.fatal = true;
            return false;
        }
        match (spec.kind, value.get_ref()) {
            (Kind::Int, DeValue::Integer(_))
            | (Kind::Bool, DeValue::Boolean(_))
            | (Kind::Str, DeValue::String(_)) => true,
            (Kind::Enum(words), DeValue::String(text)) => {
                if words.contains(&text.as_ref()) {
                    return true;
                }
                let help = match schema::did_you_mean(text, words) {
                    Some(word) => format!("did you mean `\"{word}\"`?"),
                    None => format!("write {}", Kind::Enum(words).describe()),
                };
                self.found.push(
                    Diagnostic::new(
                        Code::WrongType,
                        format!("`{}` cannot be `\"{text}\"`", spec.name),
                    )
                    .at(span)
                    .with_label(format!("expected {}", spec.kind.describe()))
                    .with_help(help),
                );
                false
            }
            (Kind::StrList, DeValue::Array(items)) => {
                let mut ok = true;
                for item in items.iter() {
                    if !matches!(item.get_ref(), DeValue::String(_)) {
                        self.found.push(
                            Diagnostic::new(
                                Code::WrongType,
                                format!(
                                    "`{}` holds {}, not a string",
                                    spec.name,
                                    describe_found(item.get_ref())
                                ),
                            )
                            .at(item.span())
                            .with_label("expected a quoted string")
                            .with_help(format!("quote every item, e.g. {}", spec.example)),
                        );
                        ok = false;
                    }
                }
                ok
            }
            (Kind::StrMap, DeValue::Table(entries)) => {
                let mut ok = true;
                for (key, item) in entries.iter() {
                    if !matches!(item.get_ref(), DeValue::String(_)) {
                        self.found.push(
                            Diagnostic::new(
                                Code::WrongType,
                                format!(
                                    "`{}.\"{}\"` must be a quoted string",
                                    spec.name,
                                    key.get_ref()
                                ),
                            )
                            .at(item.span())
                            .with_label(format!("found {}", describe_found(item.get_ref())))
                            .with_help(format!("for example: {}", spec.example)),
                        );
                        ok = false;
                    }
                }
                ok
            }
            (Kind::Table, DeValue::Table(child)) => {
                let before = self.fatal;
                self.table(child, span, path, at);
                // A table whose own required key is missing cannot be typed;
                // the whole document then stops after this walk.
                self.fatal = before || self.fatal;
                true
            }
            (Kind::TableList, DeValue::Array(items)) => {
                let mut ok = true;
                for (index, item) in items.iter().enumerate() {
                    let mut here = at.to_vec();
                    here.push(Seg::Index(index));
                    match item.get_ref() {
                        DeValue::Table(child) => self.table(child, item.span(), path, &here),
                        other => {
                            self.found.push(
                                Diagnostic::new(
                                    Code::WrongType,
                                    format!(
                                        "`{}` holds {}, not a table",
                                        spec.name,
                                        describe_found(other)
                                    ),
                                )
                                .at(item.span())
                                .with_label("expected a table")
                                .with_help(format!("for example: {}", spec.example)),
                            );
                            ok = false;
                        }
                    }
                }
                ok
            }
            (kind, other) => {
                self.found.push(
                    Diagnostic::new(
                        Code::WrongType,
                        format!("`{}` must be {}", spec.name, kind.describe()),
                    )
                    .at(span)
                    .with_label(format!("found {}", describe_found(other)))
                    .with_help(format!("for example: {}", spec.example)),
                );
                false
            }
        }
    }
}

/// Takes the entry at `path` out of the document.
fn remove(table: &mut DeTable<'_>, path: &[Seg]) {
    let Some((Seg::Key(first), rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        let key = table.keys().find(|k| k.get_ref() == first).cloned();
        if let Some(key) = key {
            table.remove(&key);
        }
        return;
    }
    let Some((_, value)) = table.iter_mut().find(|(k, _)| k.get_ref() == first) else {
        return;
    };
    remove_in(value.get_mut(), rest);
}

fn remove_in(value: &mut DeValue<'_>, path: &[Seg]) {
    match (value, path.split_first()) {
        (DeValue::Table(table), Some((Seg::Key(_), _))) => remove(table, path),
        (DeValue::Array(items), Some((Seg::Index(index), rest))) => {
            if let Some(item) = items.get_mut(*index) {
                remove_in(item.get_mut(), rest);
            }
        }
        _ => {}
    }
}

fn unknown_key(
    name: &str,
    span: std::ops::Range<usize>,
    path: &str,
    known: &[&'static str],
) -> Diagnostic {
    let table = table_name(path);
    let help = match schema::did_you_mean(name, known) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => format!("keys allowed in {table}: {}", backticked(known)),
    };
    Diagnostic::new(Code::UnknownKey, format!("unknown key `{name}` in {table}"))
        .at(span)
        .with_label("not a key mailflowc knows")
        .with_help(help)
}

fn from_serde_error(error: &toml::de::Error) -> Diagnostic {
    let message = first_line(error.message());
    let (code, help) = if message.starts_with("missing field") {
        (
            Code::MissingKey,
            "add the key; `mailflowc explain MF0004` lists the required keys".to_owned(),
        )
    } else if message.starts_with("unknown field") {
        (
            Code::UnknownKey,
            "remove the key or correct its spelling".to_owned(),
        )
    } else {
        (
            Code::WrongType,
            "give the value the type the topology reference in README.md shows".to_owned(),
        )
    };
    let mut d = Diagnostic::new(code, message.replace("field", "key")).with_help(help);
    if let Some(span) = error.span() {
        d = d.at(span).with_label("here");
    }
    d
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_owned()
}

fn backticked(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
