//! Tests of the performance models: known orderings, laws that hold for any chip, and errors.
//!
//! Inference here; training in `train`, engine steps in `step`, and the table of whole answers
//! (`check(input, expect)`) in `table`.

mod kinds;
mod step;
mod table;
mod train;

use proptest::prelude::*;

use super::*;
use xpuscope_model::catalog::Catalog;
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::units::{BytesPerSecond, FlopsPerSecond};

/// The built-in catalogue, parsed once for all tests (property tests ask for it every case).
fn cat() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::builtin().unwrap())
}

fn cfg(input: u64, output: u64, batch: u64, tp: u32, weights: Precision) -> InferConfig {
    InferConfig {
        layout: Layout {
            tp,
            ..Layout::SINGLE
        },
        precisions: Precisions::for_weights(weights),
        batch: Batch::Fixed(batch),
        ..InferConfig::new(input, output)
    }
}

fn run(chip: &str, model: &str, c: &InferConfig) -> InferResult {
    let cat = cat();
    infer(
        cat.chip(chip).unwrap(),
        cat.model(model).unwrap(),
        c,
        &Efficiency::default(),
    )
    .unwrap()
}

fn run_err(chip: &str, model: &str, c: &InferConfig) -> String {
    let cat = cat();
    infer(
        cat.chip(chip).unwrap(),
        cat.model(model).unwrap(),
        c,
        &Efficiency::default(),
    )
    .unwrap_err()
    .to_string()
}

/// The headline: on Llama 3.1 70B FP8 at batch 1, the H20 decodes faster (more memory
/// bandwidth) and prefills far slower (a seventh of the compute).
#[test]
fn h20_wins_decode_and_loses_prefill() {
    let c = cfg(2048, 256, 1, 1, Precision::Fp8);
    let h20 = run("h20", "llama-3.1-70b", &c);
    let h100 = run("h100-sxm", "llama-3.1-70b", &c);
    assert!(
        h20.tpot < h100.tpot,
        "TPOT h20 {:?} h100 {:?}",
        h20.tpot,
        h100.tpot
    );
    assert!(
        h20.ttft.get() > 4.0 * h100.ttft.get(),
        "TTFT h20 {:?} h100 {:?}",
        h20.ttft,
        h100.ttft
    );
    assert_eq!(h20.decode.bound(), Bound::Memory);
    assert_eq!(h100.prefill.bound(), Bound::Compute);
}

#[test]
fn memory_bound_decode_tracks_bandwidth() {
    // At batch 1 a 7B model's decode step is its weights over bandwidth, plus overheads.
    let r = run(
        "h100-sxm",
        "llama-2-7b",
        &cfg(128, 128, 1, 1, Precision::Bf16),
    );
    let weights = r.memory.weights.get();
    let floor = weights / (3350e9 * 0.86);
    assert!(
        r.tpot.get() > floor && r.tpot.get() < floor * 1.6,
        "tpot {} floor {}",
        r.tpot.get(),
        floor
    );
}

#[test]
fn pcie_boxes_pay_for_tensor_parallelism() {
    let c = cfg(2048, 128, 16, 8, Precision::Fp8);
    let nvlink = run("h100-sxm", "llama-3.1-70b", &c);
    let pcie = run("l40s", "llama-3.1-70b", &c);
    let share = |r: &InferResult| r.prefill.class(OpClass::TpComm).time / r.prefill.total();
    assert!(
        share(&pcie) > 1.5 * share(&nvlink) && share(&pcie) > 0.6,
        "pcie {} nvlink {}",
        share(&pcie),
        share(&nvlink)
    );
    assert!(
        pcie.notes.iter().any(|n| n.contains("PCIe")),
        "{:?}",
        pcie.notes
    );
}

#[test]
fn missing_native_precision_falls_back_with_a_note() {
    let r = run(
        "a100-sxm-80gb",
        "llama-3.1-8b",
        &cfg(512, 64, 1, 1, Precision::Fp8),
    );
    assert_eq!(r.plan.gemm, Precision::Bf16);
    assert_eq!(r.plan.weight_bytes, 1.0);
    assert!(
        r.notes.iter().any(|n| n.contains("no native fp8")),
        "{:?}",
        r.notes
    );
    let r = run(
        "h100-sxm",
        "llama-3.1-8b",
        &cfg(512, 64, 1, 1, Precision::Fp4),
    );
    assert_eq!(r.plan.gemm, Precision::Bf16);
    assert!(r.notes.iter().any(|n| n.contains("no native fp4")));
    let r = run("b200", "llama-3.1-8b", &cfg(512, 64, 1, 1, Precision::Fp4));
    assert_eq!(r.plan.gemm, Precision::Fp4);
}

