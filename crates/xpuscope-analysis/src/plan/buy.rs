//! The export filter of a plan: which chips a buyer in a destination may obtain on a date
//! (`xpuscope_export::buyability`), split into the chips kept, with what the buyer should know,
//! and the chips left out, with the rule and the margin that decide it.

use xpuscope_export::{buyability, ExportError, RuleSet, Verdict};
use xpuscope_model::chip::{Chip, Date};

pub use xpuscope_export::Destination;

/// A chip the filter leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    /// Chip id.
    pub chip: String,
    /// The rule or letter that decides it (name and citation).
    pub rule: String,
    /// One sentence: the classification and the margin that puts the chip there.
    pub reason: String,
}

/// A chip the filter keeps, with what a buyer should know.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    /// Chip id.
    pub chip: String,
    /// The licence picture in words ("no licence", "licence required: licences assured").
    pub licence: String,
    /// Warnings: a licence to obtain, reported measures of the buyer's own government, guidance.
    pub warnings: Vec<String>,
}

/// Whether `chip` may be bought in `dest` on `date`: kept when no licence is needed or the
/// rules state a way to obtain one, left out otherwise.
pub fn decide(
    chip: &Chip,
    rules: &RuleSet,
    date: Date,
    dest: Destination,
) -> Result<Result<Admission, Exclusion>, ExportError> {
    let b = buyability(rules, chip, date, dest)?;
    if !b.may_buy() {
        return Ok(Err(Exclusion {
            chip: chip.id.clone(),
            rule: b.rule,
            reason: b.reason,
        }));
    }
    let licence = match (b.verdict, b.review) {
        (Verdict::LicenceRequired, Some(r)) => format!("{}: {}", b.verdict.label(), r.label()),
        (v, _) => v.label().to_string(),
    };
    let mut warnings = Vec::new();
    if b.verdict == Verdict::LicenceRequired {
        warnings.push(format!("{}: {} ({})", chip.id, b.reason, b.rule));
    }
    warnings.extend(b.warnings.into_iter().map(|w| format!("{}: {w}", chip.id)));
    Ok(Ok(Admission {
        chip: chip.id.clone(),
        licence,
        warnings,
    }))
}
