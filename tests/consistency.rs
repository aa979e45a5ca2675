//! Tables kept by hand must agree with what they describe.

mod common;

use std::collections::BTreeSet;

fn keys(value: &toml::Value, path: &str, out: &mut BTreeSet<(String, String)>) {
    if let toml::Value::Array(items) = value {
        for item in items {
            keys(item, path, out);
        }
    }
    if let toml::Value::Table(table) = value {
        for (key, child) in table {
            out.insert((path.to_owned(), key.clone()));
            let child_path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            // Tables keyed by data (domains) are not part of the schema.
            if mailflowc::parse::schema::keys_of(&child_path).is_some() {
                keys(child, &child_path, out);
            }
        }
    }
}

#[test]
fn the_schema_lists_exactly_the_keys_serde_accepts() {
    // The valid inputs (`everything.toml` sets every key but the ones its
    // vendor cannot have) build, so every key they hold is one the raw types
    // accept; together they must also hold every key the schema lists, so the
    // schema names no key the types lack.
    let mut used = BTreeSet::new();
    for path in common::valid_inputs() {
        common::build(&path);
        let value: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        keys(&value, "", &mut used);
    }
    let listed: BTreeSet<(String, String)> = mailflowc::parse::schema::TABLES
        .iter()
        .flat_map(|(table, keys)| {
            keys.iter()
                .map(move |k| (table.to_string(), k.name.to_string()))
        })
        .collect();
    assert_eq!(used, listed);
}

/// Whether `value` is of the schema's kind.
fn of_kind(value: &toml::Value, kind: mailflowc::parse::schema::Kind) -> bool {
    use mailflowc::parse::schema::Kind;
    match (kind, value) {
        (Kind::Int, toml::Value::Integer(_))
        | (Kind::Bool, toml::Value::Boolean(_))
        | (Kind::Str, toml::Value::String(_))
        | (Kind::Table, toml::Value::Table(_)) => true,
        (Kind::Enum(words), toml::Value::String(s)) => words.contains(&s.as_str()),
        (Kind::StrList, toml::Value::Array(items)) => items.iter().all(|i| i.is_str()),
        (Kind::TableList, toml::Value::Array(items)) => items.iter().all(|i| i.is_table()),
        (Kind::StrMap, toml::Value::Table(t)) => t.values().all(|v| v.is_str()),
        _ => false,
    }
}

fn kinds(value: &toml::Value, path: &str) {
    let toml::Value::Table(table) = value else {
        return;
    };
    let Some(keys) = mailflowc::parse::schema::keys_of(path) else {
        return;
    };
    for (key, child) in table {
        let spec = keys.iter().find(|k| k.name == key).unwrap();
        assert!(
            of_kind(child, spec.kind),
            "{path}.{key}: {child:?} is not {:?}",
            spec.kind
        );
        let child_path = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match child {
            toml::Value::Array(items) => items.iter().for_each(|i| kinds(i, &child_path)),
            other => kinds(other, &child_path),
        }
    }
}

#[test]
fn the_schema_kinds_match_a_topology_that_builds() {
    // Every key of `everything.toml` (which builds) has the kind the schema
    // says, so the one-pass walk accepts what serde accepts.
    let path = common::root().join("tests/fixtures/valid/everything.toml");
    let value: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    kinds(&value, "");
}

#[test]
fn every_enum_word_of_the_schema_is_accepted_by_the_types() {
    use mailflowc::parse::schema::{keys_of, Kind, TABLES};
    let base = std::fs::read_to_string(common::root().join("tests/fixtures/valid/everything.toml"))
        .unwrap();
    let mut value: toml::Value = toml::from_str(&base).unwrap();
    for (table, keys) in TABLES {
        for key in keys.iter() {
            let Kind::Enum(words) = key.kind else {
                continue;
            };
            for word in words {
                let mut target = &mut value;
                for part in table.split('.').filter(|p| !p.is_empty()) {
                    target = target.get_mut(part).unwrap();
                }
                target
                    .as_table_mut()
                    .unwrap()
                    .insert(key.name.to_owned(), toml::Value::String((*word).to_owned()));
                let text = toml::to_string(&value).unwrap();
                let (_, found) = mailflowc::analyze(&text);
                assert!(
                    !found
                        .iter()
                        .any(|d| matches!(d.code, mailflowc::diagnostics::Code::WrongType)),
                    "{table}.{} = {word:?} is refused: {found:?}",
                    key.name
                );
            }
        }
    }
    assert!(keys_of("inbound").is_some());
}

#[test]
fn every_template_file_is_embedded() {
    let mut on_disk = BTreeSet::new();
    let root = common::root().join("templates");
    // Every file at any depth.
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            on_disk.insert(
                path.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
    let embedded: BTreeSet<String> = mailflowc::targets::TEMPLATES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn every_catalog_file_is_a_language() {
    // A language is a catalog file plus a `Lang` variant: neither without
    // the other (src/targets/i18n.rs).
    let dir = common::root().join("src/targets/i18n");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let languages: BTreeSet<String> = mailflowc::targets::Lang::ALL
        .iter()
        .filter(|l| **l != mailflowc::targets::Lang::En)
        .map(|l| format!("{}.toml", l.code()))
        .collect();
    assert_eq!(on_disk, languages);
}

/// Every `crate::…` path a Rust file under `dir` names, with the file.
fn crate_paths(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            crate_paths(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("crate::") {
                let rest = &text[at + "crate::".len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(rest.len());
                out.push((path.display().to_string(), rest[..end].to_owned()));
            }
        }
    }
}

/// The Exchange provider (src/exchange) sits below the commands, the
/// audit, import and the forward side of `targets`: it names only the
/// pipeline's lower floors, the typed plan's data (`targets::plan`,
/// `targets::state`) and the template ids, and reads no file.
#[test]
fn the_exchange_provider_reaches_no_floor_above_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/exchange");
    let mut paths = Vec::new();
    crate_paths(&root, &mut paths);
    assert!(paths.iter().any(|(_, p)| p.starts_with("targets::plan")));
    const ALLOWED: &[&str] = &[
        "exchange::",
        "diagnostics::untrusted",
        "knowledge::",
        "model::",
        "parse::",
        "targets::plan",
        "targets::state",
        "targets::templates",
    ];
    for (file, path) in &paths {
        assert!(
            ALLOWED.iter().any(|a| path.starts_with(a)),
            "{file} names crate::{path}, above the provider's floor"
        );
    }
    for file in walk_rs(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for io in ["std::fs", "std::io", "File::open", "read_dir"] {
            assert!(!text.contains(io), "{} uses {io}", file.display());
        }
    }
}

fn walk_rs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk_rs(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
