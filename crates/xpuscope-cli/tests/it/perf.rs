//! `infer`, `train` and `validate` through the binary: the JSON contract, the headline
//! orderings and the errors.

use super::util::{fails, json, ok};

fn infer(chip: &str) -> serde_json::Value {
    json(&[
        "infer",
        "--chip",
        chip,
        "--model",
        "llama-3.1-70b",
        "--weights",
        "fp8",
        "--input-len",
        "2048",
        "--output-len",
        "256",
        "--batch",
        "1",
    ])
}

#[test]
fn infer_json_contract_and_the_h20_story() {
    let h20 = infer("h20");
    let h100 = infer("h100-sxm");
    for f in [
        "chips",
        "batch",
        "ttft_s",
        "tpot_s",
        "e2e_s",
        "output_tokens_per_s",
        "memory_per_chip_bytes",
        "fits",
    ] {
        assert!(!h20[f].is_null(), "missing {f}");
    }
    assert!(
        h20["tpot_s"].as_f64().unwrap() < h100["tpot_s"].as_f64().unwrap(),
        "H20 decodes faster"
    );
    assert!(
        h20["ttft_s"].as_f64().unwrap() > 4.0 * h100["ttft_s"].as_f64().unwrap(),
        "H20 prefills far slower"
    );
    assert_eq!(h20["breakdown"]["decode_step"]["bound"], "memory");
    assert_eq!(h100["breakdown"]["prefill"]["bound"], "compute");
    // e2e = TTFT + (output - 1) x TPOT; throughput = batch x output / e2e.
    let e2e = h20["ttft_s"].as_f64().unwrap() + 255.0 * h20["tpot_s"].as_f64().unwrap();
    assert!((h20["e2e_s"].as_f64().unwrap() - e2e).abs() < 1e-9);
    assert!((h20["output_tokens_per_s"].as_f64().unwrap() - 256.0 / e2e).abs() < 1e-6);
}

#[test]
fn infer_text_explains_the_bound() {
    let out = ok(&[
        "infer",
        "--chip",
        "h20",
        "--model",
        "llama-3.1-70b",
        "--weights",
        "fp8",
        "--input-len",
        "2048",
        "--output-len",
        "256",
    ]);
    assert!(out.contains("memory-bound"), "{out}");
    assert!(out.contains("decode step"));
    assert!(out.contains("FLOP/byte"));
}

#[test]
fn batch_max_and_fallback_notes() {
    let v = json(&[
        "infer",
        "--chip",
        "a100-sxm-80gb",
        "--model",
        "llama-3.1-8b",
        "--weights",
        "fp8",
        "--input-len",
        "1024",
        "--output-len",
        "1024",
        "--batch",
        "max",
    ]);
    assert_eq!(v["fits"], true);
    assert!(v["batch"].as_u64().unwrap() > 8);
    assert_eq!(v["precision"]["gemm_compute"], "bf16");
    assert!(v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("no native fp8")));
}

#[test]
fn infer_errors() {
    fails(
        &[
            "infer",
            "--chip",
            "h100-sxm",
            "--model",
            "llama-3.1-70b",
            "--tp",
            "3",
            "--input-len",
            "1",
            "--output-len",
            "1",
        ],
        "tp 3 does not divide the 64 attention heads",
    );
    fails(
        &[
            "infer",
            "--chip",
            "h100-sxm",
            "--model",
            "llama-3.1-405b",
            "--input-len",
            "128",
            "--output-len",
            "8",
        ],
        "smallest tensor-parallel degree that fits is --tp",
    );
    fails(
        &[
            "infer",
            "--chip",
            "h100-sxm",
            "--model",
            "llama-3.1-8b",
            "--weights",
            "fp6",
            "--input-len",
            "1",
            "--output-len",
            "1",
        ],
        "fp6",
    );
    fails(
        &[
            "infer",
            "--chip",
            "h100-sxm",
            "--model",
            "llama-3.1-8b",
            "--batch",
            "lots",
            "--input-len",
            "1",
            "--output-len",
            "1",
        ],
        "--batch `lots`",
    );
}

