//! `mailflowc dns-check`: the MX records the authoritative servers (or
//! `--server`) serve, against a DNS phase. One result per domain, in the
//! plan's domain order: ok, differs, or could not ask (a check that did not
//! happen, which never passes).

use super::outcome::analyze_file;
use super::settings::DnsCheckFormat;
use super::{Exit, Settings};
use crate::dnscheck::{DomainResult, Status};
use serde::Serialize;
use std::path::Path;

/// `--format json`: the whole check as one document.
#[derive(Serialize)]
struct Report<'a> {
    phase: &'a str,
    /// ok, differs or could-not-ask: the worst of the domains'.
    status: Status,
    domains: &'a [DomainResult],
}

pub fn dns_check(
    path: &Path,
    phase: &str,
    server: Option<&str>,
    format: DnsCheckFormat,
    settings: &Settings,
) -> Exit {
    let (_, topology) = match analyze_file(path, settings) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let server = match server.map(crate::dnscheck::server_address).transpose() {
        Ok(server) => server,
        Err(message) => {
            warn!("error: {}", crate::diagnostics::sanitize(&message));
            return Exit::Failure;
        }
    };
    let results = match crate::dnscheck::check(&crate::targets::plan(&topology), phase, server) {
        Ok(results) => results,
        Err(message) => {
            warn!("error: {message}");
            return Exit::Failure;
        }
    };
    if results.is_empty() {
        warn!("error: the topology plans no DNS records (no MX phase): nothing to check");
        return Exit::Failure;
    }
    let phase = crate::dnscheck::phase_name(phase).unwrap_or(phase);
    let count = |status| results.iter().filter(|r| r.status == status).count();
    let (unasked, differing) = (count(Status::CouldNotAsk), count(Status::Differs));
    // A check that did not happen outweighs a difference: it could hide one.
    let (status, exit) = if unasked > 0 {
        (Status::CouldNotAsk, Exit::Failure)
    } else if differing > 0 {
        (Status::Differs, Exit::Different)
    } else {
        (Status::Ok, Exit::Ok)
    };
    match format {
        DnsCheckFormat::Json => {
            let report = Report {
                phase,
                status,
                domains: &results,
            };
            let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
            text.push('\n');
            super::say_raw(&text);
        }
        DnsCheckFormat::Text => text(&results, phase, settings),
    }
    if unasked > 0 {
        warn!(
            "error: {unasked} of {} domains could not be asked: they are not checked",
            results.len()
        );
    }
    exit
}

/// The text report; the problems and found records are escaped already.
fn text(results: &[DomainResult], phase: &str, settings: &Settings) {
    let server = |result: &DomainResult| match &result.server {
        Some(server) => format!(" ({server})"),
        None => String::new(),
    };
    for result in results {
        match result.status {
            Status::Ok if settings.quiet => {}
            Status::Ok => say!(
                "ok: {}{}: {}",
                result.domain,
                server(result),
                result.found.join("; ")
            ),
            Status::Differs => {
                say!("differs: {}{}", result.domain, server(result));
                for problem in &result.problems {
                    say!("  {problem}");
                }
            }
            Status::CouldNotAsk => {
                for problem in &result.problems {
                    say!("could not ask: {}: {problem}", result.domain);
                }
            }
        }
    }
    if !settings.quiet && results.iter().all(|r| r.status == Status::Ok) {
        say!("every domain is in phase {phase}");
    }
}
