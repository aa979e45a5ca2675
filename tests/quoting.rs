//! The PowerShell quoting filter turns any string into exactly one verbatim
//! string literal, checked with a real PowerShell grammar.

mod common;

use mailflowc::targets::{environment, exchange::quote::quote};

const HOSTILE: &[&str] = &[
    "plain",
    "",
    "O'Brien",
    "''",
    "'; Remove-InboundConnector -Identity * -Confirm:$false; '",
    "$(Remove-Item -Recurse C:\\)",
    "${env:PATH}",
    "$null",
    "back`tick `n `$x `'",
    "line one\nline two",
    "carriage\r\nreturn",
    "‘typographic single’",
    "“typographic double”",
    "‚low‛ and 'mixed’",
    "\"double\" and 'single'",
    "# not a comment",
    "<# not a block #>",
    "@{ Add = 'x' }",
    "a | Out-File x; & calc",
    "unicode: 日本語 — ✓",
];

/// Undoes PowerShell's verbatim-string quoting: strip the outer quotes and
/// collapse each doubled quote character.
fn unquote(literal: &str) -> String {
    let inner = &literal[1..literal.len() - 1];
    let quotes = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if quotes.contains(&c) {
            chars.next();
        }
    }
    out
}

fn string_literals(text: &str) -> Vec<String> {
    let tree = common::parse_powershell(text);
    let errors = common::syntax_errors(&tree, text);
    assert!(
        errors.is_empty(),
        "does not parse: {text:?}\n{}",
        errors.join("\n")
    );
    common::nodes(&tree)
        .into_iter()
        .filter(|n| n.kind() == "string_literal")
        .map(|n| text[n.byte_range()].to_owned())
        .collect()
}

#[test]
fn each_hostile_string_is_one_literal_holding_exactly_the_input() {
    for input in HOSTILE {
        let script = format!("$value = {}\n", quote(input));
        let literals = string_literals(&script);
        assert_eq!(literals.len(), 1, "{input:?} became {literals:?}");
        assert_eq!(literals[0], quote(input));
        assert_eq!(&unquote(&literals[0]), input);
    }
}

#[test]
fn the_template_filter_is_the_same_function() {
    let env = environment().unwrap();
    for input in HOSTILE {
        let rendered = env
            .render_str("$value = {{ v | ps }}", minijinja::context! { v => input })
            .unwrap();
        assert_eq!(rendered, format!("$value = {}", quote(input)));
        let values = env
            .render_str(
                "$list = {{ v | ps_value(0) }}",
                minijinja::context! { v => vec![*input, "x"] },
            )
            .unwrap();
        assert_eq!(string_literals(&values).len(), 2, "{values}");
    }
}

#[test]
fn the_filter_refuses_non_strings() {
    let env = environment().unwrap();
    assert!(env
        .render_str("{{ v | ps }}", minijinja::context! { v => 5 })
        .is_err());
}

#[test]
fn the_grammar_check_does_catch_broken_powershell() {
    // Guards the tests above: unquoted hostile text must not parse cleanly.
    let broken = "$value = 'O'Brien'\n$x = @(\n";
    let tree = common::parse_powershell(broken);
    assert!(!common::syntax_errors(&tree, broken).is_empty());
}

#[test]
fn hostile_object_names_stay_inside_string_literals() {
    let path = common::root().join("tests/fixtures/valid/everything.toml");
    let files = common::build(&path);
    let name = "Inbound from O'Brien's relay $(farm) `n ‘quoted’ “double”";
    let script = &files["exchange/10-inbound-connector.ps1"];
    let literals = string_literals(script);
    assert!(
        literals.contains(&quote(name)),
        "name not emitted as one literal"
    );
    // Outside string literals the raw name never appears.
    assert_eq!(
        script.matches("$(farm)").count(),
        literals.iter().filter(|l| l.contains("$(farm)")).count()
    );
}

#[test]
fn markdown_code_spans_hold_any_text() {
    use mailflowc::targets::diff::md_code;
    assert_eq!(md_code("a@b.com"), "`a@b.com`");
    assert_eq!(md_code("`id`@b.com"), "`` `id`@b.com ``");
    assert_eq!(md_code("a``b"), "```a``b```");
    assert!(!md_code("a\nb").contains('\n'));
}
