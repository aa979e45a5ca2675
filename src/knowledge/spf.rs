//! SPF records (RFC 7208), offline: whether a record given in the topology
//! is well formed, how many DNS look-ups its own terms cost, and the record
//! a phase needs (the current one with the gateway's addresses added).
//! Nothing here resolves a name: the nested look-ups of an `include` or a
//! `redirect` are the live record's, which the tests evaluate with pyspf and
//! checkdmarc against a loopback server.

/// The most DNS look-ups an SPF evaluation may cause (RFC 7208, 4.6.4).
pub const MAX_LOOKUPS: usize = 10;

/// The mechanisms RFC 7208 defines (section 5), and whether each costs a
/// DNS look-up (4.6.4).
const MECHANISMS: &[(&str, bool)] = &[
    ("all", false),
    ("include", true),
    ("a", true),
    ("mx", true),
    ("ptr", true),
    ("ip4", false),
    ("ip6", false),
    ("exists", true),
];

/// One term of a record: a mechanism with its qualifier, or a modifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term<'a> {
    Mechanism {
        qualifier: Option<char>,
        name: String,
        value: Option<&'a str>,
    },
    Modifier {
        name: String,
        value: &'a str,
    },
}

/// The terms of a well-formed record, or what is wrong with it.
pub fn parse(record: &str) -> Result<Vec<Term<'_>>, String> {
    if let Some(c) = record
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control())
    {
        return Err(format!(
            "it holds {c:?}: an SPF record is printable ASCII, terms separated by spaces"
        ));
    }
    let mut words = record.split(' ');
    let version = words.next().unwrap_or("");
    if !version.eq_ignore_ascii_case("v=spf1") {
        return Err("it does not start with `v=spf1`".to_owned());
    }
    let mut terms = Vec::new();
    for word in words {
        if word.is_empty() {
            // RFC 7208 allows runs of spaces; nothing to parse.
            continue;
        }
        terms.push(term(word)?);
    }
    let mut seen_modifiers = Vec::new();
    for t in &terms {
        if let Term::Modifier { name, .. } = t {
            if (name == "redirect" || name == "exp") && seen_modifiers.contains(name) {
                return Err(format!("`{name}=` appears twice (RFC 7208, 6)"));
            }
            seen_modifiers.push(name.clone());
        }
    }
    Ok(terms)
}

fn term(word: &str) -> Result<Term<'_>, String> {
    // A modifier is `name=value`, its name starting with a letter; a
    // mechanism's name is followed by `:` or `/`, or nothing.
    let name_end = word.find(['=', ':', '/']).unwrap_or(word.len());
    if word[name_end..].starts_with('=') {
        let name = &word[..name_end];
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(format!("`{word}` is not a modifier"));
        }
        let value = &word[name_end + 1..];
        let name = name.to_ascii_lowercase();
        if name == "redirect" && value.is_empty() {
            return Err("`redirect=` names no domain".to_owned());
        }
        return Ok(Term::Modifier { name, value });
    }
    let (qualifier, rest) = match word.chars().next() {
        Some(q @ ('+' | '-' | '~' | '?')) => (Some(q), &word[1..]),
        _ => (None, word),
    };
    let name_end = rest.find([':', '/']).unwrap_or(rest.len());
    let name = rest[..name_end].to_ascii_lowercase();
    if !MECHANISMS.iter().any(|(m, _)| *m == name) {
        return Err(format!("`{word}` is not an SPF mechanism or modifier"));
    }
    let value = rest[name_end..].strip_prefix(':');
    match name.as_str() {
        "all" if name_end != rest.len() => {
            return Err(format!("`{word}`: `all` takes no argument"));
        }
        "include" | "exists" if value.is_none_or(str::is_empty) => {
            return Err(format!("`{word}` names no domain"));
        }
        "ip4" | "ip6" => {
            let text = value.ok_or_else(|| format!("`{word}` names no address"))?;
            let (address, length) = match text.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (text, None),
            };
            let max = if name == "ip4" {
                address
                    .parse::<std::net::Ipv4Addr>()
                    .map_err(|_| format!("`{word}`: `{address}` is not an IPv4 address"))?;
                32
            } else {
                address
                    .parse::<std::net::Ipv6Addr>()
                    .map_err(|_| format!("`{word}`: `{address}` is not an IPv6 address"))?;
                128
            };
            if let Some(length) = length {
                if !length.parse::<u8>().is_ok_and(|l| l <= max)
                    || length.starts_with('0') && length != "0"
                {
                    return Err(format!("`{word}`: the prefix length must be 0 to {max}"));
                }
            }
        }
        _ => {}
    }
    Ok(Term::Mechanism {
        qualifier,
        name,
        value,
    })
}

