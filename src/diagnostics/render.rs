//! Turns [`Diagnostic`]s into the text users read, through miette.
//!
//! Cost stays proportional to the input whatever it holds: the source is
//! indexed by line once per report (not copied or scanned per diagnostic);
//! each snippet shows a window of at most [`WINDOW`] characters around its
//! span on one line, so a label far along a long line cannot overflow the
//! renderer and a 100 KB line is not printed again for every finding; at most
//! [`MAX_SHOWN`] diagnostics are drawn, the rest summarized by code. Control
//! characters in the source and in messages are shown escaped, never sent to
//! the terminal.

use super::untrusted::{escape as sanitize, is_unsafe_char};
use super::{Diagnostic, Severity, Sources};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// Diagnostics drawn in full; the rest are counted by code.
pub const MAX_SHOWN: usize = 50;
/// Characters of a line shown on each side of a span, at most.
pub const WINDOW: usize = 60;

/// The source once per report: sanitized for a terminal (same byte offsets)
/// and indexed by line.
pub struct Source<'a> {
    name: &'a str,
    text: String,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub fn new(name: &'a str, source: &str) -> Self {
        let text = sanitize_same_length(source);
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Source {
            name,
            text,
            line_starts,
        }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte range of line `line`, without its line break.
    fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        start..end
    }

    fn floor(&self, mut offset: usize) -> usize {
        offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor(offset);
        let line = self.line_of(offset);
        let column = self.text[self.line_starts[line]..offset].chars().count();
        (line + 1, column + 1)
    }

    /// A span clipped to the source, to char boundaries and to its first line.
    fn clip(&self, span: &Range<usize>) -> Range<usize> {
        let start = self.floor(span.start);
        let line = self.line_range(self.line_of(start));
        // A span starting on a line break (`\r` or `\n`) starts at its line's end.
        let start = start.min(line.end);
        let end = self.floor(span.end.max(start)).clamp(start, line.end);
        start..end
    }

    /// The window of the span's line shown around it.
    fn window(&self, span: &Range<usize>) -> Range<usize> {
        let line = self.line_range(self.line_of(span.start));
        let before = self.text[line.start..span.start]
            .char_indices()
            .rev()
            .nth(WINDOW.saturating_sub(1))
            .map_or(line.start, |(i, _)| line.start + i);
        let after = self.text[span.end..line.end]
            .char_indices()
            .nth(WINDOW)
            .map_or(line.end, |(i, _)| span.end + i);
        before..after
    }
}

impl SourceCode for Source<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let span = self.clip(&(span.offset()..span.offset() + span.len()));
        // Without context, miette asks where a label starts (the header's
        // line and column); with context, what to draw: one line's window.
        let window = if context_lines_before == 0 && context_lines_after == 0 {
            span
        } else {
            self.window(&span)
        };
        let line = self.line_of(window.start);
        let column = self.text[self.line_starts[line]..window.start]
            .chars()
            .count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            &self.text.as_bytes()[window.clone()],
            (window.start..window.end).into(),
            line,
            column,
            1,
        )))
    }
}