#[test]
fn train_search_json_contract() {
    let v = json(&[
        "train",
        "--chip",
        "h20",
        "--chips",
        "1024",
        "--model",
        "llama-3.1-70b",
        "--seq-len",
        "8192",
        "--global-batch",
        "1024",
        "--tokens",
        "15e12",
        "--search",
    ]);
    for f in [
        "chips",
        "step_time_s",
        "tokens_per_s",
        "tokens_per_s_per_chip",
        "mfu",
        "memory_per_chip_bytes",
        "fits",
        "layouts_evaluated",
        "best",
        "top",
    ] {
        assert!(!v[f].is_null(), "missing {f}");
    }
    assert!(v["layouts_evaluated"].as_u64().unwrap() > 1000);
    assert_eq!(v["top"].as_array().unwrap().len(), 10);
    assert!(v["to_train"]["days"].as_f64().unwrap() > 100.0);
    assert!(v["to_train"]["cost_usd"].as_f64().unwrap() > 0.0);
}

#[test]
fn train_errors() {
    fails(
        &[
            "train",
            "--chip",
            "h100-sxm",
            "--chips",
            "64",
            "--model",
            "llama-3.1-70b",
            "--seq-len",
            "4096",
            "--global-batch",
            "100",
            "--tp",
            "8",
        ],
        "global batch 100 does not divide",
    );
    fails(
        &[
            "train",
            "--chip",
            "h100-sxm",
            "--chips",
            "60",
            "--model",
            "llama-3.1-70b",
            "--seq-len",
            "4096",
            "--global-batch",
            "64",
            "--tp",
            "8",
        ],
        "does not divide the 60 chips",
    );
    fails(
        &[
            "train",
            "--chip",
            "rtx-4090",
            "--chips",
            "8",
            "--model",
            "llama-3.1-405b",
            "--seq-len",
            "4096",
            "--global-batch",
            "64",
            "--search",
        ],
        "the smallest chip count at which a layout fits is",
    );
}

#[test]
fn validate_reports_every_case() {
    let v = json(&["validate"]);
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    assert!(cases.iter().all(|c| c["failure"].is_null()), "{cases:#?}");
    let inference = v["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "inference")
        .unwrap();
    assert!(inference["median_abs_error"].as_f64().unwrap() < 0.15);
    let text = ok(&["validate"]);
    assert!(text.contains("median |error|"));
    // The error bars every answer carries, one per regime, low <= median <= high.
    let bars = v["error_bars"].as_array().unwrap();
    let serving_bar = bars.iter().find(|b| b["group"] == "serving").unwrap();
    assert!(serving_bar["cases"].as_u64().unwrap() >= 10);
    for b in bars {
        let (lo, mid, hi) = (
            b["low"].as_f64().unwrap(),
            b["median"].as_f64().unwrap(),
            b["high"].as_f64().unwrap(),
        );
        assert!(0.0 < lo && lo <= mid && mid <= hi, "{b}");
    }
    assert!(text.contains("error bars by regime"));
    // The serving family: reported apart, every case predicted, a summary per engine.
    let serving = &v["serving"];
    let cases = serving["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    assert!(cases.iter().all(|c| c["failure"].is_null()), "{cases:#?}");
    let engines: Vec<&str> = serving["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["engine"].as_str().unwrap())
        .collect();
    assert_eq!(engines, ["vllm", "sglang", "trtllm", "all", "not fitted"]);
    // The cases a parameter was fitted to are marked, named and counted apart.
    let fitted = cases.iter().filter(|c| c["fitted"].is_string()).count();
    assert!(fitted > 0 && fitted < cases.len());
    let not_fitted = &serving["summary"][4];
    assert_eq!(
        not_fitted["cases"].as_u64().unwrap() as usize,
        cases.len() - fitted
    );
    assert!(text.contains("the cases marked † fixed a named parameter"));
    assert!(text.contains("† fitted: these cases fixed EAGER_LAUNCH"));
}
