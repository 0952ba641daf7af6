//! The vocabulary of an export answer: the paragraph ([`Eccn`]), each threshold test ([`Check`]),
//! what the data lack ([`Missing`]), the outcome, the licence picture for China, and the
//! [`Classification`] that holds them all.
//!
//! These are plain data with small accessors. Nothing here decides a paragraph (`classify` does)
//! or writes a sentence (`explain` does); every other module of the crate reads these types, and
//! this module reads none of them, so imports flow one way.

use super::metrics::{at_least, PerformanceDensity, Tpp};
use super::rules::Rule;
use xpuscope_model::chip::{Date, Precision};
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

    /// Whether 3A090.a is among the paragraphs still possible.
    pub fn possible_eccns_include_a(&self) -> bool {
        self.outcome.possible_eccns().contains(&Some(Eccn::A))
    }
}

/// Whether exporting to China needs a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChinaLicence {
    /// No 3A090 rule or letter modelled here requires one.
    #[default]
    NotRequired,
    /// Required because the chip is in 3A090.
    Required,
    /// Required because an is-informed letter names the chip.
    IsInformed,
    /// Outside 3A090, but it matches the bandwidth yardstick of an is-informed letter.
    PossiblyIsInformed,
    /// Depends on data the catalogue lacks.
    Undetermined,
}

impl ChinaLicence {
    /// A stable key for programs.
    pub fn as_str(self) -> &'static str {
        match self {
            ChinaLicence::NotRequired => "not-required",
            ChinaLicence::Required => "required",
            ChinaLicence::IsInformed => "required-is-informed",
            ChinaLicence::PossiblyIsInformed => "possibly-required-is-informed",
            ChinaLicence::Undetermined => "undetermined",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            ChinaLicence::NotRequired => "not required",
            ChinaLicence::Required => "required",
            ChinaLicence::IsInformed => "required (is-informed letter)",
            ChinaLicence::PossiblyIsInformed => "possibly required (is-informed letter)",
            ChinaLicence::Undetermined => "depends on missing data",
        }
    }
}

/// How licence applications for China are treated, where a source says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Reviewed case by case (Jan 2026 policy).
    CaseByCase,
    /// Presumption of denial (above the Jan 2026 case-by-case limits).
    PresumptionOfDenial,
    /// The US has said licences will be granted (Jul 2025).
    LicencesAssured,
    /// Licences are being issued (Aug 2025).
    LicencesIssued,
}

impl Review {
    /// A stable key for programs.
    pub fn as_str(self) -> &'static str {
        match self {
            Review::CaseByCase => "case-by-case",
            Review::PresumptionOfDenial => "presumption-of-denial",
            Review::LicencesAssured => "licences-assured",
            Review::LicencesIssued => "licences-issued",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Review::CaseByCase => "case-by-case review",
            Review::PresumptionOfDenial => "presumption of denial",
            Review::LicencesAssured => "licences assured",
            Review::LicencesIssued => "licences being issued",
        }
    }
}

/// A licence exception that may apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceException {
    /// Its EAR name ("NAC").
    pub name: String,
    /// Why it may apply, and its conditions.
    pub reason: String,
}

/// The licence picture for China on the classification's date.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Licence {
    /// Whether a licence is needed.
    pub china: ChinaLicence,
    /// How applications are reviewed, where a source says.
    pub review: Option<Review>,
    /// The id of the rule or letter that requires it.
    pub basis: Option<String>,
    /// Where the requirement applies, in words.
    pub destinations: Option<String>,
    /// One sentence for people.
    pub summary: String,
    /// Licence exceptions that may apply.
    pub exceptions: Vec<LicenceException>,
    /// Further context.
    pub notes: Vec<String>,
}
