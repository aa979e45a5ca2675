//! The tenant export, read once into types at the edge (STYLE 12).
//!
//! `exchange/verify.ps1 -ExportPath` writes JSON of the format
//! `mailflowc-tenant-export` (version 1): an object with `format`,
//! `version`, `tenant`, and one member per cmdlet noun ([`Noun`]) holding
//! what `Get-<noun> | ConvertTo-Json -Depth 4` printed. Everything that
//! reads an export (drift, audit, import) reads a [`TenantExport`], never
//! the JSON, so the shapes Exchange and PowerShell produce are handled here
//! and only here (shared/reference/exchange-readback.md):
//!
//! - a UTF-8 byte-order mark, which Windows PowerShell writes, is dropped;
//! - member and property names match case-insensitively;
//! - a member holds an array, or one object when the cmdlet returned one
//!   `null`, `[]` and `[null]` are no objects;
//! - a name is trimmed (§1 Name, §9.3: identifiers are trimmed and compared
//!   case-insensitively): ` Gateway ` and `Gateway` are one object for
//!   every command;
//! - the MX records are indexed by their normalised domain once.
//!
//! Property values stay JSON: drift compares them generically through the
//! read-back rules ([`super::readback`]), which take JSON.

use crate::diagnostics::untrusted::{self, Untrusted};
use crate::exchange::readback::{canonical, Rule};
use crate::knowledge::hosts;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// The `format` an export carries.
pub const EXPORT_FORMAT: &str = "mailflowc-tenant-export";

/// The largest export read: a big tenant's runs to a few MiB (hundreds of
/// connectors and rules), and anything bigger is refused whole rather than
/// parsed cut short. Said in the README (drift).
pub const MAX_EXPORT_BYTES: usize = 16 << 20;

/// The cmdlet nouns an export holds, one member each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Noun {
    InboundConnector,
    OutboundConnector,
    TransportRule,
    HostedConnectionFilterPolicy,
    HostedContentFilterPolicy,
    /// Only `Name` and `RejectDirectSend`.
    OrganizationConfig,
    /// Only `ArcTrustedSealers`.
    ArcConfig,
    /// Read by audit and import only.
    AcceptedDomain,
    /// Not a cmdlet's: verify.ps1's `Resolve-DnsName` of each accepted
    /// domain (`Domain`, `Exchanges`, `Error`). Read by audit and import.
    MxRecord,
}

impl Noun {
    pub const ALL: [Noun; 9] = [
        Noun::InboundConnector,
        Noun::OutboundConnector,
        Noun::TransportRule,
        Noun::HostedConnectionFilterPolicy,
        Noun::HostedContentFilterPolicy,
        Noun::OrganizationConfig,
        Noun::ArcConfig,
        Noun::AcceptedDomain,
        Noun::MxRecord,
    ];

    /// The member's name in the export (the cmdlet noun).
    pub const fn name(self) -> &'static str {
        match self {
            Noun::InboundConnector => "InboundConnector",
            Noun::OutboundConnector => "OutboundConnector",
            Noun::TransportRule => "TransportRule",
            Noun::HostedConnectionFilterPolicy => "HostedConnectionFilterPolicy",
            Noun::HostedContentFilterPolicy => "HostedContentFilterPolicy",
            Noun::OrganizationConfig => "OrganizationConfig",
            Noun::ArcConfig => "ArcConfig",
            Noun::AcceptedDomain => "AcceptedDomain",
            Noun::MxRecord => "MxRecord",
        }
    }

    /// The noun of a desired-state object's kind, which is the noun's name.
    pub fn of_kind(kind: &str) -> Option<Noun> {
        Noun::ALL
            .into_iter()
            .find(|n| n.name().eq_ignore_ascii_case(kind))
    }
}

impl std::fmt::Display for Noun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a text is not a tenant export.
#[derive(Debug)]
pub enum ExportError {
    /// Not JSON; serde's message carries the line and column.
    Json(serde_json::Error),
    /// JSON, but not of the `mailflowc-tenant-export` format.
    NotExport,
}

