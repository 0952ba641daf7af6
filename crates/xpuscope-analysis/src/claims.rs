//! Machine-checkable claims: a claim's original wording, the checks that test it, and a verdict.
//!
//! A claims file (TOML) lists claims; each has one or more checks: a ratio between two chips on
//! specs or workloads with an expected range, a spec compared with a value, who makes a chip, or an
//! export classification on a date. A check holds, fails, or depends (holds on some workloads or
//! chips and not on others); a claim holds only if every check holds, and fails if any fails.
//! Claims that no number here can test (revenue, charges) are listed as not checkable, with the
//! file's note saying what the sources show.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::compare::{self, Better, CompareConfig, Comparison};
use crate::cost::CostAssumptions;
use xpuscope_export::{self as export, RuleSet};
use xpuscope_model::catalog::Catalog;
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_perf::efficiency::Efficiency;

/// A claims file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsFile {
    /// What the file checks.
    pub title: String,
    /// Where the claims were made.
    #[serde(default)]
    pub source: Option<String>,
    /// Model for workload checks unless a claim names its own (default `llama-3.1-70b`).
    #[serde(default)]
    pub model: Option<String>,
    /// The claims.
    #[serde(default)]
    pub claim: Vec<ClaimSpec>,
}

/// One claim as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimSpec {
    /// Short id.
    pub id: String,
    /// The original wording.
    pub said: String,
    /// Context, or what the sources show for a claim no check can test.
    #[serde(default)]
    pub note: Option<String>,
    /// Model for workload checks.
    #[serde(default)]
    pub model: Option<String>,
    /// The checks; none means the claim is not checkable here.
    #[serde(default)]
    pub check: Vec<CheckSpec>,
}

/// One check as written.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum CheckSpec {
    /// `chip / baseline` on each metric lies in `range` (performance ratios: > 1 is better).
    Ratio {
        /// The chip whose performance is claimed.
        chip: String,
        /// The chip it is measured against.
        baseline: String,
        /// Spec ids (`spec:bf16`, `spec:bandwidth`, ...) or workload ids (`train`, `prefill`,
        /// `decode-bs1`, `decode-bs64`, `decode-max`, `decode-long`).
        on: Vec<String>,
        /// The claimed range of the ratio, low and high.
        range: [f64; 2],
    },
    /// A spec of each chip compared with a value.
    Spec {
        /// The chips the claim is about.
        chips: Vec<String>,
        /// `bf16`, `fp16`, `fp8`, `int8`, ... (dense TFLOPS), `memory_gib`, `bandwidth_gbs`.
        field: String,
        /// `>`, `>=`, `<`, `<=`.
        op: String,
        /// The value compared with, in the field's unit.
        value: f64,
    },
    /// Who makes the chip.
    Vendor {
        /// The chip.
        chip: String,
        /// Its claimed vendor.
        vendor: String,
    },
    /// Export classification on a date.
    Export {
        /// The chip.
        chip: String,
        /// The date, `YYYY-MM-DD`.
        date: String,
        /// `3A090.a`, `3A090.b`, `3A090` or `none`.
        #[serde(default)]
        eccn: Option<String>,
        /// Whether a licence is needed for China.
        #[serde(default)]
        licence_required: Option<bool>,
    },
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every tested number agrees.
    Holds,
    /// The numbers contradict it.
    Fails,
    /// True on some workloads or chips, false on others.
    Depends,
    /// Nothing here can test it.
    NotCheckable,
}

impl Verdict {
    /// Name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Depends => "depends",
            Verdict::NotCheckable => "not checkable",
        }
    }

    fn combine(self, other: Verdict) -> Verdict {
        use Verdict::*;
        match (self, other) {
            (Fails, _) | (_, Fails) => Fails,
            (NotCheckable, x) | (x, NotCheckable) => x,
            (Depends, _) | (_, Depends) => Depends,
            (Holds, Holds) => Holds,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One tested number.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// What was measured (`h20 / h100-sxm on decode-bs1`).
    pub what: String,
    /// The number, if computed.
    pub value: Option<f64>,
    /// Whether it agrees with the claim.
    pub agrees: Option<bool>,
    /// A sentence with the numbers.
    pub detail: String,
}

/// A check's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// What the check tests, in words.
    pub description: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The numbers.
    pub evidence: Vec<Evidence>,
}

