//! Judging screened fleets with the serving simulator: each is simulated at the traffic and
//! grown (or shrunk) until its simulated percentiles meet the SLO, best estimates first, and
//! the search stops when no unsimulated estimate can beat the best simulated fleet.

use rayon::prelude::*;
use xpuscope_perf::{InferConfig, Layout};
use xpuscope_serve::{
    simulate, simulate_pools, Arrivals, Lengths, Pool as ServePool, ServeConfig, ServeError,
    ServeResult,
};

use super::fleet::{costs, Candidate, Deployment, Pool, Simulated};
use super::PlanRequest;

/// How much a screened fleet's cost may undercut the best simulated one and still be
/// simulated: a search choice (the screen's estimate is not a proven lower bound of what the
/// simulation settles on, so fleets estimated up to 20% cheaper than the best are still tried).
const BOUND_SLACK: f64 = 0.8;
/// Request lifetimes (TTFT + output x TPOT, by the screen) the arrivals of a simulation span
/// at least.
const LIFETIMES: f64 = 10.0;
/// Most requests a simulated rank serves.
const MAX_REQUESTS_PER_RANK: u64 = 5000;
/// Most growth steps of one fleet.
const MAX_GROWTH: usize = 8;
/// Most shrink steps of one fleet.
const MAX_SHRINK: usize = 2;
/// Candidates of one chip and mode simulated while none meets the SLO.
const GROUP_TRIES: usize = 4;

fn infer_of(p: &Pool<'_>, req: &PlanRequest) -> InferConfig {
    InferConfig {
        layout: Layout {
            dp: p.ranks,
            ..p.config.layout
        },
        precisions: p.config.precisions,
        ..InferConfig::new(u64::from(req.input_len), u64::from(req.output_len))
    }
}

/// The value at quantile `q` of `v` (nearest rank).
fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[k - 1]
}

/// Simulates `c` at the request's traffic.
pub fn run(req: &PlanRequest, c: &Candidate<'_>) -> Result<Simulated, ServeError> {
    let lengths = Lengths {
        input: req.input_len,
        output: req.output_len,
        range: 1.0,
    };
    let arrivals = Arrivals::Open {
        rate: req.request_rate,
        burstiness: 1.0,
        concurrency: None,
    };
    let pools = c.deployment.pools();
    let most_ranks = u64::from(pools.iter().map(|p| p.ranks).max().unwrap_or(1));
    // Arrivals must span many request lifetimes, or an overloaded fleet drains a short burst
    // within the SLO and looks sufficient.
    let lifetime = c.estimate_ttft_s + f64::from(req.output_len) * c.estimate_tpot_s;
    let span = (req.request_rate * LIFETIMES * lifetime).ceil() as u64;
    let requests = (req.requests_per_rank * most_ranks)
        .max(span)
        .min(MAX_REQUESTS_PER_RANK * most_ranks);
    let first = pools[0];
    let mut cfg = ServeConfig::new(
        infer_of(&first, req),
        first.config.engine,
        arrivals,
        lengths,
        requests,
    );
    cfg.seed = req.seed;
    cfg.warmup = requests / 8;
    let r: ServeResult = match c.deployment {
        Deployment::Aggregated(p) => simulate(p.config.chip, req.model.clone(), &cfg)?,
        Deployment::Disaggregated {
            prefill, decode, ..
        } => simulate_pools(
            req.model.clone(),
            &cfg,
            ServePool {
                chip: prefill.config.chip,
                infer: infer_of(&prefill, req),
                engine: prefill.config.engine,
            },
            ServePool {
                chip: decode.config.chip,
                infer: infer_of(&decode, req),
                engine: decode.config.engine,
            },
        )?,
    };
    let q = req.quantile();
    let mut ttft: Vec<f64> = r.replica.latencies.iter().map(|l| l.0).collect();
    let mut tpot: Vec<f64> = r.replica.latencies.iter().filter_map(|l| l.1).collect();
    let tpot_mean = tpot.iter().sum::<f64>() / tpot.len().max(1) as f64;
    let ttft_q = quantile(&mut ttft, q);
    let tpot_q = if tpot.is_empty() {
        0.0
    } else {
        quantile(&mut tpot, q)
    };
    Ok(Simulated {
        ttft_s: ttft_q,
        tpot_s: tpot_q,
        tpot_mean_s: tpot_mean,
        output_tokens_per_s: r.output_tokens_per_s.get(),
        preemptions: r.replica.preemptions,
        meets: ttft_q <= req.slo.ttft_s && tpot_q <= req.slo.tpot_s,
    })
}

