//! Classifying one chip on one date: the 3A090 paragraph, every threshold with its margin, and
//! what follows for a licence to China.
//!
//! The 3A090 rule in force on the date decides the paragraph (the 2022 compute-and-link test, or the
//! 2023 TPP and performance-density test with Note 2). Missing data never becomes a guess: when the
//! die area or the datacenter flag is unknown, every value it could take is tried, and the answer is
//! either the same for all of them (and says so) or lists what each would give. Letters and licence
//! policies (`licence`) then act on the result. Sentences are produced here so that every front end
//! explains the same way; numbers stay typed in the fields beside them.

use super::licence::{self, Licence};
use super::metrics::{at_least, tpp, PerformanceDensity, Tpp};
use super::rules::{Rule, RuleKind, RuleSet, Thresholds2022, Thresholds2023};
use super::words::{and_list, gate, group, or_list, pct};
use super::ExportError;
use xpuscope_model::chip::{Chip, Date, Precision};
use xpuscope_model::sourced::{Grade, Sourced};
use xpuscope_model::units::{BytesPerSecond, FlopsPerSecond, SquareMm};

/// An export control classification number paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Eccn {
    /// 3A090 as the 7 Oct 2022 rule wrote it (one paragraph).
    Original,
    /// 3A090.a (from 17 Nov 2023).
    A,
    /// 3A090.b (from 17 Nov 2023).
    B,
}

impl Eccn {
    /// The paragraph as written in the EAR and in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Eccn::Original => "3A090",
            Eccn::A => "3A090.a",
            Eccn::B => "3A090.b",
        }
    }

    /// The matching paragraph for computers and assemblies that contain such a chip.
    pub fn computers(self) -> &'static str {
        match self {
            Eccn::Original => "4A090",
            Eccn::A => "4A090.a",
            Eccn::B => "4A090.b",
        }
    }
}

/// "3A090.a", or "outside 3A090" for `None`.
pub fn eccn_text(e: Option<Eccn>) -> &'static str {
    e.map_or("outside 3A090", Eccn::as_str)
}

/// What a threshold measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Total processing performance.
    Tpp,
    /// Performance density, TPP per mm² of logic die.
    PerformanceDensity,
    /// Aggregate bidirectional transfer rate to other chips (2022 rule), GB/s.
    TransferRate,
    /// DRAM (HBM/GDDR) bandwidth, GB/s.
    MemoryBandwidth,
    /// Aggregate bidirectional chip-to-chip interconnect bandwidth, GB/s.
    Interconnect,
}

impl Quantity {
    /// The name used in sentences.
    pub fn label(self) -> &'static str {
        match self {
            Quantity::Tpp => "TPP",
            Quantity::PerformanceDensity => "PD",
            Quantity::TransferRate => "transfer rate",
            Quantity::MemoryBandwidth => "memory bandwidth",
            Quantity::Interconnect => "interconnect",
        }
    }

    /// A stable key for programs, with the unit in the name.
    pub fn key(self) -> &'static str {
        match self {
            Quantity::Tpp => "tpp",
            Quantity::PerformanceDensity => "performance_density",
            Quantity::TransferRate => "transfer_rate_gbs",
            Quantity::MemoryBandwidth => "memory_bandwidth_gbs",
            Quantity::Interconnect => "interconnect_gbs",
        }
    }

    fn show(self, v: f64) -> String {
        match self {
            Quantity::Tpp => group(v, 0),
            Quantity::PerformanceDensity => format!("{v:.2}"),
            _ => format!("{} GB/s", group(v, 0)),
        }
    }

    fn show_gate(self, v: f64) -> String {
        match self {
            Quantity::Tpp | Quantity::PerformanceDensity => gate(v),
            _ => format!("{} GB/s", gate(v)),
        }
    }
}

/// Which side of a threshold satisfies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A gate: the value must reach it ("4800 or more").
    AtLeast,
    /// A ceiling: the value must stay below it ("less than 4800").
    Below,
}

