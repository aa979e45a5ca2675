//! Stage 3 of the pipeline: raw topology → [`Topology`], the model `emit` reads.
//!
//! Runs only on a topology `check` found no errors in. Applies defaults,
//! normalizes case and addresses, and sorts every list, so the output is the
//! same whatever order the file lists things in.

use crate::catalog::Source;
use crate::knowledge::address::parse_address;
use crate::knowledge::hosts::{default_microsoft365_mx, normalize_host};
use crate::model::{
    AddressSet, Cisco, DestinationControls, Dns, DomainMx, EnhancedFiltering, Gateway, Inbound,
    Lockdown, MxRecord, Names, Organization, Outbound, SecretHeader, SourceRef, Topology,
    VendorData,
};
use crate::parse::{DestinationTls, EfMode, RawCisco, RawTopology, SpannedList};
use crate::secret::{normalize_fingerprint, SecretSource};
use std::collections::BTreeSet;
use toml::Spanned;

pub fn lower(raw: &RawTopology) -> Topology {
    let org = raw.organization.get_ref();
    let gateway = raw.gateway.get_ref();
    let selection = raw.vendor_selection();
    let catalog_egress = selection.and_then(|s| s.egress());
    let catalog_mx = selection.and_then(|s| s.mx());
    // Entries of the catalog's list the topology leaves out (check refuses
    // any that is not one).
    let excluded: Vec<ipnet::IpNet> = gateway
        .egress_exclude
        .as_ref()
        .map(|list| list.get_ref().iter())
        .into_iter()
        .flatten()
        .filter_map(|a| parse_address(a.get_ref()).ok())
        .map(|p| p.net)
        .collect();
    let egress = match &gateway.egress {
        Some(list) => address_set(list),
        None => AddressSet::new(
            catalog_egress
                .map(|(addresses, _)| addresses)
                .unwrap_or_default()
                .iter()
                .filter_map(|a| parse_address(a).ok())
                .map(|p| p.net)
                .filter(|net| !excluded.contains(net)),
        ),
    };

    let mode = raw.ef_mode();
    let ef = raw.ef();
    let skip_ips = match (mode, ef.and_then(|ef| ef.skip_ips.as_ref())) {
        (EfMode::SkipListed, Some(list)) => ipv4_only(&address_set(list)),
        (EfMode::SkipListed, None) => ipv4_only(&egress),
        _ => AddressSet::default(),
    };
    let pilot_recipients = ef
        .and_then(|ef| ef.pilot_recipients.as_ref())
        .map(lowercase_sorted)
        .unwrap_or_default();

    let names = raw.names();
    let name =
        |pick: Option<&Spanned<String>>| pick.map(|n| n.get_ref().clone()).unwrap_or_default();

    let domains = lowercase_sorted(&org.domains);
    // A map: one lookup per domain, whatever the table's size.
    let overrides: std::collections::HashMap<String, String> = org
        .microsoft365_mx
        .iter()
        .flat_map(|table| table.get_ref().iter())
        .map(|(d, host)| {
            (
                d.trim().to_ascii_lowercase(),
                normalize_host(host.get_ref()),
            )
        })
        .collect();
    let microsoft365_mx = domains
        .iter()
        .map(|domain| {
            let given = overrides.get(domain).cloned();
            DomainMx {
                domain: domain.clone(),
                derived: given.is_none(),
                host: given.unwrap_or_else(|| default_microsoft365_mx(domain)),
            }
        })
        .collect();

    Topology {
        organization: Organization {
            name: org.name.get_ref().trim().to_owned(),
            tenant: org.tenant.get_ref().trim().to_ascii_lowercase(),
            domains,
            outbound_only_domains: org
                .outbound_only_domains
                .as_ref()
                .map(lowercase_sorted)
                .unwrap_or_default(),
            microsoft365_mx,
        },
        gateway: Gateway {
            name: gateway.name.get_ref().trim().to_owned(),
            egress,
            tls_certificate: gateway
                .tls_certificate
                .as_ref()
                .map(|c| c.get_ref().trim().to_ascii_lowercase()),
            mx: match &gateway.mx {
                Some(records) => sorted_mx(records.get_ref().iter().map(|r| {
                    let r = r.get_ref();
                    // Checked to be 0 to 65535 (MF0604); the default is in
                    // the defaults table.
                    let priority = r
                        .priority
                        .as_ref()
                        .and_then(|p| u16::try_from(*p.get_ref()).ok())
                        .unwrap_or_default();
                    (normalize_host(r.host.get_ref()), priority)
                })),
                None => sorted_mx(
                    catalog_mx
                        .map(|(records, _)| records)
                        .unwrap_or_default()
                        .iter()
                        .map(|r| (normalize_host(&r.host), r.priority)),
                ),
            },
            arc_sealer: raw.arc_sealer(),
            vendor: selection.map(|s| VendorData {
                id: s.vendor.id.clone(),
                name: s.vendor.name.clone(),
                region: s.region.map(|r| r.id.clone()),
                mx_is_example: gateway.mx.is_none() && s.region.is_some_and(|r| r.mx_is_example),
                egress_source: gateway
                    .egress
                    .is_none()
                    .then(|| catalog_egress.map(|(_, src)| source_ref(src)))
                    .flatten(),
                mx_source: gateway
                    .mx
                    .is_none()
                    .then(|| catalog_mx.map(|(_, src)| source_ref(src)))
                    .flatten(),
                disposition_rules: s
                    .vendor
                    .disposition_rules
                    .iter()
                    .filter_map(|r| {
                        Some(crate::model::DispositionRule {
                            name: r.name.clone(),
                            header: r.header.clone(),
                            words: r.words.clone(),
                            from_egress: r.from_egress,
                            action: r.action.clone(),
                            source: source_ref(s.vendor.source(&r.source)?),
                        })
                    })
                    .collect(),
            }),
        },
        inbound: Inbound {
            through_gateway: raw.inbound_through_gateway(),
            enhanced_filtering: EnhancedFiltering {
                mode,
                skip_ips,
                pilot_recipients,
            },
            allow_list: raw.allow_list(),
            spf_hard_fail_off: raw.spf_hard_fail_off(),
            lockdown: raw.lockdown().then(|| Lockdown {
                by: raw.lockdown_by(),
                onmicrosoft: raw.lockdown_onmicrosoft(),
            }),
            reject_direct_send: raw.reject_direct_send(),
            scl_bypass_rule: raw.scl_bypass_rule(),
        },
        outbound: outbound(raw),
        // A Cisco gateway has a `[cisco]` table, of defaults if the
        // topology has none.
        cisco: raw.cisco().map(cisco),
        dns: dns(raw),
        names: Names {
            inbound_connector: name(names.and_then(|n| n.inbound_connector.as_ref())),
            lockdown_connector: name(names.and_then(|n| n.lockdown_connector.as_ref())),
            scl_bypass_rule: name(names.and_then(|n| n.scl_bypass_rule.as_ref())),
            outbound_connector: name(names.and_then(|n| n.outbound_connector.as_ref())),
            outbound_rule: name(names.and_then(|n| n.outbound_rule.as_ref())),
        },
    }
}