impl ExportError {
    /// The error about the file `file` (shown escaped), as a command prints it.
    pub fn about(&self, file: &str) -> String {
        let file = untrusted::escape(file);
        match self {
            ExportError::Json(error) => format!("`{file}` is not JSON: {error}"),
            ExportError::NotExport => format!("`{file}`: {self}"),
        }
    }
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Json(error) => write!(f, "not JSON: {error}"),
            ExportError::NotExport => write!(
                f,
                "not a tenant export (expected `format = {EXPORT_FORMAT}`, as `verify.ps1 -ExportPath` writes)"
            ),
        }
    }
}

/// An export from the bytes a command read of it (at most one more than
/// [`MAX_EXPORT_BYTES`], so a bigger one is told apart): its text,
/// byte-order mark dropped, for locating findings, and its typed form.
/// `shown` names it, escaped. `Err` is the message a command prints. The
/// provider reads no file: the command reads the bytes
/// (`commands::export`).
pub fn from_bytes(bytes: Vec<u8>, shown: &str) -> Result<(String, TenantExport), String> {
    if bytes.len() > MAX_EXPORT_BYTES {
        return Err(format!(
            "`{shown}` is larger than {} MiB, the most a tenant export may be: it is not read",
            MAX_EXPORT_BYTES >> 20
        ));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(format!("cannot read `{shown}`: not UTF-8 text"));
    };
    let text = text.trim_start_matches('\u{feff}').to_owned();
    match TenantExport::parse(&text) {
        Ok(export) => Ok((text, export)),
        Err(error) => Err(error.about(shown)),
    }
}

/// A JSON value as one line of text, trimmed: strings as they are, numbers
/// and booleans as JSON writes them, anything else empty.
fn scalar(value: Option<&Json>) -> String {
    match value {
        Some(Json::String(s)) => s.trim().to_owned(),
        Some(Json::Number(n)) => n.to_string(),
        Some(Json::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A JSON object's members by lowercase name. Of two names that
/// differ only in case, the first kept, as a case-insensitive lookup in
/// the object's order finds it.
fn members(object: &serde_json::Map<String, Json>) -> BTreeMap<String, Json> {
    let mut out = BTreeMap::new();
    for (key, value) in object {
        out.entry(key.to_ascii_lowercase())
            .or_insert_with(|| value.clone());
    }
    out
}

/// Properties that hold a secret's SHA-256 in an export, never the secret:
/// a value that is not a digest is a secret an older verify.ps1 wrote as it
/// is, dropped when the export is read so that no command can print it.
const DIGEST_PROPERTIES: &[&str] = &["setheadervalue"];

/// Whether `text` is a SHA-256 digest in hex (either case), as verify.ps1
/// writes `SetHeaderValue`.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a command says in place of a cleartext secret in an export.
pub const CLEARTEXT: &str = "a cleartext value, not its SHA-256 (not shown): the export was written by an older exchange/verify.ps1; export again with the current one (-ExportPath) and keep the old export out of tickets and logs";

/// One object of the export: its name, trimmed, and its properties,
/// looked up case-insensitively.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportObject {
    name: String,
    properties: BTreeMap<String, Json>,
    /// Digest properties (lowercase) that held a cleartext value, dropped.
    cleartext: BTreeSet<String>,
}

impl ExportObject {
    fn new(object: &serde_json::Map<String, Json>) -> Self {
        let mut properties = members(object);
        let mut cleartext = BTreeSet::new();
        for property in DIGEST_PROPERTIES {
            let value = scalar(properties.get(*property));
            if !value.is_empty() && !is_sha256_hex(&value) {
                properties.remove(*property);
                cleartext.insert((*property).to_owned());
            }
        }
        ExportObject {
            name: scalar(properties.get("name")),
            properties,
            cleartext,
        }
    }

    /// Whether the export held `property` as a cleartext secret (dropped:
    /// [`ExportObject::get`] finds nothing) instead of its SHA-256.
    pub fn holds_cleartext(&self, property: &str) -> bool {
        self.cleartext.contains(&property.to_ascii_lowercase())
    }

    /// The name, trimmed (exchange-readback §1, §9.3): compare it
    /// case-insensitively.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this object's name is `name`, as Exchange compares names.
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.trim())
    }

    /// A property's value as the export holds it.
    pub fn get(&self, property: &str) -> Option<&Json> {
        self.properties.get(&property.to_ascii_lowercase())
    }

    /// A property as one trimmed text (empty when unset or not a scalar).
    pub fn text(&self, property: &str) -> String {
        scalar(self.get(property))
    }

    /// A host or domain property, normalised (`knowledge::hosts`).
    pub fn host(&self, property: &str) -> String {
        hosts::normalize_host(&self.text(property))
    }

    /// A property's entries as texts: each of an array, or the one value.
    pub fn texts(&self, property: &str) -> Vec<String> {
        match self.get(property) {
            Some(Json::Array(items)) => items.iter().map(|i| scalar(Some(i))).collect(),
            other => vec![scalar(other)],
        }
    }

    /// A property under a read-back rule: its canonical text.
    pub fn canonical(&self, property: &str, rule: Rule) -> String {
        canonical(rule, self.get(property).unwrap_or(&Json::Null))
    }

    /// A set property's canonical entries.
    pub fn list(&self, property: &str, rule: Rule) -> Vec<String> {
        self.canonical(property, rule)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// True unless the property says `false`: an object whose export lacks
    /// the property is taken as if it acted.
    pub fn on(&self, property: &str) -> bool {
        self.canonical(property, Rule::Bool) != "false"
    }

    /// True only when the property says `true`.
    pub fn is(&self, property: &str) -> bool {
        self.canonical(property, Rule::Bool) == "true"
    }

    /// The object's comment texts as they are (`Comment` on connectors,
    /// `Comments` on transport rules), where mailflowc's ownership marker is.
    pub fn comments(&self) -> impl Iterator<Item = &str> {
        ["comment", "comments"]
            .into_iter()
            .filter_map(|p| self.properties.get(p).and_then(Json::as_str))
    }

    /// A transport rule's `SetHeaderValue`: what the export holds in place
    /// of the value, its SHA-256, lowercase; empty when unset. `Err` when
    /// the export held the value itself (never returned: [`CLEARTEXT`]).
    pub fn set_header_value(&self) -> Result<String, &'static str> {
        if self.holds_cleartext("SetHeaderValue") {
            return Err(CLEARTEXT);
        }
        Ok(self.text("SetHeaderValue").to_ascii_lowercase())
    }
}

