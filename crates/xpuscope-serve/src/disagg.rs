//! Disaggregated prefill and decode: two pools of the same chip, each with its own replicas,
//! the prompt's KV cache sent from the prefill pool to the decode pool over the link between
//! them.
//!
//! The prefill pool serves each request's prompt and first token; the cache then crosses to
//! the decode pool (priced from the catalogue's links: the scale-up fabric when both pools sit
//! in one domain, the network otherwise), and the decode pool generates the rest. Each pool is
//! simulated by the same engine scheduler as an aggregated deployment. It deliberately does not
//! model a transfer queue: transfers of different requests overlap, as the engines' RDMA
//! transfers do.

use std::ops::Deref;

use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_model::units::{Bytes, Seconds};
use xpuscope_perf::{Efficiency, Evaluator, InferConfig, Layout};

use std::collections::HashMap;

use crate::stats::Summary;
use crate::workload::{Arrivals, Generator, Request};
use crate::{simulate_with_progress, ServeConfig, ServeError, ServeResult};

/// Chips of each pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disaggregation {
    /// Chips serving prompts.
    pub prefill_chips: u32,
    /// Chips generating tokens.
    pub decode_chips: u32,
}

/// The layout of a pool of `chips` chips: the deployment's tensor and pipeline degrees, and as
/// many data-parallel replicas as fill the pool.
fn pool_layout(base: &Layout, chips: u32, what: &str) -> Result<Layout, ServeError> {
    let per = base.tp * base.pp;
    if chips == 0 || chips % per != 0 {
        return Err(ServeError::Input(format!(
            "--{what}-chips {chips} is not a multiple of tp {} x pp {} = {per}",
            base.tp, base.pp
        )));
    }
    let dp = chips / per;
    let ep = if base.ep > 1 { base.ep.min(chips) } else { 1 };
    Ok(Layout { dp, ep, ..*base })
}

