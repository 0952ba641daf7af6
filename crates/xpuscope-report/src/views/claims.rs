//! `claims FILE`: a verdict per claim with the numbers behind it, as a view and as text.
//!
//! It deliberately reads no file and judges nothing itself: the front end hands over the file's
//! name and text, and the verdicts are the analysis crate's [`Checker`]'s.

use serde::Serialize;
use xpuscope_analysis::claims::{self, Checker, ClaimResult, Verdict};
use xpuscope_model::Catalog;

use crate::error::{Error, Result};

/// One tested number.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EvidenceView {
    /// What was measured (`h20 / h100-sxm on decode-bs1`).
    pub what: String,
    /// The number, if computed (a ratio, or a value in the unit `detail` names).
    pub value: Option<f64>,
    /// Whether it agrees with the claim; `null` when it neither agrees nor contradicts.
    pub agrees: Option<bool>,
    /// A sentence with the numbers.
    pub detail: String,
}

/// One check of a claim.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CheckView {
    /// What the check tests, in words.
    pub check: String,
    /// `holds`, `fails`, `depends` or `not checkable`.
    pub verdict: &'static str,
    /// The numbers.
    pub evidence: Vec<EvidenceView>,
}

/// One claim's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ClaimView {
    /// Claim id.
    pub id: String,
    /// The claim's original wording.
    pub said: String,
    /// `holds`, `fails`, `depends` or `not checkable`.
    pub verdict: &'static str,
    /// One sentence summing up.
    pub summary: String,
    /// The file's note on the claim.
    pub note: Option<String>,
    /// Per check.
    pub checks: Vec<CheckView>,
}

impl ClaimView {
    /// The view of one claim's outcome.
    pub fn new(c: &ClaimResult) -> ClaimView {
        ClaimView {
            id: c.id.clone(),
            said: c.said.clone(),
            verdict: c.verdict.as_str(),
            summary: c.summary.clone(),
            note: c.note.clone(),
            checks: c
                .checks
                .iter()
                .map(|k| CheckView {
                    check: k.description.clone(),
                    verdict: k.verdict.as_str(),
                    evidence: k
                        .evidence
                        .iter()
                        .map(|e| EvidenceView {
                            what: e.what.clone(),
                            value: e.value,
                            agrees: e.agrees,
                            detail: e.detail.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Every claim of one file (`xpuscope claims FILE`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ClaimsView {
    /// What the file checks.
    pub title: String,
    /// Where the claims were made.
    pub source: Option<String>,
    /// One outcome per claim, in file order.
    pub claims: Vec<ClaimView>,
}

/// Parses a claims file (`name` is how errors cite it) and checks every claim against the
/// catalogue.
pub fn claims(catalog: &Catalog, name: &str, text: &str) -> Result<ClaimsView> {
    let analysis = |e: claims::ClaimsError| Error::Analysis(e.to_string());
    let parsed = claims::parse(name, text).map_err(analysis)?;
    let mut checker = Checker::new(catalog).map_err(Error::Analysis)?;
    let results = checker.run(name, &parsed).map_err(analysis)?;
    Ok(ClaimsView {
        title: parsed.title,
        source: parsed.source,
        claims: results.iter().map(ClaimView::new).collect(),
    })
}

impl ClaimsView {
    /// The verdicts for people: each claim with its checks and evidence, then the count per
    /// verdict.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.title);
        if let Some(s) = &self.source {
            out.push_str(&format!("{s}\n"));
        }
        for c in &self.claims {
            out.push_str(&format!(
                "\n[{}] {}\n  \"{}\"\n  {}\n",
                c.verdict.to_uppercase(),
                c.id,
                c.said,
                c.summary
            ));
            for k in &c.checks {
                out.push_str(&format!("  check: {} -> {}\n", k.check, k.verdict));
                for e in &k.evidence {
                    let mark = match e.agrees {
                        Some(true) => "+",
                        Some(false) => "-",
                        None => "?",
                    };
                    out.push_str(&format!("    {mark} {}\n", e.detail));
                }
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("  note: {n}\n"));
            }
        }
        let count = |v: Verdict| {
            self.claims
                .iter()
                .filter(|c| c.verdict == v.as_str())
                .count()
        };
        out.push_str(&format!(
            "\n{} claims: {} hold, {} fail, {} depend on the workload or chip, {} not checkable here.\n",
            self.claims.len(),
            count(Verdict::Holds),
            count(Verdict::Fails),
            count(Verdict::Depends),
            count(Verdict::NotCheckable)
        ));
        out
    }
}
