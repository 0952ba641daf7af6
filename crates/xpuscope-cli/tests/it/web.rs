//! `xpuscope web`: the real binary serves on a free loopback port, and every endpoint's JSON (and
//! every chart) equals what the CLI prints with `--format json` (or writes with `--svg`) for the
//! same inputs. The server is stopped with SIGTERM and must exit cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

use crate::util;

/// A running `xpuscope web`.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xpuscope"))
            .args(["web", "--bind", "127.0.0.1:0"])
            .env_remove("XPUSCOPE_CATALOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        BufReader::new(child.stderr.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .map(|a| format!("http://{a}"))
            .unwrap_or_else(|| panic!("no address in `{line}`"));
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Server { child, base, agent }
    }

    /// (status, body) of a GET.
    fn get(&self, path: &str) -> (u16, String) {
        let mut r = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    /// (status, body) of a JSON POST.
    fn post(&self, path: &str, body: &Value) -> (u16, String) {
        let mut r = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    /// Stops the server as a service manager would, and checks it exits cleanly.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "SIGTERM ends the server cleanly: {status}"
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failed assertion must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ok_json(s: &Server, (status, body): (u16, String), what: &str) -> Value {
    let _ = s;
    assert_eq!(status, 200, "{what}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"))
}

/// One endpoint and the command line that must print the same JSON.
struct Case {
    /// The command line, split at spaces.
    cli: &'static str,
    path: &'static str,
    body: Option<Value>,
}

fn cases() -> Vec<Case> {
    let c = |cli, path, body| Case { cli, path, body };
    vec![
        c("chips", "/api/chips", None),
        c("chip h20", "/api/chips/h20", None),
        c("models", "/api/models", None),
        c("model deepseek-v3", "/api/models/deepseek-v3", None),
        c(
            "export h20 --date 2025-08-01",
            "/api/export/h20?date=2025-08-01",
            None,
        ),
        c(
            "export h100-sxm --timeline",
            "/api/export/h100-sxm/timeline",
            None,
        ),
        c(
            "infer --chip h100-sxm --model llama-3.1-70b --tp 4 --weights fp8 --input-len 2048 --output-len 256 --batch 16",
            "/api/infer",
            Some(
                json!({"chip": "h100-sxm", "model": "llama-3.1-70b", "options":
                {"tp": 4, "weights": "fp8", "input_len": 2048, "output_len": 256, "batch": 16}}),
            ),
        ),
        c(
            "infer --chip h20 --model deepseek-v3 --tp 8 --ep 8 --weights fp8 --kv-cache fp8 --input-len 1024 --output-len 512 --batch max",
            "/api/infer",
            Some(
                json!({"chip": "h20", "model": "deepseek-v3", "options": {"tp": 8, "ep": 8,
                "weights": "fp8", "kv_cache": "fp8", "input_len": 1024, "output_len": 512,
                "batch": "max"}}),
            ),
        ),
        c(
            "serve --chip h100-sxm --model llama-3.1-8b --input-len 512 --output-len 128 --concurrency 16 --requests 200 --slo-ttft 0.5 --slo-tpot 0.05",
            "/api/serve",
            Some(
                json!({"chip": "h100-sxm", "model": "llama-3.1-8b", "options": {
                "deployment": {"input_len": 512, "output_len": 128}, "concurrency": 16,
                "requests": 200, "slo_ttft": 0.5, "slo_tpot": 0.05}}),
            ),
        ),
        c(
            "serve --chip h20 --model llama-3.1-8b --engine sglang --input-len 1024 --output-len 64 --request-rate 4 --requests 100 --seed 7 --length-range 0.5",
            "/api/serve",
            Some(
                json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"engine": "sglang",
                "deployment": {"input_len": 1024, "output_len": 64}, "request_rate": 4.0,
                "requests": 100, "seed": 7, "length_range": 0.5}}),
            ),
        ),
        c(
            "train --chip h100-sxm --chips 16 --model llama-3.1-8b --tp 2 --seq-len 4096 --global-batch 64 --tokens 1e11",
            "/api/train",
            Some(
                json!({"chip": "h100-sxm", "model": "llama-3.1-8b", "options": {"chips": 16,
                "tp": 2, "seq_len": 4096, "global_batch": 64, "tokens": 1e11}}),
            ),
        ),
        c(
            "train --chip h20 --chips 8 --model llama-3.1-8b --seq-len 2048 --global-batch 32 --search",
            "/api/train",
            Some(
                json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"chips": 8,
                "seq_len": 2048, "global_batch": 32, "search": true}}),
            ),
        ),
        c(
            "compare h100-sxm h20 ascend-910b --model llama-3.1-8b",
            "/api/compare",
            Some(json!({"chips": ["h100-sxm", "h20", "ascend-910b"], "model": "llama-3.1-8b"})),
        ),
        c(
            "plan --model llama-3.1-8b --chip h100-sxm,h20 --input-len 1000 --output-len 200 --request-rate 5 --slo-ttft 1 --slo-tpot 0.03 --engine vllm --buyable-in CN --date 2025-08-01",
            "/api/plan",
            Some(
                json!({"model": "llama-3.1-8b", "options": {"chips": ["h100-sxm", "h20"],
                "input_len": 1000, "output_len": 200, "request_rate": 5.0, "slo_ttft": 1.0,
                "slo_tpot": 0.03, "engines": ["vllm"], "buyable_in": "CN", "date": "2025-08-01"}}),
            ),
        ),
        c(
            "roofline h100-sxm h20 --batch 4",
            "/api/roofline",
            Some(json!({"chips": ["h100-sxm", "h20"], "options": {"batch": 4}})),
        ),
    ]
}

