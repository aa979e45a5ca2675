//! The fuzz target: the corpus of past defects, then generated topologies
//! (structured, from a grammar of keys and hostile values) and byte-level
//! mutations of every valid input, through the whole pipeline in process.
//!
//! Criteria for every case: no panic; `check` passing means `build`
//! succeeds; diagnostics render with spans inside the source; and a hang
//! guard (a watchdog that aborts the run when one case takes more than
//! [`HANG_SECONDS`]: a guard against hangs, not a speed assertion). A sample
//! also runs through the binary, whose exit code must be in the table.
//!
//! `cargo test --test fuzz` runs 10,000 generated cases; for a longer run set
//! `MAILFLOWC_FUZZ_CASES` (the README gives the figures of a 1,000,000-case
//! run).

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const HANG_SECONDS: u64 = 30;
const DEFAULT_CASES: u32 = 10_000;

/// Milliseconds since the start of the run at which the current case began
/// (0: no case running).
static CASE_STARTED: AtomicU64 = AtomicU64::new(0);

fn clock() -> &'static Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now)
}

fn start_watchdog() {
    static WATCHDOG: OnceLock<()> = OnceLock::new();
    WATCHDOG.get_or_init(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_secs(1));
            let started = CASE_STARTED.load(Ordering::SeqCst);
            let now = clock().elapsed().as_millis() as u64;
            if started != 0 && now.saturating_sub(started) > HANG_SECONDS * 1000 {
                eprintln!("fuzz: a case ran for more than {HANG_SECONDS} s: hang");
                std::process::abort();
            }
        });
    });
}

/// Runs one input through the pipeline and checks the criteria.
fn exercise(source: &str) -> Result<(), String> {
    CASE_STARTED.store(
        clock().elapsed().as_millis().max(1) as u64,
        Ordering::SeqCst,
    );
    let ctx = common::context_for(&common::root().join("tests/fixtures/valid/everything.toml"));
    let outcome = std::panic::catch_unwind(|| {
        // With `extends`, a span may point into a base: past the end of the
        // tenant's file, inside the files read with it.
        let sources = mailflowc::pipeline::load(source, "fuzz.toml", &ctx, None);
        let total = sources
            .files()
            .last()
            .map_or(0, |f| f.offset + f.text.len());
        let (topology, found) = mailflowc::pipeline::analyze_sources(&sources, &ctx);
        for d in &found {
            if let Some(span) = &d.span {
                let file = sources.locate(span.start);
                let inside = &sources.files()[file];
                if span.start > span.end
                    || span.end > total
                    || span.end > inside.offset + inside.text.len()
                {
                    return Err(format!("{}: span {span:?} outside the source", d.code));
                }
            }
        }
        let _ = mailflowc::diagnostics::render_sources(&found, &sources, false);
        let built = mailflowc::compile_with(source, "fuzz.toml", &ctx);
        match (topology.is_some(), built) {
            (true, Ok(_)) | (false, Err(mailflowc::CompileError::Invalid(_))) => Ok(()),
            (true, Err(error)) => Err(format!("check passes, build fails: {error:?}")),
            (false, Ok(_)) => Err("check fails, build succeeds".to_owned()),
            (false, Err(error)) => Err(format!("{error:?}")),
        }
    });
    CASE_STARTED.store(0, Ordering::SeqCst);
    outcome.unwrap_or_else(|_| Err("panic".to_owned()))
}

