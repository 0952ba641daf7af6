//! `export`: how US export rules (EAR 3A090) classify a chip on a date and why
//! ([`classification`]), its status through every rule change ([`timeline`]), what-if on its specs
//! (the `set` overrides of either), and design to threshold ([`design`]), as views and as text.
//! Every view carries the export crate's [`DISCLAIMER`].
//!
//! The raw options ([`ExportOptions`], [`DesignOptions`]) are what a front end fills; their
//! `resolve` checks them and fills the default date, which the front end passes in as `today`.
//! It deliberately reads no clock and decides nothing: [`date_from_unix_days`] turns the front
//! end's clock reading into a date, and every classification is the export crate's.

mod classification;
mod design;
mod timeline;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use xpuscope_export::{DesignSpec, ExportError, Override, Rule, RuleSet};
use xpuscope_model::chip::{Chip, Date};
use xpuscope_model::units::{BytesPerSecond, SquareMm};

pub use classification::{CheckView, ClassificationView, ExceptionView, LicenceView, PossibleView};
pub use design::{DesignView, TargetView};
pub use timeline::{TimelineRowView, TimelineView};
pub use xpuscope_export::DISCLAIMER;

use crate::error::{Error, Result};
use crate::table::{num, Align, Table};

/// Raw options for one chip's classification or timeline (the chip resolved by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExportOptions {
    /// The date whose rules apply, `YYYY-MM-DD` (default: the caller's today; unused by the
    /// timeline).
    pub date: Option<String>,
    /// What-if overrides of the chip's specs, each `KEY=VALUE` (default: none).
    pub set: Vec<String>,
}

/// [`ExportOptions`] checked: the date and the parsed overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportQuery {
    /// The date whose rules apply.
    pub date: Date,
    /// What-if overrides, in the order given.
    pub overrides: Vec<Override>,
}

impl ExportOptions {
    /// Parses the date (or takes `today`) and every override.
    pub fn resolve(&self, today: Date) -> Result<ExportQuery> {
        let overrides: Vec<Override> = self
            .set
            .iter()
            .map(|s| Override::parse(s))
            .collect::<std::result::Result<_, _>>()?;
        // The same key twice would silently keep the last: say so instead.
        for (k, o) in overrides.iter().enumerate() {
            if overrides[..k].iter().any(|p| p.key == o.key) {
                return Err(Error::invalid(
                    "set",
                    format!("--set `{}` is given twice; keep one", o.key),
                ));
            }
        }
        Ok(ExportQuery {
            date: resolve_date(self.date.as_deref(), today)?,
            overrides,
        })
    }
}

/// Raw options for design to threshold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DesignOptions {
    /// The date whose rules apply, `YYYY-MM-DD` (default: the caller's today).
    pub date: Option<String>,
    /// Total logic die area in mm² (required).
    pub die_area_mm2: Option<f64>,
    /// Whether the part is designed or marketed for datacenters (default: true).
    pub datacenter: Option<bool>,
    /// DRAM bandwidth in GB/s (default: not decided).
    pub memory_bandwidth_gbs: Option<f64>,
}

impl DesignOptions {
    /// Checks the spec and fills the defaults. The die area's range is the export crate's to
    /// judge; here it only has to be given.
    pub fn resolve(&self, today: Date) -> Result<DesignSpec> {
        let date = resolve_date(self.date.as_deref(), today)?;
        let Some(area) = self.die_area_mm2 else {
            return Err(Error::invalid(
                "die_area_mm2",
                "--design needs --die-area-mm2, the total logic die area in mm²",
            ));
        };
        if let Some(b) = self.memory_bandwidth_gbs {
            if !(b.is_finite() && b >= 0.0) {
                return Err(Error::invalid(
                    "memory_bandwidth_gbs",
                    format!(
                        "--memory-bandwidth-gbs must be a non-negative number of GB/s, not {b}"
                    ),
                ));
            }
        }
        Ok(DesignSpec {
            die_area: SquareMm::new(area),
            datacenter: self.datacenter.unwrap_or(true),
            memory_bandwidth: self.memory_bandwidth_gbs.map(BytesPerSecond::from_gbs),
            date,
        })
    }
}

fn resolve_date(date: Option<&str>, today: Date) -> Result<Date> {
    Ok(match date {
        Some(d) => xpuscope_export::parse_date(d)?,
        None => today,
    })
}

/// The compiled-in rules.
fn rules() -> Result<RuleSet> {
    Ok(RuleSet::builtin().map_err(ExportError::from)?)
}

/// Classifies `chip`, with the query's overrides applied, on the query's date.
pub fn classification(chip: &Chip, q: &ExportQuery) -> Result<ClassificationView> {
    let rules = rules()?;
    let changed = xpuscope_export::apply_all(chip, &q.overrides);
    let c = xpuscope_export::classify(&changed, q.date, &rules)?;
    Ok(ClassificationView::new(&c, overrides(chip, q)))
}

/// `chip`'s status, with the query's overrides applied, at every rule change (the query's date
/// is not used).
pub fn timeline(chip: &Chip, q: &ExportQuery) -> Result<TimelineView> {
    let rules = rules()?;
    let changed = xpuscope_export::apply_all(chip, &q.overrides);
    let t = xpuscope_export::timeline(&changed, &rules)?;
    Ok(TimelineView::new(&t, overrides(chip, q)))
}

