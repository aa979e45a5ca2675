//! Which of the tenant's inbound connectors is the gateway's, from what the
//! export proves (issue 26, item 4): the lock-down's addresses or
//! certificate, or the connector the operator names; and the note of every
//! connector and rule the import leaves as it is.

use super::the_one;
use crate::audit::{covers_every_sender, is_lockdown, kind_of, nets, within};
use crate::exchange::export::{ExportObject, TenantExport};
use crate::exchange::readback::Rule;
use std::collections::BTreeSet;

/// Whether the lock-down `lockdown` admits what `connector` identifies:
/// the same certificate name when the lock-down restricts by certificate,
/// else its addresses all within the lock-down's. A connector the lock-down does not admit cannot
/// carry the gateway's mail, which the lock-down would reject.
fn admitted_by(lockdown: &ExportObject, connector: &ExportObject) -> bool {
    if lockdown.is("RestrictDomainsToCertificate") {
        let certificate = connector.canonical("TlsSenderCertificateName", Rule::HostSet);
        return !certificate.is_empty()
            && certificate == lockdown.canonical("TlsSenderCertificateName", Rule::HostSet);
    }
    let addresses = connector.list("SenderIPAddresses", Rule::IpSet);
    let allowed = nets(&lockdown.list("SenderIPAddresses", Rule::IpSet));
    !addresses.is_empty() && addresses.iter().all(|a| within(&allowed, a))
}

/// The flag that names the gateway's inbound connector when the export
/// cannot tell it.
pub const GATEWAY_CONNECTOR_FLAG: &str = "--gateway-connector";

/// The gateway's inbound connector and the lock-down connector.
pub(super) type Chosen<'a> = (Option<&'a ExportObject>, Option<&'a ExportObject>);

/// The gateway's inbound connector and the lock-down, as the export proves
/// them (or `chosen`, the connector the operator names, says); a connector
/// for every sender domain the lock-down does not admit is noted in
/// `notes`. `Err` when the export cannot tell and no connector is named.
pub(super) fn choose<'a>(
    export: &'a TenantExport,
    chosen: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Chosen<'a>, String> {
    // The gateway: the Partner connectors for every sender domain.
    let broad: Vec<&ExportObject> = export
        .inbound_connectors()
        .iter()
        .filter(|c| c.on("Enabled") && kind_of(c) == "partner" && covers_every_sender(c))
        .collect();
    let (lockdowns, plain): (Vec<&ExportObject>, Vec<&ExportObject>) =
        broad.iter().partition(|c| is_lockdown(c));
    if let Some(name) = chosen {
        if !broad.iter().any(|c| c.is_named(name)) {
            return Err(format!(
                "{GATEWAY_CONNECTOR_FLAG} `{name}`: no enabled Partner inbound connector for every sender domain has that name"
            ));
        }
    }
    fn pick<'a>(pool: &[&'a ExportObject], chosen: Option<&str>) -> Vec<&'a ExportObject> {
        match chosen {
            Some(name) => pool.iter().copied().filter(|c| c.is_named(name)).collect(),
            None => pool.to_vec(),
        }
    }
    let lockdown = match chosen {
        Some(name) if lockdowns.iter().any(|c| c.is_named(name)) => the_one(
            &pick(&lockdowns, chosen),
            "lockdown-connector",
            "are lock-down connectors",
        )?,
        _ => the_one(&lockdowns, "lockdown-connector", "are lock-down connectors")?,
    };
    // What the lock-down admits is the gateway (issue 26, item 4): a
    // connector for every sender domain from other addresses (a scanner's,
    // a partner's) is not, whatever else the export holds.
    let plain: Vec<&ExportObject> = match lockdown {
        Some(l) => {
            let (admitted, others): (Vec<&ExportObject>, Vec<&ExportObject>) =
                plain.iter().partition(|c| admitted_by(l, c));
            for other in others {
                if chosen.is_some_and(|n| other.is_named(n)) {
                    return Err(format!(
                        "{GATEWAY_CONNECTOR_FLAG} `{}`: the lock-down connector `{}` does not admit its addresses, so the gateway's mail cannot come through it",
                        other.name(),
                        l.name()
                    ));
                }
                notes.push(format!(
                    "the connector `{}` accepts every sender domain from addresses the lock-down `{}` does not admit: it is not the gateway's, and is left as it is (audit MFA003 names it)",
                    other.name(),
                    l.name()
                ));
            }
            admitted
        }
        None => plain,
    };
    let gateway_in = match chosen {
        Some(name) if plain.iter().any(|c| c.is_named(name)) => {
            the_one(&pick(&plain, chosen), "inbound-connector", "")?
        }
        _ => the_one(
            &plain,
            "inbound-connector",
            "are Partner connectors for every sender domain",
        )
        .map_err(|why| {
            format!(
                "{why}; or name the gateway's with {GATEWAY_CONNECTOR_FLAG} NAME: the export does not prove which it is, and import never picks one"
            )
        })?,
    };
    Ok((gateway_in, lockdown))
}

