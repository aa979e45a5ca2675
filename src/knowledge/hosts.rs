//! Host names, domains and mail addresses: what Exchange and DNS accept, and
//! the one normal form every stage compares and emits.

/// Why `name` is not a certificate domain Exchange accepts (a domain, or a
/// leading `*.` wildcard; exchange-facts F-IN-07, F-OUT-06), if it is not.
pub fn certificate_name_problem(name: &str) -> Option<String> {
    let text = name.trim().to_ascii_lowercase();
    let bare = text.strip_prefix("*.").unwrap_or(&text);
    if bare.contains('*') {
        Some("a wildcard is allowed only as a leading `*.`".to_owned())
    } else {
        domain_problem(bare)
    }
}

/// The Microsoft 365 MX host a domain gets by default: its dots turned into
/// hyphens under `mail.protection.outlook.com`.
pub fn default_microsoft365_mx(domain: &str) -> String {
    format!("{}.mail.protection.outlook.com", domain.replace('.', "-"))
}

/// A host name as compared and emitted: trimmed, lowercase, no trailing dot.
pub fn normalize_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Why `host` is not a Microsoft 365 MX host, if it is not: either
/// `<label>.mail.protection.outlook.com` or `<label>.<label>.mx.microsoft`
/// (the DNSSEC-signed form Microsoft gives newer domains).
pub fn microsoft365_mx_problem(host: &str) -> Option<String> {
    let host = normalize_host(host);
    if host.len() > 253 {
        return Some("longer than 253 characters".to_owned());
    }
    if host.split('.').any(|l| l.len() > 63) {
        return Some("a label is longer than 63 characters".to_owned());
    }
    let label_ok =
        |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(label) = host.strip_suffix(".mail.protection.outlook.com") {
        return (!label_ok(label))
            .then(|| "expected one label before `.mail.protection.outlook.com`".to_owned());
    }
    if let Some(labels) = host.strip_suffix(".mx.microsoft") {
        return (!labels.split('.').all(label_ok) || labels.is_empty())
            .then(|| "expected labels before `.mx.microsoft`".to_owned());
    }
    Some(
        "not a Microsoft 365 MX host (`*.mail.protection.outlook.com` or `*.mx.microsoft`)"
            .to_owned(),
    )
}

/// Why `name` (already lowercased) is not a usable DNS domain name, if it is not.
pub fn domain_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("empty".to_owned());
    }
    if name.ends_with('.') {
        return Some("remove the trailing dot".to_owned());
    }
    if name.len() > 253 {
        return Some("longer than 253 characters".to_owned());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Some("a domain needs at least two labels, such as `contoso.com`".to_owned());
    }
    for label in &labels {
        if label.is_empty() {
            return Some("empty label (two dots in a row)".to_owned());
        }
        if label.len() > 63 {
            return Some(format!("label `{label}` is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Some(format!(
                "label `{label}` may hold only letters, digits and hyphens (write IDNs in punycode)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!("label `{label}` starts or ends with a hyphen"));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some("the last label is numeric: that is an address, not a domain".to_owned());
    }
    None
}

/// Why `address` is not an email address Exchange can match, if it is not.
pub fn email_problem(address: &str) -> Option<String> {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Some("no `@`".to_owned());
    };
    if local.is_empty() || local.len() > 64 {
        return Some("the part before `@` must hold 1 to 64 characters".to_owned());
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("dots in the part before `@` must sit between other characters".to_owned());
    }
    if !local.chars().all(|c| c == '.' || atext(c)) {
        return Some(
            "the part before `@` holds a character mail addresses cannot carry unquoted".to_owned(),
        );
    }
    domain_problem(&domain.to_ascii_lowercase()).map(|p| format!("domain part: {p}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(domain_problem("contoso.com"), None);
        assert_eq!(domain_problem("xn--bcher-kva.example"), None);
        assert!(domain_problem("contoso").is_some());
        assert!(domain_problem("contoso..com").is_some());
        assert!(domain_problem("-contoso.com").is_some());
        assert!(domain_problem("contoso.com.").is_some());
        assert!(domain_problem("con_toso.com").is_some());
        assert!(domain_problem("192.0.2.1").is_some());
    }

    #[test]
    fn emails() {
        assert_eq!(email_problem("alice@contoso.com"), None);
        assert_eq!(email_problem("first.last+tag@contoso.co.jp"), None);
        assert!(email_problem("alice").is_some());
        assert!(email_problem("@contoso.com").is_some());
        assert!(email_problem("alice@contoso").is_some());
        assert!(email_problem("al ice@contoso.com").is_some());
        assert!(email_problem(".alice@contoso.com").is_some());
    }
}
