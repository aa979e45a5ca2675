//! Diagnostics: what went wrong with a topology, where, and what to change.
//!
//! Every stage reports problems as [`Diagnostic`] values: plain data with a
//! [`Code`], a one-line message, an optional span into the TOML source and help
//! text. Only this module (and `main`) knows how they are rendered; stages never
//! print.

pub(crate) mod code;
pub mod formats;
mod render;
mod sources;
pub mod untrusted;

pub use code::{Code, Severity};
pub use render::{render_sources, Source};
pub use sources::{SourceFile, Sources};
/// The one escaping of text from outside (`untrusted`), by the name the
/// diagnostics have always called it.
pub use untrusted::{escape as sanitize, is_unsafe_char};

use std::ops::Range;

/// One finding about a topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    /// One line, lowercase, names in backticks.
    pub message: String,
    /// Byte range in the topology source the finding is about.
    pub span: Option<Range<usize>>,
    /// Short text shown under the span.
    pub label: Option<String>,
    /// What to change.
    pub help: Option<String>,
    /// Other places that take part (the first occurrence of a duplicate),
    /// each with its own label.
    pub related: Vec<(Range<usize>, String)>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span: None,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// Adds a second place to the finding, such as the first occurrence.
    pub fn also_at(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    pub fn at(mut self, span: Range<usize>) -> Self {
        self.span = Some(span);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// Orders diagnostics by position in the file, then by code, so output does
/// not depend on the order checks ran in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.span.as_ref().map_or(usize::MAX, |s| s.start), d.code);
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
}
