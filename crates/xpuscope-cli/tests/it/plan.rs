//! `plan` through the real binary: the worked example under the export filter, the
//! JSON contract, the chart, and bad input.

use super::util::{fails, json, ok};

const DEEPSEEK: &[&str] = &[
    "plan",
    "--model",
    "deepseek-r1",
    "--chip",
    "h20,h200-sxm,h100-sxm,ascend-910c,mi308x",
    "--input-len",
    "2000",
    "--output-len",
    "1000",
    "--request-rate",
    "20",
    "--slo-ttft",
    "2",
    "--slo-tpot",
    "0.05",
    "--buyable-in",
    "CN",
];

fn deepseek_on(date: &str) -> serde_json::Value {
    let mut args = DEEPSEEK.to_vec();
    args.extend(["--date", date]);
    json(&args)
}

fn ids(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .expect("a list")
        .iter()
        .map(|x| x["chip"].as_str().expect("chip").to_string())
        .collect()
}

#[test]
fn in_august_2025_the_h100_and_h200_are_excluded_and_the_rest_ranked() {
    let v = deepseek_on("2025-08-01");
    let excluded = ids(&v, "excluded");
    assert_eq!(excluded, vec!["h200-sxm", "h100-sxm"], "{v:#}");
    for x in v["excluded"].as_array().expect("list") {
        assert!(x["rule"].as_str().expect("rule").contains("88 FR 73458"));
        assert!(x["reason"].as_str().expect("reason").contains("3A090.a"));
    }
    let best = &v["best"];
    assert!(best["meets_slo"].as_bool().expect("bool"));
    assert!(best["ttft_s"].as_f64().expect("ttft") <= 2.0);
    assert!(best["tpot_s"].as_f64().expect("tpot") <= 0.05);
    let chip = best["chip"].as_str().expect("chip");
    assert!(!chip.contains("h100") && !chip.contains("h200"), "{chip}");
    // Every candidate: a fleet that adds up, a cost where the chip is priced, launch commands.
    let candidates = v["candidates"].as_array().expect("list");
    assert!(candidates.len() >= 2, "{v:#}");
    for c in candidates {
        let chips = c["chips"].as_u64().expect("chips");
        let pooled: u64 = c["pools"]
            .as_array()
            .expect("pools")
            .iter()
            .map(|p| p["chips"].as_u64().expect("chips"))
            .sum();
        assert_eq!(chips, pooled, "{c:#}");
        assert!(c["chips_text"]
            .as_str()
            .expect("text")
            .starts_with(&chips.to_string()));
        for p in c["pools"].as_array().expect("pools") {
            let cmd = p["launch"]["command"].as_str().expect("a launch command");
            assert!(cmd.contains("deepseek-ai/DeepSeek-R1"), "{cmd}");
        }
    }
    let h20 = candidates
        .iter()
        .find(|c| c["chip"] == "h20")
        .expect("an H20 fleet");
    assert!(
        h20["usd_per_million_output_tokens"]
            .as_f64()
            .expect("priced")
            > 0.0
    );
    assert!(v["admitted"]
        .as_array()
        .expect("list")
        .iter()
        .any(|a| a["chip"] == "h20" && a["licence"].as_str().expect("s").contains("licence")));
    assert!(!v["frontier"].as_array().expect("list").is_empty());
    assert!(v["search"]["simulated"].as_u64().expect("n") > 0);
    assert!(v["disclaimer"].as_str().is_some());
}

#[test]
fn in_may_2025_the_h20_is_excluded_by_its_licence_requirement() {
    let v = deepseek_on("2025-05-01");
    let h20 = v["excluded"]
        .as_array()
        .expect("list")
        .iter()
        .find(|x| x["chip"] == "h20")
        .expect("the H20 is excluded in May 2025")
        .clone();
    assert!(
        h20["rule"].as_str().expect("rule").contains("H20 letter"),
        "{h20:#}"
    );
    assert!(
        h20["reason"].as_str().expect("reason").contains("licence"),
        "{h20:#}"
    );
    assert!(ids(&v, "candidates").iter().all(|c| !c.contains("h20")));
}

#[test]
fn the_text_names_the_best_fleet_and_its_launch_command_and_the_chart_is_written() {
    let dir = std::env::temp_dir().join(format!("xpuscope-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let svg = dir.join("pareto.svg");
    let svg_s = svg.to_str().expect("utf-8").to_string();
    let out = ok(&[
        "plan",
        "--model",
        "llama-3.1-8b",
        "--chip",
        "h100-sxm,l40s",
        "--input-len",
        "1000",
        "--output-len",
        "200",
        "--request-rate",
        "5",
        "--slo-ttft",
        "1",
        "--slo-tpot",
        "0.03",
        "--engine",
        "vllm",
        "--svg",
        &svg_s,
    ]);
    assert!(out.contains("best: h100-sxm"), "{out}");
    assert!(out.contains("vllm serve meta-llama/"), "{out}");
    assert!(out.contains("searched "), "{out}");
    let chart = std::fs::read_to_string(&svg).expect("chart written");
    assert!(chart.contains("class=\"frontier\"") && chart.contains("TPOT target"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_slo_nothing_meets_says_what_binds() {
    let out = ok(&[
        "plan",
        "--model",
        "llama-3.1-70b",
        "--chip",
        "h100-sxm",
        "--input-len",
        "1000",
        "--output-len",
        "200",
        "--request-rate",
        "1",
        "--slo-ttft",
        "2",
        "--slo-tpot",
        "0.0001",
        "--engine",
        "vllm",
    ]);
    assert!(out.contains("no candidate meets the SLO"), "{out}");
    assert!(
        out.contains("tpot binds") && out.contains("--slo-tpot"),
        "{out}"
    );
}

#[test]
fn bad_plan_input_gets_one_sentence() {
    let base = [
        "plan",
        "--model",
        "llama-3.1-8b",
        "--chip",
        "h100-sxm",
        "--input-len",
        "100",
        "--output-len",
        "100",
        "--slo-ttft",
        "1",
        "--slo-tpot",
        "0.05",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().chain(extra).copied().collect()
    };
    fails(&with(&["--request-rate", "0"]), "must be a positive number");
    fails(
        &with(&["--request-rate", "1", "--percentile", "100"]),
        "--percentile",
    );
    fails(
        &with(&["--request-rate", "1", "--engine", "tgi"]),
        "not one of vllm, sglang, trtllm",
    );
    fails(
        &with(&[
            "--request-rate",
            "1",
            "--buyable-in",
            "CN",
            "--date",
            "2025-13-01",
        ]),
        "2025-13-01",
    );
    fails(
        &with(&[
            "--request-rate",
            "1",
            "--buyable-in",
            "XX1",
            "--date",
            "2025-08-01",
        ]),
        "XX1",
    );
    fails(
        &with(&["--request-rate", "1", "--max-chips", "0"]),
        "--max-chips",
    );
    fails(
        &[
            "plan",
            "--model",
            "llama-3.1-8b",
            "--chip",
            "h100-sxn",
            "--input-len",
            "1",
            "--output-len",
            "1",
            "--request-rate",
            "1",
            "--slo-ttft",
            "1",
            "--slo-tpot",
            "1",
        ],
        "h100-sxm",
    );
}
