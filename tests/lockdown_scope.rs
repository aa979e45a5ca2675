//! The lock-down connector also covers the tenant's own onmicrosoft.com
//! domain (issue 26, item 5): its MX is Microsoft 365's for good, so a
//! lock-down scoped to the routed domains leaves mail to every cloud
//! mailbox's onmicrosoft.com address a route around the gateway.
//! `inbound.lockdown_onmicrosoft = false` keeps the routed domains only.

mod common;

use serde_json::Value;

const TENANT: &str = "fabrikam.onmicrosoft.com";
const LOCKDOWN: &str = "exchange/70-lockdown-connector.ps1";
const PREFLIGHT: &str = "exchange/00-preflight.ps1";

/// examples/cisco.toml, its `[inbound]` given `extra` after `lockdown_by`.
fn cisco(extra: &str) -> mailflowc::targets::Files {
    let path = common::root().join("examples/cisco.toml");
    let source = std::fs::read_to_string(&path).unwrap();
    const LINE: &str = "lockdown_by = \"ip-addresses\"\n";
    assert!(
        source.contains(LINE),
        "examples/cisco.toml's [inbound] moved"
    );
    let source = source.replace(LINE, &format!("{LINE}{extra}"));
    common::build_in(&source, "cisco.toml", &common::context_for(&path))
}

fn lockdown_domains(files: &mailflowc::targets::Files) -> Vec<String> {
    let state: Value = serde_json::from_str(&files["desired-state.json"]).unwrap();
    state["objects"]["exchange/lockdown-connector"]["properties"]["AssociatedAcceptedDomains"]
        .as_array()
        .expect("the lock-down connector lists its domains")
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn by_default_the_lockdown_covers_the_tenants_onmicrosoft_domain() {
    let files = cisco("");
    assert_eq!(
        lockdown_domains(&files),
        ["fabrikam.com", "fabrikam.de", TENANT],
        "the lock-down leaves {TENANT} open"
    );
    // Never the hybrid routing domain.
    assert!(!files["desired-state.json"].contains(".mail.onmicrosoft.com"));

    let script = &files[LOCKDOWN];
    assert!(!script.contains("is not affected"), "{script}");
    // On a hybrid tenant (an OnPremises inbound connector) the script stops
    // before it creates or changes the connector, and says how to opt out.
    let read = common::first_call(script, "Get-InboundConnector").unwrap();
    let first_change = ["New-InboundConnector", "Set-InboundConnector"]
        .iter()
        .filter_map(|c| common::first_call(script, c))
        .min()
        .unwrap();
    assert!(read < first_change, "the hybrid check comes after a change");
    assert!(script.contains("-eq 'OnPremises'"));
    assert!(script.contains("set lockdown_onmicrosoft = false under [inbound]"));

    // The preflight lists what would stop arriving.
    let preflight = &files[PREFLIGHT];
    assert!(common::first_call(preflight, "Get-EXORecipient").is_some());
    assert!(preflight.contains(&format!("$tenantDomain = '{TENANT}'")));
    assert!(preflight.contains("-eq 'OnPremises'"));

    // The runbook tells the operator what changes.
    let runbook = &files["RUNBOOK.md"];
    assert!(runbook.contains(&format!(
        "**Mail to `{TENANT}`**: the lock-down covers it too"
    )));
    assert!(runbook.contains("`lockdown_onmicrosoft = false`"));
}

#[test]
fn the_opt_out_keeps_the_lockdown_to_the_routed_domains() {
    let files = cisco("lockdown_onmicrosoft = false\n");
    assert_eq!(lockdown_domains(&files), ["fabrikam.com", "fabrikam.de"]);
    let script = &files[LOCKDOWN];
    assert!(!script.contains("OnPremises"), "{script}");
    assert!(script.contains(&format!(
        "mail to {TENANT} still reaches Microsoft 365 around the gateway"
    )));
    let preflight = &files[PREFLIGHT];
    assert!(common::first_call(preflight, "Get-EXORecipient").is_none());
    assert!(files["RUNBOOK.md"].contains("stays a way around the gateway"));
}

#[test]
fn the_opt_out_is_in_the_lowered_model_and_the_json_schema() {
    let path = common::root().join("examples/cisco.toml");
    let source = std::fs::read_to_string(&path).unwrap().replace(
        "lockdown = true\n",
        "lockdown = true\nlockdown_onmicrosoft = false\n",
    );
    let (topology, found) = mailflowc::pipeline::analyze_with(&source, &common::context_for(&path));
    let topology = topology.unwrap_or_else(|| panic!("{found:?}"));
    let model = serde_json::to_value(&topology).unwrap();
    assert_eq!(
        model["inbound"]["lockdown"]["onmicrosoft"],
        Value::Bool(false)
    );

    let out = common::mailflowc_in(&common::root(), &["schema"]);
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let property = &schema["definitions"]["inbound"]["properties"]["lockdown_onmicrosoft"];
    assert_eq!(property["type"], "boolean", "{property}");
}
