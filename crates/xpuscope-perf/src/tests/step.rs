//! Engine steps: a step of one kind of work equals the pass the static model already prices, and
//! cost grows with tokens and context.

use std::sync::Arc;

use proptest::prelude::*;

use super::*;

/// The configurations the equivalences are checked on: dense GQA, windowed layers, MLA, MoE with
/// expert parallelism reached by all-to-all, and pipeline stages; then (past the first seven,
/// which the monotonicity law samples) sparse attention, linear attention and chunked attention,
/// whose decode can get cheaper as a new chunk starts.
fn cases() -> Vec<(&'static str, &'static str, Layout, Precision)> {
    let l = |tp, pp, dp, ep| Layout {
        tp,
        pp,
        dp,
        ep,
        cp: 1,
    };
    vec![
        ("h100-sxm", "llama-3.1-8b", l(1, 1, 1, 1), Precision::Bf16),
        ("h100-sxm", "llama-3.1-70b", l(8, 1, 1, 1), Precision::Fp8),
        ("h100-sxm", "gpt-oss-20b", l(1, 1, 1, 1), Precision::Bf16),
        ("h100-sxm", "mistral-7b", l(2, 2, 1, 1), Precision::Bf16),
        ("h200-sxm", "deepseek-v3", l(1, 1, 8, 8), Precision::Fp8),
        ("h100-sxm", "mixtral-8x7b", l(8, 1, 1, 8), Precision::Bf16),
        ("mi300x", "qwen3-30b-a3b", l(2, 1, 4, 8), Precision::Fp8),
        ("h200-sxm", "deepseek-v3.2", l(8, 1, 1, 8), Precision::Fp8),
        (
            "h100-sxm",
            "qwen3-next-80b-a3b",
            l(2, 1, 1, 2),
            Precision::Fp8,
        ),
        ("h100-sxm", "llama-4-scout", l(4, 1, 1, 1), Precision::Bf16),
    ]
}

/// An evaluator for `model` on `chip` under `layout`, prompts of `input` tokens, 64 out.
pub(super) fn evaluator<'a>(
    cat: &'a Catalog,
    chip: &str,
    model: &str,
    layout: Layout,
    weights: Precision,
    input: u64,
) -> infer::Evaluator<&'a xpuscope_model::model::Model> {
    let c = InferConfig {
        layout,
        precisions: Precisions::for_weights(weights),
        ..InferConfig::new(input, 64)
    };
    infer::Evaluator::new(
        cat.chip(chip).unwrap(),
        cat.model(model).unwrap(),
        &c,
        &Efficiency::default(),
    )
    .unwrap()
}

fn assert_close(a: &Breakdown, b: &Breakdown, what: &str) {
    let rel = |x: f64, y: f64| (x - y).abs() / x.abs().max(y.abs()).max(1e-300);
    assert!(
        rel(a.total().get(), b.total().get()) < 1e-9,
        "{what}: total {:?} vs {:?}",
        a.total(),
        b.total()
    );
    for c in OpClass::ALL {
        let (x, y) = (a.class(c), b.class(c));
        assert!(
            rel(x.time.get(), y.time.get()) < 1e-9 && rel(x.bytes.get(), y.bytes.get()) < 1e-9,
            "{what}: {} {x:?} vs {y:?}",
            c.as_str()
        );
    }
}

#[test]
fn a_step_of_decodes_is_the_decode_pass() {
    let cat = cat();
    for (chip, model, layout, w) in cases() {
        let ev = evaluator(cat, chip, model, layout, w, 1024);
        for (seqs, context) in [(1u64, 100u64), (16, 3000), (64, 40_000)] {
            let mut s = ev.step_shape();
            for _ in 0..seqs {
                s.add_decode(context);
            }
            let batch = seqs * u64::from(layout.dp);
            assert_close(
                &ev.step(&s),
                &ev.decode_step(batch, context as f64),
                &format!("{model} on {chip}, {seqs} decodes at {context}"),
            );
        }
    }
}

#[test]
fn a_step_of_one_whole_prompt_is_the_prefill_pass() {
    let cat = cat();
    for (chip, model, layout, w) in cases() {
        for input in [1u64, 17, 2048, 10_000] {
            let ev = evaluator(cat, chip, model, layout, w, input);
            let mut s = ev.step_shape();
            s.add_prefill(input, 0);
            assert_close(
                &ev.step(&s),
                &ev.prefill(u64::from(layout.dp)),
                &format!("{model} on {chip}, a prompt of {input}"),
            );
        }
    }
}

