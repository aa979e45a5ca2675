//! `mailflowc dns-check` of many domains against a slow server: a UDP
//! server on loopback that answers every MX query correctly after a fixed
//! delay, the way a distant authoritative server does. The domains are
//! asked `dnscheck::IN_FLIGHT` at a time, so the whole check takes about
//! `domains / IN_FLIGHT` delays, where one query at a time took `domains`
//! delays. Whole processes of the bench-profile binary, median of 5 runs.
//!
//!   cargo bench --bench dns_check
//!
//! Not a test: `cargo test` times nothing; tests/dns_check.rs counts the
//! queries in flight instead.

use hickory_proto::op::{Message, MessageType, OpCode};
use hickory_proto::rr::rdata::MX;
use hickory_proto::rr::{Name, RData, Record};
use std::net::UdpSocket;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DOMAINS: usize = 64;
const DELAY: Duration = Duration::from_millis(50);

/// The gateway's records in the cutover phase (TTL 300).
fn answer(query: &Message) -> Option<Vec<u8>> {
    let question = query.queries().first()?;
    let mut reply = Message::new();
    reply
        .set_id(query.id())
        .set_message_type(MessageType::Response)
        .set_op_code(OpCode::Query)
        .set_authoritative(true)
        .add_query(question.clone());
    for (preference, host) in [(10, "mx1.gateway.example."), (20, "mx2.gateway.example.")] {
        reply.add_answer(Record::from_rdata(
            question.name().clone(),
            300,
            RData::MX(MX::new(preference, Name::from_ascii(host).ok()?)),
        ));
    }
    reply.to_vec().ok()
}

/// Answers every query after [`DELAY`], each on its own thread, until `stop`.
fn serve(socket: UdpSocket, stop: Arc<AtomicBool>) {
    let _ = socket.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buffer = vec![0u8; 65_535];
    while !stop.load(Ordering::SeqCst) {
        let Ok((size, from)) = socket.recv_from(&mut buffer) else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buffer[..size]) else {
            continue;
        };
        let Ok(socket) = socket.try_clone() else {
            continue;
        };
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            if let Some(reply) = answer(&query) {
                let _ = socket.send_to(&reply, from);
            }
        });
    }
}

fn main() {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a loopback UDP port");
    let port = socket.local_addr().expect("its address").port();
    let stop = Arc::new(AtomicBool::new(false));
    let server = {
        let stop = stop.clone();
        std::thread::spawn(move || serve(socket, stop))
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let domains: Vec<String> = (0..DOMAINS)
        .map(|n| format!("\"d{n:03}.example\""))
        .collect();
    let topology = format!(
        "version = 1\n\n[organization]\nname = \"Contoso\"\ntenant = \"contoso.onmicrosoft.com\"\ndomains = [{}]\n\n[gateway]\nname = \"Gateway\"\negress = [\"68.232.140.27\"]\nmx = [{{ host = \"mx1.gateway.example\", priority = 10 }}, {{ host = \"mx2.gateway.example\", priority = 20 }}]\n\n[inbound]\nlockdown = true\n\n[dns]\nttl = 3600\nprecutover_ttl = 300\ncurrent_ttl = 7200\n",
        domains.join(", ")
    );
    std::fs::write(dir.path().join("topology.toml"), topology).expect("the topology is written");
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_mailflowc"))
            .current_dir(dir.path())
            .args(["-q", "dns-check", "topology.toml", "--phase", "cutover"])
            .arg("--server")
            .arg(format!("127.0.0.1:{port}"))
            .status()
            .expect("mailflowc runs");
        times.push(started.elapsed());
        assert!(status.success(), "dns-check failed: {status}");
    }
    stop.store(true, Ordering::SeqCst);
    let _ = server.join();
    times.sort();
    let sequential = DELAY * u32::try_from(DOMAINS).unwrap_or(u32::MAX);
    println!(
        "dns-check of {DOMAINS} domains, each answer after {} ms: median {:.3} s (min {:.3}, max {:.3}); one query at a time would wait {:.3} s",
        DELAY.as_millis(),
        times[times.len() / 2].as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
        sequential.as_secs_f64()
    );
}
