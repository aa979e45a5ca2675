//! MFA008, MFA009: accepted domains and their MX, as `verify.ps1` resolved
//! it when it wrote the export.

use super::Found;
use crate::audit::context::{finding, is_microsoft_domain, Context};
use crate::audit::AuditCode;
use crate::exchange::export::ExportObject;
use crate::exchange::readback::Rule;
use crate::knowledge::hosts;
use crate::mailflow::{self, Class, Outcome};

/// The accepted domains that receive mail, each with its MX record, or why
/// there is none to read (no lookup in the export, or a failed one).
fn domains<'a>(ctx: &'a Context<'_>) -> Vec<(&'a str, Result<&'a ExportObject, String>)> {
    let mut out = Vec::new();
    for (domain, object) in &ctx.accepted {
        if is_microsoft_domain(domain) || object.is("OutboundOnly") {
            continue;
        }
        // One map lookup a domain: the export indexed its MX records once.
        let record = ctx.export.mx_of(domain);
        let error = record.map(|r| r.text("Error")).unwrap_or_default();
        let record = match record {
            None => Err("the export holds no MX lookup for it".to_owned()),
            Some(_) if !error.is_empty() => Err(format!(
                "its MX lookup failed when the export was written: {error}"
            )),
            Some(record) => Ok(record),
        };
        out.push((domain.as_str(), record));
    }
    out
}

/// MFA008: a domain's MX points at Microsoft 365, where senders deliver
/// around the gateway.
pub(super) fn mfa008(ctx: &Context<'_>, found: &mut Found) {
    for (domain, record) in domains(ctx) {
        let Ok(record) = record else {
            continue;
        };
        let microsoft: Vec<String> = record
            .list("Exchanges", Rule::HostSet)
            .into_iter()
            .filter(|host| hosts::microsoft365_mx_problem(host).is_none())
            .collect();
        if microsoft.is_empty() {
            continue;
        }
        let routed = ctx.expected.is_some_and(|e| e.domains.contains(domain));
        let fix = match ctx.expected {
            Some(_) if routed => "Finish the MX cutover: follow the runbook's DNS phases (lower the TTL, then point the MX at the gateway only).".to_owned(),
            Some(_) => format!("Add `{domain}` to `organization.domains` in the topology and follow the runbook's DNS phases, or remove the accepted domain if it receives no mail."),
            None => "Point the domain's MX at the gateway only (lower the TTL first), or remove the accepted domain if it receives no mail.".to_owned(),
        };
        found.push(finding(
            AuditCode::MxAtMicrosoft365,
            "AcceptedDomain",
            domain,
            message(ctx, domain, &microsoft.join(", ")),
            fix,
        ));
    }
}

/// MFA008's message: the model's path, around the gateway, or (a
/// lock-down covering the domain) rejected: every message bounces.
fn message(ctx: &Context<'_>, domain: &str, microsoft: &str) -> String {
    let path = mailflow::follow(&ctx.tenant, ctx.facts.as_ref(), Class::Internet, domain);
    match path.outcome {
        Outcome::Rejected(_) => format!("{}: the MX of `{domain}` points at Microsoft 365 ({microsoft}): mail to `{domain}` bounces instead of passing the gateway", path.describe()),
        Outcome::Bypass => format!("{}: the MX of `{domain}` points at Microsoft 365 ({microsoft}): senders deliver there directly, around the gateway", path.describe()),
        _ => format!("the MX of `{domain}` points at Microsoft 365 ({microsoft}): senders deliver there directly, around the gateway"),
    }
}

/// MFA009: a domain whose MX the export does not hold.
pub(super) fn mfa009(ctx: &Context<'_>, found: &mut Found) {
    for (domain, record) in domains(ctx) {
        let Err(why) = record else {
            continue;
        };
        found.push(finding(
            AuditCode::MxNotExamined,
            "AcceptedDomain",
            domain,
            format!("whether mail for `{domain}` arrives through the gateway is unknown: {why}"),
            "Export again where Resolve-DnsName works (Windows), or check the domain's MX by hand."
                .to_owned(),
        ));
    }
}
