//! Tests of the rule file reader: the built-in file, a minimal one, and every kind of refusal.

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
reaches = ["china-macau"]
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
reaches = ["china-macau"]
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
reaches = ["elsewhere"]
summary = "x"
"#;
    assert!(errors(text)[0].contains("has no 3A090 rule"));
}

#[test]
fn reaches_and_the_china_review_policy_are_checked() {
    let set = RuleSet::builtin().unwrap();
    let r2023 = set.get("ear-2023-10-advanced-computing").unwrap();
    assert!(r2023.reaches(Reach::GroupD5) && r2023.reaches(Reach::GroupsD1D4));
    assert!(!r2023.reaches(Reach::Elsewhere));
    assert_eq!(r2023.china_review, Some(Policy::PresumptionOfDenial));
    assert!(r2023
        .review_source
        .as_deref()
        .unwrap()
        .starts_with("https://"));
    let cbc = set.get("ear-2026-01-case-by-case").unwrap();
    assert_eq!(cbc.reaches, vec![Reach::ChinaMacau]);

    let without = MINIMAL.replace("reaches = [\"china-macau\"]\n", "");
    assert!(errors(&without)[0].contains("field `reaches` is required"));
    let unknown = MINIMAL.replace(
        "[\"china-macau\"]",
        "[\"china-macau\", \"mars\", \"china-macau\"]",
    );
    let got = errors(&unknown);
    assert!(
        got.iter().any(|g| g.contains("`mars` is not one of")),
        "{got:?}"
    );
    assert!(
        got.iter().any(|g| g.contains("names `china-macau` twice")),
        "{got:?}"
    );
    let empty = MINIMAL.replace("[\"china-macau\"]", "[]");
    assert!(errors(&empty)[0].contains("must name at least one"));
    let policy = MINIMAL.replace(
        "summary = \"x\"",
        "summary = \"x\"\nchina_review = \"presumption-of-denial\"",
    );
    assert!(errors(&policy)[0].contains("`review_source` is required with `china_review`"));
    let bad = MINIMAL.replace(
        "summary = \"x\"",
        "summary = \"x\"\nchina_review = \"maybe\"\nreview_source = \"https://x\"",
    );
    assert!(errors(&bad)[0].contains("`maybe` is not"));
    let orphan = MINIMAL.replace(
        "summary = \"x\"",
        "summary = \"x\"\nreview_source = \"https://x\"",
    );
    assert!(errors(&orphan)[0].contains("without `china_review`"));
    let good = MINIMAL.replace(
        "summary = \"x\"",
        "summary = \"x\"\nchina_review = \"case-by-case\"\nreview_source = \"https://x\"",
    );
    let set = RuleSet::from_toml("r.toml", &good).unwrap();
    assert_eq!(set.rules()[0].china_review, Some(Policy::CaseByCase));
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

#[test]
fn events_and_vendors_load_and_bad_ones_are_refused() {
    let set = RuleSet::builtin().unwrap();
    let china: Vec<&Event> = set
        .events()
        .iter()
        .filter(|e| e.issuer == Issuer::China)
        .collect();
    assert!(china.len() >= 5, "{}", china.len());
    assert!(set
        .events()
        .windows(2)
        .all(|w| w[0].date.ordinal() <= w[1].date.ordinal()));
    for e in set.events() {
        assert!(e.source.starts_with("https://"), "{}", e.id);
    }
    assert!(set.vendors().iter().any(|v| v.name == "Huawei"));

    let event = |body: &str| format!("{MINIMAL}\n[[event]]\nid = \"e\"\n{body}");
    let good = "date = \"2025-07-31\"\nissuer = \"cn\"\nauthority = \"a\"\nshort = \"s\"\ngrade = \"official\"\nconcerns = \"named\"\nchips = [\"h20\"]\nsource = \"https://x\"\nsummary = \"x\"\n";
    let set = RuleSet::from_toml("r.toml", &event(good)).unwrap();
    assert_eq!(set.events()[0].grade, EventGrade::Official);
    assert_eq!(set.events()[0].concerns, Concerns::Named);
    let got = errors(&event(
        &good
            .replace("\"cn\"", "\"uk\"")
            .replace("\"official\"", "\"rumour\""),
    ));
    assert!(
        got.iter()
            .any(|g| g.contains("`uk` is not one of `us`, `cn`")),
        "{got:?}"
    );
    assert!(
        got.iter().any(|g| g.contains("`rumour` is not one of")),
        "{got:?}"
    );
    let got = errors(&event(&good.replace("chips = [\"h20\"]\n", "")));
    assert!(got[0].contains("must name at least one chip"), "{got:?}");
    let got = errors(&event(
        &good
            .replace("source = \"https://x\"\n", "")
            .replace("2025-07-31", "July"),
    ));
    assert!(
        got.iter().any(|g| g.contains("field `source` is required")),
        "{got:?}"
    );
    assert!(
        got.iter().any(|g| g.contains("`July` is not a date")),
        "{got:?}"
    );
    let twice = RuleSet::builtin().unwrap().with_file(
        "c.toml",
        &event(good)
            .replace("r2022", "x2022")
            .replace("id = \"e\"", "id = \"cn-2025-08-h20-guidance\""),
    );
    assert!(twice.is_err());
}

/// Found by the fuzz-like test: toml's message for an unclosed array spans two lines, which
/// printed a rule-file error over two lines with the second naming no file.
#[test]
fn a_toml_error_is_one_line() {
    let e = errors("[[event]]\nsource =[ \"https://example.com\"\nreferences = []\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(!e[0].contains('\n'), "{:?}", e[0]);
    assert!(
        e[0].starts_with("r.toml:3: is not valid: invalid array; expected"),
        "{}",
        e[0]
    );
}
