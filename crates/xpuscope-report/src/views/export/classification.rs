//! One chip's classification on one date (`xpuscope export CHIP`), as a view and as text.
//!
//! It deliberately decides nothing: the ECCN, the checks, the licence and every sentence are the
//! export crate's [`Classification`].

use std::fmt::Write as _;

use serde::Serialize;
use xpuscope_export::{
    Bound, Classification, Eccn, Outcome, PerformanceDensity, Review, DISCLAIMER,
};
use xpuscope_model::units::{BytesPerSecond, SquareMm};

use super::{overrides_text, section, trimmed, wrap, OverrideView, RuleView};
use crate::table::{num, Align, Table};
use crate::views::catalog::rate_unit;

/// One ECCN the chip may have, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PossibleView {
    /// The ECCN, or `null` for outside 3A090.
    pub eccn: Option<&'static str>,
    /// The condition under which it applies (empty when determined).
    pub condition: String,
}

/// One threshold tested.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CheckView {
    /// The paragraph (`3A090.b.1`).
    pub paragraph: String,
    /// What is measured; the name carries the unit (`tpp`, `performance_density`, `..._gbs`).
    pub quantity: &'static str,
    /// `at-least` (a gate to reach) or `below` (a ceiling to stay under).
    pub bound: &'static str,
    /// The threshold, in the quantity's unit.
    pub threshold: f64,
    /// The chip's value, if known.
    pub value: Option<f64>,
    /// Whether the test is met, if the value is known.
    pub met: Option<bool>,
    /// (value - threshold) / threshold.
    pub margin: Option<f64>,
}

/// A licence exception that applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ExceptionView {
    /// The exception's name.
    pub name: String,
    /// Why it applies.
    pub reason: String,
}

/// Whether exporting to China needs a licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LicenceView {
    /// `not-required`, `required`, `required-is-informed`, `possibly-required-is-informed` or
    /// `undetermined`.
    pub china: &'static str,
    /// The same for people.
    pub china_text: &'static str,
    /// `case-by-case`, `presumption-of-denial`, `licences-assured`, `licences-issued`, or null.
    pub review: Option<&'static str>,
    /// The rule or letter the requirement rests on.
    pub basis: Option<String>,
    /// Where the requirement applies, in words.
    pub destinations: Option<String>,
    /// One sentence.
    pub summary: String,
    /// Licence exceptions that apply.
    pub exceptions: Vec<ExceptionView>,
    /// Letters and policies beside the rule.
    pub notes: Vec<String>,
    /// The review policy for people.
    #[serde(skip)]
    review_text: Option<&'static str>,
}

/// One chip on one date (`xpuscope export CHIP`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ClassificationView {
    /// Chip id.
    pub chip: String,
    /// Chip name.
    pub chip_name: String,
    /// The date asked about, `YYYY-MM-DD`.
    pub date: String,
    /// The 3A090 rule in force on the date.
    pub rule: RuleView,
    /// Total processing performance.
    pub tpp: f64,
    /// The precision that sets the TPP.
    pub tpp_precision: &'static str,
    /// The dense rate in that precision, in FLOP/s (OP/s for integers).
    pub tpp_dense_flops_per_s: f64,
    /// TPP per mm² of logic die area, if the area is known.
    pub performance_density: Option<f64>,
    /// Logic die area, if known.
    pub die_area_mm2: Option<f64>,
    /// Designed or marketed for datacenters, if recorded.
    pub datacenter: Option<bool>,
    /// The 2022 rule's chip-to-chip transfer rate, both directions, if known.
    pub transfer_rate_bytes_per_s: Option<f64>,
    /// DRAM bandwidth, if known.
    pub memory_bandwidth_bytes_per_s: Option<f64>,
    /// The ECCN (`null` for outside 3A090 or undetermined; see `eccn_determined`).
    pub eccn: Option<&'static str>,
    /// Whether the data settle the ECCN.
    pub eccn_determined: bool,
    /// Every ECCN the chip may have, with its condition.
    pub eccn_possible: Vec<PossibleView>,
    /// The chip's fields that would settle an undetermined ECCN.
    pub missing: Vec<&'static str>,
    /// One sentence.
    pub summary: String,
    /// One sentence per threshold tested.
    pub reasons: Vec<String>,
    /// Every threshold tested.
    pub thresholds: Vec<CheckView>,
    /// The licence for China.
    pub licence: LicenceView,
    /// Remarks on the classification.
    pub notes: Vec<String>,
    /// What the answer does not cover.
    pub caveats: Vec<String>,
    /// What-if overrides applied to the catalogue's chip.
    pub overrides: Vec<OverrideView>,
    /// Every rule in force on the date.
    pub rules_in_force: Vec<RuleView>,
    /// Informational only, not legal advice.
    pub disclaimer: &'static str,
    /// The ECCN for people (`outside 3A090`, `undetermined: 3A090.a or outside 3A090`).
    #[serde(skip)]
    eccn_text: String,
    /// The TPP for people (grouped, no decimals).
    #[serde(skip)]
    tpp_text: String,
    /// `TFLOPS`, or `TOPS` for an integer TPP precision.
    #[serde(skip)]
    tpp_rate_unit: &'static str,
    /// Bits of the TPP precision.
    #[serde(skip)]
    tpp_bits: u32,
}

