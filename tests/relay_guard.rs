//! The relay guard, run: a small evaluator of the AsyncOS message-filter
//! subset the guard uses (`if`/`else`, `AND`/`OR`/`NOT`, `sendergroup`,
//! `recv-listener`, `mail-from`, `header()`; `strip-header`, `log-entry`,
//! `drop`), written from cisco-facts.md §1 (regex rules are searches,
//! `mail-from` is case-insensitive, `header() != ` is true when the header
//! is absent, `drop()` is final, the parser turns `\\` into `\`). No
//! AsyncOS parser exists outside the appliance; an action or rule this
//! evaluator does not know fails the test instead of being skipped.
//!
//! What it shows (issue 29, item 1): on a shared appliance each tenant's
//! secret relays only its own tenant's senders — tenant B's secret cannot
//! send as tenant A's domain — while the tenant's own mail, the null sender
//! (bounces) and mail Exchange Online forwards with SRS pass; with sender
//! check `log` a mismatch passes and is logged.

mod common;

use common::mailflowc_in as mailflowc;
use std::path::Path;

// ---------------------------------------------------------------- evaluator

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Sym(&'static str),
}

/// The filter text up to the lone `.`, comment lines left out.
fn tokens(text: &str) -> Vec<Tok> {
    let body: Vec<&str> = text
        .lines()
        .take_while(|l| *l != ".")
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    assert!(text.lines().any(|l| l == "."), "no closing `.`:\n{text}");
    let chars: Vec<char> = body.join("\n").chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut value = String::new();
            i += 1;
            while chars[i] != c {
                if chars[i] == '\\' && chars[i + 1] == '\\' {
                    value.push('\\');
                    i += 2;
                } else {
                    value.push(chars[i]);
                    i += 1;
                }
            }
            i += 1;
            out.push(Tok::Str(value));
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '-')
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match (two.as_str(), c) {
                ("==", _) => "==",
                ("!=", _) => "!=",
                (_, '(') => "(",
                (_, ')') => ")",
                (_, '{') => "{",
                (_, '}') => "}",
                (_, ';') => ";",
                (_, ':') => ":",
                (_, ',') => ",",
                _ => panic!("unexpected character {c:?}"),
            };
            i += sym.len();
            out.push(Tok::Sym(sym));
        }
    }
    out
}

#[derive(Debug)]
enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    True,
    /// A rule: what it reads, `==` or `!=`, and the pattern (none for a
    /// bare `header("X")`, which tests presence).
    Rule(Field, bool, Option<String>),
}

#[derive(Debug)]
enum Field {
    SenderGroup,
    Listener,
    MailFrom,
    Header(String),
}

