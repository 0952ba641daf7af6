//! What a classification means for exporting the chip to China: whether a licence is needed and
//! on what basis (a 3A090 rule or an is-informed letter), how applications are reviewed, and the
//! notes that go with it. The types it fills ([`Licence`] and its parts) live in `answer`; the
//! 2023 rule's own licence exception, NAC, is read with that rule (`classify::eccn2023`).
//!
//! Only China (with the destinations each rule groups with it) is modelled. End-use and end-user
//! controls (the Entity List, 15 CFR 744.23), deemed exports and other countries' rules are not.

use super::answer::{
    Bound, Check, ChinaLicence, Classification, Eccn, Licence, Missing, Quantity, Review,
};
use super::explain::{cap, sentence};
use super::rules::{Rule, RuleKind};
use super::words::{gate, group, or_list};
use xpuscope_model::chip::Chip;
use xpuscope_model::units::BytesPerSecond;

/// Fills `c.licence` (and adds the letter's and the case-by-case policy's checks to `c.checks`).
pub(crate) fn apply(c: &mut Classification, chip: &Chip, all_rules: &[Rule]) {
    let possible = c.outcome.possible_eccns();
    let all_in = possible.iter().all(Option::is_some);
    let all_out = possible.iter().all(Option::is_none);
    let named = |r: &Rule| {
        r.kind
            .named_chips()
            .iter()
            .any(|id| id.eq_ignore_ascii_case(&chip.id))
    };
    let find = |f: fn(&RuleKind) -> bool| c.in_force.iter().rev().find(|r| f(&r.kind)).cloned();
    let letter = find(|k| matches!(k, RuleKind::IsInformed { .. }));
    let assured = find(|k| matches!(k, RuleKind::LicencesAssured { .. })).filter(|r| named(r));
    let issued = find(|k| matches!(k, RuleKind::LicencesIssued { .. })).filter(|r| named(r));
    let case_by_case = find(|k| matches!(k, RuleKind::CaseByCase { .. }));
    let mut l = Licence::default();

    if all_in {
        l.china = ChinaLicence::Required;
        l.basis = Some(c.rule.id.clone());
        l.destinations = Some(c.rule.destinations.clone());
        if let Some(r) = &case_by_case {
            l.review = case_by_case_review(c, r);
        }
        let review = match l.review {
            Some(Review::CaseByCase) => format!(
                ", and applications for China are reviewed case by case under the {}",
                r_short(&case_by_case)
            ),
            Some(Review::PresumptionOfDenial) => format!(
                ", and applications for China face a presumption of denial: it is above the limits of the {}",
                r_short(&case_by_case)
            ),
            _ => String::new(),
        };
        l.summary = format!(
            "Under the {}, a licence is needed to export it to {}{review}.",
            c.rule.cited(),
            c.rule.destinations
        );
    } else if let Some(r) = letter.as_ref().filter(|r| named(r)) {
        l.china = ChinaLicence::IsInformed;
        l.basis = Some(r.id.clone());
        l.destinations = Some(r.destinations.clone());
        l.review = if issued.is_some() {
            Some(Review::LicencesIssued)
        } else if assured.is_some() {
            Some(Review::LicencesAssured)
        } else {
            None
        };
        c.reasons.push(format!(
            "The {} ({}) names this chip: a licence is needed for {} whatever its thresholds.",
            r.short, r.effective, r.destinations
        ));
        let state = match (&issued, &assured) {
            (Some(i), _) => {
                let share = match i.kind {
                    RuleKind::LicencesIssued {
                        revenue_share: Some(s), ..
                    } => format!(", reportedly on condition that {}% of China revenue goes to the US government", group(s * 100.0, 0)),
                    _ => String::new(),
                };
                format!(
                    "; licences have been issued since about {}{share}",
                    i.effective
                )
            }
            (None, Some(a)) => format!(
                "; since {} the US has said licences will be granted, but none is issued yet",
                a.effective
            ),
            (None, None) => "; shipments stopped".into(),
        };
        l.summary = format!(
            "A licence is needed to export it to {} because the {} names it, not because of the 3A090 thresholds{state}.",
            r.destinations, r.short
        );
        if !all_out {
            l.notes
                .push("If it is in 3A090, the rules require a licence as well.".into());
        }
    } else if all_out {
        l.china = ChinaLicence::NotRequired;
        l.summary = "No licence is needed to export it to China under the 3A090 rules and letters modelled here.".into();
        if let Some(r) = &letter {
            if let Some(what) = yardstick(c, r) {
                l.china = ChinaLicence::PossiblyIsInformed;
                l.basis = Some(r.id.clone());
                l.destinations = Some(r.destinations.clone());
                l.summary = format!(
                    "No rule requires a licence, but the {} also covers \"any other circuits achieving the H20's memory bandwidth, interconnect bandwidth, or combination thereof\": with {what} it may be caught, although no letter names it; only BIS can say.",
                    r.short
                );
            }
        }
    } else {
        l.china = ChinaLicence::Undetermined;
        l.summary = "It depends on the missing data: a licence is needed for China if the chip is in 3A090.".into();
        if let Some(r) = &letter {
            if let Some(what) = yardstick(c, r) {
                l.notes.push(format!(
                    "Even outside 3A090, with {what} it may be caught by the {}, which covers circuits achieving the H20's bandwidths.",
                    r.short
                ));
            }
        }
    }

    if let Some(d) = c
        .in_force
        .iter()
        .find(|r| matches!(r.kind, RuleKind::Diffusion))
    {
        if possible.contains(&Some(Eccn::A)) {
            let compliance = d
                .compliance
                .map_or(String::new(), |x| format!(", with compliance due {x}"));
            let fate = all_rules
                .iter()
                .find(|r| matches!(r.kind, RuleKind::DiffusionRescission))
                .map_or(String::new(), |r| {
                    format!(
                        " It was rescinded on {}, before compliance was due.",
                        r.effective
                    )
                });
            l.notes.push(format!(
                "Under the {} a licence would also be needed for 3A090.a chips to every country except 18 allies{compliance}.{fate}",
                d.cited()
            ));
        }
    }
    l.notes.push(
        "End-use and end-user controls (the Entity List, 15 CFR 744.23) and other destinations' rules are not modelled."
            .into(),
    );
    c.licence = l;
}

