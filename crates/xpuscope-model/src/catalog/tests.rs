//! Tests of loading, validation and lookup, driven by small catalogue texts.

use super::*;
use crate::{Grade, Precision, Source};

fn load(text: &str) -> Result<Catalog, CatalogError> {
    Catalog::from_files(&[CatalogFile {
        path: "user/x.toml".into(),
        text: text.into(),
        builtin: false,
    }])
}

/// Asserts that loading `text` fails with exactly the issues whose rendered forms contain `expect`.
fn check_err(text: &str, expect: &[&str]) {
    let err = load(text).expect_err("catalogue should be refused");
    let got: Vec<String> = err.issues.iter().map(ToString::to_string).collect();
    assert_eq!(got.len(), expect.len(), "issues: {got:#?}");
    for (g, e) in got.iter().zip(expect) {
        assert!(g.contains(e), "issue `{g}` should contain `{e}`");
    }
}

const GOOD: &str = r#"
[[chip]]
id = "toy"
name = "Toy"
vendor = "Acme"
source = "ds"
grade = "vendor"
memory_capacity_gib = 16
memory_bandwidth_gbs = 1000
[chip.dense]
bf16 = 100
fp8 = { value = 200, grade = "derived", note = "400 sparse, halved" }
[chip.sources]
ds = "https://example.com/toy.pdf"
"#;

#[test]
fn good_entry_loads_with_provenance() {
    let cat = load(GOOD).unwrap();
    let chip = cat.chip("toy").unwrap();
    let fp8 = chip.peak_sourced(Precision::Fp8).unwrap();
    assert_eq!(fp8.value.tflops(), 200.0);
    assert_eq!(fp8.grade, Grade::Derived);
    assert_eq!(fp8.source.location, "https://example.com/toy.pdf");
    assert_eq!(chip.peak(Precision::Bf16).unwrap().tflops(), 100.0);
    assert!((chip.capacity().unwrap().gib() - 16.0).abs() < 1e-9);
}

#[test]
fn country_and_unmodelled_are_read_and_checked() {
    let text = GOOD.replace(
        "vendor = \"Acme\"",
        "vendor = \"Acme\"\ncountry = \"CN\"\nunmodelled = \"An SRAM-only wafer the cost model does not describe.\"",
    );
    let cat = load(&text).unwrap();
    let chip = cat.chip("toy").unwrap();
    assert_eq!(chip.country.as_deref(), Some("CN"));
    assert!(chip
        .unmodelled
        .as_deref()
        .unwrap()
        .starts_with("An SRAM-only"));
    assert_eq!(load(GOOD).unwrap().chip("toy").unwrap().country, None);
    check_err(
        &GOOD.replace(
            "vendor = \"Acme\"",
            "vendor = \"Acme\"\ncountry = \"China\"",
        ),
        &["x.toml:6: `toy`: field `country` `China` is not an ISO 3166-1 alpha-2 code"],
    );
    check_err(
        &GOOD.replace("vendor = \"Acme\"", "vendor = \"Acme\"\nunmodelled = \" \""),
        &["field `unmodelled` must say in a sentence why the cost model cannot price the chip"],
    );
}

#[test]
fn every_problem_is_reported_with_line_and_field() {
    let text = r#"
[[chip]]
id = "bad"
name = "Bad"
vendor = "Acme"
source = "ds"
grade = "vendor"
memory_bandwidth_gbs = -5
tdp_w = "hot"
[chip.dense]
bf16 = { value = 100, grade = "rumour" }
fp8 = { value = 50, source = "nowhere" }
[chip.sources]
ds = "https://example.com"
"#;
    check_err(
        text,
        &[
            "user/x.toml:8: `bad`: field `memory_bandwidth_gbs` must be a positive number, got -5",
            "user/x.toml:9: `bad`: field `tdp_w` must be a number, got a string",
            "user/x.toml:11: `bad`: field `dense.bf16` unknown grade `rumour`",
            "user/x.toml:12: `bad`: field `dense.fp8` source `nowhere` is not a key",
        ],
    );
}

