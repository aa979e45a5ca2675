//! An MSP fleet in one call: 1,000 fresh Cloudflare-preset tenants (each
//! tree 26 files) built by one `mailflowc build DIR` on every core, against
//! the same tenants built by one process each. Whole processes of the
//! bench-profile binary, timed from outside; median of 5 runs (3 for the
//! one-process-per-tenant baseline).
//!
//!   cargo bench --bench fleet
//!   MAILFLOWC_BENCH_DIR=/some/fs cargo bench --bench fleet   # another file system
//!
//! The default directory is /dev/shm when it exists (tmpfs: the time spent
//! is mailflowc's, not a slow disk's), the system's temporary directory
//! otherwise. The file system is printed with the figures.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TENANTS: usize = 1000;

fn tenant(n: usize) -> String {
    format!(
        "version = 1\n\n[organization]\nname = \"Tenant {n}\"\ntenant = \"t{n}.onmicrosoft.com\"\ndomains = [\"t{n}.example.com\"]\n\n[gateway]\nname = \"Cloudflare Email Security\"\nvendor = \"cloudflare\"\nmodifies_messages = false\n"
    )
}

fn median(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2], times[times.len() - 1])
}

fn report(what: &str, times: Vec<Duration>) {
    let (min, median, max) = median(times);
    println!(
        "{what:<58} median {:>7.3} s  (min {:.3}, max {:.3})",
        median.as_secs_f64(),
        min.as_secs_f64(),
        max.as_secs_f64()
    );
}

/// `runs` timings of `work`, each after `prepare` (not timed).
fn timed(runs: usize, prepare: impl Fn(), work: impl Fn()) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            prepare();
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect()
}

fn run(binary: &Path, dir: &Path, args: &[&str]) {
    let status = Command::new(binary)
        .current_dir(dir)
        .args(args)
        .status()
        .expect("run mailflowc");
    assert!(status.success(), "mailflowc {args:?} failed");
}

fn main() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_mailflowc"));
    let base = std::env::var_os("MAILFLOWC_BENCH_DIR")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|p| p.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    let scratch = tempfile::tempdir_in(&base).expect("scratch directory");
    let fleet = scratch.path().join("tenants");
    std::fs::create_dir(&fleet).unwrap();
    for n in 0..TENANTS {
        std::fs::write(fleet.join(format!("t{n:04}.toml")), tenant(n)).unwrap();
    }
    println!(
        "{TENANTS} tenants in {} ({} cores)",
        base.display(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let quiet = ["-q", "build", ".", "--allow", "MF0706"];
    let generated = fleet.join("generated");

    let fresh = || {
        let _ = std::fs::remove_dir_all(&generated);
    };
    let kept = || {};
    report(
        "one call, fresh trees (mailflowc build DIR)",
        timed(5, fresh, || run(&binary, &fleet, &quiet)),
    );
    report(
        "one call, replacing the trees",
        timed(5, kept, || run(&binary, &fleet, &quiet)),
    );
    report(
        "one call, build --check against the trees",
        timed(5, kept, || {
            run(
                &binary,
                &fleet,
                &["-q", "build", "--check", ".", "--allow", "MF0706"],
            )
        }),
    );
    report(
        "one process per tenant, fresh trees",
        timed(3, fresh, || {
            for n in 0..TENANTS {
                let name = format!("t{n:04}.toml");
                let out = format!("generated/t{n:04}");
                run(
                    &binary,
                    &fleet,
                    &["-q", "build", &name, "--out", &out, "--allow", "MF0706"],
                );
            }
        }),
    );
}
