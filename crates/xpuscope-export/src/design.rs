//! Design to threshold: for a die of a given area, whether it is for datacenters and (optionally)
//! its memory bandwidth, the largest dense throughput per precision that keeps a chip out of each
//! paragraph on a date.
//!
//! For a fixed die area every paragraph is upward closed in TPP (raising TPP raises PD with it, and
//! a chip that leaves a .b band enters .a), so "outside" is always TPP below one ceiling, which this
//! module computes in closed form and names the gate that sets it. The tests check every ceiling
//! against the classifier itself. It does not search over die areas or memory systems.

use super::answer::Eccn;
use super::classify::decide_2023;
use super::metrics::{PerformanceDensity, Tpp};
use super::rules::{Rule, RuleKind, RuleSet};
use super::words::{gate, group};
use super::ExportError;
use xpuscope_model::chip::{Date, Precision};
use xpuscope_model::units::{BytesPerSecond, FlopsPerSecond, SquareMm};

/// What the designer gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DesignSpec {
    /// Logic die area (all logic dies together).
    pub die_area: SquareMm,
    /// Designed or marketed for datacenters (Note 2 turns on it).
    pub datacenter: bool,
    /// DRAM bandwidth, if decided (for the Jan 2026 policy and the April 2025 letters).
    pub memory_bandwidth: Option<BytesPerSecond>,
    /// The date whose rules apply.
    pub date: Date,
}

/// The TPP a target allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ceiling {
    /// TPP must stay below this.
    Below(Tpp),
    /// No TPP reaches the target with this spec (memory bandwidth rules it out).
    Unreachable,
}

/// One goal ("outside 3A090") and the most throughput that meets it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignTarget {
    /// A stable key for programs ("outside-3a090", "outside-3a090a", "case-by-case").
    pub key: String,
    /// The goal, in words.
    pub goal: String,
    /// The TPP ceiling.
    pub ceiling: Ceiling,
    /// Which gate sets the ceiling, and why the others do not, in words.
    pub binding: String,
    /// The dense rate each precision must stay below (every precision separately, since TPP is
    /// the largest over precisions), in `Precision::ALL` order; empty when unreachable.
    pub dense_below: Vec<(Precision, FlopsPerSecond)>,
}

/// The answer for one spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// What was asked.
    pub spec: DesignSpec,
    /// The 3A090 rule in force on the date.
    pub rule: Rule,
    /// One row per goal.
    pub targets: Vec<DesignTarget>,
    /// Letters, policies and caveats that the ceilings do not capture.
    pub notes: Vec<String>,
}

fn target(key: &str, goal: String, ceiling: Ceiling, binding: String) -> DesignTarget {
    let dense_below = match ceiling {
        Ceiling::Below(t) => Precision::ALL.iter().map(|p| (*p, t.rate_in(*p))).collect(),
        Ceiling::Unreachable => Vec::new(),
    };
    DesignTarget {
        key: key.into(),
        goal,
        ceiling,
        binding,
        dense_below,
    }
}