/// Replaces what a terminal would act on with `?`, byte for byte, so every
/// offset still points at the same place: ASCII controls but tab and line
/// breaks, C1 controls, and the invisible format characters (bidi overrides,
/// zero-width) that can make a line read differently than it parses.
fn sanitize_same_length(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for c in source.chars() {
        if is_unsafe_char(c) && c != '\n' && c != '\r' && c != '\t' {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// Adapter that lets miette draw one of our diagnostics against its source.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    message: String,
    help: String,
    labels: Vec<LabeledSpan>,
    source: &'a Source<'a>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.id()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        (!self.labels.is_empty()).then_some(self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn report<'a>(diagnostic: &'a Diagnostic, source: &'a Source<'a>) -> Report<'a> {
    let explain = format!("run `mailflowc explain {}` for more", diagnostic.code.id());
    let help = match &diagnostic.help {
        Some(help) => format!("{}\n{explain}", sanitize(help)),
        None => explain,
    };
    let mut labels = Vec::new();
    if let Some(span) = &diagnostic.span {
        let span = source.clip(span);
        labels.push(LabeledSpan::new_primary_with_span(
            diagnostic.label.as_deref().map(sanitize),
            SourceSpan::from(span),
        ));
        for (other, label) in &diagnostic.related {
            let other = source.clip(other);
            labels.push(LabeledSpan::new_with_span(
                Some(sanitize(label)),
                SourceSpan::from(other),
            ));
        }
    }
    Report {
        diagnostic,
        message: sanitize(&diagnostic.message),
        help,
        labels,
        source,
    }
}

/// Renders diagnostics whose spans point into any file of `sources`.
pub fn render_sources(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let files: Vec<Source<'_>> = sources
        .files()
        .iter()
        .map(|f| Source::new(&f.name, &f.text))
        .collect();
    let mut out = String::new();
    for diagnostic in diagnostics.iter().take(MAX_SHOWN) {
        let (index, local) = sources.localize(diagnostic);
        let Some(source) = files.get(index) else {
            continue;
        };
        let report = report(&local, source);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!(
                "{}: {}\n",
                diagnostic.code,
                sanitize(&diagnostic.message)
            ));
        }
        // Places in another file (a base, the defaults table) by position.
        for (span, label) in &diagnostic.related {
            let other = sources.locate(span.start);
            if other == index {
                continue;
            }
            if let (Some(file), Some(shown)) = (sources.files().get(other), files.get(other)) {
                let (line, column) = shown.position(sources.local(other, span).start);
                out.push_str(&format!(
                    "  note: {} at {}:{line}:{column}\n",
                    sanitize(label),
                    sanitize(&file.name)
                ));
            }
        }
    }
    let mut rest: BTreeMap<&str, usize> = BTreeMap::new();
    for diagnostic in diagnostics.iter().skip(MAX_SHOWN) {
        *rest.entry(diagnostic.code.id()).or_default() += 1;
    }
    for (code, count) in rest {
        out.push_str(&format!("… and {count} more of {code}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    /// Renders over one file (no defaults table: these spans never point there).
    fn render(diagnostics: &[Diagnostic], name: &str, source: &str, color: bool) -> String {
        let mut sources = Sources::default();
        sources.push(name, source);
        render_sources(diagnostics, &sources, color)
    }

    #[test]
    fn a_span_far_along_a_long_line_renders_a_window() {
        let source = format!("x = \"{}\"\ny = 1\n", "a".repeat(200_000));
        let d = Diagnostic::new(Code::UnknownKey, "bad")
            .at(100_000..100_003)
            .with_label("here");
        let text = render(&[d], "t.toml", &source, false);
        assert!(text.contains("t.toml:1:100001"), "{text}");
        assert!(text.len() < 2_000, "{} bytes", text.len());
    }

    #[test]
    fn a_span_on_a_line_break_renders() {
        // Found by the fuzz target: a span on the `\n` of a `\r\n` line.
        let source = "a = 1\r\nb = 2\r\n";
        for start in 0..source.len() {
            for end in start..=source.len() {
                let d = Diagnostic::new(Code::UnknownKey, "bad")
                    .at(start..end)
                    .with_label("x");
                let _ = render(&[d], "t.toml", source, false);
            }
        }
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let source = "name = \"\u{1b}[31mred\u{7}\u{202e}\"\n";
        let d = Diagnostic::new(Code::UnknownKey, "bad `\u{1b}[2J`")
            .at(0..4)
            .with_label("x\u{7}");
        let text = render(&[d], "t.toml", source, false);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'));
        assert!(text.contains("\\u{1b}[2J"), "{text}");
    }

    #[test]
    fn past_the_cap_diagnostics_are_counted() {
        let source = "a = 1\n";
        let many: Vec<Diagnostic> = (0..MAX_SHOWN + 7)
            .map(|_| Diagnostic::new(Code::UnknownKey, "bad").at(0..1))
            .collect();
        let text = render(&many, "t.toml", source, false);
        assert!(text.contains("and 7 more of MF0002"), "{text}");
    }
}
