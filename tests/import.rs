//! `mailflowc import`: a topology from a tenant export that, built, plans no
//! change against that tenant. Each fixture export is imported by the
//! binary, the topology built by the binary, and compared with the same
//! export by `mailflowc drift`: the only differences are the ownership
//! markers on the objects the import says it adopts. An export of a tenant
//! mailflowc built gives back the desired state of the topology it was
//! built from. Refusals write nothing.

mod common;

use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    common::root().join("tests/fixtures/import")
}

fn load(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Imports `export` (a file) into `work/topology.toml` with the binary.
fn import_file(work: &Path, export: &Path, extra: &[&str]) -> std::process::Output {
    let out = work.join("topology.toml");
    let mut args = vec![
        "import",
        "--tenant",
        export.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::mailflowc_in(work, &args)
}

/// Imports a JSON value written to `work/export.json`.
fn import_value(work: &Path, export: &Json, extra: &[&str]) -> std::process::Output {
    let path = work.join("export.json");
    std::fs::write(&path, serde_json::to_string_pretty(export).unwrap()).unwrap();
    import_file(work, &path, extra)
}

/// The objects `drift` finds different, as (kind, name, property).
fn drift(work: &Path, export: &Path) -> (i32, Vec<(String, String, String)>) {
    let topology = work.join("topology.toml");
    let out = common::mailflowc_in(
        work,
        &[
            "drift",
            topology.to_str().unwrap(),
            "--tenant",
            export.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let report: Json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["name"].as_str().unwrap().to_owned(),
                format!(
                    "{} {}",
                    f["problem"].as_str().unwrap(),
                    f["property"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    (out.status.code().unwrap(), findings)
}

/// The `adopt:` lines of an import's standard error, as (kind, name).
fn adopted(stderr: &str) -> BTreeSet<(String, String)> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("adopt: "))
        .map(|l| {
            let (kind, rest) = l.split_once(" `").unwrap();
            let (name, _) = rest.split_once("`: ").unwrap();
            (kind.to_owned(), name.to_owned())
        })
        .collect()
}

/// Imports, builds and drifts one fixture; returns the topology text and
/// the adopted objects.
fn round_trip(fixture: &str) -> (String, BTreeSet<(String, String)>) {
    let work = tempfile::tempdir().unwrap();
    let export = dir().join(fixture);
    let out = import_file(work.path(), &export, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{fixture}: {stderr}");
    let topology = std::fs::read_to_string(work.path().join("topology.toml")).unwrap();
    // It builds, as any topology.
    let built = common::mailflowc_in(
        work.path(),
        &["build", "topology.toml", "--out", "generated"],
    );
    assert_eq!(
        built.status.code(),
        Some(0),
        "{fixture}: {}{}",
        text(&built.stdout),
        text(&built.stderr)
    );
    // Drift against the same export: only the markers of the adopted objects.
    let adopted = adopted(&stderr);
    let (code, findings) = drift(work.path(), &export);
    for (kind, name, what) in &findings {
        assert!(
            matches!(what.as_str(), "differs Comment" | "differs Comments")
                && adopted.contains(&(kind.clone(), name.clone())),
            "{fixture}: building the import would change {kind} {name}: {what}\n{topology}"
        );
    }
    let marked: BTreeSet<(String, String)> = findings
        .iter()
        .map(|(k, n, _)| (k.clone(), n.clone()))
        .collect();
    assert_eq!(
        marked, adopted,
        "{fixture}: every adopted object, and only those, lacks the marker"
    );
    assert_eq!(code, if findings.is_empty() { 0 } else { 3 });
    (topology, adopted)
}

fn pairs(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(k, n)| ((*k).to_owned(), (*n).to_owned()))
        .collect()
}

#[test]
fn a_cloudflare_tenant_set_up_by_hand_round_trips_with_its_connectors_adopted() {
    let (topology, adopted) = round_trip("cloudflare-by-hand.json");
    assert_eq!(
        adopted,
        pairs(&[
            ("InboundConnector", "Cloudflare Email Security inbound"),
            ("InboundConnector", "Only accept mail from Cloudflare"),
        ])
    );
    let parsed: toml::Table = topology.parse().unwrap();
    // The connector's /24 pieces are the catalog's prefixes: the vendor,
    // its region told by the MX, and no address typed.
    assert_eq!(parsed["gateway"]["vendor"].as_str(), Some("cloudflare"));
    assert_eq!(parsed["gateway"]["region"].as_str(), Some("global"));
    assert!(parsed["gateway"].get("egress").is_none());
    assert_eq!(
        parsed["inbound"]["reject_direct_send"].as_bool(),
        Some(false)
    );
    assert_eq!(
        parsed["names"]["lockdown_connector"].as_str(),
        Some("Only accept mail from Cloudflare")
    );
    insta::assert_snapshot!("import-cloudflare-by-hand", topology);
}

#[test]
fn a_relay_with_outbound_set_up_by_hand_round_trips_and_the_stamping_rule_is_said_to_be_refused() {
    let work = tempfile::tempdir().unwrap();
    let out = import_file(work.path(), &dir().join("relay-by-hand.json"), &[]);
    let stderr = text(&out.stderr);
    // -Adopt refuses a rule that already stamps a value (_object.ps1.j2):
    // the import says so instead of promising an adoption.
    assert!(
        stderr.contains("adopt: TransportRule `Route via relay`: it already stamps a header value"),
        "{stderr}"
    );
    // The SCL -1 rule mailflowc cannot manage beside Enhanced Filtering is named.
    assert!(
        stderr.contains("note: the rule `Trust relay` sets SCL -1"),
        "{stderr}"
    );
    let (topology, adopted) = round_trip("relay-by-hand.json");
    assert_eq!(
        adopted,
        pairs(&[
            ("InboundConnector", "Relay inbound"),
            ("InboundConnector", "Relay lock-down (certificate)"),
            ("OutboundConnector", "To relay"),
            ("TransportRule", "Route via relay"),
        ])
    );
    let parsed: toml::Table = topology.parse().unwrap();
    assert_eq!(
        parsed["inbound"]["lockdown_by"].as_str(),
        Some("certificate")
    );
    assert_eq!(
        parsed["inbound"]["enhanced_filtering"]["mode"].as_str(),
        Some("skip-listed")
    );
    assert_eq!(
        parsed["outbound"]["tls"].as_str(),
        Some("domain-validation")
    );
    // The export holds the secret's fingerprint, never the secret.
    assert_eq!(
        parsed["outbound"]["secret_header"]["sha256"].as_str(),
        Some("1bf9eaf339bd20c172b2f62b6feac9ffaa489d1799b8572b1c9935efec2812af")
    );
    assert!(parsed["gateway"].get("vendor").is_none());
    insta::assert_snapshot!("import-relay-by-hand", topology);
}

/// The exchange objects of a desired state, the trusted ARC sealers aside
/// (an export cannot tell the gateway's sealer from the tenant's own).
fn exchange_objects(path: &Path) -> Json {
    let ctx = common::context_for(path);
    let source = std::fs::read_to_string(path).unwrap();
    let (topology, found) = mailflowc::pipeline::analyze_with(&source, &ctx);
    let topology = topology.unwrap_or_else(|| panic!("{found:?}"));
    let state =
        mailflowc::targets::state::desired_state(&topology, &mailflowc::targets::plan(&topology));
    let objects: serde_json::Map<String, Json> = state
        .objects
        .iter()
        .filter(|(key, entry)| key.starts_with("exchange/") && entry.kind != "ArcConfig")
        .map(|(key, entry)| {
            (
                key.clone(),
                serde_json::to_value(&entry.properties).unwrap(),
            )
        })
        .collect();
    Json::Object(objects)
}

#[test]
fn a_tenant_mailflowc_built_imports_to_the_desired_state_it_was_built_from_in_sync() {
    let (topology, adopted) = round_trip("mailflowc-built.json");
    assert!(adopted.is_empty(), "{adopted:?}");
    assert!(topology.contains("finds it in sync"), "{topology}");
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("topology.toml"), &topology).unwrap();
    assert_eq!(
        exchange_objects(&work.path().join("topology.toml")),
        exchange_objects(&common::root().join("tests/fixtures/drift/topology.toml")),
    );
}

#[test]
fn an_import_that_would_change_the_tenant_is_refused_unless_allowed_and_then_lists_the_changes() {
    // The lock-down connector applies to every domain: mailflowc's is scoped
    // to the topology's domains.
    let export = common::root().join("tests/fixtures/audit/clean.json");
    let work = tempfile::tempdir().unwrap();
    let out = import_file(work.path(), &export, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("AssociatedAcceptedDomains: + contoso.com")
            && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert!(!work.path().join("topology.toml").exists());
    assert!(out.stdout.is_empty());

    let out = import_file(work.path(), &export, &["--allow-changes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let topology = std::fs::read_to_string(work.path().join("topology.toml")).unwrap();
    assert!(
        topology.contains("# CHANGES building this topology makes")
            && topology.contains("AssociatedAcceptedDomains: + contoso.com"),
        "{topology}"
    );
    let (code, findings) = drift(work.path(), &export);
    assert_eq!(code, 3);
    assert_eq!(
        findings,
        vec![(
            "InboundConnector".to_owned(),
            "mailflowc lock-down to gateway".to_owned(),
            "differs AssociatedAcceptedDomains".to_owned()
        )]
    );
}

#[test]
fn a_marked_object_whose_role_the_import_lacks_is_a_change_converge_would_make() {
    // The outbound rule is gone: the topology has no [outbound], and
    // 80-converge.ps1 would remove the marked outbound connector.
    let mut export = load(&dir().join("mailflowc-built.json"));
    export["TransportRule"] = Json::Array(Vec::new());
    let work = tempfile::tempdir().unwrap();
    let out = import_value(work.path(), &export, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("removed OutboundConnector mailflowc outbound to gateway"),
        "{stderr}"
    );
}

#[test]
fn exports_that_cannot_be_imported_are_refused_with_the_reason_and_nothing_written() {
    let base = load(&dir().join("cloudflare-by-hand.json"));
    let cases: Vec<(&str, Json, i32, &str)> = {
        // Two Partner connectors for every sender domain and no lock-down
        // to tell them apart: the export does not prove which is the
        // gateway's (with a lock-down, what it admits is: see case 4).
        let mut two = base.clone();
        let mut second = two["InboundConnector"][0].clone();
        second["Name"] = Json::from("Legacy gateway");
        second["SenderIPAddresses"] = Json::from(vec!["192.0.2.0/24"]);
        two["InboundConnector"].as_array_mut().unwrap().push(second);
        two["InboundConnector"].as_array_mut().unwrap().remove(1);
        let mut none = base.clone();
        none["InboundConnector"] = Json::Array(Vec::new());
        let mut old = base.clone();
        old.as_object_mut().unwrap().remove("AcceptedDomain");
        let mut newline = base.clone();
        newline["InboundConnector"][0]["Name"] = Json::from("Gateway\nin");
        vec![
            (
                "two gateways",
                two,
                2,
                "`Cloudflare Email Security inbound`, `Legacy gateway` are Partner connectors for every sender domain, and any of them could be the gateway's: mailflowc imports one gateway; disable the ones that are not (the audit lists them: `mailflowc audit --tenant`) and export again; or name the gateway's with --gateway-connector NAME",
            ),
            ("no gateway", none, 2, "no enabled Partner inbound connector accepts every sender domain"),
            ("an old export", old, 2, "the export has no `AcceptedDomain`"),
            (
                "a name Exchange refuses",
                newline,
                1,
                "the tenant holds what mailflowc refuses",
            ),
            ("not an export", Json::from(serde_json::Map::new()), 2, "not a tenant export"),
        ]
    };
    for (case, export, code, message) in cases {
        let work = tempfile::tempdir().unwrap();
        let out = import_value(work.path(), &export, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{case}: {stderr}");
        assert!(stderr.contains(message), "{case}: {stderr}");
        assert!(!work.path().join("topology.toml").exists(), "{case}");
    }
}

#[test]
fn import_never_overwrites_a_file() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("topology.toml"), "mine\n").unwrap();
    let out = import_file(work.path(), &dir().join("cloudflare-by-hand.json"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("never overwrites"));
    assert_eq!(
        std::fs::read_to_string(work.path().join("topology.toml")).unwrap(),
        "mine\n"
    );
}

#[test]
fn names_from_the_tenant_reach_the_topology_as_toml_strings_whatever_they_hold() {
    let mut export = load(&dir().join("relay-by-hand.json"));
    let hostile = "Relay \"in\" # ] [names] x = 'y' ${env:X}";
    export["InboundConnector"][0]["Name"] = Json::from(hostile);
    export["TransportRule"][1]["Name"] = Json::from("Route \"\"\" via '''");
    export["ArcConfig"]["ArcTrustedSealers"] = Json::from("a.example\" # x");
    let work = tempfile::tempdir().unwrap();
    let out = import_value(work.path(), &export, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let topology = std::fs::read_to_string(work.path().join("topology.toml")).unwrap();
    // The toml crate, a real TOML parser, reads back exactly the names.
    let parsed: toml::Table = topology
        .parse()
        .unwrap_or_else(|e| panic!("{e}\n{topology}"));
    assert_eq!(parsed["names"]["inbound_connector"].as_str(), Some(hostile));
    assert_eq!(
        parsed["names"]["outbound_rule"].as_str(),
        Some("Route \"\"\" via '''")
    );
    assert_eq!(
        parsed.keys().cloned().collect::<BTreeSet<_>>(),
        [
            "version",
            "organization",
            "gateway",
            "inbound",
            "outbound",
            "names"
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    );
    // And it still round-trips.
    let (code, findings) = drift(work.path(), &work.path().join("export.json"));
    assert_eq!(code, 3);
    assert!(
        findings
            .iter()
            .all(|(_, _, what)| what.starts_with("differs Comment")),
        "{findings:?}"
    );
}

/// Every array of the export reversed: what the tenant lists first.
fn reversed(value: &Json) -> Json {
    match value {
        Json::Array(items) => Json::Array(items.iter().rev().map(reversed).collect()),
        Json::Object(map) => {
            Json::Object(map.iter().map(|(k, v)| (k.clone(), reversed(v))).collect())
        }
        other => other.clone(),
    }
}

#[test]
fn the_order_the_tenant_lists_things_in_does_not_change_the_topology() {
    for fixture in ["cloudflare-by-hand.json", "relay-by-hand.json"] {
        let export = load(&dir().join(fixture));
        let work = tempfile::tempdir().unwrap();
        let first = import_value(work.path(), &export, &[]);
        assert_eq!(first.status.code(), Some(0));
        let once = std::fs::read_to_string(work.path().join("topology.toml")).unwrap();
        std::fs::remove_file(work.path().join("topology.toml")).unwrap();
        let second = import_value(work.path(), &reversed(&export), &[]);
        assert_eq!(second.status.code(), Some(0));
        let again = std::fs::read_to_string(work.path().join("topology.toml")).unwrap();
        assert_eq!(once, again, "{fixture}");
        assert_eq!(first.stderr, second.stderr, "{fixture}");
    }
}

#[test]
fn without_out_the_topology_goes_to_standard_output() {
    let work = tempfile::tempdir().unwrap();
    let export = dir().join("mailflowc-built.json");
    let out = common::mailflowc_in(
        work.path(),
        &["import", "--tenant", export.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    let topology = text(&out.stdout);
    assert!(
        topology.starts_with("# A mailflowc topology imported"),
        "{topology}"
    );
    topology.parse::<toml::Table>().unwrap();
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0);
}

/// Exchange trims names (exchange-readback §1 Name, §9.3): names with
/// surrounding spaces import, and drift finds the topology the import
/// wrote in sync with the same export, as without the spaces.
#[test]
fn names_with_surrounding_spaces_import_and_drift_alike() {
    let mut export = load(&dir().join("mailflowc-built.json"));
    for noun in ["InboundConnector", "OutboundConnector", "TransportRule"] {
        for object in export[noun].as_array_mut().unwrap() {
            let name = object["Name"].as_str().unwrap().to_owned();
            object["Name"] = Json::String(format!(" {name}  "));
        }
    }
    let work = tempfile::tempdir().unwrap();
    let out = import_value(work.path(), &export, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let topology = std::fs::read_to_string(work.path().join("topology.toml")).unwrap();
    assert!(topology.contains("finds it in sync"), "{topology}");
    let (code, findings) = drift(work.path(), &work.path().join("export.json"));
    assert_eq!((code, findings), (0, Vec::new()));
}

/// A relay secret an older export wrote as it is, not as its SHA-256, is
/// never printed nor written: the import is refused, saying to export again.
#[test]
fn a_cleartext_header_value_is_never_printed_nor_written() {
    const SECRET: &str = "Relay0Secret0That0Must0Not0Leak0Into0CI0Logs";
    let mut export = load(&dir().join("mailflowc-built.json"));
    export["TransportRule"][0]["SetHeaderValue"] = Json::String(SECRET.to_owned());
    let work = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--allow-changes"][..]] {
        let out = import_value(work.path(), &export, extra);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            !all.to_ascii_lowercase()
                .contains(&SECRET.to_ascii_lowercase()),
            "{all}"
        );
        assert!(
            all.contains("cleartext") && all.contains("verify.ps1"),
            "{all}"
        );
        assert_eq!(out.status.code(), Some(2), "{all}");
        assert!(!work.path().join("topology.toml").exists());
    }
}

/// Names from the tenant are escaped in every line import prints: a
/// refusal that names two gateway candidates shows neither a line of the
/// name's choosing nor its bidi override.
#[test]
fn hostile_names_are_shown_escaped_in_the_report() {
    const HOSTILE: &str = "evil\n::error title=pwned::x\u{202e}gnp";
    let mut export = load(&dir().join("cloudflare-by-hand.json"));
    let connectors = export["InboundConnector"].as_array_mut().unwrap();
    let mut twin = connectors[0].clone();
    twin["Name"] = Json::String(HOSTILE.to_owned());
    connectors.push(twin);
    let work = tempfile::tempdir().unwrap();
    let out = import_value(work.path(), &export, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("evil\\n::error title=pwned::x\\u{202e}gnp"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{202e}'), "{stderr}");
    assert!(!stderr.lines().any(|l| l.starts_with("::")), "{stderr}");
}

/// The topology `import` writes of `export` with `extra` flags (changes
/// allowed), and its standard error.
fn imported(export: &Json, extra: &[&str]) -> (Option<i32>, String, String) {
    let work = tempfile::tempdir().unwrap();
    let mut flags = vec!["--allow-changes"];
    flags.extend_from_slice(extra);
    let out = import_value(work.path(), export, &flags);
    let topology = std::fs::read_to_string(work.path().join("topology.toml")).unwrap_or_default();
    (out.status.code(), topology, text(&out.stderr))
}

/// The `egress = [...]` line of a topology.
fn egress(topology: &str) -> String {
    topology
        .lines()
        .find(|l| l.starts_with("egress = "))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn case_4_the_lock_down_proves_the_gateway_and_a_scanners_connector_is_not_taken() {
    // Issue 26, case 4: Cisco's lock-down and a scanner vendor's Partner
    // connector for every sender domain from a public /27. Import took the
    // scanner's addresses as the gateway's egress.
    let export = load(&dir().join("cisco-and-scanner.json"));
    let (code, topology, stderr) = imported(&export, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        egress(&topology),
        "egress = [\"68.232.130.50\", \"68.232.131.0/28\"]   # what \"Cisco Secure Email\" admits"
    );
    assert!(!topology.contains("150.95.10.0/27"), "{topology}");
    // Every connector and rule it does not adopt is noted, with why.
    for left in [
        "the connector `Scanner vendor` accepts every sender domain from addresses the lock-down `Cisco Secure Email` does not admit",
        "the outbound connector `To Cisco` is left as it is: no rule that stamps a header routes to it",
        "the outbound connector `Partner TLS` is left as it is",
        "the rule `Route outbound via Cisco` is left as it is: it routes mail to `To Cisco` without stamping a header",
        "the rule `Trust the newsletter` is left as it is: it sets SCL -1",
        "1 other transport rule(s)",
    ] {
        assert!(topology.contains(left), "{left}:\n{topology}");
        assert!(stderr.contains(left), "{left}:\n{stderr}");
    }
    assert!(topology.contains("It manages only the objects it names"));
    // The audit names the same connector as the path around the gateway.
    let typed = mailflowc::exchange::export::TenantExport::from_json(&export).unwrap();
    let report = mailflowc::audit::audit(&typed, None).unwrap();
    assert!(
        report.gateway.contains("Cisco Secure Email"),
        "{}",
        report.gateway
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code.id() == "MFA003" && f.object == "Scanner vendor"),
        "{:#?}",
        report.findings
    );
}

#[test]
fn without_a_lock_down_to_tell_them_apart_import_asks_for_the_gateways_connector_by_name() {
    let mut export = load(&dir().join("cisco-and-scanner.json"));
    // Cisco's connector no longer restricts: two Partner connectors for
    // every sender domain, nothing proves which is the gateway's.
    export["InboundConnector"][0]["RestrictDomainsToIPAddresses"] = Json::from(false);
    let (code, topology, stderr) = imported(&export, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(topology.is_empty());
    assert!(
        stderr.contains(
            "`Cisco Secure Email`, `Scanner vendor` are Partner connectors for every sender domain"
        ) && stderr.contains("--gateway-connector NAME"),
        "{stderr}"
    );
    // Named, it is taken, and the other is noted.
    let (code, topology, stderr) =
        imported(&export, &["--gateway-connector", "Cisco Secure Email"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        egress(&topology).contains("\"68.232.130.50\", \"68.232.131.0/28\""),
        "{topology}"
    );
    assert!(
        topology.contains("the inbound connector `Scanner vendor` is left as it is"),
        "{topology}"
    );
    // A name that is no such connector, or one the lock-down does not
    // admit, is refused.
    let (code, _, stderr) = imported(&export, &["--gateway-connector", "Nothing"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--gateway-connector `Nothing`"), "{stderr}");
    let original = load(&dir().join("cisco-and-scanner.json"));
    let (code, _, stderr) = imported(&original, &["--gateway-connector", "Scanner vendor"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("does not admit its addresses"), "{stderr}");
}
