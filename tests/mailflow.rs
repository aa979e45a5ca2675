//! The mail-flow model against its scenario table
//! (`tests/data/mailflow/scenarios.toml`, written from the sources before
//! the model): each scenario's tenant is `clean.json` with the scenario's
//! JSON Patch, behind the gateway of the audit fixtures' topology; the
//! model's path for the scenario's class and domain must end as the table
//! says.

mod common;

use mailflowc::exchange::export::TenantExport;
use mailflowc::mailflow::{self, Class, GatewayFacts, Outcome, Tenant};

fn table() -> Vec<toml::Value> {
    let path = common::root().join("tests/data/mailflow/scenarios.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    doc["scenario"].as_array().unwrap().clone()
}

fn clean() -> serde_json::Value {
    let path = common::root().join("tests/fixtures/audit/clean.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The gateway of `tests/fixtures/audit/topology.toml`.
fn gateway(relay_guard: bool) -> GatewayFacts {
    GatewayFacts {
        egress: vec![
            "68.232.140.27/32".parse().unwrap(),
            "68.232.141.16/28".parse().unwrap(),
        ],
        certificates: Vec::new(),
        mx_hosts: vec!["mx1.gateway.example".to_owned()],
        relay_guard,
    }
}

fn class(name: &str, direction: Option<&str>) -> Class {
    match (name, direction) {
        ("internet", None) => Class::Internet,
        ("internet-direct", None) => Class::InternetDirect,
        ("gateway", None) => Class::Gateway,
        ("other-tenant", None) => Class::OtherTenant,
        ("other-tenant", Some("outbound")) => Class::OtherTenantRelay,
        ("own-domain-direct", None) => Class::OwnDomainDirect,
        ("on-premises", None) => Class::OnPremises,
        ("outbound", None) => Class::Outbound,
        other => panic!("unknown class {other:?}"),
    }
}

fn outcome_name(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::ThroughGateway => "through-gateway",
        Outcome::Bypass => "bypass",
        Outcome::Rejected(_) => "rejected",
        Outcome::Dropped => "dropped",
        Outcome::Unknown(_) => "unknown",
    }
}

#[test]
fn every_scenario_ends_as_its_source_says() {
    let clean = clean();
    let scenarios = table();
    assert!(scenarios.len() >= 19);
    let mut failures = Vec::new();
    for s in &scenarios {
        let id = s["id"].as_str().unwrap();
        let patch_json = serde_json::to_value(&s["patch"]).unwrap();
        let patch: json_patch::Patch = serde_json::from_value(patch_json).unwrap();
        let mut export = clean.clone();
        json_patch::patch(&mut export, &patch).unwrap_or_else(|e| panic!("{id}: {e}"));
        let tenant = Tenant::from_export(&TenantExport::from_json(&export).unwrap());
        let guard = s.get("gateway_relay_guard").and_then(toml::Value::as_bool) == Some(true);
        let g = gateway(guard);
        let c = class(
            s["class"].as_str().unwrap(),
            s.get("direction").and_then(toml::Value::as_str),
        );
        let path = mailflow::follow(&tenant, Some(&g), c, s["domain"].as_str().unwrap());
        let mut wrong = Vec::new();
        let want = s["outcome"].as_str().unwrap();
        if outcome_name(&path.outcome) != want {
            wrong.push(format!("outcome {:?}, want {want}", path.outcome));
        }
        if let Some(bounce) = s.get("bounce").and_then(toml::Value::as_str) {
            match &path.outcome {
                Outcome::Rejected(b) if b.contains(bounce) => {}
                other => wrong.push(format!("bounce {other:?}, want one with {bounce:?}")),
            }
        }
        if let Some(via) = s.get("via").and_then(toml::Value::as_str) {
            let got = path.via.as_deref().unwrap_or("none");
            if got != via {
                wrong.push(format!("via {got:?}, want {via:?}"));
            }
        }
        if let Some(weakened) = s.get("weakened").and_then(toml::Value::as_bool) {
            if path.weakened.is_empty() == weakened {
                wrong.push(format!("weakened {:?}, want {weakened}", path.weakened));
            }
        }
        if let Some(risk) = s.get("at_risk").and_then(toml::Value::as_str) {
            if !path.at_risk.as_deref().is_some_and(|r| r.contains(risk)) {
                wrong.push(format!("at_risk {:?}, want {risk}", path.at_risk));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!("{id}: {} ({})", wrong.join("; "), path.describe()));
        }
        // Every scenario states its source, and a quote unless assumed.
        assert!(s.get("source").is_some(), "{id}: no source");
        assert!(s.get("quote").is_some(), "{id}: no quote");
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_rule_the_model_cites_is_a_scenario_of_the_table() {
    let ids: Vec<String> = table()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let root = common::root().join("src/mailflow");
    for entry in std::fs::read_dir(root).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (at, _) in text.match_indices("\"S") {
            let id: String = text[at + 1..].chars().take(4).collect();
            let Some(id) = id.strip_suffix('"') else {
                continue;
            };
            if !id[1..].bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            assert!(
                ids.iter().any(|i| i == id),
                "the model cites {id}, not in the table"
            );
        }
    }
}

#[test]
fn the_model_is_deterministic() {
    let export = TenantExport::from_json(&clean()).unwrap();
    let tenant = Tenant::from_export(&export);
    let g = gateway(false);
    let once = mailflow::follow(
        &tenant,
        Some(&g),
        Class::Internet,
        "contoso.onmicrosoft.com",
    );
    let again = mailflow::follow(
        &tenant,
        Some(&g),
        Class::Internet,
        "contoso.onmicrosoft.com",
    );
    assert_eq!(once, again);
}