/// `c` with its pools resized by `f` (prefill or only pool, decode pool), its costs redone;
/// `None` past `--max-chips`.
fn resized<'a>(
    req: &PlanRequest,
    c: &Candidate<'a>,
    f: impl Fn(&Pool<'a>, bool) -> u32,
) -> Option<Candidate<'a>> {
    let step = |p: &Pool<'a>, is_decode: bool| {
        let inst = f(p, is_decode).max(1);
        Pool {
            ranks: inst * p.config.instance_ranks().max(1),
            ..*p
        }
    };
    let deployment = match c.deployment {
        Deployment::Aggregated(p) => Deployment::Aggregated(step(&p, false)),
        Deployment::Disaggregated {
            prefill,
            decode,
            transfer_s,
        } => Deployment::Disaggregated {
            prefill: step(&prefill, false),
            decode: step(&decode, true),
            transfer_s,
        },
    };
    (deployment.chips() <= req.max_chips).then(|| Candidate {
        costs: costs(req, &deployment),
        deployment,
        simulated: None,
        ..c.clone()
    })
}

/// `n` instances grown for a simulated latency `ratio` times its target: in proportion, by at
/// least one and an eighth and at most double.
fn grow_by(n: u32, ratio: f64) -> u32 {
    let factor = ratio.clamp(1.125, 2.0);
    ((f64::from(n) * factor).ceil() as u32).max(n + 1)
}

/// Simulates `c`, grows it until it meets the SLO (or passes `--max-chips`), then shrinks it
/// while it still does. Returns the last fleet simulated that meets, or the largest tried.
fn verify<'a>(req: &PlanRequest, c: Candidate<'a>, sims: &dyn Fn()) -> Option<Candidate<'a>> {
    let sim = |c: &Candidate<'a>| {
        sims();
        run(req, c).ok()
    };
    let mut cur = c;
    cur.simulated = Some(sim(&cur)?);
    let first_met = cur.meets_slo();
    for _ in 0..MAX_GROWTH {
        let s = cur.simulated.expect("simulated");
        if s.meets {
            break;
        }
        let ttft_ratio = s.ttft_s / req.slo.ttft_s;
        let tpot_ratio = s.tpot_s / req.slo.tpot_s;
        let ttft_short = ttft_ratio > 1.0;
        let tpot_short = tpot_ratio > 1.0;
        let Some(mut next) = resized(req, &cur, |p, is_decode| {
            let inst = p.instances();
            let disagg = matches!(cur.deployment, Deployment::Disaggregated { .. });
            let grow = !disagg || (is_decode && tpot_short) || (!is_decode && ttft_short);
            if grow {
                let ratio = match (disagg, is_decode) {
                    (false, _) => ttft_ratio.max(tpot_ratio),
                    (true, true) => tpot_ratio,
                    (true, false) => ttft_ratio,
                };
                grow_by(inst, ratio)
            } else {
                inst
            }
        }) else {
            break;
        };
        match sim(&next) {
            Some(s) => next.simulated = Some(s),
            None => break,
        }
        cur = next;
    }
    if first_met {
        for _ in 0..MAX_SHRINK {
            let Some(mut next) = resized(req, &cur, |p, _| p.instances().saturating_sub(1)) else {
                break;
            };
            if next.chips() >= cur.chips() {
                break;
            }
            match sim(&next) {
                Some(s) if s.meets => {
                    next.simulated = Some(s);
                    cur = next;
                }
                _ => break,
            }
        }
    }
    Some(cur)
}

fn mode(c: &Candidate<'_>) -> bool {
    matches!(c.deployment, Deployment::Disaggregated { .. })
}

fn by_key(a: &Candidate<'_>, b: &Candidate<'_>) -> std::cmp::Ordering {
    let (ka, kb) = (a.key(), b.key());
    ka.0.cmp(&kb.0)
        .then(ka.1.total_cmp(&kb.1))
        .then(ka.2.cmp(&kb.2))
        .then(ka.3.total_cmp(&kb.3))
}

/// Searches one group (one chip or chip pair, one mode), cheapest estimate first: simulates
/// candidates while an estimate could beat the group's best simulated fleet (`bound`, if lower,
/// caps it from outside), at most `GROUP_TRIES` while none meets.
fn search_group<'a>(
    req: &PlanRequest,
    group: Vec<Candidate<'a>>,
    (bound, chips_bound): (f64, u32),
    slack: f64,
    sims: &(dyn Fn() + Sync),
    budget_left: &(dyn Fn() -> bool + Sync),
) -> (Vec<Candidate<'a>>, bool) {
    let mut out: Vec<Candidate<'a>> = Vec::new();
    for (tries, c) in group.into_iter().enumerate() {
        let best = out
            .iter()
            .filter(|x| x.meets_slo())
            .filter_map(|x| x.costs.usd_per_hour)
            .fold(bound, f64::min);
        let met = out.iter().any(Candidate::meets_slo);
        // A fleet no cheaper than the best found cannot beat it (variants at the same price,
        // another engine or KV format, are left unsimulated).
        let promising = match c.costs.usd_per_hour {
            Some(usd) => usd * slack < best && usd < best * (1.0 - 1e-9),
            // Unpriced fleets rank by chips: one simulated fleet that meets is enough, and one
            // no smaller than `chips_bound` cannot beat it.
            None => !met && c.chips() < chips_bound,
        };
        if !promising || (!met && tries >= GROUP_TRIES) {
            break;
        }
        if !budget_left() {
            return (out, true);
        }
        if let Some(v) = verify(req, c, sims) {
            out.push(v);
        }
    }
    (out, false)
}