#[test]
fn sparse_looking_figures_are_caught() {
    let text = GOOD.replace("bf16 = 100", "bf16 = 300");
    check_err(
        &text,
        &["field `dense.fp8` is 200.0 TFLOPS, below dense.bf16 (300.0)"],
    );
}

#[test]
fn derived_values_need_a_note() {
    let text = GOOD.replace(", note = \"400 sparse, halved\"", "");
    check_err(
        &text,
        &["`dense.fp8` is graded `derived` but has no `note`"],
    );
}

#[test]
fn unknown_fields_and_syntax_errors_name_the_line() {
    // An unknown key is one more problem, reported with the others, at its line.
    check_err(
        "[[chip]]\nid = \"x\"\nspeed = 3\n[chip.dense]\nfp9 = 1\n",
        &[
            "field `name` is required",
            "field `vendor` is required",
            "user/x.toml:3: `x`: has an unknown field `speed`",
            "user/x.toml:5: `x`: has an unknown field `dense.fp9`",
        ],
    );
    check_err("[[chip]\nid = 1", &["user/x.toml:1: is not valid"]);
}

#[test]
fn missing_required_fields_are_listed() {
    check_err(
        "[[chip]]\nid = \"x\"\n",
        &["field `name` is required", "field `vendor` is required"],
    );
}

#[test]
fn later_files_override_earlier_ones() {
    let a = CatalogFile {
        path: "a.toml".into(),
        text: GOOD.into(),
        builtin: true,
    };
    let b = CatalogFile {
        path: "b.toml".into(),
        text: GOOD.replace("bf16 = 100", "bf16 = 150"),
        builtin: false,
    };
    let cat = Catalog::from_files(&[a, b]).unwrap();
    assert_eq!(cat.chips().len(), 1);
    let chip = cat.chip("toy").unwrap();
    assert_eq!(chip.peak(Precision::Bf16).unwrap().tflops(), 150.0);
    assert_eq!(chip.origin.file, "b.toml");
}

/// The H20 has no all-reduce table but the H100's NVLink: it borrows the H100's figures,
/// graded as an estimate that names its donor; an AMD chip borrows nothing from NVIDIA's.
#[test]
fn a_twin_without_an_allreduce_table_borrows_its_twins() {
    let cat = Catalog::builtin_shared();
    let h100 = cat.chip("h100-sxm").unwrap().allreduce_figures(8).unwrap();
    let h20 = cat.chip("h20").unwrap().allreduce_figures(8).unwrap();
    assert_eq!(h20.curve, h100.curve);
    assert_eq!(h100.grade, crate::sourced::Grade::Derived);
    assert_eq!(h20.grade, crate::sourced::Grade::Estimate);
    assert!(
        h20.source.contains("as measured on `h100-sxm`"),
        "{}",
        h20.source
    );
    assert!(cat.chip("mi300x").unwrap().allreduce.is_empty());
}

