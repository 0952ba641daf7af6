//! The sentences of an export answer: a threshold test with its margin, one sentence per
//! paragraph, the summaries, the caveats on how far to trust the figures, and the context notes.
//!
//! Sentences are produced here so that every front end explains the same way; the numbers stay
//! typed in the fields beside them. Nothing here decides a paragraph or a licence: it words what
//! `classify` and `licence` have decided.

use super::answer::{eccn_text, Bound, Check, Classification, Eccn, Quantity};
use super::metrics::at_least;
use super::rules::{RuleKind, RuleSet, Thresholds2023};
use super::words::{and_list, gate, group, pct};
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::sourced::{Grade, Sourced};

impl Quantity {
    /// A value in this quantity's unit, for sentences ("2,368", "5.92", "900 GB/s").
    pub(crate) fn show(self, v: f64) -> String {
        match self {
            Quantity::Tpp => group(v, 0),
            Quantity::PerformanceDensity => format!("{v:.2}"),
            _ => format!("{} GB/s", group(v, 0)),
        }
    }

    /// A threshold in this quantity's unit, for sentences ("4,800", "600 GB/s").
    pub(crate) fn show_gate(self, v: f64) -> String {
        match self {
            Quantity::Tpp | Quantity::PerformanceDensity => gate(v),
            _ => format!("{} GB/s", gate(v)),
        }
    }
}

impl Check {
    /// "TPP 2,368 is 1.3% below the 2,400 gate[ of 3A090.b.1]".
    pub fn phrase(&self, with_paragraph: bool) -> String {
        let q = self.quantity;
        let noun = match self.bound {
            Bound::AtLeast => "gate",
            Bound::Below => "ceiling",
        };
        let of = if with_paragraph {
            format!(" of {}", self.paragraph)
        } else {
            String::new()
        };
        let threshold = q.show_gate(self.threshold);
        let Some(v) = self.value else {
            return format!(
                "{} is unknown, so the {threshold} {noun}{of} cannot be checked",
                q.label()
            );
        };
        let head = format!("{} {}", q.label(), q.show(v));
        let r = v / self.threshold;
        let exact = at_least(v, self.threshold) && at_least(self.threshold, v);
        if exact {
            format!("{head} is exactly at the {threshold} {noun}{of}")
        } else if r >= 2.0 {
            format!("{head} is {r:.1}x the {threshold} {noun}{of}")
        } else if v > self.threshold {
            format!(
                "{head} is {} above the {threshold} {noun}{of}",
                pct(r - 1.0)
            )
        } else if self.bound == Bound::Below {
            format!(
                "{head} is {} under the {threshold} {noun}{of}",
                pct(1.0 - r)
            )
        } else {
            format!(
                "{head} is {} below the {threshold} {noun}{of}",
                pct(1.0 - r)
            )
        }
    }
}

/// One sentence for a paragraph's checks: the failing tests with their margins, or all of them
/// when the paragraph is met.
pub(crate) fn sentence(paragraph: &str, checks: &[Check]) -> String {
    let failing: Vec<&Check> = checks.iter().filter(|c| c.met() == Some(false)).collect();
    let unknown: Vec<&Check> = checks.iter().filter(|c| c.met().is_none()).collect();
    let met: Vec<&Check> = checks.iter().filter(|c| c.met() == Some(true)).collect();
    let phrases = |cs: &[&Check]| -> String {
        let n = cs.len();
        let v: Vec<String> = cs
            .iter()
            .enumerate()
            .map(|(i, c)| c.phrase(i + 1 == n))
            .collect();
        and_list(&v)
    };
    if !failing.is_empty() {
        format!("{}.", cap(&phrases(&failing)))
    } else if !unknown.is_empty() {
        let what: Vec<String> = unknown
            .iter()
            .map(|c| c.quantity.label().to_string())
            .collect();
        let mut what = what;
        what.dedup();
        let known = if met.is_empty() {
            String::new()
        } else {
            format!(" ({})", phrases(&met))
        };
        format!(
            "Whether {paragraph} applies depends on {}, which is unknown{known}.",
            and_list(&what)
        )
    } else {
        format!("{}: met.", cap(&phrases(&met)))
    }
}

/// `s` with its first letter capitalised.
pub(crate) fn cap(s: &str) -> String {
    let mut ch = s.chars();
    match ch.next() {
        Some(f) => f.to_uppercase().collect::<String>() + ch.as_str(),
        None => String::new(),
    }
}