fn r_short(r: &Option<Rule>) -> String {
    r.as_ref().map_or(String::new(), Rule::cited)
}

/// The Jan 2026 policy: case by case below both limits, presumption of denial above either.
fn case_by_case_review(c: &mut Classification, r: &Rule) -> Option<Review> {
    let RuleKind::CaseByCase {
        tpp_below,
        dram_bandwidth_below,
    } = r.kind
    else {
        return None;
    };
    let p = format!("the {}", r.short);
    let checks = [
        Check::new(
            &p,
            Quantity::Tpp,
            Bound::Below,
            tpp_below.get(),
            Some(c.tpp.get()),
        ),
        Check::new(
            &p,
            Quantity::MemoryBandwidth,
            Bound::Below,
            dram_bandwidth_below.gbs(),
            c.memory_bandwidth.map(BytesPerSecond::gbs),
        ),
    ];
    c.reasons.push(sentence(&p, &checks));
    let review = if checks.iter().any(|x| x.met() == Some(false)) {
        Some(Review::PresumptionOfDenial)
    } else if checks.iter().all(|x| x.met() == Some(true)) {
        Some(Review::CaseByCase)
    } else {
        c.caveats.push(format!(
            "{} is unknown (catalogue field `{}`): applications are reviewed case by case if it is under {} GB/s, otherwise under a presumption of denial.",
            cap(Missing::MemoryBandwidth.describe()),
            Missing::MemoryBandwidth.field(),
            gate(dram_bandwidth_below.gbs())
        ));
        None
    };
    c.checks.extend(checks);
    review
}

/// The letter's bandwidth yardstick: adds its checks and says which the chip reaches, if any.
fn yardstick(c: &mut Classification, r: &Rule) -> Option<String> {
    let RuleKind::IsInformed {
        memory_bandwidth,
        interconnect,
        ..
    } = r.kind
    else {
        return None;
    };
    let p = format!("the {}", r.short);
    let checks = [
        Check::new(
            &p,
            Quantity::MemoryBandwidth,
            Bound::AtLeast,
            memory_bandwidth.gbs(),
            c.memory_bandwidth.map(BytesPerSecond::gbs),
        ),
        Check::new(
            &p,
            Quantity::Interconnect,
            Bound::AtLeast,
            interconnect.gbs(),
            c.transfer_rate.map(BytesPerSecond::gbs),
        ),
    ];
    let reached: Vec<String> = checks
        .iter()
        .filter(|x| x.met() == Some(true))
        .map(|x| {
            format!(
                "{} of {} GB/s",
                x.quantity.label(),
                group(x.value.unwrap_or(0.0), 0)
            )
        })
        .collect();
    let phrases: Vec<String> = checks.iter().map(|x| x.phrase(false)).collect();
    c.reasons.push(format!(
        "Against the H20 yardstick of the {}: {}.",
        r.short,
        phrases.join("; ")
    ));
    c.checks.extend(checks);
    (!reached.is_empty()).then(|| or_list(&reached))
}
