//! The connection filter's IP allow list (exchange-facts F-CF-03): the
//! gateway's entries added to the Default policy's `IPAllowList`, so that
//! connection filtering does not act on the gateway's addresses. A member
//! of a tenant-wide list ([`TenantList`]): the tenant's own entries stay.

use super::tenant_list::TenantList;
use super::{Apply, Retired, Script, Setting, Switch, Undo};
use crate::exchange::compare::Finding;
use crate::exchange::export::TenantExport;
use crate::exchange::limits::ALLOW_LIST_CAP;
use crate::exchange::readback::Rule;
use crate::exchange::vocabulary::{CONNECTION_FILTER_POLICY, DEFAULT_POLICY, IP_ALLOW_LIST};
use crate::model::Topology;
use crate::targets::plan::Phase;
use crate::targets::state::Entry;
use crate::targets::templates::ids;

const LIST: TenantList = TenantList {
    kind: CONNECTION_FILTER_POLICY,
    name: DEFAULT_POLICY,
    property: IP_ALLOW_LIST,
    rule: Rule::IpSet,
    wanted: "every gateway entry",
    singleton: false,
};

pub struct AllowList;

/// The entries the topology adds: the gateway's, as Exchange takes them;
/// none when it does not manage the list.
fn entries(topology: &Topology) -> Vec<String> {
    if topology.inbound.allow_list {
        topology.gateway.egress.ipv4_exchange_entries()
    } else {
        Vec::new()
    }
}

impl Setting for AllowList {
    fn slug(&self) -> &'static str {
        "allow-list"
    }

    fn kind(&self) -> &'static str {
        LIST.kind
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        if !topology.inbound.allow_list {
            return None;
        }
        let entries = entries(topology);
        let objects = vec![LIST.object(entries.clone())];
        Some((
            Apply {
                file: "20-allow-list.ps1",
                phase: Phase::Prepare,
                title: "Adds the gateway to the connection-filter IP allow list.",
                summary: "adds the gateway's addresses to the connection-filter allow list",
                script: Script {
                    template: ids::PS_ALLOW_LIST,
                    switches: &[Switch::StatePath],
                    context: minijinja::context! { entries, cap => ALLOW_LIST_CAP },
                    objects: objects.clone(),
                    object: None,
                },
            },
            Undo {
                slug: "remove-allow-list-entries",
                title: "Removes the gateway's entries from the connection-filter IP allow list.",
                script: Script {
                    template: ids::PS_ROLLBACK_ALLOW_LIST,
                    switches: &[Switch::StatePath],
                    context: minijinja::context! { entries },
                    objects,
                    object: None,
                },
            },
        ))
    }

    /// `entries`: also the addresses verify's conflict check looks for.
    fn verify(&self, topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        vec![("entries", entries(topology).into())]
    }

    fn converge(&self, topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        vec![("entries", entries(topology).into())]
    }

    fn verify_check(&self) -> Option<&'static str> {
        Some(ids::PS_VERIFY_ALLOW_LIST)
    }

    fn converge_check(&self) -> Option<&'static str> {
        Some(ids::PS_CONVERGE_ALLOW_LIST)
    }

    fn compare(
        &self,
        key: &str,
        entry: &Entry,
        export: &TenantExport,
        findings: &mut Vec<Finding>,
    ) -> Result<(), String> {
        LIST.compare(key, entry, export, findings)
    }

    /// Managed when the list holds any of the gateway's entries.
    fn read_back(
        &self,
        export: &TenantExport,
        is_gateways: &dyn Fn(&str) -> bool,
    ) -> Vec<(&'static str, serde_json::Value)> {
        let managed = LIST.members(export).iter().any(|e| is_gateways(e));
        vec![("allow_list", managed.into())]
    }

    fn retired(&self) -> Option<Retired> {
        Some(Retired {
            property: IP_ALLOW_LIST,
            note: "mailflowc no longer manages the allow list: the entries it added leave it; \
                   the policy and every other entry stay",
        })
    }
}