/// The die areas that give a PD band at this TPP, in words.
pub(crate) fn area_condition(tpp: f64, lo: f64, hi: Option<f64>) -> String {
    let area = |pd: f64| format!("{} mm²", group(tpp / pd, 1));
    match (lo > 0.0, hi) {
        (false, Some(h)) => format!("a logic die area above {} (PD under {})", area(h), gate(h)),
        (true, None) => format!(
            "a logic die area of {} or less (PD {} or more)",
            area(lo),
            gate(lo)
        ),
        (true, Some(h)) => format!(
            "a logic die area above {} and up to {} (PD {} to under {})",
            area(h),
            area(lo),
            gate(lo),
            gate(h)
        ),
        (false, None) => "any logic die area".into(),
    }
}

/// The Note 2 reason for a 2023 classification: whether the note takes the chip out of 3A090,
/// given its datacenter flag and the `note2` ceiling check.
pub(crate) fn note2_reason(c: &Classification, t: &Thresholds2023, note2: &Check) -> String {
    let n2 = gate(t.note2_tpp.get());
    match (c.datacenter, note2.met() == Some(true)) {
        (Some(true), _) => "Note 2 does not apply: the chip is designed or marketed for datacenters.".into(),
        (Some(false), true) => format!(
            "Note 2 applies: the chip is not designed or marketed for datacenters and {}, so 3A090 does not apply to it.",
            note2.phrase(false)
        ),
        (Some(false), false) => format!(
            "Note 2 does not apply although the chip is not designed or marketed for datacenters: {}.",
            note2.phrase(false)
        ),
        (None, true) => format!(
            "Note 2 would take the chip out of 3A090 if it is not designed or marketed for datacenters ({}), which is not recorded.",
            note2.phrase(false)
        ),
        (None, false) => format!(
            "Note 2 cannot apply whether or not the chip is for datacenters: TPP {} is at or above its {n2} ceiling.",
            c.tpp
        ),
    }
}

/// Why the answer does not depend on PD, in words.
pub(crate) fn why_pd_irrelevant(t: &Thresholds2023, tpp: f64, datacenter: Option<bool>) -> String {
    let floor = t.a2_tpp.get().min(t.b1_tpp.get()).min(t.b2_tpp.get());
    if at_least(tpp, t.a1_tpp.get()) {
        format!(
            "TPP {} is at or above the {} gate of 3A090.a.1, which makes it 3A090.a at any PD",
            group(tpp, 0),
            gate(t.a1_tpp.get())
        )
    } else if !at_least(tpp, floor) {
        format!(
            "TPP {} is under {}, the lowest TPP any paragraph reaches, so it is outside 3A090 at any PD",
            group(tpp, 0),
            gate(floor)
        )
    } else if datacenter == Some(false) {
        format!(
            "Note 2 takes a part not designed or marketed for datacenters with TPP under {} out of 3A090 at any PD",
            gate(t.note2_tpp.get())
        )
    } else {
        "every PD gives the same paragraph".into()
    }
}

/// The one-sentence summary of a 2023 classification that the data settle.
pub(crate) fn summary_2023(
    c: &Classification,
    t: &Thresholds2023,
    e: Option<Eccn>,
    rule: &str,
) -> String {
    let met: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for ch in &c.checks {
            if ch.paragraph.starts_with("3A090.") && !v.contains(&ch.paragraph.as_str()) {
                let all = c
                    .checks
                    .iter()
                    .filter(|x| x.paragraph == ch.paragraph)
                    .all(|x| x.met() == Some(true));
                if all {
                    v.push(ch.paragraph.as_str());
                }
            }
        }
        v
    };
    let pd = c
        .performance_density
        .map_or(String::new(), |p| format!(" and PD {p}"));
    match e {
        Some(Eccn::A | Eccn::B) => {
            let which: Vec<String> = met
                .iter()
                .filter(|p| p.starts_with(e.map_or("", Eccn::as_str)))
                .map(|p| p.trim_start_matches("3A090.").to_string())
                .collect();
            format!(
                "{} under the {rule}, through {}: TPP {}{pd}.",
                eccn_text(e),
                and_list(&which),
                c.tpp
            )
        }
        Some(Eccn::Original) => format!("3A090 under the {rule}."),
        None => {
            if c.datacenter == Some(false) && !at_least(c.tpp.get(), t.note2_tpp.get()) {
                format!(
                    "Outside 3A090 under the {rule} through Note 2: not designed or marketed for datacenters, with TPP {} under {}{}.",
                    c.tpp,
                    gate(t.note2_tpp.get()),
                    if met.is_empty() {
                        String::new()
                    } else {
                        format!(" (it would otherwise meet {})", and_list(&met.iter().map(std::string::ToString::to_string).collect::<Vec<_>>()))
                    }
                )
            } else {
                let near = nearest_misses(c);
                format!("Outside 3A090 under the {rule}: {near}.")
            }
        }
    }
}

