//! Defaults, applied in one step from one table (`defaults.toml`, embedded),
//! right after the document's keys are checked and before it is typed: every
//! check and every target then sees the values a build uses. The table is
//! read as one more file of [`Sources`], at [`OFFSET`], so each default keeps
//! a span into it: a diagnostic about a default points at the table, and
//! [`is_default`] tells a default from a value the topology wrote.

use super::spans::shift_document;
use crate::diagnostics::Sources;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The table.
pub const TEXT: &str = include_str!("defaults.toml");
/// How diagnostics name it.
pub const NAME: &str = "mailflowc's defaults (src/parse/defaults.toml)";
/// Where it starts among the files of a topology: past any file mailflowc
/// reads (at most 1 MiB each, at most four), so no span of a topology's own
/// files can reach it.
pub const OFFSET: usize = Sources::RESERVED_OFFSET;

/// Whether a span points into the defaults table: the value is a default,
/// not one the topology wrote.
pub fn is_default(span: &Range<usize>) -> bool {
    span.start >= OFFSET
}

/// The value when the topology wrote it; `None` for a default (or nothing).
pub fn written<T>(value: Option<&Spanned<T>>) -> Option<&Spanned<T>> {
    value.filter(|v| !is_default(&v.span()))
}

/// Adds the table to a topology's files.
pub fn add_to(sources: &mut Sources) {
    sources.push_static_at(NAME, TEXT, OFFSET);
}

/// One file, at offset 0, and the defaults table.
pub fn single(name: &str, text: &str) -> Sources {
    let mut sources = Sources::default();
    sources.push(name, text);
    add_to(&mut sources);
    sources
}

/// The table as a document, its spans at [`OFFSET`]: parsed once per
/// process (a fleet applies it to every tenant).
fn table() -> DeTable<'static> {
    static TABLE: std::sync::OnceLock<DeTable<'static>> = std::sync::OnceLock::new();
    TABLE.get_or_init(parse_table).clone()
}

fn parse_table() -> DeTable<'static> {
    let (document, _) = DeTable::parse_recoverable(TEXT);
    shift_document(document, OFFSET).into_inner()
}

fn get_table<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    table.get(key).and_then(|v| v.get_ref().as_table())
}

fn get_table_mut<'a, 'i>(table: &'a mut DeTable<'i>, key: &str) -> Option<&'a mut DeTable<'i>> {
    table
        .iter_mut()
        .find(|(k, _)| k.get_ref() == key)
        .and_then(|(_, v)| match v.get_mut() {
            DeValue::Table(t) => Some(t),
            _ => None,
        })
}

/// The table at `key` of `document`, added (empty, spanned at the default
/// table's place) when missing; `None` when `key` holds something else.
fn ensure<'a, 'i>(
    document: &'a mut DeTable<'i>,
    key: &str,
    defaults: &DeTable<'static>,
) -> Option<&'a mut DeTable<'i>> {
    if document.get(key).is_none() {
        let (default_key, default_value) = defaults.get_key_value(key)?;
        document.insert(
            default_key.clone(),
            Spanned::new(default_value.span(), DeValue::Table(DeTable::default())),
        );
    }
    get_table_mut(document, key)
}

/// Every plain value (not a table) of `defaults` that `target` lacks.
fn fill<'i>(target: &mut DeTable<'i>, defaults: Option<&DeTable<'static>>) {
    let Some(defaults) = defaults else {
        return;
    };
    for (key, value) in defaults.iter() {
        if value.get_ref().is_table() || target.get(key.get_ref().as_ref()).is_some() {
            continue;
        }
        target.insert(key.clone(), value.clone());
    }
}

