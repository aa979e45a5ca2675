//! Addresses: the gateway's egress list and the Enhanced Filtering skip list,
//! judged entry by entry, then as the sets each Exchange field will receive.

use crate::diagnostics::{Code, Diagnostic};
use crate::knowledge::address::parse_address;
use crate::knowledge::microsoft365::microsoft365_range;
use crate::knowledge::reserved_ranges::non_public_block;
use crate::model::AddressSet;
use crate::parse::{EfMode, RawTopology, SpannedList};
use ipnet::IpNet;
use std::ops::Range;

pub use crate::exchange::limits::{ALLOW_LIST_CAP, CONNECTOR_ADDRESS_CAP};

/// An entry that parsed, with where it was written.
pub struct Entry {
    pub net: IpNet,
    pub span: Range<usize>,
    pub text: String,
}

pub fn check(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let gateway = raw.gateway.get_ref();
    let (egress_nets, cap_span): (Vec<IpNet>, Range<usize>) = match &gateway.egress {
        Some(list) => {
            let before = found.len();
            let egress = entries(list, "gateway.egress", found);
            if !egress.iter().any(|e| e.net.addr().is_ipv4()) {
                // Only IPv6 or nothing valid: the per-entry IPv6 warnings would
                // only repeat what this error says, and an entry refused on
                // its own (invalid, private or documentation space,
                // Microsoft 365's) already says why none is left.
                let refused = found[before..].iter().any(Diagnostic::is_error);
                if !refused && !found.iter().any(|d| d.code == Code::InvalidAddress) {
                    found.push(
                        Diagnostic::new(
                            Code::NoUsableGatewayAddress,
                            "the gateway has no IPv4 address Exchange Online can use",
                        )
                        .at(list.span())
                        .with_label("no IPv4 address or prefix here")
                        .with_help("add the gateway's IPv4 egress addresses: connectors and the allow list take only IPv4"),
                    );
                }
                return;
            }
            let fields = ipv4_only_fields(raw);
            for entry in egress.iter().filter(|e| e.net.addr().is_ipv6()) {
                found.push(
                    Diagnostic::new(
                        Code::Ipv6LeftOut,
                        format!("`{}` is left out of {}", entry.text, fields.join(", ")),
                    )
                    .at(entry.span.clone())
                    .with_label("Exchange takes only IPv4 in these fields")
                    .with_help("nothing to change if the gateway also delivers over IPv4; remove the entry to silence this warning"),
                );
            }
            (egress.iter().map(|e| e.net).collect(), list.span())
        }
        // From the catalog: its addresses are tested, and the IPv6 the vendor
        // publishes is expected to be left out, so only the cap is checked.
        None => match (
            super::vendor::select(raw).and_then(|s| s.egress()),
            &gateway.vendor,
        ) {
            (Some((addresses, _)), Some(vendor)) => (
                addresses
                    .iter()
                    .filter_map(|a| parse_address(a).ok())
                    .map(|p| p.net)
                    .collect(),
                vendor.span(),
            ),
            _ => return,
        },
    };

    if raw.allow_list() {
        let count = AddressSet::new(egress_nets).ipv4_exchange_entry_count();
        if count > ALLOW_LIST_CAP {
            let span = crate::parse::defaults::written(
                raw.inbound
                    .as_ref()
                    .and_then(|i| i.get_ref().allow_list.as_ref()),
            )
            .map_or(cap_span, |flag| flag.span());
            found.push(
                Diagnostic::new(
                    Code::AllowListTooLong,
                    format!("the allow list would hold {count} entries, over Exchange's cap of {ALLOW_LIST_CAP}"),
                )
                .at(span)
                .with_label("wider prefixes count once per /24 after splitting")
                .with_help("set `inbound.allow_list = false` and rely on Enhanced Filtering, or narrow the egress prefixes"),
            );
        }
    } else if raw.inbound_through_gateway() {
        let count = AddressSet::new(egress_nets).ipv4_exchange_entry_count();
        if count > CONNECTOR_ADDRESS_CAP {
            found.push(
                Diagnostic::new(
                    Code::ConnectorAddressesTooMany,
                    format!("the connectors' `SenderIPAddresses` would hold {count} entries, over mailflowc's cap of {CONNECTOR_ADDRESS_CAP}"),
                )
                .at(cap_span)
                .with_label("wider prefixes count once per /24 after splitting")
                .with_help("list the gateway's actual egress prefixes: Exchange takes /24 to /32 here, so a wide prefix becomes thousands of entries"),
            );
        }
    }
}

