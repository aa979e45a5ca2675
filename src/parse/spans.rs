//! Spans moved to a file's place in the concatenation of a topology's
//! files ([`crate::diagnostics::Sources`]): what `extends` does to each base, and the defaults
//! table to itself.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Moves every span of a document by `offset` (its file's place in the
/// concatenation of [`Sources`]).
fn shift<'i>(value: Spanned<DeValue<'i>>, offset: usize) -> Spanned<DeValue<'i>> {
    if offset == 0 {
        return value;
    }
    let span = value.span();
    let span = span.start + offset..span.end + offset;
    let inner = match value.into_inner() {
        DeValue::Table(table) => DeValue::Table(shift_table(table, offset)),
        DeValue::Array(items) => {
            DeValue::Array(items.into_iter().map(|v| shift(v, offset)).collect())
        }
        other => other,
    };
    Spanned::new(span, inner)
}

/// [`shift`] for a whole document.
pub fn shift_document(document: Spanned<DeTable<'_>>, offset: usize) -> Spanned<DeTable<'_>> {
    let span = document.span();
    let shifted = shift(
        Spanned::new(span, DeValue::Table(document.into_inner())),
        offset,
    );
    let span = shifted.span();
    match shifted.into_inner() {
        DeValue::Table(table) => Spanned::new(span, table),
        _ => Spanned::new(span, DeTable::default()),
    }
}

fn shift_table(table: DeTable<'_>, offset: usize) -> DeTable<'_> {
    table
        .into_iter()
        .map(|(key, value)| {
            let span = key.span();
            (
                Spanned::new(span.start + offset..span.end + offset, key.into_inner()),
                shift(value, offset),
            )
        })
        .collect()
}