/// Simulates `cfg` with prefill and decode in separate pools.
pub fn simulate<M: Deref<Target = Model> + Clone>(
    chip: &Chip,
    model: M,
    cfg: &ServeConfig,
    d: Disaggregation,
) -> Result<ServeResult, ServeError> {
    // A cap on requests in flight spans both pools; simulating it needs the pools in one loop,
    // which this version does not do, so it refuses rather than answer without the cap.
    match cfg.arrivals {
        Arrivals::Closed { .. }
        | Arrivals::Open {
            concurrency: Some(_),
            ..
        }
        | Arrivals::Trace {
            concurrency: Some(_),
        } => {
            return Err(ServeError::Input(
                "disaggregated serving takes --request-rate (without --concurrency), --offline or --trace: a cap on requests in flight across both pools is not simulated yet".into(),
            ))
        }
        _ => {}
    }
    let lp = pool_layout(&cfg.infer.layout, d.prefill_chips, "prefill")?;
    let ld = pool_layout(&cfg.infer.layout, d.decode_chips, "decode")?;

    // Every request of the run, with its own lengths: the trace's, or drawn once here so that
    // both pools see the same ones.
    let full: Vec<Request> = match &cfg.trace {
        Some(t) => t.clone(),
        None => {
            let n = usize::try_from(cfg.requests)
                .map_err(|_| ServeError::Input(format!("{} requests is too many", cfg.requests)))?;
            let mut g = Generator::new(cfg.lengths, cfg.seed)?;
            let times = g.arrival_times(&cfg.arrivals, n)?;
            times
                .into_iter()
                .enumerate()
                .map(|(k, t)| Request {
                    id: k as u64,
                    ..g.request(t)
                })
                .collect()
        }
    };

    // Prefill pool: every request's prompt and its first token.
    let mut pre = cfg.clone();
    pre.disaggregate = None;
    pre.infer.layout = lp;
    pre.speculative = None;
    pre.warmup = 0;
    pre.arrivals = Arrivals::Trace { concurrency: None };
    pre.trace = Some(full.iter().map(|r| Request { output: 1, ..*r }).collect());
    let prefill = simulate_with_progress(chip, model.clone(), &pre, None)?;

    // The cache of one prompt, per chip of a prefill replica (in the deployment's KV-cache
    // format), over the link between the pools.
    let eff = Efficiency::default();
    let infer = InferConfig {
        layout: lp,
        input_len: u64::from(cfg.lengths.input.max(1)),
        output_len: 1,
        ..cfg.infer
    };
    let ev = Evaluator::new(chip, &*model, &infer, &eff)?;
    let hw = ev.hardware();
    let span = d.prefill_chips + d.decode_chips;
    let link = hw.link_for(span);
    let latency = if span <= hw.domain {
        eff.collective_latency
    } else {
        eff.network_latency
    };
    let transfer = |input: u32| -> Seconds {
        let bytes: Bytes = ev.kv_cache_bytes(u64::from(input));
        latency + Seconds::new(bytes.get() / (link.get() * eff.collective))
    };

    // Time to first token at the prefill pool. The simulated replica served every dp_p-th
    // request; each other request takes the time of the one it sat beside in that stream.
    let dp_p = u64::from(lp.dp);
    let at_prefill: HashMap<u64, f64> = prefill
        .replica
        .records
        .iter()
        .map(|r| (r.id, r.first_token - r.sent))
        .collect();
    let first_of = |id: u64| at_prefill.get(&(id - id % dp_p)).copied();

    // Decode pool: requests arrive with their prompt cached and their first token out.
    // Requests of one output token are done at the prefill pool.
    let mut handed: Vec<Request> = full
        .iter()
        .filter(|r| r.output > 1)
        .filter_map(|r| {
            let t = first_of(r.id)?;
            Some(Request {
                arrival: r.arrival + t + transfer(r.input).get(),
                cached: r.input,
                ..*r
            })
        })
        .collect();
    handed.sort_by(|a, b| a.arrival.total_cmp(&b.arrival).then(a.id.cmp(&b.id)));
    let decode = if handed.is_empty() {
        None
    } else {
        let mut dec = cfg.clone();
        dec.disaggregate = None;
        dec.infer.layout = ld;
        dec.arrivals = Arrivals::Trace { concurrency: None };
        dec.trace = Some(handed);
        dec.warmup = 0;
        Some(simulate_with_progress(chip, model.clone(), &dec, None)?)
    };

    // Per request: TTFT from the prefill pool plus the transfer, the rest from the decode pool.
    let (mut ttft, mut tpot, mut e2e, mut pairs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut take = |r: &Request, rest_s: f64| {
        let Some(t_first) = first_of(r.id) else {
            return;
        };
        if r.id < cfg.warmup {
            return;
        }
        let t = t_first + transfer(r.input).get();
        let per = (r.output > 1).then(|| rest_s / f64::from(r.output - 1));
        ttft.push(t);
        e2e.push(t + rest_s);
        if let Some(x) = per {
            tpot.push(x);
        }
        pairs.push((t, per));
    };
    let finished: HashMap<u64, f64> = decode.as_ref().map_or_else(HashMap::new, |dr| {
        dr.replica
            .records
            .iter()
            .map(|r| (r.id, r.finished - r.sent))
            .collect()
    });
    // The decode replica served every dp_d-th handed request: the others are not in `finished`.
    for r in &full {
        if r.output <= 1 {
            take(r, 0.0);
        } else if let Some(&rest) = finished.get(&r.id) {
            take(r, rest);
        }
    }
    let mut out = decode.unwrap_or_else(|| prefill.clone());
    out.replica.ttft = Summary::of(&mut ttft);
    out.replica.tpot = Summary::of(&mut tpot);
    out.replica.e2e = Summary::of(&mut e2e);
    out.replica.latencies = pairs;
    out.chips = span;
    out.requests = full.len() as u64;
    out.goodput_requests_per_s =
        (cfg.slo.ttft_s.is_some() || cfg.slo.tpot_s.is_some()).then(|| {
            let good = out
                .replica
                .latencies
                .iter()
                .filter(|(t, p)| {
                    cfg.slo.ttft_s.is_none_or(|s| *t <= s)
                        && cfg.slo.tpot_s.is_none_or(|s| p.is_none_or(|x| x <= s))
                })
                .count() as f64;
            good / out.replica.latencies.len().max(1) as f64 * out.requests_per_s
        });
    let mean_input =
        full.iter().map(|r| f64::from(r.input)).sum::<f64>() / full.len().max(1) as f64;
    out.notes.insert(
        0,
        format!(
            "disaggregated: {} prefill chips ({} replica(s)) and {} decode chips ({} replica(s)); a prompt's cache (mean {:.0} tokens) crosses in {:.2} ms over {}",
            d.prefill_chips,
            lp.dp,
            d.decode_chips,
            ld.dp,
            mean_input,
            transfer(mean_input.round() as u32).get() * 1e3,
            if span <= hw.domain { "the scale-up fabric" } else { "the network" }
        ),
    );
    out.notes
        .extend(prefill.notes.iter().map(|n| format!("prefill pool: {n}")));
    Ok(out)
}
