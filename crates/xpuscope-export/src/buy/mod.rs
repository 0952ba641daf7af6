//! "May I buy it?": what the US rules in force on a date mean for a buyer in one destination, as
//! one verdict with the rule that decides it, one sentence with the margin, and warnings.
//!
//! It reads a [`Classification`] (the 3A090 paragraph, the letters and the China review policy)
//! and the destination classes each rule reaches (`reaches` in the rule file). Only what the rule
//! data state is encoded: a review policy is known for China and Macau only (the Oct 2023 rule's
//! presumption of denial, as the Jan 2026 rule describes it, and the Jan 2026 case-by-case policy);
//! for the other D:5 destinations a licence requirement comes without a stated policy; for other
//! countries the data hold no country-group lists, so a rule that reaches Country Groups D:1 and
//! D:4 leaves the answer unknown rather than guessed.

use super::answer::{eccn_text, ChinaLicence, Classification, Eccn, Missing, Outcome, Review};
use super::classify::classify;
use super::explain::{cap, nearest_misses};
use super::rules::{Event, Issuer, Policy, Reach, Rule, RuleSet, Vendor};
use super::words::or_list;
use super::ExportError;
use xpuscope_model::chip::{Chip, Date};

/// Where the buyer is: the destination classes the rule data distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Destination {
    /// China, with Macau and Hong Kong (one treatment). Hong Kong has been treated as China under
    /// the EAR since 23 Dec 2020 ("Removal of Hong Kong as a Separate Destination", reported at
    /// <https://sanctionsnews.bakermckenzie.com/commerce-department-removes-hong-kong-as-a-separate-destination-under-the-export-administration-regulations/>).
    ChinaMacau,
    /// The other Country Group D:5 destinations (the arms-embargoed countries besides China).
    GroupD5,
    /// Any other country. The rule data hold no country-group lists: a country in D:5 must be
    /// asked as `D5`, and where a rule reaches D:1 and D:4 the answer is unknown.
    Other,
}

/// The words accepted by [`Destination::parse`], for the error message.
const ACCEPTED: &str = "CN or MO (China and Macau; HK is treated as China), D5 (the other Country Group D:5 destinations) or a two-letter ISO 3166 country code for any other country";

impl Destination {
    /// Parses `CN`, `MO` or `HK` (China and Macau), `D5` (the other D:5 destinations) or any other
    /// two-letter ISO country code (`Other`), ignoring case and surrounding space.
    pub fn parse(s: &str) -> Result<Destination, ExportError> {
        let t = s.trim().to_ascii_uppercase();
        match t.as_str() {
            "CN" | "MO" | "HK" => Ok(Destination::ChinaMacau),
            "D5" | "D:5" => Ok(Destination::GroupD5),
            _ if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) => {
                Ok(Destination::Other)
            }
            _ => Err(ExportError::BadDestination {
                given: s.to_string(),
                accepted: ACCEPTED,
            }),
        }
    }

    /// A stable key: `CN`, `D5` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::ChinaMacau => "CN",
            Destination::GroupD5 => "D5",
            Destination::Other => "other",
        }
    }

    /// Words for sentences.
    pub fn label(self) -> &'static str {
        match self {
            Destination::ChinaMacau => "China and Macau",
            Destination::GroupD5 => "the other Country Group D:5 destinations",
            Destination::Other => "a country outside China, Macau and D:5",
        }
    }

    /// Whether `rule` reaches this destination: `None` when it depends on a country-group list the
    /// data do not hold (a rule that reaches D:1 and D:4, asked for `Other`).
    fn reached_by(self, rule: &Rule) -> Option<bool> {
        match self {
            Destination::ChinaMacau => Some(rule.reaches(Reach::ChinaMacau)),
            Destination::GroupD5 => Some(rule.reaches(Reach::GroupD5)),
            Destination::Other if rule.reaches(Reach::Elsewhere) => Some(true),
            Destination::Other if rule.reaches(Reach::GroupsD1D4) => None,
            Destination::Other => Some(false),
        }
    }
}

/// What the rules in force let a buyer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No rule modelled here requires a licence for this destination.
    NoLicence,
    /// A licence is required; `Buyability::review` gives the review policy where the rules state
    /// one (case by case, licences assured, licences issued), `None` where they state none.
    LicenceRequired,
    /// A licence is required and applications face a presumption of denial.
    Forbidden,
    /// The data cannot decide: a spec is missing, the destination's treatment is not in the data,
    /// or only BIS can say (a letter's catch-all).
    Unknown,
}

