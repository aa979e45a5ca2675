//! `mailflowc schema`: a JSON Schema (draft-07) of topology v1 for editors
//! (taplo, Even Better TOML), generated from the same table the parser
//! walks ([`super::schema::TABLES`]), so the two cannot disagree.
//!
//! A file with `extends` omits what its base supplies, so nothing is
//! required in it: the key tree carries every description and every kind,
//! and a second tree under `if`/`then` adds the required keys only for a
//! file without `extends`. Semantic rules (address ranges, name lengths,
//! TTL bounds) stay with `mailflowc check`. A shared base has no
//! `extends` and holds only some tables: `--partial` gives the schema for
//! such files, with nothing required.

use super::schema::{Key, Kind, TABLES};
use serde_json::{json, Map, Value};

/// What each key means, from the topology reference in README.md. A default
/// is not restated here: the schema takes it from the defaults table.
pub const DOCS: &[(&str, &str)] = &[
    ("version", "The topology format version; this mailflowc reads 1."),
    ("extends", "A base topology this file is laid over (path relative to this file): its tables merge key by key, any other value here replaces the base's. For MSPs: one gateway, many tenants."),
    ("organization", "The Microsoft 365 organization."),
    ("organization.name", "The organization's display name."),
    ("organization.tenant", "The tenant's initial domain, NAME.onmicrosoft.com."),
    ("organization.domains", "Accepted domains whose MX moves to the gateway."),
    ("organization.outbound_only_domains", "Other accepted domains that send through the gateway, their MX left where it is; the relay guard accepts the tenant's secret from these senders too."),
    ("organization.microsoft365_mx", "Per domain, the Microsoft 365 MX host when it is not <domain-with-dashes>.mail.protection.outlook.com (Get-AcceptedDomain's ExpectedMxRecord, or the admin center)."),
    ("gateway", "The secure email gateway in front of Microsoft 365."),
    ("gateway.name", "The gateway's display name."),
    ("gateway.vendor", "A catalog vendor (`mailflowc vendors`): cloudflare, trend-micro, hornetsecurity, cisco-etd, cisco, mimecast, proofpoint-essentials, barracuda, sophos. It fills egress and MX where it publishes them."),
    ("gateway.region", "The vendor's region; default: the vendor's default region."),
    ("gateway.egress", "Addresses the gateway delivers to Microsoft 365 from: IPv4/IPv6 addresses and CIDR prefixes. Given here, they override the catalog."),
    ("gateway.egress_exclude", "Entries of the catalog's egress list to leave out (each exactly as `mailflowc vendors show` lists it); only with a catalog vendor and no `egress`."),
    ("gateway.catalog_pin", "The digest of the catalog's lists this topology was reviewed against (`mailflowc vendors show` prints it): a mailflowc whose catalog lists differ refuses the topology until the pin is updated."),
    ("gateway.tls_certificate", "The certificate subject the gateway presents (for certificate lock-down)."),
    ("gateway.mx", "The gateway's MX hosts; given here, they override the catalog."),
    ("gateway.arc_sealer", "The domain the gateway ARC-seals messages with: the d= tag of the ARC-Seal header it adds. Added to Exchange Online's trusted ARC sealers (Set-ArcConfig), keeping the tenant's other sealers."),
    ("gateway.modifies_messages", "Whether the gateway changes messages on their way in (rewrites links, adds banners), which breaks DKIM. Unset: what the catalog records of the vendor."),
    ("gateway.mx.host", "An MX host name of the gateway."),
    ("gateway.mx.priority", "The MX preference."),
    ("dns", "TTLs of the MX phases."),
    ("dns.ttl", "TTL of the gateway MX once stabilized, in seconds (at most a week)."),
    ("dns.precutover_ttl", "The TTL the Microsoft 365 MX is lowered to before cutover (at most 300)."),
    ("dns.current_ttl", "The Microsoft 365 MX's TTL today: how long to wait after lowering it."),
    ("dns.spf_current", "Per routed domain, its SPF record today (the whole v=spf1 TXT text): with [outbound], the build writes the record with the gateway's addresses added (dns/<domain>/spf.zone, dns/octodns/spf/)."),
    ("inbound", "Inbound mail: the gateway delivers to Exchange Online."),
    ("inbound.through_gateway", "false: MX stays on Microsoft 365 and the gateway relays outbound mail only (no other inbound option then)."),
    ("inbound.enhanced_filtering", "Enhanced Filtering for Connectors on the inbound connector."),
    ("inbound.enhanced_filtering.mode", "off, skip-last-ip (default when the table is absent) or skip-listed."),
    ("inbound.enhanced_filtering.skip_ips", "Only with skip-listed: the IPv4 addresses to skip; default: the gateway's IPv4 egress."),
    ("inbound.enhanced_filtering.pilot_recipients", "Pilot Enhanced Filtering on these recipients only (EFUsers)."),
    ("inbound.allow_list", "Add the gateway's egress to the connection-filter allow list."),
    ("inbound.spf_hard_fail_off", "SPF hard fail is not marked as spam."),
    ("inbound.lockdown", "Generate the lock-down connector that refuses mail not coming through the gateway."),
    ("inbound.lockdown_by", "How the lock-down connector recognizes the gateway: ip-addresses or certificate (needs gateway.tls_certificate)."),
    ("inbound.lockdown_onmicrosoft", "The lock-down connector also covers the tenant's onmicrosoft.com domain, whose MX is Microsoft's: mail to addresses there from outside is rejected unless it comes through the gateway. false keeps the lock-down to the routed domains (set it for hybrid)."),
    ("inbound.reject_direct_send", "Reject Direct Send after the cutover: Exchange Online refuses anonymous mail from your own domains that matches no inbound connector (breaks devices and apps that send that way). Unset, it takes the value of lockdown."),
    ("inbound.scl_bypass_rule", "An opt-in SCL -1 transport rule, only with Enhanced Filtering off."),
    ("outbound", "Present: outbound mail goes through the gateway."),
    ("outbound.through_gateway", "Route outbound mail through the gateway (with the table present)."),
    ("outbound.smart_hosts", "Required: the gateway's outgoing listener, as host names, IPv4 addresses or CIDR prefixes."),
    ("outbound.tls", "certificate-validation, encryption-only or domain-validation."),
    ("outbound.tls_domain", "Only with domain-validation: the certificate domain the smart hosts must present."),
    ("outbound.secret_header", "The header a mail flow rule stamps, which the gateway checks so it is no open relay: required with [outbound] for Cisco or a gateway outside the catalog; for a catalog vendor that checks no header, leave it out (it would leave with every message)."),
    ("outbound.secret_header.name", "The header's name."),
    ("outbound.secret_header.value_from", "Where the secret is read: env:NAME or file:PATH (relative to this file). Never the value itself."),
    ("outbound.secret_header.sha256", "The secret's SHA-256, 64 hex digits (printf %s \"$S\" | sha256sum)."),
    ("outbound.secret_header.previous_value_from", "While rotating: where the old secret is read; the gateway accepts both until these lines are removed."),
    ("outbound.secret_header.previous_sha256", "While rotating: the old secret's SHA-256."),
    ("cisco", "Cisco Secure Email (AsyncOS) names; only with vendor cisco or no vendor."),
    ("cisco.relay_sender_group", "The sender group relaying Microsoft 365's outbound mail; never RELAYLIST."),
    ("cisco.filter_name", "The relay guard message filter's name."),
    ("cisco.inbound_listener", "The listener receiving mail from the internet."),
    ("cisco.outbound_listener", "The listener Microsoft 365 relays to; must differ from inbound_listener."),
    ("cisco.appliance", "A label for a Cisco gateway that several tenants of a fleet share: a fleet build writes one relay guard for all of them, in generated/_appliances/<label>/."),
    ("cisco.sender_check", "log or enforce: what the relay guard does with mail whose secret is this tenant's but whose envelope sender is outside its domains; log lets it through and logs it, enforce logs and drops it."),
    ("cisco.destination_controls", "Destination controls towards Microsoft 365, per routed domain."),
    ("cisco.destination_controls.max_concurrency", "Concurrent connections, as Cisco's Microsoft 365 guide sets them."),
    ("cisco.destination_controls.max_messages_per_connection", "Messages per connection."),
    ("cisco.destination_controls.tls", "required or preferred."),
    ("names", "Exchange object names (at most 64 characters each)."),
    ("names.inbound_connector", "The inbound connector's name."),
    ("names.lockdown_connector", "The lock-down connector's name."),
    ("names.scl_bypass_rule", "The SCL -1 bypass rule's name."),
    ("names.outbound_connector", "The outbound connector's name."),
    ("names.outbound_rule", "The outbound routing rule's name."),
    ("diagnostics", "What the topology's owner decided about mailflowc's findings."),
    ("diagnostics.allow", "Warning codes accepted for this topology: every command leaves them out, as --allow does for one call."),
];

