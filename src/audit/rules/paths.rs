//! MFA015 to MFA018: paths the mail-flow model (`crate::mailflow`) finds
//! by following a message class through the tenant, where the checks
//! before them look at one object for one pattern. Each finding names its
//! path (sender → host → connector → outcome) and the change that closes it.

use super::Found;
use crate::audit::context::{finding, Context};
use crate::audit::AuditCode;
use crate::mailflow::{self, is_onmicrosoft, Class, Kind, Outcome};

/// MFA015, MFA016: internet mail to the tenant's onmicrosoft.com domain
/// arrives around the gateway (S04, S12). MFA016 when the topology's own
/// lock-down leaves the domain out (its choice, named), MFA015 otherwise.
/// Without any lock-down, MFA001 already reports every domain open.
fn onmicrosoft(ctx: &Context<'_>, found: &mut Found, code: AuditCode) {
    if ctx.lockdowns.is_empty() {
        return;
    }
    for (domain, _) in &ctx.accepted {
        if !is_onmicrosoft(domain) {
            continue;
        }
        let path = mailflow::follow(&ctx.tenant, ctx.facts.as_ref(), Class::Internet, domain);
        if path.outcome != Outcome::Bypass {
            continue;
        }
        let chosen = ctx
            .expected
            .and_then(|e| e.lockdown_scope.as_ref())
            .filter(|scope| !scope.is_empty() && !scope.contains(domain));
        match (code, chosen) {
            (AuditCode::OnMicrosoftOpen, None) => found.push(finding(
                code,
                "AcceptedDomain",
                domain,
                format!("{}: the MX of `{domain}` is Microsoft's and cannot move, and no lock-down connector covers it (Reject Direct Send looks at the sender's domain, not this one)", path.describe()),
                format!("Add `{domain}` to the lock-down connector's AssociatedAcceptedDomains, or empty that list so it covers every accepted domain. First make sure no mailbox's primary address is on `{domain}` and no one outside sends to such addresses: that mail will be rejected."),
            )),
            (AuditCode::OnMicrosoftOpenByChoice, Some(scope)) => found.push(finding(
                code,
                "AcceptedDomain",
                domain,
                format!("{}: the topology's lock-down covers only {} and leaves `{domain}` out, whose MX is Microsoft's", path.describe(), scope.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")),
                format!("Let the topology's lock-down cover `{domain}` too, after checking that no mailbox's primary address is on it; keep it out only for a reason the runbook records."),
            )),
            _ => {}
        }
    }
}

pub(super) fn mfa015(ctx: &Context<'_>, found: &mut Found) {
    onmicrosoft(ctx, found, AuditCode::OnMicrosoftOpen);
}

pub(super) fn mfa016(ctx: &Context<'_>, found: &mut Found) {
    onmicrosoft(ctx, found, AuditCode::OnMicrosoftOpenByChoice);
}

/// MFA017: a lock-down connector identifies every Microsoft 365 tenant (an
/// Exchange Online shared address, S07, or its certificate, S08): any
/// tenant's mail passes the lock-down. Blames the lock-down, once, with
/// the first domain's path.
pub(super) fn mfa017(ctx: &Context<'_>, found: &mut Found) {
    let mut blamed: Vec<String> = Vec::new();
    for (domain, object) in &ctx.accepted {
        if object.is("OutboundOnly") {
            continue;
        }
        let path = mailflow::follow(&ctx.tenant, ctx.facts.as_ref(), Class::OtherTenant, domain);
        let Some(via) = path.via.as_deref() else {
            continue;
        };
        let Some(connector) = ctx.tenant.inbound.iter().find(|c| c.name == via) else {
            continue;
        };
        if path.outcome != Outcome::Bypass
            || !connector.restricts()
            || blamed.contains(&connector.name)
        {
            continue;
        }
        blamed.push(connector.name.clone());
        let shared: Vec<String> = ctx
            .export
            .named(crate::exchange::export::Noun::InboundConnector, via)
            .map(|c| c.texts("SenderIPAddresses"))
            .unwrap_or_default()
            .into_iter()
            .filter(|a| {
                mailflow::overlaps(
                    &mailflow::networks(std::slice::from_ref(a)),
                    &mailflow::exchange_online_ranges(),
                )
            })
            .collect();
        let (what, fix) = if shared.is_empty() {
            (
                format!("it is restricted to the certificate `{}`, which Exchange Online presents for every tenant (CN mail.protection.outlook.com)", connector.certificate),
                "Restrict the connector to the gateway's own certificate name (TlsSenderCertificateName), or to the gateway's addresses instead (RestrictDomainsToIPAddresses).".to_owned(),
            )
        } else {
            (
                format!("it admits {}, Exchange Online's shared outbound addresses, from which every tenant sends", shared.join(", ")),
                format!("Remove {} from the connector's SenderIPAddresses: list the gateway's egress only.", shared.join(", ")),
            )
        };
        found.push(finding(
            AuditCode::LockdownAdmitsTenants,
            "InboundConnector",
            via,
            format!(
                "{}: {what}; any Microsoft 365 tenant can deliver to the tenant's mailboxes around the gateway",
                path.describe()
            ),
            fix,
        ));
    }
}

/// MFA018: an OnPremises inbound connector Microsoft warns about
/// (MC1226222: a certificate domain that is not an accepted domain, or
/// addresses other tenants use), with the path the model reads through it.
pub(super) fn mfa018(ctx: &Context<'_>, found: &mut Found) {
    for connector in ctx
        .tenant
        .inbound
        .iter()
        .filter(|c| c.kind == Kind::OnPremises)
    {
        let Some(risk) = mailflow::on_premises_risk(&ctx.tenant, connector) else {
            continue;
        };
        found.push(finding(
            AuditCode::OnPremisesAttribution,
            "InboundConnector",
            &connector.name,
            format!("{} → connector `{}` → delivered as the organization's own mail, at risk: {risk}: Exchange Online attributes mail on an OnPremises connector by the certificate's domain, then the envelope sender's domain, then the recipient's, and a connector like this may stop working after a tenant move; while it works it grants whoever matches it the rights of the organization's own mail",
                if mailflow::overlaps(&connector.addresses, &mailflow::exchange_online_ranges()) {
                    Class::OtherTenant.sender()
                } else {
                    Class::OnPremises.sender()
                },
                connector.name,
            ),
            "Give the connector a certificate whose subject or SAN is one of the tenant's accepted domains, and only addresses the organization alone uses; a third-party service that relays through Exchange Online belongs on a Partner connector.".to_owned(),
        ));
    }
}