#[derive(Debug)]
enum Stmt {
    If(Cond, Vec<Stmt>, Vec<Stmt>),
    Action(String, Vec<String>),
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Tok {
        self.at += 1;
        self.toks[self.at - 1].clone()
    }
    fn expect(&mut self, sym: &'static str) {
        let got = self.next();
        assert_eq!(got, Tok::Sym(sym), "at token {}", self.at);
    }
    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }
    fn filter(&mut self) -> (String, Stmt) {
        let Tok::Word(name) = self.next() else {
            panic!("no filter name")
        };
        self.expect(":");
        let stmt = self.statement();
        assert!(matches!(stmt, Stmt::If(..)), "a filter is an `if`");
        assert!(self.peek().is_none(), "text after the filter");
        (name, stmt)
    }
    fn block(&mut self) -> Vec<Stmt> {
        self.expect("{");
        let mut out = Vec::new();
        while self.peek() != Some(&Tok::Sym("}")) {
            out.push(self.statement());
        }
        self.expect("}");
        out
    }
    fn statement(&mut self) -> Stmt {
        if self.keyword("if") {
            self.next();
            let cond = self.or();
            let then = self.block();
            let otherwise = if self.keyword("else") {
                self.next();
                self.block()
            } else {
                Vec::new()
            };
            return Stmt::If(cond, then, otherwise);
        }
        let Tok::Word(action) = self.next() else {
            panic!("expected an action at token {}", self.at)
        };
        self.expect("(");
        let mut args = Vec::new();
        while self.peek() != Some(&Tok::Sym(")")) {
            match self.next() {
                Tok::Str(s) => args.push(s),
                Tok::Sym(",") => {}
                other => panic!("unexpected argument {other:?}"),
            }
        }
        self.expect(")");
        self.expect(";");
        Stmt::Action(action, args)
    }
    fn or(&mut self) -> Cond {
        let mut left = self.and();
        while self.keyword("or") {
            self.next();
            left = Cond::Or(Box::new(left), Box::new(self.and()));
        }
        left
    }
    fn and(&mut self) -> Cond {
        let mut left = self.not();
        while self.keyword("and") {
            self.next();
            left = Cond::And(Box::new(left), Box::new(self.not()));
        }
        left
    }
    fn not(&mut self) -> Cond {
        if self.keyword("not") {
            self.next();
            return Cond::Not(Box::new(self.not()));
        }
        if self.peek() == Some(&Tok::Sym("(")) {
            self.next();
            let inner = self.or();
            self.expect(")");
            return inner;
        }
        self.rule()
    }
    fn rule(&mut self) -> Cond {
        let Tok::Word(word) = self.next() else {
            panic!("expected a rule at token {}", self.at)
        };
        let field = match word.to_ascii_lowercase().as_str() {
            "true" => return Cond::True,
            "sendergroup" => Field::SenderGroup,
            "recv-listener" => Field::Listener,
            "mail-from" => Field::MailFrom,
            "header" => {
                self.expect("(");
                let Tok::Str(name) = self.next() else {
                    panic!("header() takes a string")
                };
                self.expect(")");
                Field::Header(name)
            }
            other => panic!("rule `{other}` is not one the evaluator knows"),
        };
        let op = match self.peek() {
            Some(Tok::Sym("==")) => true,
            Some(Tok::Sym("!=")) => false,
            _ if matches!(field, Field::Header(_)) => return Cond::Rule(field, true, None),
            other => panic!("expected == or != after {word}, got {other:?}"),
        };
        self.next();
        let Tok::Str(pattern) = self.next() else {
            panic!("{word} compares with a string")
        };
        Cond::Rule(field, op, Some(pattern))
    }
}

/// A message as the guard sees it.
#[derive(Clone)]
struct Message {
    sender_group: &'static str,
    listener: &'static str,
    mail_from: String,
    headers: Vec<(String, String)>,
}

#[derive(Debug)]
struct Outcome {
    dropped: bool,
    logs: Vec<String>,
    headers: Vec<(String, String)>,
}

fn search(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let pattern = if case_insensitive {
        format!("(?i){pattern}")
    } else {
        pattern.to_owned()
    };
    regex::Regex::new(&pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .is_match(text)
}

fn holds(cond: &Cond, m: &Message) -> bool {
    match cond {
        Cond::And(a, b) => holds(a, m) && holds(b, m),
        Cond::Or(a, b) => holds(a, m) || holds(b, m),
        Cond::Not(a) => !holds(a, m),
        Cond::True => true,
        Cond::Rule(field, eq, pattern) => {
            let matched = match field {
                Field::SenderGroup => search(pattern.as_deref().unwrap(), m.sender_group, false),
                Field::Listener => pattern.as_deref() == Some(m.listener),
                Field::MailFrom => search(pattern.as_deref().unwrap(), &m.mail_from, true),
                Field::Header(name) => {
                    let mut values = m
                        .headers
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case(name));
                    match pattern {
                        None => values.next().is_some(),
                        Some(p) => values.any(|(_, v)| search(p, v, false)),
                    }
                }
            };
            matched == *eq
        }
    }
}

