//! Generated DNS files pass the tools that consume them: every zone fragment,
//! wrapped in a minimal zone, passes BIND's `named-checkzone`, and every
//! octoDNS YAML file passes octoDNS's own validation. Both tools must be
//! installed (`bash .ci/test` installs them); a missing tool fails the test.

mod common;

use std::path::Path;
use std::process::Command;

fn run(command: &mut Command, what: &str) -> (bool, String) {
    let output = command.output().unwrap_or_else(|error| {
        panic!("cannot run {what} ({error}); install it, or run the suite with `bash .ci/test`, which does")
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A fragment inside the smallest zone BIND accepts: an SOA and an NS.
fn wrap(domain: &str, fragment: &str) -> String {
    format!(
        "$ORIGIN {domain}.\n$TTL 3600\n@\tIN\tSOA\tns1.example.net. hostmaster.example.net. 1 3600 600 604800 300\n@\tIN\tNS\tns1.example.net.\n{fragment}"
    )
}

fn check_zone(dir: &Path, domain: &str, name: &str, fragment: &str) -> (bool, String) {
    let path = dir.join(format!("{domain}.{name}"));
    std::fs::write(&path, wrap(domain, fragment)).unwrap();
    run(
        Command::new("named-checkzone")
            .arg("-k")
            .arg("fail")
            .arg(domain)
            .arg(&path),
        "named-checkzone",
    )
}

fn octodns_validate(directory: &Path, domains: &[String]) -> (bool, String) {
    let config = directory.join("octodns-config.yaml");
    let mut text = format!(
        "---\nproviders:\n  generated:\n    class: octodns.provider.yaml.YamlProvider\n    directory: {}\n    enforce_order: true\nzones:\n",
        directory.display()
    );
    for domain in domains {
        text.push_str(&format!(
            "  {domain}.:\n    sources:\n      - generated\n    targets:\n      - generated\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    // `.ci/test` installs octoDNS into a virtual environment and names its
    // interpreter here; without it, the system's python3 must have octoDNS.
    let python = std::env::var("MAILFLOWC_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run(
        Command::new(&python)
            .args(["-m", "octodns.cmds.validate", "--config-file"])
            .arg(&config),
        "octoDNS (python -m octodns.cmds.validate; `bash .ci/test` installs it)",
    )
}

#[test]
fn every_zone_fragment_passes_named_checkzone() {
    let scratch = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for input in common::valid_inputs() {
        for (path, text) in common::build(&input) {
            if let Some(rest) = path.strip_prefix("dns/").filter(|p| p.ends_with(".zone")) {
                let (domain, name) = rest.split_once('/').unwrap();
                let (ok, output) = check_zone(scratch.path(), domain, name, &text);
                assert!(
                    ok,
                    "{}: {path} fails named-checkzone:\n{output}",
                    common::file_name(&input)
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} zone fragments checked");
}

#[test]
fn named_checkzone_does_reject_a_broken_fragment() {
    let scratch = tempfile::tempdir().unwrap();
    let (ok, _) = check_zone(
        scratch.path(),
        "contoso.com",
        "broken",
        "@\tIN\tMX\tten\tmx.example.net.\n",
    );
    assert!(!ok);
}

#[test]
fn every_octodns_file_of_every_phase_passes_octodns_validation() {
    let mut checked = 0;
    for input in common::valid_inputs() {
        // One provider directory per phase, as an operator would load them.
        let mut phases: std::collections::BTreeMap<String, Vec<(String, String)>> =
            std::collections::BTreeMap::new();
        for (path, text) in common::build(&input) {
            if let Some(rest) = path.strip_prefix("dns/octodns/") {
                // The configurations beside the folders: tests/octodns_push.rs.
                let Some((phase, file)) = rest.split_once('/') else {
                    continue;
                };
                phases
                    .entry(phase.to_owned())
                    .or_default()
                    .push((file.to_owned(), text));
            }
        }
        for (phase, files) in phases {
            let scratch = tempfile::tempdir().unwrap();
            let mut domains = Vec::new();
            for (file, text) in files {
                std::fs::write(scratch.path().join(&file), text).unwrap();
                domains.push(file.trim_end_matches(".yaml").to_owned());
            }
            let (ok, output) = octodns_validate(scratch.path(), &domains);
            assert!(
                ok,
                "{}: octoDNS rejects the {phase} YAML:\n{output}",
                common::file_name(&input)
            );
            checked += domains.len();
        }
    }
    assert!(checked >= 10, "only {checked} octoDNS files checked");
}

/// Every record of a zone as `named-compilezone` prints it: (owner, TTL, type, data).
fn compiled_records(dir: &Path, domain: &str, zone: &str) -> Vec<(String, String, String, String)> {
    let file = dir.join("pasted.zone");
    std::fs::write(&file, zone).unwrap();
    let output = Command::new("named-compilezone")
        .args(["-q", "-o", "-", &format!("{domain}.")])
        .arg(&file)
        .output()
        .expect("named-compilezone runs (`bash .ci/test` installs bind9-utils)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let owner = parts.next()?.to_owned();
            let ttl = parts.next()?.to_owned();
            let _class = parts.next()?;
            let kind = parts.next()?.to_owned();
            let data: Vec<&str> = parts.collect();
            Some((owner, ttl, kind, data.join(" ")))
        })
        .collect()
}

#[test]
fn a_pasted_fragment_changes_no_other_record() {
    let scratch = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for input in common::valid_inputs() {
        for (path, text) in common::build(&input) {
            let Some(rest) = path.strip_prefix("dns/").filter(|p| p.ends_with(".zone")) else {
                continue;
            };
            let (domain, _) = rest.split_once('/').unwrap();
            // An existing zone whose records rely on $ORIGIN, $TTL and a blank
            // owner; the fragment goes before a record that names its owner.
            let before = format!(
                "$ORIGIN {domain}.\n$TTL 4242\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 300\n  IN NS ns1.example.net.\n  IN NS ns2.example.net.\nwww 600 IN A 192.0.2.10\n"
            );
            let after = "ftp IN A 192.0.2.11\n    IN TXT \"kept\"\n";
            let original = compiled_records(scratch.path(), domain, &format!("{before}{after}"));
            let pasted =
                compiled_records(scratch.path(), domain, &format!("{before}{text}{after}"));
            // The fragment's own records: the apex MX, or the apex SPF TXT.
            let kind = if rest.contains("/spf") { "TXT" } else { "MX" };
            let apex = format!("{domain}.");
            let own = |r: &&(String, String, String, String)| r.2 == kind && r.0 == apex;
            let others: Vec<_> = pasted.iter().filter(|r| !own(r)).cloned().collect();
            assert_eq!(others, original, "{path}: pasting changed another record");
            let records: Vec<_> = pasted.iter().filter(own).collect();
            assert!(
                !records.is_empty(),
                "{path}: no {kind} record after pasting"
            );
            for record in records {
                assert_ne!(record.1, "4242", "{path}: the {kind} took the zone's $TTL");
                if kind == "TXT" {
                    assert!(record.3.starts_with("\"v=spf1 "), "{path}: {record:?}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} fragments pasted");
}

#[test]
fn octodns_validation_does_reject_a_broken_file() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(
        scratch.path().join("contoso.com.yaml"),
        "---\n'':\n  ttl: 3600\n  type: MX\n  values:\n  - exchange: not_a_host\n    preference: 10\n",
    )
    .unwrap();
    let (ok, _) = octodns_validate(scratch.path(), &["contoso.com".to_owned()]);
    assert!(!ok);
}
