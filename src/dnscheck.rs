//! `mailflowc dns-check`: asks each routed domain's authoritative name
//! servers (or `--server`) for its MX records, without recursion, and
//! compares them, and the TTL they are served with, with a DNS phase of the
//! plan. A recursive resolver would show what its cache has left of the TTL,
//! not what is served; the authoritative answer is what the runbook's waits
//! are about.
//!
//! Messages are built and parsed by hickory-proto and sent over UDP (EDNS(0),
//! 4,096 bytes) with a timeout and one retry, over TCP when the answer is
//! truncated; a reply is used only when it answers the question asked. The
//! domains are asked in parallel, [`IN_FLIGHT`] at most, each its own result:
//! one that cannot be asked stops none of the others. The system resolver
//! (for the NS look-up only) comes from `/etc/resolv.conf`.

use crate::diagnostics::sanitize;
use crate::targets::plan::{Plan, Target, Value};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

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

/// How long one attempt waits for its answer (UDP: two attempts; TCP: the
/// whole exchange).
const TIMEOUT: Duration = Duration::from_secs(3);
const UDP_ATTEMPTS: usize = 2;
/// The UDP payload size advertised in EDNS(0) (RFC 6891): answers up to this
/// size come over UDP; a server truncates (TC) larger ones, which are then
/// asked for over TCP.
pub const EDNS_PAYLOAD: u16 = 4096;
/// The largest DNS message there is (a UDP datagram's or a TCP length
/// prefix's limit): the receive buffer takes any datagram whole, so a
/// server that ignores the advertised size is still read, not cut off.
const MAX_MESSAGE: usize = 65_535;
/// At most this many domains are asked at once (each domain's queries are
/// sequential: NS, A, then MX).
pub const IN_FLIGHT: usize = 16;

/// What a domain's check came to.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The server's records are the phase's.
    Ok,
    /// The server answered, with other records (or none, or NXDOMAIN).
    Differs,
    /// No usable answer: no reply, a failure rcode, a truncated answer with
    /// no TCP; the domain is not checked.
    CouldNotAsk,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DomainResult {
    pub domain: String,
    /// The server asked; none when the domain's could not be found.
    pub server: Option<String>,
    pub status: Status,
    pub wanted: Vec<String>,
    /// The records found, escaped for printing (a server's names may hold
    /// control characters).
    pub found: Vec<String>,
    /// What differs, or why the domain could not be asked; escaped likewise.
    pub problems: Vec<String>,
}

fn query_id() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // Distinct per thread too: domains are asked in parallel.
    let thread = std::thread::current().id();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&(nanos, thread), &mut hasher);
    std::hash::Hasher::finish(&hasher) as u16
}

/// Why `reply` is not the answer to `question` sent with `id`, if it is not:
/// a reply is used only when it answers the very question asked, so that a
/// stray, spoofed or confused packet (another name's answer, a query echoed
/// back) is never read as the domain's records.
fn mismatch(reply: &Message, id: u16, question: &Query) -> Option<String> {
    if reply.id() != id {
        return Some(format!(
            "its message ID {} is not the query's {id}",
            reply.id()
        ));
    }
    if reply.message_type() != MessageType::Response {
        return Some("it is not a response (QR=0)".to_owned());
    }
    if reply.op_code() != OpCode::Query {
        return Some(format!("its opcode is {:?}, not QUERY", reply.op_code()));
    }
    match reply.queries() {
        // Name equality is case-insensitive, as DNS names are.
        [asked]
            if asked.name() == question.name()
                && asked.query_type() == question.query_type()
                && asked.query_class() == question.query_class() =>
        {
            None
        }
        [asked] => Some(format!(
            "it answers {} {} {}, not the question asked",
            asked.name(),
            asked.query_class(),
            asked.query_type()
        )),
        questions => Some(format!(
            "it holds {} questions, not the one asked",
            questions.len()
        )),
    }
}

