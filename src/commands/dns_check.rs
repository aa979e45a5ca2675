//! `mailflowc dns-check`: the MX records the authoritative servers (or
//! `--server`) serve, against a DNS phase.

use super::outcome::analyze_file;
use super::{Exit, Settings};
use std::path::Path;

pub fn dns_check(path: &Path, phase: &str, server: Option<&str>, settings: &Settings) -> Exit {
    let (_, topology) = match analyze_file(path, settings) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let server = match server.map(crate::dnscheck::server_address).transpose() {
        Ok(server) => server,
        Err(message) => {
            warn!("error: {message}");
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
    for result in &results {
        if result.ok {
            say!(
                "ok: {} ({}): {}",
                result.domain,
                result.server,
                result.found.join("; ")
            );
        } else {
            say!("differs: {} ({})", result.domain, result.server);
            for problem in &result.problems {
                say!("  {problem}");
            }
        }
    }
    if results.iter().all(|r| r.ok) {
        say!("every domain is in phase {phase}");
        Exit::Ok
    } else {
        Exit::Different
    }
}