/// Runs statements; `true` once a final action ended the filter.
fn run(stmts: &[Stmt], m: &mut Message, out: &mut Outcome) -> bool {
    for stmt in stmts {
        match stmt {
            Stmt::If(cond, then, otherwise) => {
                let branch = if holds(cond, m) { then } else { otherwise };
                if run(branch, m, out) {
                    return true;
                }
            }
            Stmt::Action(name, args) => match name.as_str() {
                "strip-header" => m.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&args[0])),
                "log-entry" => out.logs.push(
                    args[0]
                        .replace("$EnvelopeFrom", &m.mail_from)
                        .replace("$RemoteIP", "40.107.0.1"),
                ),
                "drop" => {
                    out.dropped = true;
                    return true;
                }
                "skip-filters" | "deliver" => return true,
                "no-op" => {}
                other => panic!("action `{other}` is not one the evaluator knows"),
            },
        }
    }
    false
}

fn evaluate(filter: &str, message: &Message) -> Outcome {
    let (_, stmt) = Parser {
        toks: tokens(filter),
        at: 0,
    }
    .filter();
    let mut m = message.clone();
    let mut out = Outcome {
        dropped: false,
        logs: Vec::new(),
        headers: Vec::new(),
    };
    run(std::slice::from_ref(&stmt), &mut m, &mut out);
    out.headers = m.headers;
    out
}

// ---------------------------------------------------------------- the fleet

const HEADER: &str = "X-MSP-Relay-Auth";
const CONTOSO: &str = "edec7b796cd3aa82196d7fc7113e21a1e709d3d4c1f4f1d9f30a507984ccfc3f";
const FABRIKAM: &str = "79d1eb01bb23b74a5f545b637d0aa86fef0397542602912d5a8d269d11b2a46e";

/// What the committed guard matches where the secret goes: the placeholder
/// stands for the secret, so it is what a test message carries.
fn secret(sha256: &str) -> String {
    mailflowc::targets::cisco::placeholder(sha256)
}

