//! The runbook is safe to follow and safe to paste.
//!
//! Order is checked from the runbook's typed items, not its text: every item
//! comes after the items it needs, and the rules that keep mail flowing are
//! asserted one by one (the gateway's inbound side is committed before the
//! pilot and the MX change; its relay side before the outbound connector;
//! `Validate-OutboundConnector` and the SPF record before the outbound rule;
//! the lock-down after the cutover and its wait). Every shell block passes
//! ShellCheck and every PowerShell block parses, with hostile pilot
//! addresses too; every file the runbook names exists.

mod common;

use mailflowc::targets::runbook::{sections, Item};
use std::process::Command;

fn everything() -> String {
    std::fs::read_to_string(common::root().join("tests/fixtures/valid/everything.toml")).unwrap()
}

/// Every valid input, plus variants: hostile pilot addresses (valid mail
/// addresses that are shell metacharacters), and outbound only.
fn inputs() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = common::valid_inputs()
        .into_iter()
        .map(|p| (common::file_name(&p), std::fs::read_to_string(&p).unwrap()))
        .collect();
    let hostile = [
        "a&pwned&@northwind.net",
        "o'brien@northwind.net",
        "`id`@northwind.net",
        "x|y=z@northwind.net",
        "$HOME@northwind.net",
        "{a}*?~#@northwind.net",
    ];
    let list = hostile
        .iter()
        .map(|a| toml::Value::String((*a).to_owned()).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let source = everything().replace(
        "pilot_recipients = [\"ceo@northwind.net\", \"ceo@northwind.example.com\"]",
        &format!("pilot_recipients = [{list}]"),
    );
    assert_ne!(source, everything(), "everything.toml's pilot list moved");
    out.push(("hostile-pilots.toml".to_owned(), source));
    let outbound_only = everything()
        .replace(
            "through_gateway = true\nallow_list",
            "through_gateway = false\n#allow_list",
        )
        .lines()
        .filter(|l| {
            ![
                "spf_hard_fail_off",
                "lockdown",
                "reject_direct_send",
                "scl_bypass_rule",
                "arc_sealer",
                "modifies_messages",
                "mode =",
                "skip_ips",
                "pilot_recipients",
            ]
            .iter()
            .any(|k| l.starts_with(k))
                && !l.starts_with("[inbound.enhanced_filtering]")
        })
        .collect::<Vec<_>>()
        .join("\n");
    out.push(("outbound-only.toml".to_owned(), outbound_only));
    out
}

fn items(source: &str, name: &str) -> (Vec<Item>, mailflowc::targets::Files) {
    let ctx = common::context_for(&common::root().join("tests/fixtures/valid/everything.toml"));
    let (topology, found) = mailflowc::analyze_with(source, &ctx);
    let errors: Vec<_> = found.iter().filter(|d| d.is_error()).collect();
    let topology = topology.unwrap_or_else(|| panic!("{name}: {errors:#?}"));
    let plan = mailflowc::targets::plan(&topology);
    let items = sections(&topology, &plan)
        .into_iter()
        .flat_map(|s| s.items)
        .collect();
    let mut files = common::build_in(source, name, &ctx);
    // A tenant of a shared Cisco appliance runs the appliance's guard and
    // steps, which the fleet's build writes beside its tree: here, as a
    // fleet of this one tenant writes them (tests/appliance.rs builds more).
    if let Some(label) = mailflowc::targets::cisco::appliance::label(&topology) {
        use mailflowc::targets::cisco::appliance::{files as appliance_files, tree, Tenant};
        let tenant = Tenant {
            stem: "tenant",
            topology: &topology,
        };
        for (path, text) in
            appliance_files(label, &[tenant], &[0], None, mailflowc::targets::Lang::En).unwrap()
        {
            files.insert(format!("../{}/{path}", tree(label)), text);
        }
    }
    (items, files)
}

fn position(items: &[Item], id: &str) -> Option<usize> {
    items.iter().position(|i| i.id == id)
}

fn before(items: &[Item], name: &str, first: &str, then: &str) {
    if let (Some(a), Some(b)) = (position(items, first), position(items, then)) {
        assert!(a < b, "{name}: `{first}` must come before `{then}`");
    }
}

