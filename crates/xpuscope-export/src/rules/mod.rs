//! The export rules as dated data: `catalog/rules/us-ear.toml` read into a validated [`RuleSet`].
//!
//! A rule file is a list of `[[rule]]` tables. Each has a `kind` that says which logic reads it and
//! a `[rule.thresholds]` table whose names that kind requires (see the file's header). Parsing is
//! strict (unknown fields and thresholds are refused) and every problem is reported at once, as
//! [`CatalogIssue`]s naming the file, line, rule and field. This module holds thresholds and dates;
//! what they mean for a chip is decided in `classify`. The raw file format is in `raw`, its
//! validation in `validate`; this module holds the validated types and the date lookups.

mod events;
mod raw;
mod validate;

pub use events::{Concerns, Event, EventGrade, Issuer, Vendor};

use super::metrics::{PerformanceDensity, Tpp};
use xpuscope_model::catalog::{CatalogError, CatalogIssue};
use xpuscope_model::chip::{Chip, Date};
use xpuscope_model::units::BytesPerSecond;

/// The path of the built-in rule file under `catalog/`.
pub const BUILTIN_RULES: &str = "rules/us-ear.toml";

/// The path of the built-in file of China's own measures and Chinese vendors under `catalog/`.
pub const BUILTIN_CHINA: &str = "rules/china.toml";

/// Thresholds of the 7 Oct 2022 rule: both tests must be met.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds2022 {
    /// Aggregate bidirectional transfer rate to or from other non-memory chips, at least.
    pub transfer_rate: BytesPerSecond,
    /// Bit length x TOPS, at least.
    pub tpp: Tpp,
}

/// Thresholds of the October 2023 rule (effective 17 Nov 2023).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds2023 {
    /// 3A090.a.1: TPP at least this.
    pub a1_tpp: Tpp,
    /// 3A090.a.2: TPP at least this ...
    pub a2_tpp: Tpp,
    /// ... and PD at least this. Also the ceiling of PD in 3A090.b.
    pub a2_pd: PerformanceDensity,
    /// 3A090.b.1: TPP at least this (and below `a1_tpp`) ...
    pub b1_tpp: Tpp,
    /// ... and PD at least this (and below `a2_pd`).
    pub b1_pd: PerformanceDensity,
    /// 3A090.b.2: TPP at least this ...
    pub b2_tpp: Tpp,
    /// ... and PD at least this (and below `a2_pd`).
    pub b2_pd: PerformanceDensity,
    /// Note 2: a part not designed or marketed for datacenters with TPP below this is not in 3A090.
    pub note2_tpp: Tpp,
    /// License Exception NAC for 3A090.a: a part not for datacenters with TPP at least this.
    pub nac_a_tpp: Tpp,
}

/// What a rule does, with the numbers its logic needs.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// The first 3A090 (7 Oct 2022): compute and interconnect tests.
    Eccn2022(Thresholds2022),
    /// The TPP and performance-density test with 3A090.a/.b, Note 2 and NAC (17 Nov 2023).
    Eccn2023(Thresholds2023),
    /// 3A090.c: high bandwidth memory above a bandwidth density, in GB/s per mm² (2 Dec 2024).
    Hbm {
        /// HBM with a memory bandwidth density above this is 3A090.c, GB/s per mm².
        density_gbs_per_mm2: f64,
        /// License Exception HBM covers densities below this, GB/s per mm².
        exception_below_gbs_per_mm2: f64,
    },
    /// The AI diffusion rule: 3A090.a needs a licence almost worldwide (13 Jan 2025).
    Diffusion,
    /// The diffusion rule's rescission (13 May 2025).
    DiffusionRescission,
    /// Is-informed letters naming chips, with the named chip's bandwidths as the yardstick for
    /// "any other circuits achieving" them (9 Apr 2025).
    IsInformed {
        /// Catalogue ids of the chips the letters name.
        chips: Vec<String>,
        /// The yardstick chip's memory bandwidth.
        memory_bandwidth: BytesPerSecond,
        /// The yardstick chip's aggregate bidirectional interconnect bandwidth.
        interconnect: BytesPerSecond,
    },
    /// The US says licences for the named chips will be granted (14 Jul 2025).
    LicencesAssured {
        /// Catalogue ids of the chips concerned.
        chips: Vec<String>,
    },
    /// Licences for the named chips are issued (about 8 Aug 2025).
    LicencesIssued {
        /// Catalogue ids of the chips concerned.
        chips: Vec<String>,
        /// Share of China revenue reportedly paid to the US government, as a fraction.
        revenue_share: Option<f64>,
    },
    /// Case-by-case review for China below a TPP and a DRAM bandwidth (15 Jan 2026).
    CaseByCase {
        /// TPP must be below this.
        tpp_below: Tpp,
        /// Total DRAM bandwidth must be below this.
        dram_bandwidth_below: BytesPerSecond,
    },
}

