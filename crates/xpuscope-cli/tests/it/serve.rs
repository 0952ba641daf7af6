//! `serve` through the real binary: the JSON contract, the text, and bad input.

use super::util::{fails, json, ok};

const BASE: &[&str] = &[
    "serve",
    "--chip",
    "h100-sxm",
    "--model",
    "llama-3.1-8b",
    "--weights",
    "fp8",
    "--input-len",
    "512",
    "--output-len",
    "128",
    "--requests",
    "200",
];

fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    BASE.iter().chain(extra).copied().collect()
}

#[test]
fn serve_json_contract() {
    let v = json(&with(&[
        "--concurrency",
        "32",
        "--slo-ttft",
        "1",
        "--slo-tpot",
        "0.05",
    ]));
    for k in [
        "chips",
        "requests",
        "duration_s",
        "output_tokens_per_s",
        "output_tokens_per_s_per_chip",
        "input_tokens_per_s",
        "requests_per_s",
        "goodput_requests_per_s",
        "steps",
        "preemptions",
        "kv_cache_peak_fraction",
        "mean_batch",
        "mean_tokens_per_step",
    ] {
        assert!(v[k].is_number(), "{k}: {}", v[k]);
    }
    for k in ["ttft_s", "tpot_s", "itl_s", "e2e_s"] {
        for p in ["mean", "p50", "p90", "p99"] {
            assert!(v[k][p].as_f64().unwrap() > 0.0, "{k}.{p}");
        }
    }
    assert_eq!(v["requests"], 200);
    // Closed loop at 32: the engine runs close to 32 sequences a step.
    let batch = v["mean_batch"].as_f64().unwrap();
    assert!(batch > 24.0 && batch <= 32.0, "{batch}");
    // Output rate = requests x output tokens / duration.
    let rate = 200.0 * 128.0 / v["duration_s"].as_f64().unwrap();
    assert!((v["output_tokens_per_s"].as_f64().unwrap() / rate - 1.0).abs() < 1e-9);
}

#[test]
fn serve_text_and_engines() {
    for engine in ["vllm", "sglang", "trtllm"] {
        let out = ok(&with(&["--concurrency", "16", "--engine", engine]));
        assert!(out.contains(&format!("{engine} engine")), "{out}");
        assert!(out.contains("TTFT") && out.contains("time bound"), "{out}");
    }
}

#[test]
fn serve_errors_are_one_sentence() {
    fails(
        &with(&["--concurrency", "0"]),
        "--concurrency must be at least 1",
    );
    fails(&with(&[]), "say how requests arrive");
    fails(
        &with(&["--offline", "--concurrency", "4"]),
        "--offline sends every request at once",
    );
    fails(
        &with(&["--request-rate=-3"]),
        "--request-rate -3 must be a positive number",
    );
    fails(
        &with(&["--concurrency", "4", "--length-range", "0"]),
        "--length-range 0 must be in (0, 1]",
    );
    fails(
        &[
            "serve",
            "--chip",
            "l4",
            "--model",
            "llama-3.1-8b",
            "--input-len",
            "200000",
            "--output-len",
            "10",
            "--concurrency",
            "1",
        ],
        "too few for one request",
    );
    fails(
        &[
            "serve",
            "--chip",
            "l4",
            "--model",
            "llama-3.1-70b",
            "--input-len",
            "100",
            "--output-len",
            "10",
            "--concurrency",
            "1",
        ],
        "leaves no room for a KV cache",
    );
}

#[test]
fn serve_replays_a_trace_by_column_name() {
    let dir = std::env::temp_dir().join(format!("xpuscope-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("azure.csv");
    std::fs::write(
        &csv,
        "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:50.99,396,109\n2023-11-16 18:15:51.10,1200,300\n",
    )
    .unwrap();
    let p = csv.to_str().unwrap();
    let v = json(&[
        "serve",
        "--chip",
        "h100-sxm",
        "--model",
        "llama-3.1-8b",
        "--trace",
        p,
    ]);
    assert_eq!(v["requests"], 3);
    // The last request arrives 4.42 s after the first and generates 300 tokens.
    assert!(v["duration_s"].as_f64().unwrap() > 4.42);
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "arrival_s,input_tokens,output_tokens\n0,-5,3\n").unwrap();
    let b = bad.to_str().unwrap();
    fails(
        &[
            "serve",
            "--chip",
            "h100-sxm",
            "--model",
            "llama-3.1-8b",
            "--trace",
            b,
        ],
        ":2: `input_tokens` is `-5`",
    );
    let missing = dir.join("missing.csv");
    std::fs::write(&missing, "arrival_s,input_tokens\n0,5\n").unwrap();
    let m = missing.to_str().unwrap();
    fails(
        &[
            "serve",
            "--chip",
            "h100-sxm",
            "--model",
            "llama-3.1-8b",
            "--trace",
            m,
        ],
        "no output-tokens column",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sweep_has_a_serving_mode() {
    let out = ok(&[
        "sweep",
        "--kind",
        "serve",
        "--chip",
        "h100-sxm,h20",
        "--model",
        "llama-3.1-8b",
        "--weights",
        "fp8",
        "--concurrency",
        "4,64",
        "--input-len",
        "256",
        "--output-len",
        "64",
        "--format",
        "json",
    ]);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    for chip in ["h100-sxm", "h20"] {
        let at = |c: u64| {
            rows.iter()
                .find(|r| r["chip"] == chip && r["concurrency"] == c)
                .unwrap()["output_tokens_per_s"]
                .as_f64()
                .unwrap()
        };
        // Sixteen times the requests in flight delivers more, but less than sixteen times more.
        assert!(
            at(64) > at(4) && at(64) < 16.0 * at(4),
            "{chip}: {} {}",
            at(4),
            at(64)
        );
    }
    fails(
        &[
            "sweep",
            "--kind",
            "serve",
            "--chip",
            "h100-sxm",
            "--model",
            "llama-3.1-8b",
            "--concurrency",
            "0",
        ],
        "--concurrency must be at least 1",
    );
}
