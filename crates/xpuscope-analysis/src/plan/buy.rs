//! The export filter of a plan: which chips a buyer in a destination may obtain on a date, by
//! the rules `xpuscope-export` encodes, and why the others are left out.

use xpuscope_export::{classify, ChinaLicence, Classification, ExportError, Review, RuleSet};
use xpuscope_model::chip::{Chip, Date};

/// Where the buyer is, as far as the encoded rules distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// China and Macau (one treatment under 3A090's licence requirements).
    ChinaMacau,
}

impl Destination {
    /// Parses `CN`, `MO`, `China` or `Macau` (any case); other destinations are refused in one
    /// sentence, because the rule data encode China's treatment only.
    pub fn parse(s: &str) -> Result<Destination, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CN" | "MO" | "CHINA" | "MACAU" | "CHN" | "MAC" => Ok(Destination::ChinaMacau),
            _ => Err(format!(
                "--buyable-in `{s}`: the export rules encoded here give the treatment of China and Macau (CN, MO) only; other destinations are not modelled"
            )),
        }
    }

    /// The code shown in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::ChinaMacau => "CN",
        }
    }
}

/// A chip the filter leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    /// Chip id.
    pub chip: String,
    /// The rule or letter that decides it (id and citation).
    pub rule: String,
    /// One sentence: the classification and the margin that puts the chip there.
    pub reason: String,
}

/// A chip the filter keeps, with what a buyer should know.
#[derive(Debug, Clone, PartialEq)]
pub struct Admission {
    /// Chip id.
    pub chip: String,
    /// The licence picture in words ("not required", "required: licences being issued").
    pub licence: String,
    /// Warnings (a licence under review, a letter that may apply).
    pub warnings: Vec<String>,
}

/// Whether `chip` may be bought in `dest` on `date`.
pub fn decide(
    chip: &Chip,
    rules: &RuleSet,
    date: Date,
    dest: Destination,
) -> Result<Result<Admission, Exclusion>, ExportError> {
    let Destination::ChinaMacau = dest;
    let c = classify(chip, date, rules)?;
    let l = &c.licence;
    let rule = rule_text(&c);
    let reason = format!("{} {}", c.summary, l.summary);
    let admit = |licence: String, warnings: Vec<String>| {
        Ok(Ok(Admission {
            chip: chip.id.clone(),
            licence,
            warnings,
        }))
    };
    let exclude = |reason: String| {
        Ok(Err(Exclusion {
            chip: chip.id.clone(),
            rule: rule.clone(),
            reason,
        }))
    };
    match (l.china, l.review) {
        (ChinaLicence::NotRequired, _) => admit("not required".into(), vec![]),
        (ChinaLicence::PossiblyIsInformed, _) => admit(
            l.china.label().into(),
            vec![format!("{}: {}", chip.id, l.summary)],
        ),
        (
            ChinaLicence::Required | ChinaLicence::IsInformed,
            Some(r @ (Review::LicencesIssued | Review::LicencesAssured | Review::CaseByCase)),
        ) => admit(
            format!("required: {}", r.label()),
            vec![format!(
                "{}: a licence is required ({}); {}",
                chip.id,
                r.label(),
                l.summary
            )],
        ),
        (ChinaLicence::Required | ChinaLicence::IsInformed, _) => exclude(reason),
        (ChinaLicence::Undetermined, _) => exclude(format!(
            "{reason} The catalogue lacks what decides it, so the planner leaves it out."
        )),
    }
}

fn rule_text(c: &Classification) -> String {
    let basis = c.licence.basis.as_deref();
    let r = basis
        .and_then(|b| c.in_force.iter().find(|r| r.id == b))
        .unwrap_or(&c.rule);
    match &r.citation {
        Some(cit) => format!("{} ({cit})", r.title),
        None => r.title.clone(),
    }
}
