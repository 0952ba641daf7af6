//! Test support shared by the charts' tests: parsing a rendered document and the fixtures, and
//! the tests that cover more than one chart. Each chart's own tests sit beside it.

use super::*;

/// Parses `svg` as XML, checks the root is a sized SVG element with a namespace, and that no
/// non-number leaked into it; returns the text of every `<text>` element.
pub(super) fn check_valid(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert!(root.attribute("viewBox").is_some());
    assert_eq!(root.attribute("font-family"), Some("sans-serif"));
    for bad in ["NaN", "inf"] {
        assert!(!svg.contains(bad), "{bad} in output:\n{svg}");
    }
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect();
    // Labels are truncated or compact, even for extreme values.
    for t in &texts {
        assert!(t.chars().count() <= 120, "label too long: {t:?}");
    }
    texts
}

/// Elements with `class`, as (attribute name -> number) lookups.
pub(super) fn elements(svg: &str, class: &str) -> Vec<Vec<(String, String)>> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .map(|n| {
            n.attributes()
                .map(|a| (a.name().to_string(), a.value().to_string()))
                .collect()
        })
        .collect()
}

pub(super) fn num(attrs: &[(String, String)], name: &str) -> f64 {
    let v = attrs.iter().find(|(k, _)| k == name).unwrap();
    v.1.parse().unwrap()
}

pub(super) fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> &'a str {
    &attrs.iter().find(|(k, _)| k == name).unwrap().1
}

pub(super) fn series(name: &str, values: &[Option<f64>]) -> Series {
    Series {
        name: name.to_string(),
        values: values.to_vec(),
    }
}

pub(super) fn ratios(values: &[Vec<Option<f64>>], log_scale: bool) -> BarChart {
    let names = [
        "h100-sxm", "mi300x", "tpu-v5p", "gaudi3", "b200", "x6", "x7", "x8", "x9",
    ];
    let groups = values.iter().map(Vec::len).max().unwrap_or(0);
    BarChart {
        title: "Inference on llama-3-70b".to_string(),
        subtitle: Some("bf16, 8 chips".to_string()),
        value_label: "performance relative to h100-sxm (x, log scale)".to_string(),
        groups: (0..groups).map(|g| format!("workload {g}")).collect(),
        series: values
            .iter()
            .enumerate()
            .map(|(i, v)| series(names[i % names.len()], v))
            .collect(),
        reference: Some(1.0),
        log_scale,
    }
}

pub(super) fn h100_and_fast() -> Roofline {
    Roofline {
        title: "Roofline: llama-3-70b".to_string(),
        subtitle: Some("bf16".to_string()),
        chips: vec![
            RoofChip {
                name: "h100-sxm".to_string(),
                peak_flops: 989e12,
                bandwidth: 3.35e12,
            },
            RoofChip {
                name: "fast".to_string(),
                peak_flops: 2.5e15,
                bandwidth: 8e12,
            },
        ],
        points: vec![
            point("decode: mlp", 0, 1.0, 3e12, "decode"),
            point("decode: attention", 0, 0.9, 2.5e12, "decode"),
            point("prefill: mlp", 1, 2000.0, 1.8e15, "prefill"),
            point("prefill: attention", 1, 800.0, 1.2e15, "prefill"),
        ],
    }
}

pub(super) fn point(
    label: &str,
    chip: usize,
    intensity: f64,
    achieved_flops: f64,
    phase: &str,
) -> RoofPoint {
    RoofPoint {
        label: label.to_string(),
        chip,
        intensity,
        achieved_flops,
        phase: phase.to_string(),
    }
}

