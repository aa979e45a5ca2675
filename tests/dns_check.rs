//! `mailflowc dns-check` against a real BIND `named`, started by the test on
//! a loopback port with its configuration and zones in a temporary
//! directory (`bash .ci/test` installs BIND). For each phase: a zone in that
//! phase passes; a zone one phase behind, or with a longer TTL, is exit 3.

mod common;

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TOPOLOGY: &str = r#"version = 1

[organization]
name = "Contoso"
tenant = "contoso.onmicrosoft.com"
domains = ["contoso.com", "fabrikam.example"]

[gateway]
name = "Gateway"
egress = ["68.232.140.27"]
mx = [{ host = "mx1.gateway.example", priority = 10 }, { host = "mx2.gateway.example", priority = 20 }]

[inbound]
lockdown = true

[dns]
ttl = 3600
precutover_ttl = 300
current_ttl = 7200
"#;

use common::named::{free_port, start as start_named, zone};

fn dns_check(dir: &Path, phase: &str, port: u16) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(dir)
        .args([
            "dns-check",
            "topology.toml",
            "--phase",
            phase,
            "--server",
            &format!("127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn each_phase_is_recognized_on_a_live_server() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("topology.toml"), TOPOLOGY).unwrap();
    let files = common::build_source(TOPOLOGY, "topology.toml");
    let domains = ["contoso.com", "fabrikam.example"];
    let fragment = |domain: &str, phase: &str| files[&format!("dns/{domain}/{phase}.zone")].clone();
    // The runbook's phase names, each with the record set its files carry.
    let phases = mailflowc::dnscheck::PHASES;
    assert_eq!(
        phases.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        ["prepare", "cutover", "stabilize", "rollback", "restore"]
    );
    for (index, (phase, set)) in phases.iter().enumerate() {
        let dir = scratch.path().join(phase);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("topology.toml"), TOPOLOGY).unwrap();
        // In the phase: exit 0.
        {
            let zones: Vec<(&str, String)> = domains
                .iter()
                .map(|d| (*d, zone(d, &fragment(d, set))))
                .collect();
            let named = start_named(&dir, &zones);
            let (code, report) = dns_check(&dir, phase, named.port);
            assert_eq!(code, 0, "{phase}:\n{report}");
            // The record set's own name is the same phase.
            let (code, report) = dns_check(&dir, set, named.port);
            assert_eq!(code, 0, "{set}:\n{report}");
        }
        // One phase behind (the previous phase; the last for the first): exit 3.
        let (behind, behind_set) = phases[(index + phases.len() - 1) % phases.len()];
        {
            let zones: Vec<(&str, String)> = domains
                .iter()
                .map(|d| (*d, zone(d, &fragment(d, behind_set))))
                .collect();
            let named = start_named(&dir, &zones);
            let (code, report) = dns_check(&dir, phase, named.port);
            assert_eq!(
                code, 3,
                "{phase} checked against a zone in {behind}:\n{report}"
            );
            assert!(report.contains("missing: MX"), "{report}");
        }
    }
}

#[test]
fn a_longer_ttl_than_the_phase_wants_is_reported() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("topology.toml"), TOPOLOGY).unwrap();
    let files = common::build_source(TOPOLOGY, "topology.toml");
    let zones: Vec<(&str, String)> = ["contoso.com", "fabrikam.example"]
        .iter()
        .map(|d| {
            (
                *d,
                zone(
                    d,
                    &files[&format!("dns/{d}/cutover.zone")].replace("\t300\t", "\t3600\t"),
                ),
            )
        })
        .collect();
    let named = start_named(scratch.path(), &zones);
    let (code, report) = dns_check(scratch.path(), "cutover", named.port);
    assert_eq!(code, 3, "{report}");
    assert!(
        report.contains("ttl 3600")
            && report.contains("missing: MX 10 mx1.gateway.example ttl 300"),
        "{report}"
    );
}

