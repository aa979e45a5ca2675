//! Quoting for the DNS formats. Zone files have no quoting for owner names
//! or MX targets, so names are validated, not escaped: letters, digits,
//! hyphens and dots, written fully qualified with the trailing dot. YAML
//! strings are single-quoted.

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};

/// A host or domain name as an absolute zone-file name (`mx.example.com.`).
pub fn zone_name(name: &str) -> Result<String, Error> {
    let bare = name.strip_suffix('.').unwrap_or(name);
    let valid = !bare.is_empty()
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(format!("{bare}."))
    } else {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{name:?} is not a host name for a zone file"),
        ))
    }
}

/// A YAML single-quoted scalar holding exactly `text` (a quote is doubled;
/// line breaks are refused, since YAML would fold them).
pub fn yaml_str(text: &str) -> Result<String, Error> {
    if text.chars().any(char::is_control) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{text:?} holds a control character"),
        ));
    }
    Ok(format!("'{}'", text.replace('\'', "''")))
}

/// A TXT record's text as zone-file character-strings: each at most 255
/// octets (RFC 1035 3.3), in double quotes with `"` and `\` escaped; only
/// printable ASCII is taken.
pub fn zone_txt(text: &str) -> Result<String, Error> {
    if text.chars().any(|c| !c.is_ascii() || c.is_ascii_control()) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{text:?} is not printable ASCII"),
        ));
    }
    Ok(crate::knowledge::spf::character_strings(text)
        .iter()
        .map(|part| format!("\"{}\"", part.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(" "))
}

/// A TXT value for octoDNS: its `;` escaped as `\;` (octoDNS's own
/// escaping), then a YAML string.
pub fn octodns_txt(text: &str) -> Result<String, Error> {
    yaml_str(&text.replace('\\', "\\\\").replace(';', "\\;"))
}

pub fn zone_txt_filter(value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "`zone_txt` takes strings only"))
        .and_then(zone_txt)
}

pub fn octodns_txt_filter(value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "`octodns_txt` takes strings only",
            )
        })
        .and_then(octodns_txt)
}

pub fn zone_name_filter(value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "`zone_name` takes strings only",
            )
        })
        .and_then(zone_name)
}

pub fn yaml_str_filter(value: &Value) -> Result<String, Error> {
    value
        .as_str()
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "`yaml_str` takes strings only"))
        .and_then(yaml_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_absolute_or_refused() {
        assert_eq!(zone_name("mx.example.com").unwrap(), "mx.example.com.");
        assert_eq!(zone_name("mx.example.com.").unwrap(), "mx.example.com.");
        for bad in [
            "",
            "mx example.com",
            "mx.example.com\n@ IN A 1.2.3.4",
            "a..b",
            "x;y",
            "*.example.com",
        ] {
            assert!(zone_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn yaml_strings_are_single_quoted() {
        assert_eq!(yaml_str("mx.example.com.").unwrap(), "'mx.example.com.'");
        assert_eq!(yaml_str("it's").unwrap(), "'it''s'");
        assert!(yaml_str("a\nb").is_err());
    }

    #[test]
    fn txt_texts_are_quoted_and_split() {
        assert_eq!(zone_txt("v=spf1 -all").unwrap(), "\"v=spf1 -all\"");
        assert_eq!(zone_txt(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert!(zone_txt("a\nb").is_err());
        let long = "x".repeat(300);
        assert_eq!(
            zone_txt(&long).unwrap(),
            format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45))
        );
        assert_eq!(octodns_txt("a;b").unwrap(), r"'a\;b'");
    }
}
