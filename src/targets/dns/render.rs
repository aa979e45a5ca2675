//! DNS: per-domain BIND zone fragments (pre-cutover, cutover, rollback) and
//! the cutover records as octoDNS YAML; plus the two quoting functions they
//! use.
//!
//! Zone files have no quoting for owner names or MX targets, so names are
//! validated, not escaped: letters, digits, hyphens and dots, written fully
//! qualified with the trailing dot. YAML strings are single-quoted.

use super::context;
use crate::model::Topology;
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

/// The zone fragments of one domain, by path.
pub struct DomainZones {
    pub domain: String,
    pub pre_cutover: String,
    pub cutover: String,
    pub rollback: String,
    pub octodns: String,
    pub microsoft365_host: String,
}

/// Paths of every domain's fragments; empty when the gateway's MX is unknown.
pub fn zones(topology: &Topology) -> Vec<DomainZones> {
    if topology.gateway.mx.is_empty() {
        return Vec::new();
    }
    topology
        .organization
        .microsoft365_mx
        .iter()
        .map(|entry| DomainZones {
            domain: entry.domain.clone(),
            pre_cutover: format!("dns/{}/pre-cutover.zone", entry.domain),
            cutover: format!("dns/{}/cutover.zone", entry.domain),
            rollback: format!("dns/{}/rollback.zone", entry.domain),
            octodns: format!("dns/octodns/{}.yaml", entry.domain),
            microsoft365_host: entry.host.clone(),
        })
        .collect()
}

/// Every DNS file: (path, template, context).
pub fn files(topology: &Topology) -> Vec<(String, &'static str, Value)> {
    let dns = &topology.dns;
    let mut out = Vec::new();
    for zone in zones(topology) {
        let ctx = minijinja::context! {
            domain => &zone.domain,
            mx => context(&topology.gateway.mx),
            ttl => dns.ttl,
            precutover_ttl => dns.precutover_ttl,
            current_ttl => dns.current_ttl,
            microsoft365_host => &zone.microsoft365_host,
            microsoft365_priority => crate::model::Dns::MICROSOFT365_PRIORITY,
        };
        out.push((zone.pre_cutover, "dns/pre-cutover.zone.j2", ctx.clone()));
        out.push((zone.cutover, "dns/cutover.zone.j2", ctx.clone()));
        out.push((zone.rollback, "dns/rollback.zone.j2", ctx.clone()));
        out.push((zone.octodns, "dns/octodns.yaml.j2", ctx));
    }
    out
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
}