#[test]
fn allreduce_figures_attach_to_their_chip_and_are_checked() {
    let good = format!(
        "{GOOD}\n[[allreduce]]\nchip = \"toy\"\ngpus = 8\nsmall_us = 3.5\nlatency_us = 15\nbandwidth_gbs = 190\ngrade = \"derived\"\nsource = \"a table\"\n"
    );
    let cat = load(&good).unwrap();
    let a = cat.chip("toy").unwrap().allreduce_figures(8).unwrap();
    assert_eq!(a.gpus, 8);
    let a = &a.curve;
    assert!((a.latency.us() - 15.0).abs() < 1e-9 && (a.small.us() - 3.5).abs() < 1e-9);
    // 19 MB on the line: 15 us then 190 GB/s; 1 KB at the small-message time; between 64 and 256
    // KiB the curve climbs from one to the other, continuously.
    assert!((a.time(19e6).us() - 115.0).abs() < 1e-9);
    assert!((a.time(1e3).us() - 3.5).abs() < 1e-9);
    let (lo, hi) = (a.time(65_536.0).us(), a.time(262_144.0).us());
    assert!((lo - 3.5).abs() < 1e-9 && (hi - (15.0 + 262_144.0 / 190e3)).abs() < 1e-9);
    let mid = a.time(131_072.0).us();
    assert!(mid > lo && mid < hi, "{lo} {mid} {hi}");
    assert!(cat.chip("toy").unwrap().allreduce_figures(4).is_none());
    check_err(
        &good
            .replace("gpus = 8", "gpus = 1")
            .replace("bandwidth_gbs = 190", "bandwidth_gbs = -2"),
        &[
            "`allreduce toy`: field `gpus` is 1; an all-reduce needs at least 2 chips",
            "`allreduce toy`: field `bandwidth_gbs` is -2; it must be a positive number",
        ],
    );
    check_err(
        &good.replace("chip = \"toy\"\ngpus", "chip = \"tyo\"\ngpus"),
        &["field `chip` `tyo` is not a chip in the catalogue; did you mean `toy`?"],
    );
}

#[test]
fn gemm_figures_attach_to_their_chip_and_are_checked() {
    let good = format!(
        "{GOOD}\n[[gemm]]\nchip = \"toy\"\nprecision = \"bf16\"\ncompute = 0.7\nmemory = 0.8\nfixed_us = 3.0\ngrade = \"derived\"\nsource = \"a table\"\n"
    );
    let cat = load(&good).unwrap();
    let g = cat
        .chip("toy")
        .unwrap()
        .gemm_figures(Precision::Bf16)
        .unwrap();
    assert_eq!(
        (g.compute, g.memory, g.fixed.map(crate::units::Seconds::us)),
        (0.7, Some(0.8), Some(3.0))
    );
    // A large-GEMM measurement alone leaves the small-M figures to the chip's others.
    let compute_only = good
        .replace("memory = 0.8\n", "")
        .replace("fixed_us = 3.0\n", "");
    let cat2 = load(&compute_only).unwrap();
    let g2 = cat2
        .chip("toy")
        .unwrap()
        .gemm_figures(Precision::Bf16)
        .unwrap();
    assert_eq!((g2.memory, g2.fixed), (None, None));
    assert!(cat
        .chip("toy")
        .unwrap()
        .gemm_figures(Precision::Fp8)
        .is_none());
    // A later entry for the same chip and precision replaces the earlier one.
    let twice = format!("{good}\n[[gemm]]\nchip = \"toy\"\nprecision = \"bf16\"\ncompute = 0.5\nmemory = 0.8\nfixed_us = 3.0\ngrade = \"derived\"\nsource = \"b\"\n");
    let cat = load(&twice).unwrap();
    assert_eq!(cat.chip("toy").unwrap().gemm.len(), 1);
    assert_eq!(cat.chip("toy").unwrap().gemm[0].compute, 0.5);
    check_err(
        &good.replace("chip = \"toy\"\nprecision", "chip = \"tyo\"\nprecision"),
        &["x.toml:17: `gemm tyo`: field `chip` `tyo` is not a chip in the catalogue; did you mean `toy`?"],
    );
    check_err(
        &good
            .replace("compute = 0.7", "compute = 1.7")
            .replace("bf16\"\ncompute", "bf17\"\ncompute"),
        &[
            "x.toml:18: `gemm toy`: field `precision` `bf17` is not a precision",
            "x.toml:19: `gemm toy`: field `compute` is 1.7; a fraction",
        ],
    );
    check_err(
        &good
            .replace("fixed_us = 3.0\n", "fixed_us = -1\n")
            .replace("grade = \"derived\"\nsource", "source"),
        &[
            "field `grade` is required",
            "field `fixed_us` is -1; a per-launch time",
        ],
    );
}

