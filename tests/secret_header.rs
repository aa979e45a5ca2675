//! A secret header only where the gateway checks it (issue 29, item 2).
//! Mimecast, Proofpoint Essentials, Barracuda, Sophos and the other catalog
//! vendors without `checks_secret_header` recognize the tenant otherwise
//! and run no step that checks or strips the header: the topology needs
//! none (no MF0510), `60-outbound-rule.ps1` stamps none, and the runbook
//! says what the gateway checks instead, in both languages. A header given
//! anyway is MF0523 (tests/fixtures/invalid/MF0523-*.toml).

mod common;

use std::path::Path;

/// The valid fixture of `vendor` with outbound mail through the gateway
/// and no secret header, built in `lang`.
fn build(vendor: &str, lang: mailflowc::targets::Lang) -> mailflowc::targets::Files {
    let path = common::root().join(format!("tests/fixtures/valid/vendor-{vendor}.toml"));
    let mut source = std::fs::read_to_string(&path).unwrap();
    if !source.contains("[outbound]") {
        source.push_str("\n[outbound]\nsmart_hosts = [\"relay.gateway.test.example\"]\n");
    }
    assert!(!source.contains("secret_header"), "{source}");
    let ctx = mailflowc::Context {
        lang,
        ..common::context_for(Path::new(&path))
    };
    match mailflowc::compile_with(&source, &common::file_name(&path), &ctx) {
        Ok(compiled) => {
            assert!(
                compiled.warnings.iter().all(|d| d.code.id() != "MF0510"),
                "{vendor}: {:?}",
                compiled.warnings
            );
            compiled.files
        }
        Err(error) => panic!("{vendor} without a secret header: {error:?}"),
    }
}

#[test]
fn a_vendor_without_a_relay_guard_needs_no_header_and_gets_none() {
    for vendor in ["mimecast", "proofpoint-essentials", "barracuda", "sophos"] {
        let files = build(vendor, mailflowc::targets::Lang::En);
        let rule = &files["exchange/60-outbound-rule.ps1"];
        for stamped in [
            "-SetHeaderName",
            "SetHeaderName =",
            "SetHeaderValue",
            "Read-Host -AsSecureString",
        ] {
            assert!(!rule.contains(stamped), "{vendor}: {stamped}\n{rule}");
        }
        // A rule an earlier build made with a header stops the script before
        // any change, naming the rollback that removes it (the sources give
        // no way to clear a rule's header action in place).
        let stop = rule.find("still stamps the header").expect(rule);
        let first_change = rule.find("New-TransportRule").unwrap();
        assert!(stop < first_change, "{vendor}");
        assert!(
            rule.contains("rollback/40-remove-outbound-rule.ps1"),
            "{rule}"
        );
        assert!(files.contains_key("exchange/rollback/40-remove-outbound-rule.ps1"));
        assert!(rule.contains("RouteMessageOutboundConnector"), "{rule}");
        let runbook = &files["RUNBOOK.md"];
        for claim in ["relay guard", "secret header is gone", "relay-guard drop"] {
            assert!(!runbook.contains(claim), "{vendor}: {claim}");
        }
        assert!(
            runbook.contains(
                "The\n   gateway checks no secret header, and the outbound rule stamps none"
            ),
            "{vendor}:\n{runbook}"
        );
        assert!(!files.contains_key("cisco/10-relay-guard-filter.txt"));
    }
}

#[test]
fn the_runbook_says_how_mimecast_recognizes_the_tenant_in_both_languages() {
    let en = build("mimecast", mailflowc::targets::Lang::En);
    assert!(
        en["RUNBOOK.md"].contains("Mimecast recognizes the tenant's relayed mail by Microsoft's certificate and the tenant's onmicrosoft.com domain")
            && en["RUNBOOK.md"].contains("34000633004563"),
        "{}",
        en["RUNBOOK.md"]
    );
    let ja = build("mimecast", mailflowc::targets::Lang::Ja);
    assert!(
        ja["RUNBOOK.md"].contains("Microsoft の証明書")
            && ja["RUNBOOK.md"].contains("シークレットヘッダーを確認せず")
            && !ja["RUNBOOK.md"].contains("リレーガード"),
        "{}",
        ja["RUNBOOK.md"]
    );
    // A vendor that documents nothing of the kind is said to be unknown.
    let barracuda = build("barracuda", mailflowc::targets::Lang::En);
    assert!(
        barracuda["RUNBOOK.md"].contains("is not documented in the sources mailflowc uses"),
        "{}",
        barracuda["RUNBOOK.md"]
    );
}

#[test]
fn cisco_and_a_gateway_outside_the_catalog_still_need_the_header() {
    for path in ["tests/fixtures/invalid/MF0510-outbound-without-secret-header.toml"] {
        let source = std::fs::read_to_string(common::root().join(path)).unwrap();
        let with_cisco = source.replace(
            "name = \"Gateway\"",
            "name = \"Gateway\"\nvendor = \"cisco\"",
        );
        for text in [source, with_cisco] {
            let found =
                match mailflowc::compile_with(&text, "t.toml", &mailflowc::Context::default()) {
                    Err(mailflowc::CompileError::Invalid(found)) => found,
                    other => panic!("accepted: {other:?}"),
                };
            assert!(found.iter().any(|d| d.code.id() == "MF0510"), "{found:?}");
        }
    }
}