/// The description of the key at `path` (`table.key`).
pub fn doc(path: &str) -> Option<&'static str> {
    DOCS.iter().find(|(p, _)| *p == path).map(|(_, d)| *d)
}

/// The default of the key at `path`, from the defaults table.
fn default_of(path: &str) -> Option<Value> {
    super::defaults::listed()
        .into_iter()
        .find(|(p, _)| p == path)
        .and_then(|(_, v)| serde_json::to_value(v).ok())
}

fn join(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_owned()
    } else {
        format!("{table}.{key}")
    }
}

fn definition_name(path: &str) -> String {
    if path.is_empty() {
        "topology".to_owned()
    } else {
        path.to_owned()
    }
}

/// The schema of one key's value.
fn value_schema(key: &Key, path: &str) -> Value {
    let reference = || json!({ "$ref": format!("#/definitions/{}", definition_name(path)) });
    let mut value = match key.kind {
        Kind::Int => json!({ "type": "integer" }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Str => json!({ "type": "string" }),
        Kind::Enum(words) => json!({ "type": "string", "enum": words }),
        Kind::StrList => json!({ "type": "array", "items": { "type": "string" } }),
        Kind::TableList => json!({ "type": "array", "items": reference() }),
        // An SPF record starts with its version (RFC 7208, 4.5; the check
        // says the rest, MF0605).
        Kind::StrMap if key.name == "spf_current" => json!({
            "type": "object",
            "additionalProperties": { "type": "string", "pattern": "^[vV]=[sS][pP][fF]1( .*)?$" }
        }),
        Kind::StrMap => json!({ "type": "object", "additionalProperties": { "type": "string" } }),
        Kind::Table => reference(),
    };
    if let (Some(max), Some(object)) = (key.max, value.as_object_mut()) {
        let bound = if key.kind == Kind::StrMap {
            "maxProperties"
        } else {
            "maxItems"
        };
        object.insert(bound.to_owned(), json!(max));
    }
    // A required key's default (Enhanced Filtering's `mode`) applies only
    // when its whole table is left out: not one to offer inside the table.
    let default = (!key.required).then(|| default_of(path)).flatten();
    // The default is stated from the defaults table, never restated by hand.
    let description = match &default {
        Some(default) => format!("{} Default: {default}.", doc(path).unwrap_or_default()),
        None => doc(path).unwrap_or_default().to_owned(),
    };
    if let (Some(default), Some(object)) = (default, value.as_object_mut()) {
        object.insert("default".to_owned(), default);
    }
    match key.kind {
        // A `$ref` ignores its siblings in draft-07: wrap it.
        Kind::Table => json!({ "description": description, "allOf": [value] }),
        _ => {
            if let Some(object) = value.as_object_mut() {
                object.insert("description".to_owned(), json!(description));
            }
            value
        }
    }
}

/// The required keys of the table at `path` and of the tables below it,
/// as a schema fragment (for a file without `extends`).
fn required_tree(path: &str, keys: &[Key]) -> Value {
    let mut object = Map::new();
    let required: Vec<&str> = keys.iter().filter(|k| k.required).map(|k| k.name).collect();
    if !required.is_empty() {
        object.insert("required".to_owned(), json!(required));
    }
    let mut properties = Map::new();
    for key in keys {
        let child = join(path, key.name);
        let Some((_, child_keys)) = TABLES.iter().find(|(p, _)| *p == child) else {
            continue;
        };
        let tree = required_tree(&child, child_keys);
        if tree.as_object().is_none_or(Map::is_empty) {
            continue;
        }
        let tree = match key.kind {
            Kind::TableList => json!({ "items": tree }),
            _ => tree,
        };
        properties.insert(key.name.to_owned(), tree);
    }
    if !properties.is_empty() {
        object.insert("properties".to_owned(), Value::Object(properties));
    }
    Value::Object(object)
}

/// The JSON Schema of topology v1; `partial` (for shared bases, which hold
/// only some tables) requires no key at all.
pub fn json_schema(partial: bool) -> Value {
    let mut definitions = Map::new();
    for (path, keys) in TABLES {
        let mut properties = Map::new();
        for key in *keys {
            let child = join(path, key.name);
            properties.insert(key.name.to_owned(), value_schema(key, &child));
        }
        let mut table = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
        });
        if let Some(description) = doc(path) {
            table["description"] = json!(description);
        }
        definitions.insert(definition_name(path), table);
    }
    let root_keys = TABLES
        .iter()
        .find(|(p, _)| p.is_empty())
        .map_or(&[][..], |(_, k)| *k);
    if partial {
        return json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "mailflowc topology base (for `extends`), version 1",
            "description": "A shared base that tenant topologies extend: any keys of topology v1, none required. Generated by `mailflowc schema --partial`.",
            "allOf": [{ "$ref": "#/definitions/topology" }],
            "definitions": definitions,
        });
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "mailflowc topology, version 1",
        "description": "One mail flow: a secure email gateway in front of Microsoft 365. Generated by `mailflowc schema`; `mailflowc check` applies the rules a schema cannot express.",
        "allOf": [{ "$ref": "#/definitions/topology" }],
        "if": { "not": { "required": ["extends"] } },
        "then": required_tree("", root_keys),
        "definitions": definitions,
    })
}