impl ClassificationView {
    /// The view of one classification, with the overrides that produced it.
    pub fn new(c: &Classification, overrides: Vec<OverrideView>) -> ClassificationView {
        let (possible, missing) = match &c.outcome {
            Outcome::Determined(e) => (
                vec![PossibleView {
                    eccn: e.map(Eccn::as_str),
                    condition: String::new(),
                }],
                Vec::new(),
            ),
            Outcome::Undetermined { possible, missing } => (
                possible
                    .iter()
                    .map(|p| PossibleView {
                        eccn: p.eccn.map(Eccn::as_str),
                        condition: p.condition.clone(),
                    })
                    .collect(),
                missing.iter().map(|m| m.field()).collect(),
            ),
        };
        let eccn_text = match &c.outcome {
            Outcome::Determined(e) => xpuscope_export::eccn_text(*e).to_string(),
            Outcome::Undetermined { .. } => {
                let list: Vec<&str> = c
                    .outcome
                    .possible_eccns()
                    .into_iter()
                    .map(xpuscope_export::eccn_text)
                    .collect();
                format!("undetermined: {}", list.join(" or "))
            }
        };
        ClassificationView {
            chip: c.chip.clone(),
            chip_name: c.chip_name.clone(),
            date: c.date.to_string(),
            rule: RuleView::new(&c.rule),
            tpp: c.tpp.get(),
            tpp_precision: c.tpp_precision.as_str(),
            tpp_dense_flops_per_s: c.tpp_dense.get(),
            performance_density: c.performance_density.map(PerformanceDensity::get),
            die_area_mm2: c.die_area.map(SquareMm::get),
            datacenter: c.datacenter,
            transfer_rate_bytes_per_s: c.transfer_rate.map(BytesPerSecond::get),
            memory_bandwidth_bytes_per_s: c.memory_bandwidth.map(BytesPerSecond::get),
            eccn: c.eccn().map(Eccn::as_str),
            eccn_determined: c.outcome.is_determined(),
            eccn_possible: possible,
            missing,
            summary: c.summary.clone(),
            reasons: c.reasons.clone(),
            thresholds: c
                .checks
                .iter()
                .map(|k| CheckView {
                    paragraph: k.paragraph.clone(),
                    quantity: k.quantity.key(),
                    bound: match k.bound {
                        Bound::AtLeast => "at-least",
                        Bound::Below => "below",
                    },
                    threshold: k.threshold,
                    value: k.value,
                    met: k.met(),
                    margin: k.margin(),
                })
                .collect(),
            licence: LicenceView {
                china: c.licence.china.as_str(),
                china_text: c.licence.china.label(),
                review: c.licence.review.map(Review::as_str),
                basis: c.licence.basis.clone(),
                destinations: c.licence.destinations.clone(),
                summary: c.licence.summary.clone(),
                exceptions: c
                    .licence
                    .exceptions
                    .iter()
                    .map(|e| ExceptionView {
                        name: e.name.clone(),
                        reason: e.reason.clone(),
                    })
                    .collect(),
                notes: c.licence.notes.clone(),
                review_text: c.licence.review.map(Review::label),
            },
            notes: c.notes.clone(),
            caveats: c.caveats.clone(),
            overrides,
            rules_in_force: c.in_force.iter().map(RuleView::new).collect(),
            disclaimer: DISCLAIMER,
            eccn_text,
            tpp_text: c.tpp.to_string(),
            tpp_rate_unit: rate_unit(c.tpp_precision),
            tpp_bits: c.tpp_precision.bit_length(),
        }
    }

