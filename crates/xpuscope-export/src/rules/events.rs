//! Dated events outside the licence logic, and the vendors whose chips are domestic in China.
//!
//! An `[[event]]` is something a buyer meets that is not an EAR licence requirement: BIS guidance,
//! a US announcement or reported decision, or one of China's own measures (regulators' guidance,
//! customs checks). Each is dated, sourced and graded `official` (the authority's own statement)
//! or `reported` (press citing people familiar). They are shown in timelines and returned as
//! warnings; they never change a verdict. A `[[vendor]]` names a vendor headquartered in China:
//! its chips bought in China are not US exports.

use serde::Deserialize;
use toml::Spanned;

use xpuscope_model::catalog::ValidationContext;
use xpuscope_model::chip::{Chip, Date};

/// Whose act an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    /// The US government (`us`): guidance, announcements, reported decisions.
    Us,
    /// China's government (`cn`): regulators, customs.
    China,
}

/// How an event is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventGrade {
    /// The authority's own published statement (`official`).
    Official,
    /// Press reports citing people familiar with the matter (`reported`).
    Reported,
}

impl EventGrade {
    /// The name used in rule files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            EventGrade::Official => "official",
            EventGrade::Reported => "reported",
        }
    }
}

/// Which chips an event concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concerns {
    /// The chips its `chips` list names (`named`).
    Named,
    /// Every chip imported into China, that is every chip not from a Chinese vendor (`imports`).
    Imports,
    /// Chips from Chinese vendors that meet 3A090 ("PRC 3A090 ICs"), and those it names
    /// (`prc-3a090`).
    Prc3a090,
}

/// One dated event, with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Kebab-case id, unique in the set.
    pub id: String,
    /// When it happened (for a report: the date of the act, or of the first report).
    pub date: Date,
    /// When it was first reported, where that differs from `date`.
    pub reported: Option<Date>,
    /// Whose act it is.
    pub issuer: Issuer,
    /// The authority ("Cyberspace Administration of China (CAC)").
    pub authority: String,
    /// A short label for tables.
    pub short: String,
    /// Official or reported.
    pub grade: EventGrade,
    /// Which chips it concerns.
    pub concerns: Concerns,
    /// Catalogue ids of the chips it names.
    pub chips: Vec<String>,
    /// The primary source (a URL).
    pub source: String,
    /// Further sources.
    pub references: Vec<String>,
    /// What it does, in a sentence or two.
    pub summary: String,
}

impl Event {
    /// Whether it concerns `chip`; `domestic` says whether the chip is from a Chinese vendor and
    /// `in_3a090` whether it meets 3A090 on the date asked.
    pub fn concerns(&self, chip: &Chip, domestic: bool, in_3a090: bool) -> bool {
        let named = self.chips.iter().any(|c| c.eq_ignore_ascii_case(&chip.id));
        named
            || match self.concerns {
                Concerns::Named => false,
                Concerns::Imports => !domestic,
                Concerns::Prc3a090 => domestic && in_3a090,
            }
    }

    /// One sentence for a warning: the date, who, what, and how it is known.
    pub fn warning(&self) -> String {
        let law = match self.issuer {
            Issuer::China => "China's measure, not US law",
            Issuer::Us => "not an EAR licence requirement",
        };
        format!(
            "{} ({}; {}, {}): {}",
            self.date,
            self.authority,
            self.grade.as_str(),
            law,
            self.summary.trim_end_matches('.')
        ) + "."
    }
}

/// A vendor headquartered in China.
#[derive(Debug, Clone, PartialEq)]
pub struct Vendor {
    /// The start of the catalogue's `vendor` field ("Huawei"), matched ignoring case.
    pub name: String,
    /// Where it is headquartered, in words ("Shenzhen").
    pub headquarters: String,
    /// The source (a URL).
    pub source: String,
}

