//! `chips`, `chip`, `models`, `model`, `--catalog` and config.json loading, through the binary.

use std::path::PathBuf;

use super::util::{fails, json, ok, repo, run, run_env};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("xpuscope-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn chip_h20_spec_sheet() {
    insta::assert_snapshot!("chip_h20_text", ok(&["chip", "h20"]));
}

#[test]
fn chip_h20_json() {
    let v = json(&["chip", "h20"]);
    insta::assert_snapshot!("chip_h20_json", serde_json::to_string_pretty(&v).unwrap());
    // The contract: id, name, vendor, unit-suffixed numbers, a non-empty source list.
    assert_eq!(v["id"], "h20");
    assert_eq!(v["vendor"], "NVIDIA");
    assert_eq!(v["dense_flops_per_s"]["bf16"], 148e12);
    assert_eq!(v["memory_bandwidth_bytes_per_s"], 4e12);
    assert!(!v["sources"].as_array().unwrap().is_empty());
}

#[test]
fn every_chip_and_model_in_json_has_the_contract_fields() {
    let chips = json(&["chips"]);
    let chips = chips.as_array().unwrap();
    assert!(chips.len() >= 30);
    for c in chips {
        for f in ["id", "name", "vendor"] {
            assert!(c[f].is_string(), "{c}");
        }
        assert!(!c["sources"].as_array().unwrap().is_empty(), "{}", c["id"]);
    }
    let models = json(&["models"]);
    let models = models.as_array().unwrap();
    assert!(models.len() >= 20);
    for m in models {
        assert!(m["parameters"].as_f64().unwrap() > 1e8, "{}", m["id"]);
        assert!(m["active_parameters"].as_f64().unwrap() <= m["parameters"].as_f64().unwrap());
    }
}

#[test]
fn tables_list_everything() {
    let out = ok(&["chips"]);
    assert!(out.contains("h20") && out.contains("ascend-910b") && out.contains("mtt-s4000"));
    let out = ok(&["models"]);
    assert!(out.contains("deepseek-v3") && out.contains("671B") && out.contains("36.6B"));
}

#[test]
fn unknown_ids_suggest_the_closest() {
    fails(&["chip", "h2O"], "no chip `h2O`; did you mean `h20`?");
    fails(&["model", "llama-3.1-7b"], "did you mean");
    fails(
        &[
            "infer",
            "--chip",
            "h100-sxn",
            "--model",
            "llama-3.1-8b",
            "--input-len",
            "1",
            "--output-len",
            "1",
        ],
        "did you mean `h100-sxm`?",
    );
}

#[test]
fn config_json_loads_like_a_catalogue_model() {
    let cfg = repo().join("testdata/hf-configs/llama-3.1-8b.json");
    let from_file = json(&["model", cfg.to_str().unwrap()]);
    let from_cat = json(&["model", "llama-3.1-8b"]);
    for f in [
        "parameters",
        "active_parameters",
        "layers",
        "hidden_size",
        "kv_heads",
        "ffn_size",
        "vocab_size",
    ] {
        assert_eq!(from_file[f], from_cat[f], "{f}");
    }
    let ds = json(&[
        "model",
        repo()
            .join("testdata/hf-configs/deepseek-v3.json")
            .to_str()
            .unwrap(),
    ]);
    assert!((ds["parameters"].as_f64().unwrap() / 671e9 - 1.0).abs() < 0.02);
    assert_eq!(ds["mla"]["kv_lora_rank"], 512);
    // And anywhere a model id is accepted.
    let out = ok(&[
        "infer",
        "--chip",
        "h100-sxm",
        "--model",
        cfg.to_str().unwrap(),
        "--input-len",
        "128",
        "--output-len",
        "8",
    ]);
    assert!(out.contains("TTFT"));
}

#[test]
fn config_json_errors_are_clear() {
    let d = temp_dir("hf");
    let bad = d.join("config.json");
    std::fs::write(&bad, "{\"architectures\": [\"MambaForCausalLM\"]}").unwrap();
    fails(
        &["model", bad.to_str().unwrap()],
        "architecture `MambaForCausalLM` is not supported",
    );
    std::fs::write(
        &bad,
        "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"hidden_size\": oops\n}",
    )
    .unwrap();
    fails(&["model", bad.to_str().unwrap()], "config.json:3:");
}

