//! The inbound policy: Enhanced Filtering, the SCL bypass rule, lock-down.

use super::addressing::entries;
use crate::diagnostics::{Code, Diagnostic};
use crate::knowledge::hosts::email_problem;
use crate::parse::{EfMode, LockdownBy, RawTopology};

pub fn check(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    if !raw.inbound_through_gateway() {
        outbound_only(raw, found);
        return;
    }
    arc_sealer(raw, found);
    let mode = raw.ef_mode();
    let inbound = raw.inbound.as_ref().map(|i| i.get_ref());
    let ef = raw.ef();

    if let Some(skip_ips) = ef.and_then(|ef| ef.skip_ips.as_ref()) {
        if mode != EfMode::SkipListed {
            found.push(
                Diagnostic::new(
                    Code::SkipListOutsideSkipListed,
                    format!("`skip_ips` has no effect in `{}` mode", mode_name(mode)),
                )
                .at(skip_ips.span())
                .with_label("only read with `mode = \"skip-listed\"`")
                .with_help("set `mode = \"skip-listed\"` to skip these hops, or remove `skip_ips`"),
            );
        } else {
            let skip = entries(skip_ips, "inbound.enhanced_filtering.skip_ips", found);
            for entry in skip.iter().filter(|e| e.net.addr().is_ipv6()) {
                found.push(
                    Diagnostic::new(
                        Code::EfSkipIpv6,
                        format!("IPv6 `{}` in the Enhanced Filtering skip list", entry.text),
                    )
                    .at(entry.span.clone())
                    .with_label("Microsoft documents only IPv4 for `EFSkipIPs`")
                    .with_help("remove the IPv6 entry; list the hops' IPv4 addresses"),
                );
            }
            if skip_ips.get_ref().is_empty() {
                found.push(
                    Diagnostic::new(
                        Code::SkipListOutsideSkipListed,
                        "an empty `skip_ips` turns Enhanced Filtering off",
                    )
                    .at(skip_ips.span())
                    .with_help("remove `skip_ips` to skip the gateway's egress addresses, or list the hops to skip"),
                );
            }
        }
    }

    if let Some(pilot) = ef.and_then(|ef| ef.pilot_recipients.as_ref()) {
        if mode == EfMode::Off {
            found.push(
                Diagnostic::new(
                    Code::PilotWithoutEf,
                    "pilot recipients are listed but Enhanced Filtering is off",
                )
                .at(pilot.span())
                .with_label("`EFUsers` only narrows Enhanced Filtering")
                .with_help("choose a `mode` other than `off`, or remove `pilot_recipients`"),
            );
        }
        let tenant = raw
            .organization
            .get_ref()
            .tenant
            .get_ref()
            .trim()
            .to_ascii_lowercase();
        // A set: every pilot is looked up once, whatever the number of domains.
        let domains: std::collections::HashSet<String> =
            raw.normalized_domains().into_iter().collect();
        // In hybrid, Enhanced Filtering must list the MailUser target address
        // at `<tenant>.mail.onmicrosoft.com` (exchange-facts F-EF-06).
        let hybrid_target = tenant
            .strip_suffix(".onmicrosoft.com")
            .map(|label| format!("{label}.mail.onmicrosoft.com"))
            .unwrap_or_default();
        for recipient in pilot.get_ref() {
            let text = recipient.get_ref().trim();
            if let Some(problem) = email_problem(text) {
                found.push(
                    Diagnostic::new(
                        Code::InvalidPilotRecipient,
                        format!("pilot recipient `{text}` is not an email address"),
                    )
                    .at(recipient.span())
                    .with_label(problem)
                    .with_help("list each pilot mailbox's full address, such as `alice@contoso.com`; every proxy address separately"),
                );
                continue;
            }
            let domain = text
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase())
                .unwrap_or_default();
            if domain != tenant && domain != hybrid_target && !domains.contains(&domain) {
                found.push(
                    Diagnostic::new(
                        Code::PilotOutsideDomains,
                        format!("pilot recipient `{text}` is not in the organization's domains"),
                    )
                    .at(recipient.span())
                    .with_label("no mailbox of this organization can have this address")
                    .with_help("check the spelling, or add the domain to `organization.domains`"),
                );
            }
        }
    }

    if raw.scl_bypass_rule() && mode != EfMode::Off {
        let span = inbound
            .and_then(|i| i.scl_bypass_rule.as_ref())
            .map(|flag| flag.span());
        let mut d = Diagnostic::new(
            Code::SclBypassWithEf,
            "the SCL -1 bypass rule conflicts with Enhanced Filtering",
        )
        .with_label("Microsoft says to disable SCL -1 rules once Enhanced Filtering is on")
        .with_help("remove `scl_bypass_rule`, or set `enhanced_filtering.mode = \"off\"` if you really want the bypass");
        if let Some(span) = span {
            d = d.at(span);
        }
        found.push(d);
    }

    if !raw.lockdown() {
        let span = inbound
            .and_then(|i| i.lockdown.as_ref())
            .map(|flag| flag.span());
        let mut d = Diagnostic::new(Code::LockdownOff, "the lock-down connector is off")
            .with_label("mail sent straight to Microsoft 365 still gets in")
            .with_help("set `lockdown = true`: attackers look up stale MX records and deliver around the gateway");
        if let Some(span) = span {
            d = d.at(span);
        }
        found.push(d);
    } else if raw.lockdown_by() == LockdownBy::Certificate
        && raw.gateway.get_ref().tls_certificate.is_none()
    {
        let span = inbound
            .and_then(|i| i.lockdown_by.as_ref())
            .map(|b| b.span());
        let mut d = Diagnostic::new(
            Code::CertificateLockdownWithoutName,
            "lock-down by certificate needs the gateway's certificate name",
        )
        .with_label("`gateway.tls_certificate` is not set")
        .with_help("set `gateway.tls_certificate`, or use `lockdown_by = \"ip-addresses\"`");
        if let Some(span) = span {
            d = d.at(span);
        }
        found.push(d);
    }
}