/// Simulates, for each chip and mode on its own, its best screened fleet and every fleet whose
/// estimate could still beat that chip's best simulated one; then each pair of chip types whose
/// estimate could beat the best of both its chips. A chip's search never depends on another
/// chip's, so adding a chip can only add fleets. Returns the simulated candidates (meeting the
/// SLO first, then by key), the simulations run and whether the cap stopped the search.
pub fn search<'a>(
    req: &PlanRequest,
    mut screened: Vec<Candidate<'a>>,
    tick: &(dyn Fn(u64) + Sync),
) -> (Vec<Candidate<'a>>, u64, bool) {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    screened.sort_by(by_key);
    let count = AtomicU64::new(0);
    let sims = || {
        count.fetch_add(1, Ordering::Relaxed);
        tick(1);
    };
    let cap = req.max_simulations as u64;
    let left = || count.load(Ordering::Relaxed) < cap;
    let mut groups: BTreeMap<(String, bool), Vec<Candidate<'a>>> = BTreeMap::new();
    for c in screened {
        groups
            .entry((c.chip_label(), mode(&c)))
            .or_default()
            .push(c);
    }
    let (mixed, mut single): (Vec<_>, Vec<_>) =
        groups.into_iter().partition(|(k, _)| k.0.contains('+'));
    // The most promising groups first, so that a cap leaves out the least promising.
    single.sort_by(|a, b| by_key(&a.1[0], &b.1[0]));
    let run_groups = |gs: Vec<((f64, u32), Vec<Candidate<'a>>)>, slack: f64| {
        gs.into_par_iter()
            .with_max_len(1)
            .map(|(bound, g)| search_group(req, g, bound, slack, &sims, &left))
            .collect::<Vec<_>>()
    };
    let mut capped = false;
    let mut out = Vec::new();
    let singles = single
        .into_iter()
        .map(|(_, g)| ((f64::INFINITY, u32::MAX), g))
        .collect();
    for (v, c) in run_groups(singles, BOUND_SLACK) {
        out.extend(v);
        capped |= c;
    }
    // The best fleet of each chip on its own, either mode.
    let own_best = |id: &str| {
        out.iter()
            .filter(|c: &&Candidate<'_>| c.meets_slo() && c.chip_label() == id)
            .filter_map(|c| c.costs.usd_per_hour)
            .fold(f64::INFINITY, f64::min)
    };
    let own_chips = |id: &str| {
        out.iter()
            .filter(|c: &&Candidate<'_>| c.meets_slo() && c.chip_label() == id)
            .map(Candidate::chips)
            .min()
            .unwrap_or(u32::MAX)
    };
    let mut pairs: Vec<((f64, u32), Vec<Candidate<'a>>)> = mixed
        .into_iter()
        .map(|((label, _), g)| {
            let bound = label
                .split('+')
                .map(&own_best)
                .fold(f64::INFINITY, f64::min);
            let chips = label.split('+').map(&own_chips).min().unwrap_or(u32::MAX);
            ((bound, chips), g)
        })
        .collect();
    pairs.sort_by(|a, b| by_key(&a.1[0], &b.1[0]));
    // A pair of chip types is simulated only where the screen says it beats both of its
    // chips' own best simulated fleets.
    for (v, c) in run_groups(pairs, 1.0) {
        out.extend(v);
        capped |= c;
    }
    // Equal cost, chips and power: the lower simulated TPOT, then TTFT, then the simpler
    // deployment (aggregated before disaggregated).
    let tail = |c: &Candidate<'_>| {
        let s = c.simulated.expect("simulated");
        (s.tpot_s, s.ttft_s, mode(c))
    };
    out.sort_by(|a, b| {
        let (ta, tb) = (tail(a), tail(b));
        b.meets_slo()
            .cmp(&a.meets_slo())
            .then(by_key(a, b))
            .then(ta.0.total_cmp(&tb.0))
            .then(ta.1.total_cmp(&tb.1))
            .then(ta.2.cmp(&tb.2))
    });
    (out, count.load(Ordering::Relaxed), capped)
}
