//! Names of the Exchange objects mailflowc creates.

use crate::diagnostics::{Code, Diagnostic};
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
    if let (Some(inbound), Some(lockdown)) = (&names.inbound_connector, &names.lockdown_connector) {
        if inbound
            .get_ref()
            .trim()
            .eq_ignore_ascii_case(lockdown.get_ref().trim())
        {
            found.push(
                Diagnostic::new(
                    Code::DuplicateObjectName,
                    format!(
                        "two inbound connectors would both be named `{}`",
                        lockdown.get_ref()
                    ),
                )
                .at(lockdown.span())
                .with_label("same name as `names.inbound_connector`")
                .with_help("give the lock-down connector a name of its own"),
            );
        }
    }
    if let (Some(scl), Some(outbound)) = (&names.scl_bypass_rule, &names.outbound_rule) {
        if scl
            .get_ref()
            .trim()
            .eq_ignore_ascii_case(outbound.get_ref().trim())
        {
            found.push(
                Diagnostic::new(
                    Code::DuplicateObjectName,
                    format!(
                        "two transport rules would both be named `{}`",
                        outbound.get_ref()
                    ),
                )
                .at(outbound.span())
                .with_label("same name as `names.scl_bypass_rule`")
                .with_help("give the outbound rule a name of its own"),
            );
        }
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
