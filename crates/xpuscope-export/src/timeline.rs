//! A chip's export status through every rule change: one row per rule (on its effective date) and
//! one for the chip's release, each with its classification and a sentence in a person's words
//! that says what changed and why.
//!
//! It classifies the chip as it is in the catalogue (or as overridden) on every date; it does not
//! model a chip's revisions over time.

use super::answer::{eccn_text, ChinaLicence, Classification, Eccn, Outcome, Review};
use super::classify::classify;
use super::explain::nearest_misses;
use super::rules::{Event, Issuer, Rule, RuleKind, RuleSet};
use super::words::{gate, group};
use super::ExportError;
use xpuscope_model::chip::{Chip, Date};
use xpuscope_model::units::BytesPerSecond;

/// One row of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    /// When.
    pub date: Date,
    /// What happened, in a few words ("Oct 2023 rule", "released").
    pub event: String,
    /// The rule, for a rule row.
    pub rule: Option<Rule>,
    /// The event (US guidance or announcement, or one of China's measures), for an event row.
    pub event_record: Option<Event>,
    /// The chip's status on that date (`None` before the first 3A090 rule).
    pub classification: Option<Classification>,
    /// What it means for this chip, in a person's words.
    pub sentence: String,
}

/// A chip's status through every rule change.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Chip id.
    pub chip: String,
    /// Chip name.
    pub chip_name: String,
    /// Release date, if known.
    pub released: Option<Date>,
    /// Rows, oldest first.
    pub rows: Vec<TimelineRow>,
}

/// The chip's status at every rule's effective date and at its release.
pub fn timeline(chip: &Chip, rules: &RuleSet) -> Result<Timeline, ExportError> {
    let released = chip.released.as_ref().map(|r| r.value);
    let mut rows: Vec<TimelineRow> = Vec::new();
    let mut prev: Option<Classification> = None;
    let mut release_done = released.is_none();
    for rule in rules.rules() {
        if let Some(rel) =
            released.filter(|r| !release_done && r.ordinal() < rule.effective.ordinal())
        {
            let row = release_row(chip, rel, rules)?;
            prev = row.classification.clone().or(prev);
            rows.push(row);
            release_done = true;
        }
        let c = classify(chip, rule.effective, rules)?;
        let mut sentence = rule_sentence(rule, &c, prev.as_ref(), chip, rules);
        if released.is_some_and(|r| r.ordinal() > rule.effective.ordinal()) {
            sentence = format!("Before its release: {}", lower_first(&sentence));
        }
        rows.push(TimelineRow {
            date: rule.effective,
            event: rule.short.clone(),
            rule: Some(rule.clone()),
            event_record: None,
            classification: Some(c.clone()),
            sentence,
        });
        prev = Some(c);
    }
    if let Some(rel) = released.filter(|_| !release_done) {
        rows.push(release_row(chip, rel, rules)?);
    }
    rows.extend(event_rows(chip, rules));
    // Stable: on the same day a rule row comes before an event row.
    rows.sort_by_key(|r| r.date.ordinal());
    Ok(Timeline {
        chip: chip.id.clone(),
        chip_name: chip.name.clone(),
        released,
        rows,
    })
}

/// One row per event that concerns the chip: what it says, who acted, and that it is not an EAR
/// licence requirement; the chip's classification that day is unchanged by it.
fn event_rows(chip: &Chip, rules: &RuleSet) -> Vec<TimelineRow> {
    let domestic = rules.chinese_vendor(chip).is_some();
    rules
        .events()
        .iter()
        .filter_map(|e| {
            let c = classify(chip, e.date, rules).ok();
            let in_3a090 = c.as_ref().is_some_and(|c| c.eccn().is_some());
            e.concerns(chip, domestic, in_3a090).then(|| {
                let what = match e.issuer {
                    Issuer::China => {
                        "China's own measure, not US law; it weighs on a buyer in China"
                    }
                    Issuer::Us => "not an EAR licence requirement; the licence status is unchanged",
                };
                TimelineRow {
                    date: e.date,
                    event: e.short.clone(),
                    rule: None,
                    event_record: Some(e.clone()),
                    classification: c,
                    sentence: format!(
                        "{} ({}, {}: {what}.)",
                        e.summary,
                        e.authority,
                        e.grade.as_str()
                    ),
                }
            })
        })
        .collect()
}

