//! MFA007: the connection filter's allow list.

use super::Found;
use crate::audit::context::{finding, within, Context};
use crate::audit::AuditCode;
use crate::exchange::export::Noun;
use crate::targets::exchange::quote::quote as ps;

/// MFA007: an allow-list entry that is not within the gateway's addresses.
pub(super) fn mfa007(ctx: &Context<'_>, found: &mut Found) {
    let Some(gateway) = &ctx.gateway else {
        found.not_examined("the connection-filter allow list (MFA007)");
        return;
    };
    for policy in ctx.export.objects(Noun::HostedConnectionFilterPolicy) {
        let name = policy.name();
        let mut entries = policy.texts("IPAllowList");
        entries.retain(|e| !e.is_empty());
        entries.sort();
        entries.dedup();
        for entry in entries {
            if within(&gateway.nets, &entry) {
                continue;
            }
            let object = format!("{name}: {entry}");
            let mut f = finding(
                AuditCode::ForeignAllowListEntry,
                "HostedConnectionFilterPolicy",
                &object,
                format!("`{entry}` is on the allow list and is not the gateway's: mail from it skips spam filtering (Microsoft, connection filter policies)"),
                "Remove the entry (the list's other entries stay).".to_owned(),
            );
            f.command = Some(format!(
                "Set-HostedConnectionFilterPolicy -Identity {} -IPAllowList @{{Remove = {}}}",
                ps(name),
                ps(&entry)
            ));
            // Located on the entry: the policy's name may appear first
            // elsewhere.
            f.locate = entry.clone();
            found.push(f);
        }
    }
}
