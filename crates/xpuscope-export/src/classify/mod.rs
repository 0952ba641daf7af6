//! Classifying one chip on one date: the 3A090 paragraph, every threshold with its margin, and
//! what follows for a licence to China.
//!
//! The 3A090 rule in force on the date decides the paragraph: the 2022 compute-and-link test
//! (`eccn2022`) or the 2023 TPP and performance-density test with Note 2 and NAC (`eccn2023`).
//! Letters and licence policies (`licence`) then act on the result, and `explain` adds the caveats
//! and context notes. This module only gathers the chip's figures and runs those steps in order; it
//! holds no thresholds (they are data, `rules`) and writes no sentences of its own beyond the
//! guard for a rule that does not classify.

mod eccn2022;
mod eccn2023;

pub(crate) use eccn2023::decide_2023;

use super::answer::{Classification, Licence, Outcome};
use super::explain::{context_notes, grade_caveats};
use super::licence;
use super::metrics::tpp;
use super::rules::{RuleKind, RuleSet};
use super::ExportError;
use xpuscope_model::chip::{Chip, Date};
use xpuscope_model::units::BytesPerSecond;

/// Parses a `YYYY-MM-DD` date given by a person.
pub fn parse_date(s: &str) -> Result<Date, ExportError> {
    match Date::parse(s) {
        Some(d) if d.day.is_some() => Ok(d),
        _ => Err(ExportError::BadDate(s.to_string())),
    }
}

/// The chip's aggregate bidirectional chip-to-chip bandwidth: its scale-up fabric, or its host link
/// in both directions when it has none. The host link is not added to a fabric.
pub fn transfer_rate(chip: &Chip) -> Option<(BytesPerSecond, bool)> {
    if let Some(b) = chip
        .scale_up
        .as_ref()
        .and_then(xpuscope_model::chip::ScaleUp::bidirectional_bandwidth)
    {
        return Some((b, false));
    }
    chip.host_link_bandwidth
        .as_ref()
        .map(|h| (h.value * 2.0, true))
}

/// Classifies `chip` under the rules in force on `date`.
pub fn classify(chip: &Chip, date: Date, rules: &RuleSet) -> Result<Classification, ExportError> {
    let rule = rules.eccn_rule(date).ok_or(ExportError::BeforeFirstRule {
        date,
        first: rules.first_date(),
    })?;
    let figure = tpp(chip).ok_or_else(|| ExportError::NoThroughput {
        chip: chip.id.clone(),
    })?;
    let die_area = chip
        .die_area
        .as_ref()
        .map(|a| a.value)
        .filter(|a| a.get() > 0.0);
    let link = transfer_rate(chip);
    let hbm = chip
        .memory_type
        .as_ref()
        .map(|m| m.value.clone())
        .filter(|m| m.to_ascii_uppercase().contains("HBM"));
    let mut c = Classification {
        chip: chip.id.clone(),
        chip_name: chip.name.clone(),
        date,
        rule: rule.clone(),
        in_force: rules.in_force(date).into_iter().cloned().collect(),
        tpp: figure.tpp,
        tpp_precision: figure.precision,
        tpp_dense: figure.dense,
        die_area,
        performance_density: die_area.map(|a| figure.tpp / a),
        datacenter: chip.is_datacenter(),
        transfer_rate: link.map(|l| l.0),
        memory_bandwidth: chip.bandwidth(),
        hbm,
        outcome: Outcome::Determined(None),
        summary: String::new(),
        checks: Vec::new(),
        reasons: Vec::new(),
        licence: Licence::default(),
        notes: Vec::new(),
        caveats: Vec::new(),
    };
    match &rule.kind {
        RuleKind::Eccn2022(t) => eccn2022::classify(&mut c, t, link.is_some_and(|l| l.1)),
        RuleKind::Eccn2023(t) => eccn2023::classify(&mut c, t),
        _ => unreachable_kind(&mut c),
    }
    grade_caveats(&mut c, chip);
    licence::apply(&mut c, chip, rules.rules());
    if let RuleKind::Eccn2023(t) = &rule.kind {
        c.licence.exceptions.extend(eccn2023::nac(&c, t));
    }
    context_notes(&mut c, chip, rules);
    Ok(c)
}

/// `eccn_rule` only returns 3A090 rules; should that ever change, say so rather than panic.
fn unreachable_kind(c: &mut Classification) {
    c.outcome = Outcome::Determined(None);
    c.summary = format!("The rule `{}` does not classify chips.", c.rule.id);
}
