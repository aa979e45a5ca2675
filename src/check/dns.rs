//! DNS: the gateway's MX records and the TTLs of the cutover.

use crate::diagnostics::{Code, Diagnostic};
use crate::knowledge::hosts::{domain_problem, microsoft365_mx_problem, normalize_host};
use crate::parse::RawTopology;
use std::collections::HashMap;

/// The longest TTL mailflowc writes: a week. DNS allows up to 2^31 - 1
/// seconds (RFC 2181, section 8), but an MX record cached for longer than a
/// week makes any later change or rollback take that long.
pub const MAX_TTL: i64 = 604_800;
/// The longest TTL worth having on the Microsoft 365 MX just before cutover:
/// five minutes, as Cloudflare's guide asks.
pub const MAX_PRECUTOVER_TTL: i64 = 300;

/// The gateway's MX host names as written, or from the vendor catalog.
pub fn gateway_mx_hosts(raw: &RawTopology) -> Vec<String> {
    match &raw.gateway.get_ref().mx {
        Some(records) => records
            .get_ref()
            .iter()
            .map(|r| r.get_ref().host.get_ref().clone())
            .collect(),
        None => super::vendor::select(raw)
            .and_then(|s| s.mx())
            .map(|(records, _)| records.iter().map(|r| r.host.clone()).collect())
            .unwrap_or_default(),
    }
}

pub fn check(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    if let Some(records) = &raw.gateway.get_ref().mx {
        let mut seen: HashMap<String, std::ops::Range<usize>> = HashMap::new();
        for record in records.get_ref() {
            let record = record.get_ref();
            let text = record.host.get_ref().trim();
            let host = normalize_host(text);
            let problem = if text.parse::<std::net::IpAddr>().is_ok() {
                Some("an MX record names a host, never an address".to_owned())
            } else {
                domain_problem(&host)
            };
            if let Some(problem) = problem {
                found.push(
                    Diagnostic::new(Code::InvalidMxHost, format!("MX target `{text}` is not a host name"))
                        .at(record.host.span())
                        .with_label(problem)
                        .with_help("give the gateway's inbound host names as the vendor lists them, such as `mx1.gateway.example`"),
                );
                continue;
            }
            if microsoft365_mx_problem(&host).is_none() {
                found.push(
                    Diagnostic::new(Code::Microsoft365MxBesideGateway, format!("`{text}` is Microsoft 365's own MX host"))
                        .at(record.host.span())
                        .with_label("mail would reach Microsoft 365 around the gateway")
                        .with_help("remove it: after cutover every MX record must point at the gateway; the rollback fragment restores Microsoft 365's"),
                );
                continue;
            }
            if let Some(first) = seen.get(&host) {
                found.push(
                    Diagnostic::new(
                        Code::DuplicateMxHost,
                        format!("MX host `{host}` is listed twice"),
                    )
                    .at(record.host.span())
                    .with_label("listed again here")
                    .also_at(first.clone(), "first listed here")
                    .with_help("list each host once, with the priority it should have"),
                );
                continue;
            }
            seen.insert(host, record.host.span());
            if let Some(priority) = record
                .priority
                .as_ref()
                .filter(|p| !(0..=65535).contains(p.get_ref()))
            {
                found.push(
                    Diagnostic::new(
                        Code::WrongType,
                        format!("MX priority {} is out of range", priority.get_ref()),
                    )
                    .at(priority.span())
                    .with_label("expected 0 to 65535")
                    .with_help("lower numbers are tried first; equal numbers share the load"),
                );
            }
        }
    }

    if let Some(dns) = raw.dns() {
        check_spf_current(raw, dns, found);
        for (key, value) in [
            ("ttl", &dns.ttl),
            ("precutover_ttl", &dns.precutover_ttl),
            ("current_ttl", &dns.current_ttl),
        ] {
            let Some(value) = value else { continue };
            let ttl = *value.get_ref();
            let limit = if key == "precutover_ttl" {
                MAX_PRECUTOVER_TTL
            } else {
                MAX_TTL
            };
            if !(1..=limit).contains(&ttl) {
                let help = if key == "precutover_ttl" {
                    "lower the Microsoft 365 MX to 300 seconds or less before cutover, so a rollback takes minutes"
                } else {
                    "give 1 to 604800 seconds (a week); 3600 is usual for MX records, and a longer TTL makes a rollback wait that long"
                };
                found.push(
                    Diagnostic::new(
                        Code::TtlOutOfRange,
                        format!("`dns.{key} = {ttl}` is out of range"),
                    )
                    .at(value.span())
                    .with_label(format!("expected 1 to {limit}"))
                    .with_help(help),
                );
            }
        }
    }
}

/// `dns.spf_current`: keyed by routed domains, once each; every record well
/// formed (RFC 7208) and within the look-up limit on its own terms.
fn check_spf_current(raw: &RawTopology, dns: &crate::parse::RawDns, found: &mut Vec<Diagnostic>) {
    let Some(table) = &dns.spf_current else {
        return;
    };
    let domains: std::collections::HashSet<String> = raw.normalized_domains().into_iter().collect();
    let mut seen: HashMap<String, std::ops::Range<usize>> = HashMap::new();
    for (domain, record) in table.get_ref() {
        let key = domain.trim().to_ascii_lowercase();
        if let Some(first) = seen.get(&key) {
            found.push(
                Diagnostic::new(
                    Code::DuplicateDomain,
                    format!("`{key}` has two entries in `dns.spf_current`"),
                )
                .at(record.span())
                .with_label("listed again here, in other letter case")
                .also_at(first.clone(), "first listed here")
                .with_help("domains are case-insensitive: keep one entry"),
            );
            continue;
        }
        seen.insert(key.clone(), record.span());
        if !domains.contains(&key) {
            found.push(
                Diagnostic::new(
                    Code::InvalidSpfCurrent,
                    format!("`{domain}` in `dns.spf_current` is not in `organization.domains`"),
                )
                .at(record.span())
                .with_label("no such routed domain")
                .with_help("key each entry by one of `organization.domains`"),
            );
        } else if let Some(problem) = crate::knowledge::spf::problem(record.get_ref().trim()) {
            found.push(
                Diagnostic::new(
                    Code::InvalidSpfCurrent,
                    format!("the SPF record given for `{key}` is not well formed"),
                )
                .at(record.span())
                .with_label(problem)
                .with_help("copy the domain's TXT record that starts with `v=spf1` as it is served (`dig +short TXT <domain>`), without the quotes"),
            );
        }
    }
}