/// The most dense throughput per precision that stays outside each paragraph, for `spec`.
pub fn design(spec: &DesignSpec) -> Result<DesignView> {
    let d = xpuscope_export::design(spec, &rules()?)?;
    Ok(DesignView::new(&d))
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`), for a front
/// end that turns its clock into the default date.
pub fn date_from_unix_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date::ymd(
        u16::try_from(year).unwrap_or(1970),
        u8::try_from(month).unwrap_or(1),
        u8::try_from(day).unwrap_or(1),
    )
}

// ---------------------------------------------------------------------------------------------
// Shared by the three views.

/// One what-if override as applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OverrideView {
    /// The canonical key (`bf16_tflops`, `die_area_mm2`, ...).
    pub key: String,
    /// The new value with its unit (`200 TFLOPS`).
    pub value: String,
    /// The catalogue's value with its unit, or `null` when it had none.
    pub previous: Option<String>,
}

/// The views of the query's overrides against the catalogue's `chip`.
fn overrides(chip: &Chip, q: &ExportQuery) -> Vec<OverrideView> {
    q.overrides
        .iter()
        .map(|o| OverrideView {
            key: o.key.clone(),
            value: o.value_text(),
            previous: o.previous_text(chip),
        })
        .collect()
}

/// One rule of the rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RuleView {
    /// Stable id (`ear-2023-10-3a090`).
    pub id: String,
    /// `eccn-2022`, `eccn-2023`, `hbm`, `diffusion`, `is-informed`, ...
    pub kind: &'static str,
    /// Full title.
    pub title: String,
    /// Short label (`Oct 2023 rule`).
    pub short: String,
    /// Announcement date, `YYYY-MM-DD`.
    pub announced: Option<String>,
    /// Effective date, `YYYY-MM-DD`.
    pub effective: String,
    /// Federal Register publication date.
    pub published: Option<String>,
    /// Compliance date, where later than the effective date.
    pub compliance: Option<String>,
    /// Federal Register citation (`88 FR 73458`).
    pub citation: Option<String>,
    /// Federal Register document number.
    pub fr_doc: Option<String>,
    /// Where the rule is published or reported.
    pub source: String,
    /// Where its licence requirement applies, in words.
    pub destinations: String,
    /// What it does.
    pub summary: String,
    /// The short label with the citation, as headings cite the rule.
    #[serde(skip)]
    cited: String,
}

impl RuleView {
    /// The view of one rule.
    pub fn new(r: &Rule) -> RuleView {
        RuleView {
            id: r.id.clone(),
            kind: r.kind.as_str(),
            title: r.title.clone(),
            short: r.short.clone(),
            announced: r.announced.map(|d| d.to_string()),
            effective: r.effective.to_string(),
            published: r.published.map(|d| d.to_string()),
            compliance: r.compliance.map(|d| d.to_string()),
            citation: r.citation.clone(),
            fr_doc: r.fr_doc.clone(),
            source: r.source.clone(),
            destinations: r.destinations.clone(),
            summary: r.summary.clone(),
            cited: r.cited(),
        }
    }
}

/// Wraps `text` at `width` columns, indenting every line by `indent` spaces.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent + line.chars().count() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{pad}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{pad}{line}");
    }
    out
}

/// A bulleted, wrapped list under a heading; nothing when empty.
fn section(out: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{heading}");
    for i in items {
        let w = wrap(i, 4, 100);
        let _ = write!(out, "  - {}", w.trim_start());
    }
}

/// A number grouped, with up to two decimals and no trailing zeros (150, 37.5, 1,312.5).
fn trimmed(v: f64) -> String {
    let s = num(v, 2);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The what-if table; nothing without overrides.
fn overrides_text(out: &mut String, applied: &[OverrideView]) {
    if applied.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nwhat-if (overrides the catalogue)");
    let mut t = Table::new(&[("", Align::Left), ("", Align::Right), ("", Align::Left)]);
    for o in applied {
        t.row(vec![
            format!("  {}", o.key),
            o.value.clone(),
            format!("(catalogue: {})", o.previous.as_deref().unwrap_or("none")),
        ]);
    }
    out.push_str(&t.render());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(date_from_unix_days(0), Date::ymd(1970, 1, 1));
        assert_eq!(date_from_unix_days(19_272), Date::ymd(2022, 10, 7));
        assert_eq!(date_from_unix_days(20_513), Date::ymd(2026, 3, 1));
        assert_eq!(date_from_unix_days(19_782), Date::ymd(2024, 2, 29));
    }

    #[test]
    fn wrapping_keeps_words_and_indent() {
        let w = wrap("one two three four", 2, 10);
        assert_eq!(w, "  one two\n  three\n  four\n");
    }

    #[test]
    fn design_needs_an_area_and_a_sane_bandwidth() {
        let today = Date::ymd(2024, 1, 1);
        let e = DesignOptions::default().resolve(today).unwrap_err();
        assert_eq!(e.field(), Some("die_area_mm2"));
        let o = DesignOptions {
            die_area_mm2: Some(814.0),
            memory_bandwidth_gbs: Some(-5.0),
            ..DesignOptions::default()
        };
        assert_eq!(
            o.resolve(today).unwrap_err().field(),
            Some("memory_bandwidth_gbs")
        );
        let spec = DesignOptions {
            die_area_mm2: Some(814.0),
            ..DesignOptions::default()
        }
        .resolve(today)
        .unwrap();
        assert!(spec.datacenter);
        assert_eq!(spec.date, today);
    }
}