/// The DNS look-ups a record's own terms cost (include, a, mx, ptr, exists,
/// redirect; RFC 7208, 4.6.4), not counting those of the records they name.
pub fn own_lookups(terms: &[Term<'_>]) -> usize {
    terms
        .iter()
        .filter(|t| match t {
            Term::Mechanism { name, .. } => MECHANISMS.iter().any(|(m, costs)| m == name && *costs),
            Term::Modifier { name, .. } => name == "redirect",
        })
        .count()
}

/// What is wrong with a record given as a domain's current one, if anything.
pub fn problem(record: &str) -> Option<String> {
    match parse(record) {
        Err(problem) => Some(problem),
        Ok(terms) if own_lookups(&terms) > MAX_LOOKUPS => Some(format!(
            "its own terms already cost {} DNS look-ups, over RFC 7208's {MAX_LOOKUPS}",
            own_lookups(&terms)
        )),
        Ok(_) => None,
    }
}

/// The `all` mechanism's qualifier, when the record has one (`-`, `~`, `+`,
/// `?`; `+` when written bare).
pub fn all_qualifier(record: &str) -> Option<char> {
    parse(record).ok()?.iter().find_map(|t| match t {
        Term::Mechanism {
            qualifier, name, ..
        } if name == "all" => Some(qualifier.unwrap_or('+')),
        _ => None,
    })
}

/// The record with `mechanisms` added: each one the record does not already
/// hold (compared without case) goes before the first `all` (mechanisms
/// after it are never tested), or at the end when there is none. Every other
/// term keeps its place and its text, so whatever passed before still passes
/// and the look-up count does not grow (ip4 and ip6 cost none). The record
/// must be well formed ([`problem`] is none).
pub fn compose(record: &str, mechanisms: &[String]) -> String {
    let words: Vec<&str> = record.split(' ').filter(|w| !w.is_empty()).collect();
    let has = |m: &str| words.iter().any(|w| w.eq_ignore_ascii_case(m));
    let new: Vec<&str> = mechanisms
        .iter()
        .map(String::as_str)
        .filter(|m| !has(m))
        .collect();
    let all = words.iter().position(|w| {
        let bare = w.trim_start_matches(['+', '-', '~', '?']);
        bare.eq_ignore_ascii_case("all")
    });
    let at = all.unwrap_or(words.len());
    let mut out: Vec<&str> = words[..at].to_vec();
    out.extend(new);
    out.extend(&words[at..]);
    out.join(" ")
}

/// A TXT record's text as DNS character-strings (at most 255 octets each,
/// RFC 1035 3.3): the zone file and octoDNS write one quoted string each.
pub fn character_strings(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > 255 {
        out.push(&rest[..255]);
        rest = &rest[255..];
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_parsed_or_refused() {
        for good in [
            "v=spf1 include:spf.protection.outlook.com -all",
            "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 mx a:mail.example.com ~all",
            "v=spf1 redirect=_spf.example.com",
            "V=SPF1 -ALL",
            "v=spf1 include:spf.protection.outlook.com  -all",
        ] {
            assert_eq!(problem(good), None, "{good}");
        }
        for bad in [
            "",
            "spf1 -all",
            "v=spf1 includes:example.com -all",
            "v=spf1 ip4:192.0.2.300 -all",
            "v=spf1 ip4:192.0.2.0/33 -all",
            "v=spf1 ip6:192.0.2.1 -all",
            "v=spf1 include: -all",
            "v=spf1 -all:example.com",
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 -all\n",
            "v=spf1 include:é.example -all",
            "v=spf1 a a a a a a a a a a a -all",
        ] {
            assert!(problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn mechanisms_go_before_all_once() {
        let add = vec![
            "ip4:192.0.2.0/24".to_owned(),
            "ip6:2001:db8::/32".to_owned(),
        ];
        assert_eq!(
            compose("v=spf1 include:spf.protection.outlook.com -all", &add),
            "v=spf1 include:spf.protection.outlook.com ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"
        );
        assert_eq!(
            compose("v=spf1 ip4:192.0.2.0/24 ~all", &add),
            "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all"
        );
        assert_eq!(
            compose("v=spf1 redirect=_spf.example.com", &add),
            "v=spf1 redirect=_spf.example.com ip4:192.0.2.0/24 ip6:2001:db8::/32"
        );
        assert_eq!(all_qualifier("v=spf1 mx ~all"), Some('~'));
        assert_eq!(all_qualifier("v=spf1 mx all"), Some('+'));
        assert_eq!(all_qualifier("v=spf1 redirect=x.example"), None);
    }

    #[test]
    fn long_texts_are_split_at_255_octets() {
        let text = "x".repeat(600);
        let parts = character_strings(&text);
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [255, 255, 90]
        );
    }
}
