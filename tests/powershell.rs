//! Every generated PowerShell script is real PowerShell: it parses with
//! tree-sitter-powershell, calls only Exchange Online cmdlets and parameters
//! that Microsoft documents for Exchange Online, and changes nothing outside
//! a `ShouldProcess` guard (so `-WhatIf` works). From the syntax tree: every
//! Exchange call that changes state stops on error and is read back; objects
//! carry their ownership marker; the lock-down connector states both
//! restrictions; a hostile topology file name never escapes a comment.

mod common;

use std::collections::{BTreeMap, BTreeSet};

/// Commands that are not Exchange cmdlets: PowerShell's own, and Windows'
/// DNS client (guarded by `Get-Command` in the lock-down script).
const POWERSHELL_COMMANDS: &[&str] = &[
    "Add-Member",
    "ConvertFrom-Json",
    "ConvertTo-Json",
    "ForEach-Object",
    "Get-Command",
    "Get-Content",
    "Join-Path",
    "New-Item",
    "Read-Host",
    "Remove-Item",
    "Resolve-DnsName",
    "Select-Object",
    "Set-Content",
    "Set-StrictMode",
    "Sort-Object",
    "Split-Path",
    "Start-Sleep",
    "Test-Path",
    "Where-Object",
    "Write-Host",
    "Write-Output",
    "Write-Warning",
];

/// PowerShell's common parameters, which every cmdlet takes.
const COMMON_PARAMETERS: &[&str] = &[
    "erroraction",
    "warningaction",
    "whatif",
    "confirm",
    "verbose",
];

/// Local files the scripts write: only the ownership record, never in a
/// dry run, and always with an explicit `-WhatIf:$false`.
const FILE_COMMANDS: &[&str] = &["New-Item", "Set-Content", "Remove-Item"];

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

/// A command call: its name and its `-Parameter`s.
struct Call {
    name: String,
    params: Vec<String>,
    line: usize,
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
        out.push(Call {
            name: text[name.byte_range()].to_owned(),
            params,
            line: node.start_position().row + 1,
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
                    allowed.contains(&p) || COMMON_PARAMETERS.contains(&p.as_str()),
                    "{name}:{}: `{} -{param}` is not documented for Exchange Online",
                    call.line,
                    call.name
                );
            }
        }
    }
}

fn is_exchange(documented: &Cmdlets, name: &str) -> bool {
    documented.params.contains_key(&name.to_ascii_lowercase())
}

fn changes_state(name: &str) -> bool {
    let verb = name.split('-').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        verb.as_str(),
        "new" | "set" | "remove" | "enable" | "disable"
    )
}

#[test]
fn every_exchange_change_is_guarded_stops_on_error_and_is_read_back() {
    let documented = documented_cmdlets();
    let mut checked = 0;
    for (name, text) in scripts() {
        let tree = common::parse_powershell(&text);
        for node in common::nodes(&tree) {
            if node.kind() != "command" {
                continue;
            }
            let call_text = &text[node.byte_range()];
            let command = call_text.split_whitespace().next().unwrap_or("");
            if !is_exchange(&documented, command) || !changes_state(command) {
                continue;
            }
            checked += 1;
            let line = node.start_position().row + 1;
            assert!(
                call_text.contains("-ErrorAction Stop"),
                "{name}:{line}: `{command}` can continue after an error (no -ErrorAction Stop)"
            );
            // Guarded by ShouldProcess, and read back after it within the
            // guarded block.
            let mut guarded = false;
            let mut read_back = false;
            let mut parent = node.parent();
            while let Some(p) = parent {
                if matches!(p.kind(), "if_statement" | "elseif_clause")
                    && text[p.byte_range()].contains("$PSCmdlet.ShouldProcess")
                {
                    guarded = true;
                }
                if p.kind() == "statement_block"
                    && text[node.end_byte()..p.end_byte()].contains("Confirm-Mfc")
                {
                    read_back = true;
                }
                parent = p.parent();
            }
            assert!(
                guarded,
                "{name}:{line}: `{command}` runs outside a ShouldProcess guard"
            );
            if command == "Enable-OrganizationCustomization" {
                // It takes up to 24 hours to apply: the script stops right
                // after it, and the next run reads IsDehydrated back.
                let after = &text[node.end_byte()..];
                let block_end = after.find("\n    }").unwrap_or(after.len());
                assert!(
                    after[..block_end].contains("throw"),
                    "{name}:{line}: no stop after {command}"
                );
                continue;
            }
            assert!(
                read_back,
                "{name}:{line}: `{command}` is not read back (Confirm-Mfc*) after it"
            );
        }
    }
    assert!(checked > 20, "only {checked} state-changing calls found");
}