impl Vendor {
    /// Whether `chip` is this vendor's.
    pub fn makes(&self, chip: &Chip) -> bool {
        chip.vendor
            .to_ascii_lowercase()
            .starts_with(&self.name.to_ascii_lowercase())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvent {
    id: Option<String>,
    date: Option<Spanned<String>>,
    reported: Option<Spanned<String>>,
    issuer: Option<Spanned<String>>,
    authority: Option<String>,
    short: Option<String>,
    grade: Option<Spanned<String>>,
    concerns: Option<Spanned<String>>,
    #[serde(default)]
    chips: Vec<String>,
    source: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    summary: Option<String>,
}

impl RawEvent {
    pub(super) fn id(&self) -> Option<String> {
        self.id.clone()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVendor {
    name: Option<String>,
    headquarters: Option<String>,
    source: Option<String>,
}

/// A required field, or "is required".
fn need<T: Clone>(ctx: &mut ValidationContext, v: &Option<T>, field: &str) -> Option<T> {
    if v.is_none() {
        ctx.missing(field);
    }
    v.clone()
}

/// One of `choices` (file name, value), or a sentence listing them.
fn choice<T: Copy>(
    ctx: &mut ValidationContext,
    v: &Option<Spanned<String>>,
    field: &str,
    choices: &[(&str, T)],
) -> Option<T> {
    let Some(s) = v else {
        ctx.missing(field);
        return None;
    };
    let found = choices.iter().find(|(n, _)| *n == s.get_ref().as_str());
    if found.is_none() {
        let names: Vec<&str> = choices.iter().map(|c| c.0).collect();
        ctx.at(
            s,
            field,
            format!("`{}` is not one of `{}`", s.get_ref(), names.join("`, `")),
        );
    }
    found.map(|f| f.1)
}

fn day(ctx: &mut ValidationContext, v: &Option<Spanned<String>>, field: &str) -> Option<Date> {
    let s = v.as_ref()?;
    match Date::parse(s.get_ref()) {
        Some(d) if d.day.is_some() => Some(d),
        _ => {
            let msg = format!("`{}` is not a date; write YYYY-MM-DD", s.get_ref());
            ctx.at(s, field, msg);
            None
        }
    }
}

/// Validates one `[[event]]` table.
pub(super) fn event(ctx: &mut ValidationContext, r: &RawEvent) -> Option<Event> {
    let id = need(ctx, &r.id, "id");
    let date_raw = need(ctx, &r.date, "date");
    let date = day(ctx, &date_raw, "date");
    let reported = day(ctx, &r.reported, "reported");
    let issuer = choice(
        ctx,
        &r.issuer,
        "issuer",
        &[("us", Issuer::Us), ("cn", Issuer::China)],
    );
    let grade = choice(
        ctx,
        &r.grade,
        "grade",
        &[
            ("official", EventGrade::Official),
            ("reported", EventGrade::Reported),
        ],
    );
    let concerns = choice(
        ctx,
        &r.concerns,
        "concerns",
        &[
            ("named", Concerns::Named),
            ("imports", Concerns::Imports),
            ("prc-3a090", Concerns::Prc3a090),
        ],
    );
    if concerns == Some(Concerns::Named) && r.chips.is_empty() {
        let line = ctx.entry_line;
        ctx.push(
            line,
            "chips",
            "must name at least one chip when `concerns = \"named\"`".into(),
        );
        return None;
    }
    let authority = need(ctx, &r.authority, "authority");
    let short = need(ctx, &r.short, "short");
    let source = need(ctx, &r.source, "source");
    let summary = need(ctx, &r.summary, "summary");
    Some(Event {
        id: id?,
        date: date?,
        reported,
        issuer: issuer?,
        authority: authority?,
        short: short?,
        grade: grade?,
        concerns: concerns?,
        chips: r.chips.clone(),
        source: source?,
        references: r.references.clone(),
        summary: summary?,
    })
}

/// Validates one `[[vendor]]` table.
pub(super) fn vendor(ctx: &mut ValidationContext, r: &RawVendor) -> Option<Vendor> {
    let name = need(ctx, &r.name, "name");
    let headquarters = need(ctx, &r.headquarters, "headquarters");
    let source = need(ctx, &r.source, "source");
    Some(Vendor {
        name: name?,
        headquarters: headquarters?,
        source: source?,
    })
}