/// One query: over UDP with one retry, then over TCP to the same server when
/// the UDP answer is truncated (TC). The reply is the question's (see
/// [`mismatch`]); its rcode is the caller's to read.
pub fn query(
    server: SocketAddr,
    name: &str,
    kind: RecordType,
    recurse: bool,
) -> Result<Message, String> {
    let name = Name::from_ascii(name).map_err(|e| format!("`{name}`: {e}"))?;
    let question = Query::query(name, kind);
    let id = query_id();
    let mut message = Message::new();
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD);
    message
        .set_id(id)
        .set_message_type(MessageType::Query)
        .set_op_code(OpCode::Query)
        .set_recursion_desired(recurse)
        .add_query(question.clone())
        .set_edns(edns);
    let bytes = message.to_vec().map_err(|e| e.to_string())?;
    let reply = over_udp(server, &bytes, id, &question)?;
    if !reply.truncated() {
        return Ok(reply);
    }
    // A truncated answer is only part of the record set: never used as it.
    over_tcp(server, &bytes, id, &question)
        .map_err(|e| format!("{server} truncated its answer (TC) and over TCP {e}"))
}

fn over_udp(
    server: SocketAddr,
    bytes: &[u8],
    id: u16,
    question: &Query,
) -> Result<Message, String> {
    let local: SocketAddr = if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let socket = UdpSocket::bind(local).map_err(|e| e.to_string())?;
    // Connected: only the server's datagrams are received, and a closed
    // port is reported at once (ICMP unreachable) instead of waited out.
    socket
        .connect(server)
        .map_err(|e| format!("{server}: {e}"))?;
    let mut buffer = vec![0u8; MAX_MESSAGE];
    // Why the last reply that was not the answer was ignored.
    let mut ignored: Option<String> = None;
    for _ in 0..UDP_ATTEMPTS {
        socket.send(bytes).map_err(|e| format!("{server}: {e}"))?;
        // The attempt's deadline holds however many wrong replies come:
        // a server sending them cannot make the wait longer.
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket
                .set_read_timeout(Some(left))
                .map_err(|e| e.to_string())?;
            let size = match socket.recv(&mut buffer) {
                Ok(size) => size,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    break
                }
                Err(e) => return Err(format!("{server}: {e}")),
            };
            let reply = match Message::from_vec(&buffer[..size]) {
                Ok(reply) => reply,
                Err(e) => {
                    ignored = Some(format!("it is not a DNS message ({e})"));
                    continue;
                }
            };
            match mismatch(&reply, id, question) {
                None => return Ok(reply),
                Some(why) => ignored = Some(why),
            }
        }
    }
    Err(match ignored {
        Some(why) => format!("{server} did not answer (a reply was ignored: {why})"),
        None => format!("{server} did not answer"),
    })
}

/// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message after its length
/// as two bytes, big-endian; one deadline for the whole exchange, so a
/// server trickling bytes cannot hold the check.
fn over_tcp(
    server: SocketAddr,
    bytes: &[u8],
    id: u16,
    question: &Query,
) -> Result<Message, String> {
    use std::io::{Read, Write};
    let deadline = Instant::now() + TIMEOUT;
    let mut stream = TcpStream::connect_timeout(&server, TIMEOUT).map_err(|e| e.to_string())?;
    let length = u16::try_from(bytes.len()).map_err(|_| "the query is too long".to_owned())?;
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(bytes);
    stream
        .set_write_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    stream.write_all(&framed).map_err(|e| e.to_string())?;
    let mut read_exact = |buffer: &mut [u8]| -> Result<(), String> {
        let mut done = 0;
        while done < buffer.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err("did not answer in time".to_owned());
            }
            stream
                .set_read_timeout(Some(left))
                .map_err(|e| e.to_string())?;
            match stream.read(&mut buffer[done..]) {
                Ok(0) => return Err("closed the connection before answering".to_owned()),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    };
    let mut prefix = [0u8; 2];
    read_exact(&mut prefix)?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    read_exact(&mut body)?;
    let reply = Message::from_vec(&body).map_err(|e| format!("sent no DNS message ({e})"))?;
    match mismatch(&reply, id, question) {
        None => Ok(reply),
        Some(why) => Err(format!("did not answer the question: {why}")),
    }
}