#[test]
fn every_exchange_call_stops_on_error() {
    let documented = documented_cmdlets();
    for (name, text) in scripts() {
        for call in calls(&text).0 {
            if !is_exchange(&documented, &call.name)
                || call.name.eq_ignore_ascii_case("Connect-ExchangeOnline")
            {
                continue;
            }
            assert!(
                call.params
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case("ErrorAction")),
                "{name}:{}: `{}` lacks -ErrorAction Stop",
                call.line,
                call.name
            );
        }
    }
}

#[test]
fn local_files_are_written_only_explicitly() {
    for (name, text) in scripts() {
        for call in calls(&text).0 {
            if FILE_COMMANDS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&call.name))
            {
                assert!(
                    call.params.iter().any(|p| p.eq_ignore_ascii_case("WhatIf")),
                    "{name}:{}: `{}` must say -WhatIf:$false explicitly",
                    call.line,
                    call.name
                );
            }
        }
    }
}

/// The keys of the hashtable assigned to `$desired`, from the syntax tree.
fn desired_keys(text: &str) -> Vec<String> {
    let tree = common::parse_powershell(text);
    let mut keys = Vec::new();
    for node in common::nodes(&tree) {
        if node.kind() != "assignment_expression"
            || !text[node.byte_range()].starts_with("$desired = ")
        {
            continue;
        }
        for inner in common::nodes(&tree) {
            if inner.kind() == "key_expression"
                && inner.start_byte() >= node.start_byte()
                && inner.end_byte() <= node.end_byte()
            {
                keys.push(text[inner.byte_range()].to_owned());
            }
        }
    }
    keys
}

#[test]
fn the_lockdown_connector_states_both_restrictions_and_objects_carry_markers() {
    let mut lockdowns = 0;
    for (name, text) in scripts() {
        let keys = desired_keys(&text);
        if name.ends_with("70-lockdown-connector.ps1") {
            lockdowns += 1;
            for key in [
                "RestrictDomainsToIPAddresses",
                "RestrictDomainsToCertificate",
                "SenderIPAddresses",
                "TlsSenderCertificateName",
                "Enabled",
            ] {
                assert!(
                    keys.iter().any(|k| k == key),
                    "{name}: $desired lacks {key}: {keys:?}"
                );
            }
        }
        if name.contains("/exchange/") && text.contains("$desired = ") {
            let comment = keys.iter().any(|k| k == "Comment" || k == "Comments");
            assert!(comment, "{name}: no Comment in $desired");
            assert!(
                text.contains("$marker = 'mailflowc:"),
                "{name}: no ownership marker"
            );
            let state = keys.iter().any(|k| k == "Enabled" || k == "State");
            assert!(state, "{name}: neither Enabled nor State is stated");
        }
    }
    assert!(
        lockdowns >= 2,
        "expected lock-down scripts in several fixtures"
    );
}

#[test]
fn both_lockdown_modes_clear_the_other_restriction() {
    let source =
        std::fs::read_to_string(common::root().join("tests/fixtures/valid/everything.toml"))
            .unwrap();
    for by in ["ip-addresses", "certificate"] {
        let changed = source
            .replace(
                "lockdown_by = \"certificate\"",
                &format!("lockdown_by = \"{by}\""),
            )
            .replace(
                "lockdown_by = \"ip-addresses\"",
                &format!("lockdown_by = \"{by}\""),
            );
        let files = common::build_source(&changed, "everything.toml");
        let script = &files["exchange/70-lockdown-connector.ps1"];
        let (on, off) = if by == "certificate" {
            (
                "RestrictDomainsToCertificate = $true",
                "RestrictDomainsToIPAddresses = $false",
            )
        } else {
            (
                "RestrictDomainsToIPAddresses = $true",
                "RestrictDomainsToCertificate = $false",
            )
        };
        assert!(
            script.contains(on) && script.contains(off),
            "{by}:\n{script}"
        );
    }
}

