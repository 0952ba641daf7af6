//! Values that remember where they came from.
//!
//! Every catalogue fact is a [`Sourced`] value: the value itself, the document it was read from, how
//! much to trust it (a [`Grade`]) and an optional note (for example "1,979 with sparsity, halved").
//! This module only carries provenance; it does not judge it.

use std::fmt;

/// How much a catalogue value can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    /// The maker's datasheet, documentation or official page (or a faithful copy of it).
    Vendor,
    /// Press, analysts, retailers, benchmarks or leaks.
    Reported,
    /// Arithmetic on other sourced values; the note says which.
    Derived,
    /// A reasoned estimate; the note says how it was made.
    Estimate,
}

impl Grade {
    /// All grades, from most to least trusted.
    pub const ALL: [Grade; 4] = [
        Grade::Vendor,
        Grade::Reported,
        Grade::Derived,
        Grade::Estimate,
    ];

    /// The name used in catalogue files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Vendor => "vendor",
            Grade::Reported => "reported",
            Grade::Derived => "derived",
            Grade::Estimate => "estimate",
        }
    }

    /// Parses a grade name as written in a catalogue file.
    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a value came from: a URL or the name of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The short key used in the catalogue file (for example `nv-h100-ds`), if any.
    pub key: Option<String>,
    /// The URL or document name.
    pub location: String,
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    /// The value, in the unit its field states.
    pub value: T,
    /// Where it was read.
    pub source: Source,
    /// How much to trust it.
    pub grade: Grade,
    /// Free text: how it was derived, what the vendor actually quoted, caveats.
    pub note: Option<String>,
}

impl<T> Sourced<T> {
    /// Maps the value, keeping its provenance (for unit conversions).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced {
            value: f(self.value),
            source: self.source,
            grade: self.grade,
            note: self.note,
        }
    }

    /// A value set by hand (a what-if override on the command line), graded as an estimate.
    pub fn user(value: T, what: &str) -> Sourced<T> {
        Sourced {
            value,
            source: Source {
                key: None,
                location: what.to_string(),
            },
            grade: Grade::Estimate,
            note: None,
        }
    }
}
