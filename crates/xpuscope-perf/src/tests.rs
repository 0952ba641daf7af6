//! Tests of the performance models: known orderings, laws that hold for any chip, and errors.

use proptest::prelude::*;

use super::*;
use crate::search::{Fixed, Space};
use crate::train::{Recompute, TrainConfig, Trainer};
use xpuscope_model::catalog::Catalog;
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::units::{BytesPerSecond, FlopsPerSecond};

fn cat() -> Catalog {
    Catalog::builtin().unwrap()
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
        if l.fits {
            prop_assert!(l.output_tokens_per_s >= s.output_tokens_per_s * 0.9999,
                "b={} {} -> {}", b, s.output_tokens_per_s, l.output_tokens_per_s);
        }
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

/// A BF16 trainer for a built-in chip.
fn new_trainer<'a>(
    cat: &'a Catalog,
    chip: &str,
    model: &'a xpuscope_model::model::Model,
    seq: u64,
) -> Trainer<'a> {
    Trainer::new(
        cat.chip(chip).unwrap(),
        model,
        Precision::Bf16,
        seq,
        &Efficiency::default(),
    )
    .unwrap()
}

fn trainer<'a>(cat: &'a Catalog, chip: &str, model: &str) -> (Trainer<'a>, TrainConfig) {
    let m = cat.model(model).unwrap();
    let t = Trainer::new(
        cat.chip(chip).unwrap(),
        m,
        Precision::Bf16,
        4096,
        &Efficiency::default(),
    )
    .unwrap();
    let cfg = TrainConfig {
        chips: 64,
        layout: Layout {
            tp: 8,
            pp: 2,
            dp: 4,
            ep: 1,
            cp: 1,
        },
        vp: 1,
        zero: 1,
        recompute: Recompute::None,
        precision: Precision::Bf16,
        seq_len: 4096,
        global_batch: 256,
        micro_batch: 1,
        usable_fraction: 0.9,
    };
    (t, cfg)
}

#[test]
fn zero_and_recompute_only_save_memory() {
    let cat = cat();
    let (t, base) = trainer(&cat, "h100-sxm", "llama-3.1-70b");
    for zero in 0..3u8 {
        let a = t.memory(&TrainConfig { zero, ..base });
        let b = t.memory(&TrainConfig {
            zero: zero + 1,
            ..base
        });
        assert!(b.total() <= a.total(), "zero {} -> {}", zero, zero + 1);
    }
    let none = t.memory(&TrainConfig {
        recompute: Recompute::None,
        ..base
    });
    let sel = t.memory(&TrainConfig {
        recompute: Recompute::Selective,
        ..base
    });
    let full = t.memory(&TrainConfig {
        recompute: Recompute::Full,
        ..base
    });
    assert!(full.activations <= sel.activations && sel.activations <= none.activations);
    // Recomputation costs time.
    let fast = t.evaluate(&TrainConfig {
        recompute: Recompute::None,
        ..base
    });
    let slow = t.evaluate(&TrainConfig {
        recompute: Recompute::Full,
        ..base
    });
    assert!(slow.step_time > fast.step_time);
    assert!(slow.hfu > slow.mfu);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// ZeRO-3 never needs more memory per chip than ZeRO-1, and full recompute never more
    /// activation memory than none, for any layout.
    #[test]
    fn memory_laws_hold_for_any_layout(
        tp in prop::sample::select(vec![1u32, 2, 4, 8]),
        pp in prop::sample::select(vec![1u32, 2, 4, 5]),
        mb in prop::sample::select(vec![1u64, 2, 4]),
        vp in 1u32..3,
    ) {
        let cat = cat();
        let (t, base) = trainer(&cat, "h100-sxm", "llama-3.1-70b");
        let chips = 320u32;
        let dp = chips / (tp * pp);
        let c = TrainConfig { chips, layout: Layout { tp, pp, dp, ep: 1, cp: 1 }, micro_batch: mb, vp: if pp > 1 { vp } else { 1 }, global_batch: u64::from(dp) * mb * 8, ..base };
        prop_assume!(t.check(&c).is_ok());
        let z3 = t.memory(&TrainConfig { zero: 3, ..c }).total();
        let z1 = t.memory(&TrainConfig { zero: 1, ..c }).total();
        prop_assert!(z3 <= z1);
        let full = t.memory(&TrainConfig { recompute: Recompute::Full, ..c }).activations;
        let none = t.memory(&TrainConfig { recompute: Recompute::None, ..c }).activations;
        prop_assert!(full <= none);
    }

    /// More chips at the same global batch never lower throughput, unless communication
    /// dominates the step (and then the breakdown shows it).
    #[test]
    fn more_chips_never_slow_a_step(
        model in prop::sample::select(vec!["llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b"]),
        chip in prop::sample::select(vec!["h100-sxm", "h20", "l40s"]),
        log_chips in 3u32..8,
    ) {
        let cat = cat();
        let m = cat.model(model).unwrap();
        let t = Trainer::new(cat.chip(chip).unwrap(), m, Precision::Bf16, 4096, &Efficiency::default()).unwrap();
        let n = 1u32 << log_chips;
        let space = |chips| Space { chips, seq_len: 4096, global_batch: 1024, precision: Precision::Bf16, usable_fraction: 0.9, fixed: Fixed::default() };
        let a = search::search(&t, &space(n), None);
        let b = search::search(&t, &space(2 * n), None);
        if let (Some(a), Some(b)) = (a.best(), b.best()) {
            let comm = b.parts.comm() / b.step_time;
            prop_assert!(b.tokens_per_s >= a.tokens_per_s * 0.999 || comm > 0.3,
                "{n} -> {} chips: {} -> {} tok/s, comm share {comm}", 2 * n, a.tokens_per_s, b.tokens_per_s);
        }
    }
}

