//! Tests of "may I buy it?": the real chips on the dates the planner's example uses, each
//! destination class, the review policies, and the refusals of bad destinations.

use super::*;
use crate::tests::catalogue;

fn rules() -> &'static RuleSet {
    static RULES: std::sync::LazyLock<RuleSet> =
        std::sync::LazyLock::new(|| RuleSet::builtin().expect("built-in rules are valid"));
    &RULES
}

fn buy(chip: &str, date: &str, dest: &str) -> Buyability {
    let chip = catalogue().chip(chip).expect("chip in catalogue");
    let date = crate::parse_date(date).expect("date");
    let dest = Destination::parse(dest).expect("destination");
    buyability(rules(), chip, date, dest).expect("answers")
}

#[test]
fn h100_and_h200_in_china_on_2025_08_01_face_a_presumption_of_denial() {
    for chip in ["h100-sxm", "h200-sxm"] {
        let b = buy(chip, "2025-08-01", "CN");
        assert_eq!(b.verdict, Verdict::Forbidden, "{chip}: {}", b.reason);
        assert_eq!(b.review, Some(Review::PresumptionOfDenial));
        assert!(!b.may_buy());
        assert_eq!(b.rule_id, "ear-2023-10-advanced-computing");
        assert_eq!(b.rule, "Oct 2023 rule (88 FR 73458)");
        // The margin that decides it: TPP 15,832 against the 4,800 gate of 3A090.a.1.
        assert!(b.reason.contains("15,832"), "{}", b.reason);
        assert!(b.reason.contains("4,800 gate of 3A090.a.1"), "{}", b.reason);
        assert!(b.reason.contains("presumption of denial"), "{}", b.reason);
    }
}

#[test]
fn h20_on_2025_05_01_needs_a_licence_under_the_april_letter_with_no_policy() {
    let b = buy("h20", "2025-05-01", "cn");
    assert_eq!(b.verdict, Verdict::LicenceRequired, "{}", b.reason);
    assert_eq!(b.review, None);
    assert!(!b.may_buy(), "no licence policy was stated in May 2025");
    assert_eq!(b.rule_id, "ear-2025-04-h20-is-informed");
    assert!(b.rule.contains("2025-04-09"), "{}", b.rule);
    // Outside 3A090 by a hair: TPP 2,368 is 1.3% under the 2,400 gate of 3A090.b.1.
    assert!(b.reason.contains("2,368"), "{}", b.reason);
    assert!(b.reason.contains("2,400 gate of 3A090.b.1"), "{}", b.reason);
}

#[test]
fn h20_on_2025_08_01_needs_a_licence_that_the_us_said_it_would_grant() {
    let b = buy("h20", "2025-08-01", "CN");
    assert_eq!(b.verdict, Verdict::LicenceRequired, "{}", b.reason);
    assert_eq!(b.review, Some(Review::LicencesAssured));
    assert!(b.may_buy());
    // After about 8 Aug 2025 the licences are being issued.
    let later = buy("h20", "2025-09-01", "CN");
    assert_eq!(later.review, Some(Review::LicencesIssued));
    assert!(later.may_buy());
}

#[test]
fn h200_after_15_january_2026_is_reviewed_case_by_case_under_the_2026_rule() {
    let before = buy("h200-sxm", "2026-01-14", "CN");
    assert_eq!(before.verdict, Verdict::Forbidden);
    let b = buy("h200-sxm", "2026-01-15", "CN");
    assert_eq!(b.verdict, Verdict::LicenceRequired, "{}", b.reason);
    assert_eq!(b.review, Some(Review::CaseByCase));
    assert!(b.may_buy());
    assert_eq!(b.rule_id, "ear-2026-01-case-by-case");
    assert_eq!(b.rule, "Jan 2026 case-by-case policy (91 FR 1684)");
    // Both margins of the policy: TPP under 21,000 and memory bandwidth under 6,500 GB/s.
    assert!(b.reason.contains("21,000 ceiling"), "{}", b.reason);
    assert!(b.reason.contains("6,500 GB/s ceiling"), "{}", b.reason);
}

