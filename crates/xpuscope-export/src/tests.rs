//! Tests of the export classifier: every threshold edge (just under, at, just over) of every rule,
//! the known classifications of real chips from the built-in catalogue, missing data, the H20's
//! timeline and design to threshold checked against the classifier.
//!
//! Synthetic chips are written as catalogue TOML and loaded the normal way, so the tests exercise
//! the same path as a user's `--catalog` file.

use super::*;
use xpuscope_model::catalog::CatalogFile;
use xpuscope_model::chip::{Chip, Date};
use xpuscope_model::units::SquareMm;
use xpuscope_model::Catalog;

/// The built-in rules, parsed once for every test in this binary.
fn rules() -> &'static RuleSet {
    static RULES: std::sync::LazyLock<RuleSet> =
        std::sync::LazyLock::new(|| RuleSet::builtin().expect("built-in rules are valid"));
    &RULES
}

/// The built-in catalogue, parsed once for every test in this crate (a debug-build parse takes
/// tens of milliseconds).
pub(crate) fn catalogue() -> &'static Catalog {
    static CATALOGUE: std::sync::LazyLock<Catalog> =
        std::sync::LazyLock::new(|| Catalog::builtin().expect("built-in catalogue is valid"));
    &CATALOGUE
}

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::ymd(y, m, day)
}

/// The dates used for each regime: the 2022 rule, the 2023 rule before any letter, and 2026.
const D2022: (u16, u8, u8) = (2022, 11, 1);
const D2023: (u16, u8, u8) = (2024, 1, 1);
const D2026: (u16, u8, u8) = (2026, 6, 1);

fn at(date: (u16, u8, u8)) -> Date {
    d(date.0, date.1, date.2)
}

/// A synthetic chip. `tpp` is set through dense BF16 (TPP / 16 TFLOPS).
#[derive(Clone, Copy)]
struct Toy {
    tpp: f64,
    area: Option<f64>,
    datacenter: Option<bool>,
    link_gbs: Option<f64>,
    mem_gbs: Option<f64>,
    hbm: bool,
}

impl Toy {
    fn new(tpp: f64) -> Toy {
        Toy {
            tpp,
            area: Some(1000.0),
            datacenter: Some(true),
            link_gbs: Some(900.0),
            mem_gbs: Some(3000.0),
            hbm: false,
        }
    }
    /// Sets the die area that gives performance density `pd` at this TPP.
    fn pd(mut self, pd: f64) -> Toy {
        self.area = Some(self.tpp / pd);
        self
    }
    fn area(mut self, a: Option<f64>) -> Toy {
        self.area = a;
        self
    }
    fn dc(mut self, dc: Option<bool>) -> Toy {
        self.datacenter = dc;
        self
    }
    fn link(mut self, gbs: Option<f64>) -> Toy {
        self.link_gbs = gbs;
        self
    }
    fn mem(mut self, gbs: Option<f64>) -> Toy {
        self.mem_gbs = gbs;
        self
    }
    fn chip(self) -> Chip {
        let mut t = String::from(
            "[[chip]]\nid = \"toy\"\nname = \"Toy\"\nvendor = \"Acme\"\nsource = \"https://example.com\"\ngrade = \"vendor\"\n",
        );
        if let Some(a) = self.area {
            t += &format!("die_area_mm2 = {a:?}\n");
        }
        if let Some(dc) = self.datacenter {
            t += &format!("datacenter = {dc}\n");
        }
        if let Some(m) = self.mem_gbs {
            t += &format!("memory_bandwidth_gbs = {m:?}\n");
        }
        if self.hbm {
            t += "memory_type = \"HBM3\"\n";
        }
        t += &format!("[chip.dense]\nbf16 = {:?}\n", self.tpp / 16.0);
        if let Some(l) = self.link_gbs {
            t += &format!("[chip.scale_up]\nbidirectional_gbs = {l:?}\n");
        }
        let cat = Catalog::from_files(&[CatalogFile {
            path: "toy.toml".into(),
            text: t,
            builtin: false,
        }])
        .expect("toy chip is valid");
        cat.chip("toy").unwrap().clone()
    }
    fn classify(self, date: (u16, u8, u8)) -> Classification {
        classify(&self.chip(), at(date), rules()).expect("classifies")
    }
    fn eccn(self, date: (u16, u8, u8)) -> Option<Eccn> {
        let c = self.classify(date);
        assert!(c.outcome.is_determined(), "undetermined: {}", c.summary);
        c.eccn()
    }
}

const A: Option<Eccn> = Some(Eccn::A);
const B: Option<Eccn> = Some(Eccn::B);
const OUT: Option<Eccn> = None;
const ORIG: Option<Eccn> = Some(Eccn::Original);