#[test]
fn stream_figures_attach_to_their_chip_and_are_checked() {
    let good = format!(
        "{GOOD}\n[[stream]]\nchip = \"toy\"\nfraction = 0.75\ngrade = \"reported\"\nsource = \"a benchmark\"\n"
    );
    let cat = load(&good).unwrap();
    let s = cat.chip("toy").unwrap().stream.as_ref().unwrap();
    assert_eq!((s.fraction, s.grade), (0.75, Grade::Reported));
    check_err(
        &good.replace("fraction = 0.75", "fraction = 0"),
        &["x.toml:18: `stream toy`: field `fraction` is 0; a fraction"],
    );
    check_err(
        &good.replace("chip = \"toy\"\nfraction", "chip = \"tyo\"\nfraction"),
        &["`tyo` is not a chip in the catalogue; did you mean `toy`?"],
    );
}

#[test]
fn builtin_gemm_figures_are_the_fitted_tables() {
    let cat = Catalog::builtin_shared();
    let h100 = cat.chip("h100-sxm").unwrap();
    let g = h100
        .gemm_figures(Precision::Bf16)
        .expect("h100-sxm has a measured table");
    assert_eq!(g.grade, Grade::Derived);
    assert!(g.source.contains("aiconfigurator-core"), "{}", g.source);
    assert!((0.6..0.9).contains(&g.compute) && g.memory.is_some_and(|m| (0.6..0.95).contains(&m)));
    // Chips without a table (no AIConfigurator system) have none.
    assert!(cat.chip("h20").unwrap().gemm.is_empty());
}

#[test]
fn unknown_id_suggests_the_closest() {
    let cat = Catalog::builtin_shared();
    let e = cat.chip("h2O").unwrap_err();
    assert_eq!(e.to_string(), "no chip `h2O`; did you mean `h20`?");
    let e = cat.model("lama-3.1-70b").unwrap_err();
    assert!(e.to_string().contains("`llama-3.1-70b`"), "{e}");
    assert!(cat.chip("H100-SXM").is_ok(), "lookup ignores case");
}

#[test]
fn model_validation_checks_heads() {
    let text = r#"
[[model]]
id = "m"
source = "x"
layers = 2
hidden_size = 64
heads = 8
kv_heads = 3
ffn_size = 128
vocab_size = 10
max_context = 16
"#;
    check_err(
        text,
        &["user/x.toml:8: `m`: field `kv_heads` 3 does not divide heads (8)"],
    );
}

mod malformed_input_never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary text is refused or accepted, never a panic.
        #[test]
        fn arbitrary_text(text in "\\PC{0,400}") {
            let _ = load(&text);
        }

        /// A good file with a random slice cut out, or random bytes spliced in, never panics.
        #[test]
        fn mangled_good_file(cut in 0usize..400, len in 0usize..40, insert in "[\\[\\]={}\"a-z0-9.,\n -]{0,12}") {
            let mut s: String = GOOD.chars().collect();
            let start = cut.min(s.len());
            let end = (start + len).min(s.len());
            if s.is_char_boundary(start) && s.is_char_boundary(end) {
                s.replace_range(start..end, &insert);
            }
            let _ = load(&s);
        }
    }
}

/// Laws every entry of the built-in catalogue obeys.
mod builtin_laws {
    use super::*;

