//! The October 2023 rule (effective 17 Nov 2023): TPP and performance density decide 3A090.a or
//! .b, Note 2 takes parts not designed or marketed for datacenters out below a TPP, and License
//! Exception NAC may apply to some of what remains.
//!
//! Missing data never becomes a guess: when the die area or the datacenter flag is unknown, every
//! value it could take is tried, and the answer is either the same for all of them (and says so)
//! or lists what each would give. Letters and licence policies are not read here (`licence`), and
//! the sentences are worded in `explain`.

use crate::answer::{
    eccn_text, Bound, Check, Classification, Eccn, LicenceException, Missing, Outcome, Possibility,
    Quantity,
};
use crate::explain::{
    area_condition, cap, note2_reason, sentence, summary_2023, why_pd_irrelevant,
};
use crate::metrics::{at_least, PerformanceDensity};
use crate::rules::Thresholds2023;
use crate::words::{gate, or_list};

/// The 2023 decision for known inputs.
pub(crate) fn decide_2023(t: &Thresholds2023, tpp: f64, pd: f64, datacenter: bool) -> Option<Eccn> {
    if !datacenter && !at_least(tpp, t.note2_tpp.get()) {
        return None;
    }
    let a1 = at_least(tpp, t.a1_tpp.get());
    let a2 = at_least(tpp, t.a2_tpp.get()) && at_least(pd, t.a2_pd.get());
    if a1 || a2 {
        return Some(Eccn::A);
    }
    let pd_below_a = !at_least(pd, t.a2_pd.get());
    let b1 = at_least(tpp, t.b1_tpp.get())
        && !at_least(tpp, t.a1_tpp.get())
        && at_least(pd, t.b1_pd.get())
        && pd_below_a;
    let b2 = at_least(tpp, t.b2_tpp.get()) && at_least(pd, t.b2_pd.get()) && pd_below_a;
    (b1 || b2).then_some(Eccn::B)
}

/// The 2023 paragraphs as (name, checks) for a TPP and an optional PD.
fn checks_2023(t: &Thresholds2023, tpp: f64, pd: Option<f64>) -> Vec<(&'static str, Vec<Check>)> {
    use Bound::{AtLeast, Below};
    use Quantity::{PerformanceDensity as Pd, Tpp as T};
    let tp = Some(tpp);
    vec![
        (
            "3A090.a.1",
            vec![Check::new("3A090.a.1", T, AtLeast, t.a1_tpp.get(), tp)],
        ),
        (
            "3A090.a.2",
            vec![
                Check::new("3A090.a.2", T, AtLeast, t.a2_tpp.get(), tp),
                Check::new("3A090.a.2", Pd, AtLeast, t.a2_pd.get(), pd),
            ],
        ),
        (
            "3A090.b.1",
            vec![
                Check::new("3A090.b.1", T, AtLeast, t.b1_tpp.get(), tp),
                Check::new("3A090.b.1", T, Below, t.a1_tpp.get(), tp),
                Check::new("3A090.b.1", Pd, AtLeast, t.b1_pd.get(), pd),
                Check::new("3A090.b.1", Pd, Below, t.a2_pd.get(), pd),
            ],
        ),
        (
            "3A090.b.2",
            vec![
                Check::new("3A090.b.2", T, AtLeast, t.b2_tpp.get(), tp),
                Check::new("3A090.b.2", Pd, AtLeast, t.b2_pd.get(), pd),
                Check::new("3A090.b.2", Pd, Below, t.a2_pd.get(), pd),
            ],
        ),
    ]
}

/// The PD bands the 2023 rule distinguishes, as (low, high) with `high = None` for the top band.
fn pd_bands(t: &Thresholds2023) -> Vec<(f64, Option<f64>)> {
    let mut edges = vec![t.b1_pd.get(), t.b2_pd.get(), t.a2_pd.get()];
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    let mut bands = vec![(0.0, Some(edges[0]))];
    for (i, e) in edges.iter().enumerate() {
        bands.push((*e, edges.get(i + 1).copied()));
    }
    bands
}

