//! The keys each table of the topology may hold, with the kind of value each
//! takes, whether it is required, and an example.
//!
//! serde stops at the first stray key or wrong value and words its errors for
//! programmers (`expected i64`); walking the document against this table
//! reports every unknown key, every wrong value and every missing key of a
//! file at once, in plain words with an example. `tests/consistency.rs`
//! checks that the table and the raw types agree. Tables whose keys are data
//! (`organization.microsoft365_mx`, keyed by domain) are a [`Kind::StrMap`].

/// What a key's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Bool,
    Str,
    StrList,
    /// A table described by its own row of [`TABLES`].
    Table,
    /// An array of tables, each described by the same row.
    TableList,
    /// A table of strings keyed by data.
    StrMap,
    /// One of the listed words.
    Enum(&'static [&'static str]),
}

impl Kind {
    /// What the value must be, in words.
    pub fn describe(self) -> String {
        match self {
            Kind::Int => "a whole number".to_owned(),
            Kind::Bool => "`true` or `false`".to_owned(),
            Kind::Str => "a quoted string".to_owned(),
            Kind::StrList => "a list of quoted strings".to_owned(),
            Kind::Table => "a table".to_owned(),
            Kind::TableList => "a list of tables".to_owned(),
            Kind::StrMap => "a table of quoted strings".to_owned(),
            Kind::Enum(words) => format!(
                "one of {}",
                words
                    .iter()
                    .map(|w| format!("`\"{w}\"`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// One key of a table.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// How the key is written, for help text.
    pub example: &'static str,
    /// The most entries a list or table may hold (mailflowc's cap).
    pub max: Option<usize>,
}

const fn opt(name: &'static str, kind: Kind, example: &'static str) -> Key {
    Key {
        name,
        kind,
        required: false,
        example,
        max: None,
    }
}

const fn req(name: &'static str, kind: Kind, example: &'static str) -> Key {
    Key {
        name,
        kind,
        required: true,
        example,
        max: None,
    }
}

impl Key {
    /// The same key, with at most `max` entries.
    const fn at_most(mut self, max: usize) -> Key {
        self.max = Some(max);
        self
    }
}

/// Caps on list sizes, checked right after parsing, before any other work,
/// so output and memory stay proportional to an input of sane size. They
/// are mailflowc's own: Microsoft documents none for these fields (the allow
/// list's 1,273 entries, F-CF-03, is checked once prefixes are split).
pub const MAX_DOMAINS: usize = 1000;
pub const MAX_ADDRESSES: usize = 2000;
pub const MAX_RECIPIENTS: usize = 5000;
pub const MAX_HOSTS: usize = 50;
/// The largest topology file read, in bytes.
pub const MAX_TOPOLOGY_BYTES: usize = 1 << 20;

pub const EF_MODES: &[&str] = &["off", "skip-last-ip", "skip-listed"];
pub const LOCKDOWN_BY: &[&str] = &["ip-addresses", "certificate"];
pub const OUTBOUND_TLS: &[&str] = &[
    "encryption-only",
    "certificate-validation",
    "domain-validation",
];
pub const SENDER_CHECK: &[&str] = &["log", "enforce"];
pub const DESTINATION_TLS: &[&str] = &["preferred", "required"];

/// Known keys per table path ("" is the document root).
pub const TABLES: &[(&str, &[Key])] = &[
    (
        "",
        &[
            req("version", Kind::Int, "version = 1"),
            opt("extends", Kind::Str, "extends = \"_gateway.toml\""),
            req("organization", Kind::Table, "[organization]"),
            req("gateway", Kind::Table, "[gateway]"),
            opt("inbound", Kind::Table, "[inbound]"),
            opt("outbound", Kind::Table, "[outbound]"),
            opt("cisco", Kind::Table, "[cisco]"),
            opt("dns", Kind::Table, "[dns]"),
            opt("names", Kind::Table, "[names]"),
            opt("diagnostics", Kind::Table, "[diagnostics]"),
        ],
    ),
    (
        "organization",
        &[
            req("name", Kind::Str, "name = \"Contoso Ltd\""),
            req("tenant", Kind::Str, "tenant = \"contoso.onmicrosoft.com\""),
            req("domains", Kind::StrList, "domains = [\"contoso.com\"]").at_most(MAX_DOMAINS),
            opt("outbound_only_domains", Kind::StrList, "outbound_only_domains = [\"contoso-mail.com\"]")
                .at_most(MAX_DOMAINS),
            opt(
                "microsoft365_mx",
                Kind::StrMap,
                "microsoft365_mx = { \"contoso.com\" = \"contoso-com.mail.protection.outlook.com\" }",
            )
            .at_most(MAX_DOMAINS),
        ],
    ),
    (
        "gateway",
        &[
            req("name", Kind::Str, "name = \"Cloudflare Email Security\""),
            opt("vendor", Kind::Str, "vendor = \"cloudflare\""),
            opt("region", Kind::Str, "region = \"global\""),
            opt("egress", Kind::StrList, "egress = [\"192.0.2.0/24\"]").at_most(MAX_ADDRESSES),
            opt("egress_exclude", Kind::StrList, "egress_exclude = [\"104.30.32.0/19\"]").at_most(MAX_ADDRESSES),
            opt("catalog_pin", Kind::Str, "catalog_pin = \"0123456789abcdef\""),
            opt("tls_certificate", Kind::Str, "tls_certificate = \"mx.gateway.example\""),
            opt("mx", Kind::TableList, "mx = [{ host = \"mx1.gateway.example\", priority = 10 }]").at_most(MAX_HOSTS),
            opt("arc_sealer", Kind::Str, "arc_sealer = \"gateway.example\""),
            opt("modifies_messages", Kind::Bool, "modifies_messages = true"),
        ],
    ),
    (
        "gateway.mx",
        &[
            req("host", Kind::Str, "host = \"mx1.gateway.example\""),
            opt("priority", Kind::Int, "priority = 10"),
        ],
    ),
    (
        "dns",
        &[
            opt("ttl", Kind::Int, "ttl = 3600"),
            opt("precutover_ttl", Kind::Int, "precutover_ttl = 300"),
            opt("current_ttl", Kind::Int, "current_ttl = 3600"),
            opt(
                "spf_current",
                Kind::StrMap,
                "spf_current = { \"contoso.com\" = \"v=spf1 include:spf.protection.outlook.com -all\" }",
            )
            .at_most(MAX_DOMAINS),
        ],
    ),
    (
        "inbound",
        &[
            opt("through_gateway", Kind::Bool, "through_gateway = false"),
            opt("enhanced_filtering", Kind::Table, "[inbound.enhanced_filtering]"),
            opt("allow_list", Kind::Bool, "allow_list = true"),
            opt("spf_hard_fail_off", Kind::Bool, "spf_hard_fail_off = true"),
            opt("lockdown", Kind::Bool, "lockdown = true"),
            opt("lockdown_by", Kind::Enum(LOCKDOWN_BY), "lockdown_by = \"ip-addresses\""),
            opt("lockdown_onmicrosoft", Kind::Bool, "lockdown_onmicrosoft = true"),
            opt("reject_direct_send", Kind::Bool, "reject_direct_send = true"),
            opt("scl_bypass_rule", Kind::Bool, "scl_bypass_rule = false"),
        ],
    ),
    (
        "inbound.enhanced_filtering",
        &[
            req("mode", Kind::Enum(EF_MODES), "mode = \"skip-last-ip\""),
            opt("skip_ips", Kind::StrList, "skip_ips = [\"192.0.2.10\"]").at_most(MAX_ADDRESSES),
            opt("pilot_recipients", Kind::StrList, "pilot_recipients = [\"alice@contoso.com\"]").at_most(MAX_RECIPIENTS),
        ],
    ),
    (
        "outbound",
        &[
            opt("through_gateway", Kind::Bool, "through_gateway = true"),
            opt("smart_hosts", Kind::StrList, "smart_hosts = [\"smtp.gateway.example\"]").at_most(MAX_HOSTS),
            opt("tls", Kind::Enum(OUTBOUND_TLS), "tls = \"certificate-validation\""),
            opt("tls_domain", Kind::Str, "tls_domain = \"gateway.example\""),
            opt("secret_header", Kind::Table, "[outbound.secret_header]"),
        ],
    ),
    (
        "outbound.secret_header",
        &[
            opt("name", Kind::Str, "name = \"X-Contoso-Relay\""),
            opt("value_from", Kind::Str, "value_from = \"env:MAILFLOWC_SECRET\""),
            opt("sha256", Kind::Str, "sha256 = \"<64 hex digits>\""),
            opt("previous_value_from", Kind::Str, "previous_value_from = \"env:OLD_SECRET\""),
            opt("previous_sha256", Kind::Str, "previous_sha256 = \"<64 hex digits>\""),
        ],
    ),
    (
        "cisco",
        &[
            opt("relay_sender_group", Kind::Str, "relay_sender_group = \"RELAY_O365\""),
            opt("filter_name", Kind::Str, "filter_name = \"mailflowc_relay_guard\""),
            opt("inbound_listener", Kind::Str, "inbound_listener = \"IncomingMail\""),
            opt("outbound_listener", Kind::Str, "outbound_listener = \"OutgoingMail\""),
            opt("appliance", Kind::Str, "appliance = \"esa-hq\""),
            opt("sender_check", Kind::Enum(SENDER_CHECK), "sender_check = \"enforce\""),
            opt("destination_controls", Kind::Table, "[cisco.destination_controls]"),
        ],
    ),
    (
        "cisco.destination_controls",
        &[
            opt("max_concurrency", Kind::Int, "max_concurrency = 10"),
            opt("max_messages_per_connection", Kind::Int, "max_messages_per_connection = 20"),
            opt("tls", Kind::Enum(DESTINATION_TLS), "tls = \"required\""),
        ],
    ),
    (
        "names",
        &[
            opt("inbound_connector", Kind::Str, "inbound_connector = \"…\""),
            opt("lockdown_connector", Kind::Str, "lockdown_connector = \"…\""),
            opt("scl_bypass_rule", Kind::Str, "scl_bypass_rule = \"…\""),
            opt("outbound_connector", Kind::Str, "outbound_connector = \"…\""),
            opt("outbound_rule", Kind::Str, "outbound_rule = \"…\""),
        ],
    ),
    (
        "diagnostics",
        &[opt("allow", Kind::StrList, "allow = [\"MF0706\"]").at_most(MAX_ALLOWED_CODES)],
    ),
];

/// The most warning codes a topology may accept (there are fewer warnings).
pub const MAX_ALLOWED_CODES: usize = 64;

/// The keys allowed in the table at `path`, if that table is known.
pub fn keys_of(path: &str) -> Option<&'static [Key]> {
    TABLES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, keys)| *keys)
}

/// The names of the keys allowed in the table at `path`.
pub fn names_of(path: &str) -> Vec<&'static str> {
    keys_of(path)
        .map(|keys| keys.iter().map(|k| k.name).collect())
        .unwrap_or_default()
}

/// The known word closest in spelling to `unknown`, when one is close enough
/// to be a likely typo.
pub fn did_you_mean(unknown: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&unknown.to_ascii_lowercase(), k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
