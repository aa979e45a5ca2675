//! Exchange steps → template contexts. Nothing about the tenant is decided
//! here: every value comes from the plan; this only shapes it for the
//! PowerShell templates, and adds what belongs to a script rather than to an
//! object (its own parameters, how objects are listed, where records go).

use super::help::HelpFacts;
use super::plan::{ExchangeStep, Script};
use crate::exchange::readback::{self, Rule};
use crate::exchange::settings::Switch;
use crate::exchange::vocabulary;
use crate::targets::plan::{Action, Object, Value};
use crate::targets::templates::ids;
use crate::targets::{context, Rendered};
use minijinja::{Error, ErrorKind};
use serde::Serialize;

/// A parameter of the generated script itself.
#[derive(Debug, Clone, Serialize)]
struct ScriptParam {
    declaration: &'static str,
    help: &'static str,
}

/// What `_header.ps1.j2` reads.
#[derive(Serialize)]
struct HelpBlock<'a> {
    file_name: &'a str,
    synopsis: &'a str,
    source: &'a str,
    params: Vec<ScriptParam>,
    /// Whether the script manages objects carrying an ownership marker.
    owns: bool,
}

/// One property as `_object.ps1.j2` writes it.
#[derive(Serialize)]
struct Param<'a> {
    name: &'static str,
    /// The value, or null when `expr` stands in for it.
    value: &'a Value,
    /// A PowerShell expression the template writes as it is, instead of
    /// `value`: only fixed text such as `$Secret`, never user data.
    expr: Option<&'static str>,
    /// The comparison rule (`exchange::readback`).
    rule: &'static str,
}

/// An Exchange object as `_object.ps1.j2` and `rollback.ps1.j2` read it.
#[derive(Serialize)]
struct ObjectView<'a> {
    /// The cmdlet noun: `InboundConnector`, `OutboundConnector`, `TransportRule`.
    noun: &'static str,
    label: &'static str,
    name: &'a str,
    marker: &'a str,
    /// `Comment` on connectors, `Comments` on rules.
    marker_property: &'static str,
    /// The file, under -StatePath, that records an adopted object's prior state.
    record: String,
    /// The Get- calls that list every object of the noun (fixed text).
    listings: &'static [&'static str],
    params: Vec<Param<'a>>,
    /// Given when creating: those with a value; `State` never (read-only).
    create_params: Vec<&'static str>,
    /// Given when updating: all but `State`, empty values included to clear them.
    set_params: Vec<&'static str>,
    /// Put back when an adopted object is rolled back: all but `State` and secrets.
    restorable: Vec<&'static str>,
    /// Properties whose values are never printed.
    masked: Vec<&'static str>,
}

/// The PowerShell expression that stands for a secret: the script's own
/// variable, filled at run time.
const SECRET_EXPR: &str = "$Secret";
/// Read-only on transport rules: set with Enable-/Disable-TransportRule.
const READ_ONLY: &str = "State";

const ADOPT: ScriptParam = ScriptParam {
    declaration: "[switch] $Adopt",
    help: "Take over an object of the same name that mailflowc did not create, recording its state first.",
};
const STATE_PATH: ScriptParam = ScriptParam {
    declaration: "[string] $StatePath = (Join-Path $PSScriptRoot '../../mailflowc-state')",
    help: "Where the ownership record lives: beside the generated tree, outside it. Commit it.",
};
const STATE_PATH_ROLLBACK: ScriptParam = ScriptParam {
    declaration: "[string] $StatePath = (Join-Path $PSScriptRoot '../../../mailflowc-state')",
    help: "Where the ownership record lives: beside the generated tree, outside it. Commit it.",
};
const JSON: ScriptParam = ScriptParam {
    declaration: "[switch] $Json",
    help: "Write the report as JSON (the format `mailflowc drift --format json` prints).",
};
const EXPORT_PATH: ScriptParam = ScriptParam {
    declaration: "[string] $ExportPath",
    help:
        "Also write the tenant state read, secret-bearing values as SHA-256, for `mailflowc drift`.",
};
const SKIP_MX_CHECK: ScriptParam = ScriptParam {
    declaration: "[switch] $SkipMxCheck",
    help: "Skip the DNS check that every domain's MX has left Microsoft 365.",
};