impl Verdict {
    /// A stable key for programs.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NoLicence => "no-licence",
            Verdict::LicenceRequired => "licence-required",
            Verdict::Forbidden => "forbidden",
            Verdict::Unknown => "unknown",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::NoLicence => "no licence needed",
            Verdict::LicenceRequired => "licence required",
            Verdict::Forbidden => "presumption of denial",
            Verdict::Unknown => "unknown",
        }
    }
}

/// The answer to "may a buyer in this destination obtain this chip on this date?".
#[derive(Debug, Clone, PartialEq)]
pub struct Buyability {
    /// Chip id.
    pub chip: String,
    /// The date asked about.
    pub date: Date,
    /// The destination asked about.
    pub destination: Destination,
    /// The verdict.
    pub verdict: Verdict,
    /// The licence review policy, where the rules state one for this destination.
    pub review: Option<Review>,
    /// The id of the rule or letter that decides it.
    pub rule_id: String,
    /// That rule's name and citation ("Oct 2023 rule (88 FR 73458)").
    pub rule: String,
    /// One sentence with the margin that decides it.
    pub reason: String,
    /// What else a buyer meets that is not a US licence requirement modelled here (China's own
    /// measures, reported; BIS guidance), one sentence each.
    pub warnings: Vec<String>,
}

impl Buyability {
    /// Whether the rules let the buyer obtain it: no licence is needed, or a licence is needed and
    /// the rules state a policy under which one can be granted (case-by-case review, licences
    /// assured or being issued). A licence required with no stated policy, a presumption of denial
    /// and an unknown verdict are all `false`: the planner keeps only chips one can plan on.
    pub fn may_buy(&self) -> bool {
        match self.verdict {
            Verdict::NoLicence => true,
            Verdict::LicenceRequired => matches!(
                self.review,
                Some(Review::CaseByCase | Review::LicencesAssured | Review::LicencesIssued)
            ),
            Verdict::Forbidden | Verdict::Unknown => false,
        }
    }
}

/// Whether a buyer in `dest` may obtain `chip` under the US rules in force on `date`.
///
/// A chip without a dense throughput figure is `Unknown` (not an error); a date before the first
/// 3A090 rule is [`ExportError::BeforeFirstRule`].
pub fn buyability(
    rules: &RuleSet,
    chip: &Chip,
    date: Date,
    dest: Destination,
) -> Result<Buyability, ExportError> {
    let base = |verdict, rule: &Rule, reason: String| Buyability {
        chip: chip.id.clone(),
        date,
        destination: dest,
        verdict,
        review: None,
        rule_id: rule.id.clone(),
        rule: name(rule),
        reason,
        warnings: Vec::new(),
    };
    let classified = classify(chip, date, rules);
    let c = match classified {
        Ok(c) => c,
        Err(e @ ExportError::NoThroughput { .. }) => {
            let rule = rules.eccn_rule(date).ok_or(ExportError::BeforeFirstRule {
                date,
                first: rules.first_date(),
            })?;
            let mut b = base(Verdict::Unknown, rule, format!("{}.", cap(&e.to_string())));
            if let Some(v) = rules.chinese_vendor(chip) {
                let (verdict, reason) = domestic(v, dest, rule, None);
                b.verdict = verdict;
                b.reason = reason;
            }
            b.warnings = warnings(rules, chip, date, dest, false);
            return Ok(b);
        }
        Err(e) => return Err(e),
    };
    let in_3a090 = c.eccn().is_some();
    let mut b = match rules.chinese_vendor(chip) {
        Some(v) => {
            let (verdict, reason) = domestic(v, dest, &c.rule, Some(&c));
            base(verdict, &c.rule, reason)
        }
        None => {
            let (verdict, review, rule, reason) = decide(&c, rules, dest);
            let mut b = base(verdict, rule, reason);
            b.review = review;
            b
        }
    };
    b.warnings = warnings(rules, chip, date, dest, in_3a090);
    if dest != Destination::ChinaMacau && c.possible_eccns_include_a() {
        b.warnings.push(HEADQUARTERED.to_string());
    }
    Ok(b)
}

/// The end-user rule a buyer outside China meets if its parent is Chinese (not modelled).
const HEADQUARTERED: &str = "Not modelled: under 15 CFR 744.23(a)(3) a buyer headquartered in Macau or Country Group D:5, or whose ultimate parent is, needs a licence for 3A090.a chips wherever it is (Baker McKenzie on the May 2025 rescission).";