#[test]
fn b200_after_2026_stays_under_a_presumption_of_denial_with_the_limit_it_exceeds() {
    let b = buy("b200", "2026-02-01", "CN");
    assert_eq!(b.verdict, Verdict::Forbidden, "{}", b.reason);
    assert_eq!(b.rule_id, "ear-2026-01-case-by-case");
    assert!(b.reason.contains("21,000 ceiling"), "{}", b.reason);
}

#[test]
fn other_d5_destinations_need_a_licence_with_no_stated_policy() {
    // The Oct 2023 rule reaches D:5, but the data state a review policy for China and Macau only,
    // and the Jan 2026 case-by-case policy reaches China and Macau only.
    for date in ["2025-08-01", "2026-02-01"] {
        let b = buy("h200-sxm", date, "D5");
        assert_eq!(b.verdict, Verdict::LicenceRequired, "{date}: {}", b.reason);
        assert_eq!(b.review, None);
        assert!(!b.may_buy());
        assert_eq!(b.rule_id, "ear-2023-10-advanced-computing");
    }
    // The H20 letter reaches D:5, but the licences reported concern China.
    let b = buy("h20", "2025-09-01", "D5");
    assert_eq!(b.verdict, Verdict::LicenceRequired);
    assert_eq!(b.review, None);
    assert!(!b.may_buy());
}

#[test]
fn other_countries_are_unknown_for_3a090_chips_and_free_for_the_h20() {
    // The Oct 2023 rule reaches D:1 and D:4 too, and the data hold no country lists.
    let b = buy("h100-sxm", "2025-08-01", "DE");
    assert_eq!(b.verdict, Verdict::Unknown, "{}", b.reason);
    assert!(
        b.reason.contains("Supplement No. 1 to part 740"),
        "{}",
        b.reason
    );
    // The 2022 rule reached China only.
    let b = buy("h100-sxm", "2023-01-01", "DE");
    assert_eq!(b.verdict, Verdict::NoLicence, "{}", b.reason);
    // The H20 letter reaches China and D:5 only.
    let b = buy("h20", "2025-05-01", "JP");
    assert_eq!(b.verdict, Verdict::NoLicence, "{}", b.reason);
    assert!(b.may_buy());
}

#[test]
fn a_chip_outside_3a090_and_unnamed_needs_no_licence_in_china() {
    let b = buy("l20", "2025-08-01", "CN");
    assert_eq!(b.verdict, Verdict::NoLicence, "{}", b.reason);
    assert!(b.may_buy());
    assert!(b.reason.contains("Outside 3A090"), "{}", b.reason);
}

#[test]
fn destinations_parse_case_insensitively_and_refuse_in_one_sentence() {
    assert_eq!(Destination::parse("cn").unwrap(), Destination::ChinaMacau);
    assert_eq!(Destination::parse(" MO ").unwrap(), Destination::ChinaMacau);
    assert_eq!(Destination::parse("hk").unwrap(), Destination::ChinaMacau);
    assert_eq!(Destination::parse("d5").unwrap(), Destination::GroupD5);
    assert_eq!(Destination::parse("US").unwrap(), Destination::Other);
    for bad in ["", "China", "C", "1A", "D:1"] {
        let e = Destination::parse(bad).unwrap_err().to_string();
        assert!(e.contains("is not a destination"), "{bad}: {e}");
        assert!(e.contains("D5") && e.contains("CN"), "{e}");
        assert_eq!(e.matches(". ").count(), 0, "one sentence: {e}");
    }
    assert_eq!(Destination::ChinaMacau.as_str(), "CN");
}