#[test]
fn mla_caches_the_latent() {
    let cat = cat();
    let m = cat.model("deepseek-v3").unwrap();
    // 512 latent + 64 rotary dimensions per token per layer, the same on every TP rank.
    let s = ops::Sharded::new(
        m,
        Layout {
            tp: 8,
            ..Layout::SINGLE
        },
    );
    assert_eq!(s.kv_elements_per_token_layer(), 576.0);
    let g = cat.model("llama-3.1-70b").unwrap();
    // GQA: 8 KV heads of 128 split over TP 8 (K and V); TP 16 keeps one head per chip.
    assert_eq!(
        ops::Sharded::new(
            g,
            Layout {
                tp: 8,
                ..Layout::SINGLE
            }
        )
        .kv_elements_per_token_layer(),
        256.0
    );
    assert_eq!(
        ops::Sharded::new(
            g,
            Layout {
                tp: 16,
                ..Layout::SINGLE
            }
        )
        .kv_elements_per_token_layer(),
        256.0
    );
}

#[test]
fn moe_decode_reads_the_experts_its_tokens_touch() {
    let mut c = cfg(1024, 64, 1, 1, Precision::Fp8);
    c.layout = Layout {
        tp: 1,
        dp: 8,
        ep: 8,
        ..Layout::SINGLE
    };
    c.batch = Batch::Fixed(8);
    let small = run("h200-sxm", "deepseek-v3", &c);
    c.batch = Batch::Fixed(512);
    let large = run("h200-sxm", "deepseek-v3", &c);
    let bytes = |r: &InferResult| r.decode.class(OpClass::Experts).bytes.get();
    // One token per replica touches 8 of 256 experts; 64 per replica touch nearly all 32 local
    // experts: far fewer than 64x the bytes.
    let ratio = bytes(&large) / bytes(&small);
    assert!(ratio > 3.0 && ratio < 20.0, "expert bytes ratio {ratio}");
    assert!(large.decode.class(OpClass::EpComm).time.get() > 0.0);
}

#[test]
fn older_engine_rereads_gqa_kv() {
    let mut c = cfg(2048, 512, 32, 4, Precision::Fp8);
    let modern = run("h100-sxm", "llama-3.1-70b", &c);
    c.engine = Engine::TrtLlm05;
    let old = run("h100-sxm", "llama-3.1-70b", &c);
    let att = |r: &InferResult| r.decode.class(OpClass::Attention).bytes.get();
    assert!(
        att(&old) > 6.0 * att(&modern),
        "{} vs {}",
        att(&old),
        att(&modern)
    );
}

#[test]
fn batch_max_fits_and_one_more_does_not() {
    let mut c = cfg(2048, 2048, 1, 1, Precision::Fp8);
    c.batch = Batch::Max;
    let r = run("h100-sxm", "llama-3.1-8b", &c);
    assert!(r.fits && r.batch > 1 && r.batch < 2048);
    let cat = cat();
    let ev = infer::Evaluator::new(
        cat.chip("h100-sxm").unwrap(),
        cat.model("llama-3.1-8b").unwrap(),
        &c,
        &Efficiency::default(),
    )
    .unwrap();
    assert!(ev.memory(r.batch).fits());
    assert!(!ev.memory(r.batch + 1).fits());
}

#[test]
fn layout_errors_name_what_does_not_divide() {
    let e = run_err(
        "h100-sxm",
        "llama-3.1-70b",
        &cfg(128, 128, 1, 3, Precision::Bf16),
    );
    assert!(
        e.contains("tp 3 does not divide the 64 attention heads"),
        "{e}"
    );
    let mut c = cfg(128, 128, 1, 1, Precision::Bf16);
    c.layout.pp = 3;
    let e = run_err("h100-sxm", "llama-3.1-70b", &c);
    assert!(e.contains("pp 3 does not divide the 80 layers"), "{e}");
    c.layout = Layout {
        ep: 3,
        ..Layout::SINGLE
    };
    let e = run_err("h100-sxm", "mixtral-8x7b", &c);
    assert!(e.contains("ep 3 does not divide the 8 experts"), "{e}");
    let e = run_err("h100-sxm", "llama-3.1-70b", &c);
    assert!(e.contains("has no experts"), "{e}");
    let mut c = cfg(128, 128, 3, 1, Precision::Bf16);
    c.layout.dp = 2;
    let e = run_err("h100-sxm", "llama-3.1-8b", &c);
    assert!(e.contains("batch 3 does not split evenly over dp 2"), "{e}");
}

