//! `xpuscope export`: classification, JSON contract, timeline, what-if, design and errors, run
//! through the real binary.

use std::path::PathBuf;

use super::util::{fails, json, ok};

#[test]
fn json_follows_the_contract() {
    let v = json(&["export", "h20", "--date", "2025-07-01"]);
    assert_eq!(v["chip"], "h20");
    assert_eq!(v["date"], "2025-07-01");
    assert!((v["tpp"].as_f64().unwrap() - 2368.0).abs() < 0.5);
    assert!((v["performance_density"].as_f64().unwrap() - 2.909).abs() < 0.001);
    assert!(v["eccn"].is_null());
    assert_eq!(v["eccn_determined"], true);
    let reasons = v["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r == "TPP 2,368 is 1.3% below the 2,400 gate of 3A090.b.1."),
        "{reasons:#?}"
    );
    assert_eq!(v["licence"]["china"], "required-is-informed");
    assert!(v["licence"]["summary"]
        .as_str()
        .unwrap()
        .contains("Apr 2025 H20 letter"));
    assert!(v["disclaimer"]
        .as_str()
        .unwrap()
        .contains("not legal advice"));
    assert_eq!(v["rule"]["citation"], "88 FR 73458");
    assert_eq!(v["rule"]["fr_doc"], "2023-23055");
    let b1 = v["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["paragraph"] == "3A090.b.1" && t["quantity"] == "tpp" && t["bound"] == "at-least"
        })
        .unwrap();
    assert_eq!(b1["threshold"], 2400.0);
    assert_eq!(b1["met"], false);
    assert!((b1["margin"].as_f64().unwrap() + 0.013_333).abs() < 1e-4);
}

#[test]
fn eccn_strings_per_rule() {
    let eccn = |chip: &str, date: &str| json(&["export", chip, "--date", date])["eccn"].clone();
    assert_eq!(eccn("h100-sxm", "2022-11-01"), "3A090");
    assert!(eccn("h800-sxm", "2022-11-01").is_null(), "400 GB/s links");
    assert!(eccn("a800-sxm", "2022-11-01").is_null(), "400 GB/s links");
    assert_eq!(eccn("h800-sxm", "2023-11-17"), "3A090.a");
    assert_eq!(eccn("rtx-4090", "2024-01-01"), "3A090.a");
    assert!(eccn("rtx-4090d", "2024-01-01").is_null(), "Note 2");
}

#[test]
fn text_output_explains_and_disclaims() {
    let out = ok(&["export", "h20", "--date", "2024-06-01"]);
    assert!(
        out.starts_with(
            "NVIDIA HGX H20 96GB (h20) on 2024-06-01, under the Oct 2023 rule (88 FR 73458)"
        ),
        "{out}"
    );
    assert!(out.contains("ECCN                 outside 3A090"), "{out}");
    assert!(out.contains("TPP 2,368 is 1.3% below the 2,400 gate of 3A090.b.1."));
    assert!(out.contains("Informational only, not legal advice"));
}

#[test]
fn default_date_is_today() {
    let v = json(&["export", "h200-sxm"]);
    let date = v["date"].as_str().unwrap();
    assert_eq!(date.len(), 10, "{date}");
    assert!(
        date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
        "{date}"
    );
    assert!(date >= "2025-01-01", "{date}");
}

