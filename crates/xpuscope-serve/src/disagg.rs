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

use crate::sim::RequestRecord;
use crate::stats::Summary;
use crate::workload::{Arrivals, Request};
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
    let lp = pool_layout(&cfg.infer.layout, d.prefill_chips, "prefill")?;
    let ld = pool_layout(&cfg.infer.layout, d.decode_chips, "decode")?;

    // Prefill pool: every request's prompt and its first token.
    let mut pre = cfg.clone();
    pre.disaggregate = None;
    pre.infer.layout = lp;
    pre.lengths.output = 1;
    pre.speculative = None;
    if let Some(t) = &mut pre.trace {
        for r in t.iter_mut() {
            r.output = 1;
        }
    }
    let prefill = simulate_with_progress(chip, model.clone(), &pre, None)?;

    // The cache of one prompt, per chip of a prefill replica, over the link between the pools.
    let eff = Efficiency::default();
    let infer = InferConfig {
        layout: lp,
        ..InferConfig::new(u64::from(cfg.lengths.input.max(1)), 1)
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

    // Decode pool: requests arrive with their prompt cached and their first token out. The
    // prefill replica saw 1/dp_p of the traffic; its completions, compressed dp_p-fold, are the
    // whole pool's arrivals, which the decode pool splits over its own replicas.
    let dp_p = f64::from(lp.dp);
    let lengths = |id: u64| -> (u32, u32) {
        match &cfg.trace {
            Some(t) => t
                .get(id as usize)
                .map_or((cfg.lengths.input, cfg.lengths.output), |r| {
                    (r.input, r.output)
                }),
            None => (cfg.lengths.input, cfg.lengths.output),
        }
    };
    let mut handed: Vec<Request> = prefill
        .replica
        .records
        .iter()
        .map(|r: &RequestRecord| {
            let (input, output) = lengths(r.id);
            Request {
                arrival: (r.first_token + transfer(input).get()) / dp_p,
                input,
                output,
                cached: input,
                id: r.id,
            }
        })
        .collect();
    handed.sort_by(|a, b| a.arrival.total_cmp(&b.arrival));
    let mut dec = cfg.clone();
    dec.disaggregate = None;
    dec.infer.layout = ld;
    dec.arrivals = Arrivals::Trace { concurrency: None };
    dec.trace = Some(handed);
    let decode = simulate_with_progress(chip, model.clone(), &dec, None)?;

    // Per request: TTFT from the prefill pool plus the transfer, the rest from the decode pool.
    let first: std::collections::HashMap<u64, (f64, u32)> = prefill
        .replica
        .records
        .iter()
        .map(|r| (r.id, (r.first_token - r.sent, lengths(r.id).0)))
        .collect();
    let (mut ttft, mut tpot, mut e2e, mut pairs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in &decode.replica.records {
        let Some(&(t_first, input)) = first.get(&r.id) else {
            continue;
        };
        let t = t_first + transfer(input).get();
        let rest = r.finished - r.sent;
        let out = lengths(r.id).1;
        let per = (out > 1).then(|| rest / f64::from(out - 1));
        ttft.push(t);
        e2e.push(t + rest);
        if let Some(p) = per {
            tpot.push(p);
        }
        pairs.push((t, per));
    }
    let mut out = decode;
    out.replica.ttft = Summary::of(&mut ttft);
    out.replica.tpot = Summary::of(&mut tpot);
    out.replica.e2e = Summary::of(&mut e2e);
    out.replica.latencies = pairs;
    out.chips = span;
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
    let t_mean = transfer(cfg.lengths.input);
    out.notes.insert(
        0,
        format!(
            "disaggregated: {} prefill chips ({} replica(s)) and {} decode chips ({} replica(s)); a {}-token prompt's cache crosses in {:.2} ms over {}",
            d.prefill_chips,
            lp.dp,
            d.decode_chips,
            ld.dp,
            cfg.lengths.input,
            t_mean.get() * 1e3,
            if span <= hw.domain { "the scale-up fabric" } else { "the network" }
        ),
    );
    out.notes.extend(
        prefill
            .notes
            .into_iter()
            .map(|n| format!("prefill pool: {n}")),
    );
    Ok(out)
}