#[test]
fn nothing_goes_live_before_what_it_needs() {
    let mut checked = 0;
    let mut direct_send = 0;
    for (name, source) in inputs() {
        let (items, files) = items(&source, &name);
        for (index, item) in items.iter().enumerate() {
            for need in &item.needs {
                if let Some(at) = position(&items, need) {
                    assert!(
                        at < index,
                        "{name}: `{}` comes before `{need}`, which it needs",
                        item.id
                    );
                }
            }
            for file in &item.files {
                assert!(
                    files.contains_key(file),
                    "{name}: `{}` names {file}, which is not written",
                    item.id
                );
            }
        }
        // The rules, one by one, whatever `needs` says.
        before(&items, &name, "gateway.inbound", "pilot");
        before(&items, &name, "gateway.inbound", "dns.cutover");
        before(&items, &name, "exchange.inbound-connector", "dns.cutover");
        before(&items, &name, "wait.old-ttl", "dns.cutover");
        before(
            &items,
            &name,
            "gateway.relay",
            "exchange.outbound-connector",
        );
        before(
            &items,
            &name,
            "exchange.outbound-connector",
            "exchange.validate-outbound-connector",
        );
        before(
            &items,
            &name,
            "exchange.validate-outbound-connector",
            "exchange.outbound-rule",
        );
        before(&items, &name, "dns.spf", "exchange.outbound-rule");
        before(&items, &name, "dns.cutover", "exchange.lockdown-connector");
        before(
            &items,
            &name,
            "wait.lockdown",
            "exchange.lockdown-connector",
        );
        before(
            &items,
            &name,
            "direct-senders",
            "exchange.lockdown-connector",
        );
        before(
            &items,
            &name,
            "exchange.lockdown-connector",
            "dns.stabilized",
        );
        // Reject Direct Send: after the cutover has settled, the direct
        // senders have moved, the gateway's mail matches the inbound
        // connector, and the lock-down connector works.
        direct_send += usize::from(position(&items, "exchange.reject-direct-send").is_some());
        for first in [
            "dns.cutover",
            "wait.lockdown",
            "direct-senders",
            "exchange.inbound-connector",
            "exchange.lockdown-connector",
        ] {
            before(&items, &name, first, "exchange.reject-direct-send");
        }
        before(
            &items,
            &name,
            "exchange.reject-direct-send",
            "verify.reject-direct-send",
        );
        if position(&items, "exchange.outbound-rule").is_some() {
            assert!(
                position(&items, "gateway.relay").is_some(),
                "{name}: outbound without the gateway's relay side"
            );
            assert!(
                position(&items, "exchange.validate-outbound-connector").is_some(),
                "{name}: no validation"
            );
        }
        if position(&items, "dns.cutover").is_some() {
            assert!(
                position(&items, "gateway.inbound").is_some(),
                "{name}: cutover without the gateway's inbound side"
            );
        }
        checked += 1;
    }
    assert!(checked >= 5);
    assert!(direct_send >= 1, "no input rejects direct send");
}

#[test]
fn an_outbound_only_topology_has_no_mx_phases() {
    let (_, source) = inputs()
        .into_iter()
        .find(|(n, _)| n == "outbound-only.toml")
        .unwrap();
    let (items, files) = items(&source, "outbound-only.toml");
    for id in [
        "dns.pre-cutover",
        "dns.cutover",
        "pilot",
        "exchange.inbound-connector",
        "exchange.lockdown-connector",
        "gateway.inbound",
    ] {
        assert!(position(&items, id).is_none(), "outbound-only has `{id}`");
    }
    assert!(position(&items, "exchange.outbound-rule").is_some());
    assert!(
        // SPF records, yes (everything.toml gives dns.spf_current); MX, no.
        !files
            .keys()
            .any(|f| f.ends_with(".zone") && !f.contains("/spf")),
        "outbound-only writes MX zone files"
    );
    let runbook = &files["RUNBOOK.md"];
    assert!(
        !runbook.contains("Point MX at the gateway") && !runbook.contains("Lower the MX TTL"),
        "{runbook}"
    );
    // A new domain has no phases to go through here (issue 29, item 7).
    assert!(!runbook.contains("phases above"), "{runbook}");
    assert!(runbook.contains("has no DNS phases"), "{runbook}");
}

/// The fenced blocks of one language in a Markdown text.
fn blocks<'a>(text: &'a str, language: &str) -> Vec<String> {
    let fence = format!("```{language}");
    let mut out = Vec::new();
    let mut current: Option<Vec<&'a str>> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed == fence => current = Some(Vec::new()),
            Some(lines) if trimmed == "```" => {
                out.push(
                    lines
                        .iter()
                        .map(|l| l.trim_start())
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                current = None;
            }
            Some(lines) => lines.push(line),
            None => {}
        }
    }
    out
}

/// (input, file, block) for every fenced block of `language` in every
/// Markdown file of every input.
fn markdown_blocks(language: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (name, source) in inputs() {
        let (_, files) = items(&source, &name);
        for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".md")) {
            for block in blocks(text, language) {
                out.push((name.clone(), path.clone(), block));
            }
        }
    }
    out
}

