//! `mailflowc dns-check` against a real BIND `named`, started by the test on
//! a loopback port with its configuration and zones in a temporary
//! directory (`bash .ci/test` installs BIND). For each phase: a zone in that
//! phase passes; a zone one phase behind, or with a longer TTL, is exit 3.

mod common;

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
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

/// A named on 127.0.0.1:PORT serving the given zones; killed on drop.
struct Named {
    child: Child,
    port: u16,
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    // A port free for both UDP and TCP (named listens on both).
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn named_binary() -> &'static str {
    for candidate in ["/usr/sbin/named", "/usr/bin/named"] {
        if Path::new(candidate).is_file() {
            return candidate;
        }
    }
    panic!("BIND's named is not installed (`bash .ci/test` installs bind9)")
}

fn start_named(dir: &Path, zones: &[(&str, String)]) -> Named {
    let port = free_port();
    let mut conf = format!(
        "options {{\n  directory \"{}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  recursion no;\n  pid-file none;\n  dnssec-validation no;\n}};\n",
        dir.display()
    );
    for (domain, zone) in zones {
        std::fs::write(dir.join(format!("{domain}.zone")), zone).unwrap();
        conf.push_str(&format!(
            "zone \"{domain}\" {{ type primary; file \"{domain}.zone\"; }};\n"
        ));
    }
    std::fs::write(dir.join("named.conf"), conf).unwrap();
    let log = std::fs::File::create(dir.join("named.log")).unwrap();
    let mut command = Command::new(named_binary());
    command.args(["-g", "-c"]).arg(dir.join("named.conf"));
    // As root, named would switch to its own user, who cannot read the
    // temporary directory: stay root.
    if std::env::var("USER").as_deref() == Ok("root") || unsafe_is_root() {
        command.args(["-u", "root"]);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("named starts");
    let named = Named { child, port };
    // Ready when it answers.
    let started = Instant::now();
    let server = format!("127.0.0.1:{port}").parse().unwrap();
    while started.elapsed() < Duration::from_secs(20) {
        if mailflowc::dnscheck::query(
            server,
            "contoso.com.",
            hickory_proto::rr::RecordType::SOA,
            false,
        )
        .is_ok()
        {
            return named;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "named did not answer on port {port}:\n{}",
        std::fs::read_to_string(dir.join("named.log")).unwrap_or_default()
    );
}

fn unsafe_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A zone holding the fragment a phase's file carries.
fn zone(domain: &str, fragment: &str) -> String {
    format!(
        "$TTL 86400\n@ IN SOA ns1.{domain}. hostmaster.{domain}. 1 7200 3600 1209600 300\n@ IN NS ns1.{domain}.\nns1 IN A 127.0.0.1\n{fragment}"
    )
}

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
