//! The vendor catalog is data the binary trusts: every file parses, every
//! address is a public address outside Microsoft 365, every list names a
//! source with a date, and Cloudflare's published /24 split equals
//! mailflowc's own.

mod common;

use ipnet::IpNet;
use mailflowc::catalog::{self, Vendor};
use mailflowc::knowledge::address::parse_address;
use mailflowc::knowledge::microsoft365::microsoft365_range;
use mailflowc::knowledge::reserved_ranges::non_public_block;
use mailflowc::model::AddressSet;

fn all_addresses(vendor: &Vendor) -> Vec<&String> {
    let mut out: Vec<&String> = Vec::new();
    if let Some(egress) = &vendor.egress {
        out.extend(&egress.addresses);
        out.extend(&egress.microsoft365_split);
    }
    for region in &vendor.regions {
        out.extend(&region.egress);
    }
    out
}

#[test]
fn every_vendor_file_parses_and_ids_are_unique() {
    let vendors = catalog::vendors();
    assert!(vendors.len() >= 5);
    let mut ids: Vec<&str> = vendors.iter().map(|v| v.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), vendors.len());
    for vendor in vendors {
        assert!(catalog::find(&vendor.id).is_some());
        for alias in &vendor.aliases {
            assert_eq!(
                catalog::find(alias).map(|v| &v.id),
                Some(&vendor.id),
                "{alias}"
            );
        }
    }
}

#[test]
fn every_catalog_address_parses_and_is_public_and_not_microsoft365() {
    for vendor in catalog::vendors() {
        for text in all_addresses(vendor) {
            let parsed =
                parse_address(text).unwrap_or_else(|e| panic!("{}: {text}: {e}", vendor.id));
            assert!(
                !parsed.had_host_bits,
                "{}: {text} has host bits set",
                vendor.id
            );
            assert!(
                non_public_block(&parsed.net).is_none(),
                "{}: {text} is not public",
                vendor.id
            );
            assert!(
                microsoft365_range(&parsed.net).is_none(),
                "{}: {text} is Microsoft 365's",
                vendor.id
            );
        }
    }
}

#[test]
fn every_catalog_mx_host_is_a_host_name() {
    let mut checked = 0;
    for vendor in catalog::vendors() {
        for region in &vendor.regions {
            for mx in &region.mx {
                assert!(
                    mailflowc::targets::dns::quote::zone_name(&mx.host).is_ok(),
                    "{}: {}",
                    vendor.id,
                    mx.host
                );
                checked += 1;
            }
        }
    }
    // Cloudflare's three regions and Cisco ETD's at least: a catalog that
    // lost its MX lists would otherwise pass silently.
    assert!(checked >= 10, "only {checked} catalog MX hosts checked");
}

#[test]
fn every_vendor_file_is_registered() {
    let dir = common::root().join("src/catalog/vendors");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .map(|n| n.trim_end_matches(".toml").to_owned())
        .collect();
    on_disk.sort();
    let mut registered: Vec<String> = catalog::vendors().iter().map(|v| v.id.clone()).collect();
    registered.sort();
    assert_eq!(
        on_disk, registered,
        "a vendor file is not in catalog::FILES, or the reverse"
    );
}

#[test]
fn every_list_names_a_known_source_with_a_date() {
    for vendor in catalog::vendors() {
        for source in &vendor.sources {
            assert!(
                mailflowc::check::vendor::parse_date(source.date()).is_some(),
                "{}: source {} has no YYYY-MM-DD date",
                vendor.id,
                source.id
            );
            assert!(
                source.url.starts_with("https://"),
                "{}: {}",
                vendor.id,
                source.url
            );
        }
        if let Some(egress) = &vendor.egress {
            assert!(
                vendor.source(&egress.source).is_some(),
                "{}: egress source",
                vendor.id
            );
        }
        for region in &vendor.regions {
            if !region.egress.is_empty() {
                assert!(
                    vendor
                        .source(region.egress_source.as_deref().unwrap_or(""))
                        .is_some(),
                    "{}/{}",
                    vendor.id,
                    region.id
                );
            }
            if !region.mx.is_empty() {
                assert!(
                    vendor
                        .source(region.mx_source.as_deref().unwrap_or(""))
                        .is_some(),
                    "{}/{}",
                    vendor.id,
                    region.id
                );
            }
        }
        if let Some(certificate) = &vendor.certificate {
            assert!(
                vendor.source(&certificate.source).is_some(),
                "{}: certificate source",
                vendor.id
            );
            assert!(
                certificate.name.starts_with("*.") || !certificate.name.contains('*'),
                "{}: {}",
                vendor.id,
                certificate.name
            );
        }
        if let Some(modifies) = &vendor.modifies {
            assert!(
                vendor.source(&modifies.source).is_some(),
                "{}: modifies source",
                vendor.id
            );
        }
        if let Some(default) = &vendor.default_region {
            assert!(
                vendor.region(default).is_some(),
                "{}: default region {default}",
                vendor.id
            );
        }
    }
}