    /// The answer for people: the figures, the thresholds, the licence, caveats and the rules in
    /// force, then the disclaimer.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} ({}) on {}, under the {}\n",
            self.chip_name, self.chip, self.date, self.rule.cited
        );
        overrides_text(&mut out, &self.overrides);
        // The 2022 rule measures the transfer rate and does not use the performance density.
        let rule_2022 = self.rule.kind == "eccn-2022";
        let mut t = Table::new(&[("", Align::Left), ("", Align::Left)]);
        t.row(vec!["ECCN".into(), self.eccn_text.clone()]);
        t.row(vec![
            "TPP".into(),
            format!(
                "{}  (dense {} {} {} x {} bits)",
                self.tpp_text,
                self.tpp_precision,
                trimmed(self.tpp_dense_flops_per_s / 1e12),
                self.tpp_rate_unit,
                self.tpp_bits
            ),
        ]);
        t.row(vec![
            "performance density".into(),
            match (self.performance_density, self.die_area_mm2) {
                (Some(p), Some(a)) if rule_2022 => {
                    format!("{p:.2}  (TPP / {} mm²; not used by this rule)", trimmed(a))
                }
                (Some(p), Some(a)) => format!("{p:.2}  (TPP / {} mm² logic die area)", trimmed(a)),
                _ => "unknown (no logic die area)".into(),
            },
        ]);
        if rule_2022 {
            t.row(vec![
                "transfer rate".into(),
                self.transfer_rate_bytes_per_s
                    .map_or("unknown".into(), |b| {
                        format!("{} GB/s, both directions", num(b / 1e9, 0))
                    }),
            ]);
        }
        t.row(vec![
            "for datacenters".into(),
            self.datacenter.map_or("not recorded".into(), |d| {
                if d { "yes" } else { "no" }.into()
            }),
        ]);
        let l = &self.licence;
        let review = l.review_text.map_or(String::new(), |r| format!("; {r}"));
        t.row(vec![
            "licence for China".into(),
            format!("{}{review}", l.china_text),
        ]);
        out.push('\n');
        out.push_str(&t.render());
        out.push('\n');
        out.push_str(&wrap(&self.summary, 0, 100));
        section(&mut out, "thresholds", &self.reasons);
        out.push_str("  (A gate must be reached; a ceiling must be stayed under.)\n");
        let mut licence = vec![l.summary.clone()];
        licence.extend(
            l.exceptions
                .iter()
                .map(|e| format!("Exception {}: {}", e.name, e.reason)),
        );
        licence.extend(l.notes.iter().cloned());
        section(&mut out, "licence", &licence);
        let mut caveats = self.caveats.clone();
        if !self.eccn_determined {
            let sets: Vec<String> = self
                .missing
                .iter()
                .map(|m| format!("--set {m}=VALUE"))
                .collect();
            caveats.push(format!(
                "To settle it, supply the missing data with {}.",
                sets.join(" ")
            ));
        }
        section(&mut out, "caveats", &caveats);
        section(&mut out, "notes", &self.notes);
        let _ = writeln!(out, "\nrules in force");
        let mut rt = Table::new(&[
            ("", Align::Left),
            ("", Align::Left),
            ("", Align::Left),
            ("", Align::Left),
        ]);
        for r in &self.rules_in_force {
            rt.row(vec![
                format!("  {}", r.effective),
                r.short.clone(),
                r.citation.clone().unwrap_or_default(),
                r.source.clone(),
            ]);
        }
        out.push_str(&rt.render());
        let _ = writeln!(
            out,
            "\nDense figures only. Chip data: `xpuscope chip {}`.{}",
            self.chip,
            if self.overrides.is_empty() {
                ""
            } else {
                " What-if values are marked as estimates."
            }
        );
        out.push_str(&wrap(self.disclaimer, 0, 100));
        out
    }
}