const USER_CHIP: &str = r#"
[[chip]]
id = "my-npu"
name = "My NPU"
vendor = "Acme"
source = "https://example.com/npu.pdf"
grade = "vendor"
memory_capacity_gib = 64
memory_bandwidth_gbs = 2000
tdp_w = 500
datacenter = true
die_area_mm2 = 600
[chip.dense]
bf16 = 400
fp8 = 800
"#;

#[test]
fn user_catalogue_adds_and_overrides() {
    let d = temp_dir("cat");
    std::fs::write(d.join("npu.toml"), USER_CHIP).unwrap();
    std::fs::write(
        d.join("h20.toml"),
        std::fs::read_to_string(repo().join("catalog/chips/h20.toml"))
            .unwrap()
            .replace("memory_bandwidth_gbs = 4000", "memory_bandwidth_gbs = 4800"),
    )
    .unwrap();
    let dir = d.to_str().unwrap();
    let v = json(&["--catalog", dir, "chip", "my-npu"]);
    assert_eq!(v["dense_flops_per_s"]["fp8"], 800e12);
    let h20 = json(&["--catalog", dir, "chip", "h20"]);
    assert_eq!(h20["memory_bandwidth_bytes_per_s"], 4.8e12);
    // The environment variable works the same way.
    let (code, out, err) = run_env(&["chip", "my-npu"], &[("XPUSCOPE_CATALOG", dir)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("My NPU"));
    // And the user's chip runs through the models.
    let out = ok(&[
        "--catalog",
        dir,
        "infer",
        "--chip",
        "my-npu",
        "--model",
        "llama-3.1-8b",
        "--input-len",
        "512",
        "--output-len",
        "64",
    ]);
    assert!(out.contains("TPOT"));
}

#[test]
fn malformed_user_files_report_every_problem_with_line_and_field() {
    let d = temp_dir("bad");
    let bad = USER_CHIP
        .replace("memory_bandwidth_gbs = 2000", "memory_bandwidth_gbs = -1")
        .replace("fp8 = 800", "fp8 = { value = 800, grade = \"guess\" }");
    std::fs::write(d.join("bad.toml"), bad).unwrap();
    std::fs::write(d.join("syntax.toml"), "[[chip]\nid = ").unwrap();
    let (code, out, err) = run(&["--catalog", d.to_str().unwrap(), "chips"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("3 problems"), "{err}");
    assert!(
        err.contains(
            "bad.toml:9: `my-npu`: field `memory_bandwidth_gbs` must be a positive number, got -1"
        ),
        "{err}"
    );
    assert!(
        err.contains("bad.toml:15: `my-npu`: field `dense.fp8` unknown grade `guess`"),
        "{err}"
    );
    assert!(err.contains("syntax.toml:1: is not valid"), "{err}");
    assert!(!err.contains("panicked"));
    fails(
        &["--catalog", "/nonexistent/dir", "chips"],
        "catalogue directory `/nonexistent/dir` does not exist",
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_xpuscope"))
        .args(["chips"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The ids of a `chips --format json` listing.
fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn chips_filter_by_vendor_case_insensitively_on_its_words() {
    let all = json(&["chips"]);
    let huawei: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["vendor"] == "Huawei (HiSilicon)")
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(huawei.len() >= 6, "{huawei:?}");
    // Exactly the Huawei chips, in catalogue order, whichever word or case names the vendor.
    for q in ["huawei", "HUAWEI", "HiSilicon", "Huawei (HiSilicon)"] {
        assert_eq!(ids(&json(&["chips", "--vendor", q])), huawei, "{q}");
    }
    assert_eq!(
        ids(&json(&["chips", "--vendor", "moore threads"])),
        ["mtt-s4000"]
    );
    // Words of the vendor must match whole: `moore` is a word, `moore thread` is not.
    assert_eq!(ids(&json(&["chips", "--vendor", "Moore"])), ["mtt-s4000"]);
    fails(
        &["chips", "--vendor", "moore thread"],
        "no chip from vendor `moore thread` in the catalogue; did you mean `Moore Threads`?",
    );
    fails(
        &["chips", "--vendor", "nvida"],
        "no chip from vendor `nvida` in the catalogue; did you mean `NVIDIA`?",
    );
}

#[test]
fn chips_filter_by_country_and_datacenter() {
    let all = json(&["chips"]);
    let all = all.as_array().unwrap();
    let cn = json(&["chips", "--country", "cn"]);
    assert_eq!(ids(&cn), ids(&json(&["chips", "--country", "China"])));
    let want = all.iter().filter(|c| c["country"] == "CN").count();
    assert_eq!(cn.as_array().unwrap().len(), want);
    assert!(want >= 15, "{want} chips from Chinese vendors");
    assert!(cn.as_array().unwrap().iter().all(|c| c["country"] == "CN"));
    fails(
        &["chips", "--country", "CM"],
        "no chip from country `CM` in the catalogue; did you mean `CN` (China)?",
    );

    let dc = json(&["chips", "--datacenter"]);
    let dc_ids = ids(&dc);
    let want: Vec<&str> = all
        .iter()
        .filter(|c| c["datacenter"] == true)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(dc_ids, want);
    assert!(!dc_ids.iter().any(|i| i == "rtx-5090d" || i == "rtx-4090"));
    assert!(dc_ids.len() < all.len());

    // Filters combine: Chinese datacenter parts from Huawei; no US chip is Huawei's.
    let both = ids(&json(&[
        "chips",
        "--vendor",
        "huawei",
        "--country",
        "CN",
        "--datacenter",
    ]));
    assert!(both.contains(&"ascend-910c".to_string()), "{both:?}");
    assert!(ids(&json(&["chips", "--vendor", "huawei", "--country", "us"])).is_empty());
}

#[test]
fn chips_csv_has_one_row_per_chip_with_unit_suffixed_headers() {
    let out = ok(&["chips", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for h in [
        "id",
        "country",
        "memory_capacity_gib",
        "memory_bandwidth_gbs",
        "bf16_tflops",
        "int8_tops",
        "scale_up_domain_chips",
        "tdp_w",
        "unmodelled",
    ] {
        assert!(headers.iter().any(|x| x == h), "no column {h}: {headers:?}");
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), json(&["chips"]).as_array().unwrap().len());
    let row = |id: &str| rows.iter().find(|r| &r[0] == id).unwrap();
    let num = |id: &str, c: &str| row(id)[col(c)].parse::<f64>().unwrap();
    // Values in the catalogue's units, read back from the typed view.
    assert_eq!(num("h20", "bf16_tflops"), 148.0);
    assert_eq!(num("h20", "memory_bandwidth_gbs"), 4000.0);
    assert_eq!(num("h20", "memory_capacity_gib"), 96.0);
    assert_eq!(num("h20", "scale_up_domain_chips"), 8.0);
    assert_eq!(num("gb300", "scale_up_domain_chips"), 72.0);
    assert_eq!(num("tpu-v5p", "scale_out_gbs"), 6.25);
    // Unknown is empty, not zero.
    assert_eq!(&row("cerebras-wse3")[col("bf16_tflops")], "");
    assert_eq!(&row("h20")[col("unmodelled")], "");
    assert!(row("groq-lpu")[col("unmodelled")].contains("SRAM"));
    // Filters apply to the CSV too.
    let cn = ok(&["chips", "--country", "CN", "--format", "csv"]);
    let n = csv::Reader::from_reader(cn.as_bytes()).records().count();
    assert_eq!(
        n,
        json(&["chips", "--country", "CN"])
            .as_array()
            .unwrap()
            .len()
    );
    fails(
        &["compare", "h100-sxm", "h20", "--format", "csv"],
        "--format csv is for `chips` and `sweep`",
    );
}

#[test]
fn unmodelled_chips_are_listed_but_not_priced() {
    let sheet = ok(&["chip", "groq-lpu"]);
    assert!(
        sheet.contains("not priced by the cost model: Groq's LPU"),
        "{sheet}"
    );
    assert!(ok(&["chips"]).contains("Not priced by the cost model"));
    fails(
        &[
            "infer",
            "--chip",
            "cerebras-wse3",
            "--model",
            "llama-3.1-8b",
            "--input-len",
            "1",
            "--output-len",
            "1",
        ],
        "`cerebras-wse3` cannot be priced by the cost model: The WSE-3 is a whole wafer",
    );
}