#[test]
fn an_owned_model_prices_the_same_as_a_borrowed_one() {
    let cat = cat();
    let m = cat.model("llama-3.1-8b").unwrap();
    let c = InferConfig::new(512, 64);
    let chip = cat.chip("h100-sxm").unwrap();
    let eff = Efficiency::default();
    let borrowed = infer::Evaluator::new(chip, m, &c, &eff).unwrap();
    let owned: infer::Evaluator =
        infer::Evaluator::new(chip, Arc::new(m.clone()), &c, &eff).unwrap();
    let mut s = owned.step_shape();
    s.add_prefill(512, 256);
    s.add_decode(3000);
    assert_eq!(owned.step(&s), borrowed.step(&s));
    assert_eq!(owned.kv_cache_bytes(4096), borrowed.kv_cache_bytes(4096));
}

#[test]
fn kv_cache_bytes_are_what_memory_counts() {
    let cat = cat();
    for (chip, model, layout, w) in cases() {
        let ev = evaluator(cat, chip, model, layout, w, 1024);
        let seqs = 3u64;
        let mem = ev.memory(seqs * u64::from(layout.dp));
        let per_seq = ev.kv_cache_bytes(1024 + 64);
        assert_eq!(mem.kv_cache, per_seq * seqs as f64, "{model}");
        // Within every window, each token costs the per-token figure on every attention layer;
        // linear-attention layers hold their state whatever the length.
        let short = ev.kv_cache_bytes(100) - ev.state_bytes_per_sequence();
        let rel = (short.get() - 100.0 * ev.kv_cache_bytes_per_token().get()).abs() / short.get();
        assert!(rel < 1e-12, "{model}: {short:?}");
    }
    // MLA keeps its 576-wide latent per layer whatever the TP degree: DeepSeek-V3 in FP8 weights
    // keeps a BF16 cache of 576 x 2 bytes per token per layer.
    let layers = f64::from(cat.model("deepseek-v3").unwrap().layers);
    for tp in [1, 8] {
        let l = Layout {
            tp,
            ..Layout::SINGLE
        };
        let ev = evaluator(cat, "h200-sxm", "deepseek-v3", l, Precision::Fp8, 128);
        assert_eq!(ev.kv_cache_bytes_per_token().get(), layers * 576.0 * 2.0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Another decode, another prefill token or a longer context never makes a step cheaper.
    #[test]
    fn steps_cost_more_with_more_work(
        case in 0usize..7, // the first seven cases: no chunked attention
        decodes in prop::collection::vec(1u64..50_000, 0..40),
        chunks in prop::collection::vec((1u64..4096, 0u64..20_000), 0..3),
        extra in 1u64..5000,
    ) {
        let cat = cat();
        let (chip, model, layout, w) = cases()[case];
        let ev = evaluator(cat, chip, model, layout, w, 1024);
        let mut s = ev.step_shape();
        for &c in &decodes {
            s.add_decode(c);
        }
        for &(l, p) in &chunks {
            s.add_prefill(l, p);
        }
        let base = ev.step(&s).total();
        let mut more = s;
        more.add_decode(extra);
        prop_assert!(ev.step(&more).total() >= base);
        let mut longer = s;
        longer.add_prefill(extra, 0);
        prop_assert!(ev.step(&longer).total() >= base);
        if let Some(&c) = decodes.first() {
            let mut deeper = s;
            deeper.remove_decode(c);
            deeper.add_decode(c + extra);
            prop_assert!(ev.step(&deeper).total() >= base);
        }
        if let Some(&(l, p)) = chunks.first() {
            let mut later = s;
            later.remove_prefill(l, p);
            later.add_prefill(l, p + extra);
            prop_assert!(ev.step(&later).total() >= base);
        }
    }
}

#[test]
fn adding_many_decodes_at_once_is_the_same_shape_as_adding_them_one_by_one() {
    // A sliding window caps the windowed context, so the batched form must cap each decode.
    let windowed = StepShape::for_model(cat().model("gpt-oss-120b").expect("model")).window();
    assert!(windowed.is_some());
    for window in [None, windowed] {
        let (mut one, mut many) = (StepShape::new(window), StepShape::new(window));
        for _ in 0..37 {
            one.add_decode(3000);
        }
        many.add_decodes(37, 3000);
        assert_eq!(one, many, "{window:?}");
    }
}
