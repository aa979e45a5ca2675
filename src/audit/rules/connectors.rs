//! MFA003, MFA004, MFA011, MFA012: the enabled inbound connectors other
//! than the lock-down: another that accepts every sender domain is a way
//! around the gateway; the gateway's own are checked for Enhanced Filtering.

use super::Found;
use crate::audit::context::{covers_every_sender, ef_on, finding, kind_of, Context, Gateway};
use crate::audit::AuditCode;
use crate::exchange::export::ExportObject;
use crate::exchange::readback::Rule;
use crate::targets::exchange::quote::quote as ps;

/// Without the gateway, no connector can be told the gateway's or another's.
const NOT_EXAMINED: &str =
    "other inbound connectors and Enhanced Filtering (MFA003, MFA004, MFA011, MFA012)";

/// The enabled connectors and whether each is the gateway's, or `None`
/// (noted) when the gateway is not known.
fn enabled<'a>(
    ctx: &'a Context<'_>,
    found: &mut Found,
) -> Option<(&'a Gateway, Vec<&'a ExportObject>)> {
    let Some(gateway) = &ctx.gateway else {
        found.not_examined(NOT_EXAMINED);
        return None;
    };
    Some((
        gateway,
        ctx.inbound.iter().filter(|c| c.on("Enabled")).collect(),
    ))
}

/// MFA003: a Partner connector (or any but OnPremises) for every sender
/// domain that is not the gateway's.
pub(super) fn mfa003(ctx: &Context<'_>, found: &mut Found) {
    broad(ctx, found, AuditCode::BroadPartnerConnector);
}

/// MFA004: an OnPremises connector for every sender domain that is not the
/// gateway's.
pub(super) fn mfa004(ctx: &Context<'_>, found: &mut Found) {
    broad(ctx, found, AuditCode::BroadOnPremisesConnector);
}

/// The connectors for every sender domain that are not the gateway's, as
/// `code` (MFA004 for the OnPremises ones, MFA003 for the others).
fn broad(ctx: &Context<'_>, found: &mut Found, code: AuditCode) {
    let Some((gateway, connectors)) = enabled(ctx, found) else {
        return;
    };
    for connector in connectors {
        if gateway.owns(connector)
            || !covers_every_sender(connector)
            || ctx
                .tenant_lockdowns
                .contains(&connector.name().to_ascii_lowercase())
        {
            continue;
        }
        let on_premises = kind_of(connector) == "onpremises";
        if on_premises != (code == AuditCode::BroadOnPremisesConnector) {
            continue;
        }
        let name = connector.name();
        let from = connector.list("SenderIPAddresses", Rule::IpSet);
        let certificate = connector.text("TlsSenderCertificateName");
        let source = match (from.is_empty(), certificate.is_empty()) {
            (false, _) => format!("from {}", from.join(", ")),
            (true, false) => format!("with the certificate `{certificate}`"),
            (true, true) => "from any address".to_owned(),
        };
        // The path, as the model's findings name theirs.
        let sender = match (from.is_empty(), certificate.is_empty()) {
            (false, _) => format!("whoever sends from {}", from.join(", ")),
            (true, false) => format!("whoever presents the certificate `{certificate}`"),
            (true, true) => "anyone".to_owned(),
        };
        let message = if on_premises {
            format!("{sender} → connector `{name}` → delivered as the organization's own mail: accepts mail for every sender domain {source}, which is not the gateway, and grants it the rights of the organization's own mail (relay to the internet, internal in hybrid)")
        } else {
            format!("{sender} → connector `{name}` → delivered around the gateway: accepts mail for every sender domain {source}, which is not the gateway: that mail passes the lock-down and reaches mailboxes without the gateway's filtering")
        };
        let mut f = finding(
            code,
            "InboundConnector",
            name,
            message,
            "Disable the connector, or narrow its SenderDomains to the partner's own domains."
                .to_owned(),
        );
        f.command = Some(format!(
            "Set-InboundConnector -Identity {} -Enabled $false",
            ps(name)
        ));
        found.push(f);
    }
}

/// MFA011: Enhanced Filtering off on the gateway's connector for every
/// sender domain, unless the topology turns it off.
pub(super) fn mfa011(ctx: &Context<'_>, found: &mut Found) {
    let Some((gateway, connectors)) = enabled(ctx, found) else {
        return;
    };
    if ctx.expected.is_some_and(|e| e.ef_off) {
        return;
    }
    for connector in connectors {
        if !gateway.owns(connector) || ef_on(connector) || !covers_every_sender(connector) {
            continue;
        }
        let name = connector.name();
        let mut f = finding(
            AuditCode::EnhancedFilteringOff,
            "InboundConnector",
            name,
            "Enhanced Filtering is off on the gateway's connector (EFSkipLastIP false, EFSkipIPs empty): Microsoft 365 sees the gateway as the sender, so SPF, DKIM, DMARC and spoof intelligence judge the gateway instead of the real source".to_owned(),
            "Turn on Enhanced Filtering for the connector: skip the last hop (the gateway), or list the gateway's addresses in EFSkipIPs.".to_owned(),
        );
        f.command = Some(format!(
            "Set-InboundConnector -Identity {} -EFSkipLastIP $true",
            ps(name)
        ));
        found.push(f);
    }
}

/// MFA012: Enhanced Filtering on the gateway's connector only for listed
/// recipients (EFUsers).
pub(super) fn mfa012(ctx: &Context<'_>, found: &mut Found) {
    let Some((gateway, connectors)) = enabled(ctx, found) else {
        return;
    };
    for connector in connectors {
        if !gateway.owns(connector) || !ef_on(connector) {
            continue;
        }
        let users = connector.list("EFUsers", Rule::HostSet);
        if users.is_empty() {
            continue;
        }
        let name = connector.name();
        let mut f = finding(
            AuditCode::EnhancedFilteringPilot,
            "InboundConnector",
            name,
            format!("Enhanced Filtering applies only to {} listed recipient(s) (EFUsers), and only to messages whose every recipient is listed: other mail is filtered as if it came from the gateway itself", users.len()),
            "When the pilot is over, clear EFUsers so Enhanced Filtering applies to every recipient.".to_owned(),
        );
        f.command = Some(format!(
            "Set-InboundConnector -Identity {} -EFUsers $null",
            ps(name)
        ));
        found.push(f);
    }
}