#[test]
fn every_corpus_entry_passes() {
    start_watchdog();
    let corpus = common::toml_files(&common::root().join("tests/fuzz-corpus"));
    assert!(corpus.len() >= 12, "the corpus lost entries");
    for path in corpus {
        let source = std::fs::read_to_string(&path).unwrap();
        exercise(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// Values that have broken parsers and quoting before.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("contoso.com".to_owned()),
        Just("52.11.209.211".to_owned()),
        Just("104.30.32.0/19".to_owned()),
        Just("2405:8100:c400::/38".to_owned()),
        Just("0.0.0.0/0".to_owned()),
        Just("a&b@contoso.com".to_owned()),
        Just("x#>\n<#".to_owned()),
        Just("'\"`$(id)".to_owned()),
        Just("\u{1b}[2J\u{7}\u{202e}".to_owned()),
        Just("mx1.gateway.example.".to_owned()),
        Just("contoso-com.mail.protection.outlook.com".to_owned()),
        Just("env:SECRET".to_owned()),
        Just("file:/dev/zero".to_owned()),
        "[a-z0-9.-]{0,80}",
        "\\PC{0,40}",
    ]
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| toml_string(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A topology from the grammar: every table optional but the required
/// ones, every value from [`hostile_text`] or a plausible one.
fn structured() -> impl Strategy<Value = String> {
    let texts = || prop::collection::vec(hostile_text(), 0..6);
    (
        hostile_text(),
        texts(),
        texts(),
        texts(),
        texts(),
        any::<[bool; 8]>(),
        prop::sample::select(vec!["off", "skip-last-ip", "skip-listed", "bogus"]),
        prop::sample::select(vec!["cloudflare", "cisco", "trend-micro", "hornetsecurity", "cisco-etd", "nobody"]),
        any::<[i64; 3]>(),
    )
        .prop_map(|(tenant, domains, egress, mx, pilots, flags, mode, vendor, ttls)| {
            let mut out = format!(
                "version = 1\n[organization]\nname = \"C\"\ntenant = {}\ndomains = {}\n[gateway]\nname = \"G\"\n",
                toml_string(&tenant),
                list(&domains)
            );
            if flags[0] {
                out += &format!("vendor = {}\n", toml_string(vendor));
            }
            if flags[1] || !flags[0] {
                out += &format!("egress = {}\n", list(&egress));
            }
            if flags[2] {
                let records: Vec<String> = mx.iter().map(|h| format!("{{ host = {} }}", toml_string(h))).collect();
                out += &format!("mx = [{}]\n", records.join(", "));
            }
            out += &format!(
                "[inbound]\nallow_list = {}\nlockdown = {}\nscl_bypass_rule = {}\nthrough_gateway = {}\n",
                flags[3], flags[4], flags[5], !flags[7] || flags[6]
            );
            out += &format!("[inbound.enhanced_filtering]\nmode = {}\n", toml_string(mode));
            if !pilots.is_empty() {
                out += &format!("pilot_recipients = {}\n", list(&pilots));
            }
            if flags[6] {
                out += "[outbound]\nsmart_hosts = [\"relay.gateway.example\"]\n[outbound.secret_header]\nvalue_from = \"env:MAILFLOWC_FUZZ_UNSET\"\nsha256 = \"1bf9eaf339bd20c172b2f62b6feac9ffaa489d1799b8572b1c9935efec2812af\"\n";
            }
            if flags[7] {
                out += "[cisco]\ninbound_listener = \"In\"\noutbound_listener = \"Out\"\n";
            }
            out += &format!(
                "[dns]\nttl = {}\nprecutover_ttl = {}\ncurrent_ttl = {}\n",
                ttls[0] % 1_000_000,
                ttls[1] % 400,
                ttls[2]
            );
            out
        })
}

/// One edit of a text, in bytes; the result is kept only if it is UTF-8.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, String),
    Delete(usize, usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Flip(p, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just("\"".to_owned()),
                Just("[".to_owned()),
                Just("]".to_owned()),
                Just("=".to_owned()),
                Just("\n[x]\n".to_owned()),
                Just("\ninbound.lockdown = 1\n".to_owned()),
                Just("\u{0}".to_owned()),
                "\\PC{0,8}",
            ]
        )
            .prop_map(|(p, s)| Edit::Insert(p, s)),
        (any::<usize>(), 0usize..32).prop_map(|(p, n)| Edit::Delete(p, n)),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
    ]
}

fn apply(source: &str, edits: &[Edit]) -> String {
    let mut bytes = source.as_bytes().to_vec();
    for edit in edits {
        let len = bytes.len().max(1);
        match edit {
            Edit::Flip(p, b) => {
                if !bytes.is_empty() {
                    bytes[p % len] = *b;
                }
            }
            Edit::Insert(p, s) => {
                let at = p % (bytes.len() + 1);
                bytes.splice(at..at, s.bytes());
            }
            Edit::Delete(p, n) => {
                let at = p % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Edit::DuplicateLine(n) | Edit::SwapLines(n, _) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let i = n % lines.len();
                match edit {
                    Edit::DuplicateLine(_) => lines.insert(i, lines[i]),
                    Edit::SwapLines(_, m) => {
                        let j = m % lines.len();
                        lines.swap(i, j);
                    }
                    _ => {}
                }
                bytes = lines.join("\n").into_bytes();
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn mutated() -> impl Strategy<Value = String> {
    let sources: Vec<String> = common::valid_inputs()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    (
        prop::sample::select(sources),
        prop::collection::vec(edit(), 1..6),
    )
        .prop_map(|(source, edits)| apply(&source, &edits))
}

fn cases() -> u32 {
    std::env::var("MAILFLOWC_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

#[test]
fn generated_and_mutated_topologies() {
    start_watchdog();
    let total = cases();
    let started = Instant::now();
    let config = Config {
        cases: total,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = prop_oneof![structured(), mutated()];
    let result = runner.run(&strategy, |source| {
        exercise(&source).map_err(|e| TestCaseError::fail(format!("{e}\n--- input ---\n{source}")))
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    eprintln!(
        "fuzz: {total} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_sample_through_the_binary_keeps_to_the_exit_code_table() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        cases: 60,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = prop_oneof![structured(), mutated()];
    let result = runner.run(&strategy, |source| {
        let path = dir.path().join("t.toml");
        std::fs::write(&path, &source).unwrap();
        for command in ["check", "build"] {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_mailflowc"))
                .arg(command)
                .arg(&path)
                .output()
                .unwrap();
            let code = output.status.code();
            let stderr = String::from_utf8_lossy(&output.stderr);
            if !matches!(code, Some(0 | 1)) || stderr.contains("panicked") {
                return Err(TestCaseError::fail(format!(
                    "{command}: exit {code:?}\n{stderr}\n{source}"
                )));
            }
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}