    const REQUIRED_CHIPS: &[&str] = &[
        "h20",
        "h100-sxm",
        "h100-pcie",
        "h800-sxm",
        "h200-sxm",
        "a100-sxm-80gb",
        "a800-sxm",
        "l20",
        "l2",
        "l40s",
        "rtx-4090",
        "rtx-4090d",
        "b200",
        "gb200",
        "mi300x",
        "mi325x",
        "mi250x",
        "gaudi2",
        "gaudi3",
        "tpu-v5e",
        "tpu-v5p",
        "tpu-v6e",
        "trainium2",
        "ascend-910b",
        "ascend-910c",
        "ascend-310p",
        "mlu370-x8",
        "mtt-s4000",
        "br100",
        "br104",
    ];
    const REQUIRED_MODELS: &[&str] = &[
        "llama-2-7b",
        "llama-2-13b",
        "llama-2-70b",
        "llama-3.1-8b",
        "llama-3.1-70b",
        "llama-3.3-70b",
        "llama-3.1-405b",
        "mistral-7b",
        "mixtral-8x7b",
        "mixtral-8x22b",
        "qwen2.5-72b",
        "qwen3-32b",
        "qwen3-30b-a3b",
        "qwen3-235b-a22b",
        "deepseek-v3",
        "deepseek-r1",
        "gpt-j-6b",
        "gpt-3-175b",
        "falcon-180b",
        "gpt-oss-120b",
    ];

