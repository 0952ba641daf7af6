//! Speed of the cost model: one inference evaluation, one engine step, a layout search.
//!
//! `cargo bench -p xpuscope-perf` prints the times; the README quotes them. The search benchmark
//! reports layouts per second through criterion's element throughput.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use xpuscope_model::{Catalog, Precision};
use xpuscope_perf::infer::Evaluator;
use xpuscope_perf::search::{self, Fixed, Space};
use xpuscope_perf::train::Trainer;
use xpuscope_perf::{Batch, Efficiency, InferConfig, Layout, Precisions, StepShape};

fn bench(c: &mut Criterion) {
    let cat = Catalog::builtin().expect("built-in catalogue loads");
    let eff = Efficiency::default();
    let h100 = cat.chip("h100-sxm").unwrap();

    // A 126-layer model: Llama 3.1 405B on 8 H100s, FP8.
    let model = cat.model("llama-3.1-405b").unwrap();
    let cfg = InferConfig {
        layout: Layout {
            tp: 8,
            ..Layout::SINGLE
        },
        precisions: Precisions::for_weights(Precision::Fp8),
        batch: Batch::Fixed(32),
        ..InferConfig::new(2048, 256)
    };
    c.bench_function(
        "infer: one evaluation, llama-3.1-405b (126 layers), tp8",
        |b| {
            b.iter(|| {
                let ev = Evaluator::new(h100, black_box(model), &cfg, &eff).unwrap();
                black_box(ev.evaluate(32, 32))
            });
        },
    );
    let ev = Evaluator::new(h100, model, &cfg, &eff).unwrap();
    c.bench_function("infer: prepared evaluation (prefill + mean decode)", |b| {
        b.iter(|| black_box(ev.evaluate(black_box(32), 32)));
    });
    // One engine step of a continuous-batching server: a 512-token chunk after 1024 cached tokens
    // and 63 decodes at contexts from 1k to 5k, priced from the step's sums.
    let mut step = StepShape::for_model(model);
    step.add_prefill(512, 1024);
    for i in 0..63u64 {
        step.add_decode(1024 + 64 * i);
    }
    c.bench_function(
        "step: 1 prefill chunk + 63 decodes, llama-3.1-405b tp8",
        |b| b.iter(|| black_box(ev.step(black_box(&step)))),
    );
    let moe = cat.model("deepseek-v3").unwrap();
    let ds_cfg = InferConfig {
        layout: Layout {
            tp: 1,
            dp: 8,
            ep: 8,
            ..Layout::SINGLE
        },
        precisions: Precisions::for_weights(Precision::Fp8),
        ..InferConfig::new(4096, 1024)
    };
    let ds = Evaluator::new(cat.chip("h200-sxm").unwrap(), moe, &ds_cfg, &eff).unwrap();
    let mut ds_step = ds.step_shape();
    ds_step.add_prefill(2048, 0);
    for i in 0..127u64 {
        ds_step.add_decode(2048 + 32 * i);
    }
    c.bench_function(
        "step: 1 prefill chunk + 127 decodes, deepseek-v3 dp8 ep8",
        |b| b.iter(|| black_box(ds.step(black_box(&ds_step)))),
    );
    let moe_cfg = InferConfig {
        layout: Layout {
            tp: 1,
            dp: 8,
            ep: 8,
            ..Layout::SINGLE
        },
        precisions: Precisions::for_weights(Precision::Fp8),
        batch: Batch::Max,
        ..InferConfig::new(4096, 1024)
    };
    c.bench_function(
        "infer: deepseek-v3 ep8, --batch max (bisection included)",
        |b| {
            b.iter(|| {
                let ev = Evaluator::new(
                    cat.chip("h200-sxm").unwrap(),
                    black_box(moe),
                    &moe_cfg,
                    &eff,
                )
                .unwrap();
                black_box(ev.run().unwrap())
            });
        },
    );

    let llama70 = cat.model("llama-3.1-70b").unwrap();
    let h20 = cat.chip("h20").unwrap();
    let trainer = Trainer::new(h20, llama70, Precision::Bf16, 8192, &eff).unwrap();
    let space = Space {
        chips: 1024,
        seq_len: 8192,
        global_batch: 1024,
        precision: Precision::Bf16,
        usable_fraction: xpuscope_perf::USABLE_MEMORY_FRACTION,
        fixed: Fixed::default(),
    };
    let layouts = search::search(&trainer, &space, None).evaluated;
    let mut g = c.benchmark_group("train search");
    g.throughput(Throughput::Elements(layouts));
    g.bench_function(
        format!("llama-3.1-70b on 1024 x h20, {layouts} layouts"),
        |b| b.iter(|| black_box(search::search(&trainer, black_box(&space), None))),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
