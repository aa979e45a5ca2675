//! A real BIND `named` for tests, started on a loopback port with its
//! configuration and zones in a directory the test owns (`bash .ci/test`
//! installs BIND; a missing `named` fails the test). Killed on drop.

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A named on 127.0.0.1:PORT serving the given zones; killed on drop.
pub struct Named {
    child: Child,
    pub port: u16,
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Named {
    /// `127.0.0.1:PORT`, as `--server` takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// A TSIG key (hmac-sha256) `named` allows to transfer and update its zones:
/// its name and base64 secret.
pub struct Tsig {
    pub name: &'static str,
    pub secret: &'static str,
}

/// The test key: a fixed 32-byte secret, used on loopback only.
pub const TEST_KEY: Tsig = Tsig {
    name: "mailflowc-test",
    secret: "bWFpbGZsb3djLXRlc3QtdHNpZy1rZXktMzItYnl0ZXM=",
};

pub fn free_port() -> u16 {
    // A port free for both UDP and TCP (named listens on both).
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub fn named_binary() -> &'static str {
    for candidate in ["/usr/sbin/named", "/usr/bin/named"] {
        if Path::new(candidate).is_file() {
            return candidate;
        }
    }
    panic!("BIND's named is not installed (`bash .ci/test` installs bind9)")
}

/// Starts named serving `zones` (domain, zone text) read-only.
pub fn start(dir: &Path, zones: &[(&str, String)]) -> Named {
    start_with(dir, zones, None)
}

/// Starts named serving `zones`; with a key, each zone allows transfer and
/// dynamic update (RFC 2136) signed with it, and nothing else.
pub fn start_with(dir: &Path, zones: &[(&str, String)], key: Option<&Tsig>) -> Named {
    let port = free_port();
    let mut conf = format!(
        "options {{\n  directory \"{}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  recursion no;\n  pid-file none;\n  dnssec-validation no;\n}};\n",
        dir.display()
    );
    let mut zone_options = String::new();
    if let Some(key) = key {
        conf.push_str(&format!(
            "key \"{}\" {{ algorithm hmac-sha256; secret \"{}\"; }};\n",
            key.name, key.secret
        ));
        zone_options = format!(
            " allow-update {{ key \"{0}\"; }}; allow-transfer {{ key \"{0}\"; }};",
            key.name
        );
    }
    for (domain, zone) in zones {
        std::fs::write(dir.join(format!("{domain}.zone")), zone).unwrap();
        conf.push_str(&format!(
            "zone \"{domain}\" {{ type primary; file \"{domain}.zone\";{zone_options} }};\n"
        ));
    }
    std::fs::write(dir.join("named.conf"), conf).unwrap();
    let log = std::fs::File::create(dir.join("named.log")).unwrap();
    let mut command = Command::new(named_binary());
    command.args(["-g", "-c"]).arg(dir.join("named.conf"));
    // As root, named would switch to its own user, who cannot read the
    // temporary directory: stay root.
    if std::env::var("USER").as_deref() == Ok("root") || is_root() {
        command.args(["-u", "root"]);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("named starts");
    let named = Named { child, port };
    // Ready when it answers for the first zone.
    let first = zones.first().map_or("localhost", |(domain, _)| domain);
    let started = Instant::now();
    let server = format!("127.0.0.1:{port}").parse().unwrap();
    while started.elapsed() < Duration::from_secs(20) {
        if mailflowc::dnscheck::query(
            server,
            &format!("{first}."),
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

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A zone holding `records` (zone-file lines) beside its SOA, NS and the
/// name server's address.
pub fn zone(domain: &str, records: &str) -> String {
    format!(
        "$TTL 86400\n@ IN SOA ns1.{domain}. hostmaster.{domain}. 1 7200 3600 1209600 300\n@ IN NS ns1.{domain}.\nns1 IN A 127.0.0.1\n{records}"
    )
}