    fn cat() -> &'static Catalog {
        Catalog::builtin_shared()
    }

    #[test]
    fn required_entries_are_present() {
        let cat = cat();
        for id in REQUIRED_CHIPS {
            assert!(cat.chip(id).is_ok(), "missing chip {id}");
        }
        for id in REQUIRED_MODELS {
            assert!(cat.model(id).is_ok(), "missing model {id}");
        }
        assert!(cat.chips().len() >= 30);
        assert!(cat.models().len() >= 20);
    }

    #[test]
    fn every_chip_value_has_a_source() {
        for c in cat().chips() {
            let mut n = 0;
            let mut check = |s: &Source| {
                n += 1;
                assert!(!s.location.trim().is_empty(), "{}: empty source", c.id);
            };
            for p in Precision::ALL {
                if let Some(v) = c.peak_sourced(p) {
                    check(&v.source);
                }
            }
            if let Some(s) = &c.memory_capacity {
                check(&s.source);
            }
            if let Some(s) = &c.memory_bandwidth {
                check(&s.source);
            }
            assert!(n > 0, "{} has no sourced numbers", c.id);
        }
    }

    #[test]
    fn chips_have_the_numbers_the_models_need() {
        // Chips the cost model does not price (on-die SRAM designs) hold figures outside what it
        // describes; they are checked by `unmodelled_chips_say_why` instead.
        for c in cat().chips().iter().filter(|c| c.unmodelled.is_none()) {
            let cap = c.capacity().map(crate::units::Bytes::gib);
            let bw = c.bandwidth().map(crate::units::BytesPerSecond::gbs);
            assert!(
                cap.is_none_or(|v| (1.0..=1024.0).contains(&v)),
                "{}: capacity {cap:?} GiB",
                c.id
            );
            assert!(
                bw.is_none_or(|v| (50.0..=20_000.0).contains(&v)),
                "{}: bandwidth {bw:?} GB/s",
                c.id
            );
            for p in Precision::ALL {
                if let Some(f) = c.peak(p) {
                    assert!(
                        f.tflops() < 25_000.0,
                        "{}: {p} {} TFLOPS is not a single chip",
                        c.id,
                        f.tflops()
                    );
                }
            }
        }
    }

    #[test]
    fn unmodelled_chips_say_why() {
        let unmodelled: Vec<_> = cat()
            .chips()
            .iter()
            .filter(|c| c.unmodelled.is_some())
            .collect();
        // Groq's LPU and Cerebras's WSE-3 are the catalogue's SRAM-only designs.
        for id in ["groq-lpu", "cerebras-wse3"] {
            assert!(unmodelled.iter().any(|c| c.id == id), "{id} is priced");
        }
        for c in unmodelled {
            let why = c.unmodelled.as_deref().unwrap_or_default();
            assert!(
                why.len() > 40 && why.ends_with('.') && why.contains("cost model"),
                "{}: {why}",
                c.id
            );
        }
    }

    #[test]
    fn every_builtin_chip_names_its_country() {
        let mut chinese = 0;
        for c in cat().chips() {
            let country = c.country.as_deref();
            assert!(country.is_some(), "{} has no country", c.id);
            chinese += usize::from(country == Some("CN"));
        }
        assert!(cat().chips().len() >= 60, "{} chips", cat().chips().len());
        assert!(chinese >= 15, "{chinese} chips from Chinese vendors");
    }

    #[test]
    fn dense_figures_are_ordered_by_precision() {
        for c in cat().chips() {
            let get = |p| c.peak(p).map(|f: crate::units::FlopsPerSecond| f.tflops());
            if let (Some(fp8), Some(bf16)) = (get(Precision::Fp8), get(Precision::Bf16)) {
                assert!(fp8 >= bf16 * 0.999, "{}: fp8 {fp8} < bf16 {bf16}", c.id);
            }
            if let (Some(bf16), Some(tf32)) = (get(Precision::Bf16), get(Precision::Tf32)) {
                assert!(bf16 >= tf32 * 0.999, "{}: bf16 {bf16} < tf32 {tf32}", c.id);
            }
            if let (Some(fp32), Some(fp64)) = (get(Precision::Fp32), get(Precision::Fp64)) {
                assert!(fp32 >= fp64 * 0.999, "{}: fp32 {fp32} < fp64 {fp64}", c.id);
            }
        }
    }

    /// Half the step of the last significant digit of a published figure (2.4e9 -> 0.05e9).
    fn rounding_half_step(v: f64) -> f64 {
        let mut step = 10f64.powi(v.abs().log10().floor() as i32);
        while step > 1.0 && ((v / step) - (v / step).round()).abs() > 1e-9 {
            step /= 10.0;
        }
        step / 2.0
    }

    #[test]
    fn rounding_steps() {
        assert_eq!(rounding_half_step(2.4e9), 0.05e9);
        assert_eq!(rounding_half_step(70.6e9), 0.05e9);
        assert_eq!(rounding_half_step(671e9), 0.5e9);
    }

    /// A model's computed count in the publisher's convention: active counts with the embedding
    /// table where the publisher includes it, without the LM head where it leaves that out.
    fn in_publishers_terms(m: &Model, what: &str, computed: f64) -> f64 {
        if what != "active" {
            return computed;
        }
        let table = (m.vocab * m.hidden) as f64;
        let mut c = computed;
        if m.published_active_includes_embeddings {
            c += table;
        }
        if m.published_active_excludes_lm_head && !m.tied_embeddings {
            c -= table;
        }
        c
    }

    /// Computed parameter counts match what the authors publish, within 2% (or the published
    /// figure's own rounding, where that is coarser). Every miss is listed; the whole table is
    /// printed with `--nocapture`.
    #[test]
    fn parameter_counts_match_published_figures() {
        let cat = cat();
        let mut checked = 0;
        let mut misses = Vec::new();
        for m in cat.models() {
            for (what, computed, published) in [
                ("total", m.parameters(), &m.published_parameters),
                (
                    "active",
                    m.active_parameters(),
                    &m.published_active_parameters,
                ),
            ] {
                let Some(p) = published else { continue };
                let computed = in_publishers_terms(m, what, computed);
                // A figure published as "2.4B" stands for [2.35B, 2.45B]: measure the distance
                // from that range.
                let half = rounding_half_step(p.value);
                let gap = (computed - p.value).abs() - half;
                let err = computed / p.value - 1.0;
                let line = format!(
                    "{:<24} {what:<6} computed {:>9.2}B published {:>8.2}B ({:+.1}%)",
                    m.id,
                    computed / 1e9,
                    p.value / 1e9,
                    err * 100.0
                );
                eprintln!("{line}");
                if gap > 0.02 * p.value {
                    misses.push(line);
                }
                checked += 1;
            }
        }
        assert!(misses.is_empty(), "beyond 2%:\n{}", misses.join("\n"));
        assert!(checked >= 50, "only {checked} published counts to check");
    }

    /// DeepSeek-V3.2 is V3 plus the lightning indexer in every layer: 61 x (1536 x 64 x 128 +
    /// 7168 x 128 + 2 x 128 + 7168 x 64) parameters more, no more and no less.
    #[test]
    fn sparse_attention_adds_the_indexer() {
        let cat = cat();
        let v3 = cat.model("deepseek-v3").unwrap();
        let v32 = cat.model("deepseek-v3.2").unwrap();
        let indexer = 61.0 * (1536.0 * 64.0 * 128.0 + 7168.0 * 128.0 + 256.0 + 7168.0 * 64.0);
        assert_eq!(v32.parameters() - v3.parameters(), indexer);
        assert_eq!(v32.active_parameters() - v3.active_parameters(), indexer);
        assert!((v3.parameters() / 671e9 - 1.0).abs() < 0.01);
    }

    /// The issue's named figures, independent of what the catalogue files say they publish.
    #[test]
    fn headline_parameter_counts() {
        let cat = cat();
        let check = |id: &str, total: f64, active: Option<f64>| {
            let m = cat.model(id).unwrap();
            let t = m.parameters() / 1e9;
            assert!(
                (t / total - 1.0).abs() <= 0.02,
                "{id}: total {t:.2}B, expected {total}B"
            );
            if let Some(a) = active {
                let got = m.active_parameters() / 1e9;
                assert!(
                    (got / a - 1.0).abs() <= 0.02,
                    "{id}: active {got:.2}B, expected {a}B"
                );
            }
        };
        check("llama-3.1-70b", 70.6, None);
        check("deepseek-v3", 671.0, Some(37.0));
        check("mixtral-8x7b", 46.7, Some(12.9));
        check("qwen3-235b-a22b", 235.0, Some(22.0));
        check("llama-3.1-405b", 405.0, None);
        check("llama-2-7b", 6.74, None);
    }
}

