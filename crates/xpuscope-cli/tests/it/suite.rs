//! `compare`, `claims`, `sweep` and the charts through the binary.

use super::util::{fails, json, ok, repo};

#[test]
fn compare_table_snapshot() {
    insta::assert_snapshot!("compare_h100_h20", ok(&["compare", "h100-sxm", "h20"]));
}

#[test]
fn compare_json_contract() {
    let v = json(&["compare", "h100-sxm", "h20"]);
    let rows = v["rows"].as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for want in [
        "train",
        "prefill",
        "decode-bs1",
        "decode-bs64",
        "decode-max",
        "decode-long",
    ] {
        assert!(ids.contains(&want), "{ids:?}");
    }
    for r in rows {
        assert!(r["workload"].is_string() && r["metric"].is_string());
        assert_eq!(r["ratio"]["h100-sxm"], 1.0, "{}", r["id"]);
        let (v0, v1) = (
            r["values"]["h100-sxm"].as_f64().unwrap(),
            r["values"]["h20"].as_f64().unwrap(),
        );
        let ratio = r["ratio"]["h20"].as_f64().unwrap();
        // Times invert, rates divide: > 1 is always better.
        let expect = if r["higher_is_better"] == true {
            v1 / v0
        } else {
            v0 / v1
        };
        assert!((ratio - expect).abs() < 1e-9);
    }
    let get = |id: &str| {
        rows.iter().find(|r| r["id"] == id).unwrap()["ratio"]["h20"]
            .as_f64()
            .unwrap()
    };
    assert!(get("train") < 0.3 && get("prefill") < 0.3);
    assert!(get("decode-bs1") >= 0.95 && get("decode-long") > 1.0);
}

#[test]
fn compare_svg_parses_and_is_labelled() {
    let path = std::env::temp_dir().join(format!("xpuscope-compare-{}.svg", std::process::id()));
    ok(&[
        "compare",
        "h100-sxm",
        "h20",
        "--svg",
        path.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("valid SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(text.contains("performance relative to h100-sxm"));
    assert!(text.contains("decode bs1 (TPOT)") && text.contains("h20"));
}

#[test]
fn roofline_svg_parses_and_is_labelled() {
    let path = std::env::temp_dir().join(format!("xpuscope-roofline-{}.svg", std::process::id()));
    let out = ok(&[
        "roofline",
        "h100-sxm",
        "h20",
        "--model",
        "llama-3.1-70b",
        "--svg",
        path.to_str().unwrap(),
    ]);
    assert!(out.contains("decode: mlp"));
    let text = std::fs::read_to_string(&path).unwrap();
    roxmltree::Document::parse(&text).expect("valid SVG");
    assert!(
        text.contains("arithmetic intensity (FLOP/byte)") && text.contains("throughput (TFLOP/s)")
    );
}

#[test]
fn claims_verdicts_snapshot() {
    let file = repo().join("examples/claims/h20-july-2025.toml");
    let v = json(&["claims", file.to_str().unwrap()]);
    let verdicts: Vec<String> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c["id"].as_str().unwrap(),
                c["verdict"].as_str().unwrap()
            )
        })
        .collect();
    // These must agree with shared/research/chips_and_export.md part 3.
    insta::assert_snapshot!("claims_verdicts", verdicts.join("\n"));
    insta::assert_snapshot!("claims_text", ok(&["claims", file.to_str().unwrap()]));
}

#[test]
fn claims_errors() {
    fails(&["claims", "/nonexistent.toml"], "cannot read claims file");
    let bad = std::env::temp_dir().join(format!("xpuscope-bad-claims-{}.toml", std::process::id()));
    std::fs::write(&bad, "title = \"t\"\n[[claim]]\nid = \"x\"\nsaid = \"s\"\n[[claim.check]]\nkind = \"ratio\"\nchip = \"h20\"\nbaseline = \"h100-sxm\"\non = [\"decode-bs2\"]\nrange = [0, 1]\n").unwrap();
    fails(
        &["claims", bad.to_str().unwrap()],
        "claim `x`: unknown metric `decode-bs2`",
    );
}