/// Lays the defaults under a document whose keys are checked: which tables
/// are filled is said at the top of `defaults.toml`.
pub fn apply(document: &mut DeTable<'_>) {
    let defaults = table();
    let vendor_is_cisco = get_table(document, "gateway")
        .and_then(|g| g.get("vendor"))
        .and_then(|v| v.get_ref().as_str())
        .and_then(crate::catalog::find)
        .is_some_and(|v| v.id == "cisco");

    let inbound_defaults = get_table(&defaults, "inbound");
    if let (Some(inbound), Some(inbound_defaults)) =
        (ensure(document, "inbound", &defaults), inbound_defaults)
    {
        let through = match inbound.get("through_gateway").map(|v| v.get_ref()) {
            Some(DeValue::Boolean(through)) => *through,
            _ => inbound_defaults
                .get("through_gateway")
                .and_then(|v| v.get_ref().as_bool())
                .unwrap_or_default(),
        };
        if through {
            fill(inbound, Some(inbound_defaults));
            // Reject Direct Send takes lockdown's value (written or the
            // default) when unset: both refuse mail that does not come
            // through the gateway. Its spans are lockdown's, so a diagnostic
            // points at what decided it.
            if inbound.get("reject_direct_send").is_none() {
                let lockdown = inbound
                    .get_key_value("lockdown")
                    .filter(|(_, v)| v.get_ref().as_bool().is_some())
                    .map(|(k, v)| (k.span(), v.clone()));
                if let Some((span, value)) = lockdown {
                    inbound.insert(
                        Spanned::new(span, std::borrow::Cow::Borrowed("reject_direct_send")),
                        value,
                    );
                }
            }
            if inbound.get("enhanced_filtering").is_none() {
                if let Some((key, value)) = inbound_defaults.get_key_value("enhanced_filtering") {
                    inbound.insert(key.clone(), value.clone());
                }
            }
        } else if inbound.get("through_gateway").is_none() {
            // Only the switch itself: every other inbound option means
            // nothing while inbound mail stays on Microsoft 365 (MF0209).
            if let Some((key, value)) = inbound_defaults.get_key_value("through_gateway") {
                inbound.insert(key.clone(), value.clone());
            }
        }
    }

    let outbound_defaults = get_table(&defaults, "outbound");
    if let Some(outbound) = get_table_mut(document, "outbound") {
        fill(outbound, outbound_defaults);
        if let Some(secret_header) = get_table_mut(outbound, "secret_header") {
            fill(
                secret_header,
                outbound_defaults.and_then(|o| get_table(o, "secret_header")),
            );
        }
    }

    let cisco_defaults = get_table(&defaults, "cisco");
    let cisco = if vendor_is_cisco {
        ensure(document, "cisco", &defaults)
    } else {
        get_table_mut(document, "cisco")
    };
    if let (Some(cisco), Some(cisco_defaults)) = (cisco, cisco_defaults) {
        fill(cisco, Some(cisco_defaults));
        if let Some(controls) = ensure(cisco, "destination_controls", cisco_defaults) {
            fill(controls, get_table(cisco_defaults, "destination_controls"));
        }
    }

    for key in ["dns", "names"] {
        if let Some(table) = ensure(document, key, &defaults) {
            fill(table, get_table(&defaults, key));
        }
    }

    // Keys of each entry of a list of tables.
    let each = get_table(&defaults, "each");
    let mx_defaults = each.and_then(|e| get_table(e, "gateway.mx"));
    if let Some(gateway) = get_table_mut(document, "gateway") {
        if let Some(DeValue::Array(records)) = gateway
            .iter_mut()
            .find(|(k, _)| k.get_ref() == "mx")
            .map(|(_, v)| v.get_mut())
        {
            for record in records.iter_mut() {
                if let DeValue::Table(record) = record.get_mut() {
                    fill(record, mx_defaults);
                }
            }
        }
    }
}

/// Every default, as (`table.key`, the value as TOML), for the schema and
/// the tests.
pub fn listed() -> Vec<(String, toml::Value)> {
    let value: toml::Value = toml::from_str(TEXT).unwrap_or(toml::Value::Table(Default::default()));
    let mut out = Vec::new();
    fn walk(prefix: &str, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
        if let toml::Value::Table(table) = value {
            for (key, child) in table {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                if child.is_table() {
                    walk(&path, child, out);
                } else {
                    out.push((path, child.clone()));
                }
            }
        }
    }
    walk("", &value, &mut out);
    out.into_iter()
        .map(|(path, value)| {
            // `each."gateway.mx".priority` is the default of `gateway.mx.priority`.
            (
                path.strip_prefix("each.")
                    .map_or(path.clone(), str::to_owned),
                value,
            )
        })
        .collect()
}
