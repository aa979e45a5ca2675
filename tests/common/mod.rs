//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod named;

use mailflowc::targets::Files;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every topology that must build: the examples and the valid fixtures.
pub fn valid_inputs() -> Vec<PathBuf> {
    let mut inputs = toml_files(&root().join("examples"));
    inputs.extend(toml_files(&root().join("tests/fixtures/valid")));
    assert!(!inputs.is_empty(), "no valid inputs found");
    inputs
}

pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Builds a topology file in memory, failing the test with the rendered
/// diagnostics if it does not compile.
pub fn build(path: &Path) -> Files {
    let source = std::fs::read_to_string(path).unwrap();
    build_in(&source, &file_name(path), &context_for(path))
}

/// The fixed date vendor data ages against in tests, so no test changes
/// verdict as the calendar moves on.
pub fn today() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::November, 23).unwrap()
}

/// The context a topology file is compiled in: paths relative to its folder,
/// vendor data aged against [`today`].
pub fn context_for(path: &Path) -> mailflowc::Context {
    mailflowc::Context {
        base_dir: path.parent().unwrap().to_owned(),
        reveal: false,
        today: Some(today()),
        check_git: false,
        lang: mailflowc::targets::Lang::En,
    }
}

/// Builds a topology's text as if it sat beside the valid fixtures (their
/// `file:` secrets resolve there).
pub fn build_source(source: &str, name: &str) -> Files {
    let ctx = mailflowc::Context {
        base_dir: root().join("tests/fixtures/valid"),
        ..mailflowc::Context::default()
    };
    build_in(source, name, &ctx)
}

pub fn build_in(source: &str, name: &str, ctx: &mailflowc::Context) -> Files {
    match mailflowc::compile_with(source, name, ctx) {
        Ok(compiled) => compiled.files,
        Err(mailflowc::CompileError::Invalid(found)) => panic!(
            "{name} does not build:\n{}",
            mailflowc::pipeline::render(&found, name, source, false)
        ),
        Err(mailflowc::CompileError::Internal(message)) => panic!("{name}: {message}"),
    }
}

pub fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Parses PowerShell with tree-sitter-powershell.
pub fn parse_powershell(text: &str) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("grammar loads");
    parser.parse(text, None).expect("parser returns a tree")
}

/// Every node of a tree, depth first.
pub fn nodes(tree: &tree_sitter::Tree) -> Vec<tree_sitter::Node<'_>> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    loop {
        out.push(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// The commands a PowerShell script calls, in source order: (name, line),
/// from its syntax tree (a name inside a string or comment is no call).
pub fn commands(text: &str) -> Vec<(String, usize)> {
    let tree = parse_powershell(text);
    nodes(&tree)
        .into_iter()
        .filter(|n| n.kind() == "command")
        .filter_map(|n| {
            let mut cursor = n.walk();
            let name = n
                .named_children(&mut cursor)
                .find(|c| c.kind() == "command_name")?;
            Some((
                text[name.byte_range()].to_owned(),
                n.start_position().row + 1,
            ))
        })
        .collect()
}

/// The line of the first call of `name` in a script, if any.
pub fn first_call(text: &str, name: &str) -> Option<usize> {
    commands(text)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, line)| line)
}

/// Descriptions of every ERROR or MISSING node, with line numbers.
pub fn syntax_errors(tree: &tree_sitter::Tree, text: &str) -> Vec<String> {
    nodes(tree)
        .into_iter()
        .filter(|n| n.is_error() || n.is_missing())
        .map(|n| {
            let line = n.start_position().row + 1;
            let snippet = text.lines().nth(line - 1).unwrap_or("");
            format!("line {line}: {} in `{}`", n.kind(), snippet.trim())
        })
        .collect()
}

/// Runs the built `mailflowc` in `dir`, without the switches a developer's
/// shell may hold (the debug crash, init's secret variable).
pub fn mailflowc_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(dir)
        .args(args)
        .env_remove("MAILFLOWC_DEBUG_PANIC")
        .env_remove(mailflowc::init::SECRET_VARIABLE)
        .output()
        .unwrap()
}

/// Runs a script with the test interpreter (`MAILFLOWC_TEST_PYTHON`, the
/// virtual environment `bash .ci/test` makes), `stdin` written to it; a
/// missing interpreter or module fails the test.
pub fn python(script: &str, args: &[&std::ffi::OsStr], stdin: &str) -> std::process::Output {
    use std::io::Write as _;
    let python = std::env::var("MAILFLOWC_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut child = std::process::Command::new(&python)
        .args(["-c", script])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {python} ({e}); run the suite with `bash .ci/test`")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "{python} failed (`bash .ci/test` installs what the tests need): {stderr}"
    );
    output
}

/// ShellCheck's verdict on a script (`bash .ci/test` installs it; a missing
/// ShellCheck fails the test): whether it passes, and what it says.
pub fn shellcheck(script: &str, args: &[&str]) -> (bool, String) {
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("script.sh");
    std::fs::write(&file, script).unwrap();
    let output = std::process::Command::new("shellcheck")
        .args(args)
        .arg(&file)
        .output()
        .expect("shellcheck runs (`bash .ci/test` installs it)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Validates JSON text against a JSON Schema with python-jsonschema, the
/// reference validator (`bash .ci/test` installs it into the virtual
/// environment it names in `MAILFLOWC_TEST_PYTHON`); every violation, one
/// per line, when it does not validate. A missing validator fails the test.
pub fn json_schema_errors(schema: &Path, instance: &str) -> Vec<String> {
    const SCRIPT: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
instance = json.load(sys.stdin)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
for e in sorted(cls(schema).iter_errors(instance), key=lambda e: e.json_path):
    print(e.json_path + ": " + e.message)
"#;
    let output = python(SCRIPT, &[schema.as_os_str()], instance);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Copies the files of `from` (one level of sub-directories deep) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The fleet fixtures of one kind (`tests/fixtures/<kind>/fleets/MFxxxx-*/`
/// for the invalid ones), by directory name: each a fleet's directory of
/// topologies, beside the `secrets/` they share.
pub fn fleet_fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures").join(kind).join("fleets");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "secrets"))
        .collect();
    found.sort();
    found
}

/// Every file under `root`, by its path relative to it (`/`-separated), with
/// its bytes; nothing when `root` does not exist.
pub fn files_under(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut found = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                found.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}
