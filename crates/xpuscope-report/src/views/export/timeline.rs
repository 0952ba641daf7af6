//! One chip's export status at every rule change (`xpuscope export CHIP --timeline`), as a view
//! and as text.
//!
//! It deliberately decides nothing: the rows, their classifications and sentences are the export
//! crate's [`Timeline`].

use std::fmt::Write as _;

use serde::Serialize;
use xpuscope_export::{
    Classification, Eccn, Issuer, Outcome, PerformanceDensity, Review, Timeline, DISCLAIMER,
};

use super::{overrides_text, wrap, OverrideView};
use crate::table::{Align, Table};

/// One rule change (or the chip's release) and the chip's status after it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TimelineRowView {
    /// When, `YYYY-MM-DD`.
    pub date: String,
    /// What happened, in words.
    pub event: String,
    /// What kind of row: `rule` (a US rule or letter), `release`, `us-event` (US guidance or an
    /// announcement, not a licence requirement) or `china-measure` (China's own, not US law).
    pub kind: &'static str,
    /// For an event: `official` (the authority's statement) or `reported` (press reports).
    pub grade: Option<&'static str>,
    /// For an event: the authority that acted.
    pub authority: Option<String>,
    /// The rule's id, where the event is a rule.
    pub rule_id: Option<String>,
    /// The rule's Federal Register citation.
    pub citation: Option<String>,
    /// Where the rule is published or reported.
    pub source: Option<String>,
    /// The ECCN after the event (`null` for outside 3A090, undetermined, or before any rule).
    pub eccn: Option<&'static str>,
    /// Whether the data settle the ECCN (true where there is nothing to classify).
    pub eccn_determined: bool,
    /// Total processing performance, where classified.
    pub tpp: Option<f64>,
    /// TPP per mm² of logic die area, where known.
    pub performance_density: Option<f64>,
    /// The licence requirement for China (see the classification's `licence.china`).
    pub licence_china: Option<&'static str>,
    /// The review policy for China (see the classification's `licence.review`).
    pub licence_review: Option<&'static str>,
    /// One sentence on what changed for the chip.
    pub sentence: String,
    /// The ECCN column for people (`-` where not classified).
    #[serde(skip)]
    eccn_text: &'static str,
    /// The licence for people, where classified.
    #[serde(skip)]
    china_text: Option<&'static str>,
    /// The review policy for people.
    #[serde(skip)]
    review_text: Option<&'static str>,
    /// The rule's short label, where the event is a rule.
    #[serde(skip)]
    rule_short: Option<String>,
}

/// A chip's timeline (`xpuscope export CHIP --timeline`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TimelineView {
    /// Chip id.
    pub chip: String,
    /// Chip name.
    pub chip_name: String,
    /// Release date, if known.
    pub released: Option<String>,
    /// What-if overrides applied to the catalogue's chip.
    pub overrides: Vec<OverrideView>,
    /// One row per event, oldest first.
    pub rows: Vec<TimelineRowView>,
    /// Informational only, not legal advice.
    pub disclaimer: &'static str,
}

impl TimelineView {
    /// The view of one timeline, with the overrides that produced it.
    pub fn new(t: &Timeline, overrides: Vec<OverrideView>) -> TimelineView {
        TimelineView {
            chip: t.chip.clone(),
            chip_name: t.chip_name.clone(),
            released: t.released.map(|d| d.to_string()),
            overrides,
            rows: t
                .rows
                .iter()
                .map(|r| {
                    let c = r.classification.as_ref();
                    TimelineRowView {
                        date: r.date.to_string(),
                        event: r.event.clone(),
                        kind: match (&r.rule, &r.event_record) {
                            (Some(_), _) => "rule",
                            (None, Some(e)) if e.issuer == Issuer::China => "china-measure",
                            (None, Some(_)) => "us-event",
                            (None, None) => "release",
                        },
                        grade: r.event_record.as_ref().map(|e| e.grade.as_str()),
                        authority: r.event_record.as_ref().map(|e| e.authority.clone()),
                        rule_id: r
                            .rule
                            .as_ref()
                            .map(|x| x.id.clone())
                            .or_else(|| r.event_record.as_ref().map(|e| e.id.clone())),
                        citation: r.rule.as_ref().and_then(|x| x.citation.clone()),
                        source: r
                            .rule
                            .as_ref()
                            .map(|x| x.source.clone())
                            .or_else(|| r.event_record.as_ref().map(|e| e.source.clone())),
                        eccn: c.and_then(Classification::eccn).map(Eccn::as_str),
                        eccn_determined: c.is_none_or(|c| c.outcome.is_determined()),
                        tpp: c.map(|c| c.tpp.get()),
                        performance_density: c
                            .and_then(|c| c.performance_density.map(PerformanceDensity::get)),
                        licence_china: c.map(|c| c.licence.china.as_str()),
                        licence_review: c.and_then(|c| c.licence.review.map(Review::as_str)),
                        sentence: r.sentence.clone(),
                        eccn_text: match c.map(|c| &c.outcome) {
                            None => "-",
                            Some(Outcome::Determined(e)) => xpuscope_export::eccn_text(*e),
                            Some(Outcome::Undetermined { .. }) => "undetermined",
                        },
                        china_text: c.map(|c| c.licence.china.label()),
                        review_text: c.and_then(|c| c.licence.review.map(Review::label)),
                        rule_short: r
                            .rule
                            .as_ref()
                            .map(|x| x.short.clone())
                            .or_else(|| r.event_record.as_ref().map(|e| e.short.clone())),
                    }
                })
                .collect(),
            disclaimer: DISCLAIMER,
        }
    }

    /// The timeline for people: one row per event with its sentence, the sources, the
    /// disclaimer.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} ({}): export status at every rule change, with US guidance and China's own measures\n",
            self.chip_name, self.chip
        );
        overrides_text(&mut out, &self.overrides);
        out.push('\n');
        let mut table = Table::new(&[
            ("date", Align::Left),
            ("event", Align::Left),
            ("ECCN", Align::Left),
            ("licence for China", Align::Left),
        ]);
        for r in &self.rows {
            let licence = match r.china_text {
                None => "-".to_string(),
                Some(china) => {
                    let review = r.review_text.map_or(String::new(), |x| format!("; {x}"));
                    format!("{china}{review}")
                }
            };
            let event = match r.kind {
                "china-measure" => format!("[CN, {}] {}", r.grade.unwrap_or("reported"), r.event),
                "us-event" => format!("[US, {}] {}", r.grade.unwrap_or("reported"), r.event),
                _ => r.event.clone(),
            };
            table.row(vec![
                r.date.clone(),
                event,
                r.eccn_text.to_string(),
                licence,
            ]);
        }
        let rendered = table.render();
        let mut lines = rendered.lines();
        if let Some(h) = lines.next() {
            let _ = writeln!(out, "{h}");
        }
        for (line, r) in lines.zip(&self.rows) {
            let _ = writeln!(out, "{line}");
            out.push_str(&wrap(&r.sentence, 12, 100));
        }
        let _ = writeln!(out, "\nsources");
        let mut st = Table::new(&[("", Align::Left), ("", Align::Left), ("", Align::Left)]);
        for r in &self.rows {
            if let Some(short) = &r.rule_short {
                st.row(vec![
                    format!("  {short}"),
                    r.citation.clone().unwrap_or_default(),
                    r.source.clone().unwrap_or_default(),
                ]);
            }
        }
        out.push_str(&st.render());
        out.push('\n');
        out.push_str(&wrap(self.disclaimer, 0, 100));
        out
    }
}
