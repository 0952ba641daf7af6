//! The validation context: where in which file an entry sits, and the list its problems go to.
//!
//! It knows nothing of any schema; it only turns (line or span, field, message) into a
//! [`CatalogIssue`] with the file and entry filled in.

use toml::Spanned;

use crate::catalog::CatalogIssue;

/// The 1-based line of byte `offset` in `text` (offsets past the end count as the last line).
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Where problems go while one entry of one file is validated, and what they are tagged with.
///
/// A reader makes one per entry, pointing `issues` at the list for the whole load, so that every
/// problem of every entry is reported together. Each problem becomes a [`CatalogIssue`] carrying
/// `file`, `entry` (when set) and the line it is reported at.
pub struct ValidationContext<'a> {
    /// The file's name, for messages.
    pub file: &'a str,
    /// The file's whole text, to turn byte spans into lines.
    pub text: &'a str,
    /// The entry's id once it is known (`None` until then, or when the entry has none).
    pub entry: Option<String>,
    /// The 1-based line of the entry's header, where problems with no span of their own (a
    /// missing field) are reported.
    pub entry_line: usize,
    /// Every problem found so far, in this file and others.
    pub issues: &'a mut Vec<CatalogIssue>,
}

impl ValidationContext<'_> {
    /// Records a problem at a 1-based `line`; `field` is dotted (`dense.bf16`), or empty when
    /// the problem is with the entry or the file as a whole.
    pub fn push(&mut self, line: usize, field: &str, message: String) {
        self.issues.push(CatalogIssue {
            file: self.file.to_string(),
            line: Some(line),
            entry: self.entry.clone(),
            field: (!field.is_empty()).then(|| field.to_string()),
            message,
        });
    }

    /// Records a problem at the line where `span` starts.
    pub fn at<T>(&mut self, span: &Spanned<T>, field: &str, message: String) {
        let line = self.line(span);
        self.push(line, field, message);
    }

    /// Records that a required `field` is absent, at the entry's line: "is required".
    pub fn missing(&mut self, field: &str) {
        let line = self.entry_line;
        self.push(line, field, "is required".to_string());
    }

    /// The 1-based line where `span` starts.
    pub fn line<T>(&self, span: &Spanned<T>) -> usize {
        line_of(self.text, span.span().start)
    }
}
