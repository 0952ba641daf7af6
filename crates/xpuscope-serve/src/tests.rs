//! Laws and checks of the simulator, on the built-in catalogue.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use xpuscope_model::{Catalog, Precision};
use xpuscope_perf::{InferConfig, Layout, Precisions};

use super::*;

fn cat() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::builtin().unwrap())
}

fn config(engine: EngineKind, arrivals: Arrivals, input: u32, output: u32, n: u64) -> ServeConfig {
    ServeConfig {
        infer: InferConfig {
            layout: Layout::SINGLE,
            precisions: Precisions::for_weights(Precision::Fp8),
            ..InferConfig::new(1, 1)
        },
        engine: engine.defaults(80.0, "NVIDIA H100 SXM5 80GB", false, 1),
        arrivals,
        lengths: Lengths {
            input,
            output,
            range: 1.0,
        },
        requests: n,
        seed: 7,
        slo: Slo::default(),
        timeline_steps: 0,
        trace: None,
        warmup: 0,
        speculative: None,
        disaggregate: None,
    }
}

fn run(chip: &str, model: &str, cfg: &ServeConfig) -> ServeResult {
    let c = cat();
    simulate(
        c.chip(chip).unwrap(),
        Arc::new(c.model(model).unwrap().clone()),
        cfg,
    )
    .unwrap()
}

#[test]
fn a_closed_loop_serves_every_request_with_sane_latencies() {
    for engine in EngineKind::ALL {
        let cfg = config(engine, Arrivals::Closed { concurrency: 16 }, 512, 128, 64);
        let r = run("h100-sxm", "llama-3.1-8b", &cfg);
        let s = &r.replica;
        assert_eq!(s.requests, 64, "{engine:?}");
        assert_eq!(s.output_tokens, 64 * 128);
        assert!(
            s.ttft.p50 > 0.0 && s.ttft.p50 < 1.0,
            "{engine:?} {:?}",
            s.ttft
        );
        assert!(
            s.tpot.p50 > 1e-3 && s.tpot.p50 < 0.1,
            "{engine:?} {:?}",
            s.tpot
        );
        // TPOT is a mean of the gaps: the ITL mean lies near it.
        assert!(
            (s.itl.mean / s.tpot.mean - 1.0).abs() < 0.2,
            "{:?} {:?}",
            s.itl,
            s.tpot
        );
        assert!(
            s.mean_batch > 8.0 && s.mean_batch <= 16.0,
            "{engine:?} {}",
            s.mean_batch
        );
        assert!(r.output_tokens_per_s.get() > 0.0);
    }
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let mut cfg = config(
        EngineKind::Vllm,
        Arrivals::Open {
            rate: 20.0,
            burstiness: 0.5,
            concurrency: None,
        },
        300,
        60,
        80,
    );
    cfg.lengths.range = 0.5;
    let a = run("h100-sxm", "llama-3.1-8b", &cfg);
    let b = run("h100-sxm", "llama-3.1-8b", &cfg);
    assert_eq!(a.replica.duration_s, b.replica.duration_s);
    assert_eq!(a.replica.ttft, b.replica.ttft);
    cfg.seed = 8;
    let c = run("h100-sxm", "llama-3.1-8b", &cfg);
    assert_ne!(a.replica.duration_s, c.replica.duration_s);
}

#[test]
fn a_cache_too_small_for_one_request_is_one_sentence() {
    let cfg = config(
        EngineKind::Vllm,
        Arrivals::Closed { concurrency: 1 },
        400_000,
        10,
        1,
    );
    let c = cat();
    let e = simulate(
        c.chip("l4").unwrap(),
        Arc::new(c.model("llama-3.1-8b").unwrap().clone()),
        &cfg,
    )
    .unwrap_err();
    assert!(matches!(e, ServeError::KvTooSmall { .. }), "{e}");
    assert!(e.to_string().contains("too few for one request"), "{e}");
}

#[test]
fn a_full_cache_preempts_under_vllm_and_never_under_trtllm() {
    // Long outputs at high concurrency on a small cache: vLLM admits optimistically and
    // recomputes; TensorRT-LLM's no-evict admission reserves whole lengths instead.
    let arrivals = Arrivals::Closed { concurrency: 256 };
    let v = run(
        "l4",
        "llama-3.1-8b",
        &config(EngineKind::Vllm, arrivals, 1000, 2000, 300),
    );
    let t = run(
        "l4",
        "llama-3.1-8b",
        &config(EngineKind::Trtllm, arrivals, 1000, 2000, 300),
    );
    assert!(v.replica.preemptions > 0, "{:?}", v.replica.preemptions);
    assert_eq!(t.replica.preemptions, 0);
    assert!(
        v.replica.kv_peak_fraction > 0.9,
        "{}",
        v.replica.kv_peak_fraction
    );
}

