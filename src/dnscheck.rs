//! `mailflowc dns-check`: asks each routed domain's authoritative name
//! servers (or `--server`) for its MX records, without recursion, and
//! compares them, and the TTL they are served with, with a DNS phase of the
//! plan. A recursive resolver would show what its cache has left of the TTL,
//! not what is served; the authoritative answer is what the runbook's waits
//! are about.
//!
//! Messages are built and parsed by hickory-proto and sent over UDP with a
//! timeout and one retry; the system resolver (for the NS look-up only) comes
//! from `/etc/resolv.conf`.

use crate::targets::plan::{Plan, Target, Value};
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::Duration;

/// The phases a DNS check can compare with: the runbook's phase names
/// (and its Rollback section's two), each with the record set its files are
/// named after (`pre-cutover.zone` is what Prepare publishes). The record
/// sets' names are accepted too.
pub const PHASES: &[(&str, &str)] = &[
    ("prepare", "pre-cutover"),
    ("cutover", "cutover"),
    ("stabilize", "stabilized"),
    ("rollback", "rollback"),
    ("restore", "restore"),
];

/// The record set of a phase, by the runbook's name or the set's own.
pub fn record_set(phase: &str) -> Option<&'static str> {
    PHASES
        .iter()
        .find(|(name, set)| *name == phase || *set == phase)
        .map(|(_, set)| *set)
}

/// The runbook's name of a phase given either way.
pub fn phase_name(phase: &str) -> Option<&'static str> {
    PHASES
        .iter()
        .find(|(name, set)| *name == phase || *set == phase)
        .map(|(name, _)| *name)
}

/// The `--phase` values: the runbook's names, the record sets' as aliases.
pub fn possible_values() -> Vec<clap::builder::PossibleValue> {
    PHASES
        .iter()
        .map(|(name, set)| {
            let value = clap::builder::PossibleValue::new(*name);
            if name == set {
                value
            } else {
                value.alias(*set)
            }
        })
        .collect()
}

const TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DomainResult {
    pub domain: String,
    pub server: String,
    pub ok: bool,
    pub wanted: Vec<String>,
    pub found: Vec<String>,
    pub problems: Vec<String>,
}

fn query_id() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ (nanos >> 16)) as u16
}

/// One query over UDP, with one retry.
pub fn query(
    server: SocketAddr,
    name: &str,
    kind: RecordType,
    recurse: bool,
) -> Result<Message, String> {
    let name = Name::from_ascii(name).map_err(|e| format!("`{name}`: {e}"))?;
    let id = query_id();
    let mut message = Message::new();
    message
        .set_id(id)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(recurse)
        .add_query(Query::query(name, kind));
    let bytes = message.to_vec().map_err(|e| e.to_string())?;
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().map_err(|_| "bind".to_owned())?
    } else {
        "[::]:0".parse().map_err(|_| "bind".to_owned())?
    };
    let socket = UdpSocket::bind(local).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    let mut buffer = [0u8; 4096];
    for _ in 0..2 {
        socket
            .send_to(&bytes, server)
            .map_err(|e| format!("{server}: {e}"))?;
        while let Ok((size, from)) = socket.recv_from(&mut buffer) {
            if from != server {
                continue;
            }
            let Ok(reply) = Message::from_vec(&buffer[..size]) else {
                continue;
            };
            if reply.id() == id {
                return Ok(reply);
            }
        }
    }
    Err(format!("{server} did not answer"))
}

/// `HOST[:PORT]` (or `[v6]:PORT`) as a socket address, port 53 by default.
pub fn server_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    let with_port = if text.contains(':') {
        text.to_owned()
    } else {
        format!("{text}:53")
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| format!("`{text}`: {e}"))?
        .next()
        .ok_or_else(|| format!("`{text}` has no address"))
}

/// The system's first resolver, for finding a domain's name servers.
fn system_resolver() -> Result<SocketAddr, String> {
    let text = std::fs::read("/etc/resolv.conf").map_err(|e| format!("/etc/resolv.conf: {e}"))?;
    let config = resolv_conf::Config::parse(&text).map_err(|e| format!("/etc/resolv.conf: {e}"))?;
    config
        .nameservers
        .first()
        .map(|ip| SocketAddr::new(ip.into(), 53))
        .ok_or_else(|| "/etc/resolv.conf names no name server".to_owned())
}

/// One of the domain's authoritative servers: NS through the system
/// resolver, then the first NS host with an address.
fn authoritative(domain: &str) -> Result<SocketAddr, String> {
    let resolver = system_resolver()?;
    let reply = query(resolver, &format!("{domain}."), RecordType::NS, true)?;
    for record in reply.answers() {
        if let RData::NS(ns) = record.data() {
            let host = ns.0.to_ascii();
            let addresses = query(resolver, &host, RecordType::A, true)?;
            for answer in addresses.answers() {
                if let RData::A(a) = answer.data() {
                    return Ok(SocketAddr::new(IpAddr::V4(a.0), 53));
                }
            }
        }
    }
    Err(format!("no authoritative server found for {domain}"))
}

fn record_text(priority: i64, host: &str, ttl: i64) -> String {
    format!(
        "{priority} {} ttl {ttl}",
        host.trim_end_matches('.').to_ascii_lowercase()
    )
}

/// Checks every domain the plan has records of in `phase` (the undoing
/// phases, rollback and restore, included).
pub fn check(
    plan: &Plan,
    phase: &str,
    server: Option<SocketAddr>,
) -> Result<Vec<DomainResult>, String> {
    let mut results = Vec::new();
    let set = record_set(phase).ok_or_else(|| format!("no DNS phase `{phase}`"))?;
    let phase = phase_name(phase).unwrap_or(phase);
    let suffix = format!(".{set}");
    for step in plan
        .steps
        .iter()
        .filter(|s| s.target == Target::Dns && s.id.ends_with(&suffix))
    {
        let Some(domain) = step
            .id
            .strip_prefix("dns.")
            .and_then(|k| k.strip_suffix(&suffix))
        else {
            continue;
        };
        let wanted: BTreeSet<String> = step
            .objects
            .iter()
            .filter(|o| o.kind == "MX")
            .map(|o| {
                let int = |k: &str| match o.get(k) {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                };
                let host = match o.get("exchange") {
                    Some(Value::Text(host)) => host.as_str(),
                    _ => "",
                };
                record_text(int("priority"), host, int("ttl"))
            })
            .collect();
        let address = match server {
            Some(address) => address,
            None => authoritative(domain)?,
        };
        let reply = query(address, &format!("{domain}."), RecordType::MX, false)?;
        let found: BTreeSet<String> = reply
            .answers()
            .iter()
            .filter_map(|record| match record.data() {
                RData::MX(mx) => Some(record_text(
                    i64::from(mx.preference()),
                    &mx.exchange().to_ascii(),
                    i64::from(record.ttl()),
                )),
                _ => None,
            })
            .collect();
        let mut problems = Vec::new();
        if !reply.authoritative() {
            problems.push(format!(
                "{address} is not authoritative for {domain}: its TTL is a cache's"
            ));
        }
        for missing in wanted.difference(&found) {
            problems.push(format!("missing: MX {missing}"));
        }
        for extra in found.difference(&wanted) {
            problems.push(format!("not wanted in phase {phase}: MX {extra}"));
        }
        results.push(DomainResult {
            domain: domain.to_owned(),
            server: address.to_string(),
            ok: problems.is_empty(),
            wanted: wanted.into_iter().collect(),
            found: found.into_iter().collect(),
            problems,
        });
    }
    Ok(results)
}
