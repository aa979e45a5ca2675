//! End-to-end compile time (parse → check → lower → emit, in memory) of a
//! large topology: an MSP-sized tenant with 500 domains, 1,000 egress
//! prefixes and 2,000 pilot recipients. Run with `cargo bench`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::fmt::Write;
use std::hint::black_box;

fn large_topology() -> String {
    let mut s = String::from(
        "version = 1\n\n[organization]\nname = \"Large\"\ntenant = \"large.onmicrosoft.com\"\ndomains = [\n",
    );
    for i in 0..500 {
        let _ = writeln!(s, "  \"domain{i}.example.com\",");
    }
    s.push_str("]\n\n[gateway]\nname = \"Gateway\"\negress = [\n");
    // 1,000 public /28s, each in its own /24: 1,000 allow-list entries.
    for i in 0..1000 {
        let _ = writeln!(s, "  \"81.{}.{}.16/28\",", i / 250, i % 250);
    }
    s.push_str("]\n\n[inbound]\nallow_list = true\nlockdown = true\n\n[inbound.enhanced_filtering]\nmode = \"skip-listed\"\npilot_recipients = [\n");
    for i in 0..2000 {
        let _ = writeln!(s, "  \"user{i}@domain{}.example.com\",", i % 500);
    }
    s.push_str("]\n");
    s
}

fn compile(c: &mut Criterion) {
    let source = large_topology();
    let compiled =
        mailflowc::compile(&source, "large.toml").expect("the benchmark topology is valid");
    assert!(compiled.warnings.is_empty(), "{:?}", compiled.warnings);
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("500 domains, 1000 prefixes, 2000 pilot recipients", |b| {
        b.iter(|| mailflowc::compile(black_box(&source), "large.toml"))
    });
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
