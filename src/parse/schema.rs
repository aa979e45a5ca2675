//! The keys each table of the topology may hold.
//!
//! serde's `deny_unknown_fields` stops at the first stray key and offers no
//! spelling hint; walking the document against this table reports every
//! unknown key at once, each with a did-you-mean. `tests/schema.rs` checks
//! that the table and the raw types agree.

/// Known keys per table path ("" is the document root).
pub const TABLES: &[(&str, &[&str])] = &[
    (
        "",
        &["version", "organization", "gateway", "inbound", "names"],
    ),
    ("organization", &["name", "tenant", "domains"]),
    ("gateway", &["name", "egress", "tls_certificate"]),
    (
        "inbound",
        &[
            "enhanced_filtering",
            "allow_list",
            "spf_hard_fail_off",
            "lockdown",
            "lockdown_by",
            "scl_bypass_rule",
        ],
    ),
    (
        "inbound.enhanced_filtering",
        &["mode", "skip_ips", "pilot_recipients"],
    ),
    (
        "names",
        &["inbound_connector", "lockdown_connector", "scl_bypass_rule"],
    ),
];

/// The keys allowed in the table at `path`, if that table is known.
pub fn keys_of(path: &str) -> Option<&'static [&'static str]> {
    TABLES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, keys)| *keys)
}

/// The known key closest in spelling to `unknown`, when one is close enough
/// to be a likely typo.
pub fn did_you_mean(unknown: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&unknown.to_ascii_lowercase(), k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