impl RuleKind {
    /// The name used in rule files.
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleKind::Eccn2022(_) => "eccn-2022",
            RuleKind::Eccn2023(_) => "eccn-2023",
            RuleKind::Hbm { .. } => "hbm",
            RuleKind::Diffusion => "diffusion",
            RuleKind::DiffusionRescission => "diffusion-rescission",
            RuleKind::IsInformed { .. } => "is-informed",
            RuleKind::LicencesAssured { .. } => "licences-assured",
            RuleKind::LicencesIssued { .. } => "licences-issued",
            RuleKind::CaseByCase { .. } => "case-by-case",
        }
    }

    /// Whether this rule classifies chips into 3A090 paragraphs (rather than acting on licences).
    pub fn is_eccn(&self) -> bool {
        matches!(self, RuleKind::Eccn2022(_) | RuleKind::Eccn2023(_))
    }

    /// The chips a letter or licence action names (empty for rules of general application).
    pub fn named_chips(&self) -> &[String] {
        match self {
            RuleKind::IsInformed { chips, .. }
            | RuleKind::LicencesAssured { chips }
            | RuleKind::LicencesIssued { chips, .. } => chips,
            _ => &[],
        }
    }
}

/// A class of destination a rule's licence requirement reaches (`reaches` in the rule file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// China and Macau (`china-macau`); Hong Kong is written into `destinations` where a source
    /// names it.
    ChinaMacau,
    /// Country Group D:5 of Supplement No. 1 to part 740 (`d5`), the arms-embargoed destinations.
    GroupD5,
    /// Country Groups D:1 and D:4, except those also in A:5 or A:6 (`d1-d4`).
    GroupsD1D4,
    /// Every other country (`elsewhere`), as the AI diffusion rule did.
    Elsewhere,
}

impl Reach {
    /// Every class, in the order rule files list them.
    pub const ALL: [Reach; 4] = [
        Reach::ChinaMacau,
        Reach::GroupD5,
        Reach::GroupsD1D4,
        Reach::Elsewhere,
    ];

    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::ChinaMacau => "china-macau",
            Reach::GroupD5 => "d5",
            Reach::GroupsD1D4 => "d1-d4",
            Reach::Elsewhere => "elsewhere",
        }
    }
}

/// A licence review policy a rule states for China and Macau (`china_review` in the rule file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Applications are reviewed under a presumption of denial (`presumption-of-denial`).
    PresumptionOfDenial,
    /// Applications are reviewed case by case (`case-by-case`).
    CaseByCase,
}

impl Policy {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::PresumptionOfDenial => "presumption-of-denial",
            Policy::CaseByCase => "case-by-case",
        }
    }
}

/// One dated rule or action, with its citation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Kebab-case id, unique in the set.
    pub id: String,
    /// What it does, with its thresholds.
    pub kind: RuleKind,
    /// The document's title (or a description where it is not a Federal Register rule).
    pub title: String,
    /// A short label for tables ("Oct 2023 rule").
    pub short: String,
    /// When it was announced, where that differs from publication.
    pub announced: Option<Date>,
    /// When it took effect (for a letter, when it was received).
    pub effective: Date,
    /// Federal Register publication or public disclosure.
    pub published: Option<Date>,
    /// When compliance was first required, where that differs from `effective`.
    pub compliance: Option<Date>,
    /// Federal Register citation ("88 FR 73458").
    pub citation: Option<String>,
    /// Federal Register document number ("2023-23055").
    pub fr_doc: Option<String>,
    /// The primary source (a URL).
    pub source: String,
    /// Further sources.
    pub references: Vec<String>,
    /// Where its licence requirement applies, in words.
    pub destinations: String,
    /// Where its licence requirement applies, as classes a program can test.
    pub reaches: Vec<Reach>,
    /// The licence review policy it states for China and Macau, where it states one.
    pub china_review: Option<Policy>,
    /// The source that states `china_review` (required with it).
    pub review_source: Option<String>,
    /// What it does, in a sentence or two.
    pub summary: String,
}

impl Rule {
    /// Whether its licence requirement reaches `r`.
    pub fn reaches(&self, r: Reach) -> bool {
        self.reaches.contains(&r)
    }

