//! Criterion benchmarks of the planner: one screened steady state (what the search prices for
//! every configuration and fleet size), and whole plans: DeepSeek-R1 over the five
//! chips, and Llama 3.1 70B over every chip in the catalogue.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use xpuscope_analysis::cost::CostAssumptions;
use xpuscope_analysis::plan::screen::Rank;
use xpuscope_analysis::plan::space::Config;
use xpuscope_analysis::plan::{plan, PlanRequest, PlanSlo};
use xpuscope_model::{Catalog, Precision};
use xpuscope_perf::{Layout, Precisions};
use xpuscope_serve::EngineKind;

fn request(cat: &Catalog, model: &str, rate: f64, input: u32, output: u32) -> PlanRequest {
    PlanRequest {
        model: Arc::new(cat.model(model).expect("model").clone()),
        input_len: input,
        output_len: output,
        request_rate: rate,
        slo: PlanSlo {
            ttft_s: 2.0,
            tpot_s: 0.05,
            percentile: 90.0,
        },
        max_chips: 256,
        engines: EngineKind::ALL.to_vec(),
        disaggregate: true,
        heterogeneous: true,
        cost: CostAssumptions::default(),
        max_power_kw: None,
        budget_usd: None,
        seed: 0,
        requests_per_rank: 300,
        max_simulations: 150,
    }
}

fn benches(c: &mut Criterion) {
    let cat = Catalog::builtin().expect("catalogue");
    let h200 = cat.chip("h200-sxm").expect("chip");
    let model = Arc::new(cat.model("llama-3.1-70b").expect("model").clone());
    let layout = Layout {
        tp: 4,
        ..Layout::SINGLE
    };
    let config = Config {
        chip: h200,
        layout,
        precisions: Precisions::for_weights(Precision::Fp8),
        engine: EngineKind::Vllm.defaults_for(h200, &model, &layout),
    };
    let rank = Rank::new(config, &model, 2000, 500).expect("runs");
    c.bench_function("plan/screen_steady_state_llama70b_h200_tp4", |b| {
        b.iter(|| rank.aggregated(std::hint::black_box(2.0), 0.9));
    });

    let five: Vec<_> = ["h20", "h200-sxm", "h100-sxm", "ascend-910c", "mi308x"]
        .iter()
        .map(|id| cat.chip(id).expect("chip"))
        .collect();
    let r1 = request(&cat, "deepseek-r1", 20.0, 2000, 1000);
    let mut g = c.benchmark_group("plan/whole");
    g.sample_size(10);
    g.bench_function("deepseek_r1_five_chips", |b| {
        b.iter(|| plan(&r1, &five, None).expect("plan"));
    });
    let all: Vec<_> = cat.chips().iter().collect();
    let l70 = request(&cat, "llama-3.1-70b", 10.0, 2000, 500);
    g.bench_function("llama70b_every_chip", |b| {
        b.iter(|| plan(&l70, &all, None).expect("plan"));
    });
    g.finish();
}

criterion_group!(plan_benches, benches);
criterion_main!(plan_benches);
