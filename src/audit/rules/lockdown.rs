//! MFA001, MFA002: the lock-down connector, which rejects mail that does
//! not come from the gateway.

use super::Found;
use crate::audit::context::{finding, is_microsoft_domain, names, path_around, Context};
use crate::audit::AuditCode;
use crate::exchange::readback::Rule;
use crate::mailflow::Class;
use std::collections::BTreeSet;

/// MFA001: no lock-down connector admits the gateway (or, the gateway not
/// known, there is none at all: two that disagree are MFA014's).
pub(super) fn mfa001(ctx: &Context<'_>, found: &mut Found) {
    if !ctx.gateway_lockdowns.is_empty() || (ctx.gateway.is_none() && !ctx.lockdowns.is_empty()) {
        return;
    }
    // A lock-down that admits every Microsoft 365 tenant still rejects the
    // rest of the internet: MFA017 names it, not this.
    if !ctx.tenant_lockdowns.is_empty() {
        return;
    }
    // The path, shown for the first domain that receives mail.
    let domain = ctx
        .tenant
        .accepted
        .iter()
        .find(|d| !is_microsoft_domain(d))
        .or(ctx.tenant.accepted.first());
    let path = domain.map_or_else(String::new, |d| path_around(ctx, Class::InternetDirect, d));
    let mut f = finding(
        AuditCode::LockdownMissing,
        "InboundConnector",
        "(none)",
        format!("{path}no enabled Partner inbound connector for every sender domain (`*`) rejects mail that does not come from the gateway's addresses or certificate: anyone can send to the tenant's Microsoft 365 MX host directly"),
        "Set `inbound.lockdown` in the topology and apply the lock-down connector mailflowc plans (after the MX cutover), or create a Partner connector with `-SenderDomains *` and `-RestrictDomainsToIPAddresses $true` (or `-RestrictDomainsToCertificate $true`) for the gateway.".to_owned(),
    );
    f.locate = "InboundConnector".to_owned();
    found.push(f);
}

/// MFA002: every lock-down connector is scoped to associated accepted
/// domains, and an accepted domain is outside them all.
pub(super) fn mfa002(ctx: &Context<'_>, found: &mut Found) {
    let lockdowns = &ctx.gateway_lockdowns;
    // An empty list on any of them covers every accepted domain.
    if lockdowns.is_empty()
        || lockdowns.iter().any(|c| {
            c.list("AssociatedAcceptedDomains", Rule::AcceptedDomainSet)
                .is_empty()
        })
    {
        return;
    }
    let covered: BTreeSet<String> = lockdowns
        .iter()
        .flat_map(|c| c.list("AssociatedAcceptedDomains", Rule::AcceptedDomainSet))
        .collect();
    for (domain, _) in &ctx.accepted {
        if !covered.contains(domain) && !is_microsoft_domain(domain) {
            found.push(finding(
                AuditCode::LockdownPartial,
                "AcceptedDomain",
                domain,
                format!("{}the lock-down connector {} applies only to its associated accepted domains, and `{domain}` is not one: mail to it is not restricted to the gateway", path_around(ctx, Class::InternetDirect, domain), names(lockdowns)),
                format!("Add `{domain}` to the lock-down connector's AssociatedAcceptedDomains, or empty that list so the connector covers every accepted domain."),
            ));
        }
    }
}