#[test]
fn before_the_first_rule_is_an_error_and_a_chip_without_throughput_is_unknown() {
    let chip = catalogue().chip("h100-sxm").unwrap();
    let e = buyability(
        rules(),
        chip,
        Date::ymd(2021, 1, 1),
        Destination::ChinaMacau,
    );
    assert!(matches!(e, Err(ExportError::BeforeFirstRule { .. })));
    let mut bare = chip.clone();
    bare.dense = Default::default();
    let b = buyability(
        rules(),
        &bare,
        Date::ymd(2025, 8, 1),
        Destination::ChinaMacau,
    )
    .unwrap();
    assert_eq!(b.verdict, Verdict::Unknown);
    assert!(b.reason.contains("no dense throughput"), "{}", b.reason);
}

#[test]
fn a_chinese_vendors_chip_is_a_domestic_purchase_in_china_with_the_gp10_warning() {
    let b = buy("ascend-910c", "2025-08-01", "CN");
    assert_eq!(b.verdict, Verdict::NoLicence, "{}", b.reason);
    assert!(b.may_buy());
    assert!(
        b.reason.contains("Huawei is headquartered in Shenzhen"),
        "{}",
        b.reason
    );
    assert!(b.reason.contains("3A090.a: TPP 12,800"), "{}", b.reason);
    assert!(
        b.warnings
            .iter()
            .any(|w| w.contains("General Prohibition 10")),
        "{:?}",
        b.warnings
    );
    // Before the guidance there is no GP10 warning; China's import measures never concern it.
    let early = buy("ascend-910c", "2025-05-01", "CN");
    assert!(early.warnings.is_empty(), "{:?}", early.warnings);
    let late = buy("ascend-910c", "2026-02-01", "CN");
    assert!(
        !late.warnings.iter().any(|w| w.contains("customs")),
        "{:?}",
        late.warnings
    );
    // Exported from China to elsewhere, the data cannot say.
    let b = buy("ascend-910c", "2025-08-01", "D5");
    assert_eq!(b.verdict, Verdict::Unknown);
    // A Chinese chip outside 3A090 gets no GP10 warning.
    let b = buy("mtt-s4000", "2025-08-01", "CN");
    assert_eq!(b.verdict, Verdict::NoLicence);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
}

#[test]
fn chinas_measures_are_warnings_for_a_buyer_in_china_only_and_by_date() {
    let has = |b: &Buyability, s: &str| b.warnings.iter().any(|w| w.contains(s));
    // The CAC summons of 31 Jul 2025 is there on 2025-08-01 but not on 2025-07-30.
    let b = buy("h20", "2025-08-01", "CN");
    assert!(
        has(&b, "2025-07-31") && has(&b, "China's measure, not US law"),
        "{:?}",
        b.warnings
    );
    assert!(!has(&buy("h20", "2025-07-30", "CN"), "CAC"));
    // The verdict does not change: warnings are not rules.
    assert_eq!(b.verdict, Verdict::LicenceRequired);
    assert!(b.may_buy());
    // The H20 guidance (reported) and the customs checks follow.
    let b = buy("h20", "2025-10-20", "CN");
    assert!(
        has(&b, "2025-08-12") && has(&b, "reported"),
        "{:?}",
        b.warnings
    );
    assert!(has(&b, "2025-10-10"), "{:?}", b.warnings);
    // Not for a buyer elsewhere.
    assert!(buy("h20", "2025-10-20", "D5").warnings.is_empty());
    // The H200: the US announcement, the duty and China's customs block.
    let b = buy("h200-sxm", "2026-02-01", "CN");
    assert!(
        has(&b, "2026-01-13") && has(&b, "not permitted"),
        "{:?}",
        b.warnings
    );
    assert!(has(&b, "2025-12-08") && has(&b, "not an EAR licence requirement"));
    // The customs checks reach every imported chip from 2025-10-10, not the H20 alone.
    assert!(has(&buy("l20", "2025-10-10", "CN"), "customs"));
    assert!(!has(&buy("l20", "2025-10-09", "CN"), "customs"));
}