/// The IPv4-only Exchange fields the gateway's egress list feeds, given the topology.
fn ipv4_only_fields(raw: &RawTopology) -> Vec<&'static str> {
    let mut fields = vec!["`SenderIPAddresses`"];
    if raw.allow_list() {
        fields.push("`IPAllowList`");
    }
    if raw.ef_mode() == EfMode::SkipListed && raw.ef().is_none_or(|ef| ef.skip_ips.is_none()) {
        fields.push("`EFSkipIPs`");
    }
    if raw.scl_bypass_rule() {
        fields.push("`SenderIpRanges`");
    }
    fields
}

/// Parses every entry of an address list, reporting invalid, non-public,
/// Microsoft 365 and duplicate entries; returns the entries that parsed.
pub fn entries(list: &SpannedList, key: &str, found: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let mut parsed = Vec::new();
    for item in list.get_ref() {
        let text = item.get_ref().trim().to_owned();
        match parse_address(&text) {
            Err(reason) => found.push(
                Diagnostic::new(
                    Code::InvalidAddress,
                    format!("`{text}` in `{key}` is not a valid address"),
                )
                .at(item.span())
                .with_label(reason)
                .with_help(
                    "write a single address (`52.11.209.211`) or a CIDR prefix (`104.30.32.0/19`)",
                ),
            ),
            Ok(address) => {
                if address.had_host_bits {
                    found.push(
                        Diagnostic::new(
                            Code::HostBitsSet,
                            format!(
                                "`{text}` has host bits set; it is read as `{}`",
                                address.net
                            ),
                        )
                        .at(item.span())
                        .with_label("host bits set")
                        .with_help(format!("write `{}`", address.net)),
                    );
                }
                if let Some((block, name)) = non_public_block(&address.net) {
                    found.push(
                        Diagnostic::new(
                            Code::NonPublicAddress,
                            format!("`{text}` in `{key}` lies in {name}"),
                        )
                        .at(item.span())
                        .with_label(format!("overlaps `{block}`"))
                        .with_help("list only the public addresses the gateway connects to Microsoft 365 from; Enhanced Filtering skips private hops by itself"),
                    );
                    continue;
                }
                if let Some(range) = microsoft365_range(&address.net) {
                    found.push(
                        Diagnostic::new(
                            Code::Microsoft365Address,
                            format!("`{text}` in `{key}` is Microsoft 365's own mail space"),
                        )
                        .at(item.span())
                        .with_label(format!("overlaps Microsoft 365's `{range}`"))
                        .with_help("remove it: Microsoft 365 does not support its own addresses here; list only hops before Microsoft 365"),
                    );
                    continue;
                }
                parsed.push(Entry {
                    net: address.net,
                    span: item.span(),
                    text,
                });
            }
        }
    }
    report_duplicates(&parsed, key, found);
    parsed
}

/// Reports entries that an earlier-sorted entry already covers. Prefixes are
/// either nested or disjoint, so one sweep in address order finds them all.
fn report_duplicates(entries: &[Entry], key: &str, found: &mut Vec<Diagnostic>) {
    let mut order: Vec<&Entry> = entries.iter().collect();
    order.sort_by(|a, b| {
        (a.net.network(), a.net.prefix_len(), a.span.start).cmp(&(
            b.net.network(),
            b.net.prefix_len(),
            b.span.start,
        ))
    });
    let mut cover: Option<&Entry> = None;
    for entry in order {
        match cover {
            Some(c) if c.net.contains(&entry.net) => found.push(
                Diagnostic::new(
                    Code::DuplicateAddress,
                    format!(
                        "`{}` in `{key}` is already covered by `{}`",
                        entry.text, c.text
                    ),
                )
                .at(entry.span.clone())
                .with_label("merged into the covering entry")
                .with_help("remove the redundant entry"),
            ),
            _ => cover = Some(entry),
        }
    }
}
