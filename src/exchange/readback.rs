//! How Exchange Online reads back what the scripts write, as one table:
//! each managed property's comparison rule. The generated scripts get their
//! canonicalizer's rule map from here (`ConvertTo-MfcCanonical` in
//! `templates/powershell/_helpers.ps1.j2` implements each rule), and the
//! offline comparison uses [`canonical`], the same rules in Rust.
//!
//! Sources are the tags of `shared/reference/exchange-readback.md`: SG
//! (ScubaGear's real tenant export, observed), EV (pasted console output,
//! observed), PS (Microsoft's cmdlet pages), DSC/ORCA/CIPP/EOPMOVE (code that
//! reads these objects, inferred). Where a form is unknown there (an IP smart
//! host in brackets), the rule accepts both forms.

use super::vocabulary::{
    ARC_CONFIG, ARC_TRUSTED_SEALERS, COMMENT, COMMENTS, CONNECTION_FILTER_POLICY,
    CONTENT_FILTER_POLICY, EF_SKIP_IPS, INBOUND_CONNECTOR, IP_ALLOW_LIST,
    MARK_AS_SPAM_SPF_RECORD_HARD_FAIL, ORGANIZATION_CONFIG, OUTBOUND_CONNECTOR, REJECT_DIRECT_SEND,
    SENDER_IP_ADDRESSES, SENDER_IP_RANGES, TRANSPORT_RULE,
};
use serde_json::Value as Json;

/// How one property is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `true`/`false`; empty is "unset".
    Bool,
    /// A whole number, parsed on both sides (SetSCL: JSON number or string, U).
    Int,
    /// An enum-like word, case-insensitive.
    Word,
    /// Free text, compared exactly after the empty rule (Comment, R-03).
    Text,
    /// Host names, domains, addresses: a case-insensitive set; a trailing dot
    /// and `[…]` around IP literals are dropped (SmartHosts: brackets U).
    HostSet,
    /// Inbound `SenderDomains`: `smtp:<domain>;1` read back (SG, EV), plain
    /// written: a case-insensitive set of the domains.
    AddressSpaceSet,
    /// IP addresses and prefixes: a set, `/32` the same as a bare address.
    IpSet,
    /// `AssociatedAcceptedDomains`: names or object paths (EOPMOVE keeps the
    /// text after the last `/`): a case-insensitive set of names.
    AcceptedDomainSet,
    /// `ArcTrustedSealers`: domains, as an array or one comma-separated text
    /// (Set-ArcConfig's examples split the read-back on `,`): a
    /// case-insensitive set, a trailing dot dropped.
    SealerSet,
    /// A secret: exact, never printed.
    Secret,
}

impl Rule {
    /// The rule's name in the generated scripts.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Bool => "bool",
            Rule::Int => "int",
            Rule::Word => "word",
            Rule::Text => "text",
            Rule::HostSet => "host-set",
            Rule::AddressSpaceSet => "address-space-set",
            Rule::IpSet => "ip-set",
            Rule::AcceptedDomainSet => "accepted-domain-set",
            Rule::SealerSet => "sealer-set",
            Rule::Secret => "secret",
        }
    }
}