/// Fills the paragraph (or what it depends on), checks, reasons, summary and caveats of `c` under
/// the 2023 thresholds.
pub(super) fn classify(c: &mut Classification, t: &Thresholds2023) {
    let tpp = c.tpp.get();
    let pd = c.performance_density.map(PerformanceDensity::get);
    let paragraphs = checks_2023(t, tpp, pd);
    for (p, checks) in &paragraphs {
        c.reasons.push(sentence(p, checks));
    }
    for (_, checks) in paragraphs {
        c.checks.extend(checks);
    }
    // Note 2.
    let note2 = Check::new(
        "Note 2",
        Quantity::Tpp,
        Bound::Below,
        t.note2_tpp.get(),
        Some(tpp),
    );
    c.reasons.push(note2_reason(c, t, &note2));
    c.checks.push(note2);

    // Try every value the missing data could take; group the answers.
    let dcs: Vec<bool> = c.datacenter.map_or(vec![true, false], |d| vec![d]);
    // With a known PD there is one "band": the value itself.
    let bands: Vec<(f64, Option<f64>)> = match pd {
        Some(p) => vec![(p, Some(p))],
        None => pd_bands(t),
    };
    let mut possible: Vec<Possibility> = Vec::new();
    let mut pd_mattered = false;
    for &dc in &dcs {
        // Merge adjacent PD bands with the same answer.
        let mut groups: Vec<(f64, Option<f64>, Option<Eccn>)> = Vec::new();
        for &(lo, hi) in &bands {
            let e = decide_2023(t, tpp, band_point(pd, lo, hi), dc);
            match groups.last_mut() {
                Some(g) if g.2 == e => g.1 = hi,
                _ => groups.push((lo, hi, e)),
            }
        }
        if groups.len() > 1 {
            pd_mattered = true;
        }
        let dc_text = if c.datacenter.is_some() {
            None
        } else if dc {
            Some("if designed or marketed for datacenters")
        } else {
            Some("if not designed or marketed for datacenters")
        };
        for (lo, hi, e) in groups {
            let area =
                (pd.is_none() && (lo > 0.0 || hi.is_some())).then(|| area_condition(tpp, lo, hi));
            let condition = match (dc_text, area) {
                (Some(d), Some(a)) => format!("{d}, with {a}"),
                (Some(d), None) => d.to_string(),
                (None, Some(a)) => format!("with {a}"),
                (None, None) => String::new(),
            };
            possible.push(Possibility { eccn: e, condition });
        }
    }
    let distinct: Vec<Option<Eccn>> = {
        let mut v: Vec<Option<Eccn>> = possible.iter().map(|p| p.eccn).collect();
        v.sort();
        v.dedup();
        v
    };
    let dc_mattered = dcs.len() > 1 && {
        let per_dc = |dc: bool| -> Vec<Option<Eccn>> {
            bands
                .iter()
                .map(|&(lo, hi)| decide_2023(t, tpp, band_point(pd, lo, hi), dc))
                .collect()
        };
        per_dc(true) != per_dc(false)
    };
    let rule = c.rule.cited();
    if distinct.len() == 1 {
        let e = distinct[0];
        c.outcome = Outcome::Determined(e);
        c.summary = summary_2023(c, t, e, &rule);
        if pd.is_none() {
            c.caveats.push(format!(
                "The logic die area is unknown (catalogue field `die_area_mm2`), so PD is too, but the answer does not depend on it: {}.",
                why_pd_irrelevant(t, tpp, c.datacenter)
            ));
        }
        if c.datacenter.is_none() {
            c.caveats.push(
                "Whether the chip is designed or marketed for datacenters is not recorded (catalogue field `datacenter`); the answer does not depend on it."
                    .into(),
            );
        }
    } else {
        let mut missing = Vec::new();
        if pd.is_none() && pd_mattered {
            missing.push(Missing::DieArea);
        }
        if dc_mattered {
            missing.push(Missing::Datacenter);
        }
        let options: Vec<String> = possible
            .iter()
            .map(|p| format!("{} {}", eccn_text(p.eccn), p.condition))
            .collect();
        c.summary = format!(
            "Undetermined under the {rule}: TPP {} alone does not settle it; {}.",
            c.tpp,
            or_list(&options)
        );
        for m in &missing {
            c.caveats.push(format!(
                "{} is unknown (catalogue field `{}`), and the paragraph depends on it.",
                cap(m.describe()),
                m.field()
            ));
        }
        if pd.is_none() && !pd_mattered {
            c.caveats.push(format!(
                "The logic die area is unknown, but only the datacenter question matters here: {}.",
                why_pd_irrelevant(t, tpp, None)
            ));
        }
        c.outcome = Outcome::Undetermined { possible, missing };
    }
}

/// The PD to evaluate for a band: the known PD, else a point inside [lo, hi) (lo itself, or half
/// the top of the lowest band).
fn band_point(known: Option<f64>, lo: f64, hi: Option<f64>) -> f64 {
    match known {
        Some(p) => p,
        None if lo > 0.0 => lo,
        None => 0.5 * hi.unwrap_or(1.0),
    }
}

/// License Exception NAC (15 CFR 740.8) as the 2023 rule's 3A090 entry states it: the exception,
/// if any, that it offers this classification.
pub(super) fn nac(c: &Classification, t: &Thresholds2023) -> Option<LicenceException> {
    let notify = "it needs notification to BIS before export, and BIS may still require a licence";
    let tpp = c.tpp.get();
    match (c.eccn(), c.datacenter) {
        (Some(Eccn::A), Some(false)) if at_least(tpp, t.nac_a_tpp.get()) => Some(LicenceException {
            name: "NAC".into(),
            reason: format!(
                "NAC may apply to 3A090.a parts not designed or marketed for datacenters with TPP {} or more; {notify}.",
                gate(t.nac_a_tpp.get())
            ),
        }),
        (Some(Eccn::A), None) if at_least(tpp, t.nac_a_tpp.get()) => Some(LicenceException {
            name: "NAC".into(),
            reason: format!("NAC may apply if the part is not designed or marketed for datacenters (not recorded); {notify}."),
        }),
        (Some(Eccn::B), Some(true)) => Some(LicenceException {
            name: "NAC".into(),
            reason: format!("NAC may apply to 3A090.b parts designed or marketed for datacenters; {notify}."),
        }),
        _ => None,
    }
}
