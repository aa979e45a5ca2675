//! MFA005, MFA006: enabled, enforced transport rules that set SCL -1 (skip
//! spam filtering), other than mailflowc's own.

use super::Found;
use crate::audit::context::{finding, within, Context};
use crate::audit::AuditCode;
use crate::exchange::export::ExportObject;
use crate::exchange::readback::Rule;
use crate::targets::exchange::quote::quote as ps;

/// Without the gateway, a rule limited to sender addresses cannot be told
/// the gateway's or another's.
const NOT_EXAMINED: &str = "SCL -1 rules with sender address conditions (MFA005, MFA006)";

/// The SCL -1 rules, each with its sender ranges and whether they are all
/// the gateway's (`None`, noted, when the gateway is not known).
fn bypasses<'a>(
    ctx: &'a Context<'_>,
    found: &mut Found,
) -> Vec<(&'a ExportObject, Vec<String>, bool)> {
    let mut out = Vec::new();
    for rule in ctx.export.transport_rules() {
        let enabled = rule.canonical("State", Rule::Word);
        let mode = rule.canonical("Mode", Rule::Word);
        if enabled == "disabled"
            || !(mode.is_empty() || mode == "enforce")
            || rule.canonical("SetSCL", Rule::Int) != "-1"
            || ctx
                .expected
                .is_some_and(|e| e.ours.contains(&rule.name().to_ascii_lowercase()))
        {
            continue;
        }
        let ranges = rule.list("SenderIpRanges", Rule::IpSet);
        let gateway_only = match &ctx.gateway {
            _ if ranges.is_empty() => false,
            Some(g) => ranges.iter().all(|r| within(&g.nets, r)),
            None => {
                found.not_examined(NOT_EXAMINED);
                continue;
            }
        };
        out.push((rule, ranges, gateway_only));
    }
    out
}

/// MFA005: a rule that skips spam filtering for mail not (only) from the
/// gateway's addresses.
pub(super) fn mfa005(ctx: &Context<'_>, found: &mut Found) {
    for (rule, ranges, gateway_only) in bypasses(ctx, found) {
        if gateway_only {
            continue;
        }
        let scope = if ranges.is_empty() {
            "for every message its conditions match, whatever address it came from".to_owned()
        } else {
            format!(
                "for mail from {}, not only the gateway's addresses",
                ranges.join(", ")
            )
        };
        let mut f = finding(
            AuditCode::SclBypassRule,
            "TransportRule",
            rule.name(),
            format!("sets SCL -1 (skip spam filtering) {scope}: a sender that matches it is delivered to the inbox unfiltered"),
            "Disable the rule, or limit it to the gateway's addresses (SenderIpRanges).".to_owned(),
        );
        f.command = Some(format!(
            "Disable-TransportRule -Identity {}",
            ps(rule.name())
        ));
        found.push(f);
    }
}

/// MFA006: a rule that skips spam filtering for the gateway's addresses
/// while Enhanced Filtering is on.
pub(super) fn mfa006(ctx: &Context<'_>, found: &mut Found) {
    for (rule, _, gateway_only) in bypasses(ctx, found) {
        if !(gateway_only && ctx.ef_on) {
            continue;
        }
        let mut f = finding(
            AuditCode::SclBypassWithEf,
            "TransportRule",
            rule.name(),
            "sets SCL -1 for the gateway's addresses while Enhanced Filtering is on: Microsoft says to disable such rules once Enhanced Filtering is on (Microsoft, Enhanced Filtering for Connectors)".to_owned(),
            "Disable the rule.".to_owned(),
        );
        f.command = Some(format!(
            "Disable-TransportRule -Identity {}",
            ps(rule.name())
        ));
        found.push(f);
    }
}