/// An rcode as DNS tools name it (RFC 1035, 6895).
fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::FormErr => "FORMERR".to_owned(),
        ResponseCode::ServFail => "SERVFAIL".to_owned(),
        ResponseCode::NXDomain => "NXDOMAIN".to_owned(),
        ResponseCode::NotImp => "NOTIMP".to_owned(),
        ResponseCode::Refused => "REFUSED".to_owned(),
        other => format!("RCODE {}", u16::from(other)),
    }
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
    if reply.response_code() != ResponseCode::NoError {
        return Err(format!(
            "{} from {resolver} for its NS records",
            rcode_name(reply.response_code())
        ));
    }
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
/// phases, rollback and restore, included), [`IN_FLIGHT`] at a time; the
/// results in the plan's domain order. An error is only an unknown phase:
/// a domain that cannot be asked is that domain's result.
pub fn check(
    plan: &Plan,
    phase: &str,
    server: Option<SocketAddr>,
) -> Result<Vec<DomainResult>, String> {
    use rayon::prelude::*;
    let set = record_set(phase).ok_or_else(|| format!("no DNS phase `{phase}`"))?;
    let phase = phase_name(phase).unwrap_or(phase);
    let suffix = format!(".{set}");
    let domains: Vec<(&str, BTreeSet<String>)> = plan
        .steps
        .iter()
        .filter(|s| s.target == Target::Dns && s.id.ends_with(&suffix))
        .filter_map(|step| {
            let domain = step
                .id
                .strip_prefix("dns.")
                .and_then(|k| k.strip_suffix(&suffix))?;
            let wanted = step
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
            Some((domain, wanted))
        })
        .collect();
    if domains.is_empty() {
        return Ok(Vec::new());
    }
    // The SPF record each domain should serve in this phase, where the plan
    // writes whole records (`dns.spf_current`): the gateway's from the
    // outbound phase on (of the MX phases, stabilize comes after it), the
    // current one before it and once rolled back.
    let spf_set = if phase == "stabilize" {
        ".spf-record"
    } else {
        ".spf-rollback-record"
    };
    let spf: std::collections::HashMap<&str, &str> = plan
        .steps
        .iter()
        .filter(|s| s.target == Target::Dns && s.id.ends_with(spf_set))
        .filter_map(|step| {
            let domain = step
                .id
                .strip_prefix("dns.")
                .and_then(|k| k.strip_suffix(spf_set))?;
            match step.objects.first().and_then(|o| o.get("text")) {
                Some(Value::Text(text)) => Some((domain, text.as_str())),
                _ => None,
            }
        })
        .collect();
    // A pool of its own: the queries block on the network, so the bound is
    // on queries in flight, not on cores; the global pool stays for work.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(IN_FLIGHT.min(domains.len()))
        .build()
        .map_err(|e| format!("cannot start the query threads: {e}"))?;
    Ok(pool.install(|| {
        domains
            .par_iter()
            .map(|(domain, wanted)| {
                check_domain(domain, wanted, spf.get(domain).copied(), phase, server)
            })
            .collect()
    }))
}