/// One threshold test and how the chip fares against it.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The paragraph or policy it belongs to ("3A090.b.1", "Note 2").
    pub paragraph: String,
    /// What it measures.
    pub quantity: Quantity,
    /// Gate or ceiling.
    pub bound: Bound,
    /// The threshold, in the unit of `quantity` (GB/s for bandwidths).
    pub threshold: f64,
    /// The chip's value in the same unit, when known.
    pub value: Option<f64>,
}

impl Check {
    pub(crate) fn new(
        paragraph: &str,
        quantity: Quantity,
        bound: Bound,
        threshold: f64,
        value: Option<f64>,
    ) -> Check {
        Check {
            paragraph: paragraph.to_string(),
            quantity,
            bound,
            threshold,
            value,
        }
    }

    /// Whether the test is satisfied (`None` when the value is unknown).
    pub fn met(&self) -> Option<bool> {
        let v = self.value?;
        Some(match self.bound {
            Bound::AtLeast => at_least(v, self.threshold),
            Bound::Below => !at_least(v, self.threshold),
        })
    }

    /// (value - threshold) / threshold: negative below it, positive above.
    pub fn margin(&self) -> Option<f64> {
        self.value.map(|v| (v - self.threshold) / self.threshold)
    }

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

/// A fact the answer needs but the catalogue lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Logic die area, for performance density.
    DieArea,
    /// Whether the part is designed or marketed for datacenters, for Note 2.
    Datacenter,
    /// Chip-to-chip bandwidth, for the 2022 link test.
    TransferRate,
    /// DRAM bandwidth, for the 2026 case-by-case policy.
    MemoryBandwidth,
}

impl Missing {
    /// The catalogue field that supplies it (also the `--set` key).
    pub fn field(self) -> &'static str {
        match self {
            Missing::DieArea => "die_area_mm2",
            Missing::Datacenter => "datacenter",
            Missing::TransferRate => "scale_up_gbs",
            Missing::MemoryBandwidth => "memory_bandwidth_gbs",
        }
    }

    /// What it is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Missing::DieArea => "the logic die area",
            Missing::Datacenter => "whether it is designed or marketed for datacenters",
            Missing::TransferRate => "the aggregate bidirectional chip-to-chip bandwidth",
            Missing::MemoryBandwidth => "the memory bandwidth",
        }
    }
}

/// A paragraph the chip could be in, and the condition on the missing data.
#[derive(Debug, Clone, PartialEq)]
pub struct Possibility {
    /// The paragraph (`None`: outside 3A090).
    pub eccn: Option<Eccn>,
    /// When, in words ("with a logic die area of 310.8 mm² or less (PD 5.92 or more)").
    pub condition: String,
}

/// The paragraph, or what it depends on.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Known; `None` means outside 3A090.
    Determined(Option<Eccn>),
    /// Depends on data the catalogue lacks.
    Undetermined {
        /// Each paragraph it could be in, with its condition.
        possible: Vec<Possibility>,
        /// What would settle it.
        missing: Vec<Missing>,
    },
}

impl Outcome {
    /// The paragraph when determined.
    pub fn eccn(&self) -> Option<Eccn> {
        match self {
            Outcome::Determined(e) => *e,
            Outcome::Undetermined { .. } => None,
        }
    }

    /// Whether the data settle the paragraph.
    pub fn is_determined(&self) -> bool {
        matches!(self, Outcome::Determined(_))
    }

    /// Every paragraph still possible, without repeats (one entry when determined).
    pub fn possible_eccns(&self) -> Vec<Option<Eccn>> {
        match self {
            Outcome::Determined(e) => vec![*e],
            Outcome::Undetermined { possible, .. } => {
                let mut v: Vec<Option<Eccn>> = Vec::new();
                for p in possible {
                    if !v.contains(&p.eccn) {
                        v.push(p.eccn);
                    }
                }
                v
            }
        }
    }
}