#[test]
fn training_errors_are_clear() {
    let cat = cat();
    let (t, base) = trainer(&cat, "h100-sxm", "llama-3.1-70b");
    let e = t
        .check(&TrainConfig {
            layout: Layout {
                tp: 3,
                pp: 1,
                dp: 21,
                ep: 1,
                cp: 1,
            },
            chips: 63,
            ..base
        })
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tp 3 does not divide the 64 attention heads"),
        "{e}"
    );
    let e = t
        .check(&TrainConfig {
            global_batch: 250,
            ..base
        })
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("global batch 250 does not divide into dp 4 x micro-batch 1"),
        "{e}"
    );
    let e = t
        .check(&TrainConfig { chips: 60, ..base })
        .unwrap_err()
        .to_string();
    assert!(e.contains("= 64 chips, not the 60 asked for"), "{e}");
}

#[test]
fn a_model_that_fits_nowhere_gets_the_smallest_chip_count() {
    let cat = cat();
    let m = cat.model("llama-3.1-405b").unwrap();
    let t = new_trainer(&cat, "rtx-4090", m, 4096);
    let space = Space {
        chips: 8,
        seq_len: 4096,
        global_batch: 64,
        precision: Precision::Bf16,
        usable_fraction: 0.9,
        fixed: Fixed::default(),
    };
    let out = search::search(&t, &space, None);
    assert!(out.best().is_none());
    let n = search::smallest_fitting_chips(&t, &space, 1 << 16).unwrap();
    assert!(n > 8 && n.is_power_of_two(), "{n}");
}

#[test]
fn search_finds_a_fitting_best_and_ranks_the_top() {
    let cat = cat();
    let m = cat.model("llama-3.1-70b").unwrap();
    let t = new_trainer(&cat, "h20", m, 8192);
    let space = Space {
        chips: 1024,
        seq_len: 8192,
        global_batch: 1024,
        precision: Precision::Bf16,
        usable_fraction: 0.9,
        fixed: Fixed::default(),
    };
    let out = search::search(&t, &space, None);
    assert!(out.evaluated > 1000, "{}", out.evaluated);
    let best = out.best().unwrap();
    assert!(best.memory.fits());
    assert!(out
        .top
        .windows(2)
        .all(|w| w[0].tokens_per_s >= w[1].tokens_per_s));
    // An H20 has a seventh of an H100's compute: the same job on H100s runs several times faster.
    let t100 = new_trainer(&cat, "h100-sxm", m, 8192);
    let h100 = search::search(&t100, &space, None);
    let ratio = h100.best().unwrap().tokens_per_s / best.tokens_per_s;
    assert!(
        ratio > 3.0 && ratio < 8.0,
        "h100/h20 training ratio {ratio}"
    );
}

/// Regression tests for accounting errors found in review.
mod accounting {
    use super::*;
    use crate::hardware::Hardware;

    fn train_cfg(chips: u32, layout: Layout, seq: u64) -> TrainConfig {
        TrainConfig {
            chips,
            layout,
            vp: 1,
            zero: 1,
            recompute: Recompute::None,
            precision: Precision::Bf16,
            seq_len: seq,
            global_batch: u64::from(layout.dp) * 8,
            micro_batch: 1,
            usable_fraction: 0.9,
        }
    }

    #[test]
    fn unknown_scale_out_is_a_conservative_prior_not_the_fabric() {
        let cat = cat();
        let a100 = Hardware::from_chip(cat.chip("a100-sxm-80gb").unwrap(), &Efficiency::default())
            .unwrap();
        assert_eq!(a100.network.gbs(), 25.0);
        assert!(a100.network_note(64).is_some() && a100.network_note(8).is_none());
        // A bridged PCIe card talks to cards beyond its pair over PCIe, not over the bridge.
        let pcie =
            Hardware::from_chip(cat.chip("h100-pcie").unwrap(), &Efficiency::default()).unwrap();
        assert!(pcie.link_for(8).gbs() <= 64.0, "{}", pcie.link_for(8).gbs());
    }