/// A chip from a Chinese vendor: a domestic purchase in China; elsewhere, an export from China.
fn domestic(
    v: &Vendor,
    dest: Destination,
    rule: &Rule,
    c: Option<&Classification>,
) -> (Verdict, String) {
    let level = c.map_or(String::new(), |c| match c.eccn() {
        Some(e) => format!(
            " (as a US item it would be {}: {})",
            e.as_str(),
            decisive(c, Some(e))
        ),
        None if c.outcome.is_determined() => {
            format!(" (it is outside 3A090: {})", nearest_misses(c))
        }
        None => String::new(),
    });
    match dest {
        Destination::ChinaMacau => (
            Verdict::NoLicence,
            format!(
                "{} is headquartered in {}, China: buying its chip in China is a domestic purchase, not an export that the {} licence requirements reach{level}; the foreign-direct-product rules and the Entity List are not modelled.",
                v.name, v.headquarters, name(rule)
            ),
        ),
        _ => (
            Verdict::Unknown,
            format!(
                "{} is headquartered in China: this is an export from China, and whether US rules reach it (the foreign-direct-product rules) is not modelled{level}.",
                v.name
            ),
        ),
    }
}

/// The events on or before `date` that concern the chip: US guidance and announcements for every
/// destination, China's own measures for a buyer in China.
fn warnings(
    rules: &RuleSet,
    chip: &Chip,
    date: Date,
    dest: Destination,
    in_3a090: bool,
) -> Vec<String> {
    let domestic = rules.chinese_vendor(chip).is_some();
    rules
        .events()
        .iter()
        .filter(|e| e.date.ordinal() <= date.ordinal())
        .filter(|e| e.issuer == Issuer::Us || dest == Destination::ChinaMacau)
        .filter(|e| e.concerns(chip, domestic, in_3a090))
        .map(Event::warning)
        .collect()
}

/// The rule's name and citation, or its name and date when it has no citation.
fn name(r: &Rule) -> String {
    match &r.citation {
        Some(_) => r.cited(),
        None => format!("{} ({})", r.short, r.effective),
    }
}

type Decision<'a> = (Verdict, Option<Review>, &'a Rule, String);

fn decide<'a>(c: &'a Classification, rules: &'a RuleSet, dest: Destination) -> Decision<'a> {
    let letter = c
        .licence
        .basis
        .as_deref()
        .and_then(|id| rules.get(id))
        .unwrap_or(&c.rule);
    match c.licence.china {
        ChinaLicence::NotRequired => (
            Verdict::NoLicence,
            None,
            &c.rule,
            format!(
                "Outside 3A090 under the {} ({}), and no letter names it.",
                name(&c.rule),
                nearest_misses(c)
            ),
        ),
        ChinaLicence::Undetermined => (Verdict::Unknown, None, &c.rule, undetermined(c)),
        ChinaLicence::Required => required(c, dest),
        ChinaLicence::IsInformed => named(c, letter, dest),
        ChinaLicence::PossiblyIsInformed => match dest.reached_by(letter) {
            Some(false) => (
                Verdict::NoLicence,
                None,
                &c.rule,
                format!(
                    "Outside 3A090 under the {} ({}), and the {} reaches only {}.",
                    name(&c.rule),
                    nearest_misses(c),
                    letter.short,
                    letter.destinations
                ),
            ),
            _ => (Verdict::Unknown, None, letter, c.licence.summary.clone()),
        },
    }
}

/// "TPP 15,832 is 3.3x the 4,800 gate of 3A090.a.1": the first met test of its paragraph.
fn decisive(c: &Classification, eccn: Option<Eccn>) -> String {
    let p = eccn_text(eccn);
    c.checks
        .iter()
        .find(|x| x.paragraph.starts_with(p) && x.met() == Some(true))
        .map_or_else(
            || c.summary.trim_end_matches('.').to_string(),
            |x| x.phrase(true),
        )
}

fn undetermined(c: &Classification) -> String {
    let Outcome::Undetermined { possible, missing } = &c.outcome else {
        return c.licence.summary.clone();
    };
    let fields: Vec<String> = missing
        .iter()
        .map(|m: &Missing| format!("{} (catalogue field `{}`)", m.describe(), m.field()))
        .collect();
    let cases: Vec<String> = possible
        .iter()
        .map(|p| format!("{} {}", eccn_text(p.eccn), p.condition))
        .collect();
    format!(
        "{} is unknown, so the {} cannot place it: {}.",
        cap(&or_list(&fields)),
        name(&c.rule),
        or_list(&cases)
    )
}

