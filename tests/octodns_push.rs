//! Every octoDNS phase of every example pushed, unchanged, by octoDNS itself
//! (`octodns-sync` with octodns-bind, from the virtual environment `bash
//! .ci/test` makes: MAILFLOWC_TEST_PYTHON) to a real BIND `named` on
//! loopback that allows transfer and dynamic update for a TSIG key: the
//! configuration the build writes (`dns/octodns/<phase>.config.yaml`) reads
//! the live zone over AXFR and lays the phase's MX over it. After each push,
//! in the runbook's order: octoDNS's plan created and deleted nothing, every
//! record but the apex MX is as it was (read back over AXFR), the apex MX is
//! the phase's, and `mailflowc dns-check --server` agrees. A configuration
//! without the live zone among its sources, which deletes the zone's other
//! records, is caught by the same checks.

mod common;

use common::named::{self, Named, TEST_KEY};
use mailflowc::targets::dns::{ENV_HOST, ENV_KEY_NAME, ENV_KEY_SECRET, ENV_PORT};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The records a live zone holds besides its SOA and apex MX: what no push
/// may touch.
fn other_records(domain: &str) -> String {
    let label = domain.replace('.', "-");
    format!(
        "www 3600 IN A 192.0.2.10\n\
         www 3600 IN AAAA 2001:db8::10\n\
         @ 3600 IN TXT \"v=spf1 include:spf.protection.outlook.com -all\"\n\
         _dmarc 3600 IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}\"\n\
         autodiscover 3600 IN CNAME autodiscover.outlook.com.\n\
         selector1._domainkey 3600 IN CNAME selector1-{label}._domainkey.contoso.onmicrosoft.com.\n\
         _sip._tls 3600 IN SRV 100 1 443 sipdir.online.lync.com.\n\
         sub 3600 IN MX 10 mail.{domain}.\n\
         mail 3600 IN A 192.0.2.25\n"
    )
}

/// A live zone: SOA, an out-of-zone name server (BIND refuses an update that
/// deletes an in-zone server's address, which would hide the planted
/// defect below), the other records and `mx`.
fn live_zone(domain: &str, mx: &str) -> String {
    format!(
        "$TTL 86400\n@ IN SOA ns.dns-host.test. hostmaster.{domain}. 1 7200 3600 1209600 300\n\
         @ IN NS ns.dns-host.test.\n{}{mx}",
        other_records(domain)
    )
}

/// The test interpreter; a missing one fails the test.
fn python() -> String {
    std::env::var("MAILFLOWC_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("MAILFLOWC_TEST_PYTHON is not set: run the suite with `bash .ci/test`, which installs octoDNS")
    })
}

/// One example's build, written out, with its topology's path.
struct Example {
    topology: PathBuf,
    out: tempfile::TempDir,
    domains: Vec<String>,
}

fn examples() -> Vec<Example> {
    let mut found = Vec::new();
    for topology in common::toml_files(&common::root().join("examples")) {
        let files = common::build(&topology);
        let out = tempfile::tempdir().unwrap();
        let mut domains = BTreeSet::new();
        for (path, text) in &files {
            if let Some(rest) = path.strip_prefix("dns/") {
                if let Some((domain, _)) = rest.split_once("/restore.zone") {
                    domains.insert(domain.to_owned());
                }
                let target = out.path().join(path);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, text).unwrap();
            }
        }
        if !domains.is_empty() {
            found.push(Example {
                topology,
                out,
                domains: domains.into_iter().collect(),
            });
        }
    }
    assert!(found.len() >= 2, "only {} examples move MX", found.len());
    found
}

/// A phase fragment's MX records, as `owner ttl MX priority host`.
fn fragment_mx(fragment: &str) -> BTreeSet<String> {
    fragment
        .lines()
        .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .filter(|f| *f != "IN")
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Every record of the zones but the SOA, read over AXFR (dnspython, signed
/// with the test key), as `owner ttl type data`.
fn axfr(named: &Named, zones: &[String]) -> BTreeSet<String> {
    const SCRIPT: &str = r#"
import sys, dns.query, dns.zone, dns.tsigkeyring, dns.rdatatype
port, key_name, key_secret = sys.argv[1:4]
ring = dns.tsigkeyring.from_text({key_name: key_secret})
for name in sys.argv[4:]:
    z = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", name, port=int(port), keyring=ring,
        keyalgorithm="hmac-sha256", relativize=False), relativize=False)
    for owner, ttl, rdata in z.iterate_rdatas():
        kind = dns.rdatatype.to_text(rdata.rdtype)
        if kind != "SOA":
            print(owner.to_text(), ttl, kind, rdata.to_text())
"#;
    let port = named.port.to_string();
    let mut args: Vec<&std::ffi::OsStr> = vec![
        port.as_ref(),
        TEST_KEY.name.as_ref(),
        TEST_KEY.secret.as_ref(),
    ];
    args.extend(zones.iter().map(std::ffi::OsStr::new));
    let output = common::python(SCRIPT, &args, "");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Whether a record is an apex MX of one of the domains.
fn is_apex_mx(record: &str, domains: &[String]) -> bool {
    let mut fields = record.split(' ');
    let owner = fields.next().unwrap_or("");
    let kind = fields.nth(1).unwrap_or("");
    kind == "MX" && domains.iter().any(|d| owner == format!("{d}."))
}

/// octoDNS's summary lines (one per zone with changes).
fn summaries(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.split_once("Summary: ").map(|(_, s)| s.trim().to_owned()))
        .collect()
}