#[test]
fn a_hostile_topology_file_name_never_escapes_a_comment() {
    let source =
        std::fs::read_to_string(common::root().join("tests/fixtures/valid/everything.toml"))
            .unwrap();
    let hostile = [
        "x#>\n#Requires -Modules \\\\host\\share\\Evil.psm1\n<#.toml",
        "a`$(Remove-Item -Recurse C:\\)`.toml",
        "<# #> ` $( ) \r\n [x](y) <b> | ; & .toml",
    ];
    for name in hostile {
        let files = common::build_source(&source, name);
        for (path, text) in &files {
            for fragment in [
                "#>\n#Requires -Modules \\\\host",
                "$(Remove-Item",
                "<# #>",
                "[x](y)",
                "<b>",
            ] {
                assert!(
                    !text.contains(fragment),
                    "{path} carries `{fragment}` from the file name {name:?}"
                );
            }
            if path.ends_with(".ps1") {
                let tree = common::parse_powershell(text);
                assert!(
                    common::syntax_errors(&tree, text).is_empty(),
                    "{path} no longer parses"
                );
                let requires = text.lines().filter(|l| l.starts_with("#Requires")).count();
                assert_eq!(
                    requires, 2,
                    "{path}: a #Requires line escaped the help comment"
                );
            }
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

#[test]
fn verify_changes_nothing_and_covers_every_planned_property() {
    let mut checked = 0;
    for input in common::valid_inputs() {
        let files = common::build(&input);
        let text = &files["exchange/verify.ps1"];
        let tree = common::parse_powershell(text);
        assert!(common::syntax_errors(&tree, text).is_empty());
        for call in calls(text).0 {
            // Set-StrictMode sets the script's own parsing rules, nothing else.
            if call.name.eq_ignore_ascii_case("Set-StrictMode") {
                continue;
            }
            let verb = call
                .name
                .split('-')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            assert!(
                !matches!(
                    verb.as_str(),
                    "new" | "set" | "remove" | "enable" | "disable"
                ),
                "{}: verify.ps1 calls `{}`",
                input.display(),
                call.name
            );
        }
        // Every property of every managed object is compared.
        let source = std::fs::read_to_string(&input).unwrap();
        let (topology, _) = mailflowc::analyze_with(&source, &common::context_for(&input));
        let plan = mailflowc::targets::plan(&topology.unwrap());
        let keys = desired_keys_all(text);
        for step in plan
            .steps
            .iter()
            .filter(|s| s.action == mailflowc::targets::plan::Action::Apply)
        {
            for object in step.objects.iter().filter(|o| o.marker.is_some()) {
                let wanted: Vec<&str> = object.properties.iter().map(|p| p.name).collect();
                assert!(
                    keys.iter().any(|k| k == &wanted),
                    "{}: verify.ps1 does not compare {} {} with {wanted:?}",
                    input.display(),
                    object.kind,
                    object.name
                );
                checked += 1;
            }
        }
        assert!(
            !text.contains("SetHeaderValue = $Secret"),
            "verify.ps1 must not need the secret"
        );
    }
    assert!(checked >= 8);
}

/// The keys of every `$desired = [ordered]@{…}` in a script, in order.
fn desired_keys_all(text: &str) -> Vec<Vec<String>> {
    let tree = common::parse_powershell(text);
    let nodes = common::nodes(&tree);
    let mut out = Vec::new();
    for node in &nodes {
        if node.kind() != "assignment_expression"
            || !text[node.byte_range()].starts_with("$desired = ")
        {
            continue;
        }
        let keys = nodes
            .iter()
            .filter(|inner| {
                inner.kind() == "key_expression"
                    && inner.start_byte() >= node.start_byte()
                    && inner.end_byte() <= node.end_byte()
            })
            .map(|inner| text[inner.byte_range()].to_owned())
            .collect();
        out.push(keys);
    }
    out
}

#[test]
fn convergence_touches_only_what_mailflowc_marked_or_recorded() {
    for input in common::valid_inputs() {
        let files = common::build(&input);
        let text = &files["exchange/80-converge.ps1"];
        // Objects: removed only when their comment carries a mailflowc role
        // marker whose role is not planned.
        let removal = text.find("Remove-InboundConnector").unwrap();
        let guard = &text[..removal];
        assert!(
            guard.contains("if ($comment -notmatch $markerPattern) { continue }"),
            "{}",
            input.display()
        );
        assert!(
            guard.contains("if ($plannedRoles -contains $role) { continue }"),
            "{}",
            input.display()
        );
        // Allow-list entries: only those the record says mailflowc added,
        // never those the tenant had before.
        assert!(text.contains("@($record.added) | Where-Object { $wantedEntries -notcontains $_ -and $before -notcontains $_ }"));
        // verify.ps1's export never holds a secret: SetHeaderValue is hashed.
        let verify = &files["exchange/verify.ps1"];
        assert!(verify.contains("-ExcludeProperty SetHeaderValue"));
        assert!(verify.contains("(Get-MfcSha256 $_.SetHeaderValue)"));
    }
}

#[test]
fn ip_set_read_back_compares_networks_not_text() {
    let files = common::build(&common::root().join("examples/cisco.toml"));
    let script = &files["exchange/10-inbound-connector.ps1"];
    let canonical = script
        .split("'ip-set' {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_else(|| panic!("no ip-set rule in\n{script}"));
    assert!(canonical.contains("ConvertTo-MfcNetwork"), "{canonical}");
    assert!(
        !canonical.contains("/32"),
        "textual /32 stripping is back: {canonical}"
    );
    let function = script
        .split("function ConvertTo-MfcNetwork {")
        .nth(1)
        .expect("the network function is in the script");
    // Host bits are cleared from the address bytes, and the function parses.
    assert!(function.contains("GetAddressBytes()") && function.contains("-band"));
    let tree = common::parse_powershell(script);
    assert!(common::syntax_errors(&tree, script).is_empty());
    // The Rust twin, which drift uses, agrees on the cases that matter.
    use mailflowc::exchange::readback::network;
    assert_eq!(network("10.0.0.1/32"), network("10.0.0.1"));
    assert_eq!(network("2001:0DB8:0:0::1/128"), "2001:db8::1");
    assert_eq!(network("198.51.100.7/24"), "198.51.100.0/24");
    assert_ne!(network("198.51.100.0/25"), network("198.51.100.0/24"));
}

#[test]
fn the_lockdown_mx_check_asks_the_authoritative_servers() {
    let files = common::build(&common::root().join("examples/cisco.toml"));
    let script = &files["exchange/70-lockdown-connector.ps1"];
    let tree = common::parse_powershell(script);
    assert!(common::syntax_errors(&tree, script).is_empty());
    // The zone's name servers first, then each one without recursion.
    let ns = script
        .find("-Type NS")
        .expect("the name servers are looked up");
    let mx = script
        .find("-Type MX -Server $server")
        .expect("MX is asked of each name server");
    assert!(ns < mx);
    let mx_line = script[mx..].lines().next().unwrap();
    assert!(
        mx_line.contains("-NoRecursion")
            && mx_line.contains("-DnsOnly")
            && mx_line.contains("-ErrorAction Stop"),
        "{mx_line}"
    );
    // No MX query goes to the local resolver any more.
    for line in script.lines().filter(|l| l.contains("-Type MX")) {
        assert!(line.contains("-Server"), "{line}");
    }
}

#[test]
fn preflight_compares_the_microsoft_365_mx_host_with_what_exchange_expects() {
    let files = common::build(&common::root().join("examples/cisco.toml"));
    let script = &files["exchange/00-preflight.ps1"];
    let read = script
        .find("Get-DnssecStatusForVerifiedDomain -DomainName $route.Domain")
        .expect("preflight reads the expected MX host");
    assert!(script.contains("$status.ExpectedMxRecord.Record"));
    // Each routed domain with the topology's host, and a stop on mismatch
    // that names the key to set, before organization customization.
    assert!(script.contains(
        "@{ Domain = 'fabrikam.com'; Host = 'fabrikam-com.mail.protection.outlook.com' }"
    ));
    let stop = script.find("set organization.microsoft365_mx").unwrap();
    assert!(read < stop);
    if let Some(change) = script.find("Enable-OrganizationCustomization -Confirm") {
        assert!(stop < change, "the check must come before any change");
    }
}

#[test]
fn an_adopted_rule_is_restored_with_header_name_and_value_together() {
    let files = common::build(&common::root().join("examples/cisco.toml"));
    let apply = &files["exchange/60-outbound-rule.ps1"];
    // A rule that already stamps a secret value is never adopted (the value
    // is not recorded, so the rollback could not put it back).
    let refuse = apply
        .find("a secret mailflowc does not record")
        .expect("adoption of a rule holding a secret is refused");
    let record = apply.find("Save-MfcRecord -Path $recordPath").unwrap();
    assert!(refuse < record, "the refusal must come before the record");
    assert!(apply.contains("$masked = @('SetHeaderValue')") || apply.contains("'SetHeaderValue'"));
    // The rollback sets the pair in one call.
    let rollback = &files["exchange/rollback/40-remove-outbound-rule.ps1"];
    let call: String = rollback
        .split("Set-TransportRule -Identity $current.Identity")
        .nth(1)
        .expect("the rollback restores an adopted rule")
        .split("-ErrorAction Stop")
        .next()
        .unwrap()
        .to_owned();
    assert!(
        call.contains("-SetHeaderName") && call.contains("-SetHeaderValue $null"),
        "{call}"
    );
    for script in [apply, rollback] {
        let tree = common::parse_powershell(script);
        assert!(common::syntax_errors(&tree, script).is_empty());
    }
}

/// verify's conflict check looks for another SCL -1 rule on the gateway's
/// addresses whether or not the allow list holds them: with `allow_list =
/// false` it compared against the allow list's (empty) entries and never
/// fired.
#[test]
fn the_scl_conflict_check_looks_for_the_gateways_addresses_without_the_allow_list() {
    let files = common::build(&common::root().join("tests/fixtures/valid/everything.toml"));
    let verify = &files["exchange/verify.ps1"];
    let check = verify
        .split("foreach ($rule in $transportRules)")
        .nth(1)
        .and_then(|rest| rest.split("Write-Warning").next())
        .expect("verify has the SCL -1 conflict check");
    assert!(check.contains("'81.2.69.142'"), "{check}");
    assert!(!check.contains("@() -contains"), "{check}");
}
