//! Layer kinds priced as what they are: local layers stop caching (and reading) past their window
//! or chunk, linear-attention layers keep a fixed state and decode in constant time, and sparse
//! attention reads its top-k tokens while its indexer scans them all.

use super::*;

/// `model` on `chip` at `tp`, FP8 weights.
fn ev<'a>(
    cat: &'a Catalog,
    chip: &str,
    model: &str,
    tp: u32,
) -> infer::Evaluator<&'a xpuscope_model::model::Model> {
    let layout = Layout {
        tp,
        ..Layout::SINGLE
    };
    super::step::evaluator(cat, chip, model, layout, Precision::Fp8, 1024)
}

fn kv(e: &infer::Evaluator<&xpuscope_model::model::Model>, ctx: u64) -> f64 {
    e.kv_cache_bytes(ctx).get()
}

#[test]
fn a_sliding_window_caps_the_cache_past_the_window() {
    let cat = cat();
    // Mistral 7B v0.1 windows every layer at 4096: past it the cache stops growing at all.
    let m = ev(cat, "h100-sxm", "mistral-7b", 1);
    assert_eq!(kv(&m, 4096), kv(&m, 100_000));
    assert!(kv(&m, 4000) < kv(&m, 4096));
    // gpt-oss-120b windows half its layers at 128: past it only the 18 full layers grow.
    let g = ev(cat, "h100-sxm", "gpt-oss-120b", 1);
    let per_token = g.kv_cache_bytes_per_token().get();
    let growth = kv(&g, 20_000) - kv(&g, 10_000);
    assert!(
        (growth / (10_000.0 * per_token) - 0.5).abs() < 1e-12,
        "{growth}"
    );
    assert!((kv(&g, 100) / (100.0 * per_token) - 1.0).abs() < 1e-12);
}

#[test]
fn chunked_layers_hold_at_most_a_chunk() {
    let cat = cat();
    // Llama 4 Scout: 36 of 48 layers chunked at 8192, so past it a token adds a quarter of what
    // it did inside the first chunk.
    let s = ev(cat, "h100-sxm", "llama-4-scout", 1);
    let per_token = s.kv_cache_bytes_per_token().get();
    let growth = kv(&s, 200_000) - kv(&s, 100_000);
    assert!(
        (growth / (100_000.0 * per_token) - 0.25).abs() < 1e-12,
        "{growth}"
    );
    // And decode attention reads the current chunk only: at 8192 x 12 + 1 tokens the chunked
    // layers read one token, so the step is barely dearer than at 1 token in; and a decode
    // just before a chunk ends reads more than one just after it starts.
    let at = |ctx: f64| s.decode_step(8, ctx).class(OpClass::Attention).time.get();
    assert!(at(8192.0 * 12.0 + 1.0) < at(8192.0 * 12.0 - 1.0));
    let dense = ev(cat, "h100-sxm", "llama-3.1-70b", 4);
    let dense_at = |ctx: f64| {
        dense
            .decode_step(8, ctx)
            .class(OpClass::Attention)
            .time
            .get()
    };
    let growth_scout = at(8192.0 * 12.0 + 8000.0) / at(8000.0);
    let growth_dense = dense_at(8192.0 * 12.0 + 8000.0) / dense_at(8000.0);
    assert!(
        growth_scout < 0.5 * growth_dense,
        "{growth_scout} vs {growth_dense}"
    );
}

