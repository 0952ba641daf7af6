//! Criterion benchmarks of the serving simulator: simulated requests per second for Llama 3.1 8B
//! at concurrency 256 on one H100, and DeepSeek-R1 with attention-DP + EP on 8 H200s.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use xpuscope_model::{Catalog, Precision};
use xpuscope_perf::{InferConfig, Layout, Precisions};
use xpuscope_serve::{simulate, Arrivals, EngineKind, Lengths, ServeConfig, Slo};

fn config(layout: Layout, weights: Precision, concurrency: u64, requests: u64) -> ServeConfig {
    ServeConfig {
        infer: InferConfig {
            layout,
            precisions: Precisions::for_weights(weights),
            ..InferConfig::new(1000, 1000)
        },
        engine: EngineKind::Vllm.defaults(141.0, "NVIDIA H200", false, 1),
        arrivals: Arrivals::Closed { concurrency },
        lengths: Lengths {
            input: 1000,
            output: 1000,
            range: 1.0,
        },
        requests,
        seed: 1,
        slo: Slo::default(),
        timeline_steps: 0,
        trace: None,
        warmup: 0,
        speculative: None,
        disaggregate: None,
    }
}

fn bench(c: &mut Criterion) {
    let cat = Catalog::builtin().unwrap();
    let h100 = cat.chip("h100-sxm").unwrap().clone();
    let llama = Arc::new(cat.model("llama-3.1-8b").unwrap().clone());
    let cfg = config(Layout::SINGLE, Precision::Fp8, 256, 2000);
    c.bench_function(
        "serve llama-3.1-8b h100 c256, 2000 requests of 1k/1k",
        |b| {
            b.iter(|| simulate(&h100, Arc::clone(&llama), &cfg).unwrap());
        },
    );
    let h200 = cat.chip("h200-sxm").unwrap().clone();
    let r1 = Arc::new(cat.model("deepseek-r1").unwrap().clone());
    let adp = Layout {
        tp: 1,
        pp: 1,
        dp: 8,
        ep: 8,
        cp: 1,
    };
    let cfg = config(adp, Precision::Fp8, 512, 2000);
    c.bench_function(
        "serve deepseek-r1 8xh200 adp8 ep8 c512, 2000 requests of 1k/1k",
        |b| {
            b.iter(|| simulate(&h200, Arc::clone(&r1), &cfg).unwrap());
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
