//! Helpers shared by the integration tests.
#![allow(dead_code)]

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
    }
}

pub fn build_source(source: &str, name: &str) -> Files {
    build_in(source, name, &mailflowc::Context::default())
}

pub fn build_in(source: &str, name: &str, ctx: &mailflowc::Context) -> Files {
    match mailflowc::compile_with(source, name, ctx) {
        Ok(compiled) => compiled.files,
        Err(mailflowc::CompileError::Invalid(found)) => panic!(
            "{name} does not build:\n{}",
            mailflowc::diagnostics::render(&found, name, source, false)
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