/// (object kind, property, rule, source in exchange-readback.md).
pub const TABLE: &[(&str, &str, Rule, &str)] = &[
    (INBOUND_CONNECTOR, "Enabled", Rule::Bool, "§1 SG, EV (O)"),
    (
        INBOUND_CONNECTOR,
        "ConnectorType",
        Rule::Word,
        "§1 SG (O), R-01",
    ),
    (
        INBOUND_CONNECTOR,
        COMMENT,
        Rule::Text,
        "§1 SG (O): \"\" when unset",
    ),
    (
        INBOUND_CONNECTOR,
        "SenderDomains",
        Rule::AddressSpaceSet,
        "§1 SG, EV (O); DSC#2180 (I)",
    ),
    (
        INBOUND_CONNECTOR,
        SENDER_IP_ADDRESSES,
        Rule::IpSet,
        "§1 EV, SG (O); /32 echo U",
    ),
    (
        INBOUND_CONNECTOR,
        "RestrictDomainsToIPAddresses",
        Rule::Bool,
        "§1 SG, EV (O)",
    ),
    (
        INBOUND_CONNECTOR,
        "RestrictDomainsToCertificate",
        Rule::Bool,
        "§1 SG, EV (O)",
    ),
    (
        INBOUND_CONNECTOR,
        "TlsSenderCertificateName",
        Rule::HostSet,
        "§1 SG (O): null when unset; SEPP (I)",
    ),
    (
        INBOUND_CONNECTOR,
        "RequireTls",
        Rule::Bool,
        "§1 SG, EV (O)",
    ),
    (
        INBOUND_CONNECTOR,
        "EFSkipLastIP",
        Rule::Bool,
        "§1 SG, EV (O)",
    ),
    (
        INBOUND_CONNECTOR,
        EF_SKIP_IPS,
        Rule::IpSet,
        "§1 SG, EV (O)",
    ),
    (
        INBOUND_CONNECTOR,
        "EFUsers",
        Rule::HostSet,
        "§1 SG, EV (O)",
    ),
    (
        INBOUND_CONNECTOR,
        "AssociatedAcceptedDomains",
        Rule::AcceptedDomainSet,
        "§1 SG, EV (O, empty); EOPMOVE (D)",
    ),
    (OUTBOUND_CONNECTOR, "Enabled", Rule::Bool, "§2 EV (O)"),
    (
        OUTBOUND_CONNECTOR,
        "ConnectorType",
        Rule::Word,
        "§2 EV (O), R-01",
    ),
    (
        OUTBOUND_CONNECTOR,
        COMMENT,
        Rule::Text,
        "§2 issue #8739 (O)",
    ),
    (
        OUTBOUND_CONNECTOR,
        "SmartHosts",
        Rule::HostSet,
        "§2 EV (O, FQDN); brackets around IPs U",
    ),
    (
        OUTBOUND_CONNECTOR,
        "TlsSettings",
        Rule::Word,
        "§2 EV (O); PS (D)",
    ),
    (OUTBOUND_CONNECTOR, "TlsDomain", Rule::HostSet, "§2 EV (O)"),
    (
        OUTBOUND_CONNECTOR,
        "IsTransportRuleScoped",
        Rule::Bool,
        "§2 EV (O); PS (D)",
    ),
    (OUTBOUND_CONNECTOR, "UseMXRecord", Rule::Bool, "§2 EV (O)"),
    (
        OUTBOUND_CONNECTOR,
        "SmtpDaneMode",
        Rule::Word,
        "F-OUT-08 (D: Opportunistic, Mandatory, None)",
    ),
    (
        OUTBOUND_CONNECTOR,
        "MtaStsMode",
        Rule::Word,
        "F-OUT-08 (D: Opportunistic, None)",
    ),
    (OUTBOUND_CONNECTOR, "TestMode", Rule::Bool, "PS (D: $false)"),
    (TRANSPORT_RULE, "State", Rule::Word, "§3 SG (O); F-TR-02"),
    (TRANSPORT_RULE, "Mode", Rule::Word, "§3 SG (O); PS (D)"),
    (
        TRANSPORT_RULE,
        COMMENTS,
        Rule::Text,
        "§3 SG (O): null when unset",
    ),
    (TRANSPORT_RULE, "FromScope", Rule::Word, "§3 SG (O)"),
    (TRANSPORT_RULE, "SentToScope", Rule::Word, "§3 SG (O)"),
    (
        TRANSPORT_RULE,
        SENDER_IP_RANGES,
        Rule::IpSet,
        "§3 SG (O, unset); ORCA (I)",
    ),
    (
        TRANSPORT_RULE,
        "SetSCL",
        Rule::Int,
        "§3 SG (O, unset); number or string U",
    ),
    (
        TRANSPORT_RULE,
        "RouteMessageOutboundConnector",
        Rule::HostSet,
        "§3 SG (O, unset); name form U",
    ),
    (
        TRANSPORT_RULE,
        "SetHeaderName",
        Rule::HostSet,
        "§3 SG-1.0 (O): header names are case-insensitive",
    ),
    (
        TRANSPORT_RULE,
        "SetHeaderValue",
        Rule::Secret,
        "§3 SG-1.0 (O): exact",
    ),
    (
        CONNECTION_FILTER_POLICY,
        IP_ALLOW_LIST,
        Rule::IpSet,
        "§4 SG, SG-T (O)",
    ),
    (
        CONTENT_FILTER_POLICY,
        MARK_AS_SPAM_SPF_RECORD_HARD_FAIL,
        Rule::Word,
        "§5 SG-T (O)",
    ),
    (
        ORGANIZATION_CONFIG,
        REJECT_DIRECT_SEND,
        Rule::Bool,
        "§6 has no sample: a Boolean (PS Set-OrganizationConfig, D); Maester Test-MtExoRejectDirectSend reads (Get-OrganizationConfig).RejectDirectSend as True (I)",
    ),
    (
        ARC_CONFIG,
        ARC_TRUSTED_SEALERS,
        Rule::SealerSet,
        "no sample: String[] written (PS Set-ArcConfig, D); its examples 3 and 4 read it back with Split(',') (D), so both forms are taken",
    ),
];

