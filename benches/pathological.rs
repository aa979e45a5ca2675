//! Inputs that were quadratic or unbounded once, at doubling sizes up to
//! mailflowc's caps: the time per input should double with the size, not
//! quadruple. `check` only (parse, check, render the diagnostics), in
//! memory. Run with `cargo bench --bench pathological`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::fmt::Write;
use std::hint::black_box;

const HEAD: &str = "version = 1\n[organization]\nname = \"C\"\ntenant = \"c.onmicrosoft.com\"\n";

/// `n` copies of one domain: one MF0402 per copy.
pub fn duplicate_domains(n: usize) -> String {
    let list = vec!["\"contoso.com\""; n].join(", ");
    format!("{HEAD}domains = [{list}]\n[gateway]\nname = \"G\"\negress = [\"52.11.209.211\"]\n")
}

/// `n` prefixes with host bits set: one MF0102 warning each.
pub fn host_bit_warnings(n: usize) -> String {
    let mut list = String::new();
    for i in 0..n {
        let _ = write!(list, "\"52.{}.{}.7/24\", ", 11 + i / 256, i % 256);
    }
    format!("{HEAD}domains = [\"contoso.com\"]\n[gateway]\nname = \"G\"\negress = [{list}]\n[inbound]\nallow_list = false\n")
}

/// `n` domains and `n` pilots, each in its own domain.
pub fn pilots_times_domains(n: usize) -> String {
    let domains: Vec<String> = (0..n).map(|i| format!("\"d{i}.contoso.com\"")).collect();
    let pilots: Vec<String> = (0..n).map(|i| format!("\"u@d{i}.contoso.com\"")).collect();
    format!(
        "{HEAD}domains = [{}]\n[gateway]\nname = \"G\"\negress = [\"52.11.209.211\"]\n[inbound.enhanced_filtering]\nmode = \"skip-last-ip\"\npilot_recipients = [{}]\n",
        domains.join(", "),
        pilots.join(", ")
    )
}

/// `n` domains, each with a `microsoft365_mx` entry.
pub fn microsoft365_mx_times_domains(n: usize) -> String {
    let domains: Vec<String> = (0..n).map(|i| format!("\"d{i}.contoso.com\"")).collect();
    let table: Vec<String> = (0..n)
        .map(|i| format!("\"d{i}.contoso.com\" = \"d{i}-contoso-com.mail.protection.outlook.com\""))
        .collect();
    format!(
        "{HEAD}domains = [{}]\nmicrosoft365_mx = {{ {} }}\n[gateway]\nname = \"G\"\negress = [\"52.11.209.211\"]\n",
        domains.join(", "),
        table.join(", ")
    )
}

/// One line of `n` characters with a finding at its end.
pub fn long_line(n: usize) -> String {
    format!(
        "version = 1\norganization = {{ name = \"{}\", tenant = \"c.onmicrosoft.com\", domains = [\"c.com\"], unknown = 1 }}\n[gateway]\nname = \"G\"\negress = [\"52.11.209.211\"]\n",
        "x".repeat(n)
    )
}

/// `n` /12 prefixes with the allow list off: refused (MF0109) after parsing.
pub fn wide_prefixes(n: usize) -> String {
    let mut list = String::new();
    for i in 0..n {
        let _ = write!(list, "\"{}.{}.0.0/12\", ", 20 + i / 16, (i % 16) * 16);
    }
    format!("{HEAD}domains = [\"contoso.com\"]\n[gateway]\nname = \"G\"\negress = [{list}]\n[inbound]\nallow_list = false\n")
}

fn check(source: &str) -> usize {
    let (_, found) = mailflowc::analyze(source);
    mailflowc::pipeline::render(&found, "t.toml", source, false).len()
}

fn pathological(c: &mut Criterion) {
    type Make = fn(usize) -> String;
    let inputs: [(&str, Make, [usize; 3]); 6] = [
        ("duplicate domains", duplicate_domains, [250, 500, 1000]),
        ("host-bit warnings", host_bit_warnings, [500, 1000, 2000]),
        ("pilots x domains", pilots_times_domains, [250, 500, 1000]),
        (
            "microsoft365_mx x domains",
            microsoft365_mx_times_domains,
            [250, 500, 1000],
        ),
        ("long line", long_line, [100_000, 200_000, 400_000]),
        ("wide prefixes (refused)", wide_prefixes, [500, 1000, 2000]),
    ];
    for (name, make, sizes) in inputs {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        for size in sizes {
            let source = make(size);
            group.bench_with_input(BenchmarkId::from_parameter(size), &source, |b, source| {
                b.iter(|| check(black_box(source)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, pathological);
criterion_main!(benches);