/// A claim's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimResult {
    /// Id.
    pub id: String,
    /// Original wording.
    pub said: String,
    /// Overall verdict.
    pub verdict: Verdict,
    /// One sentence summing up.
    pub summary: String,
    /// Per check.
    pub checks: Vec<CheckResult>,
    /// The file's note.
    pub note: Option<String>,
}

/// Why claims could not be checked at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClaimsError {
    /// Not valid TOML or not the schema.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong, with the line.
        message: String,
    },
    /// A check names something that does not exist.
    #[error("{file}: claim `{claim}`: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The claim id.
        claim: String,
        /// What is wrong.
        message: String,
    },
}

/// Parses a claims file.
pub fn parse(file: &str, text: &str) -> Result<ClaimsFile, ClaimsError> {
    let f: ClaimsFile = toml::from_str(text).map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| xpuscope_model::catalog::line_of(text, s.start));
        ClaimsError::Parse {
            file: match line {
                Some(l) => format!("{file}:{l}"),
                None => file.to_string(),
            },
            message: xpuscope_model::catalog::toml_message(&e),
        }
    })?;
    // Numbers that enter must be real: a NaN range would make every ratio "outside" it.
    for c in &f.claim {
        for ch in &c.check {
            let bad = match ch {
                CheckSpec::Ratio { range, .. }
                    if !range.iter().all(|x| x.is_finite() && *x >= 0.0) =>
                {
                    Some(format!(
                        "`range = [{}, {}]` must be two finite, non-negative ratios",
                        range[0], range[1]
                    ))
                }
                CheckSpec::Spec { value, .. } if !value.is_finite() => {
                    Some(format!("`value = {value}` must be a finite number"))
                }
                _ => None,
            };
            if let Some(message) = bad {
                return Err(ClaimsError::Invalid {
                    file: file.to_string(),
                    claim: c.id.clone(),
                    message,
                });
            }
        }
    }
    Ok(f)
}

fn spec_value(chip: &Chip, field: &str) -> Result<Option<f64>, String> {
    if let Some(p) = Precision::parse(field) {
        // BF16 and FP16 stand in for each other where the catalogue lists only one.
        let v = chip.peak(p).or_else(|| match p {
            Precision::Bf16 | Precision::Fp16 => chip.peak_16bit().map(|(_, f)| f),
            _ => None,
        });
        return Ok(v.map(xpuscope_model::units::FlopsPerSecond::tflops));
    }
    match field {
        "memory_gib" => Ok(chip.capacity().map(xpuscope_model::units::Bytes::gib)),
        "bandwidth_gbs" => Ok(chip.bandwidth().map(xpuscope_model::units::BytesPerSecond::gbs)),
        "tdp_w" => Ok(chip.tdp.as_ref().map(|t| t.value.get())),
        other => Err(format!(
            "unknown spec field `{other}`; use a precision (bf16, fp16, fp8, int8, ...), memory_gib, bandwidth_gbs or tdp_w"
        )),
    }
}

/// Checks claims against the catalogue, the performance model and the export rules.
pub struct Checker<'a> {
    cat: &'a Catalog,
    eff: Efficiency,
    rules: RuleSet,
    comparisons: BTreeMap<(String, String, String), Comparison>,
}