#[test]
fn linear_attention_keeps_a_fixed_state_and_decodes_in_constant_time() {
    let cat = cat();
    let next = ev(cat, "h100-sxm", "qwen3-next-80b-a3b", 2);
    let m = cat.model("qwen3-next-80b-a3b").unwrap();
    // Only the 12 full-attention layers cache tokens: 2 KV heads of 256, K and V, FP8 weights
    // with a BF16 cache, each TP rank keeping its one KV head.
    let per_token = next.kv_cache_bytes_per_token().get();
    assert_eq!(per_token, 12.0 * 2.0 * 256.0 * 2.0);
    // The 36 Gated DeltaNet layers keep 16 of the 32 value heads' 128 x 128 states per rank and
    // the convolution's last three inputs, in 16 bits, however long the sequence.
    let l = m.linear_attention.unwrap();
    let state = 36.0 * (32.0 * 128.0 * 128.0 + 8192.0 * 3.0) / 2.0 * 2.0;
    assert_eq!(l.state_elements(), 32.0 * 128.0 * 128.0 + 8192.0 * 3.0);
    assert_eq!(next.state_bytes_per_sequence().get(), state);
    assert_eq!(kv(&next, 100_000) - kv(&next, 1), 99_999.0 * per_token);
    // Decode: from 4k to 256k of context the hybrid's step grows far less than a dense model's
    // whose every layer reads the whole cache.
    let dense = ev(cat, "h100-sxm", "qwen3-32b", 2);
    let step = |e: &infer::Evaluator<&xpuscope_model::model::Model>, ctx: f64| {
        e.decode_step(32, ctx).total().get()
    };
    let g_next = step(&next, 262_144.0) / step(&next, 4096.0);
    let g_dense = step(&dense, 262_144.0) / step(&dense, 4096.0);
    assert!(
        g_next - 1.0 < 0.25 * (g_dense - 1.0),
        "{g_next} vs {g_dense}"
    );
    // And the linear layers themselves cost the same at any context: a model of linear layers
    // only (its full layers' attention removed) decodes in constant time.
    let mut all_linear = m.clone();
    all_linear.linear_attention = Some(xpuscope_model::model::LinearAttention {
        layers: xpuscope_model::model::LayerPattern::ALL,
        ..l
    });
    let c = InferConfig::new(1024, 64);
    let e = infer::Evaluator::new(
        cat.chip("h100-sxm").unwrap(),
        &all_linear,
        &c,
        &Efficiency::default(),
    )
    .unwrap();
    assert_eq!(e.kv_cache_bytes_per_token().get(), 0.0);
    assert_eq!(
        e.decode_step(8, 1000.0).total(),
        e.decode_step(8, 1_000_000.0).total()
    );
}

#[test]
fn sparse_attention_reads_top_k_while_its_indexer_scans_everything() {
    let cat = cat();
    let v3 = ev(cat, "h200-sxm", "deepseek-v3", 8);
    let v32 = ev(cat, "h200-sxm", "deepseek-v3.2", 8);
    // The cache keeps every token: the latent plus the indexer's FP8 key and its scale.
    let extra = v32.kv_cache_bytes_per_token().get() - v3.kv_cache_bytes_per_token().get();
    assert_eq!(extra, 61.0 * (128.0 + 4.0));
    assert_eq!(
        kv(&v32, 100_000),
        100_000.0 * v32.kv_cache_bytes_per_token().get()
    );
    let attention = |e: &infer::Evaluator<&xpuscope_model::model::Model>, ctx: f64| {
        e.decode_step(64, ctx).class(OpClass::Attention).time.get()
    };
    // Within the top-k they attend alike, V3.2 paying for its indexer on top.
    assert!(attention(&v32, 1000.0) > attention(&v3, 1000.0));
    // At 128k the main attention reads 2048 latents, not 131072: V3.2 is far cheaper ...
    assert!(attention(&v32, 131_072.0) < 0.5 * attention(&v3, 131_072.0));
    // ... but not free: the indexer still scans every cached key.
    assert!(attention(&v32, 131_072.0) > 4.0 * attention(&v32, 2048.0));
    // A long prefill, quadratic in V3, is mostly the indexer's much smaller quadratic in V3.2
    // (on one chip, as DeepSeek serves attention data-parallel: under TP the indexer, replicated on
    // every rank, loses that advantage).
    let c = |input| InferConfig {
        precisions: Precisions::for_weights(Precision::Fp8),
        ..InferConfig::new(input, 16)
    };
    let chip = cat.chip("h200-sxm").unwrap();
    let eff = Efficiency::default();
    let pre = |model: &str| {
        infer::Evaluator::new(chip, cat.model(model).unwrap(), &c(65_536), &eff)
            .unwrap()
            .prefill(1)
            .class(OpClass::Attention)
            .time
            .get()
    };
    assert!(pre("deepseek-v3.2") < 0.5 * pre("deepseek-v3"));
}

