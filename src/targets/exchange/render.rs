//! Exchange steps → template contexts. Nothing is decided here: every value
//! comes from the plan; this only shapes it for the PowerShell templates.

use super::plan::{ExchangeStep, Header, Script, ScriptParam};
use crate::targets::plan::{Object, Value};
use crate::targets::templates::ids;
use crate::targets::{context, Rendered};
use serde::Serialize;

/// What `_header.ps1.j2` reads.
#[derive(Serialize)]
struct HelpBlock<'a> {
    file_name: &'a str,
    synopsis: &'a str,
    description: &'a [String],
    source: &'a str,
    params: &'a [ScriptParam],
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
}

/// An Exchange object as `_object.ps1.j2` and `rollback.ps1.j2` read it.
#[derive(Serialize)]
struct ObjectView<'a> {
    /// The cmdlet noun: `InboundConnector`, `OutboundConnector`, `TransportRule`.
    noun: &'static str,
    label: &'static str,
    name: &'a str,
    params: Vec<Param<'a>>,
    /// Parameters given when creating: those with a value.
    create_params: Vec<&'static str>,
    /// Properties whose values are never printed.
    masked: Vec<&'static str>,
}

/// The PowerShell expression that stands for a secret: the script's own
/// variable, filled at run time.
const SECRET_EXPR: &str = "$Secret";
const NULL: Value = Value::Null(());

fn label(noun: &str) -> &'static str {
    match noun {
        "InboundConnector" => "inbound connector",
        "OutboundConnector" => "outbound connector",
        "TransportRule" => "transport rule",
        _ => "object",
    }
}

fn object_view(object: &Object) -> ObjectView<'_> {
    let params: Vec<Param<'_>> = object
        .properties
        .iter()
        .map(|p| match &p.value {
            Value::Secret { .. } => Param {
                name: p.name,
                value: &NULL,
                expr: Some(SECRET_EXPR),
            },
            value => Param {
                name: p.name,
                value,
                expr: None,
            },
        })
        .collect();
    ObjectView {
        noun: object.kind,
        label: label(object.kind),
        name: &object.name,
        create_params: params
            .iter()
            .filter(|p| p.expr.is_some() || !p.value.is_null())
            .map(|p| p.name)
            .collect(),
        masked: params
            .iter()
            .filter(|p| p.expr.is_some())
            .map(|p| p.name)
            .collect(),
        params,
    }
}

fn removal_view<'a>(kind: &'static str, name: &'a str) -> ObjectView<'a> {
    ObjectView {
        noun: kind,
        label: label(kind),
        name,
        params: Vec::new(),
        create_params: Vec::new(),
        masked: Vec::new(),
    }
}

/// Every Exchange file: (path, template, context).
pub fn render(steps: &[ExchangeStep], tenant: &str, source: &str) -> Vec<Rendered> {
    steps
        .iter()
        .map(|s| {
            let (template, extra) = script_context(&s.script);
            let Header {
                description,
                params,
            } = &s.header;
            let help = HelpBlock {
                file_name: s.step.file.rsplit('/').next().unwrap_or(&s.step.file),
                synopsis: &s.step.title,
                description,
                source,
                params,
            };
            let ctx = minijinja::context! { script => context(&help), tenant => tenant, ..extra };
            (s.step.file.clone(), template, ctx)
        })
        .collect()
}

fn script_context(script: &Script) -> (&'static str, minijinja::Value) {
    match script {
        Script::Preflight { domains } => (ids::PS_PREFLIGHT, minijinja::context! { domains }),
        Script::Object(object) => (
            ids::PS_OBJECT,
            minijinja::context! { object => context(&object_view(object)) },
        ),
        Script::AllowList { entries } => (
            ids::PS_ALLOW_LIST,
            minijinja::context! { entries, cap => super::audit::ALLOW_LIST_CAP },
        ),
        Script::SpfHardFail => (ids::PS_SPF_HARD_FAIL, minijinja::context! {}),
        Script::OutboundRule {
            rule,
            connector,
            secret,
        } => (
            ids::PS_OUTBOUND_RULE,
            minijinja::context! {
                object => context(&object_view(rule)),
                connector_name => connector,
                secret => context(secret),
            },
        ),
        Script::Lockdown { domains, connector } => (
            ids::PS_LOCKDOWN,
            minijinja::context! {
                domains,
                object => context(&object_view(connector)),
            },
        ),
        Script::Remove { kind, name } => (
            ids::PS_ROLLBACK,
            minijinja::context! { object => context(&removal_view(kind, name)) },
        ),
        Script::RemoveAllowList { entries } => {
            (ids::PS_ROLLBACK_ALLOW_LIST, minijinja::context! { entries })
        }
    }
}