/// How one chip stands on one date, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Chip id.
    pub chip: String,
    /// Chip name.
    pub chip_name: String,
    /// The date asked about.
    pub date: Date,
    /// The 3A090 rule in force on that date.
    pub rule: Rule,
    /// Every rule in force on that date, oldest first.
    pub in_force: Vec<Rule>,
    /// Total processing performance (dense).
    pub tpp: Tpp,
    /// The precision that sets the TPP.
    pub tpp_precision: Precision,
    /// That precision's dense rate.
    pub tpp_dense: FlopsPerSecond,
    /// Logic die area, if known.
    pub die_area: Option<SquareMm>,
    /// TPP / die area, if the area is known.
    pub performance_density: Option<PerformanceDensity>,
    /// Designed or marketed for datacenters, if known.
    pub datacenter: Option<bool>,
    /// Aggregate bidirectional chip-to-chip bandwidth (what the 2022 test measures), if known.
    pub transfer_rate: Option<BytesPerSecond>,
    /// DRAM bandwidth, if known.
    pub memory_bandwidth: Option<BytesPerSecond>,
    /// Whether the chip carries HBM (for 3A090.c).
    pub hbm: Option<String>,
    /// The paragraph, or what it depends on.
    pub outcome: Outcome,
    /// One sentence: the paragraph and the tests that put it there.
    pub summary: String,
    /// Every threshold test, in the order the rules list them.
    pub checks: Vec<Check>,
    /// One sentence per threshold with its margin.
    pub reasons: Vec<String>,
    /// Licence for China, exceptions and notes.
    pub licence: Licence,
    /// Context: HBM, 4A090, release date, rules not modelled.
    pub notes: Vec<String>,
    /// What the data lack or how far to trust them, and which conclusions hold regardless.
    pub caveats: Vec<String>,
}

impl Classification {
    /// The paragraph when determined (`None`: outside 3A090, or undetermined; see `outcome`).
    pub fn eccn(&self) -> Option<Eccn> {
        self.outcome.eccn()
    }
}

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
        .and_then(|s| s.bidirectional_bandwidth())
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
        RuleKind::Eccn2022(t) => classify_2022(&mut c, t, link.is_some_and(|l| l.1)),
        RuleKind::Eccn2023(t) => classify_2023(&mut c, t),
        _ => unreachable_kind(&mut c),
    }
    grade_caveats(&mut c, chip);
    licence::apply(&mut c, chip, rules.rules());
    context_notes(&mut c, chip, rules);
    Ok(c)
}

/// `eccn_rule` only returns 3A090 rules; should that ever change, say so rather than panic.
fn unreachable_kind(c: &mut Classification) {
    c.outcome = Outcome::Determined(None);
    c.summary = format!("The rule `{}` does not classify chips.", c.rule.id);
}

