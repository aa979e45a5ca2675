//! `build --lang ja`: the runbook and the gateway steps in Japanese say the
//! same as the English ones. For every valid fixture (and the fleet with a
//! shared Cisco appliance), both languages are built, every other file is
//! byte-identical, and each translated document has, block by block, the
//! same structure as the English: the same headings, list items and table
//! rows in the same order, the same code blocks to the byte, and in each
//! paragraph the same inline code (commands, files, values), the same
//! numbers (TTLs, waits, codes) and the same bold steps. The translations
//! are catalogs keyed by the English (`src/targets/i18n/`): a text without
//! an entry, an entry whose placeholders differ from its English, and an
//! entry nothing uses all fail here. Every generated file, in both
//! languages, is free of internal reference codes, and the Japanese prose of
//! no ASCII `;` (issue 29, item 8).

mod common;

use mailflowc::targets::i18n::{self, Catalog};
use mailflowc::targets::{Files, Lang};
use std::collections::{BTreeMap, BTreeSet};
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

/// Internal reference codes (issue 29, item 8): the IDs of our reference
/// files (`F-OUT-09`, `exchange-facts`, a seed) belong in source comments,
/// never in what the operator reads.
fn reference_codes() -> regex::Regex {
    regex::Regex::new(
        r"\bF-[A-Z]+-\d+\b|exchange-facts|exchange-readback|cisco-facts|cisco-summary|seeds/",
    )
    .unwrap()
}

/// What an operator reads in either language carries no internal reference
/// code, and the Japanese prose (outside code blocks and inline code) no
/// ASCII `;`: Japanese joins its clauses with 「。」 or 「、」.
fn operator_text_problems(files: &Files, lang: Lang) -> Vec<String> {
    let codes = reference_codes();
    let mut out = Vec::new();
    for (path, text) in files {
        for found in codes.find_iter(text) {
            out.push(format!("{path}: internal reference `{}`", found.as_str()));
        }
        if lang != Lang::Ja || !translated(path) {
            continue;
        }
        let mut in_code = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let prose: String = line.split('`').step_by(2).collect();
            if !in_code && prose.contains(';') {
                out.push(format!("{path}: ASCII `;` in Japanese prose: {line}"));
            }
        }
    }
    out
}

