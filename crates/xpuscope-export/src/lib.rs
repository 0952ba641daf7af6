//! US export controls on AI chips (EAR ECCN 3A090, and 4A090 for what contains them) as dated
//! rule sets: how a chip is classified on a date, why, by what margin, what that means for a
//! licence to China, how that changed over time, what-if on its specs, and design to threshold.
//!
//! The rules are data (`catalog/rules/us-ear.toml`, read into a [`RuleSet`]); the logic is here.
//! Each rule carries its effective date and its Federal Register citation or other source:
//! the 7 Oct 2022 rule (compute AND interconnect), the Oct 2023 rule effective 17 Nov 2023 (TPP and
//! performance density, 3A090.a/.b, Note 2, License Exception NAC), the Dec 2024 HBM paragraph
//! 3A090.c, the Jan 2025 AI diffusion rule and its May 2025 rescission, the April 2025 is-informed
//! letters on the H20 and MI308 and the licences of July/August 2025, and the 15 Jan 2026
//! case-by-case policy.
//!
//! [`buyability`] answers "may a buyer in this destination obtain it?" ([`Destination`]: China and
//! Macau, the other D:5 destinations, elsewhere) with a [`Verdict`], the deciding rule, one reason
//! with its margin, and warnings: US guidance and announcements, and China's own measures
//! (`catalog/rules/china.toml`, dated and graded, never a verdict).
//!
//! What it deliberately does not do: read files or the clock (callers pass the date), model
//! end-use and end-user controls (the Entity List, 15 CFR 744.23), country-group lists (a country
//! that may be in D:1 or D:4 is unknown), the foreign-direct-product rules, 4A090 computers beyond
//! naming the paragraph, or any rule after the last one in the file.
//! It is informational and not legal advice; every front end must say so ([`DISCLAIMER`]).
//!
//! Codemap: `rules` reads the rule file into a [`RuleSet`]; `metrics` computes TPP and PD;
//! `classify` (with one submodule per 3A090 rule vintage) decides the paragraph; `licence` reads
//! the letters and licence policies; `explain` writes the sentences; `answer` holds the types a
//! [`Classification`] is made of, which every other module reads and which read none of them.
//! `timeline`, `whatif` and `design` are built on `classify`.

#![warn(missing_docs)]

mod answer;
mod buy;
mod classify;
mod design;
mod explain;
mod licence;
mod metrics;
mod rules;
mod timeline;
mod whatif;
mod words;

#[cfg(test)]
pub(crate) mod tests;

pub use answer::{
    eccn_text, Bound, Check, ChinaLicence, Classification, Eccn, Licence, LicenceException,
    Missing, Outcome, Possibility, Quantity, Review,
};
pub use buy::{buyability, Buyability, Destination, Verdict};
pub use classify::{classify, parse_date, transfer_rate};
pub use design::{design, lands_in, Ceiling, Design, DesignSpec, DesignTarget};
pub use metrics::{tpp, PerformanceDensity, Tpp, TppFigure};
pub use rules::{
    Concerns, Event, EventGrade, Issuer, Policy, Reach, Rule, RuleKind, RuleSet, Thresholds2022,
    Thresholds2023, Vendor, BUILTIN_CHINA, BUILTIN_RULES,
};
pub use timeline::{timeline, Timeline, TimelineRow};
pub use whatif::{apply_all, valid_keys, Override, Setting};

use xpuscope_model::catalog::CatalogError;
use xpuscope_model::chip::Date;

fn keys_hint(valid: &[String]) -> String {
    if valid.is_empty() {
        String::new()
    } else {
        format!(
            "; valid keys are {}, each written key=value",
            valid.join(", ")
        )
    }
}

/// What every export answer must say.
pub const DISCLAIMER: &str = "Informational only, not legal advice: xpuscope models the published thresholds and reported actions listed with each answer; classification and licensing decisions belong to the exporter and the US Bureau of Industry and Security (BIS).";

/// Why an export question cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    /// The date precedes the first 3A090 rule.
    #[error(
        "3A090 did not exist before {first}; `{date}` is earlier (give a date on or after {first})"
    )]
    BeforeFirstRule {
        /// The date asked about.
        date: Date,
        /// The first rule's effective date.
        first: Date,
    },
    /// A date that is not `YYYY-MM-DD`.
    #[error("`{0}` is not a date; write YYYY-MM-DD, for example 2025-07-15")]
    BadDate(String),
    /// The chip has no dense throughput figure, so its TPP is unknown.
    #[error("chip `{chip}` has no dense throughput figure, so its TPP is unknown; supply one, for example `bf16_tflops=200`")]
    NoThroughput {
        /// The chip's id.
        chip: String,
    },
    /// A what-if override that does not parse.
    #[error("cannot set `{arg}`: {problem}{}", keys_hint(.valid))]
    BadOverride {
        /// The text given.
        arg: String,
        /// What is wrong, in a few words.
        problem: String,
        /// The keys that are accepted, when the key itself is the problem (else empty).
        valid: Vec<String>,
    },
    /// A destination that is not one the rules distinguish.
    #[error("`{given}` is not a destination; give {accepted}")]
    BadDestination {
        /// The text given.
        given: String,
        /// The accepted values, in words.
        accepted: &'static str,
    },
    /// A design-to-threshold spec that makes no sense.
    #[error("bad design spec: {0}")]
    BadDesign(String),
    /// The rule file is invalid.
    #[error(transparent)]
    Rules(#[from] CatalogError),
}