fn classify_2022(c: &mut Classification, t: &Thresholds2022, via_host_link: bool) {
    let p = Eccn::Original.as_str();
    let tpp_check = Check::new(
        p,
        Quantity::Tpp,
        Bound::AtLeast,
        t.tpp.get(),
        Some(c.tpp.get()),
    );
    let link_check = Check::new(
        p,
        Quantity::TransferRate,
        Bound::AtLeast,
        t.transfer_rate.gbs(),
        c.transfer_rate.map(BytesPerSecond::gbs),
    );
    let rule = c.rule.cited();
    let compute = tpp_check.met() == Some(true);
    c.reasons
        .push(sentence(p, std::slice::from_ref(&tpp_check)));
    match link_check.met() {
        Some(true) => c.reasons.push(format!("{}: met.", cap(&link_check.phrase(true)))),
        Some(false) => c.reasons.push(format!("{}, and both tests must be met.", cap(&link_check.phrase(true)))),
        None => c.reasons.push(format!(
            "The aggregate bidirectional transfer rate is unknown (no scale-up fabric or host link recorded); 3A090 needs {} or more.",
            link_check.quantity.show_gate(link_check.threshold)
        )),
    }
    if via_host_link {
        c.caveats.push(format!(
            "No scale-up fabric is recorded, so the transfer rate is the host link in both directions ({}).",
            Quantity::TransferRate.show(c.transfer_rate.map_or(0.0, BytesPerSecond::gbs))
        ));
    }
    let tpp_s = c.tpp.to_string();
    let gate_tpp = gate(t.tpp.get());
    let gate_link = Quantity::TransferRate.show_gate(t.transfer_rate.gbs());
    c.outcome = match (compute, link_check.met()) {
        (false, _) => {
            c.summary = format!(
                "Not 3A090 under the {rule}: TPP {tpp_s} is under the {gate_tpp} compute test."
            );
            if link_check.met().is_none() {
                c.caveats.push(format!(
                    "The chip-to-chip bandwidth is unknown, but the answer does not depend on it: TPP {tpp_s} already fails the compute test."
                ));
            }
            Outcome::Determined(None)
        }
        (true, Some(true)) => {
            let link = Quantity::TransferRate.show(link_check.value.unwrap_or(0.0));
            c.summary = format!(
                "3A090 under the {rule}: TPP {tpp_s} reaches {gate_tpp} and the {link} transfer rate reaches {gate_link}."
            );
            Outcome::Determined(Some(Eccn::Original))
        }
        (true, Some(false)) => {
            let link = Quantity::TransferRate.show(link_check.value.unwrap_or(0.0));
            c.summary = format!(
                "Not 3A090 under the {rule}: TPP {tpp_s} passes the {gate_tpp} compute test, but the {link} transfer rate is under the {gate_link} link test, and both are needed."
            );
            Outcome::Determined(None)
        }
        (true, None) => {
            c.summary = format!(
                "Undetermined under the {rule}: TPP {tpp_s} passes the compute test, and the chip is 3A090 if its chip-to-chip transfer rate is {gate_link} or more."
            );
            c.caveats.push(format!(
                "{} is unknown (catalogue field `{}`), and the answer depends on it.",
                cap(Missing::TransferRate.describe()),
                Missing::TransferRate.field()
            ));
            Outcome::Undetermined {
                possible: vec![
                    Possibility {
                        eccn: Some(Eccn::Original),
                        condition: format!("with a transfer rate of {gate_link} or more"),
                    },
                    Possibility {
                        eccn: None,
                        condition: format!("with a transfer rate under {gate_link}"),
                    },
                ],
                missing: vec![Missing::TransferRate],
            }
        }
    };
    c.checks.push(tpp_check);
    c.checks.push(link_check);
}

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

fn cap(s: &str) -> String {
    let mut ch = s.chars();
    match ch.next() {
        Some(f) => f.to_uppercase().collect::<String>() + ch.as_str(),
        None => String::new(),
    }
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

/// The die areas that give a PD band at this TPP, in words.
fn area_condition(tpp: f64, lo: f64, hi: Option<f64>) -> String {
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

fn classify_2023(c: &mut Classification, t: &Thresholds2023) {
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
    let n2 = gate(t.note2_tpp.get());
    c.reasons.push(match (c.datacenter, note2.met() == Some(true)) {
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
    });
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

fn why_pd_irrelevant(t: &Thresholds2023, tpp: f64, datacenter: Option<bool>) -> String {
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

fn summary_2023(c: &Classification, t: &Thresholds2023, e: Option<Eccn>, rule: &str) -> String {
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
        Some(Eccn::A) | Some(Eccn::B) => {
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
                        format!(" (it would otherwise meet {})", and_list(&met.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
                    }
                )
            } else {
                let near = nearest_misses(c);
                format!("Outside 3A090 under the {rule}: {}.", near)
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
fn grade_caveats(c: &mut Classification, chip: &Chip) {
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

fn context_notes(c: &mut Classification, chip: &Chip, rules: &RuleSet) {
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