/// For a chip outside 3A090, how far it is from the nearest .b gates, in words.
pub(crate) fn nearest_misses(c: &Classification) -> String {
    let mut phrases: Vec<String> = Vec::new();
    for p in ["3A090.b.1", "3A090.b.2"] {
        let failing = c
            .checks
            .iter()
            .filter(|x| x.paragraph == p && x.met() == Some(false))
            .min_by(|a, b| {
                let ma = a.margin().map_or(f64::MAX, f64::abs);
                let mb = b.margin().map_or(f64::MAX, f64::abs);
                ma.total_cmp(&mb)
            });
        if let Some(f) = failing {
            phrases.push(f.phrase(true));
        }
    }
    if phrases.is_empty() {
        format!("TPP {} is under every gate", c.tpp)
    } else {
        and_list(&phrases)
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Says how far to trust the figures the answer rests on.
pub(crate) fn grade_caveats(c: &mut Classification, chip: &Chip) {
    fn describe<T>(what: &str, s: &Sourced<T>, value: String) -> Option<String> {
        if s.grade == Grade::Vendor || s.source.location.starts_with("--set") {
            return None;
        }
        let note = s.note.as_ref().map_or(String::new(), |n| format!(": {n}"));
        Some(format!("{what} ({value}) is graded `{}`{note}.", s.grade))
    }
    let p = c.tpp_precision;
    let unit = if matches!(p, Precision::Int8 | Precision::Int4) {
        "TOPS"
    } else {
        "TFLOPS"
    };
    if let Some(s) = chip.peak_sourced(p) {
        let value = format!("{} {unit}", trim(group(s.value.tflops(), 2)));
        if let Some(t) = describe(&format!("The dense {p} figure behind the TPP"), s, value) {
            c.caveats.push(t);
        }
    }
    if matches!(c.rule.kind, RuleKind::Eccn2023(_)) {
        if let Some(a) = &chip.die_area {
            let value = format!("{} mm²", trim(group(a.value.get(), 1)));
            if let Some(t) = describe("The logic die area behind the PD", a, value) {
                c.caveats.push(t);
            }
        }
    }
}

/// Adds the context notes: 4A090, the 3A090.c HBM paragraph, the release date, the end of the rule
/// set.
pub(crate) fn context_notes(c: &mut Classification, chip: &Chip, rules: &RuleSet) {
    if let Some(e) = c.eccn() {
        c.notes.push(format!(
            "Computers, boards and assemblies that contain it fall under {}.",
            e.computers()
        ));
    }
    for r in &c.in_force {
        if let RuleKind::Hbm {
            density_gbs_per_mm2,
            ..
        } = r.kind
        {
            if let Some(m) = &c.hbm {
                c.notes.push(format!(
                    "Its {m} stacks are themselves controlled by 3A090.c ({}: HBM with a memory bandwidth density above {} GB/s per mm², which BIS says all HBM in production exceeds); the chip is classified by 3A090.a/.b on its own TPP and PD.",
                    r.cited(),
                    gate(density_gbs_per_mm2)
                ));
            }
        }
    }
    if let Some(rel) = &chip.released {
        if rel.value.ordinal() > c.date.ordinal() {
            c.notes.push(format!(
                "It was not yet released on {} (released {}); this is how the rules then in force would classify it.",
                c.date, rel.value
            ));
        }
    }
    if c.date.ordinal() > rules.last_date().ordinal() {
        c.notes.push(format!(
            "The rule set ends with the {} of {}; later changes are not modelled.",
            rules
                .rules()
                .last()
                .map_or("last rule".into(), |r| r.short.clone()),
            rules.last_date()
        ));
    }
}