/// A tenant export, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantExport {
    /// The tenant the export says it is of, trimmed.
    pub tenant: String,
    /// The nouns the export has a member for (even an empty one): an export
    /// without one was written by an older verify.ps1.
    present: BTreeSet<Noun>,
    objects: BTreeMap<Noun, Vec<ExportObject>>,
    /// Normalised domain → its first `MxRecord`, built once.
    mx: BTreeMap<String, usize>,
}

impl TenantExport {
    /// Parses an export's text (a byte-order mark allowed).
    pub fn parse(text: &str) -> Result<Self, ExportError> {
        let json: Json =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(ExportError::Json)?;
        TenantExport::from_json(&json)
    }

    /// Reads an export already parsed as JSON.
    pub fn from_json(json: &Json) -> Result<Self, ExportError> {
        let top = match json {
            Json::Object(top) => members(top),
            _ => return Err(ExportError::NotExport),
        };
        if scalar(top.get("format")) != EXPORT_FORMAT {
            return Err(ExportError::NotExport);
        }
        let mut present = BTreeSet::new();
        let mut objects = BTreeMap::new();
        for noun in Noun::ALL {
            let Some(member) = top.get(&noun.name().to_ascii_lowercase()) else {
                continue;
            };
            present.insert(noun);
            // One object when the cmdlet returned one; `null` and
            // `[null]` are none.
            let list: Vec<ExportObject> = match member {
                Json::Array(items) => items
                    .iter()
                    .filter_map(Json::as_object)
                    .map(ExportObject::new)
                    .collect(),
                Json::Object(one) => vec![ExportObject::new(one)],
                _ => Vec::new(),
            };
            objects.insert(noun, list);
        }
        let mut mx = BTreeMap::new();
        for (at, record) in objects
            .get(&Noun::MxRecord)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            mx.entry(record.host("Domain")).or_insert(at);
        }
        Ok(TenantExport {
            tenant: scalar(top.get("tenant")),
            present,
            objects,
            mx,
        })
    }

    /// Refuses an export of another tenant than `topology_tenant` (the
    /// topology's `organization.tenant`): the one check every command that
    /// takes a topology and an export makes before comparing them. Tenants
    /// are domains: compared trimmed, without a final dot, case-insensitively.
    pub fn check_tenant(&self, topology_tenant: &str) -> Result<(), String> {
        if hosts::normalize_host(&self.tenant) == hosts::normalize_host(topology_tenant) {
            Ok(())
        } else {
            Err(format!(
                "the export is of `{}`, the topology's tenant is `{}`",
                Untrusted(&self.tenant),
                Untrusted(topology_tenant)
            ))
        }
    }

    /// Whether the export has a member for `noun`.
    pub fn has(&self, noun: Noun) -> bool {
        self.present.contains(&noun)
    }

    /// The nouns of `required` the export has no member for.
    pub fn lacking(&self, required: &[Noun]) -> Vec<Noun> {
        required.iter().copied().filter(|n| !self.has(*n)).collect()
    }

    /// The objects of one noun, in the export's order.
    pub fn objects(&self, noun: Noun) -> &[ExportObject] {
        self.objects
            .get(&noun)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The first object of `noun` named `name` (trimmed, case-insensitive).
    pub fn named(&self, noun: Noun, name: &str) -> Option<&ExportObject> {
        self.objects(noun).iter().find(|o| o.is_named(name))
    }

    pub fn inbound_connectors(&self) -> &[ExportObject] {
        self.objects(Noun::InboundConnector)
    }

    pub fn outbound_connectors(&self) -> &[ExportObject] {
        self.objects(Noun::OutboundConnector)
    }

    pub fn transport_rules(&self) -> &[ExportObject] {
        self.objects(Noun::TransportRule)
    }

    pub fn accepted_domains(&self) -> &[ExportObject] {
        self.objects(Noun::AcceptedDomain)
    }

    pub fn mx_records(&self) -> &[ExportObject] {
        self.objects(Noun::MxRecord)
    }

    /// The one organization configuration (Get-OrganizationConfig returns one).
    pub fn organization_config(&self) -> Option<&ExportObject> {
        self.objects(Noun::OrganizationConfig).first()
    }

    /// The one ARC configuration.
    pub fn arc_config(&self) -> Option<&ExportObject> {
        self.objects(Noun::ArcConfig).first()
    }

    /// The MX lookup of a domain (normalised as `knowledge::hosts` does),
    /// the first the export holds for it.
    pub fn mx_of(&self, domain: &str) -> Option<&ExportObject> {
        let at = *self.mx.get(&hosts::normalize_host(domain))?;
        self.mx_records().get(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(text: &str) -> TenantExport {
        TenantExport::parse(text).unwrap()
    }

    #[test]
    fn shapes_are_read_as_exchange_and_powershell_write_them() {
        let e = export(
            "\u{feff}{\"FORMAT\": \"mailflowc-tenant-export\", \"Tenant\": \" contoso.onmicrosoft.com \",
              \"inboundconnector\": {\"name\": \"  Gateway \", \"ENABLED\": true},
              \"TransportRule\": [null],
              \"OutboundConnector\": null,
              \"MxRecord\": [{\"Domain\": \"Contoso.com.\", \"Exchanges\": [\"a\"]},
                             {\"Domain\": \"contoso.com\", \"Exchanges\": [\"b\"]}]}",
        );
        assert_eq!(e.tenant, "contoso.onmicrosoft.com");
        assert_eq!(e.inbound_connectors().len(), 1);
        let gateway = &e.inbound_connectors()[0];
        assert_eq!(gateway.name(), "Gateway");
        assert!(gateway.is_named("gateway"));
        assert!(gateway.is("Enabled"));
        assert!(e.transport_rules().is_empty() && e.has(Noun::TransportRule));
        assert!(e.outbound_connectors().is_empty() && e.has(Noun::OutboundConnector));
        assert!(!e.has(Noun::ArcConfig));
        let mx = e.mx_of("CONTOSO.COM").unwrap();
        assert_eq!(mx.list("Exchanges", Rule::HostSet), vec!["a"]);
    }

    #[test]
    fn a_malformed_export_is_one_error_with_its_line_and_column() {
        let error = TenantExport::parse("{\n  \"format\": \n}").unwrap_err();
        assert!(error.to_string().contains("line 3 column 1"), "{error}");
        assert!(matches!(
            TenantExport::parse("[]"),
            Err(ExportError::NotExport)
        ));
    }
}
