//! JSON snapshots of `infer`, `train` and `sweep`: the field names, nesting and numbers of the
//! JSON contract, so a change to the views or the physics shows up as a reviewed diff.
//!
//! Keys are sorted (the snapshot reprints the parsed value) and wall-clock fields are removed.

use serde_json::Value;

use super::util::{json, ok};

/// The value pretty-printed with sorted keys, without the fields that measure this machine.
fn stable(mut v: Value) -> String {
    if let Some(o) = v.as_object_mut() {
        o.remove("search_time_s");
    }
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn infer_json_snapshot() {
    let v = json(&[
        "infer",
        "--chip",
        "h20",
        "--model",
        "mixtral-8x7b",
        "--tp",
        "4",
        "--ep",
        "4",
        "--dp",
        "2",
        "--weights",
        "fp8",
        "--input-len",
        "2048",
        "--output-len",
        "512",
        "--batch",
        "32",
    ]);
    insta::assert_snapshot!("infer_h20_mixtral", stable(v));
}

#[test]
fn train_json_snapshots() {
    let single = json(&[
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
        "256",
        "--tp",
        "8",
        "--pp",
        "2",
        "--recompute",
        "selective",
        "--tokens",
        "1e12",
    ]);
    insta::assert_snapshot!("train_h100_single", stable(single));
    let search = json(&[
        "train",
        "--chip",
        "ascend-910b",
        "--chips",
        "32",
        "--model",
        "qwen3-30b-a3b",
        "--seq-len",
        "4096",
        "--global-batch",
        "128",
        "--search",
    ]);
    insta::assert_snapshot!("train_910b_search", stable(search));
}

#[test]
fn sweep_json_lines_snapshot() {
    let out = ok(&[
        "sweep",
        "--chip",
        "h100-sxm,mi300x",
        "--model",
        "llama-3.1-8b",
        "--batch",
        "1,max",
        "--tp",
        "1,3",
        "--format",
        "json",
    ]);
    let lines: Vec<String> = out
        .lines()
        .map(|l| stable(serde_json::from_str(l).unwrap()))
        .collect();
    insta::assert_snapshot!("sweep_infer_lines", lines.join("\n"));
    let csv = ok(&[
        "sweep",
        "--kind",
        "train",
        "--chip",
        "h20",
        "--model",
        "llama-3.1-8b",
        "--chip-count",
        "8,0",
    ]);
    insta::assert_snapshot!("sweep_train_csv", csv);
}

#[test]
fn serve_json_snapshot() {
    // A seeded open loop with varied lengths: every field of the contract, deterministic.
    let v = json(&[
        "serve",
        "--chip",
        "h200-sxm",
        "--model",
        "qwen3-30b-a3b",
        "--tp",
        "2",
        "--ep",
        "2",
        "--weights",
        "fp8",
        "--input-len",
        "2000",
        "--output-len",
        "300",
        "--length-range",
        "0.5",
        "--request-rate",
        "20",
        "--requests",
        "300",
        "--seed",
        "3",
        "--engine",
        "sglang",
        "--slo-ttft",
        "0.5",
        "--slo-tpot",
        "0.02",
    ]);
    insta::assert_snapshot!("serve_h200_qwen3_moe", stable(v));
}
