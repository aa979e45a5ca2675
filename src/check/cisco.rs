//! The Cisco Secure Email section: object names AsyncOS accepts and the
//! destination-control numbers.

use crate::diagnostics::{Code, Diagnostic};
use crate::parse::defaults::written;
use crate::parse::RawTopology;
use crate::targets::cisco::audit::asyncos_name_problem;
use toml::Spanned;

pub fn check(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let Some(cisco) = raw.cisco() else {
        return;
    };
    let names = [
        (
            "cisco.relay_sender_group",
            cisco.relay_sender_group.as_ref(),
        ),
        ("cisco.filter_name", cisco.filter_name.as_ref()),
        ("cisco.inbound_listener", cisco.inbound_listener.as_ref()),
        ("cisco.outbound_listener", cisco.outbound_listener.as_ref()),
    ];
    for (key, name) in names {
        if let Some(name) = name {
            check_name(key, name, found);
        }
    }
    if let Some(label) = &cisco.appliance {
        if let Some(problem) = appliance_label_problem(label.get_ref().trim()) {
            found.push(
                Diagnostic::new(
                    Code::InvalidApplianceLabel,
                    "`cisco.appliance` is not a plain name",
                )
                .at(label.span())
                .with_label(problem)
                .with_help("use letters, digits, `.`, `_` and `-`, starting with a letter or digit, such as `esa-hq`: the label names the directory of the appliance's relay guard"),
            );
        }
    }
    if let Some(group) = cisco
        .relay_sender_group
        .as_ref()
        .filter(|g| g.get_ref().trim().eq_ignore_ascii_case("RELAYLIST"))
    {
        if raw.outbound_through_gateway() {
            found.push(
                Diagnostic::new(
                    Code::SharedRelayGroup,
                    "the relay guard would drop every other relay of `RELAYLIST`",
                )
                .at(group.span())
                .with_label("AsyncOS's default relay sender group")
                .with_help("remove `relay_sender_group` to use `RELAY_O365`, a group of its own holding only `.protection.outlook.com`"),
            );
        }
    }
    let listener = |value: Option<&Spanned<String>>| {
        value
            .map(|n| n.get_ref().trim().to_owned())
            .unwrap_or_default()
    };
    let inbound = listener(cisco.inbound_listener.as_ref());
    let outbound = listener(cisco.outbound_listener.as_ref());
    if raw.outbound_through_gateway() && inbound.eq_ignore_ascii_case(&outbound) {
        // At the listener the topology wrote, not at a default.
        let span = written(cisco.outbound_listener.as_ref())
            .or(written(cisco.inbound_listener.as_ref()))
            .map_or(raw.cisco.as_ref().map_or(0..0, |c| c.span()), |n| n.span());
        found.push(
            Diagnostic::new(
                Code::SameListener,
                format!("the inbound and the outbound listener are both `{outbound}`"),
            )
            .at(span)
            .with_label("Microsoft 365's relayed mail would arrive with the MX traffic")
            .with_help("give Microsoft 365's outbound connector a listener of its own (`cisco.outbound_listener`): on a shared one, mail other Microsoft 365 tenants send you matches the relay sender group and the guard drops it"),
        );
    }
    if let Some(controls) = &cisco.destination_controls {
        let controls = controls.get_ref();
        for (key, value) in [
            ("max_concurrency", controls.max_concurrency.as_ref()),
            (
                "max_messages_per_connection",
                controls.max_messages_per_connection.as_ref(),
            ),
        ] {
            if let Some(value) = value.filter(|v| !(1..=1000).contains(v.get_ref())) {
                found.push(
                    Diagnostic::new(
                        Code::DestinationControlRange,
                        format!("`{key} = {}` is out of range", value.get_ref()),
                    )
                    .at(value.span())
                    .with_label("expected 1 to 1000")
                    .with_help("Cisco's Microsoft 365 guide starts new gateway addresses at 10 connections and 20 messages per connection"),
                );
            }
        }
    }
}

/// What is wrong with an appliance label, if anything: it names a directory
/// (`generated/_appliances/<label>/`) and appears in Markdown and AsyncOS
/// comments, so it is a plain name of at most 63 characters.
pub fn appliance_label_problem(label: &str) -> Option<&'static str> {
    let mut chars = label.chars();
    match chars.next() {
        None => Some("empty"),
        Some(first) if !first.is_ascii_alphanumeric() => {
            Some("must start with a letter or a digit")
        }
        _ if label.len() > 63 => Some("longer than 63 characters"),
        _ if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) =>
        {
            Some("holds a character other than letters, digits, `.`, `_` and `-`")
        }
        _ => None,
    }
}

fn check_name(key: &str, name: &Spanned<String>, found: &mut Vec<Diagnostic>) {
    if let Some(problem) = asyncos_name_problem(name.get_ref()) {
        found.push(
            Diagnostic::new(Code::InvalidAsyncOsName, format!("`{key}` is not a name AsyncOS accepts"))
                .at(name.span())
                .with_label(problem)
                .with_help("use a letter followed by letters, digits and `_`, such as `RELAYLIST` or `relay_guard`"),
        );
    }
}
