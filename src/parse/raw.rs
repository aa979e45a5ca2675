//! The raw topology: types that mirror the TOML file one to one.
//!
//! Nothing here is validated beyond its TOML type, and every value keeps its
//! span so later stages can point at it. Defaults are in the document before
//! it is typed (`defaults.rs`): an optional field left out of the topology
//! holds its default, with a span into `defaults.toml`. Strings that carry addresses, domains or names stay
//! strings until `check` has judged them.

use serde::Deserialize;
use toml::Spanned;

/// A list in the file, each element with its own span.
pub type SpannedList = Spanned<Vec<Spanned<String>>>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopology {
    pub version: Spanned<i64>,
    pub organization: Spanned<RawOrganization>,
    pub gateway: Spanned<RawGateway>,
    #[serde(default)]
    pub inbound: Option<Spanned<RawInbound>>,
    #[serde(default)]
    pub outbound: Option<Spanned<RawOutbound>>,
    #[serde(default)]
    pub cisco: Option<Spanned<RawCisco>>,
    #[serde(default)]
    pub dns: Option<Spanned<RawDns>>,
    #[serde(default)]
    pub names: Option<Spanned<RawNames>>,
    #[serde(default)]
    pub diagnostics: Option<Spanned<RawDiagnostics>>,
}

/// What the topology's owner decided about mailflowc's own findings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiagnostics {
    /// Warning codes accepted for this topology: every command leaves them
    /// out, as `--allow` does for one call.
    #[serde(default)]
    pub allow: Option<SpannedList>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDns {
    /// TTL of the gateway MX records written at cutover.
    #[serde(default)]
    pub ttl: Option<Spanned<i64>>,
    /// TTL the Microsoft 365 MX is lowered to before cutover.
    #[serde(default)]
    pub precutover_ttl: Option<Spanned<i64>>,
    /// TTL the Microsoft 365 MX has today: how long to wait after lowering it.
    #[serde(default)]
    pub current_ttl: Option<Spanned<i64>>,
    /// Per domain, its SPF record today (what the outbound phase's record is
    /// composed from).
    #[serde(default)]
    pub spf_current: Option<Spanned<std::collections::BTreeMap<String, Spanned<String>>>>,
}