/// The path of the first value where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{at}.{k}")),
                _ => Some(format!("{at}.{k} (present on one side only)")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}

/// A file under the target directory for the CLI's charts.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("xpuscope-web-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn every_endpoint_answers_what_the_cli_prints() {
    let s = Server::start();
    for case in cases() {
        let args: Vec<&str> = case.cli.split_whitespace().collect();
        let cli = util::json(&args);
        let got = match &case.body {
            None => s.get(case.path),
            Some(b) => s.post(case.path, b),
        };
        let (mut api, mut cli) = (ok_json(&s, got, case.path), cli);
        // The only field that may differ: how long a layout search took on the wall clock.
        for v in [&mut api, &mut cli] {
            if let Some(o) = v.as_object_mut() {
                o.remove("search_time_s");
            }
        }
        if let Some(at) = first_difference(&api, &cli, "") {
            panic!(
                "{} differs from `xpuscope {}` at `{at}`",
                case.path, case.cli
            );
        }
    }

    // The charts are the CLI's files, byte for byte.
    let bars = scratch("compare.svg");
    util::ok(&[
        "compare",
        "h100-sxm",
        "h20",
        "--svg",
        bars.to_str().unwrap(),
    ]);
    let (status, svg) = s.post(
        "/api/compare/chart.svg",
        &json!({"chips": ["h100-sxm", "h20"]}),
    );
    assert_eq!(status, 200);
    assert_eq!(svg, std::fs::read_to_string(&bars).unwrap());

    let roof = scratch("roofline.svg");
    util::ok(&["roofline", "h20", "gaudi3", "--svg", roof.to_str().unwrap()]);
    let (status, svg) = s.post(
        "/api/roofline/chart.svg",
        &json!({"chips": ["h20", "gaudi3"]}),
    );
    assert_eq!(status, 200);
    assert_eq!(svg, std::fs::read_to_string(&roof).unwrap());

    let serve = json!({"chip": "h100-sxm", "model": "llama-3.1-8b", "options": {
        "deployment": {"input_len": 256, "output_len": 64}, "concurrency": 8, "requests": 50}});
    let args = [
        "serve",
        "--chip",
        "h100-sxm",
        "--model",
        "llama-3.1-8b",
        "--input-len",
        "256",
        "--output-len",
        "64",
        "--concurrency",
        "8",
        "--requests",
        "50",
        "--timeline",
    ];
    for ext in ["svg", "csv"] {
        let file = scratch(&format!("timeline.{ext}"));
        let mut a = args.to_vec();
        a.push(file.to_str().unwrap());
        util::ok(&a);
        let (status, text) = s.post(&format!("/api/serve/timeline.{ext}"), &serve);
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            text,
            std::fs::read_to_string(&file).unwrap(),
            "timeline.{ext}"
        );
    }
    let _ = std::fs::remove_dir_all(scratch("x").parent().unwrap());
    s.stop();
}

#[test]
fn a_mistake_is_a_4xx_with_the_cli_sentence_and_the_field() {
    let s = Server::start();
    // The same sentence the CLI prints, for the same mistake.
    let args: Vec<&str> = "infer --chip h10 --model llama-3.1-8b --input-len 1 --output-len 1"
        .split_whitespace()
        .collect();
    let (code, _, err) = util::run(&args);
    assert_eq!(code, 2);
    let (status, body) = s.post(
        "/api/infer",
        &json!({"chip": "h10", "model": "llama-3.1-8b", "options": {"input_len": 1, "output_len": 1}}),
    );
    assert_eq!(status, 422, "{body}");
    let e: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["field"], "chip");
    let sentence = e["error"].as_str().unwrap();
    assert!(sentence.contains("did you mean"), "{sentence}");
    assert!(err.contains(sentence), "CLI `{err}` vs API `{sentence}`");

    for (path, body, field, want) in [
        (
            "/api/infer",
            json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"output_len": 2}}),
            "input_len",
            "--input-len is required",
        ),
        (
            "/api/infer",
            json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"input_len": 2, "output_len": 2, "batch": "lots"}}),
            "batch",
            "`lots`",
        ),
        (
            "/api/infer",
            json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"input_lem": 2}}),
            "options.input_lem",
            "unknown field",
        ),
        (
            "/api/serve",
            json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"deployment": {"input_len": 8, "output_len": 8}, "concurrency": 0}}),
            "concurrency",
            "at least 1",
        ),
        (
            "/api/serve",
            json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"deployment": {"input_len": 8, "output_len": 8}, "concurrency": 4, "requests": 1_000_000_000u64}}),
            "requests",
            "at most",
        ),
        (
            "/api/compare",
            json!({"chips": ["h20"]}),
            "chips",
            "give 2 to 8",
        ),
        (
            "/api/compare",
            json!({"chips": ["h20", "h2O"]}),
            "chips[1]",
            "no chip",
        ),
        (
            "/api/train",
            json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"chips": 12, "seq_len": 4096, "global_batch": 64, "tp": 8}}),
            "tp",
            "does not divide",
        ),
    ] {
        let (status, text) = s.post(path, &body);
        assert_eq!(status, 422, "{path} {body}: {text}");
        let e: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(e["field"], field, "{text}");
        assert!(e["error"].as_str().unwrap().contains(want), "{text}");
    }
    let (status, text) = s.get("/api/chips/h2O");
    assert_eq!(status, 404, "{text}");
    let (status, text) = s.get("/api/export/h20?date=2025-13-01");
    assert_eq!(status, 422, "{text}");
    let (status, text) = s.get("/api/nothing");
    assert_eq!(status, 404, "{text}");
    assert!(text.contains("openapi.json"), "{text}");
    s.stop();
}
