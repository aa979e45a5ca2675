//! Cost grows linearly with the input, counted, not timed (issue 28, items
//! 7 and 8): the allocations of one build with 4× the domains stay within
//! about 4× (the runbook's change recipes once allocated two strings per
//! value and domain: ×10 at 4×); a fleet build's peak memory grows by a few
//! kilobytes a tenant, not by each tenant's whole output (about 300 KiB a
//! tenant when every tree was held until all were written).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts every allocation of this test binary.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
/// Bytes allocated and not freed, and the most there were.
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// The tests of this file one at a time: they read process-wide counters.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The Cloudflare example with `count` routed domains.
fn topology(count: usize) -> String {
    let list: Vec<String> = (0..count)
        .map(|i| format!("\"d{i}.contoso.com\""))
        .collect();
    let source = std::fs::read_to_string(common::root().join("examples/cloudflare.toml")).unwrap();
    let changed = source.replace(
        "domains = [\"contoso.com\", \"contoso.co.jp\"]",
        &format!("domains = [{}]", list.join(", ")),
    );
    assert_ne!(source, changed, "the example's domain list moved");
    changed
}

fn allocations_to_build(count: usize) -> usize {
    let source = topology(count);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let files = common::build_source(&source, "t.toml");
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    assert!(files.len() > count, "{} files", files.len());
    after - before
}

#[test]
fn a_build_allocates_linearly_in_its_domains() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Warm the process-wide caches (defaults table, templates, catalog).
    let _ = allocations_to_build(4);
    let one = allocations_to_build(60);
    let four = allocations_to_build(240);
    let ratio = four as f64 / one as f64;
    assert!(
        ratio < 5.0,
        "60 domains: {one} allocations, 240: {four} (×{ratio:.1}); linear is ×4"
    );
}

/// The peak of live bytes above the start while `build` writes a fleet of
/// `count` Cloudflare-preset tenants, in this process.
fn peak_bytes_of_a_fleet_build(count: usize) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("tenants");
    std::fs::create_dir_all(&fleet).unwrap();
    for n in 0..count {
        std::fs::write(
            fleet.join(format!("t{n:04}.toml")),
            format!(
                "version = 1\n\n[organization]\nname = \"Tenant {n}\"\ntenant = \"t{n}.onmicrosoft.com\"\ndomains = [\"t{n}.example.com\"]\n\n[gateway]\nname = \"Cloudflare Email Security\"\nvendor = \"cloudflare\"\n"
            ),
        )
        .unwrap();
    }
    let settings = mailflowc::commands::Settings {
        quiet: true,
        reporting: mailflowc::commands::settings::Reporting {
            policy: mailflowc::commands::settings::WarningPolicy {
                allow: vec![
                    "MF0706".to_owned(),
                    "MF0210".to_owned(),
                    "MF0702".to_owned(),
                ],
                ..Default::default()
            },
            ..Default::default()
        },
        ..Default::default()
    };
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let exit =
        mailflowc::commands::build::build(std::slice::from_ref(&fleet), None, false, &settings);
    assert_eq!(exit, mailflowc::commands::Exit::Ok);
    assert!(fleet.join(format!("generated/t{:04}", count - 1)).is_dir());
    PEAK.load(Ordering::Relaxed) - start
}

#[test]
fn a_fleet_build_holds_no_tenant_output_it_has_written() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let _ = peak_bytes_of_a_fleet_build(5);
    let small = peak_bytes_of_a_fleet_build(50);
    let large = peak_bytes_of_a_fleet_build(200);
    let per_tenant = large.saturating_sub(small) / 150;
    assert!(
        per_tenant < 40 * 1024,
        "50 tenants: {small} bytes at the peak, 200: {large}; {per_tenant} bytes a tenant"
    );
}
