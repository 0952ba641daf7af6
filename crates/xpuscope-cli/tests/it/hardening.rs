//! Bad input that used to be accepted or answered wrongly: each now gets one clear sentence.

use super::util::fails;

#[test]
fn numbers_out_of_range_are_refused() {
    let infer = |batch: &str| {
        vec![
            "infer".to_string(),
            "--chip".into(),
            "h100-sxm".into(),
            "--model".into(),
            "llama-3.1-8b".into(),
            "--input-len".into(),
            "128".into(),
            "--output-len".into(),
            "16".into(),
            "--batch".into(),
            batch.to_string(),
        ]
    };
    let run = |a: Vec<String>, want: &str| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        fails(&a, want);
    };
    // A negative number reaches our own check rather than clap's "unexpected argument".
    run(
        infer("-1"),
        "--batch `-1` is not a positive whole number or `max`",
    );
    run(
        infer("18446744073709551615"),
        "more sequences than any deployment runs; at most 10000000",
    );
    fails(
        &["compare", "h100-sxm", "h20", "--train-tokens", "0"],
        "--train-tokens 0 must be a positive number of tokens",
    );
}

#[test]
fn a_catalogue_file_is_not_a_directory() {
    let file = super::util::repo().join("catalog/chips/h20.toml");
    fails(
        &["--catalog", file.to_str().unwrap(), "chips"],
        "is a file; --catalog (and XPUSCOPE_CATALOG) takes a directory",
    );
}

#[test]
fn counts_too_large_for_any_model_do_not_wrap() {
    let dir = std::env::temp_dir().join(format!("xpuscope-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.json");
    std::fs::write(
        &cfg,
        r#"{"architectures":["LlamaForCausalLM"],"num_hidden_layers":4294967296,"hidden_size":4096,"num_attention_heads":32,"num_key_value_heads":8,"intermediate_size":14336,"vocab_size":128256,"max_position_embeddings":8192}"#,
    )
    .unwrap();
    fails(
        &["model", cfg.to_str().unwrap()],
        "`num_hidden_layers` 4294967296 is larger than any model has",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_training_layout_that_does_not_fit_is_not_an_answer() {
    fails(
        &[
            "train",
            "--chip",
            "h100-sxm",
            "--chips",
            "8",
            "--model",
            "llama-3.1-70b",
            "--seq-len",
            "4096",
            "--global-batch",
            "64",
        ],
        "does not fit: it needs",
    );
    fails(
        &[
            "train",
            "--chip",
            "h100-sxm",
            "--chips",
            "8",
            "--model",
            "llama-3.1-70b",
            "--seq-len",
            "4096",
            "--global-batch",
            "64",
        ],
        "add --search to find a layout that fits",
    );
}

#[test]
fn a_cap_is_reported_as_a_cap() {
    let v = super::util::json(&[
        "infer",
        "--chip",
        "h100-sxm",
        "--model",
        "llama-3.1-8b",
        "--input-len",
        "128",
        "--output-len",
        "16",
        "--batch",
        "5000",
    ]);
    // 5,000 do not fit, and the largest that does is the memory's limit, past the 2,048 cap.
    assert_eq!(v["fits"], false);
    assert!(
        v["max_batch_that_fits"].as_u64().unwrap() > 2048,
        "{}",
        v["max_batch_that_fits"]
    );
    let v = super::util::json(&[
        "infer",
        "--chip",
        "h200-sxm",
        "--model",
        "llama-3.1-8b",
        "--input-len",
        "128",
        "--output-len",
        "16",
        "--batch",
        "max",
    ]);
    assert_eq!(v["batch"], 2048);
    let notes = v["notes"].to_string();
    assert!(notes.contains("is the --max-batch cap"), "{notes}");
}

#[test]
fn every_number_that_enters_is_in_range() {
    fails(
        &["export", "h20", "--set", "fp8_tflops=1e308"],
        "`1e308` is beyond any chip",
    );
    fails(
        &[
            "export",
            "h20",
            "--set",
            "bf16_tflops=100",
            "--set",
            "bf16_tflops=200",
        ],
        "--set `bf16_tflops` is given twice",
    );
    let dir = std::env::temp_dir().join(format!("xpuscope-range-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let h20 = std::fs::read_to_string(super::util::repo().join("catalog/chips/h20.toml")).unwrap();
    let huge: String = h20
        .lines()
        .map(|l| {
            if l.starts_with("memory_bandwidth_gbs") {
                "memory_bandwidth_gbs = 1e308".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("h20.toml"), huge).unwrap();
    fails(
        &["--catalog", dir.to_str().unwrap(), "chip", "h20"],
        "`memory_bandwidth_gbs` 1e308 is beyond any chip",
    );
    let claims = dir.join("claims.toml");
    std::fs::write(
        &claims,
        "title = \"t\"\n[[claim]]\nid = \"x\"\nsaid = \"y\"\n[[claim.check]]\nkind = \"ratio\"\nchip = \"h20\"\nbaseline = \"h100-sxm\"\non = [\"spec:bf16\"]\nrange = [nan, inf]\n",
    )
    .unwrap();
    fails(
        &["claims", claims.to_str().unwrap()],
        "must be two finite, non-negative ratios",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_labels_the_batch_that_runs() {
    let out = super::util::ok(&["compare", "h100-sxm", "h20", "--chips", "3"]);
    // Three chips of one replica each split batches three ways: 64 runs as 66.
    assert!(out.contains("decode bs66 (TPOT)"), "{out}");
    assert!(!out.contains("TTFT (s)"), "{out}");
}

#[test]
fn one_chip_in_two_user_catalogues_is_ambiguous() {
    let base = std::env::temp_dir().join(format!("xpuscope-twice-{}", std::process::id()));
    let (a, b) = (base.join("a"), base.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let h20 = super::util::repo().join("catalog/chips/h20.toml");
    std::fs::copy(&h20, a.join("h20.toml")).unwrap();
    std::fs::copy(&h20, b.join("h20.toml")).unwrap();
    fails(
        &[
            "--catalog",
            a.to_str().unwrap(),
            "--catalog",
            b.to_str().unwrap(),
            "chip",
            "h20",
        ],
        "is also defined in",
    );
    // One user file overriding the built-in entry is what --catalog is for.
    super::util::ok(&["--catalog", a.to_str().unwrap(), "chip", "h20"]);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn endless_files_are_refused_at_a_size_limit() {
    // `/dev/zero` never ends: every file the tool reads stops at a limit and says so.
    fails(&["model", "/dev/zero"], "is larger than 16 MiB");
    fails(&["claims", "/dev/zero"], "is larger than 16 MiB");
}
