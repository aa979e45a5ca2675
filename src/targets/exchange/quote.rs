//! Quoting for PowerShell: the one function every user string goes through on
//! its way into a generated script.
//!
//! Everything becomes a single-quoted (verbatim) string literal: no `$`
//! expansion, no subexpressions, no backtick escapes. Inside one, PowerShell
//! ends the literal at any of the four single-quote characters it recognises
//! (`'` and the typographic U+2018, U+2019, U+201A, U+201B), and a doubled
//! quote stands for one; so each of them is doubled. Double quotes, `$`,
//! backticks and line breaks are literal there and need nothing.

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// The characters PowerShell treats as a single quote.
const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Renders `text` as one PowerShell verbatim string literal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// minijinja filter `ps`: a string as a PowerShell literal.
pub fn ps_filter(value: &Value) -> Result<String, Error> {
    match value.as_str() {
        Some(text) => Ok(quote(text)),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`ps` quotes strings only, got {}", value.kind()),
        )),
    }
}

/// minijinja filter `ps_value(indent)`: a view-model value as a PowerShell
/// expression. Booleans become `$true`/`$false`, none becomes `$null`,
/// strings go through [`quote`], and lists become `@(...)` with one item per
/// line (so a changed address is a one-line diff), closed at `indent` spaces.
pub fn ps_value_filter(value: &Value, indent: Option<usize>) -> Result<String, Error> {
    let indent = indent.unwrap_or(0);
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => Ok("$null".to_owned()),
        ValueKind::Bool => Ok(if value.is_true() { "$true" } else { "$false" }.to_owned()),
        ValueKind::Number => Ok(value.to_string()),
        ValueKind::String => ps_filter(value),
        ValueKind::Seq => {
            let items = value
                .try_iter()?
                .map(|item| ps_filter(&item))
                .collect::<Result<Vec<_>, _>>()?;
            if items.is_empty() {
                return Ok("@()".to_owned());
            }
            let pad = " ".repeat(indent + 4);
            let mut out = String::from("@(\n");
            for item in items {
                out.push_str(&pad);
                out.push_str(&item);
                out.push('\n');
            }
            out.push_str(&" ".repeat(indent));
            out.push(')');
            Ok(out)
        }
        other => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`ps_value` cannot render a {other}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_wrapped() {
        assert_eq!(quote("Contoso"), "'Contoso'");
    }

    #[test]
    fn every_single_quote_form_is_doubled() {
        assert_eq!(quote("O'Brien"), "'O''Brien'");
        assert_eq!(
            quote("\u{2018}x\u{2019}"),
            "'\u{2018}\u{2018}x\u{2019}\u{2019}'"
        );
    }

    #[test]
    fn expansion_characters_stay_literal() {
        assert_eq!(quote("$(whoami) `n \"x\""), "'$(whoami) `n \"x\"'");
    }
}
