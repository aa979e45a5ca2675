//! The gateway's vendor: is it in the catalog, is the region known, does the
//! catalog (or the topology) supply the egress addresses and MX hosts, and
//! how old is the page the catalog's data comes from.

use crate::catalog::{self, Region, Selection, Source, Vendor};
use crate::context::Context;
use crate::diagnostics::{Code, Diagnostic};
use crate::parse::RawTopology;
use std::ops::Range;

/// Catalog data older than this (by its page date) draws a warning.
pub const MAX_DATA_AGE_DAYS: i64 = 365;

/// The vendor and region the topology names, if both are known.
pub fn select(raw: &RawTopology) -> Option<Selection> {
    raw.vendor_selection()
}

pub fn check(raw: &RawTopology, ctx: &Context, found: &mut Vec<Diagnostic>) {
    let gateway = raw.gateway.get_ref();
    catalog_options(raw, found);
    let Some(vendor_key) = &gateway.vendor else {
        if gateway.egress.is_none() {
            found.push(
                Diagnostic::new(Code::VendorCannotSupply, "`gateway.egress` is missing and no `vendor` supplies it")
                    .at(raw.gateway.span())
                    .with_label("no egress addresses")
                    .with_help("list the gateway's egress addresses in `gateway.egress`, or name a catalog vendor (`mailflowc vendors`)"),
            );
        }
        return;
    };
    let Some(vendor) = catalog::find(vendor_key.get_ref()) else {
        let ids = catalog::vendors().iter().map(|v| v.id.as_str());
        let help = match catalog::closest(vendor_key.get_ref(), ids) {
            Some(id) => format!("did you mean `{id}`? `mailflowc vendors` lists the catalog"),
            None => "`mailflowc vendors` lists the catalog; or leave `vendor` out and give `egress` and `mx` yourself".to_owned(),
        };
        found.push(
            Diagnostic::new(
                Code::UnknownVendor,
                format!("vendor `{}` is not in the catalog", vendor_key.get_ref()),
            )
            .at(vendor_key.span())
            .with_label("unknown vendor")
            .with_help(help),
        );
        return;
    };
    if let Some(region) = &gateway.region {
        if vendor.region(region.get_ref().trim()).is_none() {
            let help = if vendor.regions.is_empty() {
                format!("`{}` has no regions; remove `region`", vendor.id)
            } else {
                let ids: Vec<&str> = vendor.regions.iter().map(|r| r.id.as_str()).collect();
                match catalog::closest(region.get_ref(), ids.iter().copied()) {
                    Some(id) => format!("did you mean `{id}`?"),
                    None => format!("regions of `{}`: {}", vendor.id, ids.join(", ")),
                }
            };
            found.push(
                Diagnostic::new(
                    Code::UnknownVendor,
                    format!("`{}` has no region `{}`", vendor.id, region.get_ref()),
                )
                .at(region.span())
                .with_label("unknown region")
                .with_help(help),
            );
            return;
        }
    }
    let Some(selection) = select(raw) else {
        return;
    };
    let span = vendor_key.span();
    fit(raw, vendor, span.clone(), found);

    if gateway.egress.is_none() {
        match selection.egress() {
            Some((_, source)) => check_age(vendor, source, "egress list", span.clone(), ctx, found),
            None => found.push(missing(
                vendor,
                selection.region,
                "gateway.egress",
                "egress addresses",
                span.clone(),
            )),
        }
    }
    // The gateway's MX matters only when inbound mail goes through it.
    if gateway.mx.is_none() && raw.inbound_through_gateway() {
        if selection.region.is_some_and(|r| r.mx_is_example) && raw.inbound_through_gateway() {
            found.push(
                Diagnostic::new(
                    Code::ExampleMx,
                    format!("the MX hosts `{}` supplies are the example of its guide", vendor.id),
                )
                .at(span.clone())
                .with_label("MX hosts taken from the catalog")
                .with_help("confirm them against the hosts the vendor's dashboard shows for your account, and give them in `gateway.mx`"),
            );
        }
        match selection.mx() {
            Some((_, source)) => check_age(vendor, source, "MX hosts", span.clone(), ctx, found),
            None if vendor.needs.iter().any(|n| n == "gateway.mx")
                || !vendor.regions.is_empty() =>
            {
                found.push(missing(
                    vendor,
                    selection.region,
                    "gateway.mx",
                    "MX hosts",
                    span.clone(),
                ))
            }
            None => {}
        }
    }
}