/// The largest dense throughput per precision that stays outside each paragraph.
pub fn design(spec: &DesignSpec, rules: &RuleSet) -> Result<Design, ExportError> {
    let area = spec.die_area.get();
    if !(area.is_finite() && area > 0.0) {
        return Err(ExportError::BadDesign(format!(
            "the die area must be a positive number of mm², not {area}"
        )));
    }
    let rule = rules
        .eccn_rule(spec.date)
        .ok_or(ExportError::BeforeFirstRule {
            date: spec.date,
            first: rules.first_date(),
        })?;
    let mut targets = Vec::new();
    let mut notes = Vec::new();
    match &rule.kind {
        RuleKind::Eccn2022(t) => {
            targets.push(target(
                "outside-3a090",
                "outside 3A090".into(),
                Ceiling::Below(t.tpp),
                format!(
                    "the {} compute test; or any TPP if the aggregate chip-to-chip transfer rate stays under {} GB/s, the route the A800 and H800 took",
                    gate(t.tpp.get()),
                    gate(t.transfer_rate.gbs())
                ),
            ));
            notes.push("Under this rule die area and the datacenter question play no part.".into());
        }
        RuleKind::Eccn2023(t) => {
            let a = spec.die_area;
            if spec.datacenter {
                // Outside 3A090 altogether: the lowest TPP at which any paragraph starts.
                let pd_tpp = |pd: PerformanceDensity| pd * a;
                let candidates = [
                    (
                        t.a1_tpp.get(),
                        format!("the {} TPP gate of 3A090.a.1", gate(t.a1_tpp.get())),
                    ),
                    start(t.a2_tpp, pd_tpp(t.a2_pd), "3A090.a.2", t.a2_pd),
                    start(t.b1_tpp, pd_tpp(t.b1_pd), "3A090.b.1", t.b1_pd),
                    start(t.b2_tpp, pd_tpp(t.b2_pd), "3A090.b.2", t.b2_pd),
                ];
                let (limit, binding) = lowest(&candidates);
                let pd_at = Tpp::new(limit) / a;
                let others = why_not_others(&candidates, limit);
                targets.push(target(
                    "outside-3a090",
                    "outside 3A090".into(),
                    Ceiling::Below(Tpp::new(limit)),
                    format!(
                        "{binding} (PD {pd_at} at TPP {} on this die){others}",
                        group(limit, 0)
                    ),
                ));
                let a_only = [candidates[0].clone(), candidates[1].clone()];
                let (limit_a, binding_a) = lowest(&a_only);
                targets.push(target(
                    "outside-3a090a",
                    "outside 3A090.a".into(),
                    Ceiling::Below(Tpp::new(limit_a)),
                    format!(
                        "{binding_a}{}; between the two ceilings the chip is 3A090.b, where License Exception NAC may apply to datacenter parts",
                        why_not_others(&a_only, limit_a)
                    ),
                ));
            } else {
                targets.push(target(
                    "outside-3a090",
                    "outside 3A090 (Note 2)".into(),
                    Ceiling::Below(t.note2_tpp),
                    format!(
                        "Note 2: a part not designed or marketed for datacenters is outside 3A090 below TPP {} whatever its PD; at {} or more it is 3A090.a, with License Exception NAC possible",
                        gate(t.note2_tpp.get()),
                        gate(t.note2_tpp.get())
                    ),
                ));
            }
        }
        _ => {}
    }
    let in_force = rules.in_force(spec.date);
    for r in &in_force {
        match r.kind {
            RuleKind::CaseByCase {
                tpp_below,
                dram_bandwidth_below,
            } => {
                let (ceiling, why) = match spec.memory_bandwidth {
                    Some(b) if b.gbs() >= dram_bandwidth_below.gbs() => (
                        Ceiling::Unreachable,
                        format!(
                            "memory bandwidth {} GB/s is at or above the {} GB/s limit of the {}",
                            group(b.gbs(), 0),
                            gate(dram_bandwidth_below.gbs()),
                            r.short
                        ),
                    ),
                    Some(_) => (
                        Ceiling::Below(tpp_below),
                        format!(
                            "the {} TPP limit of the {}: a 3A090 chip under it is reviewed case by case rather than presumed denied",
                            gate(tpp_below.get()),
                            r.short
                        ),
                    ),
                    None => (
                        Ceiling::Below(tpp_below),
                        format!(
                            "the {} TPP limit of the {}, provided memory bandwidth stays under {} GB/s: a 3A090 chip under both is reviewed case by case rather than presumed denied",
                            gate(tpp_below.get()),
                            r.short,
                            gate(dram_bandwidth_below.gbs())
                        ),
                    ),
                };
                targets.push(target(
                    "case-by-case",
                    "case-by-case review for China".into(),
                    ceiling,
                    why,
                ));
            }
            RuleKind::IsInformed {
                memory_bandwidth,
                interconnect,
                ..
            } => notes.push(match spec.memory_bandwidth {
                Some(b) if b.gbs() >= memory_bandwidth.gbs() => format!(
                    "With {} GB/s of memory bandwidth, at or above the H20's {} GB/s, a chip outside 3A090 may still be caught by the {}, which covers circuits achieving the H20's memory bandwidth, interconnect bandwidth or a combination.",
                    group(b.gbs(), 0),
                    gate(memory_bandwidth.gbs()),
                    r.short
                ),
                Some(b) => format!(
                    "Memory bandwidth of {} GB/s is under the H20's {} GB/s; keep chip-to-chip bandwidth under its {} GB/s too to stay clear of the {}.",
                    group(b.gbs(), 0),
                    gate(memory_bandwidth.gbs()),
                    gate(interconnect.gbs()),
                    r.short
                ),
                None => format!(
                    "The {} also reaches chips with the H20's memory bandwidth ({} GB/s) or interconnect ({} GB/s); give a memory bandwidth to check.",
                    r.short,
                    gate(memory_bandwidth.gbs()),
                    gate(interconnect.gbs())
                ),
            }),
            _ => {}
        }
    }
    notes.push(
        "Ceilings are strict: TPP must stay below them. They apply to dense throughput, each precision separately."
            .into(),
    );
    Ok(Design {
        spec: *spec,
        rule: rule.clone(),
        targets,
        notes,
    })
}

/// Where a paragraph with a TPP floor and a PD gate starts on this die: the larger of the floor
/// and the TPP that reaches the PD gate.
fn start(floor: Tpp, at_pd: Tpp, paragraph: &str, pd: PerformanceDensity) -> (f64, String) {
    if floor.get() >= at_pd.get() {
        (
            floor.get(),
            format!("the {} TPP gate of {paragraph}", gate(floor.get())),
        )
    } else {
        (
            at_pd.get(),
            format!("the {} PD gate of {paragraph}", gate(pd.get())),
        )
    }
}

fn lowest(candidates: &[(f64, String)]) -> (f64, String) {
    let min = candidates.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
    let names: Vec<String> = candidates
        .iter()
        .filter(|c| (c.0 - min).abs() <= 1e-9 * min)
        .map(|c| c.1.clone())
        .collect();
    (min, format!("{} binds", super::words::and_list(&names)))
}

/// The next gate after the binding one, and the TPP at which it would bind on this die.
fn why_not_others(candidates: &[(f64, String)], limit: f64) -> String {
    candidates
        .iter()
        .filter(|c| c.0 > limit * (1.0 + 1e-9))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(String::new(), |c| {
            format!(
                "; the next, {}, would bind only at TPP {}",
                c.1,
                group(c.0, 0)
            )
        })
}

/// Whether a chip with this TPP on this die lands in a paragraph (for tests and callers that want
/// to check a ceiling against the classifier's own logic).
pub fn lands_in(spec: &DesignSpec, tpp: Tpp, rules: &RuleSet) -> Option<Option<Eccn>> {
    let rule = rules.eccn_rule(spec.date)?;
    match &rule.kind {
        RuleKind::Eccn2023(t) => Some(decide_2023(
            t,
            tpp.get(),
            (tpp / spec.die_area).get(),
            spec.datacenter,
        )),
        // Assumes the links pass the 2022 transfer-rate test, as the design ceiling does.
        RuleKind::Eccn2022(t) => {
            Some(super::metrics::at_least(tpp.get(), t.tpp.get()).then_some(Eccn::Original))
        }
        _ => None,
    }
}
