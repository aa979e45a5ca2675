//! Exchange Online's part of a path: which inbound connector identifies the
//! sender, which restricting connector rejects it, Reject Direct Send, the
//! filters that weaken, and the way out for outbound mail.

use super::tenant::{domain_matches, overlaps, Connector, Kind, Tenant};
use super::{exchange_online_ranges, Outcome, Path, Sender};

/// A certificate pattern (`*.contoso.com` or a name) matches a presented
/// name: the name itself, or a subdomain under a leading `*.` (F-IN-07).
pub(super) fn certificate_matches(pattern: &str, presented: &str) -> bool {
    pattern == presented || domain_matches(pattern, presented.trim_start_matches("*."))
}

/// Whether `connector` identifies `sender` (*assumed* in its detail: a
/// connector that lists the sender's address identifies it whatever its
/// restriction flag; one that names the certificate identifies it when it
/// restricts to it, or is OnPremises, whose attribution starts with the
/// certificate: MC1226222, S14).
fn identifies(connector: &Connector, sender: &Sender) -> bool {
    let by_address = !connector.addresses.is_empty()
        && !sender.addresses.is_empty()
        && overlaps(&connector.addresses, &sender.addresses);
    let by_certificate = !connector.certificate.is_empty()
        && (connector.restrict_certificate || connector.kind == Kind::OnPremises)
        && sender
            .certificates
            .iter()
            .any(|c| certificate_matches(&connector.certificate, c));
    by_address || by_certificate
}

/// Why an OnPremises connector is one Microsoft warns about (MC1226222,
/// S14, S15): its certificate domain is not an accepted domain, or its
/// addresses are Exchange Online's shared ones.
pub fn on_premises_risk(tenant: &Tenant, connector: &Connector) -> Option<String> {
    if connector.kind != Kind::OnPremises {
        return None;
    }
    let certificate = connector.certificate.trim_start_matches("*.");
    if !certificate.is_empty()
        && !tenant
            .accepted
            .iter()
            .any(|d| d == certificate || certificate.ends_with(&format!(".{d}")))
    {
        return Some(format!(
            "its certificate domain `{}` is not an accepted domain (MC1226222)",
            connector.certificate
        ));
    }
    if overlaps(&connector.addresses, &exchange_online_ranges()) {
        return Some(
            "its addresses are Exchange Online's, shared by every tenant (MC1226222)".to_owned(),
        );
    }
    None
}

/// The message arrives at Exchange Online for `domain`.
pub(super) fn arrive(tenant: &Tenant, sender: &Sender, domain: &str, path: &mut Path) {
    // Connectors that apply: the recipient's accepted domain among their
    // associated domains (S04), the sender's domain among a Partner
    // connector's sender domains; in name order (*assumed*: the seed states
    // name order for outbound connectors of equal scope only).
    let mut candidates: Vec<&Connector> = tenant
        .inbound
        .iter()
        .filter(|c| c.covers_recipient(domain) && c.covers_sender(&sender.mail_from))
        .collect();
    candidates.sort_by_key(|c| c.name.to_ascii_lowercase());
    if let Some(connector) = candidates.iter().find(|c| identifies(c, sender)) {
        // S06, S07, S08, S14, S15: the connector takes it.
        path.via = Some(connector.name.clone());
        path.hops.push(format!("connector `{}`", connector.name));
        path.at_risk = on_premises_risk(tenant, connector);
        path.outcome = if sender.from_gateway {
            Outcome::ThroughGateway
        } else {
            Outcome::Bypass
        };
    } else if let Some(connector) = candidates.iter().find(|c| c.restricts()) {
        // S03, S05, S09: a restricting Partner connector rejects what it
        // does not identify. The bounce's text is in no stored source.
        path.rules.extend(["S03", "S05", "S09"]);
        path.via = Some(connector.name.clone());
        path.hops.push(format!("connector `{}`", connector.name));
        path.outcome = Outcome::Rejected(format!(
            "the lock-down connector `{}` rejects mail it does not identify",
            connector.name
        ));
    } else if tenant.reject_direct_send
        && tenant
            .accepted
            .iter()
            .any(|d| domain_matches(d, &sender.mail_from))
    {
        // S10, S12: Reject Direct Send looks at the envelope sender's domain.
        path.rules.extend(["S10", "S12"]);
        path.hops.push("no connector".to_owned());
        path.outcome = Outcome::Rejected(
            "550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from unauthorized sources".to_owned(),
        );
    } else {
        // S02, S04, S11: nothing stops it.
        path.hops.push("no connector".to_owned());
        path.outcome = if sender.from_gateway {
            Outcome::ThroughGateway
        } else {
            Outcome::Bypass
        };
    }
    if !matches!(path.outcome, Outcome::Rejected(_)) {
        weakened(tenant, sender, path);
    }
    path.hops.push(path.outcome.label());
}

/// The filters that skip spam filtering for it: the connection-filter
/// allow list (S01, S06; exchange-facts F-CF-05) and transport rules
/// setting SCL -1 by address or sender domain (S13); a rule with neither
/// condition applies to every message (*assumed*: the conditions the model
/// does not read are taken as matching).
fn weakened(tenant: &Tenant, sender: &Sender, path: &mut Path) {
    if !sender.addresses.is_empty() && overlaps(&tenant.allow_list, &sender.addresses) {
        path.weakened
            .push("its address is on the connection-filter allow list".to_owned());
    }
    for rule in &tenant.scl_rules {
        let by_address =
            !sender.addresses.is_empty() && overlaps(&rule.sender_ranges, &sender.addresses);
        let by_domain = rule
            .sender_domains
            .iter()
            .any(|d| domain_matches(d, &sender.mail_from));
        let unconditional = rule.sender_ranges.is_empty() && rule.sender_domains.is_empty();
        if by_address || by_domain || unconditional {
            path.rules.push("S13");
            path.weakened
                .push(format!("transport rule `{}` sets SCL -1", rule.name));
        }
    }
}

/// A user's mail to `domain` outside the organization: a transport rule
/// routing to an outbound connector, or a connector for every recipient
/// domain, sends it to the connector's smart hosts (the gateway's,
/// *assumed*); without one, Exchange Online delivers it itself (S17,
/// *assumed*).
pub(super) fn outbound(tenant: &Tenant, domain: &str, path: &mut Path) {
    let routed = tenant.outbound.iter().find(|c| {
        (c.rule_scoped
            && tenant
                .routing_rules
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&c.name)))
            || (!c.rule_scoped
                && c.recipient_domains
                    .iter()
                    .any(|d| d == "*" || domain_matches(d, domain)))
    });
    path.rules.push("S17");
    match routed {
        Some(c) if !c.smart_hosts.is_empty() => {
            path.via = Some(c.name.clone());
            path.hops.push(format!("outbound connector `{}`", c.name));
            path.hops.push(format!("smart host `{}`", c.smart_hosts[0]));
            path.outcome = Outcome::ThroughGateway;
        }
        _ => {
            path.hops.push(format!("`{domain}`'s own MX"));
            path.outcome = Outcome::Bypass;
        }
    }
    path.hops.push(path.outcome.label());
}