fn outbound(raw: &RawTopology) -> Option<Outbound> {
    if !raw.outbound_through_gateway() {
        return None;
    }
    let outbound = raw.outbound()?;
    // None where the gateway checks no header (check: MF0510, MF0523).
    let secret = raw.secret_header();
    let smart_hosts = outbound
        .smart_hosts
        .as_ref()
        .map(|hosts| {
            hosts
                .get_ref()
                .iter()
                .map(|h| normalize_host(h.get_ref()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default();
    let trimmed = |value: Option<&Spanned<String>>| value.map(|v| v.get_ref().trim().to_owned());
    Some(Outbound {
        smart_hosts,
        tls: raw.outbound_tls()?,
        tls_domain: outbound
            .tls_domain
            .as_ref()
            .map(|d| d.get_ref().trim().to_ascii_lowercase()),
        secret_header: secret.map(|secret| SecretHeader {
            name: raw.secret_header_name().unwrap_or_default(),
            sha256: trimmed(secret.sha256.as_ref())
                .map(|f| normalize_fingerprint(&f))
                .unwrap_or_default(),
            env: secret
                .value_from
                .as_ref()
                .and_then(|r| SecretSource::parse(r.get_ref()).ok())
                .and_then(|source| source.env_name().map(str::to_owned)),
            previous_sha256: trimmed(secret.previous_sha256.as_ref())
                .map(|f| normalize_fingerprint(&f)),
            value_from: trimmed(secret.value_from.as_ref()).unwrap_or_default(),
            previous_value_from: trimmed(secret.previous_value_from.as_ref()),
        }),
    })
}

fn cisco(raw: &RawCisco) -> Cisco {
    let text = |value: Option<&Spanned<String>>| {
        value
            .map(|v| v.get_ref().trim().to_owned())
            .unwrap_or_default()
    };
    let controls = raw.destination_controls.as_ref().map(|c| c.get_ref());
    Cisco {
        relay_sender_group: text(raw.relay_sender_group.as_ref()),
        filter_name: text(raw.filter_name.as_ref()),
        inbound_listener: text(raw.inbound_listener.as_ref()),
        outbound_listener: text(raw.outbound_listener.as_ref()),
        appliance: raw
            .appliance
            .as_ref()
            .map(|a| a.get_ref().trim().to_owned()),
        appliance_span: raw.appliance.as_ref().map(Spanned::span),
        sender_check: raw
            .sender_check
            .as_ref()
            .map(|c| *c.get_ref())
            .unwrap_or_default(),
        destination_controls: DestinationControls {
            max_concurrency: controls
                .and_then(|c| c.max_concurrency.as_ref())
                .map(|v| *v.get_ref())
                .unwrap_or_default(),
            max_messages_per_connection: controls
                .and_then(|c| c.max_messages_per_connection.as_ref())
                .map(|v| *v.get_ref())
                .unwrap_or_default(),
            tls: controls
                .and_then(|c| c.tls.as_ref())
                .map_or(DestinationTls::Required, |t| *t.get_ref()),
        },
    }
}

fn sorted_mx(records: impl Iterator<Item = (String, u16)>) -> Vec<MxRecord> {
    records
        .map(|(host, priority)| MxRecord { priority, host })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn source_ref(source: &Source) -> SourceRef {
    SourceRef {
        title: source.title.clone(),
        url: source.url.clone(),
        date: source.date().to_owned(),
    }
}

fn dns(raw: &RawTopology) -> Dns {
    let dns = raw.dns();
    let value = |pick: fn(&crate::parse::RawDns) -> Option<&Spanned<i64>>| {
        dns.and_then(pick).map(|v| *v.get_ref()).unwrap_or_default()
    };
    Dns {
        ttl: value(|d| d.ttl.as_ref()),
        precutover_ttl: value(|d| d.precutover_ttl.as_ref()),
        current_ttl: value(|d| d.current_ttl.as_ref()),
        spf_current: dns
            .and_then(|d| d.spf_current.as_ref())
            .map(|table| {
                table
                    .get_ref()
                    .iter()
                    .map(|(domain, record)| {
                        (
                            domain.trim().to_ascii_lowercase(),
                            record.get_ref().trim().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn address_set(list: &SpannedList) -> AddressSet {
    AddressSet::new(
        list.get_ref()
            .iter()
            .filter_map(|item| parse_address(item.get_ref()).ok())
            .map(|parsed| parsed.net),
    )
}

fn ipv4_only(set: &AddressSet) -> AddressSet {
    AddressSet::new(set.ipv4().iter().map(|n| ipnet::IpNet::V4(*n)))
}

fn lowercase_sorted(list: &SpannedList) -> Vec<String> {
    list.get_ref()
        .iter()
        .map(|item| item.get_ref().trim().to_ascii_lowercase())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