#[test]
fn offline_is_at_least_any_closed_loop() {
    let off = run(
        "h100-sxm",
        "llama-3.1-8b",
        &config(EngineKind::Vllm, Arrivals::Offline, 512, 256, 400),
    );
    for c in [8, 64, 256] {
        let closed = run(
            "h100-sxm",
            "llama-3.1-8b",
            &config(
                EngineKind::Vllm,
                Arrivals::Closed { concurrency: c },
                512,
                256,
                400,
            ),
        );
        assert!(
            off.output_tokens_per_s.get() >= closed.output_tokens_per_s.get() * 0.999,
            "c{c}: {} < {}",
            off.output_tokens_per_s.get(),
            closed.output_tokens_per_s.get()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// More concurrency never lowers total throughput while the KV cache is not full.
    #[test]
    fn more_concurrency_never_lowers_throughput(c in 1u64..64, input in 64u32..1024, output in 16u32..256) {
        let a = run("h100-sxm", "llama-3.1-8b", &config(EngineKind::Vllm, Arrivals::Closed { concurrency: c }, input, output, 4 * c));
        let b = run("h100-sxm", "llama-3.1-8b", &config(EngineKind::Vllm, Arrivals::Closed { concurrency: 2 * c }, input, output, 8 * c));
        prop_assume!(b.replica.preemptions == 0 && b.replica.kv_peak_fraction < 0.95);
        prop_assert!(b.output_tokens_per_s.get() >= a.output_tokens_per_s.get() * 0.98, "{} < {}", b.output_tokens_per_s.get(), a.output_tokens_per_s.get());
    }

    /// TTFT at a request rate never falls as the rate rises (same seed, so the same gaps scaled).
    /// At light load a request waits for the step in progress, and where its arrival falls in
    /// that step is sampling noise of a few per cent: the law is checked between rates three
    /// times apart, to that noise.
    #[test]
    fn ttft_never_falls_as_the_rate_rises(rate in 1.0f64..40.0, input in 64u32..2048) {
        let at = |r: f64| run("h100-sxm", "llama-3.1-8b", &config(EngineKind::Vllm, Arrivals::Open { rate: r, burstiness: 1.0, concurrency: None }, input, 64, 200));
        let (a, b) = (at(rate), at(rate * 3.0));
        prop_assert!(b.replica.ttft.mean >= a.replica.ttft.mean * 0.95, "{:?} vs {:?}", a.replica.ttft, b.replica.ttft);
    }
}

/// A faster chip (every rate higher) is never slower on any percentile.
#[test]
fn a_faster_chip_is_never_slower() {
    let c = cat();
    let base = c.chip("h100-sxm").unwrap().clone();
    let mut fast = base.clone();
    for p in fast.dense.iter_mut().flatten() {
        p.value = p.value * 1.5;
    }
    if let Some(b) = fast.memory_bandwidth.as_mut() {
        b.value = b.value * 1.5;
    }
    let model = Arc::new(c.model("llama-3.1-8b").unwrap().clone());
    for arrivals in [
        Arrivals::Closed { concurrency: 32 },
        Arrivals::Open {
            rate: 10.0,
            burstiness: 1.0,
            concurrency: None,
        },
    ] {
        let cfg = config(EngineKind::Vllm, arrivals, 800, 200, 120);
        let a = simulate(&base, Arc::clone(&model), &cfg).unwrap().replica;
        let b = simulate(&fast, Arc::clone(&model), &cfg).unwrap().replica;
        for (x, y) in [(a.ttft, b.ttft), (a.tpot, b.tpot), (a.e2e, b.e2e)] {
            for (p, q) in [
                (x.p50, y.p50),
                (x.p90, y.p90),
                (x.p99, y.p99),
                (x.mean, y.mean),
            ] {
                assert!(q <= p * 1.0001, "{arrivals:?}: {q} > {p}");
            }
        }
    }
}

#[test]
fn speculative_decoding_emits_the_accepted_drafts() {
    let base = config(
        EngineKind::Vllm,
        Arrivals::Closed { concurrency: 8 },
        256,
        120,
        16,
    );
    let with = |tokens: u32, acceptance: f64| ServeConfig {
        speculative: Some(Speculative {
            tokens,
            acceptance,
            draft_fraction: 1.0 / 32.0,
        }),
        ..base.clone()
    };
    let plain = run("h100-sxm", "llama-3.1-8b", &base);
    // Every draft accepted: 3 drafts + 1 token per step, a quarter of the decode steps.
    let all = run("h100-sxm", "llama-3.1-8b", &with(3, 1.0));
    assert_eq!(all.replica.output_tokens, plain.replica.output_tokens);
    assert!(
        all.replica.steps * 3 < plain.replica.steps,
        "{} vs {}",
        all.replica.steps,
        plain.replica.steps
    );
    assert!(all.replica.tpot.mean < plain.replica.tpot.mean * 0.5);
    // None accepted: the same tokens, each step dearer by the drafts and the wider verify.
    let none = run("h100-sxm", "llama-3.1-8b", &with(3, 0.0));
    assert!(none.replica.tpot.mean > plain.replica.tpot.mean);
    assert!(
        (Speculative {
            tokens: 3,
            acceptance: 0.5,
            draft_fraction: 0.0
        }
        .mean_emitted()
            - 1.875)
            .abs()
            < 1e-12
    );
}

#[test]
fn disaggregation_takes_prefill_out_of_the_decode_steps() {
    let mut agg = config(
        EngineKind::Vllm,
        Arrivals::Open {
            rate: 6.0,
            burstiness: 1.0,
            concurrency: None,
        },
        2000,
        200,
        150,
    );
    agg.infer.layout = Layout {
        tp: 4,
        ..Layout::SINGLE
    };
    let a = run("h100-sxm", "llama-3.1-70b", &agg);
    let dis = ServeConfig {
        disaggregate: Some(Disaggregation {
            prefill_chips: 4,
            decode_chips: 4,
        }),
        ..agg.clone()
    };
    let d = run("h100-sxm", "llama-3.1-70b", &dis);
    assert_eq!(d.chips, 8);
    assert_eq!(d.replica.requests, a.replica.requests);
    // Decode steps no longer carry 2,000-token prompts: tokens come evenly, and faster.
    assert!(
        d.replica.tpot.mean < a.replica.tpot.mean * 0.9,
        "{:?} vs {:?}",
        d.replica.tpot,
        a.replica.tpot
    );
    assert!(d.replica.itl.p99 < a.replica.itl.p99 * 0.5);
    // TTFT includes the cache's crossing, which is positive.
    assert!(d.replica.ttft.mean > 0.0);
    let bad = ServeConfig {
        disaggregate: Some(Disaggregation {
            prefill_chips: 6,
            decode_chips: 4,
        }),
        ..agg
    };
    let c = cat();
    let e = simulate(
        c.chip("h100-sxm").unwrap(),
        Arc::new(c.model("llama-3.1-70b").unwrap().clone()),
        &bad,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("--prefill-chips 6 is not a multiple of tp 4"),
        "{e}"
    );
}

#[test]
fn review_edge_cases_hold() {
    // A verify step wider than the token budget waits instead of overrunning it.
    let mut cfg = config(
        EngineKind::Vllm,
        Arrivals::Closed { concurrency: 64 },
        100,
        50,
        64,
    );
    cfg.engine.max_num_tokens = 100;
    cfg.speculative = Some(Speculative {
        tokens: 16,
        acceptance: 0.5,
        draft_fraction: 1.0 / 32.0,
    });
    let r = run("h100-sxm", "llama-3.1-8b", &cfg);
    assert!(
        r.replica.mean_tokens_per_step <= 100.0,
        "{}",
        r.replica.mean_tokens_per_step
    );
    // One request on eight replicas is one request, not eight.
    let mut one = config(
        EngineKind::Vllm,
        Arrivals::Trace { concurrency: None },
        100,
        10,
        1,
    );
    one.infer.layout = Layout {
        dp: 8,
        ..Layout::SINGLE
    };
    one.trace = Some(vec![Request {
        arrival: 0.0,
        input: 100,
        output: 10,
        cached: 0,
        id: 0,
    }]);
    let r = run("h100-sxm", "llama-3.1-8b", &one);
    assert_eq!(r.requests, 1);
    assert!((r.output_tokens_per_s.get() * r.replica.duration_s - 10.0).abs() < 1e-6);
    // Disaggregated runs keep each request's own lengths.
    let mut agg = config(
        EngineKind::Vllm,
        Arrivals::Open {
            rate: 4.0,
            burstiness: 1.0,
            concurrency: None,
        },
        2000,
        400,
        100,
    );
    agg.lengths.range = 0.1;
    let a = run("h100-sxm", "llama-3.1-8b", &agg);
    let d = run(
        "h100-sxm",
        "llama-3.1-8b",
        &ServeConfig {
            disaggregate: Some(Disaggregation {
                prefill_chips: 1,
                decode_chips: 1,
            }),
            ..agg
        },
    );
    let ratio = d.output_tokens_per_s.get() / a.output_tokens_per_s.get();
    assert!((ratio - 1.0).abs() < 0.05, "{ratio}");
}

#[test]
fn a_closed_loop_across_pools_keeps_its_requests_in_flight() {
    let mut last = 0.0;
    for c in [4u64, 16, 64, 256] {
        let mut cfg = config(
            EngineKind::Vllm,
            Arrivals::Closed { concurrency: c },
            2000,
            200,
            1000,
        );
        cfg.infer.layout = Layout {
            tp: 4,
            ..Layout::SINGLE
        };
        cfg.disaggregate = Some(Disaggregation {
            prefill_chips: 4,
            decode_chips: 4,
        });
        let r = run("h100-sxm", "llama-3.1-70b", &cfg);
        // Little's law over the whole run: the rate times the mean latency is the loop's size,
        // whether the pools hold them all or some wait for a slot (within the run's start and
        // drain, which the served rate counts and the arrival rate does not).
        let in_flight = r.requests_per_s * r.replica.e2e.mean;
        assert!(
            (in_flight / c as f64 - 1.0).abs() < 0.03,
            "c {c}: {in_flight} in flight"
        );
        assert!(
            r.notes[0].contains(&format!("closed loop of {c}")),
            "{:?}",
            r.notes
        );
        // More concurrency never lowers throughput.
        let x = r.output_tokens_per_s.get();
        assert!(x >= last * 0.99, "c {c}: {x} after {last}");
        last = x;
    }
}

#[test]
fn a_closed_loop_across_pools_with_a_slot_for_every_request_is_offline() {
    let mut cfg = config(
        EngineKind::Vllm,
        Arrivals::Closed { concurrency: 64 },
        500,
        50,
        40,
    );
    cfg.disaggregate = Some(Disaggregation {
        prefill_chips: 1,
        decode_chips: 1,
    });
    let closed = run("h100-sxm", "llama-3.1-8b", &cfg);
    let offline = run(
        "h100-sxm",
        "llama-3.1-8b",
        &ServeConfig {
            arrivals: Arrivals::Offline,
            ..cfg.clone()
        },
    );
    assert!(closed.notes[0].contains("as offline"), "{:?}", closed.notes);
    assert_eq!(closed.replica.ttft, offline.replica.ttft);
    assert_eq!(closed.output_tokens_per_s, offline.output_tokens_per_s);
}

#[test]
fn a_capped_rate_across_pools_is_refused_with_a_sentence() {
    let mut cfg = config(
        EngineKind::Vllm,
        Arrivals::Open {
            rate: 5.0,
            burstiness: 1.0,
            concurrency: Some(8),
        },
        500,
        50,
        50,
    );
    cfg.disaggregate = Some(Disaggregation {
        prefill_chips: 1,
        decode_chips: 1,
    });
    let c = cat();
    let e = simulate(
        c.chip("h100-sxm").unwrap(),
        Arc::new(c.model("llama-3.1-8b").unwrap().clone()),
        &cfg,
    )
    .unwrap_err();
    assert!(e.to_string().contains("is not simulated yet"), "{e}");
}

/// Which steps each engine runs outside its CUDA graphs, and what that costs: vLLM's piecewise
/// graphs take prefills up to 512 tokens, SGLang's take decode batches only, and a step outside
/// them lasts at least its launches times `EAGER_LAUNCH` (never for TensorRT-LLM's C++ launches).
#[test]
fn steps_outside_cuda_graphs_pay_for_their_launches() {
    let e = |k: EngineKind| k.defaults(80.0, "NVIDIA H100 SXM5 80GB", false, 1);
    let (vllm, sglang, trtllm) = (
        e(EngineKind::Vllm),
        e(EngineKind::Sglang),
        e(EngineKind::Trtllm),
    );
    assert!(!vllm.graphs.eager(64, 512, true) && vllm.graphs.eager(64, 513, true));
    assert!(!sglang.graphs.eager(64, 64, false) && sglang.graphs.eager(1, 100, true));
    assert_eq!(vllm.graphs.describe(), "over 512 tokens");
    assert_eq!(
        sglang.graphs.describe(),
        "any step with a prefill, or over 256 sequences"
    );
    // 1,000 launches of kernels that take 10 ms in all.
    let mut k = xpuscope_perf::Breakdown::default();
    k.classes[0].time = xpuscope_model::units::Seconds::new(0.010);
    k.classes[0].launches = 1_000.0;
    let launch_bound = engine::EAGER_LAUNCH.get() * 1_000.0;
    assert_eq!(sglang.kernel_wall(&k, 8, 8, false).get(), 0.010);
    assert_eq!(
        sglang.kernel_wall(&k, 8, 800, true).get(),
        launch_bound.max(0.010)
    );
    assert!(
        launch_bound > 0.010,
        "45 ms of launches outlast 10 ms of kernels"
    );
    assert_eq!(trtllm.kernel_wall(&k, 8, 800, true).get(), 0.010);
    // A user's sequence cap moves vLLM's captured sizes with it (twice the cap, at most 512).
    let mut capped = vllm;
    capped.set_max_num_seqs(64);
    assert_eq!(capped.graphs.max, 128);
    assert!(capped.graphs.eager(64, 129, false) && !capped.graphs.eager(64, 128, false));
    capped.set_max_num_seqs(4096);
    assert_eq!(capped.graphs.max, 512);
    let mut sg = sglang;
    sg.set_max_num_seqs(64);
    assert_eq!((sg.graphs.max, sg.derive_max_seqs), (256, false));
}

/// Coasting through pure-decode steps (sim/coast.rs) must change nothing: a run that records a
/// timeline (which turns coasting off) gives the same figures, to the bit, under every engine,
/// source of requests and a cache small enough to preempt.
#[test]
fn coasting_through_decodes_changes_nothing() {
    let sources = [
        Arrivals::Closed { concurrency: 48 },
        Arrivals::Offline,
        Arrivals::Open {
            rate: 30.0,
            burstiness: 0.5,
            concurrency: None,
        },
    ];
    let mut preempted = 0;
    // gpt-oss-20b's prompts are shorter than its sliding window (128 tokens), which its decodes
    // then cross while coasting.
    for (engine, model, input, small) in EngineKind::ALL
        .into_iter()
        .flat_map(|e| [(e, "llama-3.1-8b", 700, 0.16), (e, "gpt-oss-20b", 60, 0.28)])
    {
        for arrivals in sources {
            for kv_share in [0.9, small] {
                let mut cfg = config(engine, arrivals, input, 300, 240);
                cfg.lengths.range = 0.3;
                cfg.engine.memory_fraction = kv_share;
                let fast = run("h100-sxm", model, &cfg);
                cfg.timeline_steps = usize::MAX;
                let slow = run("h100-sxm", model, &cfg);
                let (f, s) = (&fast.replica, &slow.replica);
                let what = format!("{model} {engine:?} {arrivals:?} kv {kv_share}");
                assert_eq!(f.steps, s.steps, "{what}");
                assert_eq!(f.duration_s, s.duration_s, "{what}");
                assert_eq!(f.preemptions, s.preemptions, "{what}");
                assert_eq!(f.kv_peak_fraction, s.kv_peak_fraction, "{what}");
                assert_eq!(f.bound_time, s.bound_time, "{what}");
                assert_eq!(
                    (f.ttft, f.tpot, f.itl, f.e2e),
                    (s.ttft, s.tpot, s.itl, s.e2e),
                    "{what}"
                );
                assert_eq!(f.records, s.records, "{what}");
                assert_eq!(s.timeline.len() as u64, s.steps, "{what}");
                assert_eq!(s.coasted_steps, 0, "{what}");
                assert!(f.coasted_steps > 0, "{what}: nothing coasted");
                preempted += u64::from(f.preemptions > 0);
            }
        }
    }
    // Under vLLM the small cache preempts, whatever the source of requests.
    assert!(preempted >= 3, "{preempted}");
}
