//! Quoting for Cisco AsyncOS message filters: one function for string
//! literals, one for regular expressions built from literal text.
//!
//! AsyncOS documents no way to escape a quote inside a quoted string, the
//! filter parser treats `\` as an escape, and `$` starts an action variable
//! in action arguments (cisco-facts 1.4, 1.8). So string literals are refused
//! outright when they hold any of those, or anything that is not printable
//! ASCII; `check` keeps such values out of the model, and these filters are
//! the last line of defence. Regular expressions escape every metacharacter
//! with a doubled backslash (the parser turns `\\.` into the regex `\.`) and
//! are anchored, because `==` is an unanchored search.

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};

const REGEX_METACHARACTERS: &[char] = &[
    '.', '^', '$', '*', '+', '?', '{', '}', '[', ']', '\\', '|', '(', ')',
];

fn refuse(text: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("cannot put {text:?} in an AsyncOS filter: {why}"),
    )
}

fn plain_ascii(text: &str) -> Result<(), Error> {
    if let Some(c) = text.chars().find(|c| !(c.is_ascii_graphic() || *c == ' ')) {
        return Err(refuse(text, &format!("{:?} is not printable ASCII", c)));
    }
    if let Some(c) = text.chars().find(|c| matches!(c, '"' | '\'' | '\\')) {
        return Err(refuse(text, &format!("AsyncOS has no escape for `{c}`")));
    }
    Ok(())
}

/// A double-quoted AsyncOS string literal holding exactly `text`.
pub fn string_literal(text: &str) -> Result<String, Error> {
    plain_ascii(text)?;
    if text.contains('$') {
        return Err(refuse(text, "`$` would start an action variable"));
    }
    Ok(format!("\"{text}\""))
}

/// `text` with every regex metacharacter escaped for the filter parser
/// (`\\.` in the filter is the regex `\.`).
fn escaped(text: &str) -> Result<String, Error> {
    let mut out = String::new();
    for c in text.chars() {
        if REGEX_METACHARACTERS.contains(&c) {
            if matches!(c, '\\') {
                return Err(refuse(text, "AsyncOS has no escape for `\\`"));
            }
            out.push_str("\\\\");
        }
        out.push(c);
    }
    plain_ascii(text)?;
    Ok(out)
}

/// A double-quoted AsyncOS regular expression that matches exactly `text`.
pub fn anchored_regex(text: &str) -> Result<String, Error> {
    Ok(format!("\"^{}$\"", escaped(text)?))
}

/// A double-quoted AsyncOS regular expression, for `mail-from`, that matches
/// an envelope sender whose domain is exactly `domain`: `@` and the domain,
/// escaped, at the end (`mail-from` compares case-insensitively, cisco-facts
/// 1.5; Cisco's own example is `mail-from == '^admin@yourdomain\\.com$'`,
/// UG-7.1 p5-310). No other domain, subdomain or suffix matches.
pub fn sender_domain_regex(domain: &str) -> Result<String, Error> {
    if domain.is_empty() || domain.contains('@') {
        return Err(refuse(domain, "not a domain"));
    }
    Ok(format!("\"@{}$\"", escaped(domain)?))
}

/// minijinja filter `asyncos_str`.
pub fn asyncos_str_filter(value: &Value) -> Result<String, Error> {
    match value.as_str() {
        Some(text) => string_literal(text),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            "`asyncos_str` quotes strings only",
        )),
    }
}

/// minijinja filter `asyncos_re`.
pub fn asyncos_re_filter(value: &Value) -> Result<String, Error> {
    match value.as_str() {
        Some(text) => anchored_regex(text),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            "`asyncos_re` quotes strings only",
        )),
    }
}

/// minijinja filter `asyncos_sender_re`.
pub fn asyncos_sender_re_filter(value: &Value) -> Result<String, Error> {
    match value.as_str() {
        Some(text) => sender_domain_regex(text),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            "`asyncos_sender_re` quotes strings only",
        )),
    }
}
