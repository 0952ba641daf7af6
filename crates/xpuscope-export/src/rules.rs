//! The export rules as dated data: `catalog/rules/us-ear.toml` read into a validated [`RuleSet`].
//!
//! A rule file is a list of `[[rule]]` tables. Each has a `kind` that says which logic reads it and
//! a `[rule.thresholds]` table whose names that kind requires (see the file's header). Parsing is
//! strict (unknown fields and thresholds are refused) and every problem is reported at once, as
//! [`CatalogIssue`]s naming the file, line, rule and field. This module holds thresholds and dates;
//! what they mean for a chip is decided in `classify`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::metrics::{PerformanceDensity, Tpp};
use xpuscope_model::catalog::{line_of, CatalogError, CatalogIssue};
use xpuscope_model::chip::Date;
use xpuscope_model::units::BytesPerSecond;

/// The path of the built-in rule file under `catalog/`.
pub const BUILTIN_RULES: &str = "rules/us-ear.toml";

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
    /// What it does, in a sentence or two.
    pub summary: String,
}

impl Rule {
    /// "Oct 2023 rule (88 FR 73458)", or the short label alone when there is no citation.
    pub fn cited(&self) -> String {
        match &self.citation {
            Some(c) => format!("{} ({c})", self.short),
            None => self.short.clone(),
        }
    }
}

/// Every rule, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The compiled-in rules (`catalog/rules/us-ear.toml`).
    pub fn builtin() -> Result<RuleSet, CatalogError> {
        let path = format!("catalog/{BUILTIN_RULES}");
        match xpuscope_model::catalog::builtin_text(BUILTIN_RULES) {
            Some(text) => RuleSet::from_toml(&path, text),
            None => Err(CatalogError {
                issues: vec![CatalogIssue {
                    file: path,
                    line: None,
                    entry: None,
                    field: None,
                    message: "is missing from the build".into(),
                }],
            }),
        }
    }

    /// Parses and validates a rule file, reporting every problem at once.
    pub fn from_toml(path: &str, text: &str) -> Result<RuleSet, CatalogError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| CatalogError {
            issues: vec![CatalogIssue {
                file: path.to_string(),
                line: e.span().map(|s| line_of(text, s.start)),
                entry: None,
                field: None,
                message: format!("is not valid: {}", e.message().trim()),
            }],
        })?;
        let mut v = Validator {
            file: path,
            text,
            issues: Vec::new(),
        };
        let mut rules: Vec<Rule> = Vec::new();
        for r in &raw.rule {
            let line = line_of(text, r.span().start);
            if let Some(rule) = v.rule(r.get_ref(), line) {
                if rules.iter().any(|x| x.id == rule.id) {
                    v.push(line, Some(&rule.id), "id", "is defined twice".into());
                } else {
                    rules.push(rule);
                }
            }
        }
        if v.issues.is_empty() && !rules.iter().any(|r| r.kind.is_eccn()) {
            v.push(
                1,
                None,
                "",
                "has no 3A090 rule (kind `eccn-2022` or `eccn-2023`)".into(),
            );
        }
        if !v.issues.is_empty() {
            return Err(CatalogError { issues: v.issues });
        }
        // Stable sort: rules on the same day keep file order.
        rules.sort_by_key(|r| r.effective.ordinal());
        Ok(RuleSet { rules })
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

// ---------------------------------------------------------------------------------------------
// Raw file format and validation.

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Option<String>,
    kind: Option<Spanned<String>>,
    title: Option<String>,
    short: Option<String>,
    announced: Option<Spanned<String>>,
    effective: Option<Spanned<String>>,
    published: Option<Spanned<String>>,
    compliance: Option<Spanned<String>>,
    citation: Option<String>,
    fr_doc: Option<String>,
    source: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    destinations: Option<String>,
    summary: Option<String>,
    chips: Option<Spanned<Vec<String>>>,
    thresholds: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
}

/// The kinds a rule file may name, and the thresholds each requires (optional ones after `?`).
const KINDS: &[(&str, &[&str])] = &[
    ("eccn-2022", &["transfer_rate_gbs", "tpp"]),
    (
        "eccn-2023",
        &[
            "a1_tpp",
            "a2_tpp",
            "a2_pd",
            "b1_tpp",
            "b1_pd",
            "b2_tpp",
            "b2_pd",
            "note2_tpp",
            "nac_a_tpp",
        ],
    ),
    (
        "hbm",
        &["hbm_density_gbs_per_mm2", "hbm_exception_below_gbs_per_mm2"],
    ),
    ("diffusion", &[]),
    ("diffusion-rescission", &[]),
    ("is-informed", &["memory_bandwidth_gbs", "interconnect_gbs"]),
    ("licences-assured", &[]),
    ("licences-issued", &["?revenue_share"]),
    ("case-by-case", &["tpp_below", "dram_bandwidth_below_gbs"]),
];