#[test]
fn a_power_limit_lowers_the_clock_by_the_cube_root_and_needs_a_higher_tdp() {
    // The toy chip with extra power fields after its bandwidth.
    let with = |fields: &str| {
        GOOD.replace(
            "memory_bandwidth_gbs = 1000",
            &format!("memory_bandwidth_gbs = 1000\n{fields}"),
        )
    };
    let cat = load(&with("tdp_w = 1000\npower_limit_w = 700")).unwrap();
    let chip = cat.chip("toy").unwrap();
    assert!((chip.clock_fraction() - 0.7f64.cbrt()).abs() < 1e-12);
    // It draws its limit, which cost and fleet power use.
    assert_eq!(chip.board_power().unwrap().get(), 700.0);
    let unlimited = load(&with("tdp_w = 1000")).unwrap();
    assert_eq!(
        unlimited.chip("toy").unwrap().board_power().unwrap().get(),
        1000.0
    );
    assert!(load(GOOD)
        .unwrap()
        .chip("toy")
        .unwrap()
        .board_power()
        .is_none());
    // The catalogue keeps the datasheet's peak; the cost model scales it.
    assert_eq!(chip.peak(Precision::Bf16).unwrap().tflops(), 100.0);
    assert_eq!(
        load(GOOD).unwrap().chip("toy").unwrap().clock_fraction(),
        1.0
    );
    check_err(
        &with("tdp_w = 700\npower_limit_w = 800"),
        &["user/x.toml:11: `toy`: field `power_limit_w` 800 W is above tdp_w 700 W"],
    );
    check_err(
        &with("power_limit_w = 500"),
        &["field `power_limit_w` 500 W needs the chip's tdp_w"],
    );
    check_err(
        &with("tdp_w = 700\npower_limit_w = 0"),
        &["field `power_limit_w` must be a positive number, got 0"],
    );
}
