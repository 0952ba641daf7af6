//! The spec sheet's bookkeeping: each sourced value of a chip becomes a line for people, an entry
//! of `provenance` and a cited source, while [`super::ChipView`] takes its typed JSON value.
//!
//! It deliberately knows no field of a chip: the caller names each one as it visits it.

use std::collections::BTreeMap;

use serde::Serialize;
use xpuscope_model::Sourced;

/// Where one value came from (`provenance` in the JSON, keyed by the catalogue's dotted field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProvenanceView {
    /// The URL or document.
    pub source: String,
    /// `vendor`, `reported`, `derived` or `estimate`.
    pub grade: String,
    /// How the value was obtained, or a caveat.
    pub note: Option<String>,
}

/// One source the sheet cites.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct SourceView {
    /// The key the catalogue file uses, where the source has one.
    pub key: Option<String>,
    /// The URL or document.
    pub location: String,
}

/// One line of the spec sheet as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FactRow {
    /// What the value is (`memory bandwidth`).
    pub(super) label: String,
    /// The value with its unit (`4,000 GB/s`).
    pub(super) value: String,
    /// How much to trust it.
    pub(super) grade: String,
    /// The source's key, or its location where it has none.
    pub(super) source: String,
    /// How it was obtained, or empty.
    pub(super) note: String,
}

/// Collects the sheet's lines and provenance while the typed fields are filled in.
#[derive(Default)]
pub(super) struct Sheet {
    pub(super) rows: Vec<FactRow>,
    pub(super) provenance: BTreeMap<String, ProvenanceView>,
    pub(super) sources: Vec<SourceView>,
}

impl Sheet {
    /// Records one sourced value under its catalogue `field` and returns its JSON value, or
    /// `None` when the catalogue has no value.
    pub(super) fn fact<T, J>(
        &mut self,
        field: &str,
        label: &str,
        s: &Option<Sourced<T>>,
        text: impl Fn(&T) -> String,
        json: impl Fn(&T) -> J,
    ) -> Option<J> {
        let s = s.as_ref()?;
        let grade = s.grade.to_string();
        self.rows.push(FactRow {
            label: label.into(),
            value: text(&s.value),
            grade: grade.clone(),
            source: s
                .source
                .key
                .clone()
                .unwrap_or_else(|| s.source.location.clone()),
            note: s.note.clone().unwrap_or_default(),
        });
        self.provenance.insert(
            field.into(),
            ProvenanceView {
                source: s.source.location.clone(),
                grade,
                note: s.note.clone(),
            },
        );
        self.sources.push(SourceView {
            key: s.source.key.clone(),
            location: s.source.location.clone(),
        });
        Some(json(&s.value))
    }

    /// A text value, shown and written as it is.
    pub(super) fn text(
        &mut self,
        field: &str,
        label: &str,
        s: &Option<Sourced<String>>,
    ) -> Option<String> {
        self.fact(field, label, s, Clone::clone, Clone::clone)
    }
}