#[test]
fn timeline_tells_the_h20_story() {
    let out = ok(&["export", "h20", "--timeline"]);
    for want in [
        "date        event",
        "Oct 2023 rule",
        "just under both 3A090.b gates",
        "in effect for the indefinite future",
        "licences assured",
        "15% of China revenue",
        "88 FR 73458",
        "not legal advice",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
    let v = json(&["export", "h20", "--timeline"]);
    let rows = v["rows"].as_array().unwrap();
    let letter = rows
        .iter()
        .find(|r| r["rule_id"] == "ear-2025-04-h20-is-informed")
        .unwrap();
    assert_eq!(letter["licence_china"], "required-is-informed");
    assert!(v["disclaimer"]
        .as_str()
        .unwrap()
        .contains("not legal advice"));
}

#[test]
fn timeline_shows_chinas_measures_and_us_guidance_as_events_of_their_own_kind() {
    let out = ok(&["export", "h20", "--timeline"]);
    assert!(
        out.contains("[CN, official] CAC summons NVIDIA over the H20"),
        "{out}"
    );
    assert!(
        out.contains("[CN, reported] Regulators discourage H20 purchases"),
        "{out}"
    );
    assert!(out.contains("China's own measure, not US law"), "{out}");
    let v = json(&["export", "h20", "--timeline"]);
    let rows = v["rows"].as_array().unwrap();
    let kind = |id: &str| {
        rows.iter()
            .find(|r| r["rule_id"] == id)
            .map(|r| (r["kind"].clone(), r["grade"].clone(), r["date"].clone()))
    };
    let (k, g, d) = kind("cn-2025-07-cac-summons-nvidia-h20").expect("CAC row");
    assert_eq!(
        (k.as_str(), g.as_str(), d.as_str()),
        (Some("china-measure"), Some("official"), Some("2025-07-31"))
    );
    let (k, g, _) = kind("cn-2025-10-customs-checks").expect("customs row");
    assert_eq!(
        (k.as_str(), g.as_str()),
        (Some("china-measure"), Some("reported"))
    );
    assert_eq!(kind("ear-2023-10-advanced-computing").unwrap().0, "rule");
    // Rows stay in date order, and an event does not change the licence column.
    let dates: Vec<&str> = rows.iter().filter_map(|r| r["date"].as_str()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    let cac = rows.iter().find(|r| r["kind"] == "china-measure").unwrap();
    assert_eq!(cac["licence_china"], "required-is-informed");
    // The H200 timeline has the US announcement and China's customs block; a Huawei chip the
    // GP10 guidance and none of China's import measures.
    let h200 = json(&["export", "h200-sxm", "--timeline"]);
    let ids: Vec<&str> = h200["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["rule_id"].as_str())
        .collect();
    assert!(
        ids.contains(&"us-2025-12-h200-announcement")
            && ids.contains(&"cn-2026-01-h200-customs-block"),
        "{ids:?}"
    );
    let ascend = json(&["export", "ascend-910c", "--timeline"]);
    let kinds: Vec<(&str, &str)> = ascend["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| Some((r["kind"].as_str()?, r["rule_id"].as_str().unwrap_or(""))))
        .collect();
    assert!(
        kinds.contains(&("us-event", "us-2025-05-gp10-prc-chips")),
        "{kinds:?}"
    );
    assert!(!kinds.iter().any(|k| k.0 == "china-measure"), "{kinds:?}");
}

#[test]
fn what_if_shows_the_overrides_and_the_new_answer() {
    let out = ok(&[
        "export",
        "h20",
        "--date",
        "2024-06-01",
        "--set",
        "bf16_tflops=200",
        "--set",
        "die_area_mm2=600",
    ]);
    assert!(out.contains("what-if (overrides the catalogue)"), "{out}");
    assert!(
        out.contains("bf16_tflops")
            && out.contains("200 TFLOPS")
            && out.contains("(catalogue: 148 TFLOPS)"),
        "{out}"
    );
    assert!(out.contains("ECCN                 3A090.b"), "{out}");
    let v = json(&[
        "export",
        "h20",
        "--date",
        "2024-06-01",
        "--set",
        "datacenter=false",
        "--set",
        "fp8_tflops=600",
    ]);
    assert_eq!(v["eccn"], "3A090.a");
    assert_eq!(v["overrides"][0]["key"], "datacenter");
    assert_eq!(v["overrides"][0]["previous"], "true");
    assert_eq!(v["licence"]["exceptions"][0]["name"], "NAC");
}

#[test]
fn custom_catalogue_chips_are_classified() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("xpuscope-export-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mine.toml"),
        r#"
[[chip]]
id = "my-npu"
name = "My NPU"
vendor = "Me"
source = "https://example.com/my-npu"
grade = "reported"
datacenter = true
[chip.dense]
int8 = 290
"#,
    )
    .unwrap();
    let v = json(&[
        "export",
        "my-npu",
        "--date",
        "2024-01-01",
        "--catalog",
        dir.to_str().unwrap(),
    ]);
    // TPP 2,320 without a die area: the answer depends on it, and says so.
    assert_eq!(v["eccn_determined"], false);
    assert_eq!(v["missing"][0], "die_area_mm2");
    assert_eq!(v["licence"]["china"], "undetermined");
    let text = ok(&[
        "export",
        "my-npu",
        "--date",
        "2024-01-01",
        "--catalog",
        dir.to_str().unwrap(),
    ]);
    assert!(text.contains("--set die_area_mm2=VALUE"), "{text}");
    let v = json(&[
        "export",
        "my-npu",
        "--date",
        "2024-01-01",
        "--catalog",
        dir.to_str().unwrap(),
        "--set",
        "die_area_mm2=800",
    ]);
    assert_eq!(v["eccn_determined"], true);
    assert!(v["eccn"].is_null());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn design_to_threshold() {
    let v = json(&[
        "export",
        "--design",
        "--die-area-mm2",
        "814",
        "--date",
        "2024-01-01",
    ]);
    let t = &v["targets"][0];
    assert_eq!(t["key"], "outside-3a090");
    assert_eq!(t["tpp_below"], 2400.0);
    assert_eq!(t["dense_flops_per_s_below"]["bf16"], 150e12);
    assert!(v["disclaimer"]
        .as_str()
        .unwrap()
        .contains("not legal advice"));
    let out = ok(&[
        "export",
        "--design",
        "--die-area-mm2",
        "814",
        "--date",
        "2024-01-01",
    ]);
    insta::assert_snapshot!("design_814_datacenter_2024", out);
    let v = json(&[
        "export",
        "--design",
        "--die-area-mm2",
        "600",
        "--datacenter",
        "false",
        "--date",
        "2024-01-01",
    ]);
    assert_eq!(v["targets"][0]["tpp_below"], 4800.0);
}

#[test]
fn errors_are_one_clear_sentence() {
    fails(
        &["export", "h2O", "--date", "2024-01-01"],
        "no chip `h2O`; did you mean `h20`?",
    );
    fails(
        &["export", "h20", "--date", "2021-05-01"],
        "3A090 did not exist before 2022-10-07",
    );
    fails(
        &["export", "h20", "--date", "2025-02-30"],
        "`2025-02-30` is not a date; write YYYY-MM-DD",
    );
    fails(
        &["export", "h20", "--set", "bf16_tflop=200"],
        "unknown key `bf16_tflop` (did you mean `bf16_tflops`?); valid keys are",
    );
    fails(
        &["export", "h20", "--set", "die_area_mm2=big"],
        "cannot set `die_area_mm2=big`: `big` is not a positive number",
    );
    fails(
        &["export", "h20", "--set", "datacenter"],
        "it is not `key=value`",
    );
    fails(
        &["export", "--design", "--die-area-mm2=-5"],
        "die area must be a positive number",
    );
    fails(&["export"], "required");
}