/// Checks a list of (description, toy, expected paragraph) under one regime.
fn check_edges(date: (u16, u8, u8), cases: &[(&str, Toy, Option<Eccn>)]) {
    let mut failures = Vec::new();
    for (what, toy, want) in cases {
        let got = toy.eccn(date);
        if got != *want {
            failures.push(format!(
                "{what}: expected {}, got {}",
                eccn_text(*want),
                eccn_text(got)
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---------------------------------------------------------------------------------------------
// Dates and regimes.

#[test]
fn dates_pick_the_rule_in_force() {
    let r = rules();
    let chip = Toy::new(5000.0).chip();
    let err = classify(&chip, d(2022, 10, 6), r).unwrap_err();
    assert_eq!(err.to_string(), "3A090 did not exist before 2022-10-07; `2022-10-06` is earlier (give a date on or after 2022-10-07)");
    assert!(matches!(
        classify(&chip, d(2022, 10, 7), r).unwrap().rule.kind,
        RuleKind::Eccn2022(_)
    ));
    assert!(matches!(
        classify(&chip, d(2023, 11, 16), r).unwrap().rule.kind,
        RuleKind::Eccn2022(_)
    ));
    assert!(matches!(
        classify(&chip, d(2023, 11, 17), r).unwrap().rule.kind,
        RuleKind::Eccn2023(_)
    ));
}

#[test]
fn dates_are_parsed_strictly() {
    assert_eq!(parse_date("2025-07-15").unwrap(), d(2025, 7, 15));
    for bad in [
        "2025",
        "2025-07",
        "2025-13-01",
        "2025-02-30",
        "15/07/2025",
        "",
    ] {
        let e = parse_date(bad).unwrap_err();
        assert!(
            e.to_string().contains("is not a date; write YYYY-MM-DD"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_chip_without_throughput_is_refused_with_a_hint() {
    let mut chip = Toy::new(1000.0).chip();
    chip.dense = Default::default();
    let e = classify(&chip, at(D2023), rules()).unwrap_err();
    assert!(
        e.to_string().contains("no dense throughput figure")
            && e.to_string().contains("bf16_tflops=")
    );
}

// ---------------------------------------------------------------------------------------------
// 7 Oct 2022: TPP >= 4800 AND transfer rate >= 600 GB/s.

#[test]
fn edges_of_the_2022_rule() {
    let t = |tpp: f64, link: f64| Toy::new(tpp).link(Some(link));
    check_edges(
        D2022,
        &[
            ("TPP just under 4800", t(4799.0, 900.0), OUT),
            ("TPP at 4800", t(4800.0, 900.0), ORIG),
            ("TPP just over 4800", t(4801.0, 900.0), ORIG),
            ("link just under 600", t(5000.0, 599.0), OUT),
            ("link at 600", t(5000.0, 600.0), ORIG),
            ("link just over 600", t(5000.0, 601.0), ORIG),
            ("both under", t(4799.0, 599.0), OUT),
        ],
    );
}

#[test]
fn the_2022_link_test_falls_back_to_the_host_link_and_says_so() {
    let mut chip = Toy::new(5000.0).link(None).chip();
    chip.host_link_bandwidth = Some(xpuscope_model::Sourced::user(
        xpuscope_model::units::BytesPerSecond::from_gbs(300.0),
        "test",
    ));
    let c = classify(&chip, at(D2022), rules()).unwrap();
    assert_eq!(c.eccn(), ORIG, "300 GB/s each way is 600 both ways");
    assert!(c
        .caveats
        .iter()
        .any(|x| x.contains("host link in both directions")));
}

#[test]
fn an_unknown_link_settles_only_when_compute_fails() {
    let c = Toy::new(4000.0).link(None).classify(D2022);
    assert_eq!(c.outcome, Outcome::Determined(None));
    assert!(c
        .caveats
        .iter()
        .any(|x| x.contains("does not depend on it")));
    let c = Toy::new(6000.0).link(None).classify(D2022);
    let Outcome::Undetermined { possible, missing } = &c.outcome else {
        panic!("{}", c.summary)
    };
    assert_eq!(missing, &[Missing::TransferRate]);
    assert_eq!(possible.len(), 2);
    assert_eq!(c.licence.china, ChinaLicence::Undetermined);
}

// ---------------------------------------------------------------------------------------------
// 17 Nov 2023: TPP and performance density.

#[test]
fn edges_of_3a090_a1() {
    // PD 1.0: under every PD gate, so only a.1 can apply.
    let t = |tpp: f64| Toy::new(tpp).pd(1.0);
    check_edges(
        D2023,
        &[
            ("TPP 4799", t(4799.0), OUT),
            ("TPP 4800", t(4800.0), A),
            ("TPP 4801", t(4801.0), A),
        ],
    );
}

#[test]
fn edges_of_3a090_a2() {
    // TPP floor at PD 10.
    let t = |tpp: f64| Toy::new(tpp).pd(10.0);
    // PD gate at TPP 2000 (under b.1's 2400, so the alternative is b.2).
    let p = |pd: f64| Toy::new(2000.0).pd(pd);
    check_edges(
        D2023,
        &[
            ("TPP 1599 at PD 10", t(1599.0), OUT),
            ("TPP 1600 at PD 10", t(1600.0), A),
            ("TPP 1601 at PD 10", t(1601.0), A),
            ("PD 5.9199", p(5.9199), B),
            ("PD 5.92", Toy::new(2960.0).area(Some(500.0)), A),
            ("PD 5.92 by division", p(5.92), A),
            ("PD 5.9201", p(5.9201), A),
        ],
    );
}

#[test]
fn edges_of_3a090_b1() {
    // PD 2.0: inside b.1's band, under b.2's 3.2.
    let t = |tpp: f64| Toy::new(tpp).pd(2.0);
    // PD gate 1.6 at TPP 3000.
    let p = |pd: f64| Toy::new(3000.0).pd(pd);
    check_edges(
        D2023,
        &[
            ("TPP 2399", t(2399.0), OUT),
            ("TPP 2400", t(2400.0), B),
            ("TPP 2401", t(2401.0), B),
            ("PD 1.5999", p(1.5999), OUT),
            ("PD 1.6", Toy::new(3200.0).area(Some(2000.0)), B),
            ("PD 1.6001", p(1.6001), B),
            // Its TPP ceiling is a.1's gate: at 4800 the chip is .a, not .b.
            ("TPP 4799 in band", t(4799.0), B),
            ("TPP 4800 in band", t(4800.0), A),
        ],
    );
}

#[test]
fn edges_of_3a090_b2() {
    // PD 4.0: inside b.2's band.
    let t = |tpp: f64| Toy::new(tpp).pd(4.0);
    // PD gate 3.2 at TPP 2000 (under b.1's TPP gate).
    let p = |pd: f64| Toy::new(2000.0).pd(pd);
    check_edges(
        D2023,
        &[
            ("TPP 1599", t(1599.0), OUT),
            ("TPP 1600", t(1600.0), B),
            ("TPP 1601", t(1601.0), B),
            ("PD 3.1999", p(3.1999), OUT),
            ("PD 3.2", Toy::new(2000.0).area(Some(625.0)), B),
            ("PD 3.2001", p(3.2001), B),
        ],
    );
}

#[test]
fn edges_of_note_2() {
    // Not for datacenters, PD 10 (which would make it a.2 for a datacenter part).
    let t = |tpp: f64| Toy::new(tpp).pd(10.0).dc(Some(false));
    check_edges(
        D2023,
        &[
            ("TPP 4799 not datacenter", t(4799.0), OUT),
            ("TPP 4800 not datacenter", t(4800.0), A),
            ("TPP 4801 not datacenter", t(4801.0), A),
            ("TPP 4799 datacenter", Toy::new(4799.0).pd(10.0), A),
        ],
    );
    let c = t(4799.0).classify(D2023);
    assert!(c.summary.contains("through Note 2"), "{}", c.summary);
    assert!(c.reasons.iter().any(|r| r.starts_with("Note 2 applies")));
}

#[test]
fn licence_exception_nac_follows_the_3a090_text() {
    let nac = |toy: Toy| {
        toy.classify(D2023)
            .licence
            .exceptions
            .iter()
            .any(|e| e.name == "NAC")
    };
    assert!(
        nac(Toy::new(4800.0).pd(10.0).dc(Some(false))),
        "3A090.a, not datacenter, TPP >= 4800"
    );
    assert!(!nac(Toy::new(4800.0).pd(10.0)), "3A090.a for datacenters");
    assert!(nac(Toy::new(3000.0).pd(2.0)), "3A090.b for datacenters");
    assert!(!nac(Toy::new(2000.0).pd(1.0)), "outside 3A090");
    // No NAC under the 2022 rule.
    assert!(Toy::new(5000.0)
        .classify(D2022)
        .licence
        .exceptions
        .is_empty());
}

#[test]
fn reasons_give_one_sentence_per_threshold_with_its_margin() {
    let c = Toy::new(2368.0).area(Some(814.0)).classify(D2023);
    assert_eq!(c.reasons.len(), 5, "{:#?}", c.reasons);
    assert!(c
        .reasons
        .contains(&"TPP 2,368 is 1.3% below the 2,400 gate of 3A090.b.1.".to_string()));
    assert!(c
        .reasons
        .contains(&"PD 2.91 is 9.1% below the 3.2 gate of 3A090.b.2.".to_string()));
    let b1 = c
        .checks
        .iter()
        .find(|x| x.paragraph == "3A090.b.1" && x.threshold == 2400.0)
        .unwrap();
    assert!((b1.margin().unwrap() + 32.0 / 2400.0).abs() < 1e-12);
    let met = Toy::new(15832.0).area(Some(814.0)).classify(D2023);
    assert!(
        met.reasons[0].ends_with("gate of 3A090.a.1: met."),
        "{}",
        met.reasons[0]
    );
    let exact = Toy::new(4800.0).pd(1.0).classify(D2023);
    assert!(
        exact.reasons[0].contains("exactly at the 4,800 gate"),
        "{}",
        exact.reasons[0]
    );
}

// ---------------------------------------------------------------------------------------------
// Missing data.

#[test]
fn without_die_area_high_or_low_tpp_still_decides() {
    let c = Toy::new(6000.0).area(None).classify(D2023);
    assert_eq!(c.outcome, Outcome::Determined(A));
    assert!(
        c.caveats.iter().any(|x| x.contains("3A090.a at any PD")),
        "{:#?}",
        c.caveats
    );
    let c = Toy::new(1500.0).area(None).classify(D2023);
    assert_eq!(c.outcome, Outcome::Determined(None));
    assert!(
        c.caveats
            .iter()
            .any(|x| x.contains("outside 3A090 at any PD")),
        "{:#?}",
        c.caveats
    );
}

#[test]
fn without_die_area_a_middle_tpp_says_what_each_area_gives() {
    let c = Toy::new(2000.0).area(None).classify(D2023);
    let Outcome::Undetermined { possible, missing } = &c.outcome else {
        panic!("{}", c.summary)
    };
    assert_eq!(missing, &[Missing::DieArea]);
    let got: Vec<(Option<Eccn>, &str)> = possible
        .iter()
        .map(|p| (p.eccn, p.condition.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (OUT, "with a logic die area above 625.0 mm² (PD under 3.2)"),
            (
                B,
                "with a logic die area above 337.8 mm² and up to 625.0 mm² (PD 3.2 to under 5.92)"
            ),
            (
                A,
                "with a logic die area of 337.8 mm² or less (PD 5.92 or more)"
            ),
        ]
    );
    assert_eq!(c.eccn(), None);
    assert_eq!(c.licence.china, ChinaLicence::Undetermined);
    assert!(c
        .reasons
        .iter()
        .any(|r| r.starts_with("Whether 3A090.b.2 applies depends on PD")));
    // The stated boundaries are right: just inside each, the classifier agrees.
    for (area, want) in [(626.0, OUT), (624.0, B), (338.0, B), (337.0, A)] {
        assert_eq!(
            Toy::new(2000.0).area(Some(area)).eccn(D2023),
            want,
            "area {area}"
        );
    }
}

#[test]
fn without_the_datacenter_flag_note_2_is_the_question() {
    let c = Toy::new(3000.0).pd(8.0).dc(None).classify(D2023);
    let Outcome::Undetermined { possible, missing } = &c.outcome else {
        panic!("{}", c.summary)
    };
    assert_eq!(missing, &[Missing::Datacenter]);
    assert_eq!(possible.len(), 2);
    assert!(possible
        .iter()
        .any(|p| p.eccn == A && p.condition == "if designed or marketed for datacenters"));
    assert!(possible
        .iter()
        .any(|p| p.eccn == OUT && p.condition == "if not designed or marketed for datacenters"));
    // TPP >= 4800 settles it either way.
    let c = Toy::new(5000.0).pd(8.0).dc(None).classify(D2023);
    assert_eq!(c.outcome, Outcome::Determined(A));
    assert!(c
        .caveats
        .iter()
        .any(|x| x.contains("does not depend on it")));
}

#[test]
fn with_both_unknown_every_combination_is_listed() {
    let c = Toy::new(2000.0).area(None).dc(None).classify(D2023);
    let Outcome::Undetermined { possible, missing } = &c.outcome else {
        panic!("{}", c.summary)
    };
    assert_eq!(missing, &[Missing::DieArea, Missing::Datacenter]);
    assert!(possible
        .iter()
        .any(|p| p.eccn == OUT && p.condition == "if not designed or marketed for datacenters"));
    assert!(possible.iter().any(|p| p.eccn == A && p.condition.starts_with("if designed or marketed for datacenters, with a logic die area of 337.8 mm² or less")));
}

// ---------------------------------------------------------------------------------------------
// Dec 2024 HBM, Jan 2025 diffusion rule and its rescission.

#[test]
fn hbm_note_appears_from_2_dec_2024_for_hbm_chips_only() {
    let mut toy = Toy::new(6000.0);
    toy.hbm = true;
    let has = |t: Toy, date| t.classify(date).notes.iter().any(|n| n.contains("3A090.c"));
    assert!(!has(toy, (2024, 12, 1)));
    assert!(has(toy, (2024, 12, 2)));
    assert!(has(toy, (2024, 12, 3)));
    assert!(!has(Toy::new(6000.0), (2024, 12, 3)), "GDDR chip");
    // The paragraph itself does not change.
    assert_eq!(toy.eccn((2024, 12, 2)), A);
}

#[test]
fn diffusion_note_only_while_in_force_and_only_for_3a090a() {
    let has = |t: Toy, date| {
        t.classify(date)
            .licence
            .notes
            .iter()
            .any(|n| n.contains("AI diffusion rule"))
    };
    let a = Toy::new(6000.0);
    assert!(!has(a, (2025, 1, 12)));
    assert!(has(a, (2025, 1, 13)));
    assert!(has(a, (2025, 5, 12)));
    assert!(!has(a, (2025, 5, 13)), "rescinded");
    assert!(!has(Toy::new(3000.0).pd(2.0), (2025, 2, 1)), "3A090.b");
    let note = a
        .classify((2025, 2, 1))
        .licence
        .notes
        .into_iter()
        .find(|n| n.contains("diffusion"))
        .unwrap();
    assert!(
        note.contains("2025-05-15") && note.contains("rescinded on 2025-05-13"),
        "{note}"
    );
}

// ---------------------------------------------------------------------------------------------
// April 2025 letters, July/August 2025 licences.

#[test]
fn the_h20_letter_yardstick_edges() {
    // Outside 3A090 (TPP 1000), with the memory bandwidth or interconnect around the H20's.
    let t = |mem: f64, link: f64| Toy::new(1000.0).mem(Some(mem)).link(Some(link));
    let cases = [
        (t(3999.0, 100.0), ChinaLicence::NotRequired),
        (t(4000.0, 100.0), ChinaLicence::PossiblyIsInformed),
        (t(4001.0, 100.0), ChinaLicence::PossiblyIsInformed),
        (t(1000.0, 899.0), ChinaLicence::NotRequired),
        (t(1000.0, 900.0), ChinaLicence::PossiblyIsInformed),
        (t(1000.0, 901.0), ChinaLicence::PossiblyIsInformed),
    ];
    for (toy, want) in cases {
        let c = toy.classify((2025, 4, 9));
        assert_eq!(
            c.licence.china, want,
            "{:?} {:?}",
            toy.mem_gbs, toy.link_gbs
        );
        // The day before the letter, nothing.
        assert_eq!(
            toy.classify((2025, 4, 8)).licence.china,
            ChinaLicence::NotRequired
        );
    }
    // A chip in 3A090 needs a licence anyway; the letter changes nothing.
    let c = Toy::new(6000.0).mem(Some(5000.0)).classify((2025, 4, 9));
    assert_eq!(c.licence.china, ChinaLicence::Required);
}

#[test]
fn the_h20_licence_story_by_date() {
    let cat = catalogue();
    let h20 = cat.chip("h20").unwrap();
    let r = rules();
    let lic = |date: Date| {
        let c = classify(h20, date, r).unwrap();
        (c.licence.china, c.licence.review)
    };
    assert_eq!(lic(d(2025, 4, 8)), (ChinaLicence::NotRequired, None));
    assert_eq!(lic(d(2025, 4, 9)), (ChinaLicence::IsInformed, None));
    assert_eq!(lic(d(2025, 7, 13)), (ChinaLicence::IsInformed, None));
    assert_eq!(
        lic(d(2025, 7, 14)),
        (ChinaLicence::IsInformed, Some(Review::LicencesAssured))
    );
    assert_eq!(
        lic(d(2025, 8, 7)),
        (ChinaLicence::IsInformed, Some(Review::LicencesAssured))
    );
    assert_eq!(
        lic(d(2025, 8, 8)),
        (ChinaLicence::IsInformed, Some(Review::LicencesIssued))
    );
    assert_eq!(
        lic(d(2026, 6, 1)),
        (ChinaLicence::IsInformed, Some(Review::LicencesIssued))
    );
    let c = classify(h20, d(2025, 8, 8), r).unwrap();
    assert!(
        c.licence.summary.contains("15% of China revenue"),
        "{}",
        c.licence.summary
    );
    // The MI308X is named too, whatever its (unknown) die area says.
    let mi308 = cat.chip("mi308x").unwrap();
    assert_eq!(
        classify(mi308, d(2025, 5, 1), r).unwrap().licence.china,
        ChinaLicence::IsInformed
    );
}

// ---------------------------------------------------------------------------------------------
// 15 Jan 2026: case by case under TPP 21,000 and DRAM bandwidth 6,500 GB/s.

#[test]
fn edges_of_the_2026_case_by_case_policy() {
    let review =
        |tpp: f64, mem: Option<f64>, date| Toy::new(tpp).mem(mem).classify(date).licence.review;
    let cbc = Some(Review::CaseByCase);
    let deny = Some(Review::PresumptionOfDenial);
    assert_eq!(review(20999.0, Some(5000.0), D2026), cbc);
    assert_eq!(review(21000.0, Some(5000.0), D2026), deny);
    assert_eq!(review(21001.0, Some(5000.0), D2026), deny);
    assert_eq!(review(10000.0, Some(6499.0), D2026), cbc);
    assert_eq!(review(10000.0, Some(6500.0), D2026), deny);
    assert_eq!(review(10000.0, Some(6501.0), D2026), deny);
    assert_eq!(
        review(10000.0, Some(5000.0), (2026, 1, 14)),
        None,
        "before the policy"
    );
    assert_eq!(review(10000.0, Some(5000.0), (2026, 1, 15)), cbc);
    // Unknown bandwidth: no guess, a caveat instead.
    let c = Toy::new(10000.0).mem(None).classify(D2026);
    assert_eq!(c.licence.review, None);
    assert!(
        c.caveats
            .iter()
            .any(|x| x.contains("memory bandwidth is unknown")),
        "{:#?}",
        c.caveats
    );
}

// ---------------------------------------------------------------------------------------------
// Known classifications of real chips (built-in catalogue).

struct Known {
    id: &'static str,
    tpp: f64,
    pd: Option<f64>,
    y2022: Option<Eccn>,
    y2023: Option<Eccn>,
    review_2026: Option<Review>,
}

#[test]
fn known_classifications_of_catalogue_chips() {
    use Review::{CaseByCase as Cbc, PresumptionOfDenial as Deny};
    #[rustfmt::skip]
    let table = [
        Known { id: "h100-sxm",       tpp: 15_831.2, pd: Some(19.45), y2022: ORIG, y2023: A,   review_2026: Some(Cbc) },
        // H800 and A800: 400 GB/s links pass under the 2022 link test; the 2023 rule catches them.
        Known { id: "h800-sxm",       tpp: 15_831.2, pd: Some(19.45), y2022: OUT,  y2023: A,   review_2026: Some(Cbc) },
        Known { id: "a800-sxm",       tpp: 4_992.0,  pd: Some(6.04),  y2022: OUT,  y2023: A,   review_2026: Some(Cbc) },
        Known { id: "a100-sxm-80gb",  tpp: 4_992.0,  pd: Some(6.04),  y2022: ORIG, y2023: A,   review_2026: Some(Cbc) },
        // H20: just under both 3A090.b gates.
        Known { id: "h20",            tpp: 2_368.0,  pd: Some(2.91),  y2022: OUT,  y2023: OUT, review_2026: Some(Review::LicencesIssued) },
        Known { id: "l20",            tpp: 1_912.0,  pd: Some(3.15),  y2022: OUT,  y2023: OUT, review_2026: None },
        Known { id: "l40s",           tpp: 5_864.0,  pd: Some(9.63),  y2022: OUT,  y2023: A,   review_2026: Some(Cbc) },
        // RTX 4090: a consumer part, but TPP >= 4800 keeps Note 2 from applying.
        Known { id: "rtx-4090",       tpp: 5_284.8,  pd: Some(8.69),  y2022: OUT,  y2023: A,   review_2026: Some(Cbc) },
        // RTX 4090 D: outside through Note 2 even though PD > 5.92.
        Known { id: "rtx-4090d",      tpp: 4_706.8,  pd: Some(7.74),  y2022: OUT,  y2023: OUT, review_2026: None },
        Known { id: "h200-sxm",       tpp: 15_831.2, pd: Some(19.45), y2022: ORIG, y2023: A,   review_2026: Some(Cbc) },
        // B200: no single die area (two dies), but TPP 36,000 settles .a; above 21,000 in 2026.
        Known { id: "b200",           tpp: 36_000.0, pd: None,        y2022: ORIG, y2023: A,   review_2026: Some(Deny) },
    ];
    let cat = catalogue();
    let r = rules();
    let mut failures = Vec::new();
    for k in &table {
        let chip = cat.chip(k.id).unwrap();
        let c22 = classify(chip, at(D2022), r).unwrap();
        let c23 = classify(chip, at(D2023), r).unwrap();
        let c26 = classify(chip, at(D2026), r).unwrap();
        if (c23.tpp.get() - k.tpp).abs() > 0.002 * k.tpp {
            failures.push(format!(
                "{}: TPP {} (expected about {})",
                k.id,
                c23.tpp.get(),
                k.tpp
            ));
        }
        let pd = c23
            .performance_density
            .map(super::metrics::PerformanceDensity::get);
        if pd.map(|p| (p * 100.0).round() / 100.0) != k.pd
            && !(pd.is_some() && k.pd.is_some() && (pd.unwrap() - k.pd.unwrap()).abs() < 0.011)
        {
            failures.push(format!("{}: PD {pd:?} (expected {:?})", k.id, k.pd));
        }
        for (year, c, want) in [("2022", &c22, k.y2022), ("2023", &c23, k.y2023)] {
            if !c.outcome.is_determined() || c.eccn() != want {
                failures.push(format!(
                    "{} under the {year} rule: {} (expected {})",
                    k.id,
                    c.summary,
                    eccn_text(want)
                ));
            }
        }
        if c26.licence.review != k.review_2026 {
            failures.push(format!(
                "{} in 2026: review {:?} (expected {:?})",
                k.id, c26.licence.review, k.review_2026
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn known_details_of_the_china_skus() {
    let cat = catalogue();
    let r = rules();
    let c = |id: &str, date| classify(cat.chip(id).unwrap(), at(date), r).unwrap();
    // The H20 sits 1.3% under b.1's TPP gate and 9.1% under b.2's PD gate.
    let h20 = c("h20", D2023);
    assert!(
        h20.summary
            .contains("TPP 2,368 is 1.3% below the 2,400 gate of 3A090.b.1"),
        "{}",
        h20.summary
    );
    assert!(
        h20.summary
            .contains("PD 2.91 is 9.1% below the 3.2 gate of 3A090.b.2"),
        "{}",
        h20.summary
    );
    assert_eq!(h20.licence.china, ChinaLicence::NotRequired);
    // The RTX 4090 is 3A090.a though a consumer part, and NAC may apply.
    let rtx = c("rtx-4090", D2023);
    assert_eq!(rtx.datacenter, Some(false));
    assert!(rtx.licence.exceptions.iter().any(|e| e.name == "NAC"));
    assert!(rtx
        .reasons
        .iter()
        .any(|x| x.starts_with("Note 2 does not apply although")));
    // The RTX 4090 D's TPP rests on an estimate, and the answer says so.
    let d = c("rtx-4090d", D2023);
    assert!(
        d.caveats.iter().any(|x| x.contains("graded `estimate`")),
        "{:#?}",
        d.caveats
    );
    // The H800 under the 2022 rule: compute passes, links fail.
    let h800 = c("h800-sxm", D2022);
    assert!(
        h800.summary
            .contains("400 GB/s transfer rate is under the 600 GB/s link test"),
        "{}",
        h800.summary
    );
    // The B200 without a die area: the answer holds and says why.
    let b200 = c("b200", D2023);
    assert!(b200.caveats.iter().any(|x| x.contains("3A090.a at any PD")));
    // The H200 is case by case in 2026: TPP under 21,000 and 4,800 GB/s under 6,500.
    let h200 = c("h200-sxm", D2026);
    assert!(
        h200.licence.summary.contains("reviewed case by case"),
        "{}",
        h200.licence.summary
    );
}

#[test]
fn every_catalogue_chip_classifies_on_every_rule_date_without_error() {
    let cat = catalogue();
    let r = rules();
    for chip in cat.chips() {
        if tpp(chip).is_none() {
            continue;
        }
        for rule in r.rules() {
            let c = classify(chip, rule.effective, r).unwrap();
            assert!(
                !c.summary.is_empty() && !c.licence.summary.is_empty(),
                "{} {}",
                chip.id,
                rule.id
            );
            assert!(!c.reasons.is_empty());
        }
        timeline(chip, r).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// What-if.

#[test]
fn what_if_changes_the_answer() {
    let cat = catalogue();
    let r = rules();
    let h20 = cat.chip("h20").unwrap();
    let set = |args: &[&str]| {
        let o: Vec<Override> = args.iter().map(|a| Override::parse(a).unwrap()).collect();
        classify(&apply_all(h20, &o), at(D2023), r).unwrap()
    };
    // 150 dense BF16 TFLOPS is exactly the 2,400 gate: .b.
    assert_eq!(set(&["bf16_tflops=150"]).eccn(), B);
    assert_eq!(set(&["bf16_tflops=149.9"]).eccn(), OUT);
    assert_eq!(set(&["bf16_tflops=300"]).eccn(), A);
    // A smaller die raises PD over b.2's 3.2 gate.
    assert_eq!(set(&["die_area_mm2=700"]).eccn(), B);
    // Not for datacenters and under 4800: Note 2.
    assert_eq!(set(&["bf16_tflops=299", "datacenter=false"]).eccn(), OUT);
    // The overridden value is marked as set by hand and not reported as a graded catalogue value.
    let c = set(&["fp8_tflops=400"]);
    assert_eq!(c.tpp_precision, xpuscope_model::Precision::Fp8);
    assert!(!c
        .caveats
        .iter()
        .any(|x| x.contains("figure behind the TPP")));
}

// ---------------------------------------------------------------------------------------------
// Timeline.

#[test]
fn the_h20_timeline_tells_its_history() {
    let cat = catalogue();
    let t = timeline(cat.chip("h20").unwrap(), rules()).unwrap();
    // China's measures and US guidance have rows of their own (tested in `buy`); here the rules.
    let events: Vec<&str> = t
        .rows
        .iter()
        .filter(|r| r.event_record.is_none())
        .map(|r| r.event.as_str())
        .collect();
    assert_eq!(
        events,
        [
            "Oct 2022 rule",
            "Oct 2023 rule",
            "released",
            "Dec 2024 HBM rule",
            "AI diffusion rule",
            "Apr 2025 H20 letter",
            "Diffusion rule rescinded",
            "H20 licences assured",
            "H20 licences issued",
            "Jan 2026 case-by-case policy",
        ]
    );
    let row = |e: &str| t.rows.iter().find(|r| r.event == e).unwrap();
    let oct23 = row("Oct 2023 rule");
    assert_eq!(oct23.classification.as_ref().unwrap().eccn(), None);
    assert!(
        oct23.sentence.contains("just under both 3A090.b gates"),
        "{}",
        oct23.sentence
    );
    assert!(
        oct23.sentence.starts_with("Before its release"),
        "{}",
        oct23.sentence
    );
    let letter = row("Apr 2025 H20 letter");
    assert_eq!(
        letter.classification.as_ref().unwrap().licence.china,
        ChinaLicence::IsInformed
    );
    assert!(
        letter.sentence.contains("indefinite future") && letter.sentence.contains("Shipments stop"),
        "{}",
        letter.sentence
    );
    assert!(row("H20 licences assured").sentence.contains("assured"));
    assert!(row("H20 licences issued").sentence.contains("15%"));
    assert!(row("Jan 2026 case-by-case policy")
        .sentence
        .contains("still needs a licence"));
}

#[test]
fn the_h800_timeline_shows_the_link_gap_closing() {
    let cat = catalogue();
    let t = timeline(cat.chip("h800-sxm").unwrap(), rules()).unwrap();
    let oct22 = &t.rows[0];
    assert!(
        oct22
            .sentence
            .contains("so it is not controlled and can be sold to China"),
        "{}",
        oct22.sentence
    );
    let oct23 = t.rows.iter().find(|r| r.event == "Oct 2023 rule").unwrap();
    assert!(
        oct23.sentence.contains("The link-speed gap closes"),
        "{}",
        oct23.sentence
    );
    assert_eq!(oct23.classification.as_ref().unwrap().eccn(), A);
}

#[test]
fn a_chip_released_before_3a090_gets_a_first_row_saying_so() {
    let cat = catalogue();
    let t = timeline(cat.chip("a100-sxm-80gb").unwrap(), rules()).unwrap();
    assert_eq!(t.rows[0].event, "released");
    assert!(t.rows[0].classification.is_none());
    assert!(t.rows[0].sentence.contains("before ECCN 3A090 existed"));
    let rule_rows = t.rows.iter().filter(|r| r.event_record.is_none()).count();
    assert_eq!(rule_rows, rules().rules().len() + 1);
    // The A100 is imported into China: the customs checks concern it, the H20 summons does not.
    let ids: Vec<&str> = t
        .rows
        .iter()
        .filter_map(|r| r.event_record.as_ref().map(|e| e.id.as_str()))
        .collect();
    assert!(ids.contains(&"cn-2025-10-customs-checks"), "{ids:?}");
    assert!(
        !ids.contains(&"cn-2025-07-cac-summons-nvidia-h20"),
        "{ids:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Design to threshold.

fn spec(area: f64, datacenter: bool, date: (u16, u8, u8)) -> DesignSpec {
    DesignSpec {
        die_area: SquareMm::new(area),
        datacenter,
        memory_bandwidth: None,
        date: at(date),
    }
}

fn ceiling(d: &Design, key: &str) -> f64 {
    match d.targets.iter().find(|t| t.key == key).unwrap().ceiling {
        Ceiling::Below(t) => t.get(),
        Ceiling::Unreachable => f64::NAN,
    }
}

#[test]
fn design_for_an_814_mm2_datacenter_die_is_the_h20() {
    let d = design(&spec(814.0, true, D2023), rules()).unwrap();
    assert_eq!(ceiling(&d, "outside-3a090"), 2400.0);
    assert_eq!(ceiling(&d, "outside-3a090a"), 4800.0);
    let t = &d.targets[0];
    let bf16 = t
        .dense_below
        .iter()
        .find(|(p, _)| *p == xpuscope_model::Precision::Bf16)
        .unwrap()
        .1;
    assert!((bf16.tflops() - 150.0).abs() < 1e-9);
    // PD at 2,400 is 2.95, under b.2's 3.2: b.1's TPP gate binds, not b.2.
    assert!(
        t.binding
            .starts_with("the 2,400 TPP gate of 3A090.b.1 binds (PD 2.95"),
        "{}",
        t.binding
    );
    assert!(
        t.binding
            .contains("3.2 PD gate of 3A090.b.2, would bind only at TPP 2,605"),
        "{}",
        t.binding
    );
}

#[test]
fn design_ceilings_for_other_dies_and_regimes() {
    let r = rules();
    // Smaller die: b.2's PD gate binds first, TPP < 3.2 x area.
    assert!(
        (ceiling(
            &design(&spec(600.0, true, D2023), r).unwrap(),
            "outside-3a090"
        ) - 1920.0)
            .abs()
            < 1e-9
    );
    // Tiny die: the 1,600 floor.
    assert_eq!(
        ceiling(
            &design(&spec(200.0, true, D2023), r).unwrap(),
            "outside-3a090"
        ),
        1600.0
    );
    // Huge die: b.1's PD gate, 1.6 x area.
    assert!(
        (ceiling(
            &design(&spec(2000.0, true, D2023), r).unwrap(),
            "outside-3a090"
        ) - 3200.0)
            .abs()
            < 1e-9
    );
    // Not for datacenters: Note 2's 4,800, whatever the area.
    assert_eq!(
        ceiling(
            &design(&spec(100.0, false, D2023), r).unwrap(),
            "outside-3a090"
        ),
        4800.0
    );
    // 2022: the compute test only.
    assert_eq!(
        ceiling(
            &design(&spec(814.0, true, D2022), r).unwrap(),
            "outside-3a090"
        ),
        4800.0
    );
    // Bad input.
    assert!(matches!(
        design(&spec(0.0, true, D2023), r),
        Err(ExportError::BadDesign(_))
    ));
    assert!(matches!(
        design(&spec(814.0, true, (2021, 1, 1)), r),
        Err(ExportError::BeforeFirstRule { .. })
    ));
}

#[test]
fn design_ceilings_agree_with_the_classifier_on_every_die() {
    let r = rules();
    let mut area = 50.0;
    while area <= 4000.0 {
        for dc in [true, false] {
            let s = spec(area, dc, D2023);
            let d = design(&s, r).unwrap();
            for t in &d.targets {
                let Ceiling::Below(limit) = t.ceiling else {
                    continue;
                };
                let allowed = |e: Option<Eccn>| match t.key.as_str() {
                    "outside-3a090" => e.is_none(),
                    "outside-3a090a" => e != A,
                    _ => true,
                };
                let under = lands_in(&s, Tpp::new(limit.get() * (1.0 - 1e-6)), r).unwrap();
                let at_limit = lands_in(&s, limit, r).unwrap();
                assert!(
                    allowed(under),
                    "area {area} dc {dc} {}: just under {} lands in {}",
                    t.key,
                    limit,
                    eccn_text(under)
                );
                if t.key != "case-by-case" {
                    assert!(
                        !allowed(at_limit),
                        "area {area} dc {dc} {}: at {} still {}",
                        t.key,
                        limit,
                        eccn_text(at_limit)
                    );
                }
            }
            // And through the full classifier, on a synthetic chip just under the ceiling.
            let limit = ceiling(&d, "outside-3a090");
            let toy = Toy::new(limit * (1.0 - 1e-6)).area(Some(area)).dc(Some(dc));
            assert_eq!(toy.eccn(D2023), OUT, "area {area} dc {dc}");
        }
        area *= 1.13;
    }
}

#[test]
fn design_case_by_case_and_letters_follow_memory_bandwidth() {
    let r = rules();
    let mut s = spec(814.0, true, D2026);
    s.memory_bandwidth = Some(xpuscope_model::units::BytesPerSecond::from_gbs(7000.0));
    let d = design(&s, r).unwrap();
    assert_eq!(
        d.targets
            .iter()
            .find(|t| t.key == "case-by-case")
            .unwrap()
            .ceiling,
        Ceiling::Unreachable
    );
    assert!(d.notes.iter().any(|n| n.contains("may still be caught")));
    s.memory_bandwidth = Some(xpuscope_model::units::BytesPerSecond::from_gbs(3000.0));
    let d = design(&s, r).unwrap();
    assert_eq!(ceiling(&d, "case-by-case"), 21000.0);
    assert!(d
        .notes
        .iter()
        .any(|n| n.contains("under the H20's 4,000 GB/s")));
}

#[test]
fn the_disclaimer_says_not_legal_advice() {
    assert!(DISCLAIMER.contains("not legal advice"));
}