/// The fleet fixture (Fabrikam's sender check is `enforce`, Contoso's the
/// default, `log`) built with an outbound-only domain for Fabrikam.
fn guard() -> String {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::root().join("tests/fixtures/valid/fleets");
    common::copy_dir(&fixtures.join("secrets"), &dir.path().join("secrets"));
    common::copy_dir(&fixtures.join("esa-hq"), &dir.path().join("esa-hq"));
    let fabrikam = dir.path().join("esa-hq/fabrikam.toml");
    let text = std::fs::read_to_string(&fabrikam).unwrap().replace(
        "domains = [\"fabrikam.example\"]",
        "domains = [\"fabrikam.example\"]\noutbound_only_domains = [\"fabrikam-news.example\"]",
    );
    assert!(text.contains("sender_check = \"enforce\""), "{text}");
    std::fs::write(&fabrikam, text).unwrap();
    let out = mailflowc(dir.path(), &["build", "esa-hq"]);
    assert!(out.status.success(), "{out:?}");
    read(
        dir.path(),
        "esa-hq/generated/_appliances/esa-hq/10-relay-guard-filter.txt",
    )
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Mail Microsoft 365 relays through the appliance's relay sender group.
fn relayed(mail_from: &str, secret_of: Option<&str>) -> Message {
    Message {
        sender_group: "RELAY_O365",
        listener: "OutgoingMail",
        mail_from: mail_from.to_owned(),
        headers: secret_of
            .map(|sha| vec![(HEADER.to_owned(), secret(sha))])
            .into_iter()
            .flatten()
            .chain([("Subject".to_owned(), "hello".to_owned())])
            .collect(),
    }
}

fn passes(guard: &str, message: &Message) -> Outcome {
    let out = evaluate(guard, message);
    assert!(
        !out.dropped,
        "dropped {:?}: {:?}",
        message.mail_from, out.logs
    );
    assert!(
        out.headers.iter().all(|(n, _)| n != HEADER),
        "the secret header leaves the gateway: {:?}",
        out.headers
    );
    out
}

fn dropped(guard: &str, message: &Message) -> Outcome {
    let out = evaluate(guard, message);
    assert!(
        out.dropped,
        "passed {:?}: {:?}",
        message.mail_from, out.logs
    );
    assert!(
        out.logs
            .iter()
            .any(|l| l.starts_with("mailflowc relay guard: dropped")),
        "dropped without a log entry: {:?}",
        out.logs
    );
    out
}

#[test]
fn one_tenants_secret_cannot_relay_another_tenants_domain() {
    let guard = guard();
    // Fabrikam's admins know Fabrikam's secret; sending as Contoso's
    // domains (routed, or its onmicrosoft.com) with it is dropped, logged
    // with the sender.
    for sender in [
        "ceo@contoso-pharma.example",
        "ceo@contoso-labs.example",
        "admin@contosopharma.onmicrosoft.com",
    ] {
        let out = dropped(&guard, &relayed(sender, Some(FABRIKAM)));
        assert!(out.logs[0].contains(sender), "{:?}", out.logs);
    }
    // Nor any other domain, look-alikes included.
    for sender in [
        "ceo@example.com",
        "x@fabrikam.example.evil",
        "x@sub.fabrikam.example",
        "x@fabrikamXexample",
        "x@notfabrikam.example",
    ] {
        dropped(&guard, &relayed(sender, Some(FABRIKAM)));
    }
    // Without any tenant's secret nothing passes.
    dropped(&guard, &relayed("ceo@fabrikam.example", None));
}

#[test]
fn a_tenants_own_mail_passes() {
    let guard = guard();
    dropped(&guard, &relayed("ceo@example.com", Some(FABRIKAM)));
    for sender in [
        "ceo@fabrikam.example",
        "CEO@Fabrikam.Example",
        "alerts@fabrikam.onmicrosoft.com",
        "news@fabrikam-news.example",
    ] {
        passes(&guard, &relayed(sender, Some(FABRIKAM)));
    }
    // Contoso's current and previous secrets both pass its own mail.
    passes(&guard, &relayed("ceo@contoso-labs.example", Some(CONTOSO)));
    passes(
        &guard,
        &relayed(
            "ceo@contoso-pharma.example",
            Some("7979df337de614b8a84f217631909bbb489080c76df356283c6facdc6a6d5d1c"),
        ),
    );
}

#[test]
fn the_null_sender_passes_with_a_tenants_secret() {
    let guard = guard();
    dropped(&guard, &relayed("postmaster@example.com", Some(FABRIKAM)));
    // AsyncOS's form of the null reverse-path is not documented: both.
    for null in ["", "<>"] {
        let out = passes(&guard, &relayed(null, Some(FABRIKAM)));
        assert!(out.logs.is_empty(), "{:?}", out.logs);
    }
    dropped(&guard, &relayed("", None));
}

#[test]
fn mail_exchange_online_forwards_with_srs_passes() {
    let guard = guard();
    // Unrewritten, an outside sender is a mismatch...
    dropped(&guard, &relayed("bob@external.example", Some(FABRIKAM)));
    // ...SRS gives forwarded mail the forwarding mailbox's domain, or
    // bounces+SRS at the default accepted domain (Microsoft's SRS article).
    for sender in [
        "john+SRS=44ldt=IX=external.example=bob@fabrikam.example",
        "bounces+SRS=44ldt=IX@fabrikam.example",
        "bounces+SRS=44ldt=IX@fabrikam.onmicrosoft.com",
    ] {
        passes(&guard, &relayed(sender, Some(FABRIKAM)));
    }
}

#[test]
fn with_sender_check_log_a_mismatch_passes_and_is_logged() {
    let guard = guard();
    let out = passes(&guard, &relayed("ceo@fabrikam.example", Some(CONTOSO)));
    assert_eq!(out.logs.len(), 1, "{:?}", out.logs);
    assert!(
        out.logs[0].starts_with("mailflowc relay guard: log only, would drop")
            && out.logs[0].contains("ceo@fabrikam.example"),
        "{:?}",
        out.logs
    );
    // Its own mail passes without a log line.
    let out = passes(
        &guard,
        &relayed("ceo@contoso-pharma.example", Some(CONTOSO)),
    );
    assert!(out.logs.is_empty(), "{:?}", out.logs);
}

#[test]
fn mail_outside_the_relay_sender_group_loses_the_header_and_is_never_dropped() {
    let guard = guard();
    let mut inbound = relayed("someone@example.com", Some(FABRIKAM));
    inbound.sender_group = "ACCEPTLIST";
    passes(&guard, &inbound);
    let mut other_listener = relayed("someone@example.com", None);
    other_listener.listener = "IncomingMail";
    passes(&guard, &other_listener);
}

#[test]
fn a_single_tenants_guard_binds_its_secret_to_its_domains() {
    let source = std::fs::read_to_string(common::root().join("examples/cisco.toml"))
        .unwrap()
        .replace(
            "outbound_listener = \"OutgoingMail\"",
            "outbound_listener = \"OutgoingMail\"\nsender_check = \"enforce\"",
        );
    let files = common::build_source(&source, "cisco.toml");
    let guard = &files["cisco/10-relay-guard-filter.txt"];
    let sha = "1df535a5e5eb95ad0e9ac89a4784685a3a0f20c415a39ea3ef3c7121fa160c2c";
    let message = |from: &str| Message {
        sender_group: "RELAY_O365",
        listener: "OutgoingMail",
        mail_from: from.to_owned(),
        headers: vec![("X-Fabrikam-Outbound-Auth".to_owned(), secret(sha))],
    };
    for from in [
        "a@fabrikam.com",
        "b@fabrikam.de",
        "c@fabrikam.onmicrosoft.com",
        "",
    ] {
        let out = evaluate(guard, &message(from));
        assert!(!out.dropped, "{from}: {:?}", out.logs);
    }
    let out = evaluate(guard, &message("ceo@contoso.com"));
    assert!(out.dropped, "{:?}", out.logs);
}

#[test]
fn the_evaluator_refuses_what_it_does_not_know() {
    let unknown = "f: if (spf-status == \"pass\") { drop(); }\n.\n";
    let result = std::panic::catch_unwind(|| evaluate(unknown, &relayed("", None)));
    assert!(result.is_err());
    let action = "f: if (true) { bounce(); }\n.\n";
    let result = std::panic::catch_unwind(|| evaluate(action, &relayed("", None)));
    assert!(result.is_err());
}

#[test]
fn two_tenants_of_one_appliance_cannot_give_the_same_sender_domain() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::root().join("tests/fixtures/valid/fleets");
    common::copy_dir(&fixtures.join("secrets"), &dir.path().join("secrets"));
    common::copy_dir(&fixtures.join("esa-hq"), &dir.path().join("esa-hq"));
    let fabrikam = dir.path().join("esa-hq/fabrikam.toml");
    let text = std::fs::read_to_string(&fabrikam).unwrap().replace(
        "domains = [\"fabrikam.example\"]",
        "domains = [\"fabrikam.example\"]\noutbound_only_domains = [\"contoso-labs.example\"]",
    );
    std::fs::write(&fabrikam, text).unwrap();
    let out = mailflowc(dir.path(), &["build", "esa-hq"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("MF0522") && stderr.contains("which gives the same domain"),
        "{stderr}"
    );
}

#[test]
fn an_outbound_only_domain_is_a_domain_listed_once() {
    for (domains, says) in [
        ("outbound_only_domains = [\"fabrikam.com\"]", "listed twice"),
        (
            "outbound_only_domains = [\"not a domain\"]",
            "not an outbound-only domain",
        ),
        (
            "outbound_only_domains = [\"fabrikam.onmicrosoft.com\"]",
            "not an outbound-only domain",
        ),
    ] {
        let source = std::fs::read_to_string(common::root().join("examples/cisco.toml"))
            .unwrap()
            .replace(
                "domains = [\"fabrikam.com\", \"fabrikam.de\"]",
                &format!("domains = [\"fabrikam.com\", \"fabrikam.de\"]\n{domains}"),
            );
        let ctx = mailflowc::Context {
            base_dir: common::root().join("examples"),
            ..mailflowc::Context::default()
        };
        match mailflowc::compile_with(&source, "cisco.toml", &ctx) {
            Err(mailflowc::CompileError::Invalid(found)) => assert!(
                found.iter().any(|d| d.message.contains(says)),
                "{domains}: {found:?}"
            ),
            Ok(_) => panic!("{domains} was accepted"),
            Err(other) => panic!("{domains}: {other:?}"),
        }
    }
}
