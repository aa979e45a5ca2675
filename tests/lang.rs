//! `build --lang ja`: the runbook and the gateway steps in Japanese say the
//! same as the English ones. For every valid fixture (and the fleet with a
//! shared Cisco appliance), both languages are built, every other file is
//! byte-identical, and each translated document has, block by block, the
//! same structure as the English: the same headings, list items and table
//! rows in the same order, the same code blocks to the byte, and in each
//! paragraph the same inline code (commands, files, values), the same
//! numbers (TTLs, waits, codes) and the same bold steps.

mod common;

use mailflowc::targets::{Files, Lang};
use std::collections::BTreeMap;
use std::path::Path;

/// The documents that have a translation.
fn translated(path: &str) -> bool {
    path.ends_with("RUNBOOK.md") || path.ends_with("STEPS.md")
}

#[derive(Debug, PartialEq, Eq)]
enum Block {
    /// A fenced code block, exactly.
    Code(String),
    /// Text between blank lines: what it must keep.
    Text {
        /// Per line that starts one: the heading, list or table marker.
        markers: Vec<String>,
        code: BTreeMap<String, usize>,
        numbers: BTreeMap<String, usize>,
        bold: usize,
    },
}

fn count<I: IntoIterator<Item = String>>(items: I) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for item in items {
        *out.entry(item).or_insert(0) += 1;
    }
    out
}

fn marker(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if trimmed.starts_with('#') {
        let level = trimmed.chars().take_while(|c| *c == '#').count();
        return Some(format!("h{level}"));
    }
    if trimmed.starts_with('|') {
        return Some(format!("row{}", trimmed.matches('|').count()));
    }
    if let Some(rest) = trimmed.strip_prefix("- ") {
        let _ = rest;
        return Some(format!("{indent}-"));
    }
    let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() && trimmed[digits.len()..].starts_with(". ") {
        return Some(format!("{indent}{digits}."));
    }
    None
}

/// Inline code spans of a paragraph (backtick pairs, across its lines).
fn code_spans(text: &str) -> Vec<String> {
    text.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Runs of digits outside inline code (inside, the span compares whole).
fn numbers(text: &str) -> Vec<String> {
    let prose: String = text
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = Vec::new();
    let mut run = String::new();
    for c in prose.chars().chain([' ']) {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
    }
    out
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = doc.lines().peekable();
    let mut text: Vec<&str> = Vec::new();
    let flush = |text: &mut Vec<&str>, out: &mut Vec<Block>| {
        if text.is_empty() {
            return;
        }
        let joined = text.join("\n");
        out.push(Block::Text {
            markers: text.iter().filter_map(|l| marker(l)).collect(),
            code: count(code_spans(&joined)),
            numbers: count(numbers(&joined)),
            bold: joined.matches("**").count(),
        });
        text.clear();
    };
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("```") {
            flush(&mut text, &mut out);
            let mut code = vec![line];
            for next in lines.by_ref() {
                code.push(next);
                if next.trim_start().starts_with("```") {
                    break;
                }
            }
            out.push(Block::Code(code.join("\n")));
        } else if line.trim().is_empty() {
            flush(&mut text, &mut out);
        } else {
            text.push(line);
        }
    }
    flush(&mut text, &mut out);
    out
}

/// Compares one document's two languages; the message says where they part.
fn compare(what: &str, en: &str, ja: &str) {
    let (en_blocks, ja_blocks) = (blocks(en), blocks(ja));
    for (i, pair) in en_blocks.iter().zip(&ja_blocks).enumerate() {
        assert_eq!(pair.0, pair.1, "{what}: block {i} differs");
    }
    assert_eq!(
        en_blocks.len(),
        ja_blocks.len(),
        "{what}: {} blocks in English, {} in Japanese",
        en_blocks.len(),
        ja_blocks.len()
    );
    // The translation is one: no English sentence left over.
    let mut in_code = false;
    for line in ja.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let prose: String = line.split('`').step_by(2).collect();
        assert!(
            !prose.contains(" the ") && !prose.contains(" and the "),
            "{what}: English left in the Japanese: {line}"
        );
    }
}

fn compare_trees(what: &str, en: &Files, ja: &Files) {
    assert_eq!(
        en.keys().collect::<Vec<_>>(),
        ja.keys().collect::<Vec<_>>(),
        "{what}: the same files"
    );
    let mut documents = 0;
    for (path, text) in en {
        if translated(path) {
            documents += 1;
            assert_ne!(text, &ja[path], "{what}: {path} is not translated");
            compare(&format!("{what}: {path}"), text, &ja[path]);
        } else {
            assert!(
                text == &ja[path],
                "{what}: {path} must not depend on the language"
            );
        }
    }
    assert!(documents > 0, "{what}: no document compared");
}

fn build(path: &Path, lang: Lang) -> Files {
    let ctx = mailflowc::Context {
        lang,
        ..common::context_for(path)
    };
    let source = std::fs::read_to_string(path).unwrap();
    common::build_in(&source, &common::file_name(path), &ctx)
}

#[test]
fn every_valid_fixture_says_the_same_in_japanese() {
    let inputs = common::valid_inputs();
    assert!(inputs.len() > 5);
    for path in inputs {
        let what = common::file_name(&path);
        compare_trees(&what, &build(&path, Lang::En), &build(&path, Lang::Ja));
    }
}