#[test]
fn only_linear_attention_models_hold_state() {
    let cat = cat();
    for m in cat.models() {
        let e = infer::Evaluator::new(
            cat.chip("h200-sxm").unwrap(),
            m,
            &InferConfig::new(128, 8),
            &Efficiency::default(),
        )
        .unwrap();
        assert_eq!(
            e.state_bytes_per_sequence().get() > 0.0,
            m.linear_attention.is_some(),
            "{}",
            m.id
        );
        assert!(e.kv_cache_bytes_per_token().get() > 0.0, "{}", m.id);
    }
}

#[test]
fn a_gemm_at_its_ridge_point_pays_the_knee() {
    use crate::breakdown::{KernelCost, GEMM_KNEE};
    use xpuscope_model::units::{Bytes, Flops, Seconds};
    let (rate, bw) = (FlopsPerSecond::new(1e15), BytesPerSecond::new(1e12));
    // 1 ms of arithmetic against 1 ms of memory traffic: both hide nothing of each other.
    let ridge = KernelCost::price_gemm(
        Flops::new(1e12),
        Bytes::new(1e9),
        rate,
        bw,
        Seconds::ZERO,
        1.0,
    );
    let expect = 1e-3 * 2f64.powf(1.0 / GEMM_KNEE);
    assert!(
        (ridge.time().get() / expect - 1.0).abs() < 1e-12,
        "{ridge:?}"
    );
    // Far from the ridge the plain roofline stands (within 1e-6 at a 100:1 split).
    let far = KernelCost::price_gemm(
        Flops::new(1e12),
        Bytes::new(1e7),
        rate,
        bw,
        Seconds::ZERO,
        1.0,
    );
    assert!((far.time().get() / 1e-3 - 1.0).abs() < 1e-6);
    // Other kernels keep the maximum.
    let plain = KernelCost::price(
        Flops::new(1e12),
        Bytes::new(1e9),
        rate,
        bw,
        Seconds::ZERO,
        1.0,
    );
    assert_eq!(plain.time().get(), 1e-3);
}

#[test]
fn a_chip_with_a_measured_table_uses_it_and_others_the_vendor_prior() {
    let eff = Efficiency::default();
    let cat = cat();
    let h100 = cat.chip("h100-sxm").unwrap();
    let hw = crate::hardware::Hardware::from_chip(h100, &eff).unwrap();
    let table = h100.gemm_figures(Precision::Bf16).unwrap();
    let plan = ComputePlan::new(&hw, Precisions::BF16, &eff);
    assert!(plan.gemm_measured);
    let want = hw.peak(Precision::Bf16).get() * table.compute;
    assert!((plan.gemm_rate.get() / want - 1.0).abs() < 1e-12);
    let memory = table.memory.unwrap();
    assert!((plan.gemm_bandwidth.get() / (hw.bandwidth.get() * memory) - 1.0).abs() < 1e-12);
    // FP16 runs on the same units: the BF16 table serves it.
    let fp16 = Precisions {
        weights: Precision::Fp16,
        activations: Precision::Fp16,
        kv_cache: Precision::Fp16,
    };
    assert!(ComputePlan::new(&hw, fp16, &eff).gemm_measured);
    // FP8 has no written table: the vendor fraction and the FP8 factor.
    let fp8 = ComputePlan::new(&hw, Precisions::for_weights(Precision::Fp8), &eff);
    assert!(!fp8.gemm_measured);
    let prior = hw.peak(Precision::Fp8).get() * eff.gemm_nvidia * eff.fp8_gemm_factor;
    assert!((fp8.gemm_rate.get() / prior - 1.0).abs() < 1e-12);
    // A Hopper chip with no table of its own keeps the prior in 16 bits too.
    let h20 = crate::hardware::Hardware::from_chip(cat.chip("h20").unwrap(), &eff).unwrap();
    assert!(!ComputePlan::new(&h20, Precisions::BF16, &eff).gemm_measured);
}