#[test]
fn text_is_escaped() {
    let mut c = ratios(&[vec![Some(1.0)], vec![Some(0.5)]], true);
    c.series[1].name = "a<b&c".to_string();
    c.groups[0] = "\"quoted\" & 'single'".to_string();
    c.title = "<script>alert(1)</script>".to_string();
    let svg = bar_chart(&c);
    assert!(svg.contains("a&lt;b&amp;c"));
    assert!(!svg.contains("<script>"));
    let texts = check_valid(&svg);
    assert!(texts.iter().any(|t| t == "a<b&c"));
    assert!(texts.iter().any(|t| t == "\"quoted\" & 'single'"));

    let mut r = h100_and_fast();
    r.chips[0].name = "a<b&c".to_string();
    r.points[0].label = "x > y & \"z\"".to_string();
    r.points[1].phase = "<odd>".to_string();
    let texts = check_valid(&roofline(&r));
    assert!(texts.iter().any(|t| t == "a<b&c"));
    assert!(texts.iter().any(|t| t == "x > y & \"z\""));
    assert!(texts.iter().any(|t| t == "<odd>"));
}

#[test]
fn edge_cases_render_valid_documents() {
    let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -1.0];
    let bars = [
        ratios(&[], true),
        ratios(&[], false),
        ratios(&[vec![]], true),
        ratios(&[vec![Some(1.0)]], true),
        ratios(&[vec![Some(1.0)]], false),
        ratios(&[bad.map(Some).to_vec()], true),
        ratios(&[bad.map(Some).to_vec()], false),
        ratios(&[vec![Some(1e-300)], vec![Some(1e300)]], true),
        ratios(
            &[vec![Some(f64::MIN_POSITIVE / 4.0)], vec![Some(f64::MAX)]],
            true,
        ),
        ratios(&[vec![Some(-f64::MAX)], vec![Some(f64::MAX)]], false),
        ratios(&[vec![Some(1e-12)], vec![Some(3e-12)]], false),
        ratios(&[vec![Some(1e200)], vec![Some(3e200)]], false),
        BarChart {
            title: "t".repeat(500),
            subtitle: Some("s".repeat(500)),
            groups: vec!["g".repeat(500)],
            ..ratios(&[vec![Some(1.0)], vec![Some(2.0)]], true)
        },
        ratios(&[vec![None, None], vec![Some(2.0)]], true),
        BarChart {
            reference: Some(f64::NAN),
            subtitle: None,
            ..ratios(&[vec![Some(0.5)]], true)
        },
        BarChart {
            groups: vec!["only one group name".into(); 40],
            ..ratios(
                &(0..12)
                    .map(|i| vec![Some(1.0 + f64::from(i)); 3])
                    .collect::<Vec<_>>(),
                true,
            )
        },
    ];
    for c in &bars {
        check_valid(&bar_chart(c));
    }

    let bad_chip = |peak_flops, bandwidth| RoofChip {
        name: "bad".into(),
        peak_flops,
        bandwidth,
    };
    let roofs = [
        Roofline {
            title: String::new(),
            subtitle: None,
            chips: vec![],
            points: vec![],
        },
        Roofline {
            chips: vec![
                bad_chip(0.0, 1e12),
                bad_chip(1e15, -1.0),
                bad_chip(f64::NAN, f64::INFINITY),
            ],
            points: vec![
                point("nan", 0, f64::NAN, 1e12, "decode"),
                point("zero", 1, 0.0, 1e12, "prefill"),
                point("no chip", 99, 10.0, 1e12, "other"),
            ],
            ..h100_and_fast()
        },
        Roofline {
            chips: vec![bad_chip(1e300, 1e-300)],
            points: vec![
                point("tiny", 0, 1e-300, 1e-300, "decode"),
                point("huge", 0, 1e300, 1e300, "prefill"),
            ],
            ..h100_and_fast()
        },
        Roofline {
            points: (0..200)
                .map(|i| point("crowded", i % 2, 100.0, 1e14, "decode"))
                .collect(),
            ..h100_and_fast()
        },
    ];
    for r in &roofs {
        check_valid(&roofline(r));
    }
}

#[test]
fn output_is_deterministic() {
    let c = ratios(
        &[vec![Some(1.0), None], vec![Some(0.123456789), Some(7.0)]],
        true,
    );
    assert_eq!(bar_chart(&c), bar_chart(&c));
    let r = h100_and_fast();
    assert_eq!(roofline(&r), roofline(&r));
}