fn release_row(chip: &Chip, rel: Date, rules: &RuleSet) -> Result<TimelineRow, ExportError> {
    let first = rules.first_date();
    if rel.ordinal() < first.ordinal() {
        return Ok(TimelineRow {
            date: rel,
            event: "released".into(),
            rule: None,
            event_record: None,
            classification: None,
            sentence: format!("Released before ECCN 3A090 existed (it was created on {first}), so no 3A090 licence requirement applied yet."),
        });
    }
    let c = classify(chip, rel, rules)?;
    let sentence = format!("Released. {} {}", c.summary, c.licence.summary);
    Ok(TimelineRow {
        date: rel,
        event: "released".into(),
        rule: None,
        event_record: None,
        classification: Some(c),
        sentence,
    })
}

fn lower_first(s: &str) -> String {
    let mut ch = s.chars();
    ch.next().map_or(String::new(), |f| {
        f.to_lowercase().collect::<String>() + ch.as_str()
    })
}

fn gbs(b: Option<BytesPerSecond>) -> String {
    b.map_or("unknown".into(), |b| format!("{} GB/s", group(b.gbs(), 0)))
}

/// "3A090.a, licence needed for China" and the like: the status in a few words.
fn status(c: &Classification) -> String {
    let e = match &c.outcome {
        Outcome::Determined(e) => eccn_text(*e).to_string(),
        Outcome::Undetermined { .. } => "paragraph undetermined".into(),
    };
    let l = match c.licence.china {
        ChinaLicence::NotRequired => "no licence needed for China",
        ChinaLicence::Required => "licence needed for China",
        ChinaLicence::IsInformed => "licence needed for China by letter",
        ChinaLicence::PossiblyIsInformed => "licence possibly needed for China by letter",
        ChinaLicence::Undetermined => "licence depends on the missing data",
    };
    format!("{e}, {l}")
}