// ---------------------------------------------------------------------------
// A misbehaving server: a small DNS server on loopback that answers each
// query by the first label of its name (`good`, `wrongname`, `servfail`, ...)
// the way a broken, confused or hostile server would. It stops when dropped,
// and by itself after a minute whatever happens.

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::MX;
use hickory_proto::rr::{Name, RData, Record};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// What the server lives for at most.
const FAKE_LIFETIME: Duration = Duration::from_secs(60);

/// The cutover phase's records of [`fake_topology`]'s gateway.
const CUTOVER_MX: [(u16, &str); 2] = [(10, "mx1.gateway.example."), (20, "mx2.gateway.example.")];
const CUTOVER_TTL: u32 = 300;

struct Fake {
    port: u16,
    stop: Arc<AtomicBool>,
    /// The most queries the server was answering at once.
    max_in_flight: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn mx_records(name: &Name, mx: &[(u16, String)]) -> Vec<Record> {
    mx.iter()
        .map(|(preference, host)| {
            Record::from_rdata(
                name.clone(),
                CUTOVER_TTL,
                RData::MX(MX::new(*preference, Name::from_ascii(host).unwrap())),
            )
        })
        .collect()
}

fn cutover_mx() -> Vec<(u16, String)> {
    CUTOVER_MX
        .iter()
        .map(|(p, h)| (*p, (*h).to_owned()))
        .collect()
}

/// A correct, authoritative answer to `query` with `mx`.
fn answer(query: &Message, mx: &[(u16, String)]) -> Message {
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(OpCode::Query)
        .set_authoritative(true);
    if let Some(question) = query.queries().first() {
        reply.add_query(question.clone());
        reply.add_answers(mx_records(question.name(), mx));
    }
    reply
}

/// The reply to a query over UDP, by the first label of its name; none for
/// no reply at all.
fn udp_reply(query: &Message) -> Option<Vec<u8>> {
    let question = query.queries().first()?;
    let label = question.name().to_ascii().split('.').next()?.to_owned();
    let mut reply = answer(query, &cutover_mx());
    match label.as_str() {
        "silent" => return None,
        // The right records, for another name's question.
        "wrongname" => {
            let other = Name::from_ascii("other.example.").unwrap();
            let mut wrong = Message::new();
            wrong
                .set_id(query.id())
                .set_message_type(MessageType::Response)
                .set_op_code(OpCode::Query)
                .set_authoritative(true)
                .add_query(hickory_proto::op::Query::query(
                    other.clone(),
                    question.query_type(),
                ))
                .add_answers(mx_records(&other, &cutover_mx()));
            reply = wrong;
        }
        // The right records in a packet that is not a response.
        "query" => {
            reply.set_message_type(MessageType::Query);
        }
        // Truncated: no records over UDP (TCP has them).
        "tc" => {
            reply.answers_mut().clear();
            reply.set_truncated(true);
        }
        // Truncated with the right records: still only part of an answer.
        "tcfail" => {
            reply.set_truncated(true);
        }
        "servfail" | "nxdomain" | "refused" => {
            reply.answers_mut().clear();
            reply.set_response_code(match label.as_str() {
                "servfail" => ResponseCode::ServFail,
                "nxdomain" => ResponseCode::NXDomain,
                _ => ResponseCode::Refused,
            });
        }
        // Far over 4,096 bytes in one datagram when the query advertises
        // EDNS(0) with at least 4,096 (some servers send more than asked:
        // the client's buffer takes it whole); truncated otherwise.
        "big" => {
            let payload = query.extensions().as_ref().map(|e| e.max_payload());
            if payload.is_some_and(|p| p >= 4096) {
                let mut mx = cutover_mx();
                mx.extend((0..BIG_EXTRA).map(|n| {
                    (
                        100 + n,
                        format!("host-{n:03}-with-a-rather-long-label.extra.example."),
                    )
                }));
                reply = answer(query, &mx);
            } else {
                reply.answers_mut().clear();
                reply.set_truncated(true);
            }
        }
        // A name holding an escape sequence, as an extra MX.
        "escape" => {
            let mut records = mx_records(question.name(), &cutover_mx());
            let evil = Name::from_labels(vec![&b"evil\x1b[31mred"[..], &b"example"[..]]).unwrap();
            records.push(Record::from_rdata(
                question.name().clone(),
                CUTOVER_TTL,
                RData::MX(MX::new(30, evil)),
            ));
            reply.answers_mut().clear();
            reply.add_answers(records);
        }
        _ => {}
    }
    reply.to_vec().ok()
}

/// Extra MX records of `big.*`: with them the answer is over 10 KB.
const BIG_EXTRA: u16 = 200;

/// The reply to a query over TCP: the whole answer.
fn tcp_reply(query: &Message) -> Option<Vec<u8>> {
    answer(query, &cutover_mx()).to_vec().ok()
}

/// A misbehaving server on 127.0.0.1 (UDP, and TCP when `tcp`), each answer
/// after `delay`.
fn start_fake(tcp: bool, delay: Duration) -> Fake {
    let port = free_port();
    let stop = Arc::new(AtomicBool::new(false));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut threads = Vec::new();
    let udp = UdpSocket::bind(("127.0.0.1", port)).unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    {
        let stop = stop.clone();
        let max_in_flight = max_in_flight.clone();
        threads.push(std::thread::spawn(move || {
            let in_flight = Arc::new(AtomicUsize::new(0));
            let mut buffer = vec![0u8; 65_535];
            let mut handlers = Vec::new();
            while !stop.load(Ordering::SeqCst) && started.elapsed() < FAKE_LIFETIME {
                let Ok((size, from)) = udp.recv_from(&mut buffer) else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buffer[..size]) else {
                    continue;
                };
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max_in_flight.fetch_max(now, Ordering::SeqCst);
                let socket = udp.try_clone().unwrap();
                let in_flight = in_flight.clone();
                handlers.push(std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    // Answered before the reply leaves: the client's next
                    // query can only come after, and is never counted with
                    // this one.
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    if let Some(reply) = udp_reply(&query) {
                        let _ = socket.send_to(&reply, from);
                    }
                }));
            }
            for handler in handlers {
                let _ = handler.join();
            }
        }));
    }
    if tcp {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = stop.clone();
        threads.push(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) && started.elapsed() < FAKE_LIFETIME {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut prefix = [0u8; 2];
                if stream.read_exact(&mut prefix).is_err() {
                    continue;
                }
                let mut body = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
                if stream.read_exact(&mut body).is_err() {
                    continue;
                }
                let Some(reply) = Message::from_vec(&body).ok().and_then(|q| tcp_reply(&q)) else {
                    continue;
                };
                let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&reply);
                let _ = stream.write_all(&framed);
            }
        }));
    }
    Fake {
        port,
        stop,
        max_in_flight,
        threads,
    }
}

