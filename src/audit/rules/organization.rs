//! MFA010, MFA013: the tenant's organization-wide settings: Direct Send and
//! the trusted ARC sealers.

use super::Found;
use crate::audit::context::{finding, Context};
use crate::audit::AuditCode;
use crate::exchange::readback::Rule;

/// MFA010: Direct Send not rejected (RejectDirectSend false or absent).
pub(super) fn mfa010(ctx: &Context<'_>, found: &mut Found) {
    let direct_send = ctx
        .export
        .organization_config()
        .map(|o| o.canonical("RejectDirectSend", Rule::Bool))
        .unwrap_or_default();
    if direct_send == "true" {
        return;
    }
    let state = if direct_send.is_empty() {
        "the tenant shows no RejectDirectSend setting"
    } else {
        "RejectDirectSend is false"
    };
    let mut f = finding(
        AuditCode::DirectSendAllowed,
        "OrganizationConfig",
        "organization",
        format!("{state}: anyone can send unauthenticated mail as the tenant's own domains straight to its Microsoft 365 endpoint"),
        "Move devices and applications that send as your domains straight to Microsoft 365 to an authenticated path, then reject Direct Send (`inbound.reject_direct_send` in the topology).".to_owned(),
    );
    f.command = Some("Set-OrganizationConfig -RejectDirectSend $true".to_owned());
    f.locate = "OrganizationConfig".to_owned();
    found.push(f);
}

/// MFA013: the topology's ARC sealer is not a trusted sealer (only with a
/// topology: the export does not say which sealer is the gateway's).
pub(super) fn mfa013(ctx: &Context<'_>, found: &mut Found) {
    let Some(sealer) = ctx.expected.and_then(|e| e.arc_sealer.as_deref()) else {
        return;
    };
    let sealers = ctx
        .export
        .arc_config()
        .map(|a| a.list("ArcTrustedSealers", Rule::SealerSet))
        .unwrap_or_default();
    if sealers.iter().any(|s| s == sealer) {
        return;
    }
    let mut f = finding(
        AuditCode::ArcSealerNotTrusted,
        "ArcConfig",
        "Default",
        format!("`{sealer}` is not among the trusted ARC sealers: the messages the gateway changes may fail authentication in Microsoft 365"),
        "Apply exchange/35-arc-sealer.ps1 from the build: it adds the gateway's domain and keeps the tenant's other sealers.".to_owned(),
    );
    f.locate = "ArcConfig".to_owned();
    found.push(f);
}