#[test]
fn cloudflare_microsoft365_list_equals_the_split_of_its_published_prefixes() {
    let vendor = catalog::find("cloudflare").unwrap();
    let egress = vendor.egress.as_ref().unwrap();
    let nets = |list: &[String]| -> Vec<IpNet> {
        list.iter().map(|a| parse_address(a).unwrap().net).collect()
    };
    let ours = AddressSet::new(nets(&egress.addresses)).ipv4_exchange_entries();
    let mut theirs: Vec<String> = egress
        .microsoft365_split
        .iter()
        .map(|a| mailflowc::knowledge::address::render_net(&parse_address(a).unwrap().net))
        .collect();
    theirs.sort_by_key(|a| parse_address(a).unwrap().net);
    assert_eq!(ours, theirs);
    // The /19 and /23 are what is split; the IPv6 prefix is what is left out.
    assert_eq!(ours.iter().filter(|a| a.starts_with("104.30.")).count(), 32);
    assert_eq!(ours.iter().filter(|a| a.starts_with("134.195.")).count(), 2);
    assert!(ours.iter().all(|a| !a.contains(':')));
}

#[test]
fn the_cloudflare_example_types_no_address() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/cloudflare.toml"
    ))
    .unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    assert!(value["gateway"].get("egress").is_none());
    assert!(value["gateway"].get("mx").is_none());
    assert_eq!(value["gateway"]["vendor"].as_str(), Some("cloudflare"));
}

#[test]
fn every_disposition_rule_cites_a_source_and_reaches_the_gateway_steps() {
    for vendor in mailflowc::catalog::vendors() {
        for rule in &vendor.disposition_rules {
            assert!(
                vendor.sources.iter().any(|s| s.id == rule.source),
                "{}: rule `{}` cites no source of the vendor",
                vendor.id,
                rule.name
            );
        }
    }
    // Cloudflare's two rules (shared/reference/vendors.toml, m365.transport_rules).
    let cloudflare = mailflowc::catalog::find("cloudflare").unwrap();
    assert_eq!(cloudflare.disposition_rules.len(), 2);
    let files = common::build(&common::root().join("examples/cloudflare.toml"));
    let steps = &files["gateway/STEPS.md"];
    assert!(steps.contains("`X-CFEmailSecurity-Disposition`"), "{steps}");
    assert!(steps.contains("`MALICIOUS` or `UCE` or `SPOOF`"), "{steps}");
    assert!(
        steps.contains("m365-email-security-mx/") && steps.contains("page dated 2026-04-17"),
        "{steps}"
    );
}

/// The gateways MSPs run whose addresses are published only on pages that
/// change (or only in third-party captures): the catalog carries none of
/// their addresses, `vendors show` says where to get them and that the page
/// changes, a topology without them is refused, and a topology with them
/// builds the vendor's own gateway steps.
#[test]
fn vendors_without_a_stable_published_list_say_so_and_need_the_addresses() {
    for id in ["mimecast", "proofpoint-essentials", "barracuda", "sophos"] {
        let vendor = catalog::find(id).unwrap_or_else(|| panic!("{id} is not in the catalog"));
        assert!(
            all_addresses(vendor).is_empty(),
            "{id}: third-party addresses"
        );
        assert_eq!(vendor.needs, ["gateway.egress", "gateway.mx"], "{id}");
        let shown = catalog::describe(vendor);
        assert!(shown.contains("changes"), "{id}: {shown}");
        assert!(
            shown.contains("you must give: gateway.egress, gateway.mx"),
            "{id}: {shown}"
        );

        let fixture = common::root().join(format!("tests/fixtures/valid/vendor-{id}.toml"));
        let source = std::fs::read_to_string(&fixture).unwrap();
        let files = common::build(&fixture);
        let steps = &files["gateway/STEPS.md"];
        assert!(
            !steps.contains("no documented onboarding"),
            "{id}: generic steps"
        );
        assert!(steps.contains("**documented**"), "{id}");
        // Without the addresses the user gives, the topology is refused.
        let bare: String = source
            .lines()
            .filter(|l| !l.starts_with("egress"))
            .collect::<Vec<_>>()
            .join("\n");
        let (_, found) = mailflowc::analyze_with(&bare, &common::context_for(&fixture));
        assert!(
            found
                .iter()
                .any(|d| d.is_error() && d.message.contains("gateway.egress")),
            "{id}: {found:#?}"
        );
    }
    let mimecast = catalog::describe(catalog::find("mimecast").unwrap());
    assert!(mimecast.contains("*.mimecast.com (give it as gateway.tls_certificate)"));
}
