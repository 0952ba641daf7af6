//! Laws over random valid inputs for every front end's entry points: no panic, every JSON
//! number finite and non-negative, and an answer only when there is one (an error otherwise).

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use xpuscope_model::Catalog;

use super::{infer, serve, train};
use crate::options::{BatchOption, InferOptions, TrainOptions};

pub(super) fn cat() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::builtin().unwrap())
}

/// Every number in `v` is finite and not negative; names the first that is not.
pub(super) fn numbers_are_real(v: &serde_json::Value, path: &str) -> Result<(), String> {
    finite(v, path, &[])
}

/// Every number in `v` finite, and non-negative except under the keys in `signed` (an export
/// margin is how far below or above its threshold a figure sits).
pub(super) fn finite(v: &serde_json::Value, path: &str, signed: &[&str]) -> Result<(), String> {
    match v {
        serde_json::Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let key = path.rsplit('.').next().unwrap_or("");
            let key = key.split('[').next().unwrap_or(key);
            if x.is_finite() && (x >= 0.0 || signed.contains(&key)) {
                Ok(())
            } else {
                Err(format!("{path} = {x}"))
            }
        }
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| finite(x, &format!("{path}[{i}]"), signed)),
        serde_json::Value::Object(o) => o
            .iter()
            .try_for_each(|(k, x)| finite(x, &format!("{path}.{k}"), signed)),
        _ => Ok(()),
    }
}

pub(super) const CHIPS: &[&str] = &[
    "h100-sxm",
    "h20",
    "l4",
    "mi300x",
    "ascend-910b",
    "b200",
    "tpu-v5p",
];
pub(super) const MODELS: &[&str] = &[
    "llama-3.1-8b",
    "llama-3.1-70b",
    "mixtral-8x7b",
    "deepseek-v3",
    "qwen3-30b-a3b",
];
pub(super) const WEIGHTS: &[&str] = &["bf16", "fp8", "int8", "int4", "fp4"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn infer_answers_are_real_or_errors(
        chip in 0..CHIPS.len(), model in 0..MODELS.len(), w in 0..WEIGHTS.len(),
        tp in prop::sample::select(vec![1u32, 2, 4, 8]), batch in 1u64..600,
        input in 1u64..20_000, output in 1u64..4_000, max in any::<bool>(),
    ) {
        let chip = cat().chip(CHIPS[chip]).unwrap();
        let m = cat().model(MODELS[model]).unwrap();
        let o = InferOptions {
            tp: Some(tp),
            weights: Some(WEIGHTS[w].into()),
            input_len: Some(input),
            output_len: Some(output),
            batch: Some(if max { BatchOption::Word("max".into()) } else { BatchOption::Count(batch) }),
            ..InferOptions::default()
        };
        if let Ok(v) = infer::infer(chip, m, &o) {
            let j = serde_json::to_value(&v).unwrap();
            prop_assert!(numbers_are_real(&j, "infer").is_ok(), "{:?}", numbers_are_real(&j, "infer"));
            prop_assert!(v.ttft_s > 0.0 && v.tpot_s > 0.0 && v.output_tokens_per_s > 0.0);
        }
    }

    #[test]
    fn train_answers_are_real_or_errors(
        chip in 0..CHIPS.len(), model in 0..3usize, chips in prop::sample::select(vec![8u32, 16, 64]),
        tp in prop::sample::select(vec![1u32, 2, 8]), seq in prop::sample::select(vec![2048u64, 4096, 8192]),
        zero in 0u8..4,
    ) {
        let chip = cat().chip(CHIPS[chip]).unwrap();
        let m = cat().model(MODELS[model]).unwrap();
        let o = TrainOptions {
            chips: Some(chips),
            tp: Some(tp),
            zero: Some(zero),
            seq_len: Some(seq),
            global_batch: Some(u64::from(chips) * 4),
            tokens: Some(1e12),
            ..TrainOptions::default()
        };
        if let Ok(job) = train::TrainJob::new(chip, m, &o) {
            if let Ok(v) = job.run(None) {
                let j = serde_json::to_value(&v).unwrap();
                prop_assert!(numbers_are_real(&j, "train").is_ok(), "{:?}", numbers_are_real(&j, "train"));
                prop_assert_eq!(j["fits"].as_bool(), Some(true), "an answer is a layout that fits");
            }
        }
    }

    #[test]
    fn serve_answers_are_real_or_errors(
        chip in 0..CHIPS.len(), model in 0..3usize, engine in prop::sample::select(vec!["vllm", "sglang", "trtllm"]),
        c in 1u64..128, input in 1u64..4_000, output in 1u64..600, range in 0.1f64..=1.0,
    ) {
        let chip = cat().chip(CHIPS[chip]).unwrap();
        let m = Arc::new(cat().model(MODELS[model]).unwrap().clone());
        let o = serve::ServeOptions {
            deployment: InferOptions {
                weights: Some("fp8".into()),
                input_len: Some(input),
                output_len: Some(output),
                ..InferOptions::default()
            },
            engine: Some(engine.into()),
            concurrency: Some(c),
            requests: Some(2 * c),
            length_range: Some(range),
            ..serve::ServeOptions::default()
        };
        if let Ok(v) = serve::serve(chip, m, &o) {
            let j = serde_json::to_value(&v).unwrap();
            prop_assert!(numbers_are_real(&j, "serve").is_ok(), "{:?}", numbers_are_real(&j, "serve"));
            prop_assert_eq!(v.requests, 2 * c);
            prop_assert!(v.output_tokens_per_s > 0.0);
        }
    }
}