/// Notes every connector and mail-flow rule the topology does not take
/// over, and why (issue 26, item 4), where no note names it yet: the
/// topology's header says it plans no change, and that holds only for what
/// it names.
pub(super) fn left_alone(
    export: &TenantExport,
    notes: &mut Vec<String>,
    names: &[(String, String)],
    left_alone: &mut bool,
) {
    let taken: BTreeSet<String> = names.iter().map(|(_, n)| n.to_ascii_lowercase()).collect();
    let noted =
        |notes: &[String], name: &str| notes.iter().any(|n| n.contains(&format!("`{name}`")));
    let mut lines = Vec::new();
    for c in export.inbound_connectors() {
        if taken.contains(&c.name().to_ascii_lowercase()) || noted(notes, c.name()) {
            continue;
        }
        let senders = c.list("SenderDomains", Rule::AddressSpaceSet);
        let why = if !c.on("Enabled") {
            "disabled".to_owned()
        } else if kind_of(c) == "onpremises" {
            "an OnPremises connector, for the organization's own servers: mailflowc does not manage one (audit MFA004, MFA018)".to_owned()
        } else if !covers_every_sender(c) {
            format!(
                "a Partner connector for its own sender domains ({}): not the gateway's",
                senders.join(", ")
            )
        } else {
            "not the gateway's".to_owned()
        };
        lines.push(format!(
            "the inbound connector `{}` is left as it is: {why}",
            c.name()
        ));
    }
    for c in export.outbound_connectors() {
        if taken.contains(&c.name().to_ascii_lowercase()) || noted(notes, c.name()) {
            continue;
        }
        let why = if !c.on("Enabled") {
            "disabled".to_owned()
        } else if c.is("IsTransportRuleScoped") {
            "no rule that stamps a header routes to it, and mailflowc's outbound path is a connector chosen by a rule stamping the header the gateway's relay guard checks".to_owned()
        } else {
            format!(
                "it takes mail for {} by itself, not chosen by a rule: mailflowc's outbound path is a connector a rule chooses",
                c.list("RecipientDomains", Rule::AddressSpaceSet).join(", ")
            )
        };
        lines.push(format!(
            "the outbound connector `{}` is left as it is: {why}",
            c.name()
        ));
    }
    let mut others = 0;
    for r in export.transport_rules() {
        if taken.contains(&r.name().to_ascii_lowercase()) || noted(notes, r.name()) {
            continue;
        }
        let enabled = r.canonical("State", Rule::Word) == "enabled";
        let routes = r.text("RouteMessageOutboundConnector");
        let why = if enabled && r.canonical("SetSCL", Rule::Int) == "-1" {
            "it sets SCL -1 for mail other than from the gateway's addresses alone (audit MFA005)"
                .to_owned()
        } else if enabled && !routes.is_empty() && r.text("SetHeaderName").is_empty() {
            format!("it routes mail to `{routes}` without stamping a header, so the gateway's relay guard cannot tell the tenant's mail by it: it is not taken as mailflowc's outbound rule")
        } else {
            others += 1;
            continue;
        };
        lines.push(format!("the rule `{}` is left as it is: {why}", r.name()));
    }
    if others > 0 {
        lines.push(format!(
            "{others} other transport rule(s) neither route mail nor skip spam filtering (or are disabled): left as they are"
        ));
    }
    *left_alone = !lines.is_empty();
    notes.extend(lines);
}
