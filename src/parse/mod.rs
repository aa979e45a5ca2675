//! Stage 1 of the pipeline: TOML text → [`RawTopology`], spans kept.
//!
//! Three gates, each stopping the pipeline when it fails: TOML syntax (every
//! syntax error the parser can recover from), unknown keys (all of them, with
//! did-you-mean), then typed deserialization (missing keys and values of the
//! wrong type). Semantic rules belong to `check`, not here.

pub mod raw;
pub mod schema;

pub use raw::*;

use crate::diagnostics::{Code, Diagnostic};
use toml::de::{DeTable, DeValue};

/// The only topology format version this build understands.
pub const SUPPORTED_VERSION: i64 = 1;

/// Parses a topology, or returns every problem found by the first gate that failed.
pub fn parse(source: &str) -> Result<RawTopology, Vec<Diagnostic>> {
    let (document, syntax_errors) = DeTable::parse_recoverable(source);
    if !syntax_errors.is_empty() {
        return Err(syntax_errors
            .into_iter()
            .map(|error| {
                let mut d = Diagnostic::new(Code::TomlSyntax, first_line(error.message()))
                    .with_help("fix the TOML syntax; the file is read as TOML 1.0");
                if let Some(span) = error.span() {
                    d = d.at(span).with_label("here");
                }
                d
            })
            .collect());
    }

    let mut unknown = Vec::new();
    walk_unknown_keys(document.get_ref(), "", &mut unknown);
    if !unknown.is_empty() {
        return Err(unknown);
    }

    let raw: RawTopology =
        toml::from_str(source).map_err(|error| vec![from_serde_error(&error)])?;

    if *raw.version.get_ref() != SUPPORTED_VERSION {
        return Err(vec![Diagnostic::new(
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
        ))]);
    }
    Ok(raw)
}

fn walk_unknown_keys(table: &DeTable<'_>, path: &str, out: &mut Vec<Diagnostic>) {
    let Some(known) = schema::keys_of(path) else {
        return;
    };
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        if !known.contains(&name) {
            out.push(unknown_key(name, key.span(), path, known));
            continue;
        }
        let child_path = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        match value.get_ref() {
            DeValue::Table(child) => walk_unknown_keys(child, &child_path, out),
            // An array of tables: each element is checked against the same table path.
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(child) = item.get_ref() {
                        walk_unknown_keys(child, &child_path, out);
                    }
                }
            }
            _ => {}
        }
    }
}

fn unknown_key(
    name: &str,
    span: std::ops::Range<usize>,
    path: &str,
    known: &[&'static str],
) -> Diagnostic {
    let table = if path.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`[{path}]`")
    };
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