/// `egress_exclude` and `catalog_pin`: options on the catalog's lists.
fn catalog_options(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let gateway = raw.gateway.get_ref();
    let selection = gateway.vendor.as_ref().and_then(|_| raw.vendor_selection());
    if let Some(pin) = &gateway.catalog_pin {
        match selection {
            Some(selection) if selection.pin() == pin.get_ref().trim().to_ascii_lowercase() => {}
            Some(selection) => found.push(
                Diagnostic::new(
                    Code::CatalogChanged,
                    format!(
                        "the catalog's lists for `{}` are not the ones this topology pinned",
                        selection.vendor.id
                    ),
                )
                .at(pin.span())
                .with_label("pinned lists")
                .with_help(format!(
                    "review `mailflowc vendors show {}` and the build's diff, then set catalog_pin = \"{}\"",
                    selection.vendor.id,
                    selection.pin()
                )),
            ),
            None if gateway.vendor.is_none() => found.push(
                Diagnostic::new(Code::CatalogChanged, "`catalog_pin` without a catalog vendor")
                    .at(pin.span())
                    .with_label("nothing to pin")
                    .with_help("remove `catalog_pin`, or name the vendor in `gateway.vendor`"),
            ),
            // An unknown vendor or region is reported on its own.
            None => {}
        }
    }
    let Some(exclude) = &gateway.egress_exclude else {
        return;
    };
    let catalog = match (&gateway.egress, selection.and_then(|s| s.egress())) {
        (None, Some((list, _))) => list,
        (Some(egress), _) => {
            found.push(
                Diagnostic::new(
                    Code::ExclusionNotInCatalog,
                    "`egress_exclude` beside `egress`: the topology's own list is used",
                )
                .at(exclude.span())
                .with_label("excludes nothing")
                .also_at(egress.span(), "the list the build uses")
                .with_help("remove the entries from `egress` itself, and `egress_exclude`"),
            );
            return;
        }
        (None, None) => {
            if gateway.vendor.is_none() || selection.is_some() {
                found.push(
                    Diagnostic::new(
                        Code::ExclusionNotInCatalog,
                        "`egress_exclude` without a catalog egress list",
                    )
                    .at(exclude.span())
                    .with_label("excludes nothing")
                    .with_help(
                        "remove `egress_exclude`; give the gateway's addresses in `gateway.egress`",
                    ),
                );
            }
            return;
        }
    };
    let listed: Vec<ipnet::IpNet> = catalog
        .iter()
        .filter_map(|a| crate::knowledge::address::parse_address(a).ok())
        .map(|p| p.net)
        .collect();
    for entry in exclude.get_ref() {
        let net = crate::knowledge::address::parse_address(entry.get_ref())
            .ok()
            .map(|p| p.net);
        if net.is_some_and(|n| listed.contains(&n)) {
            continue;
        }
        let vendor = selection.map_or("", |s| s.vendor.id.as_str());
        found.push(
            Diagnostic::new(
                Code::ExclusionNotInCatalog,
                format!(
                    "`{}` is not an entry of the catalog's egress list for `{vendor}`",
                    crate::diagnostics::sanitize(entry.get_ref())
                ),
            )
            .at(entry.span())
            .with_label("not in the catalog's list")
            .with_help(format!(
                "copy an entry as `mailflowc vendors show {vendor}` lists it; to keep part of a prefix, give the whole list in `gateway.egress`"
            )),
        );
    }
}

/// Options that belong to another kind of gateway, and an outbound path the
/// vendor does not offer.
fn fit(raw: &RawTopology, vendor: &Vendor, span: Range<usize>, found: &mut Vec<Diagnostic>) {
    if let Some(cisco) = &raw.cisco {
        if vendor.id != "cisco" {
            found.push(
                Diagnostic::new(
                    Code::OptionsForAnotherVendor,
                    format!("`[cisco]` is set, but the gateway is `{}`", vendor.id),
                )
                .at(cisco.span())
                .with_label("Cisco Secure Email settings")
                .also_at(span.clone(), "the gateway's vendor")
                .with_help("remove `[cisco]`, or set `gateway.vendor = \"cisco\"` if the gateway is a Cisco Secure Email appliance"),
            );
        }
    }
    if vendor.no_outbound_relay {
        if let (Some(outbound), true) = (&raw.outbound, raw.outbound_through_gateway()) {
            found.push(
                Diagnostic::new(
                    Code::NoOutboundRelay,
                    format!(
                        "`{}` documents no outbound relay for Microsoft 365",
                        vendor.id
                    ),
                )
                .at(outbound.span())
                .with_label("outbound mail through the gateway")
                .also_at(span, "the gateway's vendor")
                .with_help("remove `[outbound]`: outbound mail keeps leaving from Microsoft 365"),
            );
        }
    }
}

fn missing(
    vendor: &Vendor,
    region: Option<&Region>,
    key: &str,
    what: &str,
    span: Range<usize>,
) -> Diagnostic {
    let why = if vendor.needs.iter().any(|n| n == key) {
        format!(
            "{} publishes no general {what}: they are specific to each customer",
            vendor.name
        )
    } else if region.is_none() && !vendor.regions.is_empty() {
        let ids: Vec<&str> = vendor.regions.iter().map(|r| r.id.as_str()).collect();
        format!(
            "{} publishes {what} per region; set `gateway.region` to one of {}",
            vendor.name,
            ids.join(", ")
        )
    } else {
        format!(
            "the catalog has no {what} for this region of {}",
            vendor.name
        )
    };
    Diagnostic::new(
        Code::VendorCannotSupply,
        format!(
            "`{key}` is missing and the `{}` catalog cannot supply it",
            vendor.id
        ),
    )
    .at(span)
    .with_label(why)
    .with_help(format!(
        "give `{key}` yourself; `mailflowc vendors show {}` says what the vendor publishes",
        vendor.id
    ))
}

fn check_age(
    vendor: &Vendor,
    source: &Source,
    what: &str,
    span: Range<usize>,
    ctx: &Context,
    found: &mut Vec<Diagnostic>,
) {
    let (Some(today), Some(date)) = (ctx.today, parse_date(source.date())) else {
        return;
    };
    let age = (today - date).whole_days();
    if age > MAX_DATA_AGE_DAYS {
        found.push(
            Diagnostic::new(
                Code::StaleVendorData,
                format!("the `{}` catalog's {what} comes from a page dated {} ({age} days ago)", vendor.id, source.date()),
            )
            .at(span)
            .with_label(format!("{}: {}", source.title, source.url))
            .with_help("check the vendor's page for changes; give the values explicitly to override the catalog"),
        );
    }
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}
