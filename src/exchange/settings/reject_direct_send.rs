//! Reject Direct Send for the organization (Set-OrganizationConfig), after
//! the cutover like the lock-down connector: before it, mail from senders
//! using the tenant's own domains still reaches Microsoft 365 straight,
//! matching no connector. A recorded scalar ([`RecordedScalar`]): the
//! rollback, and converge once the topology no longer turns it on, put
//! back the value found before.

use super::recorded_scalar::RecordedScalar;
use super::{Apply, Check, Runbook, Script, Setting, Switch, Undo};
use crate::exchange::compare::Finding;
use crate::exchange::export::TenantExport;
use crate::exchange::readback::Rule;
use crate::exchange::vocabulary::{ORGANIZATION, ORGANIZATION_CONFIG, REJECT_DIRECT_SEND};
use crate::model::Topology;
use crate::targets::plan::{marker, Phase, Value};
use crate::targets::state::Entry;
use crate::targets::templates::ids;

const SCALAR: RecordedScalar = RecordedScalar {
    kind: ORGANIZATION_CONFIG,
    name: ORGANIZATION,
    property: REJECT_DIRECT_SEND,
    rule: Rule::Bool,
    apply_file: "75-reject-direct-send.ps1",
    singleton: true,
};

pub struct RejectDirectSend;

impl Setting for RejectDirectSend {
    fn slug(&self) -> &'static str {
        "reject-direct-send"
    }

    fn kind(&self) -> &'static str {
        SCALAR.kind
    }

    /// Its script checks every domain's MX and the connector the gateway's
    /// mail matches first.
    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        let inbound = &topology.inbound;
        if !inbound.reject_direct_send {
            return None;
        }
        let inbound_connector = inbound
            .through_gateway
            .then(|| topology.names.inbound_connector.clone());
        Some((
            Apply {
                file: SCALAR.apply_file,
                phase: Phase::Lockdown,
                title: "Turns Reject Direct Send on for the organization.",
                summary: "turns Reject Direct Send on: anonymous mail from your own domains that matches no inbound connector is rejected",
                script: Script {
                    template: ids::PS_REJECT_DIRECT_SEND,
                    switches: &[Switch::StatePath, Switch::SkipMxCheck],
                    context: minijinja::context! {
                        domains => &topology.organization.domains,
                        inbound_connector,
                        inbound_marker => marker("inbound-connector"),
                    },
                    objects: vec![SCALAR.object(Value::Bool(true))],
                    object: None,
                },
            },
            Undo {
                slug: "restore-direct-send",
                title: "Puts Reject Direct Send back to what it was before mailflowc.",
                script: Script {
                    template: ids::PS_ROLLBACK_REJECT_DIRECT_SEND,
                    switches: &[Switch::StatePath],
                    context: minijinja::context! {},
                    objects: vec![SCALAR.restored()],
                    object: None,
                },
            },
        ))
    }

    fn verify(&self, topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        vec![("direct_send", topology.inbound.reject_direct_send.into())]
    }

    /// Whether it stays on: if not, a value recorded by an earlier run is
    /// put back.
    fn converge(&self, topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        vec![("direct_send", topology.inbound.reject_direct_send.into())]
    }

    fn verify_check(&self) -> Option<&'static str> {
        Some(ids::PS_VERIFY_REJECT_DIRECT_SEND)
    }

    fn converge_check(&self) -> Option<&'static str> {
        Some(ids::PS_CONVERGE_REJECT_DIRECT_SEND)
    }

    fn compare(
        &self,
        key: &str,
        entry: &Entry,
        export: &TenantExport,
        findings: &mut Vec<Finding>,
    ) -> Result<(), String> {
        SCALAR.compare(key, entry, export, findings)
    }

    fn read_back(
        &self,
        export: &TenantExport,
        _is_gateways: &dyn Fn(&str) -> bool,
    ) -> Vec<(&'static str, serde_json::Value)> {
        vec![("reject_direct_send", (SCALAR.read(export) == "true").into())]
    }

    fn runbook(&self) -> Runbook {
        Runbook {
            kind: "reject-direct-send",
            needs: &[
                "dns.cutover",
                "wait.lockdown",
                "direct-senders",
                "exchange.inbound-connector",
                "exchange.lockdown-connector",
            ],
            check: Some(Check {
                id: "verify.reject-direct-send",
                kind: "verify-reject-direct-send",
                what: "check that direct send is rejected",
                needs: &["exchange.reject-direct-send"],
            }),
        }
    }
}