fn compare_trees(what: &str, en: &Files, ja: &Files) {
    for (files, lang) in [(en, Lang::En), (ja, Lang::Ja)] {
        let problems = operator_text_problems(files, lang);
        assert!(problems.is_empty(), "{what}: {problems:#?}");
    }
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
        } else if path.ends_with(mailflowc::targets::MARKER_FILE) {
            // The marker records the language, so that a later build keeps it.
            assert_eq!(
                format!("{text}{}", mailflowc::targets::language_line(Lang::Ja)),
                ja[path],
                "{what}: {path} adds the language and nothing else"
            );
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
fn the_operator_text_check_catches_a_reference_code_and_a_semicolon() {
    let files = |path: &str, text: &str| Files::from([(path.to_string(), text.to_string())]);
    for (lang, path, text) in [
        (
            Lang::En,
            "RUNBOOK.md",
            "Microsoft documents it (F-OUT-09).\n",
        ),
        (
            Lang::Ja,
            "RUNBOOK.md",
            "Microsoft の記載どおりです（F-OUT-09）。\n",
        ),
        (
            Lang::En,
            "exchange/00-preflight.ps1",
            "# wrong (exchange-facts).\n",
        ),
        (Lang::Ja, "cisco/STEPS.md", "- 記録して破棄します;\n"),
        (
            Lang::Ja,
            "RUNBOOK.md",
            "| 1. 準備 | MX の TTL を下げる; 受信コネクタを確認する |\n",
        ),
    ] {
        assert_eq!(
            operator_text_problems(&files(path, text), lang).len(),
            1,
            "{text}"
        );
    }
    // A semicolon in code, and English prose, are not Japanese prose.
    for (lang, path, text) in [
        (
            Lang::Ja,
            "RUNBOOK.md",
            "`a; b` を実行します。\n\n```sh\na; b\n```\n",
        ),
        (Lang::En, "RUNBOOK.md", "Run it; then wait.\n"),
        (
            Lang::Ja,
            "exchange/10-inbound-connector.ps1",
            "$a = 1; $b = 2\n",
        ),
    ] {
        assert!(
            operator_text_problems(&files(path, text), lang).is_empty(),
            "{text}"
        );
    }
}

/// A DNS server returns (返す) a record; 「配信」 is the delivery of mail
/// (issue 29, item 8). Every text about what a DNS server serves says so.
#[test]
fn what_a_dns_server_serves_is_not_mail_delivery_in_japanese() {
    let serves = regex::Regex::new(r"\bserve[sd]?\b").unwrap();
    let catalog = i18n::catalog(Lang::Ja).unwrap().unwrap();
    let dns: Vec<&String> = catalog
        .english()
        .iter()
        .filter(|en| serves.is_match(en))
        .collect();
    assert!(dns.len() >= 4, "{dns:#?}");
    for en in dns {
        let ja = catalog.get(en).unwrap();
        assert!(
            !ja.contains("配信") && ja.contains("返"),
            "a DNS server returns a record, it does not deliver it: {en:?} => {ja:?}"
        );
    }
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
    for (what, text) in vendor_starters() {
        let build = |lang| {
            let ctx = mailflowc::Context {
                lang,
                ..mailflowc::Context::default()
            };
            common::build_in(&text, "topology.toml", &ctx)
        };
        compare_trees(&what, &build(Lang::En), &build(Lang::Ja));
        built += 1;
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

/// The starter topology of every catalog vendor, with and without outbound
/// mail where the vendor documents a relay: (what, text).
fn vendor_starters() -> Vec<(String, String)> {
    let mut out = Vec::new();
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
            out.push((format!("{} (outbound {outbound})", vendor.id), starter.text));
        }
    }
    out
}

/// The English of every `t("…")` in the templates.
fn template_messages() -> BTreeSet<String> {
    let call = regex::Regex::new(r#"\bt\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"#).unwrap();
    let mut out = BTreeSet::new();
    for (_, source) in mailflowc::targets::TEMPLATES {
        for found in call.captures_iter(source) {
            let literal = found.get(1).or_else(|| found.get(2)).unwrap().as_str();
            out.insert(
                literal
                    .replace("\\\"", "\"")
                    .replace("\\'", "'")
                    .replace("\\\\", "\\"),
            );
        }
    }
    out
}

/// Every source file under `src/` (Rust and the vendor catalog), as text.
fn sources() -> String {
    common::files_under(&common::root().join("src"))
        .into_iter()
        .filter(|(path, _)| path.ends_with(".rs") || path.ends_with(".toml"))
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .collect()
}

#[test]
fn every_catalog_entry_is_used() {
    // An entry is used when a template asks for it, when a build of every
    // valid fixture and catalog vendor looked it up (text Rust hands the
    // documents, such as a catalog rule's action), or when the sources hold
    // it as a string (text Rust hands them that no fixture reaches, such as
    // a TTL of days).
    let (templates, sources) = (template_messages(), sources());
    for &lang in Lang::ALL.iter().filter(|l| **l != Lang::En) {
        for path in common::valid_inputs() {
            build(&path, lang);
        }
        for (_, text) in vendor_starters() {
            let ctx = mailflowc::Context {
                lang,
                ..mailflowc::Context::default()
            };
            common::build_in(&text, "topology.toml", &ctx);
        }
        let catalog = i18n::catalog(lang).unwrap().unwrap();
        let unused: Vec<&str> = catalog
            .unused()
            .into_iter()
            .filter(|en| !templates.contains(*en))
            .filter(|en| en.is_empty() || !sources.contains(&format!("{en:?}")))
            .collect();
        assert!(
            unused.is_empty(),
            "src/targets/i18n/{}.toml: entries nothing uses: {unused:#?}",
            lang.code()
        );
        // And the templates ask for nothing the catalog lacks.
        for en in &templates {
            assert!(
                catalog.english().contains(en),
                "src/targets/i18n/{}.toml has no entry for `{en}`",
                lang.code()
            );
        }
    }
}

#[test]
fn an_unused_entry_is_reported() {
    let catalog = Catalog::parse(
        "ja",
        "[[message]]\nen = 'a'\nja = 'あ'\n\n[[message]]\nen = 'b'\nja = 'い'\n",
    )
    .unwrap();
    assert_eq!(catalog.get("a"), Some("あ"));
    assert_eq!(catalog.unused(), ["b"]);
}

#[test]
fn a_missing_entry_fails_the_build() {
    let env = mailflowc::targets::environment().unwrap();
    let render = |lang: Lang, source: &str| {
        env.render_str(source, minijinja::context! { lang => lang.code(), n => 3 })
    };
    let source = r#"{{ t("No catalog has {n} of this", n=n) }}"#;
    assert_eq!(
        render(Lang::En, source).unwrap(),
        "No catalog has 3 of this"
    );
    let error = render(Lang::Ja, source).unwrap_err();
    assert!(
        format!("{error:#}").contains("no `ja` for `No catalog has {n} of this`"),
        "{error:#}"
    );
    // Text Rust hands a document goes through the same catalog.
    let error = render(Lang::Ja, r#"{{ t("a phase nobody translated") }}"#).unwrap_err();
    assert!(format!("{error:#}").contains("no `ja`"), "{error:#}");
    // A placeholder without a value, or a value without a placeholder, is
    // a mistake in the template, in every language.
    for lang in [Lang::En, Lang::Ja] {
        assert!(render(lang, r#"{{ t("Prepare {n}") }}"#).is_err());
        assert!(render(lang, r#"{{ t("Prepare", n=n) }}"#).is_err());
    }
    assert_eq!(render(Lang::Ja, r#"{{ t("Prepare") }}"#).unwrap(), "準備");
}

#[test]
fn an_entry_whose_placeholders_differ_fails() {
    for (en, ja) in [
        ("Wait {hours} hours", "{count} 時間待つ"),
        ("Wait {hours} hours", "待つ"),
        ("Wait", "{hours} 時間待つ"),
    ] {
        let text = format!("[[message]]\nen = '{en}'\nja = '{ja}'\n");
        let error = Catalog::parse("ja", &text).unwrap_err();
        assert!(error.contains("placeholders"), "{error}");
    }
    // Named, so the translation may put them in any order.
    let text = "[[message]]\nen = '{a} before {b}'\nja = '{b} の前に {a}'\n";
    assert!(Catalog::parse("ja", text).is_ok());
    // Each English once, and no key but `en` and the language's.
    assert!(Catalog::parse(
        "ja",
        "[[message]]\nen = 'a'\nja = 'あ'\n[[message]]\nen = 'a'\nja = 'い'\n"
    )
    .is_err());
    assert!(Catalog::parse("ja", "[[message]]\nen = 'a'\nfr = 'à'\n").is_err());
}

#[test]
fn every_language_catalog_loads() {
    for &lang in Lang::ALL {
        let catalog = i18n::catalog(lang).unwrap();
        assert_eq!(catalog.is_none(), lang == Lang::En, "{lang:?}");
    }
}

/// The tree remembers its language (issue 29, item 5): `build --check` and
/// a rebuild without `--lang` keep Japanese; `--lang en` switches back.
#[test]
fn a_tree_built_in_japanese_stays_japanese_without_lang() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::root().join("examples/cloudflare.toml"),
        dir.path().join("t.toml"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = common::mailflowc_in(dir.path(), args);
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let runbook = || std::fs::read_to_string(dir.path().join("generated/RUNBOOK.md")).unwrap();
    let (code, text) = run(&["build", "t.toml", "--lang", "ja"]);
    assert_eq!(code, Some(0), "{text}");
    let japanese = runbook();
    let (code, text) = run(&["build", "--check", "t.toml"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(&["build", "t.toml"]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(runbook(), japanese);
    let (code, text) = run(&["build", "t.toml", "--lang", "en"]);
    assert_eq!(code, Some(0), "{text}");
    assert_ne!(runbook(), japanese);
    let (code, text) = run(&["build", "--check", "t.toml"]);
    assert_eq!(code, Some(0), "{text}");
}