impl<'a> Checker<'a> {
    /// A checker over a catalogue and the built-in rules.
    pub fn new(cat: &'a Catalog) -> Result<Checker<'a>, String> {
        Ok(Checker {
            cat,
            eff: Efficiency::default(),
            rules: RuleSet::builtin().map_err(|e| e.to_string())?,
            comparisons: BTreeMap::new(),
        })
    }

    fn comparison(
        &mut self,
        baseline: &str,
        chip: &str,
        model: &str,
    ) -> Result<&Comparison, String> {
        let key = (baseline.to_string(), chip.to_string(), model.to_string());
        if !self.comparisons.contains_key(&key) {
            let b = self.cat.chip(baseline).map_err(|e| e.to_string())?;
            let c = self.cat.chip(chip).map_err(|e| e.to_string())?;
            let m = self.cat.model(model).map_err(|e| e.to_string())?;
            let cmp = compare::compare(
                &[b, c],
                m,
                &CompareConfig::default(),
                &self.eff,
                &CostAssumptions::default(),
            );
            self.comparisons.insert(key.clone(), cmp);
        }
        Ok(&self.comparisons[&key])
    }

    fn check(&mut self, c: &CheckSpec, model: &str) -> Result<CheckResult, String> {
        match c {
            CheckSpec::Ratio {
                chip,
                baseline,
                on,
                range,
            } => {
                let (lo, hi) = (range[0].min(range[1]), range[0].max(range[1]));
                let cmp = self.comparison(baseline, chip, model)?.clone();
                let mut evidence = Vec::new();
                for metric in on {
                    let row = cmp
                        .workloads
                        .iter()
                        .chain(cmp.specs.iter())
                        .find(|r| &r.id == metric)
                        .ok_or_else(|| format!("unknown metric `{metric}`"))?;
                    let cell = &row.cells[1];
                    let what = format!("{chip} / {baseline} on {metric}");
                    let (value, agrees, detail) = match cell.ratio {
                        Some(r) => {
                            let inside = r >= lo - 1e-9 && r <= hi + 1e-9;
                            let orient = if matches!(row.better, Better::Lower) {
                                " (times inverted: > 1 is faster)"
                            } else {
                                ""
                            };
                            (
                                Some(r),
                                Some(inside),
                                format!(
                                    "{}: {:.2}x{orient}, {} {:.2}-{:.2}{}",
                                    row.workload,
                                    r,
                                    if inside { "inside" } else { "outside" },
                                    lo,
                                    hi,
                                    cell.bound.map_or(String::new(), |b| format!(
                                        "; {chip} is {}-bound",
                                        b.as_str()
                                    ))
                                ),
                            )
                        }
                        None => (
                            None,
                            None,
                            format!(
                                "{}: no ratio ({})",
                                row.workload,
                                cell.note.clone().unwrap_or_else(|| "missing data".into())
                            ),
                        ),
                    };
                    evidence.push(Evidence {
                        what,
                        value,
                        agrees,
                        detail,
                    });
                }
                Ok(CheckResult {
                    description: format!(
                        "{chip} / {baseline} between {lo}x and {hi}x on {}",
                        on.join(", ")
                    ),
                    verdict: tally(&evidence),
                    evidence,
                })
            }
            CheckSpec::Spec {
                chips,
                field,
                op,
                value,
            } => {
                let mut evidence = Vec::new();
                for id in chips {
                    let chip = self.cat.chip(id).map_err(|e| e.to_string())?;
                    let v = spec_value(chip, field)?;
                    let agrees = v.map(|x| match op.as_str() {
                        ">" => Ok(x > *value),
                        ">=" => Ok(x >= *value),
                        "<" => Ok(x < *value),
                        "<=" => Ok(x <= *value),
                        other => Err(format!("unknown comparison `{other}`; use >, >=, < or <=")),
                    });
                    let agrees = match agrees {
                        Some(r) => Some(r?),
                        None => None,
                    };
                    let source = Precision::parse(field)
                        .and_then(|p| chip.peak_sourced(p))
                        .map(|s| {
                            format!(
                                " [{}, {}]",
                                s.grade,
                                s.source
                                    .key
                                    .clone()
                                    .unwrap_or_else(|| s.source.location.clone())
                            )
                        })
                        .unwrap_or_default();
                    let detail = match v {
                        Some(x) => format!(
                            "{id} {field} = {x:.1}{source}: {} {op} {value}",
                            if agrees == Some(true) { "is" } else { "is not" }
                        ),
                        None => format!("{id} {field} is unknown (no source)"),
                    };
                    evidence.push(Evidence {
                        what: format!("{id} {field}"),
                        value: v,
                        agrees,
                        detail,
                    });
                }
                Ok(CheckResult {
                    description: format!("{field} {op} {value} for {}", chips.join(", ")),
                    verdict: tally(&evidence),
                    evidence,
                })
            }
            CheckSpec::Vendor { chip, vendor } => {
                let c = self.cat.chip(chip).map_err(|e| e.to_string())?;
                let agrees = c
                    .vendor
                    .to_ascii_lowercase()
                    .contains(&vendor.to_ascii_lowercase());
                let evidence = vec![Evidence {
                    what: format!("maker of {chip}"),
                    value: None,
                    agrees: Some(agrees),
                    detail: format!("{} is made by {} (claimed: {vendor})", c.name, c.vendor),
                }];
                Ok(CheckResult {
                    description: format!("{chip} is made by {vendor}"),
                    verdict: tally(&evidence),
                    evidence,
                })
            }
            CheckSpec::Export {
                chip,
                date,
                eccn,
                licence_required,
            } => {
                let c = self.cat.chip(chip).map_err(|e| e.to_string())?;
                let d = export::parse_date(date).map_err(|e| e.to_string())?;
                let cl = export::classify(c, d, &self.rules).map_err(|e| e.to_string())?;
                let got = export::eccn_text(cl.eccn());
                let mut evidence = Vec::new();
                if let Some(want) = eccn {
                    let want_norm = if want.eq_ignore_ascii_case("none") {
                        "outside 3A090"
                    } else {
                        want.as_str()
                    };
                    let agrees = cl.outcome.is_determined().then(|| {
                        got.eq_ignore_ascii_case(want_norm)
                            || (want.eq_ignore_ascii_case("none") && cl.eccn().is_none())
                    });
                    evidence.push(Evidence {
                        what: format!("{chip} ECCN on {date}"),
                        value: Some(cl.tpp.get()),
                        agrees,
                        detail: format!(
                            "{chip} on {date}: {} (TPP {:.0}); claimed {want}",
                            got,
                            cl.tpp.get()
                        ),
                    });
                }
                if let Some(want) = licence_required {
                    use export::ChinaLicence as L;
                    let needed = match cl.licence.china {
                        L::Required | L::IsInformed => Some(true),
                        L::NotRequired => Some(false),
                        L::PossiblyIsInformed | L::Undetermined => None,
                    };
                    evidence.push(Evidence {
                        what: format!("{chip} licence for China on {date}"),
                        value: None,
                        agrees: needed.map(|n| n == *want),
                        detail: format!("{chip} on {date}: {}", cl.licence.summary),
                    });
                }
                Ok(CheckResult {
                    description: format!("{chip} export status on {date}"),
                    verdict: tally(&evidence),
                    evidence,
                })
            }
        }
    }

    /// Checks every claim of a file.
    pub fn run(&mut self, file: &str, f: &ClaimsFile) -> Result<Vec<ClaimResult>, ClaimsError> {
        let default_model = f
            .model
            .clone()
            .unwrap_or_else(|| "llama-3.1-70b".to_string());
        let mut out = Vec::new();
        for claim in &f.claim {
            let model = claim.model.clone().unwrap_or_else(|| default_model.clone());
            let mut checks = Vec::new();
            for c in &claim.check {
                let r = self
                    .check(c, &model)
                    .map_err(|message| ClaimsError::Invalid {
                        file: file.to_string(),
                        claim: claim.id.clone(),
                        message,
                    })?;
                checks.push(r);
            }
            let verdict = checks.iter().fold(
                if checks.is_empty() {
                    Verdict::NotCheckable
                } else {
                    Verdict::Holds
                },
                |v, c| v.combine(c.verdict),
            );
            let summary = summarise(verdict, &checks);
            out.push(ClaimResult {
                id: claim.id.clone(),
                said: claim.said.clone(),
                verdict,
                summary,
                checks,
                note: claim.note.clone(),
            });
        }
        Ok(out)
    }
}

fn tally(e: &[Evidence]) -> Verdict {
    let yes = e.iter().filter(|x| x.agrees == Some(true)).count();
    let no = e.iter().filter(|x| x.agrees == Some(false)).count();
    match (yes, no) {
        (0, 0) => Verdict::NotCheckable,
        (_, 0) => Verdict::Holds,
        (0, _) => Verdict::Fails,
        _ => Verdict::Depends,
    }
}

fn summarise(v: Verdict, checks: &[CheckResult]) -> String {
    let agreeing: Vec<&str> = checks
        .iter()
        .flat_map(|c| c.evidence.iter())
        .filter(|e| e.agrees == Some(true))
        .map(|e| e.what.as_str())
        .collect();
    let disagreeing: Vec<&str> = checks
        .iter()
        .flat_map(|c| c.evidence.iter())
        .filter(|e| e.agrees == Some(false))
        .map(|e| e.what.as_str())
        .collect();
    match v {
        Verdict::Holds => format!("holds on every number tested ({})", agreeing.len()),
        Verdict::Fails if agreeing.is_empty() => {
            format!("fails on every number tested ({})", disagreeing.len())
        }
        Verdict::Fails => format!(
            "fails: {} of {} numbers contradict it",
            disagreeing.len(),
            agreeing.len() + disagreeing.len()
        ),
        Verdict::Depends => format!(
            "true for {}; false for {}",
            agreeing.join(", "),
            disagreeing.join(", ")
        ),
        Verdict::NotCheckable => "no number here can test it".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Vec<ClaimResult> {
        let cat = Catalog::builtin().unwrap();
        let f = parse("t.toml", text).unwrap();
        Checker::new(&cat).unwrap().run("t.toml", &f).unwrap()
    }

    #[test]
    fn verdicts_follow_the_numbers() {
        let r = check(
            r#"
title = "t"
[[claim]]
id = "a"
said = "x"
[[claim.check]]
kind = "spec"
chips = ["h100-sxm", "h20"]
field = "bf16"
op = ">"
value = 400
[[claim]]
id = "b"
said = "y"
[[claim.check]]
kind = "vendor"
chip = "h20"
vendor = "NVIDIA"
[[claim]]
id = "c"
said = "z"
[[claim.check]]
kind = "ratio"
chip = "h20"
baseline = "h100-sxm"
on = ["spec:bandwidth"]
range = [0.5, 0.7]
[[claim]]
id = "d"
said = "revenue"
note = "not a chip question"
"#,
        );
        assert_eq!(r[0].verdict, Verdict::Depends);
        assert_eq!(r[1].verdict, Verdict::Holds);
        assert_eq!(r[2].verdict, Verdict::Fails);
        assert_eq!(r[3].verdict, Verdict::NotCheckable);
    }

    #[test]
    fn bad_files_name_the_line_and_claim() {
        let e = parse("t.toml", "title = \"t\"\n[[claim]]\nid = 3\n").unwrap_err();
        assert!(e.to_string().starts_with("t.toml:3:"), "{e}");
        let cat = Catalog::builtin().unwrap();
        let f = parse("t.toml", "title = \"t\"\n[[claim]]\nid = \"x\"\nsaid = \"s\"\n[[claim.check]]\nkind = \"vendor\"\nchip = \"h2O\"\nvendor = \"v\"\n").unwrap();
        let e = Checker::new(&cat).unwrap().run("t.toml", &f).unwrap_err();
        assert!(
            e.to_string()
                .contains("claim `x`: no chip `h2O`; did you mean `h20`?"),
            "{e}"
        );
    }

    /// Found by the fuzz-like test: toml's message for an unclosed array spans two lines.
    #[test]
    fn a_toml_error_is_one_line() {
        let e = parse("c.toml", "[[claim]]\nid = [ \"a\"\nnote = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n'), "{e:?}");
        assert!(e.starts_with("c.toml:3: invalid array; expected"), "{e}");
    }
}