/// One domain's result: whatever happens to its queries is reported here.
fn check_domain(
    domain: &str,
    wanted_mx: &BTreeSet<String>,
    spf: Option<&str>,
    phase: &str,
    server: Option<SocketAddr>,
) -> DomainResult {
    let mut wanted = wanted_mx.clone();
    if let Some(record) = spf {
        wanted.insert(spf_text(record));
    }
    let wanted = &wanted;
    let result = |server: Option<SocketAddr>,
                  status: Status,
                  found: &BTreeSet<String>,
                  problems: Vec<String>| DomainResult {
        domain: domain.to_owned(),
        server: server.map(|s| s.to_string()),
        status,
        wanted: wanted.iter().cloned().collect(),
        // What a server sent is outside text: escaped before anyone prints it.
        found: found.iter().map(|f| sanitize(f)).collect(),
        problems: problems.iter().map(|p| sanitize(p)).collect(),
    };
    let none = BTreeSet::new();
    let address = match server {
        Some(address) => address,
        None => match authoritative(domain) {
            Ok(address) => address,
            Err(why) => return result(None, Status::CouldNotAsk, &none, vec![why]),
        },
    };
    let asked = format!("{domain}.");
    let reply = match query(address, &asked, RecordType::MX, false) {
        Ok(reply) => reply,
        Err(why) => return result(Some(address), Status::CouldNotAsk, &none, vec![why]),
    };
    let mut problems = Vec::new();
    if !reply.authoritative() {
        problems.push(format!(
            "{address} is not authoritative for {domain}: its TTL is a cache's"
        ));
    }
    match reply.response_code() {
        ResponseCode::NoError => {}
        // An answer, and a difference: the server says the domain is not there.
        ResponseCode::NXDomain => {
            problems.push(format!(
                "the domain does not exist at its authoritative server (NXDOMAIN from {address})"
            ));
            return result(Some(address), Status::Differs, &none, problems);
        }
        // No answer about the records at all: the domain is not checked.
        code => {
            return result(
                Some(address),
                Status::CouldNotAsk,
                &none,
                vec![format!("{} from {address}", rcode_name(code))],
            )
        }
    }
    // Only the domain's own MX records: others in the answer section (for
    // another name) say nothing about it.
    let owner = Name::from_ascii(&asked).ok();
    let found: BTreeSet<String> = reply
        .answers()
        .iter()
        .filter(|record| {
            owner.as_ref() == Some(record.name()) && record.dns_class() == DNSClass::IN
        })
        .filter_map(|record| match record.data() {
            RData::MX(mx) => Some(record_text(
                i64::from(mx.preference()),
                &mx.exchange().to_ascii(),
                i64::from(record.ttl()),
            )),
            _ => None,
        })
        .collect();
    for missing in wanted_mx.difference(&found) {
        problems.push(format!("missing: MX {missing}"));
    }
    for extra in found.difference(wanted_mx) {
        problems.push(format!("not wanted in phase {phase}: MX {extra}"));
    }
    let mut found = found;
    if let Some(record) = spf {
        match spf_records(address, &asked, owner.as_ref()) {
            Err(why) => problems.push(format!("SPF could not be asked: {why}")),
            Ok(live) => {
                let want = spf_text(record);
                match live.as_slice() {
                    [] => problems.push(format!("missing: {want}")),
                    [one] if *one == want => {}
                    [one] => problems.push(format!(
                        "the SPF record is not phase {phase}'s: {one}, wanted {want}"
                    )),
                    _ => problems.push(format!(
                        "{} SPF records (RFC 7208 allows one; receivers return a permanent error)",
                        live.len()
                    )),
                }
                found.extend(live);
            }
        }
    }
    let status = if problems.is_empty() {
        Status::Ok
    } else {
        Status::Differs
    };
    result(Some(address), status, &found, problems)
}

/// An SPF record as dns-check shows it (`TXT "v=spf1 ..."`), its terms
/// separated by single spaces.
fn spf_text(record: &str) -> String {
    format!(
        "TXT \"{}\"",
        record
            .split(' ')
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    )
}

/// The domain's SPF records (its TXT records that start with `v=spf1`),
/// each one's character-strings joined (RFC 7208, 3.3).
fn spf_records(
    address: SocketAddr,
    asked: &str,
    owner: Option<&Name>,
) -> Result<Vec<String>, String> {
    let reply = query(address, asked, RecordType::TXT, false)?;
    match reply.response_code() {
        ResponseCode::NoError | ResponseCode::NXDomain => {}
        code => return Err(format!("{} from {address}", rcode_name(code))),
    }
    Ok(reply
        .answers()
        .iter()
        .filter(|record| owner == Some(record.name()) && record.dns_class() == DNSClass::IN)
        .filter_map(|record| match record.data() {
            RData::TXT(txt) => Some(
                txt.txt_data()
                    .iter()
                    .map(|part| String::from_utf8_lossy(part).into_owned())
                    .collect::<String>(),
            ),
            _ => None,
        })
        .filter(|text| {
            let lower = text.to_ascii_lowercase();
            lower == "v=spf1" || lower.starts_with("v=spf1 ")
        })
        .map(|text| spf_text(&text))
        .collect())
}
