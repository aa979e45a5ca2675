//! The product against the mail-flow model (issue 26, item 6): each
//! example's and valid fixture's build is turned into the tenant export it
//! would leave behind (its desired state's Exchange objects, plus the
//! accepted domains and MX the topology implies: the routed domains with
//! their MX at the gateway after cutover, the tenant's onmicrosoft.com
//! domain with Microsoft's), and audited with its topology: mailflowc's own
//! deployment must audit with 0 errors.

mod common;

use mailflowc::audit::{self, AuditCode};
use mailflowc::targets::state::DesiredState;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Findings the product's own deployment leaves by the topology's choice:
/// the lock-down covers the tenant's onmicrosoft.com domain by default
/// (issue 26, item 5); a topology that opts out (`lockdown_onmicrosoft =
/// false`) leaves that domain's route open, reported as MFA016, a warning
/// naming the choice, never as an error.
const BY_CHOICE: &[AuditCode] = &[AuditCode::OnMicrosoftOpenByChoice];

/// A desired-state property as an export holds it: a secret as its SHA-256
/// (what verify.ps1 writes), everything else as it is.
fn exported(value: &Value) -> Value {
    match value.get("secret_sha256") {
        Some(digest) => digest.clone(),
        None => value.clone(),
    }
}

/// The export a build's desired state leaves in the tenant.
fn export_of(state: &DesiredState, domains: &[String], gateway_mx: &[String]) -> Value {
    let mut members: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for noun in [
        "InboundConnector",
        "OutboundConnector",
        "TransportRule",
        "HostedConnectionFilterPolicy",
        "HostedContentFilterPolicy",
        "OrganizationConfig",
        "ArcConfig",
    ] {
        members.insert(noun, Vec::new());
    }
    for (key, entry) in &state.objects {
        if !key.starts_with("exchange/") {
            continue;
        }
        let mut object = Map::new();
        object.insert("Name".into(), json!(entry.name));
        object.insert("Identity".into(), json!(entry.name));
        for (property, value) in &entry.properties {
            object.insert(property.clone(), exported(value));
        }
        // A rule the scripts create is enabled unless its state says so.
        if entry.kind == "TransportRule" && !object.contains_key("State") {
            object.insert("State".into(), json!("Enabled"));
        }
        members
            .get_mut(entry.kind.as_str())
            .unwrap_or_else(|| panic!("{key}: kind {} not in an export", entry.kind))
            .push(Value::Object(object));
    }
    // The settings mailflowc does not set keep the tenant's defaults.
    if members["OrganizationConfig"].is_empty() {
        members
            .get_mut("OrganizationConfig")
            .unwrap()
            .push(json!({"Name": state.tenant, "RejectDirectSend": false}));
    }
    let mut accepted = Vec::new();
    let mut mx = Vec::new();
    for domain in domains {
        accepted.push(json!({"Name": domain, "DomainName": domain, "DomainType": "Authoritative", "OutboundOnly": false}));
        mx.push(json!({"Domain": domain, "Exchanges": gateway_mx, "Error": null}));
    }
    let label = state.tenant.trim_end_matches(".onmicrosoft.com");
    accepted.push(json!({"Name": state.tenant, "DomainName": state.tenant, "DomainType": "Authoritative", "OutboundOnly": false}));
    mx.push(json!({"Domain": state.tenant, "Exchanges": [format!("{label}.mail.protection.outlook.com")], "Error": null}));
    let mut export = Map::new();
    export.insert("format".into(), json!("mailflowc-tenant-export"));
    export.insert("version".into(), json!(1));
    export.insert("tenant".into(), json!(state.tenant));
    for (noun, objects) in members {
        export.insert(noun.into(), Value::Array(objects));
    }
    export.insert("AcceptedDomain".into(), Value::Array(accepted));
    export.insert("MxRecord".into(), Value::Array(mx));
    Value::Object(export)
}

#[test]
fn every_example_and_valid_fixture_audits_with_no_error_against_its_own_deployment() {
    let mut audited = 0;
    for path in common::valid_inputs() {
        let name = common::file_name(&path);
        let files = common::build(&path);
        let state: DesiredState = serde_json::from_str(&files["desired-state.json"])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let source = std::fs::read_to_string(&path).unwrap();
        let (topology, found) =
            mailflowc::pipeline::analyze_with(&source, &common::context_for(&path));
        let topology = topology.unwrap_or_else(|| panic!("{name}: {found:?}"));
        let computed = mailflowc::targets::state::desired_state(
            &topology,
            &mailflowc::targets::plan(&topology),
        );
        let Ok(expected) = audit::Expected::from_topology(&topology, &computed) else {
            // Inbound mail stays on Microsoft 365: no gateway to go around.
            assert!(!topology.inbound.through_gateway, "{name}");
            continue;
        };
        let gateway_mx: Vec<String> = topology.gateway.mx.iter().map(|m| m.host.clone()).collect();
        let export = export_of(&state, &topology.organization.domains, &gateway_mx);
        let typed = mailflowc::exchange::export::TenantExport::from_json(&export).unwrap();
        let report =
            audit::audit(&typed, Some(&expected)).unwrap_or_else(|e| panic!("{name}: {e}"));
        // A topology that turns the lock-down off is warned by `check`
        // (MF0206, "the lock-down connector is off"): its deployment's one
        // error is the path that warning names.
        let lockdown_off = topology.inbound.lockdown.is_none();
        if lockdown_off {
            assert!(
                found.iter().any(|d| d.code.id() == "MF0206"),
                "{name}: no lock-down and no MF0206"
            );
        }
        let open: Vec<String> = report
            .findings
            .iter()
            .filter(|f| !BY_CHOICE.contains(&f.code))
            .filter(|f| !(lockdown_off && f.code == AuditCode::LockdownMissing))
            .filter(|f| f.code.severity() == mailflowc::diagnostics::Severity::Error)
            .map(|f| format!("{} {}: {}", f.code.id(), f.object, f.message))
            .collect();
        assert!(
            open.is_empty(),
            "{name}: its own deployment has errors:\n{}",
            open.join("\n")
        );
        // The opted-out route is there, a warning, only where the topology
        // leaves the tenant's domain out of a scoped lock-down.
        let tenant = topology.organization.tenant.to_ascii_lowercase();
        let scoped = expected
            .lockdown_scope
            .as_ref()
            .is_some_and(|s| !s.is_empty() && !s.iter().any(|d| d.eq_ignore_ascii_case(&tenant)));
        let known = report
            .findings
            .iter()
            .filter(|f| f.code == AuditCode::OnMicrosoftOpenByChoice)
            .count();
        assert_eq!(known, usize::from(scoped), "{name}: {:#?}", report.findings);
        audited += 1;
    }
    assert!(audited >= 5, "only {audited} topologies audited");
}