    #[test]
    fn moe_activation_memory_does_not_grow_with_expert_parallelism() {
        let cat = cat();
        let m = cat.model("mixtral-8x7b").unwrap();
        let t = new_trainer(&cat, "h100-sxm", m, 4096);
        let a = t
            .memory(&train_cfg(
                8,
                Layout {
                    tp: 8,
                    ..Layout::SINGLE
                },
                4096,
            ))
            .activations;
        let b = t
            .memory(&train_cfg(
                8,
                Layout {
                    tp: 8,
                    ep: 8,
                    ..Layout::SINGLE
                },
                4096,
            ))
            .activations;
        assert!(
            b.get() < 1.5 * a.get(),
            "ep8 {} vs ep1 {}",
            b.gib(),
            a.gib()
        );
    }

    #[test]
    fn the_lm_head_weighs_on_the_last_pipeline_stage() {
        let cat = cat();
        let m = cat.model("llama-3.2-1b").unwrap();
        let t = new_trainer(&cat, "h100-sxm", m, 4096);
        let one = t.evaluate(&train_cfg(
            16,
            Layout {
                dp: 16,
                ..Layout::SINGLE
            },
            4096,
        ));
        let mut c = train_cfg(
            16,
            Layout {
                pp: 16,
                ..Layout::SINGLE
            },
            4096,
        );
        c.global_batch = 128;
        let piped = t.evaluate(&c);
        let per_chip = |r: &crate::train::TrainResult| r.tokens_per_s / 16.0;
        assert!(
            per_chip(&piped) < 0.5 * per_chip(&one),
            "{} vs {}",
            per_chip(&piped),
            per_chip(&one)
        );
    }

    #[test]
    fn tensor_parallel_experts_need_no_all_to_all() {
        let mut c = cfg(1024, 64, 8, 8, Precision::Bf16);
        let plain = run("h100-sxm", "mixtral-8x7b", &c);
        c.layout.ep = 8;
        let ep = run("h100-sxm", "mixtral-8x7b", &c);
        assert_eq!(ep.decode.class(OpClass::EpComm).time.get(), 0.0);
        assert!(
            ep.tpot.get() < plain.tpot.get() * 1.05,
            "{:?} vs {:?}",
            ep.tpot,
            plain.tpot
        );
        // With attention data-parallel, experts are reached by all-to-all and the MLP all-reduce goes.
        c.layout = Layout {
            tp: 1,
            dp: 8,
            ep: 8,
            ..Layout::SINGLE
        };
        let dp = run("h100-sxm", "mixtral-8x7b", &c);
        assert!(dp.decode.class(OpClass::EpComm).time.get() > 0.0);
        assert_eq!(dp.decode.class(OpClass::TpComm).time.get(), 0.0);
    }

    #[test]
    fn imbalance_slows_experts_without_inventing_flops() {
        let cat = cat();
        let m = cat.model("mixtral-8x7b").unwrap();
        let t = new_trainer(&cat, "h100-sxm", m, 4096);
        let r = t.evaluate(&train_cfg(
            8,
            Layout {
                dp: 8,
                ep: 8,
                ..Layout::SINGLE
            },
            4096,
        ));
        assert!(
            (r.hfu / r.mfu - 1.0).abs() < 0.05,
            "hfu {} mfu {}",
            r.hfu,
            r.mfu
        );
    }

    #[test]
    fn windowed_attention_counts_its_pairs() {
        let cat = cat();
        for id in ["mistral-7b", "llama-3.1-8b", "gpt-oss-20b"] {
            let m = cat.model(id).unwrap();
            let t = new_trainer(&cat, "h100-sxm", m, 32768);
            let r = t.evaluate(&train_cfg(
                8,
                Layout {
                    tp: 8,
                    ..Layout::SINGLE
                },
                32768,
            ));
            assert!(
                (r.hfu / r.mfu - 1.0).abs() < 0.03,
                "{id}: hfu {} mfu {}",
                r.hfu,
                r.mfu
            );
        }
    }

    #[test]
    fn selective_recompute_reruns_projection_and_attention() {
        let cat = cat();
        let m = cat.model("llama-3.1-70b").unwrap();
        let t = new_trainer(&cat, "h100-sxm", m, 8192);
        let base = train_cfg(
            64,
            Layout {
                tp: 8,
                pp: 1,
                dp: 8,
                ep: 1,
                cp: 1,
            },
            8192,
        );
        let fwd = t.forward(&base);
        let r = t.evaluate(&TrainConfig {
            recompute: Recompute::Selective,
            ..base
        });
        let per_micro = r.parts.recompute / r.micro_batches as f64;
        let floor = fwd.class(OpClass::Attention).time + fwd.class(OpClass::QkvProj).time;
        assert!(per_micro >= floor, "{per_micro:?} < {floor:?}");
    }

    #[test]
    fn absurd_lengths_are_refused_not_wrapped() {
        let e = run_err(
            "h100-sxm",
            "llama-3.1-8b",
            &cfg(u64::MAX, 10, 1, 1, Precision::Bf16),
        );
        assert!(e.contains("not a length"), "{e}");
        // Beyond the trained context is allowed, with a note (the public GPT-J case does it).
        let r = run(
            "h100-sxm",
            "gpt-j-6b",
            &cfg(2048, 2048, 8, 1, Precision::Bf16),
        );
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("exceed the 2048-token context")),
            "{:?}",
            r.notes
        );
    }
}