/// Pushes `config` (a file in `dns/octodns/`) with `octodns-sync --doit`,
/// then checks what the push did: nothing created or deleted, every other
/// record as before, the apex MX the phase's, and dns-check agreeing.
/// Every problem found, or nothing.
fn push_and_check(
    named: &Named,
    example: &Example,
    config: &Path,
    phase: &str,
    force: bool,
) -> Result<(), Vec<String>> {
    let zones: Vec<String> = example.domains.clone();
    let before = axfr(named, &zones);
    let output = Command::new(python())
        .args(["-m", "octodns.cmds.sync", "--config-file"])
        .arg(config.file_name().unwrap())
        .arg("--doit")
        .args(force.then_some("--force"))
        .current_dir(config.parent().unwrap())
        .env(ENV_HOST, "127.0.0.1")
        .env(ENV_PORT, named.port.to_string())
        .env(ENV_KEY_NAME, TEST_KEY.name)
        .env(ENV_KEY_SECRET, TEST_KEY.secret)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): run `bash .ci/test`", python()));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        return Err(vec![format!(
            "octodns-sync failed for {} ({phase}):\n{log}",
            config.display()
        )]);
    }
    let mut problems = Vec::new();
    let summary = summaries(&log);
    if summary.is_empty() {
        problems.push(format!("octoDNS planned no change:\n{log}"));
    }
    for line in &summary {
        if !line.starts_with("Creates=0,") || !line.contains("Deletes=0,") {
            problems.push(format!("octoDNS's plan: {line}"));
        }
    }
    let after = axfr(named, &zones);
    let others = |set: &BTreeSet<String>| -> BTreeSet<String> {
        set.iter()
            .filter(|r| !is_apex_mx(r, &zones))
            .cloned()
            .collect()
    };
    let (others_before, others_after) = (others(&before), others(&after));
    for gone in others_before.difference(&others_after) {
        problems.push(format!("deleted or changed: {gone}"));
    }
    for new in others_after.difference(&others_before) {
        problems.push(format!("created or changed: {new}"));
    }
    let mut wanted = BTreeSet::new();
    for domain in &zones {
        let fragment = std::fs::read_to_string(
            example
                .out
                .path()
                .join(format!("dns/{domain}/{phase}.zone")),
        )
        .unwrap();
        wanted.extend(fragment_mx(&fragment));
    }
    let served: BTreeSet<String> = after
        .iter()
        .filter(|r| is_apex_mx(r, &zones))
        .cloned()
        .collect();
    if served != wanted {
        problems.push(format!(
            "the apex MX after the push: {served:?}, the phase's: {wanted:?}"
        ));
    }
    let check = common::mailflowc_in(
        &common::root(),
        &[
            "dns-check",
            example.topology.to_str().unwrap(),
            "--phase",
            phase,
            "--server",
            &named.address(),
        ],
    );
    if !check.status.success() {
        problems.push(format!(
            "dns-check --phase {phase} exits {:?}:\n{}{}",
            check.status.code(),
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[test]
fn every_phase_of_every_example_is_pushed_by_octodns_changing_only_the_mx() {
    // No interpreter, no test: fail, never pass without pushing.
    python();
    let examples = examples();
    // One named for every example: their domains must not overlap.
    let mut zones: Vec<(String, String)> = Vec::new();
    for example in &examples {
        for domain in &example.domains {
            assert!(
                !zones.iter().any(|(d, _)| d == domain),
                "{domain} is in two examples: this test serves each domain once"
            );
            // Before the first phase: Microsoft 365's MX with its current TTL,
            // which is what restore.zone carries.
            let restore = std::fs::read_to_string(
                example
                    .out
                    .path()
                    .join(format!("dns/{domain}/restore.zone")),
            )
            .unwrap();
            zones.push((domain.clone(), live_zone(domain, &restore)));
        }
    }
    let server_dir = tempfile::tempdir().unwrap();
    let zone_refs: Vec<(&str, String)> =
        zones.iter().map(|(d, z)| (d.as_str(), z.clone())).collect();
    let named = named::start_with(server_dir.path(), &zone_refs, Some(&TEST_KEY));
    let mut pushed = 0;
    for example in &examples {
        // The runbook's order: prepare, cutover, stabilize, then its
        // Rollback section's two.
        for (_, phase) in mailflowc::dnscheck::PHASES {
            let config = example
                .out
                .path()
                .join(format!("dns/octodns/{phase}.config.yaml"));
            assert!(config.is_file(), "no {}", config.display());
            if let Err(problems) = push_and_check(&named, example, &config, phase, false) {
                panic!(
                    "{} {phase}:\n{}",
                    common::file_name(&example.topology),
                    problems.join("\n")
                );
            }
            pushed += 1;
        }
    }
    assert!(pushed >= 10, "only {pushed} phases pushed");

    // A planted defect: the cutover's configuration without the live zone
    // among its sources, which would delete every record the phase's file
    // does not name. octoDNS's safety thresholds, kept on, refuse it (the
    // zone has 11 records, over the thresholds' minimum of 10); forced past them, the
    // checks above catch the deletions.
    let example = &examples[0];
    let config = example.out.path().join("dns/octodns/cutover.config.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let defective = text.replace("      - live\n", "");
    assert_ne!(defective, text, "the configuration lists no `live` source");
    let planted = example.out.path().join("dns/octodns/no-live.config.yaml");
    std::fs::write(&planted, defective).unwrap();
    let refused = push_and_check(&named, example, &planted, "cutover", false)
        .expect_err("octoDNS pushed a configuration without the live zone")
        .join("\n");
    assert!(refused.contains("Too many deletes"), "{refused}");
    let forced = push_and_check(&named, example, &planted, "cutover", true)
        .expect_err("a push without the live zone passed the checks")
        .join("\n");
    assert!(
        forced.contains("octoDNS's plan: Creates=0, Updates=1, Deletes=")
            && forced.contains("deleted or changed: www."),
        "{forced}"
    );
}