#[test]
fn narrow_experts_slow_serving_engines_but_not_the_training_profile() {
    use crate::breakdown::OpClass;
    let eff = Efficiency::default();
    let experts = |model: &str, engine: Engine| {
        let c = InferConfig {
            engine,
            ..cfg(32768, 1, 1, 1, Precision::Fp8)
        };
        let r = run("h100-sxm", model, &c);
        r.prefill.class(OpClass::Experts).time.get()
    };
    // A long prefill is nearly compute-bound: the experts' time grows by about (w + w0) / w
    // (the little memory time left, slowed by the smaller w / (w + 80), keeps it within 5%).
    for (model, w) in [("mixtral-8x7b", 14336.0), ("qwen3-30b-a3b", 768.0)] {
        let ratio = experts(model, Engine::Modern) / experts(model, Engine::Training);
        let want = (w + eff.expert_width_compute) / w;
        assert!(
            ratio > 1.0 && (ratio / want - 1.0).abs() < 0.05,
            "{model}: {ratio} against {want}"
        );
    }
}

#[test]
fn a_measured_streaming_figure_replaces_the_fitted_one_for_its_chip_only() {
    let eff = Efficiency::default();
    let hw =
        |id: &str| crate::hardware::Hardware::from_chip(cat().chip(id).unwrap(), &eff).unwrap();
    let mi300x = hw("mi300x");
    let measured = cat()
        .chip("mi300x")
        .unwrap()
        .stream
        .as_ref()
        .unwrap()
        .fraction;
    assert!(mi300x.memory_measured && mi300x.memory_fraction == measured);
    assert!(
        (crate::micro::stream(&mi300x).get() / (mi300x.bandwidth.get() * measured) - 1.0).abs()
            < 1e-12
    );
    let h20 = hw("h20");
    assert!(!h20.memory_measured && h20.memory_fraction == eff.memory);
    // A large-GEMM measurement without small-M figures streams at the chip's own figure.
    let tpu = hw("tpu-v6e");
    let plan = ComputePlan::new(&tpu, Precisions::BF16, &eff);
    assert!(plan.gemm_measured);
    assert!(
        (plan.gemm_bandwidth.get() / (tpu.bandwidth.get() * tpu.memory_fraction) - 1.0).abs()
            < 1e-12
    );
    assert_eq!(plan.gemm_overhead, eff.kernel_overhead);
}

#[test]
fn a_group_across_nodes_drives_every_members_port() {
    use crate::comm::group_bandwidth;
    let eff = Efficiency::default();
    let hw = crate::hardware::Hardware::from_chip(cat().chip("h100-sxm").unwrap(), &eff).unwrap();
    let (link, port) = (hw.link.get(), hw.network.get());
    assert!(hw.domain == 8 && port < link);
    // Inside a domain: the fabric.
    assert_eq!(group_bandwidth(&hw, 8, 8), link);
    // A data-parallel group strided by TP 8: one member per node, one port.
    assert_eq!(group_bandwidth(&hw, 16, 128), port);
    // Strided by 2: four members per node share the node's traffic.
    assert_eq!(group_bandwidth(&hw, 32, 64), 4.0 * port);
    // Contiguous: eight ports, but never more than the fabric that gathers them.
    assert_eq!(group_bandwidth(&hw, 64, 64), (8.0 * port).min(link));
    // So an FSDP all-gather across 8 nodes takes far less than at one port's rate.
    let bytes = xpuscope_model::units::Bytes::new(140e9);
    let lat = eff.collective_latency;
    let across =
        crate::comm::all_reduce(&hw, &eff, 64, 64, bytes, lat, crate::comm::Algorithm::Ring);
    let one_port = 140e9 * 2.0 * 63.0 / 64.0 / (port * eff.collective);
    assert!(across.get() < one_port / 6.0, "{across:?} vs {one_port}");
}
