//! The trusted ARC sealers (Set-ArcConfig): the gateway's sealing domain
//! added to the tenant's one list, before the cutover (trusting it changes
//! nothing until mail arrives sealed by it). A member of a tenant-wide
//! list ([`TenantList`]): the tenant's other sealers stay.

use super::tenant_list::TenantList;
use super::{Apply, Runbook, Script, Setting, Switch, Undo};
use crate::exchange::compare::Finding;
use crate::exchange::export::TenantExport;
use crate::exchange::readback::Rule;
use crate::exchange::vocabulary::{ARC_CONFIG, ARC_TRUSTED_SEALERS, DEFAULT_POLICY};
use crate::model::Topology;
use crate::targets::plan::Phase;
use crate::targets::state::Entry;
use crate::targets::templates::ids;

const LIST: TenantList = TenantList {
    kind: ARC_CONFIG,
    name: DEFAULT_POLICY,
    property: ARC_TRUSTED_SEALERS,
    rule: Rule::SealerSet,
    wanted: "the gateway's sealer",
    singleton: true,
};

pub struct ArcSealer;

impl Setting for ArcSealer {
    fn slug(&self) -> &'static str {
        "arc-sealer"
    }

    fn kind(&self) -> &'static str {
        LIST.kind
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        let sealer = topology.gateway.arc_sealer.clone()?;
        let objects = vec![LIST.object(vec![sealer.clone()])];
        Some((
            Apply {
                file: "35-arc-sealer.ps1",
                phase: Phase::Prepare,
                title: "Adds the gateway to the trusted ARC sealers.",
                summary: "adds the gateway's ARC sealer domain to the trusted ARC sealers, keeping the tenant's others",
                script: Script {
                    template: ids::PS_ARC_SEALER,
                    switches: &[Switch::StatePath],
                    context: minijinja::context! { sealer },
                    objects: objects.clone(),
                    object: None,
                },
            },
            Undo {
                slug: "remove-arc-sealer",
                title: "Removes the ARC sealer mailflowc added from the trusted ARC sealers.",
                script: Script {
                    template: ids::PS_ROLLBACK_ARC_SEALER,
                    switches: &[Switch::StatePath],
                    context: minijinja::context! { sealer },
                    objects,
                    object: None,
                },
            },
        ))
    }

    fn verify(&self, topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        vec![("arc_sealer", topology.gateway.arc_sealer.clone().into())]
    }

    /// The sealer still wanted: others mailflowc added are removed.
    fn converge(&self, topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        vec![("arc_sealer", topology.gateway.arc_sealer.clone().into())]
    }

    fn verify_check(&self) -> Option<&'static str> {
        Some(ids::PS_VERIFY_ARC_SEALER)
    }

    fn converge_check(&self) -> Option<&'static str> {
        Some(ids::PS_CONVERGE_ARC_SEALER)
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

    /// The export cannot tell which sealer is the gateway's: the import
    /// lists them in a comment.
    fn read_back(
        &self,
        export: &TenantExport,
        _is_gateways: &dyn Fn(&str) -> bool,
    ) -> Vec<(&'static str, serde_json::Value)> {
        vec![("sealers", LIST.members(export).into())]
    }

    fn runbook(&self) -> Runbook {
        Runbook {
            kind: "arc-sealer",
            needs: &["exchange.preflight"],
            check: None,
        }
    }
}