/// The rule for one property of one kind of object.
pub fn rule(kind: &str, property: &str) -> Option<Rule> {
    TABLE
        .iter()
        .find(|(k, p, _, _)| *k == kind && *p == property)
        .map(|(_, _, rule, _)| *rule)
}

/// The items of a read-back value: `null`, `[]`, `[null]` and `""` are all
/// empty; scalars are one item; numbers and booleans as text.
fn items(value: &Json) -> Vec<String> {
    let one = |v: &Json| -> Option<String> {
        let text = match v {
            Json::Null => return None,
            Json::String(s) => s.trim().to_owned(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => n.to_string(),
            other => other.to_string(),
        };
        (!text.is_empty()).then_some(text)
    };
    match value {
        Json::Array(list) => list.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// An address or prefix as the network it names: host bits cleared, a
/// host prefix (`/32`, `/128`) written as the bare address, IPv6 in its
/// RFC 5952 form; anything else lowercased as it is. `10.0.0.1`,
/// `10.0.0.1/32`, and `2001:0db8:0:0::1/128` and `2001:db8::1` compare
/// equal; how Exchange echoes a prefix is unconfirmed (readback §1, U), so
/// the comparison does not depend on it. The scripts' twin is
/// `ConvertTo-MfcNetwork` (`_readonly.ps1.j2`).
pub fn network(text: &str) -> String {
    let text = text.trim();
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let Ok(address) = address.parse::<std::net::IpAddr>() else {
        return text.to_ascii_lowercase();
    };
    let bits = if address.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix.map(str::parse::<u8>) {
        None => bits,
        Some(Ok(p)) if p <= bits => p,
        Some(_) => return text.to_ascii_lowercase(),
    };
    let Ok(net) = ipnet::IpNet::new(address, prefix) else {
        return text.to_ascii_lowercase();
    };
    let net = net.trunc();
    if prefix == bits {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

fn set(items: impl Iterator<Item = String>) -> String {
    let mut list: Vec<String> = items.filter(|s| !s.is_empty()).collect();
    list.sort();
    list.dedup();
    list.join(",")
}

fn strip_smtp_space(item: &str) -> String {
    let lower = item.to_ascii_lowercase();
    let bare = lower.strip_prefix("smtp:").unwrap_or(&lower);
    match bare.rsplit_once(';') {
        Some((domain, cost)) if !cost.is_empty() && cost.bytes().all(|b| b.is_ascii_digit()) => {
            domain.to_owned()
        }
        _ => bare.to_owned(),
    }
}

/// The canonical text of a value under `rule`: two values are the same when
/// their canonical texts are equal. Mirrors `ConvertTo-MfcCanonical`.
pub fn canonical(rule: Rule, value: &Json) -> String {
    let items = items(value);
    match rule {
        Rule::Bool | Rule::Word => items
            .first()
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default(),
        Rule::Int => items
            .first()
            .map(|s| {
                s.parse::<i64>()
                    .map_or_else(|_| s.clone(), |n| n.to_string())
            })
            .unwrap_or_default(),
        Rule::Text | Rule::Secret => items.join("\n"),
        Rule::HostSet => set(items.iter().map(|s| {
            s.trim_start_matches('[')
                .trim_end_matches(']')
                .trim_end_matches('.')
                .to_ascii_lowercase()
        })),
        Rule::AddressSpaceSet => set(items.iter().map(|s| strip_smtp_space(s))),
        Rule::IpSet => set(items.iter().map(|s| network(s))),
        Rule::SealerSet => set(items
            .iter()
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().trim_end_matches('.').to_ascii_lowercase())),
        Rule::AcceptedDomainSet => set(items
            .iter()
            .map(|s| s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (rule, read back, written, source): each pair must compare equal.
    fn same() -> Vec<(Rule, Json, Json, &'static str)> {
        vec![
            (
                Rule::AddressSpaceSet,
                json!(["smtp:*;1"]),
                json!(["*"]),
                "readback §1 SenderDomains, SG/EV",
            ),
            (
                Rule::AddressSpaceSet,
                json!(["SMTP:Contoso.com;1"]),
                json!(["contoso.com"]),
                "§1 DSC#2180",
            ),
            (
                Rule::IpSet,
                json!(["192.0.2.1/32", "198.51.100.0/24"]),
                json!(["198.51.100.0/24", "192.0.2.1"]),
                "§1 /32 echo U",
            ),
            (Rule::IpSet, json!([]), Json::Null, "R-02 empty"),
            (
                Rule::SealerSet,
                json!("Fabrikam.com, cohovineyard.com."),
                json!(["cohovineyard.com", "fabrikam.com"]),
                "Set-ArcConfig examples 3 and 4: one comma-separated text",
            ),
            (
                Rule::SealerSet,
                json!(["fabrikam.com", "tailspintoys.com"]),
                json!(["tailspintoys.com", "FABRIKAM.com"]),
                "Set-ArcConfig String[]",
            ),
            (
                Rule::SealerSet,
                json!(" "),
                Json::Null,
                "Set-ArcConfig: ' ' empties the list",
            ),
            (
                Rule::IpSet,
                json!(["2001:0DB8:0:0::1/128", "198.51.100.7/24"]),
                json!(["2001:db8::1", "198.51.100.0/24"]),
                "§1 prefixes compared as networks, however written (U)",
            ),
            (
                Rule::IpSet,
                json!([null]),
                json!(""),
                "R-02 [null] (SG outbound_connectors)",
            ),
            (
                Rule::AcceptedDomainSet,
                json!(["contoso.onmicrosoft.com/Configuration/contoso.com"]),
                json!(["contoso.com"]),
                "§1 EOPMOVE",
            ),
            (
                Rule::HostSet,
                json!(["[192.0.2.25]"]),
                json!(["192.0.2.25"]),
                "§2 SmartHosts brackets U",
            ),
            (
                Rule::HostSet,
                json!(["Smtp.Gateway.Example."]),
                json!(["smtp.gateway.example"]),
                "R-03 hosts case-insensitive",
            ),
            (
                Rule::HostSet,
                Json::Null,
                json!(""),
                "§1 TlsSenderCertificateName null when unset",
            ),
            (
                Rule::Word,
                json!("Partner"),
                json!("partner"),
                "R-01 ConnectorType",
            ),
            (Rule::Word, json!("Enabled"), json!("enabled"), "§3 State"),
            (Rule::Bool, json!(true), json!(true), "§1 booleans"),
            (
                Rule::Int,
                json!("-1"),
                json!(-1),
                "§3 SetSCL number or string U",
            ),
            (
                Rule::Text,
                json!(""),
                Json::Null,
                "R-02 Comment \"\" vs rule Comments null",
            ),
        ]
    }

    /// (rule, read back, written, why): each pair must compare different.
    fn different() -> Vec<(Rule, Json, Json, &'static str)> {
        vec![
            (
                Rule::IpSet,
                json!(["198.51.100.0/25"]),
                json!(["198.51.100.0/24"]),
                "another network",
            ),
            (
                Rule::IpSet,
                json!(["2001:db8::2"]),
                json!(["2001:db8::1/128"]),
                "another address",
            ),
            (
                Rule::Secret,
                json!("AbCdEf0123456789AbCdEf0123456789"),
                json!("abcdef0123456789abcdef0123456789"),
                "a rotation that differs only in case must be applied",
            ),
            (
                Rule::Text,
                json!("Managed by mailflowc"),
                json!("managed by mailflowc"),
                "R-03 free text exact",
            ),
            (
                Rule::Bool,
                json!(false),
                json!(true),
                "a connector disabled by hand",
            ),
            (
                Rule::Word,
                json!("Disabled"),
                json!("Enabled"),
                "a rule disabled by hand",
            ),
            (
                Rule::IpSet,
                json!(["192.0.2.0/24"]),
                json!(["192.0.2.0/25"]),
                "prefix length matters",
            ),
            (
                Rule::HostSet,
                json!(["a.example"]),
                json!(["a.example", "b.example"]),
                "a missing smart host",
            ),
        ]
    }

    #[test]
    fn read_back_forms_compare_equal_to_what_was_written() {
        for (rule, read, written, source) in same() {
            assert_eq!(
                canonical(rule, &read),
                canonical(rule, &written),
                "{rule:?} {read} vs {written} ({source})"
            );
        }
    }

    #[test]
    fn real_differences_are_seen() {
        for (rule, read, written, why) in different() {
            assert_ne!(
                canonical(rule, &read),
                canonical(rule, &written),
                "{rule:?} {read} vs {written}: {why}"
            );
        }
    }

    #[test]
    fn the_table_names_each_property_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (kind, property, _, source) in TABLE {
            assert!(seen.insert((kind, property)), "{kind}.{property} twice");
            assert!(!source.is_empty());
        }
    }
}