#[test]
fn a_fleet_with_a_shared_appliance_says_the_same_in_japanese() {
    let fleet = common::root().join("tests/fixtures/valid/fleets");
    let mut compared = 0;
    for dir in std::fs::read_dir(&fleet).unwrap() {
        let dir = dir.unwrap().path();
        // A fleet is a directory of topologies (`secrets/` holds files).
        let is_fleet = dir.is_dir()
            && std::fs::read_dir(&dir)
                .unwrap()
                .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "toml"));
        if !is_fleet {
            continue;
        }
        let work = tempfile::tempdir().unwrap();
        let mut trees = Vec::new();
        for lang in ["en", "ja"] {
            let out = work.path().join(lang);
            let run = common::mailflowc_in(
                work.path(),
                &[
                    "build",
                    dir.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                    "--lang",
                    lang,
                ],
            );
            assert_eq!(
                run.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            trees.push(
                common::files_under(&out)
                    .into_iter()
                    .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
                    .collect::<Files>(),
            );
        }
        compare_trees(&common::file_name(&dir), &trees[0], &trees[1]);
        compared += trees[0]
            .keys()
            .filter(|p| p.contains("APPLIANCE") || p.ends_with("STEPS.md"))
            .count();
    }
    assert!(compared > 0, "no fleet document compared");
}

#[test]
fn the_comparison_catches_a_dropped_command_a_changed_number_and_a_lost_step() {
    let en = "1. **Wait** 72 hours, then run `a.ps1`.\n\n```sh\nls\n```\n";
    for broken in [
        "1. **待つ** 72 時間、その後実行します。\n\n```sh\nls\n```\n",
        "1. **待つ** 24 時間、その後 `a.ps1` を実行します。\n\n```sh\nls\n```\n",
        "1. **待つ** 72 時間、その後 `a.ps1` を実行します。\n\n```sh\nls -l\n```\n",
        "待つ 72 時間、その後 `a.ps1` を実行します。\n\n```sh\nls\n```\n",
    ] {
        let caught = std::panic::catch_unwind(|| compare("sample", en, broken));
        assert!(caught.is_err(), "not caught: {broken}");
    }
    compare(
        "sample",
        en,
        "1. 72 時間**待ち**、その後 `a.ps1` を実行します。\n\n```sh\nls\n```\n",
    );
}

#[test]
fn english_is_the_default_and_japanese_is_asked_for() {
    let path = common::root().join("examples/cloudflare.toml");
    let work = tempfile::tempdir().unwrap();
    for (args, japanese) in [
        (vec![], false),
        (vec!["--lang", "en"], false),
        (vec!["--lang", "ja"], true),
    ] {
        let out = work.path().join(format!("out-{japanese}-{}", args.len()));
        let mut all = vec![
            "build",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        all.extend(args.iter().copied());
        let run = common::mailflowc_in(work.path(), &all);
        assert_eq!(run.status.code(), Some(0));
        let runbook = std::fs::read_to_string(out.join("RUNBOOK.md")).unwrap();
        assert_eq!(runbook.starts_with("# ランブック"), japanese, "{all:?}");
    }
}

#[test]
fn every_catalog_vendor_says_the_same_in_japanese_with_and_without_outbound() {
    // The gateway steps branch per vendor: a starter for each, and one with
    // outbound mail where the vendor documents a relay.
    let mut built = 0;
    for vendor in mailflowc::catalog::vendors() {
        for outbound in [false, true] {
            if outbound && vendor.no_outbound_relay {
                continue;
            }
            let answers = mailflowc::init::Answers {
                vendor: vendor.id.clone(),
                outbound,
                ..Default::default()
            };
            let starter = mailflowc::init::starter(&answers, "topology.toml").unwrap();
            let what = format!("{} (outbound {outbound})", vendor.id);
            let build = |lang| {
                let ctx = mailflowc::Context {
                    lang,
                    ..mailflowc::Context::default()
                };
                common::build_in(&starter.text, "topology.toml", &ctx)
            };
            compare_trees(&what, &build(Lang::En), &build(Lang::Ja));
            built += 1;
        }
    }
    assert!(built > 10, "{built}");
}

#[test]
fn the_japanese_documents_are_snapshotted() {
    for example in ["cloudflare", "cisco"] {
        let path = common::root().join(format!("examples/{example}.toml"));
        let files = build(&path, Lang::Ja);
        for (path, text) in files.iter().filter(|(p, _)| translated(p)) {
            let name = format!("ja-{example}-{}", path.replace(['/', '.'], "-"));
            insta::assert_snapshot!(name, text);
        }
    }
    let fleet = common::root().join("tests/fixtures/valid/fleets/esa-hq");
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let run = common::mailflowc_in(
        work.path(),
        &[
            "build",
            fleet.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--lang",
            "ja",
        ],
    );
    assert_eq!(run.status.code(), Some(0));
    let steps = std::fs::read_to_string(out.join("_appliances/esa-hq/STEPS.md")).unwrap();
    insta::assert_snapshot!("ja-esa-hq-appliance-STEPS-md", steps);
}
