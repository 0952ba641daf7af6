//! The calls the Python functions make, timed without Python: the baseline for the package's
//! "within 3x of the Rust call" target (`python/benchmarks/bench.py` times the same calls
//! through Python).
//!
//! `cargo bench -p xpuscope-py`; docs/python.md quotes the figures.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use xpuscope_py::calls;
use xpuscope_report::options::{BatchOption, InferOptions};
use xpuscope_report::views::sweep::SweepOptions;

fn bench(c: &mut Criterion) {
    let cat = calls::catalog(&[]).expect("built-in catalogue loads");
    // The point of xpuscope-perf's `infer` benchmark: Llama 3.1 405B on 8 H100s, FP8, batch 32.
    let o = InferOptions {
        tp: Some(8),
        weights: Some("fp8".into()),
        batch: Some(BatchOption::Count(32)),
        input_len: Some(2048),
        output_len: Some(256),
        ..InferOptions::default()
    };
    c.bench_function(
        "infer call: the view Python gets, llama-3.1-405b tp8",
        |b| {
            b.iter(|| {
                black_box(calls::infer(
                    &cat,
                    "h100-sxm",
                    black_box("llama-3.1-405b"),
                    &o,
                ))
            });
        },
    );
    let ids = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    let sweep = calls::Sweep::new(
        &cat,
        &ids(&["h20", "h100-sxm", "h200-sxm", "h800-sxm", "a100-sxm-80gb"]),
        &ids(&["llama-3.1-8b", "llama-3.1-70b", "qwen3-32b", "mixtral-8x7b"]),
        SweepOptions {
            tp: vec![1, 2, 4, 8],
            weights: ids(&["bf16", "fp8"]),
            batch: (1..126).map(BatchOption::Count).collect(),
            input_len: vec![512, 1024, 2048, 4096, 8192],
            ..SweepOptions::default()
        },
    )
    .expect("the grid resolves");
    let n = sweep.points().expect("the grid is valid");
    let mut g = c.benchmark_group("sweep");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function(format!("{n} inference points, rows on all cores"), |b| {
        b.iter(|| black_box(sweep.run(0..n)));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
