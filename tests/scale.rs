//! Cost grows linearly with the input, counted, not timed (issue 28, item
//! 8): the allocations of one build with 4× the domains stay within about
//! 4× (the runbook's change recipes once allocated two strings per value
//! and domain: ×10 at 4×).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts every allocation of this test binary.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

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
