//! One snapshot per valid input holding every generated file, each after its
//! path; one more holding the lowered model (`print-ir`), so a lowering change
//! and a template change show up as separate diffs. Unreferenced snapshots
//! fail the suite.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

fn snapshot_name(input: &Path) -> String {
    let group = if input.starts_with(common::root().join("examples")) {
        "example"
    } else {
        "valid"
    };
    let stem = input.file_stem().unwrap().to_string_lossy();
    format!("{group}-{stem}")
}

#[test]
fn generated_files() {
    for input in common::valid_inputs() {
        let files = common::build(&input);
        let mut text = String::new();
        for (path, contents) in &files {
            text.push_str(&format!("==> {path} <==\n{contents}\n"));
        }
        insta::assert_snapshot!(snapshot_name(&input), text);
    }
}

#[test]
fn lowered_model() {
    for input in common::valid_inputs() {
        let source = std::fs::read_to_string(&input).unwrap();
        let (topology, _) = mailflowc::analyze_with(&source, &common::context_for(&input));
        let json = serde_json::to_string_pretty(&topology.unwrap()).unwrap();
        insta::assert_snapshot!(format!("ir-{}", snapshot_name(&input)), json);
    }
}

#[test]
fn plan() {
    for input in common::valid_inputs() {
        let source = std::fs::read_to_string(&input).unwrap();
        let (topology, _) = mailflowc::analyze_with(&source, &common::context_for(&input));
        let plan = mailflowc::targets::plan(&topology.unwrap());
        let json = serde_json::to_string_pretty(&plan).unwrap();
        insta::assert_snapshot!(format!("plan-{}", snapshot_name(&input)), json);
    }
}

#[test]
fn every_planned_file_is_generated_and_every_script_is_planned() {
    for input in common::valid_inputs() {
        let source = std::fs::read_to_string(&input).unwrap();
        let (topology, _) = mailflowc::analyze_with(&source, &common::context_for(&input));
        let topology = topology.unwrap();
        let plan = mailflowc::targets::plan(&topology);
        let files = common::build(&input);
        let planned: BTreeSet<&str> = plan.steps.iter().map(|s| s.file.as_str()).collect();
        // A tenant of a shared Cisco appliance: its relay guard is the
        // appliance's, which the fleet's build writes (tests/appliance.rs).
        let appliance = mailflowc::targets::cisco::appliance::label(&topology)
            .map(mailflowc::targets::cisco::appliance::guard_from_tenant);
        for step in &plan.steps {
            assert!(
                files.contains_key(&step.file) || appliance.as_ref() == Some(&step.file),
                "{}: step {} names {}, which the build does not write",
                input.display(),
                step.id,
                step.file
            );
        }
        for path in files.keys() {
            // octoDNS's configurations hold no records: they push the
            // planned phase folders beside them.
            let octodns_config = path.starts_with("dns/octodns/") && path.ends_with(".config.yaml");
            if (path.starts_with("exchange/")
                || path.starts_with("dns/")
                || path.starts_with("cisco/"))
                && !octodns_config
            {
                assert!(
                    planned.contains(path.as_str()),
                    "{}: {path} has no step",
                    input.display()
                );
            }
        }
        let mut ids = BTreeSet::new();
        for step in &plan.steps {
            assert!(
                ids.insert(step.id.as_str()),
                "duplicate step id {}",
                step.id
            );
            if let Some(undo) = &step.undo {
                assert!(
                    plan.find(undo).is_some(),
                    "{} names a missing undo step {undo}",
                    step.id
                );
            }
        }
    }
}

#[test]
fn no_snapshot_is_left_without_an_input() {
    let mut expected = BTreeSet::new();
    for input in common::valid_inputs() {
        let name = snapshot_name(&input);
        expected.insert(format!("snapshots__{name}.snap"));
        expected.insert(format!("snapshots__ir-{name}.snap"));
        expected.insert(format!("snapshots__plan-{name}.snap"));
    }
    expected.insert("diagnostics__rendered-diagnostics.snap".to_owned());
    expected.insert("formats__format-json.snap".to_owned());
    expected.insert("formats__format-github.snap".to_owned());
    expected.insert("formats__format-sarif.snap".to_owned());
    expected.insert("toolchain__init-cloudflare.snap".to_owned());
    expected.insert("toolchain__topology-schema.snap".to_owned());
    expected.insert("day_two__fleet-plan-base-change.snap".to_owned());
    expected.insert("drift__drift-sample-export.snap".to_owned());
    for format in ["text", "json", "github"] {
        expected.insert(format!("audit__audit-three-bypasses-{format}.snap"));
    }
    for fixture in ["cloudflare-by-hand", "relay-by-hand"] {
        expected.insert(format!("import__import-{fixture}.snap"));
    }
    for name in [
        "cisco-RUNBOOK-md",
        "cisco-cisco-STEPS-md",
        "cloudflare-RUNBOOK-md",
        "cloudflare-gateway-STEPS-md",
        "esa-hq-appliance-STEPS-md",
    ] {
        expected.insert(format!("lang__ja-{name}.snap"));
    }
    for name in ["guard", "steps", "manifest", "tenant-steps"] {
        expected.insert(format!("appliance__appliance-{name}.snap"));
    }
    for case in [
        "no-change",
        "address-added",
        "address-removed",
        "renamed",
        "feature-off",
        "vendor-switch",
    ] {
        expected.insert(format!("plan__plan-{case}.snap"));
    }
    let dir = common::root().join("tests/snapshots");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            expected.contains(&file),
            "unreferenced snapshot tests/snapshots/{file}: delete it"
        );
    }
}
