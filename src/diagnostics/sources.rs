//! The files one topology is read from: the tenant's own file first, then
//! each base it `extends`. Spans are byte offsets into their concatenation
//! (each file starts at its own offset, one byte past the previous file's
//! end), so one number says both which file and where in it. With no
//! `extends` there is one file at offset 0 and spans are plain offsets.

use super::Diagnostic;
use std::ops::Range;

/// One file of a topology.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// How the file is named in diagnostics (the path as given).
    pub name: String,
    /// Borrowed for text built into mailflowc (the defaults table), which a
    /// fleet would otherwise copy once per tenant.
    pub text: std::borrow::Cow<'static, str>,
    /// Where the file starts in the concatenation.
    pub offset: usize,
}

/// Every file of one topology, and what went wrong reading the chain.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Problems following `extends` (a base that cannot be read, a cycle).
    pub problems: Vec<Diagnostic>,
}

impl Sources {
    /// Offsets from here on hold files that are not the topology's own
    /// (mailflowc's defaults table, `parse::defaults`).
    pub const RESERVED_OFFSET: usize = usize::MAX / 2;

    /// Adds a file at a given offset, past every other.
    pub fn push_at(&mut self, name: &str, text: &str, offset: usize) {
        self.files.push(SourceFile {
            name: name.to_owned(),
            text: std::borrow::Cow::Owned(text.to_owned()),
            offset,
        });
    }

    /// [`Sources::push_at`] for text built into mailflowc, not copied.
    pub fn push_static_at(&mut self, name: &str, text: &'static str, offset: usize) {
        self.files.push(SourceFile {
            name: name.to_owned(),
            text: std::borrow::Cow::Borrowed(text),
            offset,
        });
    }

    /// The files the topology itself is read from: its own and its bases,
    /// not the defaults table.
    pub fn topology_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files
            .iter()
            .filter(|f| f.offset < Self::RESERVED_OFFSET)
    }

    /// Adds a file after the others; returns its offset.
    pub fn push(&mut self, name: &str, text: &str) -> usize {
        let offset = self
            .files
            .last()
            .map_or(0, |last| last.offset + last.text.len() + 1);
        self.push_at(name, text, offset);
        offset
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The tenant's own file.
    pub fn main(&self) -> Option<&SourceFile> {
        self.files.first()
    }

    /// The index of the file holding `offset`.
    pub fn locate(&self, offset: usize) -> usize {
        self.files
            .iter()
            .rposition(|f| f.offset <= offset)
            .unwrap_or(0)
    }

    /// `span` in the coordinates of file `index`.
    pub fn local(&self, index: usize, span: &Range<usize>) -> Range<usize> {
        let offset = self.files.get(index).map_or(0, |f| f.offset);
        span.start.saturating_sub(offset)..span.end.saturating_sub(offset)
    }

    /// The file a diagnostic is about (by its primary span; the tenant's own
    /// file when it has none) and the diagnostic in that file's coordinates.
    /// Related places in other files are dropped.
    pub fn localize(&self, d: &Diagnostic) -> (usize, Diagnostic) {
        let index = d.span.as_ref().map_or(0, |s| self.locate(s.start));
        let mut local = d.clone();
        local.span = d.span.as_ref().map(|s| self.local(index, s));
        local.related = d
            .related
            .iter()
            .filter(|(s, _)| self.locate(s.start) == index)
            .map(|(s, label)| (self.local(index, s), label.clone()))
            .collect();
        (index, local)
    }
}
