//! The keys each table of the topology may hold.
//!
//! serde's `deny_unknown_fields` stops at the first stray key and offers no
//! spelling hint; walking the document against this table reports every
//! unknown key at once, each with a did-you-mean. `tests/consistency.rs`
//! checks that the table and the raw types agree. Tables whose keys are data
//! (`organization.microsoft365_mx`, keyed by domain) are not listed, so they
//! are not walked.

/// Known keys per table path ("" is the document root).
pub const TABLES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "version",
            "organization",
            "gateway",
            "inbound",
            "outbound",
            "cisco",
            "dns",
            "names",
        ],
    ),
    (
        "organization",
        &["name", "tenant", "domains", "microsoft365_mx"],
    ),
    (
        "gateway",
        &[
            "name",
            "vendor",
            "region",
            "egress",
            "tls_certificate",
            "mx",
        ],
    ),
    ("gateway.mx", &["host", "priority"]),
    ("dns", &["ttl", "precutover_ttl", "current_ttl"]),
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
        "outbound",
        &[
            "through_gateway",
            "smart_hosts",
            "tls",
            "tls_domain",
            "secret_header",
        ],
    ),
    (
        "outbound.secret_header",
        &[
            "name",
            "value_from",
            "sha256",
            "previous_value_from",
            "previous_sha256",
        ],
    ),
    (
        "cisco",
        &[
            "relay_sender_group",
            "filter_name",
            "inbound_listener",
            "outbound_listener",
            "destination_controls",
        ],
    ),
    (
        "cisco.destination_controls",
        &["max_concurrency", "max_messages_per_connection", "tls"],
    ),
    (
        "names",
        &[
            "inbound_connector",
            "lockdown_connector",
            "scl_bypass_rule",
            "outbound_connector",
            "outbound_rule",
        ],
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
