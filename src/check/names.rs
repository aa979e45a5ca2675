//! Names of the Exchange objects mailflowc creates.

use crate::diagnostics::{Code, Diagnostic};
use crate::parse::defaults::{is_default, written};
use crate::parse::RawTopology;
use toml::Spanned;

/// Connector and transport rule names: at most 64 characters
/// (exchange-facts F-OUT-01, F-TR-01; connectors likewise).
pub const MAX_NAME_CHARS: usize = 64;

pub fn check(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let Some(names) = raw.names() else {
        return;
    };
    let given = [
        ("names.inbound_connector", names.inbound_connector.as_ref()),
        (
            "names.lockdown_connector",
            names.lockdown_connector.as_ref(),
        ),
        ("names.scl_bypass_rule", names.scl_bypass_rule.as_ref()),
        (
            "names.outbound_connector",
            names.outbound_connector.as_ref(),
        ),
        ("names.outbound_rule", names.outbound_rule.as_ref()),
    ];
    for (key, name) in given {
        // A default is mailflowc's own, known good: only written names.
        if let Some(name) = written(name) {
            check_name(key, name, found);
        }
    }
    // Compared with the defaults in place: a name written out can collide
    // with another object's default name just as well as with a written one.
    let pairs = [
        (
            "inbound connectors",
            ("names.inbound_connector", names.inbound_connector.as_ref()),
            (
                "names.lockdown_connector",
                names.lockdown_connector.as_ref(),
            ),
        ),
        (
            "transport rules",
            ("names.scl_bypass_rule", names.scl_bypass_rule.as_ref()),
            ("names.outbound_rule", names.outbound_rule.as_ref()),
        ),
    ];
    for (what, (key_a, a), (key_b, b)) in pairs {
        let (Some(a), Some(b)) = (a, b) else {
            continue;
        };
        if !a.get_ref().trim().eq_ignore_ascii_case(b.get_ref().trim()) {
            continue;
        }
        // The diagnostic is at a name the topology wrote; the other, written
        // or a default (in the defaults table), is the related place.
        let ((key, here), (other, there)) = if is_default(&b.span()) {
            ((key_a, a), (key_b, b))
        } else {
            ((key_b, b), (key_a, a))
        };
        if is_default(&here.span()) {
            continue;
        }
        let label = if is_default(&there.span()) {
            format!("same name as `{other}`'s default")
        } else {
            format!("same name as `{other}`")
        };
        found.push(
            Diagnostic::new(
                Code::DuplicateObjectName,
                format!("two {what} would both be named `{}`", here.get_ref().trim()),
            )
            .at(here.span())
            .with_label(label)
            .with_help(format!("give `{key}` a name of its own"))
            .also_at(there.span(), format!("`{other}` is named here")),
        );
    }
}

fn check_name(key: &str, name: &Spanned<String>, found: &mut Vec<Diagnostic>) {
    let text = name.get_ref();
    let problem = if text.trim().is_empty() {
        Some("empty".to_owned())
    } else if text.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "{} characters, over the limit of {MAX_NAME_CHARS}",
            text.chars().count()
        ))
    } else if text.trim() != text {
        Some("leading or trailing white space".to_owned())
    } else if text.chars().any(char::is_control) {
        Some("holds a control character or line break".to_owned())
    } else if text.chars().any(crate::diagnostics::is_unsafe_char) {
        // Bidi overrides and zero-width characters make a name read
        // differently in a script, a console or a review than it is.
        Some("holds an invisible formatting character (bidi override or zero-width)".to_owned())
    } else {
        text.chars()
            .find(|c| matches!(c, '/' | '\\'))
            .map(|c| format!("holds `{c}`, which tenants refuse in object names"))
    };
    if let Some(problem) = problem {
        found.push(
            Diagnostic::new(
                Code::InvalidObjectName,
                format!("`{key}` is not a name Exchange accepts"),
            )
            .at(name.span())
            .with_label(problem)
            .with_help(format!(
                "use at most {MAX_NAME_CHARS} printable characters, without `/` or `\\`"
            )),
        );
    }
}