fn rule_sentence(
    rule: &Rule,
    c: &Classification,
    prev: Option<&Classification>,
    chip: &Chip,
    rules: &RuleSet,
) -> String {
    let tpp = c.tpp;
    let named = rule
        .kind
        .named_chips()
        .iter()
        .any(|id| id.eq_ignore_ascii_case(&chip.id));
    match &rule.kind {
        RuleKind::Eccn2022(t) => {
            let head = format!(
                "The first 3A090 rule controls chips with both TPP of {} or more and a chip-to-chip transfer rate of {} GB/s or more.",
                gate(t.tpp.get()),
                gate(t.transfer_rate.gbs())
            );
            let rate = gbs(c.transfer_rate);
            let tail = match &c.outcome {
                Outcome::Determined(Some(_)) => {
                    format!("With TPP {tpp} and {rate}, it is 3A090: a licence is needed to export it to China.")
                }
                Outcome::Determined(None) if c.tpp.get() >= t.tpp.get() => format!(
                    "With TPP {tpp} it passes the compute test, but its {rate} transfer rate is under {} GB/s, so it is not controlled and can be sold to China.",
                    gate(t.transfer_rate.gbs())
                ),
                Outcome::Determined(None) => {
                    format!("With TPP {tpp} it is under the compute test, so it is not controlled.")
                }
                Outcome::Undetermined { .. } => format!(
                    "With TPP {tpp} it passes the compute test; whether it is controlled depends on its chip-to-chip bandwidth, which is not recorded."
                ),
            };
            format!("{head} {tail}")
        }
        RuleKind::Eccn2023(t) => {
            let head = format!("The {} drops the link test and classifies by TPP and performance density.", rule.short);
            let prev_e = prev.and_then(|p| p.outcome.is_determined().then(|| p.eccn()));
            let was_link_gap = prev.is_some_and(|p| {
                p.eccn().is_none()
                    && p.outcome.is_determined()
                    && matches!(p.rule.kind, RuleKind::Eccn2022(t22) if p.tpp.get() >= t22.tpp.get())
            });
            let tail = match &c.outcome {
                Outcome::Determined(Some(Eccn::A)) => {
                    let via = c.summary.split_once(", through ").map_or("", |s| s.1).trim_end_matches('.');
                    if was_link_gap {
                        format!("The link-speed gap closes: it is now 3A090.a (through {via}), and a licence is needed to export it to China.")
                    } else if matches!(prev_e, Some(Some(_))) {
                        format!("It stays controlled, now as 3A090.a (through {via}).")
                    } else {
                        format!("It is 3A090.a (through {via}): a licence is needed to export it to China.")
                    }
                }
                Outcome::Determined(Some(_)) => {
                    let nac = if c.licence.exceptions.iter().any(|e| e.name == "NAC") {
                        ", though License Exception NAC may apply"
                    } else {
                        ""
                    };
                    format!("{} A licence is needed to export it to China{nac}.", c.summary)
                }
                Outcome::Determined(None) if c.datacenter == Some(false) && c.tpp.get() < t.note2_tpp.get() => format!(
                    "It is outside 3A090 through Note 2: a part not designed or marketed for datacenters, with TPP {tpp}, {} under {}. No licence is needed.",
                    super::words::pct(1.0 - c.tpp.get() / t.note2_tpp.get()),
                    gate(t.note2_tpp.get())
                ),
                Outcome::Determined(None) => {
                    let misses: Vec<f64> = ["3A090.b.1", "3A090.b.2"]
                        .iter()
                        .filter_map(|p| {
                            c.checks
                                .iter()
                                .filter(|x| x.paragraph == *p && x.met() == Some(false))
                                .filter_map(|x| x.margin().map(f64::abs))
                                .min_by(f64::total_cmp)
                        })
                        .collect();
                    let just = if misses.len() == 2 && misses.iter().all(|m| *m < 0.1) {
                        ", just under both 3A090.b gates"
                    } else {
                        ""
                    };
                    format!("It is outside 3A090{just}: {}. No licence is needed.", nearest_misses(c))
                }
                Outcome::Undetermined { .. } => c.summary.clone(),
            };
            format!("{head} {tail}")
        }
        RuleKind::Hbm { density_gbs_per_mm2, .. } => {
            let head = format!(
                "The {} adds 3A090.c for HBM stacks above {} GB/s per mm².",
                rule.short,
                gate(*density_gbs_per_mm2)
            );
            let mem = chip.memory_type.as_ref().map(|m| m.value.clone());
            let tail = match (&c.hbm, mem) {
                (Some(h), _) => format!(
                    "Its {h} stacks are controlled as parts, but the chip itself is still classified by 3A090.a/.b, so its status is unchanged ({})."
                    , status(c)
                ),
                (None, Some(m)) => format!("It uses {m}, not HBM, so nothing changes ({}).", status(c)),
                (None, None) => format!("Its memory type is not recorded; the chip's own status is unchanged ({}).", status(c)),
            };
            format!("{head} {tail}")
        }
        RuleKind::Diffusion => {
            let compliance = rule.compliance.map_or(String::new(), |d| format!(" from {d}"));
            if c.outcome.possible_eccns().contains(&Some(Eccn::A)) {
                format!(
                    "The {} would require licences for 3A090.a chips like this one in every country except 18 allies{compliance}; China already needed one.",
                    rule.short
                )
            } else {
                format!(
                    "The {} concerns 3A090.a chips; this one is {}, so it is not affected.",
                    rule.short,
                    status(c)
                )
            }
        }
        RuleKind::DiffusionRescission => format!(
            "The AI diffusion rule is rescinded before compliance was due, so it never applied; nothing changes for China ({}).",
            status(c)
        ),
        RuleKind::IsInformed {
            memory_bandwidth,
            interconnect,
            ..
        } => match c.licence.china {
            ChinaLicence::IsInformed => {
                let this = if c.memory_bandwidth == Some(*memory_bandwidth) && c.transfer_rate == Some(*interconnect) {
                    String::new()
                } else {
                    format!(" (this one: {} and {})", gbs(c.memory_bandwidth), gbs(c.transfer_rate))
                };
                format!(
                    "By letter the US government tells {} that this chip needs a licence for {}, \"in effect for the indefinite future\". The thresholds have not moved: the letter reaches chips with the H20's {} memory bandwidth or {} interconnect{this}. Shipments stop.",
                    chip.vendor,
                    rule.destinations,
                    gbs(Some(*memory_bandwidth)),
                    gbs(Some(*interconnect)),
                )
            }
            ChinaLicence::PossiblyIsInformed => c.licence.summary.clone(),
            ChinaLicence::Required => format!(
                "The letters on the H20 and MI308 change nothing for it: as {} it already needs a licence for China.",
                eccn_text(c.eccn())
            ),
            ChinaLicence::NotRequired => format!(
                "The letters name the H20 and MI308 and reach chips with their bandwidths; with {} of memory bandwidth and {} of interconnect, under the H20's {} and {}, this one is not caught.",
                gbs(c.memory_bandwidth),
                gbs(c.transfer_rate),
                gbs(Some(*memory_bandwidth)),
                gbs(Some(*interconnect))
            ),
            ChinaLicence::Undetermined => format!("The letters name the H20 and MI308. {}", c.licence.summary),
        },
        RuleKind::LicencesAssured { .. } if named => format!(
            "{} says the US government has assured it that licences will be granted; a licence is still needed, and none is issued yet.",
            chip.vendor
        ),
        RuleKind::LicencesIssued { revenue_share, .. } if named => {
            let share = revenue_share.map_or(String::new(), |s| {
                format!(", reportedly on condition that {}% of China revenue goes to the US government", group(s * 100.0, 0))
            });
            format!("Licences begin to be issued{share}: sales to China can resume, each under a licence.")
        }
        RuleKind::LicencesAssured { .. } | RuleKind::LicencesIssued { .. } => {
            format!("This concerns only the chips the letters name; nothing changes for this one ({}).", status(c))
        }
        RuleKind::CaseByCase {
            tpp_below,
            dram_bandwidth_below,
        } => match (c.licence.china, c.licence.review) {
            (ChinaLicence::Required, Some(Review::CaseByCase)) => format!(
                "Licence applications for China are now reviewed case by case, because TPP {tpp} is under {} and its {} memory bandwidth is under {} GB/s.",
                gate(tpp_below.get()),
                gbs(c.memory_bandwidth),
                gate(dram_bandwidth_below.gbs())
            ),
            (ChinaLicence::Required, Some(Review::PresumptionOfDenial)) => format!(
                "It stays under a presumption of denial: case-by-case review needs TPP under {} and memory bandwidth under {} GB/s, and it has TPP {tpp} and {}.",
                gate(tpp_below.get()),
                gate(dram_bandwidth_below.gbs()),
                gbs(c.memory_bandwidth)
            ),
            (ChinaLicence::Required, _) => format!(
                "Case-by-case review applies if its memory bandwidth is under {} GB/s, which is not recorded (TPP {tpp} is under {}).",
                gate(dram_bandwidth_below.gbs()),
                gate(tpp_below.get())
            ),
            (ChinaLicence::IsInformed, _) => format!(
                "The case-by-case policy is for 3A090 chips; this one is outside 3A090 and still needs a licence under the {}.",
                c.licence
                    .basis
                    .as_deref()
                    .and_then(|id| rules.get(id))
                    .map_or("is-informed letter".into(), |r| r.short.clone())
            ),
            _ => format!("The case-by-case policy is for 3A090 chips; nothing changes for this one ({}).", status(c)),
        },
    }
}