fn internal(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

fn object_view(object: &Object) -> Result<ObjectView<'_>, Error> {
    let mut params = Vec::new();
    for p in &object.properties {
        let rule = readback::rule(object.kind, p.name).ok_or_else(|| {
            internal(format!(
                "no comparison rule for {}.{} in exchange/readback.rs",
                object.kind, p.name
            ))
        })?;
        params.push(match &p.value {
            Value::Secret { .. } => Param {
                name: p.name,
                value: &Value::Null(()),
                expr: Some(SECRET_EXPR),
                rule: Rule::Secret.id(),
            },
            value => Param {
                name: p.name,
                value,
                expr: None,
                rule: rule.id(),
            },
        });
    }
    let marker = object
        .marker
        .as_deref()
        .ok_or_else(|| internal(format!("{} {} has no marker", object.kind, object.name)))?;
    let settable = |p: &&Param<'_>| p.name != READ_ONLY;
    Ok(ObjectView {
        noun: object.kind,
        label: vocabulary::label(object.kind),
        name: &object.name,
        marker,
        marker_property: vocabulary::marker_property(object.kind),
        record: format!(
            "adopted-{}.json",
            marker.strip_prefix("mailflowc:").unwrap_or(marker)
        ),
        listings: vocabulary::listings(object.kind),
        create_params: params
            .iter()
            .filter(settable)
            .filter(|p| p.expr.is_some() || !p.value.is_null())
            .map(|p| p.name)
            .collect(),
        set_params: params.iter().filter(settable).map(|p| p.name).collect(),
        restorable: params
            .iter()
            .filter(settable)
            .filter(|p| p.expr.is_none())
            .map(|p| p.name)
            .collect(),
        masked: params
            .iter()
            .filter(|p| p.expr.is_some())
            .map(|p| p.name)
            .collect(),
        params,
    })
}

/// An object as `verify.ps1` compares it: a secret by its fingerprint.
fn verify_view(object: &Object) -> Result<minijinja::Value, Error> {
    let view = object_view(object)?;
    let params: Vec<minijinja::Value> = object
        .properties
        .iter()
        .zip(view.params.iter())
        .map(|(p, v)| match &p.value {
            Value::Secret { secret_sha256 } => minijinja::context! {
                name => p.name,
                value => secret_sha256,
                rule => "secret-sha256",
            },
            value => minijinja::context! {
                name => p.name,
                value => context(value),
                rule => v.rule,
            },
        })
        .collect();
    Ok(minijinja::context! {
        noun => view.noun,
        label => view.label,
        name => view.name,
        marker => view.marker,
        marker_property => view.marker_property,
        params => params,
    })
}

/// Every Exchange file: (path, template, context).
pub fn render(
    steps: &[ExchangeStep],
    facts: &HelpFacts,
    tenant: &str,
    source: &str,
) -> Result<Vec<Rendered>, Error> {
    let mut out = Vec::new();
    let facts = context(facts);
    for s in steps {
        let undo = s.step.action == Action::Undo;
        let (template, params, owns, extra) = script_context(&s.script, undo)?;
        let help = HelpBlock {
            file_name: s.step.file.rsplit('/').next().unwrap_or(&s.step.file),
            synopsis: &s.step.title,
            source,
            params,
            owns,
        };
        let ctx = minijinja::context! {
            script => context(&help),
            help => facts.clone(),
            tenant => tenant,
            step_id => &s.step.id,
            ..extra
        };
        out.push((s.step.file.clone(), template, ctx));
    }
    Ok(out)
}

type ScriptContext = (&'static str, Vec<ScriptParam>, bool, minijinja::Value);

/// A script's template, parameters, whether it owns marked objects, and
/// its values; `undo`: whether it is a rollback (its -StatePath is deeper).
fn script_context(script: &Script, undo: bool) -> Result<ScriptContext, Error> {
    Ok(match script {
        Script::Preflight {
            domains,
            entries,
            names,
            enhanced_filtering,
            microsoft365_mx,
            lockdown_tenant,
        } => (
            ids::PS_PREFLIGHT,
            Vec::new(),
            false,
            minijinja::context! { domains, entries, names, enhanced_filtering, microsoft365_mx, lockdown_tenant },
        ),
        Script::Verify {
            objects,
            ef_on,
            names,
            outbound_rule,
            gateway_addresses,
            settings,
        } => {
            let mut views = Vec::new();
            for object in objects {
                views.push(verify_view(object)?);
            }
            (
                ids::PS_VERIFY,
                vec![JSON, EXPORT_PATH],
                false,
                minijinja::context! {
                    objects => views,
                    ef_on,
                    names,
                    outbound_rule,
                    gateway_addresses,
                    ..settings.clone()
                },
            )
        }
        Script::Converge { roles, settings } => (
            ids::PS_CONVERGE,
            vec![STATE_PATH],
            false,
            minijinja::context! { roles, ..settings.clone() },
        ),
        Script::Setting(script) => {
            let params = script
                .switches
                .iter()
                .map(|switch| match (switch, undo) {
                    (Switch::Adopt, _) => ADOPT,
                    (Switch::StatePath, false) => STATE_PATH,
                    (Switch::StatePath, true) => STATE_PATH_ROLLBACK,
                    (Switch::SkipMxCheck, _) => SKIP_MX_CHECK,
                })
                .collect();
            match &script.object {
                // An object mailflowc owns, written through `_object.ps1.j2`.
                Some(object) => (
                    script.template,
                    params,
                    true,
                    minijinja::context! {
                        object => context(&object_view(object)?),
                        ..script.context.clone()
                    },
                ),
                None => (script.template, params, false, script.context.clone()),
            }
        }
    })
}