#[test]
fn sweep_writes_csv_and_json_lines() {
    let csv = ok(&[
        "sweep",
        "--chip",
        "h100-sxm,h20",
        "--model",
        "llama-3.1-8b",
        "--batch",
        "1,16",
        "--tp",
        "1,3",
    ]);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("chip,model,tp,"));
    assert_eq!(lines.len(), 1 + 2 * 2 * 2);
    // tp 3 does not divide 32 heads: the row carries the error, the sweep goes on.
    assert!(lines.iter().any(|l| l.contains("does not divide")));
    let jl = ok(&[
        "sweep",
        "--chip",
        "h20",
        "--model",
        "llama-3.1-8b,qwen3-30b-a3b",
        "--batch",
        "max",
        "--format",
        "json",
    ]);
    let rows: Vec<serde_json::Value> = jl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r["output_tokens_per_s"].as_f64().unwrap() > 0.0));
}

#[test]
fn sweep_svg_heat_map_parses_and_is_labelled() {
    let path = std::env::temp_dir().join(format!("xpuscope-sweep-{}.svg", std::process::id()));
    let args = [
        "sweep",
        "--chip",
        "h100-sxm,h20",
        "--model",
        "llama-3.1-8b,qwen3-30b-a3b",
        "--batch",
        "1,64",
    ];
    let plain = ok(&args);
    let mut with_svg = args.to_vec();
    with_svg.extend(["--svg", path.to_str().unwrap()]);
    // The rows on stdout are the same with or without the chart.
    assert_eq!(ok(&with_svg), plain);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("valid SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    for want in [
        "h100-sxm",
        "h20",
        "Sweep: output tokens/s per chip",
        "llama-3.1-8b bs64",
        "qwen3-30b-a3b bs1",
    ] {
        assert!(texts.contains(&want), "no {want:?} in {texts:?}");
    }
    // The colour bar names the metric (with "(log scale)" when the values span more than 20x).
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("output tokens/s per chip")),
        "{texts:?}"
    );
    // Two chips by two models by two batches: eight cells, every one with a value.
    let cells = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("cell"))
        .count();
    assert_eq!(cells, 8);
    let _ = std::fs::remove_file(&path);

    fails(
        &[
            "sweep",
            "--chip",
            "h20",
            "--model",
            "llama-3.1-8b",
            "--svg",
            "/nonexistent/dir/x.svg",
        ],
        "cannot write `/nonexistent/dir/x.svg`",
    );
}

#[test]
fn bad_numbers_are_refused_not_printed() {
    // A sweep reports a point it cannot evaluate as a row with its error, and goes on.
    let out = ok(&[
        "sweep",
        "--kind",
        "train",
        "--chip",
        "h20",
        "--model",
        "llama-3.1-8b",
        "--chip-count",
        "0,8",
    ]);
    assert!(out.contains("the chip count must be at least 1"), "{out}");
    assert_eq!(out.lines().count(), 3);
    fails(
        &["compare", "h100-sxm", "h20", "--chip-hour-price", "nan"],
        "chip-hour price must be finite",
    );
    fails(
        &["compare", "h100-sxm", "h20", "--electricity", "inf"],
        "must be finite",
    );
    fails(
        &[
            "train",
            "--chip",
            "h20",
            "--chips",
            "8",
            "--model",
            "llama-3.1-8b",
            "--seq-len",
            "4096",
            "--global-batch",
            "64",
            "--tokens",
            "nan",
        ],
        "--tokens NaN must be a positive number",
    );
    fails(
        &[
            "infer",
            "--chip",
            "h20",
            "--model",
            "llama-3.1-8b",
            "--input-len",
            "8",
            "--output-len",
            "8",
            "--batch",
            "max",
            "--max-batch",
            "0",
        ],
        "--max-batch must be at least 1",
    );
    fails(
        &[
            "train",
            "--chip",
            "h20",
            "--chips",
            "8",
            "--model",
            "llama-3.1-8b",
            "--seq-len",
            "18446744073709551615",
            "--global-batch",
            "64",
        ],
        "beyond any real run",
    );
}
