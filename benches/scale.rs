//! How mailflowc grows along each scale dimension, as whole processes of
//! the bench-profile binary: routed domains (one topology), fleet tenants,
//! tenants on one shared Cisco appliance, and tenant-export size (`drift`,
//! `audit`). Each size is timed (median of 5 runs) with its peak memory,
//! read from the kernel's accounting of the finished child (`wait4`), and
//! set beside the floor of writing the same tree without mailflowc: `cp -r`
//! of the built tree plus `cat` of every file in it (the export: `cat`).
//!
//!   cargo bench --bench scale
//!   MAILFLOWC_BENCH_DIR=/some/fs cargo bench --bench scale
//!
//! Not a test: nothing here fails on a figure; the README quotes them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// One run of `program args` in `dir`: wall time and peak RSS in KiB (GNU
/// time's `%M`, the kernel's figure for the finished child; 0 without
/// `/usr/bin/time`).
fn measured(dir: &Path, program: &Path, args: &[&str]) -> (Duration, u64) {
    let report = dir.join(".peak");
    let time = Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut command = Command::new(time);
        command
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(program);
        command
    } else {
        Command::new(program)
    };
    let started = Instant::now();
    let status = command
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run");
    let elapsed = started.elapsed();
    assert!(status.code().is_some(), "{program:?} {args:?} was killed");
    let peak = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| t.trim().lines().last()?.trim().parse().ok())
        .unwrap_or(0);
    (elapsed, peak)
}

fn median(mut runs: Vec<(Duration, u64)>) -> (f64, u64) {
    runs.sort();
    let (time, _) = runs[runs.len() / 2];
    let peak = runs.iter().map(|r| r.1).max().unwrap_or(0);
    (time.as_secs_f64(), peak)
}

fn five(dir: &Path, program: &Path, args: &[&str], before: impl Fn()) -> (f64, u64) {
    let _ = measured(dir, program, args);
    median(
        (0..5)
            .map(|_| {
                before();
                measured(dir, program, args)
            })
            .collect(),
    )
}

/// The floor: copy the tree, then read every file of it.
fn floor(dir: &Path, tree: &str) -> f64 {
    let copy = format!("rm -rf floor-copy && cp -r {tree} floor-copy && find floor-copy -type f -exec cat {{}} + > /dev/null");
    let sh = PathBuf::from("/bin/sh");
    five(dir, &sh, &["-c", &copy], || {}).0
}

fn row(what: &str, size: usize, (time, peak): (f64, u64), floor: Option<f64>) {
    let floor = floor.map_or_else(String::new, |f| format!("  floor {f:.3} s"));
    println!(
        "{what:<28} {size:>6}  {time:>7.3} s  peak {:>6.1} MiB{floor}",
        peak as f64 / 1024.0
    );
}

fn topology(domains: usize) -> String {
    let list: Vec<String> = (0..domains)
        .map(|i| format!("\"d{i}.contoso.com\""))
        .collect();
    format!(
        "version = 1\n\n[organization]\nname = \"Contoso\"\ntenant = \"contoso.onmicrosoft.com\"\ndomains = [{}]\n\n[gateway]\nname = \"Cloudflare Email Security\"\nvendor = \"cloudflare\"\nmodifies_messages = false\n\n[inbound]\nlockdown = true\n",
        list.join(", ")
    )
}

fn tenant(n: usize, appliance: bool) -> String {
    if appliance {
        format!(
            "extends = \"_appliance.toml\"\n\n[organization]\nname = \"Tenant {n}\"\ntenant = \"t{n}.onmicrosoft.com\"\ndomains = [\"t{n}.example.com\"]\n\n[outbound.secret_header]\nname = \"X-MSP-Relay-Auth\"\nvalue_from = \"env:T{n}_SECRET\"\nsha256 = \"{}\"\n",
            sha(n)
        )
    } else {
        format!(
            "version = 1\n\n[organization]\nname = \"Tenant {n}\"\ntenant = \"t{n}.onmicrosoft.com\"\ndomains = [\"t{n}.example.com\"]\n\n[gateway]\nname = \"Cloudflare Email Security\"\nvendor = \"cloudflare\"\nmodifies_messages = false\n"
        )
    }
}

