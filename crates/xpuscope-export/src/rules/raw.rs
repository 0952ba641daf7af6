//! The rule file's raw format: what `toml` deserialises a `[[rule]]` table into, before any check,
//! and the table of kinds with the thresholds each requires.
//!
//! Every field is optional here so that validation can report each missing one; unknown fields
//! are refused by `deny_unknown_fields` when the file is parsed.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    #[serde(default)]
    pub(super) rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    pub(super) event: Vec<Spanned<super::events::RawEvent>>,
    #[serde(default)]
    pub(super) vendor: Vec<Spanned<super::events::RawVendor>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) id: Option<String>,
    pub(super) kind: Option<Spanned<String>>,
    pub(super) title: Option<String>,
    pub(super) short: Option<String>,
    pub(super) announced: Option<Spanned<String>>,
    pub(super) effective: Option<Spanned<String>>,
    pub(super) published: Option<Spanned<String>>,
    pub(super) compliance: Option<Spanned<String>>,
    pub(super) citation: Option<String>,
    pub(super) fr_doc: Option<String>,
    pub(super) source: Option<String>,
    #[serde(default)]
    pub(super) references: Vec<String>,
    pub(super) destinations: Option<String>,
    pub(super) reaches: Option<Spanned<Vec<String>>>,
    pub(super) china_review: Option<Spanned<String>>,
    pub(super) review_source: Option<String>,
    pub(super) summary: Option<String>,
    pub(super) chips: Option<Spanned<Vec<String>>>,
    pub(super) thresholds: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
}

/// The kinds a rule file may name, and the thresholds each requires (optional ones after `?`).
pub(super) const KINDS: &[(&str, &[&str])] = &[
    ("eccn-2022", &["transfer_rate_gbs", "tpp"]),
    (
        "eccn-2023",
        &[
            "a1_tpp",
            "a2_tpp",
            "a2_pd",
            "b1_tpp",
            "b1_pd",
            "b2_tpp",
            "b2_pd",
            "note2_tpp",
            "nac_a_tpp",
        ],
    ),
    (
        "hbm",
        &["hbm_density_gbs_per_mm2", "hbm_exception_below_gbs_per_mm2"],
    ),
    ("diffusion", &[]),
    ("diffusion-rescission", &[]),
    ("is-informed", &["memory_bandwidth_gbs", "interconnect_gbs"]),
    ("licences-assured", &[]),
    ("licences-issued", &["?revenue_share"]),
    ("case-by-case", &["tpp_below", "dram_bandwidth_below_gbs"]),
];

/// Kinds that name chips (`chips = [...]` required).
pub(super) const NAMING_KINDS: &[&str] = &["is-informed", "licences-assured", "licences-issued"];