/// One MX record of the gateway.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMx {
    pub host: Spanned<String>,
    #[serde(default)]
    pub priority: Option<Spanned<i64>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrganization {
    pub name: Spanned<String>,
    pub tenant: Spanned<String>,
    pub domains: SpannedList,
    /// Accepted domains that send through the gateway but whose MX stays
    /// where it is: the relay guard binds the tenant's secret to them too.
    #[serde(default)]
    pub outbound_only_domains: Option<SpannedList>,
    /// Per-domain Microsoft 365 MX host, where it is not the usual
    /// `<domain-with-dashes>.mail.protection.outlook.com`.
    #[serde(default)]
    pub microsoft365_mx: Option<Spanned<std::collections::BTreeMap<String, Spanned<String>>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGateway {
    pub name: Spanned<String>,
    /// A vendor of the catalog: fills `egress` and `mx` when they are not given.
    #[serde(default)]
    pub vendor: Option<Spanned<String>>,
    #[serde(default)]
    pub region: Option<Spanned<String>>,
    #[serde(default)]
    pub egress: Option<SpannedList>,
    /// Entries of the catalog's egress list the topology leaves out.
    #[serde(default)]
    pub egress_exclude: Option<SpannedList>,
    /// The digest of the catalog lists this topology was reviewed against
    /// (`mailflowc vendors show`): a catalog that changed is refused.
    #[serde(default)]
    pub catalog_pin: Option<Spanned<String>>,
    #[serde(default)]
    pub tls_certificate: Option<Spanned<String>>,
    /// The gateway's inbound MX records.
    #[serde(default)]
    pub mx: Option<Spanned<Vec<Spanned<RawMx>>>>,
    /// The domain the gateway ARC-seals with (the `d=` of its ARC-Seal),
    /// added to Exchange Online's trusted ARC sealers.
    #[serde(default)]
    pub arc_sealer: Option<Spanned<String>>,
    /// Whether the gateway changes messages (rewrites links, adds banners);
    /// unset, what the catalog says of the vendor.
    #[serde(default)]
    pub modifies_messages: Option<Spanned<bool>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInbound {
    /// Whether inbound mail goes through the gateway (its MX); `false` keeps
    /// MX on Microsoft 365 and uses the gateway for outbound mail only.
    #[serde(default)]
    pub through_gateway: Option<Spanned<bool>>,
    #[serde(default)]
    pub enhanced_filtering: Option<Spanned<RawEnhancedFiltering>>,
    #[serde(default)]
    pub allow_list: Option<Spanned<bool>>,
    #[serde(default)]
    pub spf_hard_fail_off: Option<Spanned<bool>>,
    #[serde(default)]
    pub lockdown: Option<Spanned<bool>>,
    #[serde(default)]
    pub lockdown_by: Option<Spanned<LockdownBy>>,
    /// Whether the lock-down also covers the tenant's onmicrosoft.com domain.
    #[serde(default)]
    pub lockdown_onmicrosoft: Option<Spanned<bool>>,
    #[serde(default)]
    pub reject_direct_send: Option<Spanned<bool>>,
    #[serde(default)]
    pub scl_bypass_rule: Option<Spanned<bool>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnhancedFiltering {
    pub mode: Spanned<EfMode>,
    #[serde(default)]
    pub skip_ips: Option<SpannedList>,
    #[serde(default)]
    pub pilot_recipients: Option<SpannedList>,
}

/// How Enhanced Filtering for Connectors finds the real sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EfMode {
    /// Enhanced Filtering disabled on the connector.
    Off,
    /// `EFSkipLastIP $true`: skip the last hop, whatever it is.
    SkipLastIp,
    /// `EFSkipIPs`: skip the listed hops.
    SkipListed,
}

/// What the lock-down connector checks to decide mail came through the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockdownBy {
    /// `RestrictDomainsToIPAddresses` with the gateway's egress addresses.
    IpAddresses,
    /// `RestrictDomainsToCertificate` with the gateway's certificate name.
    Certificate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNames {
    #[serde(default)]
    pub inbound_connector: Option<Spanned<String>>,
    #[serde(default)]
    pub lockdown_connector: Option<Spanned<String>>,
    #[serde(default)]
    pub scl_bypass_rule: Option<Spanned<String>>,
    #[serde(default)]
    pub outbound_connector: Option<Spanned<String>>,
    #[serde(default)]
    pub outbound_rule: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutbound {
    /// Route outbound mail through the gateway; default true when `[outbound]` is present.
    #[serde(default)]
    pub through_gateway: Option<Spanned<bool>>,
    #[serde(default)]
    pub smart_hosts: Option<SpannedList>,
    #[serde(default)]
    pub tls: Option<Spanned<OutboundTls>>,
    #[serde(default)]
    pub tls_domain: Option<Spanned<String>>,
    #[serde(default)]
    pub secret_header: Option<Spanned<RawSecretHeader>>,
}

/// `TlsSettings` of the outbound connector (exchange-facts F-OUT-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutboundTls {
    EncryptionOnly,
    CertificateValidation,
    DomainValidation,
}

impl OutboundTls {
    /// The value Exchange's `TlsSettings` takes.
    pub fn exchange_value(self) -> &'static str {
        match self {
            OutboundTls::EncryptionOnly => "EncryptionOnly",
            OutboundTls::CertificateValidation => "CertificateValidation",
            OutboundTls::DomainValidation => "DomainValidation",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecretHeader {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// Where the value lives: `env:NAME` or `file:PATH` (relative to the topology).
    #[serde(default)]
    pub value_from: Option<Spanned<String>>,
    /// SHA-256 of the value, hex: what committed output shows instead of it.
    #[serde(default)]
    pub sha256: Option<Spanned<String>>,
    /// The secret being rotated out: still accepted by the gateway until removed.
    #[serde(default)]
    pub previous_value_from: Option<Spanned<String>>,
    #[serde(default)]
    pub previous_sha256: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCisco {
    #[serde(default)]
    pub relay_sender_group: Option<Spanned<String>>,
    #[serde(default)]
    pub filter_name: Option<Spanned<String>>,
    #[serde(default)]
    pub inbound_listener: Option<Spanned<String>>,
    #[serde(default)]
    pub outbound_listener: Option<Spanned<String>>,
    #[serde(default)]
    pub appliance: Option<Spanned<String>>,
    /// What the relay guard does with a tenant's secret on mail whose
    /// envelope sender is outside the tenant's domains.
    #[serde(default)]
    pub sender_check: Option<Spanned<SenderCheck>>,
    #[serde(default)]
    pub destination_controls: Option<Spanned<RawDestinationControls>>,
}

/// The relay guard's check of the envelope sender against the domains of
/// the tenant whose secret a message carries: `log` lets a mismatch through
/// and logs it (the first stage), `enforce` logs it and drops the message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SenderCheck {
    #[default]
    Log,
    Enforce,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDestinationControls {
    #[serde(default)]
    pub max_concurrency: Option<Spanned<i64>>,
    #[serde(default)]
    pub max_messages_per_connection: Option<Spanned<i64>>,
    #[serde(default)]
    pub tls: Option<Spanned<DestinationTls>>,
}

/// TLS towards Microsoft 365 in the gateway's destination controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DestinationTls {
    Preferred,
    Required,
}

/// The values in force. Defaults are already in the document (`defaults.rs`
/// lays `defaults.toml` under it before typing), so these read values only;
/// an inbound option reads as off while inbound mail stays on Microsoft 365.
impl RawTopology {
    /// The catalog vendor and region the gateway names, if both are known.
    pub fn vendor_selection(&self) -> Option<crate::catalog::Selection> {
        let gateway = self.gateway.get_ref();
        crate::catalog::select(
            gateway.vendor.as_ref()?.get_ref(),
            gateway.region.as_ref().map(|r| r.get_ref().as_str()),
        )
    }

    pub fn ef(&self) -> Option<&RawEnhancedFiltering> {
        self.inbound
            .as_ref()
            .and_then(|i| i.get_ref().enhanced_filtering.as_ref())
            .map(|ef| ef.get_ref())
    }

    /// Enhanced Filtering mode; off while inbound mail stays on Microsoft 365.
    pub fn ef_mode(&self) -> EfMode {
        match self.ef() {
            Some(ef) if self.inbound_through_gateway() => *ef.mode.get_ref(),
            _ => EfMode::Off,
        }
    }

    fn inbound_flag(&self, pick: impl Fn(&RawInbound) -> Option<&Spanned<bool>>) -> bool {
        // Inbound options mean nothing while inbound mail stays on Microsoft 365.
        self.inbound_through_gateway()
            && self
                .inbound
                .as_ref()
                .and_then(|i| pick(i.get_ref()))
                .is_some_and(|b| *b.get_ref())
    }

    /// Connection-filter allow list.
    pub fn allow_list(&self) -> bool {
        self.inbound_flag(|i| i.allow_list.as_ref())
    }

    /// SPF hard fail off.
    pub fn spf_hard_fail_off(&self) -> bool {
        self.inbound_flag(|i| i.spf_hard_fail_off.as_ref())
    }

    /// Lock-down connector.
    pub fn lockdown(&self) -> bool {
        self.inbound_flag(|i| i.lockdown.as_ref())
    }

    /// What the lock-down checks (the gateway's addresses when unset, which
    /// only happens while inbound mail stays on Microsoft 365).
    pub fn lockdown_by(&self) -> LockdownBy {
        self.inbound
            .as_ref()
            .and_then(|i| i.get_ref().lockdown_by.as_ref())
            .map_or(LockdownBy::IpAddresses, |b| *b.get_ref())
    }

    /// Whether the lock-down connector also covers the tenant's
    /// onmicrosoft.com domain (its MX is Microsoft's for good).
    pub fn lockdown_onmicrosoft(&self) -> bool {
        self.inbound_flag(|i| i.lockdown_onmicrosoft.as_ref())
    }

    /// `Set-OrganizationConfig -RejectDirectSend $true`, after the cutover.
    pub fn reject_direct_send(&self) -> bool {
        self.inbound_flag(|i| i.reject_direct_send.as_ref())
    }

    /// Whether the gateway changes messages: as written, or what the
    /// catalog records of its vendor.
    pub fn modifies_messages(&self) -> bool {
        match &self.gateway.get_ref().modifies_messages {
            Some(flag) => *flag.get_ref(),
            None => self
                .vendor_selection()
                .is_some_and(|s| s.vendor.modifies.is_some()),
        }
    }

    /// The gateway's ARC sealer domain, trimmed, lowercase, without a
    /// trailing dot; none while inbound mail stays on Microsoft 365.
    pub fn arc_sealer(&self) -> Option<String> {
        if !self.inbound_through_gateway() {
            return None;
        }
        self.gateway
            .get_ref()
            .arc_sealer
            .as_ref()
            .map(|s| crate::knowledge::hosts::normalize_host(s.get_ref()))
    }

    /// SCL -1 bypass rule.
    pub fn scl_bypass_rule(&self) -> bool {
        self.inbound_flag(|i| i.scl_bypass_rule.as_ref())
    }

    /// `organization.domains`, trimmed and lowercase, in file order.
    pub fn normalized_domains(&self) -> Vec<String> {
        self.organization
            .get_ref()
            .domains
            .get_ref()
            .iter()
            .map(|d| d.get_ref().trim().to_ascii_lowercase())
            .collect()
    }

    pub fn names(&self) -> Option<&RawNames> {
        self.names.as_ref().map(|n| n.get_ref())
    }

    pub fn outbound(&self) -> Option<&RawOutbound> {
        self.outbound.as_ref().map(|o| o.get_ref())
    }

    /// Whether inbound mail goes through the gateway.
    pub fn inbound_through_gateway(&self) -> bool {
        self.inbound
            .as_ref()
            .and_then(|i| i.get_ref().through_gateway.as_ref())
            .is_some_and(|t| *t.get_ref())
    }

    /// Whether outbound mail goes through the gateway: `[outbound]` present
    /// and `through_gateway` true.
    pub fn outbound_through_gateway(&self) -> bool {
        self.outbound()
            .is_some_and(|o| o.through_gateway.as_ref().is_some_and(|t| *t.get_ref()))
    }

    /// Outbound TLS (`[outbound]` present).
    pub fn outbound_tls(&self) -> Option<OutboundTls> {
        self.outbound()
            .and_then(|o| o.tls.as_ref())
            .map(|t| *t.get_ref())
    }

    pub fn secret_header(&self) -> Option<&RawSecretHeader> {
        self.outbound()
            .and_then(|o| o.secret_header.as_ref())
            .map(|s| s.get_ref())
    }

    /// The secret header's field name (`[outbound.secret_header]` present).
    pub fn secret_header_name(&self) -> Option<String> {
        self.secret_header()
            .and_then(|s| s.name.as_ref())
            .map(|n| n.get_ref().trim().to_owned())
    }

    pub fn dns(&self) -> Option<&RawDns> {
        self.dns.as_ref().map(|d| d.get_ref())
    }

    pub fn cisco(&self) -> Option<&RawCisco> {
        self.cisco.as_ref().map(|c| c.get_ref())
    }
}
