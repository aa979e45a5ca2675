//! The AsyncOS quoting functions: string literals hold exactly their text or
//! are refused; regular expressions match exactly their text, nothing else.
//! No AsyncOS parser exists outside the appliance, so the regex side is
//! checked by undoing the filter parser's escape (`\\` → `\`) and running the
//! pattern with Rust's regex engine, whose syntax agrees with AsyncOS's
//! Python-style patterns on everything emitted here.

use mailflowc::targets::cisco::quote::{anchored_regex, sender_domain_regex, string_literal};

const HOSTILE: &[&str] = &[
    "a\"b",
    "a'b",
    "back\\slash",
    "line\nbreak",
    "tab\there",
    "$RemoteIP",
    "non-ascii é",
];

/// Undoes the filter parser: strip the quotes, turn `\\` into `\`.
fn pattern_of(literal: &str) -> String {
    assert!(
        literal.starts_with('"') && literal.ends_with('"'),
        "{literal}"
    );
    literal[1..literal.len() - 1].replace("\\\\", "\\")
}

#[test]
fn plain_values_become_one_double_quoted_literal() {
    for text in [
        "X-Contoso-Relay-Auth",
        "RELAYLIST",
        "mailflowc relay guard",
        "contoso.com",
    ] {
        let literal = string_literal(text).unwrap();
        assert_eq!(literal, format!("\"{text}\""));
        assert_eq!(literal.matches('"').count(), 2);
    }
}

#[test]
fn string_literals_refuse_what_asyncos_cannot_escape() {
    for text in HOSTILE {
        assert!(string_literal(text).is_err(), "{text:?} was accepted");
    }
}

#[test]
fn regexes_refuse_what_asyncos_cannot_escape() {
    for text in HOSTILE.iter().filter(|t| !t.starts_with('$')) {
        assert!(anchored_regex(text).is_err(), "{text:?} was accepted");
    }
}

#[test]
fn regexes_match_exactly_their_text() {
    let cases: &[(&str, &[&str])] = &[
        (
            "contoso.com",
            &[
                "contosoXcom",
                "mail.contoso.com",
                "contoso.com.evil",
                "contoso.co",
            ],
        ),
        ("RELAYLIST", &["RELAYLIST2", "MY_RELAYLIST", "relaylist"]),
        (
            "a.b*c+d?e^f$g|h(i)j[k]l{m}n",
            &[
                "aXb*c+d?e^f$g|h(i)j[k]l{m}n",
                "a.bbbc+d?e^f$g|h(i)j[k]l{m}n",
                "n",
            ],
        ),
        (
            "0123456789abcdefABCDEF0123456789",
            &[
                "0123456789abcdefABCDEF01234567890",
                "x0123456789abcdefABCDEF0123456789",
            ],
        ),
    ];
    for (text, others) in cases {
        let literal = anchored_regex(text).unwrap();
        let pattern = pattern_of(&literal);
        let regex = regex::Regex::new(&pattern).unwrap_or_else(|e| panic!("{literal}: {e}"));
        assert!(regex.is_match(text), "{literal} does not match {text:?}");
        for other in *others {
            assert!(!regex.is_match(other), "{literal} also matches {other:?}");
        }
    }
}

#[test]
fn the_template_filters_are_the_same_functions() {
    let env = mailflowc::targets::environment().unwrap();
    let render = |template: &str, v: &str| env.render_str(template, minijinja::context! { v => v });
    assert_eq!(
        render("{{ v | asyncos_str }}", "X-A").unwrap(),
        string_literal("X-A").unwrap()
    );
    assert_eq!(
        render("{{ v | asyncos_re }}", "a.b").unwrap(),
        anchored_regex("a.b").unwrap()
    );
    for text in HOSTILE {
        assert!(render("{{ v | asyncos_str }}", text).is_err(), "{text:?}");
    }
    assert!(render("{{ v | asyncos_name }}", "relay-guard").is_err());
    assert_eq!(
        render("{{ v | asyncos_name }}", "relay_guard").unwrap(),
        "relay_guard"
    );
}

#[test]
fn sender_regexes_match_exactly_the_domain_of_an_envelope_sender() {
    let literal = sender_domain_regex("contoso.co.jp").unwrap();
    assert_eq!(literal, "\"@contoso\\\\.co\\\\.jp$\"");
    // `mail-from` compares case-insensitively (cisco-facts 1.5).
    let regex = regex::Regex::new(&format!("(?i){}", pattern_of(&literal))).unwrap();
    for sender in [
        "a@contoso.co.jp",
        "A@CONTOSO.CO.JP",
        "john+SRS=44ldt=IX=example.com=bob@contoso.co.jp",
    ] {
        assert!(regex.is_match(sender), "{sender}");
    }
    for sender in [
        "a@contosoXco.jp",
        "a@sub.contoso.co.jp",
        "a@contoso.co.jp.evil",
        "a@xcontoso.co.jp",
        "contoso.co.jp",
        "",
    ] {
        assert!(!regex.is_match(sender), "{sender}");
    }
    for text in HOSTILE
        .iter()
        .filter(|t| !t.starts_with('$'))
        .chain(&["", "a@b.example"])
    {
        assert!(sender_domain_regex(text).is_err(), "{text:?} was accepted");
    }
}
