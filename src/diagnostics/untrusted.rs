//! Text from outside, printed: the one escaping of every value mailflowc
//! did not write itself — what a tenant export holds (names, comments,
//! domains, hosts, list entries, the tenant), file names, tenant names —
//! wherever it is printed (text, annotations, SARIF, JSON, reports).
//!
//! A value must never choose a line of the output: a newline followed by
//! `::error::` or `::stop-commands::` is a workflow command on a GitHub
//! runner, and a bidi override (U+202E) makes a line read otherwise than it
//! is. So control characters (C0, DEL, C1), the bidi controls (U+061C,
//! U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the other invisible format
//! characters (zero-width U+200B–U+200D, U+2060–U+2065, U+FEFF) and the line
//! and paragraph separators (U+2028, U+2029) are shown escaped: `\n`, `\r`,
//! `\t`, else `\u{202e}`. A value's leading `:` is shown `\u{3a}`, so that a
//! value at the start of a line (a report's summary starts with the tenant)
//! cannot be a workflow command either. An ordinary value is unchanged.
//!
//! JSON (drift's and audit's `--format json`, SARIF) carries values exactly,
//! as data: serde writes control characters as `\n`, `\u001b`; [`json`]
//! also writes the bidi and invisible characters above as `\uXXXX` escapes,
//! which parse back to the same value, so a log or terminal showing the
//! JSON text is never reordered by it. GitHub annotation data and
//! properties get, on top of this escaping, the workflow-command encoding
//! (`%`, `\r`, `\n`, and in properties `:` and `,`: `formats::github_data`,
//! `formats::github_property`).

/// Whether `c` is shown escaped: control characters, bidi controls, other
/// invisible format characters, line and paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// `text` with every unsafe character shown escaped (`\n`, `\u{202e}`) and
/// a leading `:` as `\u{3a}`; unchanged when it has neither.
pub fn escape(text: &str) -> String {
    let leading_colon = text.trim_start().starts_with(':');
    if !leading_colon && !text.chars().any(is_unsafe_char) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut at_start = true;
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ':' if at_start => out.push_str("\\u{3a}"),
            c if is_unsafe_char(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
        at_start &= c.is_whitespace();
    }
    out
}

/// A value from outside, escaped where it is formatted.
#[derive(Debug, Clone, Copy)]
pub struct Untrusted<'a>(pub &'a str);

impl std::fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&escape(self.0))
    }
}

/// Serialized JSON (pretty, newline-terminated) whose strings carry bidi
/// and invisible characters as `\uXXXX` escapes: the same value, parsed.
/// Such characters are valid only inside JSON strings, where `\uXXXX` is
/// their exact equivalent.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        // Control characters are escaped by serde already; the rest here.
        if is_unsafe_char(c) && !c.is_control() {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_value_chooses_a_line_or_its_direction() {
        let hostile = "x\n::error::pwned\u{202e}\u{2066}\u{200f}\u{61c}\r\t\u{1b}[2J\u{85}";
        let shown = escape(hostile);
        assert_eq!(
            shown,
            "x\\n::error::pwned\\u{202e}\\u{2066}\\u{200f}\\u{61c}\\r\\t\\u{1b}[2J\\u{85}"
        );
        assert!(shown.chars().all(|c| !is_unsafe_char(c)));
        assert_eq!(escape("::stop-commands::t"), "\\u{3a}:stop-commands::t");
        assert_eq!(escape("Gateway: inbound"), "Gateway: inbound");
        assert_eq!(Untrusted("a\u{202e}b").to_string(), "a\\u{202e}b");
    }

    #[test]
    fn json_keeps_the_value_and_shows_no_bidi_character() {
        let value = serde_json::json!({ "name": "a\u{202e}b\n\u{1F600}" });
        let text = json(&value);
        assert!(text.contains("a\\u202eb\\n"), "{text}");
        assert!(!text.contains('\u{202e}'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