#[test]
fn too_big_a_model_says_by_how_much_and_the_tp_that_fits() {
    let e = run_err(
        "h100-sxm",
        "llama-3.1-405b",
        &cfg(128, 128, 1, 2, Precision::Bf16),
    );
    assert!(e.contains("does not fit on `h100-sxm`"), "{e}");
    assert!(e.contains("GiB short"), "{e}");
    assert!(e.contains("--tp 16"), "{e}");
}

#[test]
fn unknown_precision_for_a_role_is_refused() {
    let mut c = cfg(128, 128, 1, 1, Precision::Bf16);
    c.precisions.kv_cache = Precision::Int4;
    let e = run_err("h100-sxm", "llama-3.1-8b", &c);
    assert!(
        e.contains("kv-cache precision `int4` is not supported"),
        "{e}"
    );
}

fn scaled(chip: &Chip, bw: f64, flops: f64) -> Chip {
    let mut c = chip.clone();
    if let Some(b) = c.memory_bandwidth.as_mut() {
        b.value = BytesPerSecond::new(b.value.get() * bw);
    }
    for d in c.dense.iter_mut().flatten() {
        d.value = FlopsPerSecond::new(d.value.get() * flops);
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// More memory bandwidth never slows decode; more FLOP/s never slows prefill.
    #[test]
    fn more_hardware_is_never_slower(
        chip in prop::sample::select(vec!["h100-sxm", "h20", "mi300x", "l40s", "ascend-910b"]),
        model in prop::sample::select(vec!["llama-3.1-8b", "qwen3-30b-a3b", "mixtral-8x7b", "deepseek-v2-lite"]),
        k in 1.0f64..4.0,
        batch in 1u64..64,
        input in 16u64..4096,
    ) {
        let cat = cat();
        let base = cat.chip(chip).unwrap();
        let m = cat.model(model).unwrap();
        let c = cfg(input, 32, batch, 1, Precision::Bf16);
        let eff = Efficiency::default();
        let r0 = infer(base, m, &c, &eff);
        prop_assume!(r0.is_ok());
        let r0 = r0.unwrap();
        let faster_mem = infer(&scaled(base, k, 1.0), m, &c, &eff).unwrap();
        prop_assert!(faster_mem.tpot <= r0.tpot);
        let faster_compute = infer(&scaled(base, 1.0, k), m, &c, &eff).unwrap();
        prop_assert!(faster_compute.ttft <= r0.ttft);
    }

    /// A larger batch never lowers total throughput while it fits.
    #[test]
    fn larger_batches_never_lower_throughput(
        chip in prop::sample::select(vec!["h100-sxm", "h20", "mi300x", "l20"]),
        model in prop::sample::select(vec!["llama-3.1-8b", "qwen3-30b-a3b", "mistral-7b", "gpt-oss-20b"]),
        b in 1u64..256,
        input in 16u64..2048,
        output in 2u64..512,
    ) {
        let cat = cat();
        let chip = cat.chip(chip).unwrap();
        let m = cat.model(model).unwrap();
        let eff = Efficiency::default();
        let small = infer(chip, m, &cfg(input, output, b, 1, Precision::Bf16), &eff);
        let large = infer(chip, m, &cfg(input, output, b + 1, 1, Precision::Bf16), &eff);
        // A model that does not fit at all is no test of batching.
        prop_assume!(small.is_ok());
        let (s, l) = (small.unwrap(), large.expect("a larger batch of a model that fits still evaluates"));
        // Both batches must fit for the comparison to mean anything; proptest rejects (and
        // counts) the cases that do not, so too many of them fail the test instead of passing it.
        prop_assume!(l.fits);
        prop_assert!(l.output_tokens_per_s >= s.output_tokens_per_s * 0.9999,
            "b={} {} -> {}", b, s.output_tokens_per_s, l.output_tokens_per_s);
    }

    /// TP = 2 holds about half the weight bytes per chip of TP = 1 (never more).
    #[test]
    fn tensor_parallelism_shards_weights(
        model in prop::sample::select(vec!["llama-3.1-8b", "llama-3.1-70b", "qwen3-235b-a22b", "deepseek-v3", "gpt-oss-120b", "falcon-180b"]),
    ) {
        let cat = cat();
        let chip = cat.chip("b200").unwrap();
        let m = cat.model(model).unwrap();
        let eff = Efficiency::default();
        let c1 = cfg(128, 16, 1, 1, Precision::Fp8);
        let c2 = cfg(128, 16, 1, 2, Precision::Fp8);
        let e1 = infer::Evaluator::new(chip, m, &c1, &eff).unwrap();
        let e2 = infer::Evaluator::new(chip, m, &c2, &eff).unwrap();
        // Everything but MLA's small replicated down-projections halves.
        let (w1, w2) = (e1.memory(1).weights.get(), e2.memory(1).weights.get());
        prop_assert!(w2 <= 0.56 * w1, "tp2 holds {} of tp1's weights", w2 / w1);
    }
}

/// A power-limited chip computes at the cube root of its power share and streams memory at full
/// rate: compute-bound prefill slows by that factor, memory-bound decode barely moves, and MFU
/// stays against the datasheet's peak.
#[test]
fn a_power_limit_slows_compute_not_memory() {
    use xpuscope_model::sourced::Sourced;
    use xpuscope_model::units::Watts;
    let base = cat().chip("h100-sxm").unwrap();
    let mut capped = base.clone();
    let mut limit = base.tdp.clone().expect("the H100 has a TDP");
    limit.value = Watts::new(500.0);
    capped.power_limit = Some(Sourced { ..limit });
    let clock = (500.0f64 / 700.0).cbrt();
    let m = cat().model("llama-3.1-8b").unwrap();
    let c = cfg(4096, 64, 8, 1, Precision::Bf16);
    let eff = Efficiency::default();
    let (full, slow) = (
        infer(base, m, &c, &eff).unwrap(),
        infer(&capped, m, &c, &eff).unwrap(),
    );
    let prefill = slow.ttft.get() / full.ttft.get();
    assert!(
        prefill > 1.0 / clock * 0.97 && prefill <= 1.0 / clock * 1.001,
        "{prefill}"
    );
    let decode = slow.tpot.get() / full.tpot.get();
    assert!((1.0..1.03).contains(&decode), "{decode}");
    assert!(slow.notes.iter().any(|n| n.contains("500 W of its 700 W")));
    let hw = crate::hardware::Hardware::from_chip(&capped, &eff).unwrap();
    let rated = hw.rated_peak(Precision::Bf16).get();
    assert!((rated / base.peak(Precision::Bf16).unwrap().get() - 1.0).abs() < 1e-12);
}

/// A current engine's TP all-reduce is the chip's measured one (`catalog/kernels/allreduce.toml`,
/// TensorRT-LLM's custom all-reduce on 8 H100s), `AllReduceCurve::time` per layer, not the
/// NCCL formula, which TensorRT-LLM 0.5 keeps; a chip without figures keeps the formula (an
/// NVLink twin of a measured chip borrows its figures).
#[test]
fn a_current_engine_all_reduces_as_measured_on_the_chip() {
    let eff = Efficiency::default();
    let h100 = cat().chip("h100-sxm").unwrap();
    let hw = crate::hardware::Hardware::from_chip(h100, &eff).unwrap();
    let m = hw
        .measured_allreduce(8)
        .expect("the H100 has 8-GPU figures");
    assert!(
        hw.measured_allreduce(16).is_none(),
        "16 H100s span two nodes"
    );
    // Decode of 64 sequences of Llama 3.1 70B at TP 8: 2 all-reduces of 64 x 8192 BF16 per layer.
    let c = cfg(1024, 128, 64, 8, Precision::Fp8);
    let model = cat().model("llama-3.1-70b").unwrap();
    let modern = infer(h100, model, &c, &eff).unwrap();
    let bytes = 64.0 * 8192.0 * 2.0;
    let per_layer = 2.0 * m.time(bytes).get();
    assert!(
        bytes > xpuscope_model::chip::AllReduceCurve::LINE_FROM,
        "on the fitted line"
    );
    let got = modern
        .decode
        .class(crate::breakdown::OpClass::TpComm)
        .time
        .get();
    assert!(
        (got / (80.0 * per_layer) - 1.0).abs() < 1e-9,
        "{got} vs {}",
        80.0 * per_layer
    );
    let old = infer(
        h100,
        model,
        &InferConfig {
            engine: crate::Engine::TrtLlm05,
            ..c
        },
        &eff,
    )
    .unwrap();
    let nccl = old
        .decode
        .class(crate::breakdown::OpClass::TpComm)
        .time
        .get();
    assert!(
        (nccl - got).abs() > 0.05 * got,
        "NCCL {nccl} against measured {got}"
    );
    // The H20 borrows its NVLink twin's figures; the MI300X has none, and the formula prices it.
    let h20 = crate::hardware::Hardware::from_chip(cat().chip("h20").unwrap(), &eff).unwrap();
    assert_eq!(
        h20.measured_allreduce(8).map(|a| a.bandwidth),
        Some(m.bandwidth)
    );
    let mi300x = crate::hardware::Hardware::from_chip(cat().chip("mi300x").unwrap(), &eff).unwrap();
    assert!(mi300x.measured_allreduce(8).is_none());
}