/// A topology routing `domains` through the gateway of [`CUTOVER_MX`];
/// `extra_egress` adds an egress line (a prefix with host bits set is the
/// MF0102 warning).
fn fake_topology(domains: &[&str], egress: &str) -> String {
    let list: Vec<String> = domains.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        "version = 1\n\n[organization]\nname = \"Contoso\"\ntenant = \"contoso.onmicrosoft.com\"\ndomains = [{}]\n\n[gateway]\nname = \"Gateway\"\negress = [\"{egress}\"]\nmx = [{{ host = \"mx1.gateway.example\", priority = 10 }}, {{ host = \"mx2.gateway.example\", priority = 20 }}]\n\n[inbound]\nlockdown = true\n\n[dns]\nttl = 3600\nprecutover_ttl = 300\ncurrent_ttl = 7200\n",
        list.join(", ")
    )
}

/// `dns-check --phase cutover` of a topology routing `domains`, against the
/// fake server: exit code, stdout, stderr.
fn fake_check(fake: &Fake, domains: &[&str], args: &[&str]) -> (i32, String, String) {
    fake_check_topology(fake, &fake_topology(domains, "68.232.140.27"), args)
}

fn fake_check_topology(fake: &Fake, topology: &str, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("topology.toml"), topology).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
        .current_dir(dir.path())
        .args([
            "dns-check",
            "topology.toml",
            "--phase",
            "cutover",
            "--server",
            &format!("127.0.0.1:{}", fake.port),
        ])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_fake_servers_correct_answer_passes() {
    let fake = start_fake(true, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["good.example"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("ok: good.example")
            && out.contains("10 mx1.gateway.example ttl 300")
            && out.contains("every domain is in phase cutover"),
        "{out}"
    );
}

#[test]
fn an_answer_for_another_name_is_not_the_domains() {
    let fake = start_fake(true, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["good.example", "wrongname.example"], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("ok: good.example"), "{out}");
    assert!(
        out.contains("could not ask: wrongname.example:")
            && out.contains("it answers other.example. IN MX, not the question asked"),
        "{out}"
    );
    assert!(!out.contains("every domain"), "{out}");
    assert!(err.contains("1 of 2 domains could not be asked"), "{err}");
}

#[test]
fn a_packet_that_is_not_a_response_is_not_an_answer() {
    let fake = start_fake(true, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["query.example"], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains("could not ask: query.example:") && out.contains("not a response (QR=0)"),
        "{out}"
    );
}

#[test]
fn a_truncated_answer_is_asked_again_over_tcp() {
    let fake = start_fake(true, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["tc.example"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok: tc.example"), "{out}");
}

#[test]
fn a_truncated_answer_without_tcp_could_not_be_asked() {
    // No TCP listener: the connection is refused.
    let fake = start_fake(false, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["tcfail.example"], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains("could not ask: tcfail.example:") && out.contains("truncated its answer (TC)"),
        "{out}"
    );
    assert!(!out.contains("ok:"), "{out}");
}

#[test]
fn rcodes_are_reported_as_what_they_are() {
    let fake = start_fake(true, Duration::ZERO);
    let server = format!("127.0.0.1:{}", fake.port);
    let (code, out, err) = fake_check(
        &fake,
        &[
            "good.example",
            "nxdomain.example",
            "refused.example",
            "servfail.example",
        ],
        &[],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.contains(&format!(
            "could not ask: servfail.example: SERVFAIL from {server}"
        )) && out.contains(&format!(
            "could not ask: refused.example: REFUSED from {server}"
        )),
        "{out}"
    );
    assert!(
        out.contains("differs: nxdomain.example")
            && out.contains("the domain does not exist at its authoritative server"),
        "{out}"
    );
    assert!(!out.contains("missing: MX"), "{out}");
    assert!(out.contains("ok: good.example"), "{out}");
    // NXDOMAIN alone is an answer: a difference (3), not a failure to ask.
    let (code, out, err) = fake_check(&fake, &["good.example", "nxdomain.example"], &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(!out.contains("missing: MX"), "{out}");
}

#[test]
fn an_answer_over_4096_bytes_is_read_whole() {
    let fake = start_fake(true, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["big.example"], &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert_eq!(
        out.matches("not wanted in phase cutover: MX").count(),
        usize::from(BIG_EXTRA),
        "{out}"
    );
    assert!(
        out.contains("not wanted in phase cutover: MX 299 host-199-with-a-rather-long-label.extra.example ttl 300"),
        "{out}"
    );
    assert!(!out.contains("missing: MX"), "{out}");
}

#[test]
fn a_server_that_never_answers_is_one_domains_result() {
    let fake = start_fake(true, Duration::ZERO);
    let server = format!("127.0.0.1:{}", fake.port);
    let (code, out, err) = fake_check(
        &fake,
        &["alpha.example", "silent.example", "zulu.example"],
        &[],
    );
    assert_eq!(code, 2, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            format!("ok: alpha.example ({server}): 10 mx1.gateway.example ttl 300; 20 mx2.gateway.example ttl 300"),
            format!("could not ask: silent.example: {server} did not answer"),
            format!("ok: zulu.example ({server}): 10 mx1.gateway.example ttl 300; 20 mx2.gateway.example ttl 300"),
        ],
        "{out}"
    );
    assert!(err.contains("1 of 3 domains could not be asked"), "{err}");
}

#[test]
fn domains_are_asked_in_parallel_within_the_bound() {
    let fake = start_fake(true, Duration::from_millis(300));
    let names: Vec<String> = (0..40).map(|n| format!("d{n:02}.example")).collect();
    let domains: Vec<&str> = names.iter().map(String::as_str).collect();
    let (code, out, err) = fake_check(&fake, &domains, &[]);
    assert_eq!(code, 0, "{out}{err}");
    // In domain order, whatever order the answers came in.
    let reported: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("ok: ")?.split(' ').next())
        .collect();
    assert_eq!(reported, domains, "{out}");
    let most = fake.max_in_flight.load(Ordering::SeqCst);
    assert!(
        most > 1 && most <= mailflowc::dnscheck::IN_FLIGHT,
        "at most {most} queries were in flight"
    );
}

#[test]
fn quiet_prints_only_what_is_wrong_and_json_is_one_document() {
    let fake = start_fake(true, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["good.example"], &["-q"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, out, err) = fake_check(&fake, &["good.example", "servfail.example"], &["-q"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        !out.contains("ok:") && !out.contains("every domain"),
        "{out}"
    );
    assert!(out.contains("could not ask: servfail.example"), "{out}");

    let (code, out, err) = fake_check(
        &fake,
        &["good.example", "servfail.example", "nxdomain.example"],
        &["--format", "json"],
    );
    assert_eq!(code, 2, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["phase"], "cutover");
    assert_eq!(report["status"], "could-not-ask");
    let domains = report["domains"].as_array().unwrap();
    let status: Vec<(&str, &str)> = domains
        .iter()
        .map(|d| (d["domain"].as_str().unwrap(), d["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        [
            ("good.example", "ok"),
            ("nxdomain.example", "differs"),
            ("servfail.example", "could-not-ask"),
        ]
    );
    assert_eq!(
        domains[0]["found"],
        serde_json::json!([
            "10 mx1.gateway.example ttl 300",
            "20 mx2.gateway.example ttl 300"
        ])
    );
    assert_eq!(
        domains[0]["server"],
        format!("127.0.0.1:{}", fake.port).as_str()
    );
    assert!(domains[2]["problems"][0]
        .as_str()
        .unwrap()
        .starts_with("SERVFAIL from"));
}

#[test]
fn the_topologys_warnings_follow_allow_and_deny_warnings() {
    let fake = start_fake(true, Duration::ZERO);
    // A prefix with host bits set: the MF0102 warning.
    let topology = fake_topology(&["good.example"], "68.232.140.27/24");
    let (code, out, err) = fake_check_topology(&fake, &topology, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("MF0102"), "{err}");
    let (code, out, err) = fake_check_topology(&fake, &topology, &["--deny-warnings"]);
    assert_eq!(code, 1, "{out}{err}");
    let (code, out, err) =
        fake_check_topology(&fake, &topology, &["--deny-warnings", "--allow", "MF0102"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("MF0102"), "{err}");
}

#[test]
fn a_servers_names_are_escaped_when_printed() {
    let fake = start_fake(true, Duration::ZERO);
    let (code, out, err) = fake_check(&fake, &["escape.example"], &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(
        out.contains("not wanted in phase cutover: MX 30 evil"),
        "{out}"
    );
}
