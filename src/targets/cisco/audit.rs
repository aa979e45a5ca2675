//! What AsyncOS accepts: the target's limits, which `check` calls so that a
//! topology that passes `check` always renders.

/// Words of the message-filter language a name must not be.
const KEYWORDS: &[&str] = &[
    "if",
    "else",
    "true",
    "false",
    "and",
    "or",
    "not",
    "valid",
    "drop",
    "bounce",
    "deliver",
    "encrypt",
    "quarantine",
    "notify",
    "bcc",
    "archive",
];

/// Why `name` is not an AsyncOS object name mailflowc will emit, if it is
/// not. The character set is undocumented; letters, digits and `_` after a
/// letter are what every working example uses (cisco-facts 1.2).
pub fn asyncos_name_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Some("empty".to_owned()),
        Some(c) if !c.is_ascii_alphabetic() => return Some("must start with a letter".to_owned()),
        _ => {}
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Some(format!(
            "holds `{}`; use letters, digits and `_`",
            c.escape_default()
        ));
    }
    if name.len() > 64 {
        return Some("longer than 64 characters".to_owned());
    }
    if KEYWORDS.contains(&name.to_ascii_lowercase().as_str()) {
        return Some("a word of the message-filter language".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(asyncos_name_problem("RELAYLIST"), None);
        assert_eq!(asyncos_name_problem("mailflowc_relay_guard"), None);
        assert!(asyncos_name_problem("relay-guard").is_some());
        assert!(asyncos_name_problem("1guard").is_some());
        assert!(asyncos_name_problem("drop").is_some());
        assert!(asyncos_name_problem("guard\"x").is_some());
    }
}