/// Kinds that name chips (`chips = [...]` required).
const NAMING_KINDS: &[&str] = &["is-informed", "licences-assured", "licences-issued"];

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    issues: Vec<CatalogIssue>,
}

impl Validator<'_> {
    fn push(&mut self, line: usize, entry: Option<&str>, field: &str, message: String) {
        self.issues.push(CatalogIssue {
            file: self.file.to_string(),
            line: Some(line),
            entry: entry.map(str::to_string),
            field: (!field.is_empty()).then(|| field.to_string()),
            message,
        });
    }

    fn line<T>(&self, s: &Spanned<T>) -> usize {
        line_of(self.text, s.span().start)
    }

    fn required<T: Clone>(
        &mut self,
        v: &Option<T>,
        line: usize,
        id: Option<&str>,
        field: &str,
    ) -> Option<T> {
        if v.is_none() {
            self.push(line, id, field, "is required".into());
        }
        v.clone()
    }

    fn date(&mut self, v: &Option<Spanned<String>>, id: Option<&str>, field: &str) -> Option<Date> {
        let s = v.as_ref()?;
        match Date::parse(s.get_ref()) {
            Some(d) if d.day.is_some() => Some(d),
            _ => {
                let line = self.line(s);
                self.push(
                    line,
                    id,
                    field,
                    format!("`{}` is not a date; write YYYY-MM-DD", s.get_ref()),
                );
                None
            }
        }
    }

    fn rule(&mut self, r: &RawRule, line: usize) -> Option<Rule> {
        let id = self.required(&r.id, line, None, "id");
        let idr = id.as_deref();
        if let Some(i) = idr {
            let kebab = !i.is_empty()
                && i.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !i.starts_with('-')
                && !i.ends_with('-');
            if !kebab {
                self.push(line, idr, "id", format!("`{i}` is not kebab-case"));
            }
        }
        let title = self.required(&r.title, line, idr, "title");
        let short = self.required(&r.short, line, idr, "short");
        let source = self.required(&r.source, line, idr, "source");
        let destinations = self.required(&r.destinations, line, idr, "destinations");
        let summary = self.required(&r.summary, line, idr, "summary");
        let effective_raw = self.required(&r.effective, line, idr, "effective");
        let effective = self.date(&effective_raw, idr, "effective");
        let announced = self.date(&r.announced, idr, "announced");
        let published = self.date(&r.published, idr, "published");
        let compliance = self.date(&r.compliance, idr, "compliance");
        let kind = self.kind(r, line, idr);
        Some(Rule {
            id: id?,
            kind: kind?,
            title: title?,
            short: short?,
            announced,
            effective: effective?,
            published,
            compliance,
            citation: r.citation.clone(),
            fr_doc: r.fr_doc.clone(),
            source: source?,
            references: r.references.clone(),
            destinations: destinations?,
            summary: summary?,
        })
    }

    fn kind(&mut self, r: &RawRule, line: usize, id: Option<&str>) -> Option<RuleKind> {
        let Some(kind) = &r.kind else {
            self.push(line, id, "kind", "is required".into());
            return None;
        };
        let kline = self.line(kind);
        let Some((name, wanted)) = KINDS.iter().find(|(k, _)| *k == kind.get_ref().as_str()) else {
            let names: Vec<String> = KINDS.iter().map(|(k, _)| format!("`{k}`")).collect();
            self.push(
                kline,
                id,
                "kind",
                format!("`{}` is not one of {}", kind.get_ref(), names.join(", ")),
            );
            return None;
        };
        // Thresholds: every required one present, no unknown ones, each finite and positive.
        let empty = BTreeMap::new();
        let (tmap, tline) = match &r.thresholds {
            Some(t) => (t.get_ref(), self.line(t)),
            None => (&empty, line),
        };
        let mut values: BTreeMap<&str, f64> = BTreeMap::new();
        let mut ok = true;
        for w in *wanted {
            let (optional, w) = match w.strip_prefix('?') {
                Some(w) => (true, w),
                None => (false, *w),
            };
            match tmap.get(w) {
                Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 => {
                    values.insert(w, *v.get_ref());
                }
                Some(v) => {
                    let l = self.line(v);
                    self.push(
                        l,
                        id,
                        &format!("thresholds.{w}"),
                        format!("must be a positive number, not {}", v.get_ref()),
                    );
                    ok = false;
                }
                None if optional => {}
                None => {
                    self.push(
                        tline,
                        id,
                        &format!("thresholds.{w}"),
                        format!("is required for kind `{name}`"),
                    );
                    ok = false;
                }
            }
        }
        for (k, v) in tmap {
            if !wanted.iter().any(|w| w.trim_start_matches('?') == k) {
                let l = self.line(v);
                let known: Vec<String> = wanted
                    .iter()
                    .map(|w| format!("`{}`", w.trim_start_matches('?')))
                    .collect();
                let hint = if known.is_empty() {
                    format!("kind `{name}` takes no thresholds")
                } else {
                    format!("kind `{name}` takes {}", known.join(", "))
                };
                self.push(
                    l,
                    id,
                    &format!("thresholds.{k}"),
                    format!("is not a threshold of this rule; {hint}"),
                );
                ok = false;
            }
        }
        let names_chips = NAMING_KINDS.contains(name);
        let chips: Vec<String> = match (&r.chips, names_chips) {
            (Some(c), true) if !c.get_ref().is_empty() => c.get_ref().clone(),
            (Some(c), true) => {
                let l = self.line(c);
                self.push(l, id, "chips", "must name at least one chip".into());
                ok = false;
                Vec::new()
            }
            (None, true) => {
                self.push(line, id, "chips", format!("is required for kind `{name}`"));
                ok = false;
                Vec::new()
            }
            (Some(c), false) => {
                let l = self.line(c);
                self.push(l, id, "chips", format!("does not apply to kind `{name}`"));
                ok = false;
                Vec::new()
            }
            (None, false) => Vec::new(),
        };
        if !ok {
            return None;
        }
        let g = |k: &str| values.get(k).copied().unwrap_or(0.0);
        let kind = match *name {
            "eccn-2022" => RuleKind::Eccn2022(Thresholds2022 {
                transfer_rate: BytesPerSecond::from_gbs(g("transfer_rate_gbs")),
                tpp: Tpp::new(g("tpp")),
            }),
            "eccn-2023" => {
                let t = Thresholds2023 {
                    a1_tpp: Tpp::new(g("a1_tpp")),
                    a2_tpp: Tpp::new(g("a2_tpp")),
                    a2_pd: PerformanceDensity::new(g("a2_pd")),
                    b1_tpp: Tpp::new(g("b1_tpp")),
                    b1_pd: PerformanceDensity::new(g("b1_pd")),
                    b2_tpp: Tpp::new(g("b2_tpp")),
                    b2_pd: PerformanceDensity::new(g("b2_pd")),
                    note2_tpp: Tpp::new(g("note2_tpp")),
                    nac_a_tpp: Tpp::new(g("nac_a_tpp")),
                };
                // The paragraphs are bands under the .a gates; reversed bands would be meaningless.
                let order = [
                    (t.b1_tpp < t.a1_tpp, "b1_tpp", "below a1_tpp"),
                    (t.b1_pd < t.a2_pd, "b1_pd", "below a2_pd"),
                    (t.b2_pd < t.a2_pd, "b2_pd", "below a2_pd"),
                ];
                let mut good = true;
                for (holds, field, what) in order {
                    if !holds {
                        self.push(
                            tline,
                            id,
                            &format!("thresholds.{field}"),
                            format!("must be {what}"),
                        );
                        good = false;
                    }
                }
                if !good {
                    return None;
                }
                RuleKind::Eccn2023(t)
            }
            "hbm" => RuleKind::Hbm {
                density_gbs_per_mm2: g("hbm_density_gbs_per_mm2"),
                exception_below_gbs_per_mm2: g("hbm_exception_below_gbs_per_mm2"),
            },
            "diffusion" => RuleKind::Diffusion,
            "diffusion-rescission" => RuleKind::DiffusionRescission,
            "is-informed" => RuleKind::IsInformed {
                chips,
                memory_bandwidth: BytesPerSecond::from_gbs(g("memory_bandwidth_gbs")),
                interconnect: BytesPerSecond::from_gbs(g("interconnect_gbs")),
            },
            "licences-assured" => RuleKind::LicencesAssured { chips },
            "licences-issued" => RuleKind::LicencesIssued {
                chips,
                revenue_share: values.get("revenue_share").copied(),
            },
            _ => RuleKind::CaseByCase {
                tpp_below: Tpp::new(g("tpp_below")),
                dram_bandwidth_below: BytesPerSecond::from_gbs(g("dram_bandwidth_below_gbs")),
            },
        };
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        RuleSet::from_toml("r.toml", text)
            .expect_err("should be refused")
            .issues
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const MINIMAL: &str = r#"
[[rule]]
id = "r2022"
kind = "eccn-2022"
title = "t"
short = "s"
effective = "2022-10-07"
source = "https://example.com"
destinations = "China"
summary = "x"
[rule.thresholds]
transfer_rate_gbs = 600
tpp = 4800
"#;

    #[test]
    fn builtin_rules_load_in_date_order() {
        let set = RuleSet::builtin().expect("built-in rules are valid");
        let dates: Vec<u32> = set.rules().iter().map(|r| r.effective.ordinal()).collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(set.first_date(), Date::ymd(2022, 10, 7));
        assert_eq!(set.rules().len(), 9);
        // Every rule cites a source, and every Federal Register rule its document number.
        for r in set.rules() {
            assert!(r.source.starts_with("https://"), "{}", r.id);
            assert_eq!(r.citation.is_some(), r.fr_doc.is_some(), "{}", r.id);
        }
    }

    #[test]
    fn minimal_file_loads() {
        let set = RuleSet::from_toml("r.toml", MINIMAL).unwrap();
        let RuleKind::Eccn2022(t) = &set.rules()[0].kind else {
            panic!("kind")
        };
        assert_eq!(t.transfer_rate.gbs(), 600.0);
        assert_eq!(t.tpp.get(), 4800.0);
    }

    #[test]
    fn every_problem_is_reported() {
        let text = r#"
[[rule]]
id = "Bad_Id"
kind = "eccn-2023"
title = "t"
short = "s"
effective = "2023-13-01"
source = "https://example.com"
destinations = "China"
[rule.thresholds]
a1_tpp = 4800
a2_tpp = -1
surprise = 3
"#;
        let got = errors(text);
        let want = [
            "`Bad_Id`: field `id` `Bad_Id` is not kebab-case",
            "field `summary` is required",
            "field `effective` `2023-13-01` is not a date",
            "field `thresholds.a2_tpp` must be a positive number",
            "field `thresholds.a2_pd` is required for kind `eccn-2023`",
            "field `thresholds.surprise` is not a threshold of this rule",
        ];
        for w in want {
            assert!(
                got.iter().any(|g| g.contains(w)),
                "missing `{w}` in {got:#?}"
            );
        }
    }

    #[test]
    fn unknown_kind_and_field_are_refused() {
        let got = errors(&MINIMAL.replace("eccn-2022", "eccn-2099"));
        assert!(got[0].contains("`eccn-2099` is not one of"), "{got:?}");
        let got = errors(&MINIMAL.replace("summary = \"x\"", "summary = \"x\"\nsumary = \"y\""));
        assert!(got[0].contains("unknown field `sumary`"), "{got:?}");
    }

    #[test]
    fn a_file_without_a_3a090_rule_is_refused() {
        let text = r#"
[[rule]]
id = "d"
kind = "diffusion"
title = "t"
short = "s"
effective = "2025-01-13"
source = "https://example.com"
destinations = "x"
summary = "x"
"#;
        assert!(errors(text)[0].contains("has no 3A090 rule"));
    }

    #[test]
    fn diffusion_is_in_force_only_until_rescinded() {
        let set = RuleSet::builtin().unwrap();
        let has = |d: Date| {
            set.in_force(d)
                .iter()
                .any(|r| matches!(r.kind, RuleKind::Diffusion))
        };
        assert!(!has(Date::ymd(2025, 1, 12)));
        assert!(has(Date::ymd(2025, 1, 13)));
        assert!(has(Date::ymd(2025, 5, 12)));
        assert!(!has(Date::ymd(2025, 5, 13)));
        // Only one 3A090 rule is ever in force.
        let eccn = set
            .in_force(Date::ymd(2026, 6, 1))
            .iter()
            .filter(|r| r.kind.is_eccn())
            .count();
        assert_eq!(eccn, 1);
    }
}