/// A chip in 3A090: the paragraph's rule reaches the destination or not, and the review policy.
fn required(c: &Classification, dest: Destination) -> Decision<'_> {
    let rule = &c.rule;
    let eccn = c.eccn();
    let why = format!(
        "It is {} under the {} ({})",
        eccn_text(eccn),
        name(rule),
        decisive(c, eccn)
    );
    match dest.reached_by(rule) {
        Some(false) => {
            return (
                Verdict::NoLicence,
                None,
                rule,
                format!("{why}, but that rule requires a licence only for {}.", rule.destinations),
            )
        }
        None => {
            return (
                Verdict::Unknown,
                None,
                rule,
                format!("{why}, and that rule also requires a licence for Country Groups D:1 and D:4 unless also in A:5 or A:6; the rule data hold no country-group lists, so check the country in Supplement No. 1 to part 740 (ask for D5 if it is in D:5)."),
            )
        }
        Some(true) => {}
    }
    if let Some(nac) = c.licence.exceptions.first() {
        return (
            Verdict::LicenceRequired,
            None,
            rule,
            format!(
                "{why}: a licence is needed unless License Exception {} applies ({}).",
                nac.name,
                nac.reason.trim_end_matches('.')
            ),
        );
    }
    if dest != Destination::ChinaMacau {
        return (
            Verdict::LicenceRequired,
            None,
            rule,
            format!("{why}: a licence is needed for {}, and the rule data state no review policy there.", dest.label()),
        );
    }
    let policy = c
        .in_force
        .iter()
        .rev()
        .find(|r| matches!(r.kind, super::rules::RuleKind::CaseByCase { .. }));
    let limits = |p: &Rule| {
        let phrases: Vec<String> = c
            .checks
            .iter()
            .filter(|x| x.paragraph == format!("the {}", p.short))
            .map(|x| x.phrase(false))
            .collect();
        phrases.join(" and ")
    };
    match (c.licence.review, policy) {
        (Some(Review::CaseByCase), Some(p)) => (
            Verdict::LicenceRequired,
            Some(Review::CaseByCase),
            p,
            format!("{why}; {} of the {}, so licence applications for China are reviewed case by case.", limits(p), name(p)),
        ),
        (Some(Review::PresumptionOfDenial), Some(p)) => {
            let over: Vec<String> = c
                .checks
                .iter()
                .filter(|x| x.paragraph == format!("the {}", p.short) && x.met() == Some(false))
                .map(|x| x.phrase(false))
                .collect();
            (
                Verdict::Forbidden,
                Some(Review::PresumptionOfDenial),
                p,
                format!("{why}; {} of the {}, so licence applications for China face a presumption of denial.", or_list(&over), name(p)),
            )
        }
        _ => match rule.china_review {
            Some(Policy::PresumptionOfDenial) => (
                Verdict::Forbidden,
                Some(Review::PresumptionOfDenial),
                rule,
                format!("{why}, and licence applications for China and Macau face a presumption of denial under it."),
            ),
            Some(Policy::CaseByCase) => (
                Verdict::LicenceRequired,
                Some(Review::CaseByCase),
                rule,
                format!("{why}, and licence applications for China and Macau are reviewed case by case under it."),
            ),
            None => (
                Verdict::LicenceRequired,
                None,
                rule,
                format!("{why}: a licence is needed, and the rule data state no review policy for it."),
            ),
        },
    }
}

/// A chip an is-informed letter names: a licence whatever its thresholds, where the letter reaches.
fn named<'a>(c: &'a Classification, letter: &'a Rule, dest: Destination) -> Decision<'a> {
    let margin = nearest_misses(c);
    if dest.reached_by(letter) != Some(true) {
        return (
            Verdict::NoLicence,
            None,
            letter,
            format!(
                "Outside 3A090 ({margin}); the {} names it but reaches only {}.",
                letter.short, letter.destinations
            ),
        );
    }
    let head = format!(
        "The {} names it, so a licence is needed whatever its thresholds ({margin})",
        letter.short
    );
    let review = if dest == Destination::ChinaMacau {
        c.licence.review
    } else {
        None
    };
    let tail = match review {
        Some(Review::LicencesIssued) => "; licences are being issued for China".to_string(),
        Some(Review::LicencesAssured) => {
            "; the US has said licences for China will be granted, though none is issued yet"
                .to_string()
        }
        _ if dest == Destination::ChinaMacau => {
            "; no licence policy is stated, and shipments stopped".to_string()
        }
        _ => format!(
            "; the reported licences concern China, and the rule data state no policy for {}",
            dest.label()
        ),
    };
    (
        Verdict::LicenceRequired,
        review,
        letter,
        format!("{head}{tail}."),
    )
}

#[cfg(test)]
mod tests;