/// With `inbound.through_gateway = false`, MX stays on Microsoft 365 and the
/// gateway only relays outbound mail: inbound options have nothing to act
/// on, and without outbound mail through the gateway there is nothing to do.
fn outbound_only(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let Some(inbound) = raw.inbound.as_ref() else {
        return;
    };
    let table = inbound.get_ref();
    let flag_span = table
        .through_gateway
        .as_ref()
        .map_or(inbound.span(), |f| f.span());
    let set: Vec<(String, std::ops::Range<usize>)> = [
        ("allow_list", table.allow_list.as_ref().map(|f| f.span())),
        (
            "spf_hard_fail_off",
            table.spf_hard_fail_off.as_ref().map(|f| f.span()),
        ),
        ("lockdown", table.lockdown.as_ref().map(|f| f.span())),
        ("lockdown_by", table.lockdown_by.as_ref().map(|f| f.span())),
        (
            "lockdown_onmicrosoft",
            table.lockdown_onmicrosoft.as_ref().map(|f| f.span()),
        ),
        (
            "reject_direct_send",
            table.reject_direct_send.as_ref().map(|f| f.span()),
        ),
        (
            "scl_bypass_rule",
            table.scl_bypass_rule.as_ref().map(|f| f.span()),
        ),
        (
            "enhanced_filtering",
            table.enhanced_filtering.as_ref().map(|f| f.span()),
        ),
    ]
    .into_iter()
    .map(|(key, span)| (format!("inbound.{key}"), span))
    .chain(gateway_inbound_keys(raw))
    .filter_map(|(key, span)| span.map(|s| (key, s)))
    .collect();
    for (key, span) in set {
        found.push(
            Diagnostic::new(
                Code::InboundStaysOnMicrosoft365,
                format!("`{key}` has no effect: inbound mail stays on Microsoft 365"),
            )
            .at(span)
            .with_label("an inbound option")
            .also_at(flag_span.clone(), "`through_gateway = false`")
            .with_help(format!(
                "remove `{}`, or route inbound mail through the gateway",
                key.rsplit('.').next().unwrap_or(&key)
            )),
        );
    }
    if !raw.outbound_through_gateway() {
        found.push(
            Diagnostic::new(
                Code::InboundStaysOnMicrosoft365,
                "neither inbound nor outbound mail goes through the gateway",
            )
            .at(flag_span)
            .with_label("inbound stays on Microsoft 365")
            .with_help("add `[outbound]` to send outbound mail through the gateway, or remove `through_gateway = false`"),
        );
    }
}

fn mode_name(mode: EfMode) -> &'static str {
    match mode {
        EfMode::Off => "off",
        EfMode::SkipLastIp => "skip-last-ip",
        EfMode::SkipListed => "skip-listed",
    }
}

/// The gateway's keys that act on inbound mail only: ARC sealing is of the
/// mail the gateway delivers to Microsoft 365.
fn gateway_inbound_keys(
    raw: &RawTopology,
) -> impl Iterator<Item = (String, Option<std::ops::Range<usize>>)> + '_ {
    let gateway = raw.gateway.get_ref();
    [
        (
            "gateway.arc_sealer",
            gateway.arc_sealer.as_ref().map(|f| f.span()),
        ),
        (
            "gateway.modifies_messages",
            gateway.modifies_messages.as_ref().map(|f| f.span()),
        ),
    ]
    .into_iter()
    .map(|(key, span)| (key.to_owned(), span))
}

/// A gateway that changes messages (rewrites links, adds banners) breaks
/// the DKIM signatures Microsoft 365 checks; Microsoft recommends adding
/// such a gateway as a trusted ARC sealer (exchange-facts F-EF-09).
fn arc_sealer(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    if !raw.inbound_through_gateway() || !raw.modifies_messages() {
        return;
    }
    let gateway = raw.gateway.get_ref();
    if gateway.arc_sealer.is_some() {
        return;
    }
    let (span, label, what) = match (&gateway.modifies_messages, raw.vendor_selection()) {
        (Some(flag), _) => (
            flag.span(),
            "`modifies_messages = true`".to_owned(),
            "the gateway changes messages".to_owned(),
        ),
        (None, Some(selection)) => (
            gateway
                .vendor
                .as_ref()
                .map_or(raw.gateway.span(), |v| v.span()),
            match &selection.vendor.modifies {
                Some(m) => format!("the catalog: {}", m.what),
                None => "the catalog".to_owned(),
            },
            format!("{} changes messages", selection.vendor.name),
        ),
        (None, None) => return,
    };
    found.push(
        Diagnostic::new(
            Code::ArcSealerMissing,
            format!("{what}, and it is not a trusted ARC sealer"),
        )
        .at(span)
        .with_label(label)
        .with_help("give `gateway.arc_sealer`, the domain in the `d=` tag of the ARC-Seal header on a message the gateway delivered; or `gateway.modifies_messages = false` if that feature is off"),
    );
}