#[test]
fn every_shell_block_passes_shellcheck() {
    let mut checked = 0;
    for (name, path, block) in markdown_blocks("sh") {
        // Warnings and errors: SC2016 (info) would flag a literal `$`
        // inside single quotes, which is exactly what is wanted here.
        let (ok, said) =
            common::shellcheck(&format!("#!/bin/sh\n{block}\n"), &["--severity=warning"]);
        assert!(ok, "{name}: {path}: ShellCheck rejects\n{block}\n{said}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} shell blocks checked");
}

#[test]
fn shellcheck_does_flag_an_unquoted_address() {
    let (ok, _) = common::shellcheck(
        "#!/bin/sh\nswaks --to a&pwned&@contoso.com --server x\n",
        &["--severity=warning"],
    );
    assert!(!ok);
}

#[test]
fn the_pilot_address_stays_one_word() {
    let (_, source) = inputs()
        .into_iter()
        .find(|(n, _)| n == "hostile-pilots.toml")
        .unwrap();
    let (_, files) = items(&source, "hostile-pilots.toml");
    let runbook = &files["RUNBOOK.md"];
    let swaks = blocks(runbook, "sh")
        .into_iter()
        .find(|b| b.starts_with("swaks"))
        .unwrap();
    assert!(swaks.contains("--to '"), "{swaks}");
    let output = Command::new("sh")
        .args([
            "-c",
            &format!(
                "set -- {}; printf '%s\\n' \"$2\"",
                swaks.trim_start_matches("swaks ")
            ),
        ])
        .output()
        .unwrap();
    let word = String::from_utf8_lossy(&output.stdout);
    assert!(
        word.trim().ends_with("@northwind.net"),
        "the address split into words: {word}"
    );
}

#[test]
fn every_powershell_block_parses() {
    let mut checked = 0;
    for (name, path, block) in markdown_blocks("powershell") {
        let tree = common::parse_powershell(&block);
        let errors = common::syntax_errors(&tree, &block);
        assert!(
            errors.is_empty(),
            "{name}: {path}: does not parse:\n{block}\n{errors:?}"
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} PowerShell blocks checked");
}

#[test]
fn phase_text_follows_the_topology() {
    for (name, source) in inputs() {
        let (_, files) = items(&source, &name);
        let runbook = &files["RUNBOOK.md"];
        if source.contains("mode = \"off\"") {
            assert!(
                !runbook.contains("Enhanced Filtering is used instead"),
                "{name}"
            );
        }
        for (path, _) in files.iter() {
            let _ = path;
        }
        // Every `dir/file.ext` the runbook names in backticks exists.
        for quoted in runbook.split('`').skip(1).step_by(2) {
            let looks_like_file = (quoted.starts_with("exchange/")
                || quoted.starts_with("dns/")
                || quoted.starts_with("cisco/")
                || quoted.starts_with("gateway/"))
                && !quoted.ends_with('/')
                // `dns/<domain>/…` stands for a new domain's own files.
                && !quoted.contains("<domain>");
            if looks_like_file {
                assert!(
                    files.contains_key(quoted),
                    "{name}: the runbook names `{quoted}`, which is not written"
                );
            }
        }
    }
}

/// A Microsoft 365 MX host derived from the domain's name (no
/// `organization.microsoft365_mx` entry) is said to be derived in the files
/// that carry it (pre-cutover, rollback, restore) and in the runbook, with
/// the value preflight reads; a given host is not (issue 30, item 5).
#[test]
fn a_derived_microsoft365_mx_host_is_named_as_derived() {
    const TOPOLOGY: &str = r#"version = 1

[organization]
name = "Contoso"
tenant = "contoso.onmicrosoft.com"
domains = ["contoso.com", "fabrikam.example"]

[organization.microsoft365_mx]
"fabrikam.example" = "fabrikam-example.a-v1.mx.microsoft"

[gateway]
name = "Gateway"
egress = ["68.232.140.27"]
mx = [{ host = "mx1.gateway.example", priority = 10 }]
"#;
    let files = common::build_source(TOPOLOGY, "topology.toml");
    let derived = "is derived from the domain's name";
    for phase in ["pre-cutover", "rollback", "restore"] {
        for (file, says) in [
            (format!("dns/contoso.com/{phase}.zone"), true),
            (format!("dns/octodns/{phase}/contoso.com.yaml"), true),
            (format!("dns/fabrikam.example/{phase}.zone"), false),
            (format!("dns/octodns/{phase}/fabrikam.example.yaml"), false),
        ] {
            let text = &files[&file];
            assert_eq!(text.contains(derived), says, "{file}:\n{text}");
            if says {
                assert!(
                    text.contains("ExpectedMxRecord.Record") && text.contains("mx.microsoft"),
                    "{file}:\n{text}"
                );
            }
        }
    }
    assert!(!files["dns/contoso.com/cutover.zone"].contains(derived));
    let runbook = &files["RUNBOOK.md"];
    assert!(
        runbook.contains("The Microsoft 365 MX host of `contoso.com` is derived"),
        "{runbook}"
    );
}
