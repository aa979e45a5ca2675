//! SPF hard fail off in the Default anti-spam policy: mail relayed by the
//! gateway fails SPF for the sender's domain, so hard fail would mark it as
//! spam. A recorded scalar ([`RecordedScalar`]): the rollback puts back the
//! value found before.

use super::recorded_scalar::RecordedScalar;
use super::{Apply, Script, Setting, Switch, Undo};
use crate::exchange::compare::Finding;
use crate::exchange::export::TenantExport;
use crate::exchange::readback::Rule;
use crate::exchange::vocabulary::{
    CONTENT_FILTER_POLICY, DEFAULT_POLICY, MARK_AS_SPAM_SPF_RECORD_HARD_FAIL,
};
use crate::model::Topology;
use crate::targets::plan::{Phase, Value};
use crate::targets::state::Entry;
use crate::targets::templates::ids;

const SCALAR: RecordedScalar = RecordedScalar {
    kind: CONTENT_FILTER_POLICY,
    name: DEFAULT_POLICY,
    property: MARK_AS_SPAM_SPF_RECORD_HARD_FAIL,
    rule: Rule::Word,
    apply_file: "30-spf-hard-fail.ps1",
    singleton: false,
};

pub struct SpfHardFail;

impl Setting for SpfHardFail {
    fn slug(&self) -> &'static str {
        "spf-hard-fail"
    }

    fn kind(&self) -> &'static str {
        SCALAR.kind
    }

    fn steps(&self, topology: &Topology) -> Option<(Apply, Undo)> {
        if !topology.inbound.spf_hard_fail_off {
            return None;
        }
        Some((
            Apply {
                file: SCALAR.apply_file,
                phase: Phase::Prepare,
                title: "Turns SPF hard fail off in the Default anti-spam policy.",
                summary: "turns SPF hard fail off in the Default anti-spam policy",
                script: Script {
                    template: ids::PS_SPF_HARD_FAIL,
                    switches: &[Switch::StatePath],
                    context: minijinja::context! {},
                    objects: vec![SCALAR.object(Value::text("Off"))],
                    object: None,
                },
            },
            Undo {
                slug: "restore-spf-hard-fail",
                title: "Puts SPF hard fail back to what it was before mailflowc.",
                script: Script {
                    template: ids::PS_ROLLBACK_SPF_HARD_FAIL,
                    switches: &[Switch::StatePath],
                    context: minijinja::context! {},
                    objects: vec![SCALAR.restored()],
                    object: None,
                },
            },
        ))
    }

    fn verify(&self, topology: &Topology) -> Vec<(&'static str, minijinja::Value)> {
        vec![("spf", topology.inbound.spf_hard_fail_off.into())]
    }

    fn verify_check(&self) -> Option<&'static str> {
        Some(ids::PS_VERIFY_SPF_HARD_FAIL)
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
        vec![("spf_hard_fail_off", (SCALAR.read(export) == "off").into())]
    }
}
