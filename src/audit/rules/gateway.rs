//! MFA014: the gateway cannot be told from the export (without a topology).

use super::Found;
use crate::audit::context::{finding, Context};
use crate::audit::AuditCode;

/// MFA014: why the gateway is unknown; the audit appends the checks left
/// out for it (`Found::not_examined`) once every rule has run.
pub(super) fn mfa014(ctx: &Context<'_>, found: &mut Found) {
    let Some(why) = &ctx.unidentified else {
        return;
    };
    let mut f = finding(
        AuditCode::GatewayUnidentified,
        "InboundConnector",
        "(gateway)",
        why.clone(),
        "Audit again with the topology (`mailflowc audit --tenant EXPORT TOPOLOGY`): it names the gateway's addresses.".to_owned(),
    );
    f.locate = "InboundConnector".to_owned();
    found.push(f);
}
