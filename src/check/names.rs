//! Names of the Exchange objects mailflowc creates.

use crate::diagnostics::{Code, Diagnostic};
use crate::model::Names;
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
        if let Some(name) = name {
            check_name(key, name, found);
        }
    }
    // Compared after defaults: a name written out can collide with another
    // object's default name just as well as with a written one.
    let pairs = [
        (
            "inbound connectors",
            (
                "names.inbound_connector",
                names.inbound_connector.as_ref(),
                Names::DEFAULT_INBOUND_CONNECTOR,
            ),
            (
                "names.lockdown_connector",
                names.lockdown_connector.as_ref(),
                Names::DEFAULT_LOCKDOWN_CONNECTOR,
            ),
        ),
        (
            "transport rules",
            (
                "names.scl_bypass_rule",
                names.scl_bypass_rule.as_ref(),
                Names::DEFAULT_SCL_BYPASS_RULE,
            ),
            (
                "names.outbound_rule",
                names.outbound_rule.as_ref(),
                Names::DEFAULT_OUTBOUND_RULE,
            ),
        ),
    ];
    for (what, (key_a, given_a, default_a), (key_b, given_b, default_b)) in pairs {
        let a = given_a.map_or(default_a, |n| n.get_ref().as_str());
        let b = given_b.map_or(default_b, |n| n.get_ref().as_str());
        if !a.trim().eq_ignore_ascii_case(b.trim()) {
            continue;
        }
        let (key, span, other, other_given) = match (given_a, given_b) {
            (_, Some(b_name)) => (key_b, b_name.span(), key_a, given_a),
            (Some(a_name), None) => (key_a, a_name.span(), key_b, None),
            (None, None) => continue,
        };
        let mut d = Diagnostic::new(
            Code::DuplicateObjectName,
            format!("two {what} would both be named `{}`", b.trim()),
        )
        .at(span)
        .with_help(format!("give `{key}` a name of its own"));
        d = match other_given {
            Some(first) => d
                .with_label(format!("same name as `{other}`"))
                .also_at(first.span(), format!("`{other}` is named here")),
            None => d.with_label(format!("same name as `{other}`'s default")),
        };
        found.push(d);
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