/// A distinct, well-formed fingerprint per tenant.
fn sha(n: usize) -> String {
    format!("{n:064x}")
}

const APPLIANCE: &str = "version = 1\n\n[gateway]\nname = \"Cisco Secure Email\"\nvendor = \"cisco\"\negress = [\"68.232.140.27\", \"68.232.140.28\"]\nmx = [{ host = \"mx1.iphmx.com\", priority = 10 }]\n\n[inbound]\nlockdown = true\n\n[outbound]\nsmart_hosts = [\"68.232.140.27\"]\n\n[cisco]\nappliance = \"esa-hq\"\nfilter_name = \"msp_relay_guard\"\n";

fn main() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_mailflowc"));
    let base = std::env::var_os("MAILFLOWC_BENCH_DIR")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|p| p.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    let scratch = tempfile::tempdir_in(&base).expect("scratch directory");
    let dir = scratch.path();
    println!(
        "in {} ({} cores); median of 5 whole processes, the largest peak",
        base.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let allow = [
        "--allow", "MF0706", "--allow", "MF0702", "--allow", "MF0518",
    ];

    for domains in [62, 248, 992] {
        std::fs::write(dir.join("t.toml"), topology(domains)).unwrap();
        let mut args = vec!["-q", "build", "t.toml", "--out", "tree"];
        args.extend(allow);
        let figures = five(dir, &binary, &args, || {});
        row(
            "domains (build)",
            domains,
            figures,
            Some(floor(dir, "tree")),
        );
    }

    for (label, appliance, counts) in [
        ("fleet tenants (build)", false, [250, 1000, 4000]),
        ("appliance tenants (build)", true, [25, 100, 400]),
    ] {
        for count in counts {
            let fleet = dir.join(format!("fleet-{appliance}-{count}"));
            std::fs::create_dir_all(&fleet).unwrap();
            if appliance {
                std::fs::write(fleet.join("_appliance.toml"), APPLIANCE).unwrap();
            }
            for n in 0..count {
                std::fs::write(fleet.join(format!("t{n:05}.toml")), tenant(n, appliance)).unwrap();
            }
            let mut args = vec!["-q", "build", "."];
            args.extend(allow);
            let figures = five(&fleet, &binary, &args, || {});
            row(label, count, figures, Some(floor(&fleet, "generated")));
            let mut check = vec!["-q", "build", "--check", "."];
            check.extend(allow);
            row(
                "  the same, build --check",
                count,
                five(&fleet, &binary, &check, || {}),
                None,
            );
        }
    }

    // Exports: the drift fixture with its inbound connectors repeated.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixture = root.join("tests/fixtures/drift/in-sync.json");
    let topology = root.join("tests/fixtures/drift/topology.toml");
    let text = std::fs::read_to_string(&fixture).unwrap();
    let export: serde_json::Value = serde_json::from_str(&text).unwrap();
    for copies in [500, 2000, 8000] {
        let mut grown = export.clone();
        let connectors = grown["InboundConnector"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut list = Vec::new();
        for n in 0..copies {
            for c in &connectors {
                let mut c = c.clone();
                c["Name"] = serde_json::json!(format!("hand-made connector {n}"));
                list.push(c);
            }
        }
        list.extend(connectors);
        grown["InboundConnector"] = serde_json::Value::Array(list);
        let file = dir.join(format!("export-{copies}.json"));
        let body = serde_json::to_string(&grown).unwrap();
        std::fs::write(&file, &body).unwrap();
        let name = file.display().to_string();
        let size = body.len() / 1024;
        let topo = topology.display().to_string();
        row(
            "export KiB (drift)",
            size,
            five(dir, &binary, &["drift", &topo, "--tenant", &name], || {}),
            Some(five(dir, &PathBuf::from("/bin/cat"), &[&name], || {}).0),
        );
        row(
            "export KiB (audit)",
            size,
            five(dir, &binary, &["audit", "--tenant", &name], || {}),
            None,
        );
    }
}
