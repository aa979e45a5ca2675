//! Every generated PowerShell script is real PowerShell: it parses with
//! tree-sitter-powershell, calls only Exchange Online cmdlets and parameters
//! that Microsoft documents for Exchange Online, and changes nothing outside
//! a `ShouldProcess` guard (so `-WhatIf` works).

mod common;

use std::collections::{BTreeMap, BTreeSet};

/// Commands that are not Exchange cmdlets: PowerShell's own, and Windows'
/// DNS client (guarded by `Get-Command` in the lock-down script).
const POWERSHELL_COMMANDS: &[&str] = &[
    "ForEach-Object",
    "Get-Command",
    "Read-Host",
    "Resolve-DnsName",
    "Set-StrictMode",
    "Sort-Object",
    "Where-Object",
    "Write-Host",
    "Write-Warning",
];

struct Cmdlets {
    params: BTreeMap<String, BTreeSet<String>>,
    reserved: BTreeSet<String>,
}

fn documented_cmdlets() -> Cmdlets {
    let text = std::fs::read_to_string(common::root().join("tests/data/exo-cmdlets.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let params = json["cmdlets"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, params)| {
            let set = params
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_ascii_lowercase())
                .collect();
            (name.to_ascii_lowercase(), set)
        })
        .collect();
    let reserved = json["reserved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_ascii_lowercase())
        .collect();
    Cmdlets { params, reserved }
}

/// (path, text) of every .ps1 every valid input generates.
fn scripts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for input in common::valid_inputs() {
        for (path, text) in common::build(&input) {
            if path.ends_with(".ps1") {
                out.push((format!("{}: {path}", common::file_name(&input)), text));
            }
        }
    }
    assert!(out.len() > 10, "expected many scripts, got {}", out.len());
    out
}

/// A command call: its name, its `-Parameter`s, and the text of the
/// conditions of the `if`s around it.
struct Call {
    name: String,
    params: Vec<String>,
    line: usize,
    guards: Vec<String>,
}

fn calls(text: &str) -> (Vec<Call>, BTreeSet<String>) {
    let tree = common::parse_powershell(text);
    let mut functions = BTreeSet::new();
    let mut out = Vec::new();
    for node in common::nodes(&tree) {
        if node.kind() == "function_statement" {
            if let Some(name) = (0..node.named_child_count())
                .filter_map(|i| node.named_child(i as u32))
                .find(|c| c.kind() == "function_name")
            {
                functions.insert(text[name.byte_range()].to_ascii_lowercase());
            }
        }
        if node.kind() != "command" {
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<_> = node.named_children(&mut cursor).collect();
        let Some(name) = children.iter().find(|c| c.kind() == "command_name") else {
            continue;
        };
        let mut params = Vec::new();
        for element in children.iter().filter(|c| c.kind() == "command_elements") {
            let mut c2 = element.walk();
            for part in element.named_children(&mut c2) {
                if part.kind() == "command_parameter" {
                    let raw = &text[part.byte_range()];
                    params.push(raw.trim_start_matches('-').trim_end_matches(':').to_owned());
                }
            }
        }
        let mut guards = Vec::new();
        let mut parent = node.parent();
        while let Some(p) = parent {
            if matches!(p.kind(), "if_statement" | "elseif_clause") {
                if let Some(condition) = p.child_by_field_name("condition") {
                    guards.push(text[condition.byte_range()].to_owned());
                } else {
                    // Without a field name, the condition is the first pipeline.
                    let mut c3 = p.walk();
                    let first = p.named_children(&mut c3).find(|c| c.kind() == "pipeline");
                    if let Some(first) = first {
                        guards.push(text[first.byte_range()].to_owned());
                    }
                }
            }
            parent = p.parent();
        }
        out.push(Call {
            name: text[name.byte_range()].to_owned(),
            params,
            line: node.start_position().row + 1,
            guards,
        });
    }
    (out, functions)
}

#[test]
fn every_generated_script_parses_without_error_nodes() {
    for (name, text) in scripts() {
        let tree = common::parse_powershell(&text);
        let errors = common::syntax_errors(&tree, &text);
        assert!(
            errors.is_empty(),
            "{name} does not parse:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn every_cmdlet_and_parameter_is_documented_for_exchange_online() {
    let documented = documented_cmdlets();
    for (name, text) in scripts() {
        let (calls, functions) = calls(&text);
        assert!(!calls.is_empty(), "{name}: no commands found");
        for call in calls {
            let lower = call.name.to_ascii_lowercase();
            if functions.contains(&lower)
                || POWERSHELL_COMMANDS
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&call.name))
            {
                continue;
            }
            let allowed = documented.params.get(&lower).unwrap_or_else(|| {
                panic!(
                    "{name}:{}: `{}` is not a documented Exchange Online cmdlet",
                    call.line, call.name
                )
            });
            for param in &call.params {
                let p = param.to_ascii_lowercase();
                assert!(
                    !documented.reserved.contains(&p),
                    "{name}:{}: reserved parameter -{param}",
                    call.line
                );
                assert!(
                    allowed.contains(&p),
                    "{name}:{}: `{} -{param}` is not documented for Exchange Online",
                    call.line,
                    call.name
                );
            }
        }
    }
}

#[test]
fn every_change_is_guarded_by_should_process() {
    for (name, text) in scripts() {
        for call in calls(&text).0 {
            let verb = call
                .name
                .split('-')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if !matches!(
                verb.as_str(),
                "new" | "set" | "remove" | "enable" | "disable"
            ) {
                continue;
            }
            if call.name.eq_ignore_ascii_case("Set-StrictMode") {
                continue;
            }
            assert!(
                call.guards
                    .iter()
                    .any(|g| g.contains("$PSCmdlet.ShouldProcess")),
                "{name}:{}: `{}` runs outside a ShouldProcess guard",
                call.line,
                call.name
            );
        }
    }
}

#[test]
fn every_script_supports_what_if_and_stops_on_first_error() {
    for (name, text) in scripts() {
        assert!(
            text.contains("[CmdletBinding(SupportsShouldProcess = $true)]"),
            "{name}: no -WhatIf support"
        );
        assert!(
            text.contains("$ErrorActionPreference = 'Stop'"),
            "{name}: does not stop on errors"
        );
        assert!(
            text.contains("Assert-MfcSession -Tenant "),
            "{name}: does not check the session"
        );
    }
}