    /// "Oct 2023 rule (88 FR 73458)", or the short label alone when there is no citation.
    pub fn cited(&self) -> String {
        match &self.citation {
            Some(c) => format!("{} ({c})", self.short),
            None => self.short.clone(),
        }
    }
}

/// Every rule, oldest first, with the events beside them and the Chinese vendors.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    rules: Vec<Rule>,
    events: Vec<Event>,
    vendors: Vec<Vendor>,
}

impl RuleSet {
    /// The compiled-in rules (`catalog/rules/us-ear.toml`) with China's measures
    /// (`catalog/rules/china.toml`).
    pub fn builtin() -> Result<RuleSet, CatalogError> {
        let text = |file: &str| {
            xpuscope_model::catalog::builtin_text(file).ok_or_else(|| CatalogError {
                issues: vec![CatalogIssue {
                    file: format!("catalog/{file}"),
                    line: None,
                    entry: None,
                    field: None,
                    message: "is missing from the build".into(),
                }],
            })
        };
        RuleSet::from_toml(&format!("catalog/{BUILTIN_RULES}"), text(BUILTIN_RULES)?)?
            .with_file(&format!("catalog/{BUILTIN_CHINA}"), text(BUILTIN_CHINA)?)
    }

    /// Parses and validates a rule file, reporting every problem at once.
    pub fn from_toml(path: &str, text: &str) -> Result<RuleSet, CatalogError> {
        validate::rule_set(path, text, true).map(|p| RuleSet {
            rules: p.rules,
            events: p.events,
            vendors: p.vendors,
        })
    }

    /// Adds a further file (events, vendors or rules; it needs no 3A090 rule of its own).
    pub fn with_file(mut self, path: &str, text: &str) -> Result<RuleSet, CatalogError> {
        let p = validate::rule_set(path, text, false)?;
        let clash = p
            .rules
            .iter()
            .map(|r| &r.id)
            .chain(p.events.iter().map(|e| &e.id))
            .find(|id| self.get(id).is_some() || self.events.iter().any(|e| &&e.id == id));
        if let Some(id) = clash {
            return Err(CatalogError {
                issues: vec![CatalogIssue {
                    file: path.to_string(),
                    line: None,
                    entry: Some(id.clone()),
                    field: Some("id".into()),
                    message: "is already defined in an earlier rule file".into(),
                }],
            });
        }
        self.rules.extend(p.rules);
        self.rules.sort_by_key(|r| r.effective.ordinal());
        self.events.extend(p.events);
        self.events.sort_by_key(|e| e.date.ordinal());
        self.vendors.extend(p.vendors);
        Ok(self)
    }

    /// Every event (guidance, announcements, China's measures), oldest first.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The vendors headquartered in China.
    pub fn vendors(&self) -> &[Vendor] {
        &self.vendors
    }

    /// The Chinese vendor that makes `chip`, if it is one.
    pub fn chinese_vendor(&self, chip: &Chip) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.makes(chip))
    }

    /// Every rule, oldest first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A rule by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The date of the first 3A090 rule: nothing can be classified before it.
    pub fn first_date(&self) -> Date {
        self.rules
            .iter()
            .find(|r| r.kind.is_eccn())
            .map_or(Date::ymd(2022, 10, 7), |r| r.effective)
    }

    /// The date of the last rule in the set.
    pub fn last_date(&self) -> Date {
        self.rules.last().map_or(self.first_date(), |r| r.effective)
    }

    /// The 3A090 rule in force on `date`, if any.
    pub fn eccn_rule(&self, date: Date) -> Option<&Rule> {
        self.rules
            .iter()
            .rev()
            .find(|r| r.kind.is_eccn() && r.effective.ordinal() <= date.ordinal())
    }

    /// Every rule in force on `date`, oldest first: a 3A090 rule is replaced by a later one, and the
    /// diffusion rule stops at its rescission.
    pub fn in_force(&self, date: Date) -> Vec<&Rule> {
        let on = |r: &Rule| r.effective.ordinal() <= date.ordinal();
        let eccn = self.eccn_rule(date).map(|r| r.id.as_str());
        let rescinded = self
            .rules
            .iter()
            .any(|r| matches!(r.kind, RuleKind::DiffusionRescission) && on(r));
        self.rules
            .iter()
            .filter(|r| on(r))
            .filter(|r| !r.kind.is_eccn() || Some(r.id.as_str()) == eccn)
            .filter(|r| !(matches!(r.kind, RuleKind::Diffusion) && rescinded))
            .collect()
    }
}

#[cfg(test)]
mod tests;
