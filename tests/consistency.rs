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
    // `everything.toml` sets every key of format v1 and must build, so every
    // key it holds is one the raw types accept; it must also hold every key
    // the schema lists, so the schema names no key the types lack.
    let path = common::root().join("tests/fixtures/valid/everything.toml");
    common::build(&path);
    let value: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut used = BTreeSet::new();
    keys(&value, "", &mut used);
    let listed: BTreeSet<(String, String)> = mailflowc::parse::schema::TABLES
        .iter()
        .flat_map(|(table, keys)| keys.iter().map(move |k| (table.to_string(), k.to_string())))
        .collect();
    assert_eq!(used, listed);
}

#[test]
fn every_template_file_is_embedded() {
    let mut on_disk = BTreeSet::new();
    let root = common::root().join("templates");
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            on_disk.insert(
                file.strip_prefix(&root)
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
