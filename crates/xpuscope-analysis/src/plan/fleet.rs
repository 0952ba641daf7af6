//! Sizing fleets from the screen: the fewest ranks (aggregated) or the fewest prefill and
//! decode ranks (disaggregated) whose steady state meets the SLO, their cost and power, and,
//! for a configuration that cannot meet it, what binds.

use xpuscope_perf::Efficiency;

use super::screen::{Rank, Steady};
use super::space::Config;
use super::PlanRequest;

/// Prefill and decode options kept per chip, KV format and engine before pairing pools.
const POOL_OPTIONS: usize = 3;
/// How far past `--max-chips` the diagnosis looks for the fleet size that would do.
const DIAGNOSIS_REACH: u32 = 64;

/// One pool of ranks with one configuration.
#[derive(Debug, Clone, Copy)]
pub struct Pool<'a> {
    /// The configuration of each rank.
    pub config: Config<'a>,
    /// Ranks (data-parallel replicas) in the pool.
    pub ranks: u32,
    /// Sequences one rank runs at once (the engine's cap as it resolves on this rank).
    pub max_seqs: u64,
    /// Decoding sequences per rank at the traffic, by the screen.
    pub batch: f64,
}

impl Pool<'_> {
    /// Chips in the pool.
    pub fn chips(&self) -> u32 {
        self.ranks * self.config.rank_chips()
    }

    /// Instances of the pool's layout (ranks over the attention-DP group).
    pub fn instances(&self) -> u32 {
        self.ranks / self.config.instance_ranks().max(1)
    }
}

/// How a candidate serves.
#[derive(Debug, Clone, Copy)]
pub enum Deployment<'a> {
    /// Prefill and decode on the same ranks.
    Aggregated(Pool<'a>),
    /// Separate pools, the prompt's cache crossing between them.
    Disaggregated {
        /// Ranks serving prompts.
        prefill: Pool<'a>,
        /// Ranks generating tokens.
        decode: Pool<'a>,
        /// Time for one prompt's cache to cross, seconds.
        transfer_s: f64,
    },
}

impl<'a> Deployment<'a> {
    /// The pools, prefill first.
    pub fn pools(&self) -> Vec<Pool<'a>> {
        match *self {
            Deployment::Aggregated(p) => vec![p],
            Deployment::Disaggregated {
                prefill, decode, ..
            } => vec![prefill, decode],
        }
    }

    /// Chips in the fleet.
    pub fn chips(&self) -> u32 {
        self.pools().iter().map(Pool::chips).sum()
    }
}

/// What the simulator measured for a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulated {
    /// TTFT at the percentile.
    pub ttft_s: f64,
    /// TPOT at the percentile.
    pub tpot_s: f64,
    /// Mean TPOT (its inverse is tokens per second per user).
    pub tpot_mean_s: f64,
    /// Output tokens per second of the fleet.
    pub output_tokens_per_s: f64,
    /// Requests preempted.
    pub preemptions: u64,
    /// Whether both percentiles meet the SLO.
    pub meets: bool,
}

/// Cost, purchase price and power of a fleet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Costs {
    /// Dollars per hour of the fleet (ownership or rent), where every chip has a price.
    pub usd_per_hour: Option<f64>,
    /// Purchase price of the chips, where known.
    pub capex_usd: Option<f64>,
    /// TDP x PUE of the chips, kW, where every TDP is known.
    pub power_kw: Option<f64>,
    /// Why a figure is missing.
    pub missing: Vec<String>,
}

/// A sized fleet.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// Its deployment.
    pub deployment: Deployment<'a>,
    /// TTFT at the percentile, by the screen.
    pub estimate_ttft_s: f64,
    /// TPOT, by the screen.
    pub estimate_tpot_s: f64,
    /// The share of the fleet's time (and so of its cost) spent on prompts.
    pub input_share: f64,
    /// Cost, price and power.
    pub costs: Costs,
    /// What the simulator found, once run.
    pub simulated: Option<Simulated>,
}

/// What keeps a configuration from meeting the SLO, and the smallest change that would.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// Chip id (or `prefill-chip+decode-chip`).
    pub chip: String,
    /// The configuration, in words.
    pub config: String,
    /// The constraint that binds: `tpot`, `ttft`, `chips`, `budget`, `power`, or
    /// `simulations` (the cap left it unsimulated).
    pub constraint: &'static str,
    /// How far the constraint must move (1.3 = by 30%); the nearest binding first.
    pub relaxation: f64,
    /// What the screen or the simulation found.
    pub detail: String,
    /// The smallest change that would fix it.
    pub suggestion: String,
}

/// Candidates the screen sized, and bindings of configurations it could not.
pub struct Sized<'a> {
    /// Fleets that meet the SLO by the screen, within the limits.
    pub candidates: Vec<Candidate<'a>>,
    /// Why the others do not.
    pub binding: Vec<Binding>,
}

/// A configuration in words: `tp8 ep8 fp8/kv-fp8 vllm (8192 tokens/step)`.
pub fn config_label(c: &Config<'_>) -> String {
    let l = c.layout;
    let mut s = format!("tp{}", l.tp);
    if l.pp > 1 {
        s.push_str(&format!(" pp{}", l.pp));
    }
    if l.dp > 1 {
        s.push_str(&format!(" dp{} (attention-DP)", l.dp));
    }
    if l.ep > 1 {
        s.push_str(&format!(" ep{}", l.ep));
    }
    format!(
        "{s} {}/kv-{} {} ({} tokens/step)",
        c.precisions.weights.as_str(),
        c.precisions.kv_cache.as_str(),
        c.engine.kind.as_str(),
        c.engine.max_num_tokens
    )
}

impl Candidate<'_> {
    /// Chips in the fleet.
    pub fn chips(&self) -> u32 {
        self.deployment.chips()
    }

    /// Whether the simulation met the SLO.
    pub fn meets_slo(&self) -> bool {
        self.simulated.is_some_and(|s| s.meets)
    }

    /// The ranking key: priced fleets first, cheapest first, then fewer chips, then less power.
    pub fn key(&self) -> (bool, f64, u32, f64) {
        (
            self.costs.usd_per_hour.is_none(),
            self.costs.usd_per_hour.unwrap_or(0.0),
            self.chips(),
            self.costs.power_kw.unwrap_or(f64::INFINITY),
        )
    }

    /// The chip (or chips) in words.
    pub fn chip_label(&self) -> String {
        match self.deployment {
            Deployment::Aggregated(p) => p.config.chip.id.clone(),
            Deployment::Disaggregated {
                prefill, decode, ..
            } if prefill.config.chip.id == decode.config.chip.id => prefill.config.chip.id.clone(),
            Deployment::Disaggregated {
                prefill, decode, ..
            } => format!("{}+{}", prefill.config.chip.id, decode.config.chip.id),
        }
    }

    /// Why a simulated candidate misses the SLO, as a binding.
    pub fn binding(&self, req: &PlanRequest) -> Option<Binding> {
        let s = self.simulated?;
        if s.meets {
            return None;
        }
        let tpot = s.tpot_s / req.slo.tpot_s;
        let ttft = s.ttft_s / req.slo.ttft_s;
        let (constraint, relaxation, value, flag) = if tpot >= ttft {
            ("tpot", tpot, s.tpot_s, "--slo-tpot")
        } else {
            ("ttft", ttft, s.ttft_s, "--slo-ttft")
        };
        let label = self
            .deployment
            .pools()
            .iter()
            .map(|p| config_label(&p.config))
            .collect::<Vec<_>>()
            .join(" | ");
        Some(Binding {
            chip: self.chip_label(),
            config: label,
            constraint,
            relaxation,
            detail: format!(
                "simulated on {} chips, the p{} {} is {:.3} s",
                self.chips(),
                req.slo.percentile,
                constraint.to_uppercase(),
                value
            ),
            suggestion: format!(
                "more chips than --max-chips {} allows, or {flag} {:.3}",
                req.max_chips, value
            ),
        })
    }
}

/// The fleet's cost per hour, purchase price and power.
pub fn costs(req: &PlanRequest, d: &Deployment<'_>) -> Costs {
    let mut c = Costs {
        usd_per_hour: Some(0.0),
        capex_usd: Some(0.0),
        power_kw: Some(0.0),
        missing: Vec::new(),
    };
    for p in d.pools() {
        let chip = p.config.chip;
        let n = f64::from(p.chips());
        match req.cost.chip_hour(chip) {
            Ok(h) => c.usd_per_hour = c.usd_per_hour.map(|x| x + n * h.total().get()),
            Err(e) => {
                c.usd_per_hour = None;
                c.missing.push(e.to_string());
            }
        }
        match &chip.price {
            Some(pr) => c.capex_usd = c.capex_usd.map(|x| x + n * pr.value.get()),
            None => c.capex_usd = None,
        }
        match chip.board_power() {
            Some(w) => {
                c.power_kw = c.power_kw.map(|x| x + n * w.get() / 1e3 * req.cost.pue);
            }
            None => {
                c.power_kw = None;
                c.missing.push(format!(
                    "chip `{}` has no TDP in the catalogue, so the fleet's power is unknown",
                    chip.id
                ));
            }
        }
    }
    c.missing.dedup();
    c
}

/// The smallest `n` in `[lo, hi]` for which `ok` holds, taking `ok` as monotone.
fn smallest(lo: u32, hi: u32, ok: impl Fn(u32) -> bool) -> Option<u32> {
    if lo > hi || !ok(hi) {
        return None;
    }
    let (mut a, mut b) = (lo, hi);
    while a < b {
        let m = a + (b - a) / 2;
        if ok(m) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    Some(a)
}

fn meets(s: &Steady, req: &PlanRequest) -> bool {
    s.tpot_s <= req.slo.tpot_s && s.ttft_s <= req.slo.ttft_s
}

/// The fewest instances of `r` that meet the SLO at the request's rate, as a pool.
fn size_aggregated<'a>(req: &PlanRequest, r: &Rank<'a>) -> Result<Candidate<'a>, Binding> {
    let inst = r.config.instance_ranks().max(1);
    let per_instance = r.config.rank_chips() * inst;
    let q = req.quantile();
    let at = |m: u32| r.aggregated(req.request_rate / f64::from(m * inst), q);
    let ok = |m: u32| at(m).is_some_and(|s| meets(&s, req));
    let m_max = req.max_chips / per_instance;
    let Some(m) = smallest(1, m_max, ok) else {
        return Err(diagnose(req, r, m_max.max(1), per_instance, ok));
    };
    let s = at(m).expect("checked by ok");
    let pool = Pool {
        config: r.config,
        ranks: m * inst,
        max_seqs: r.max_seqs,
        batch: s.batch,
    };
    let t_decode = r.step_time(s.batch.ceil() as u64, 0);
    let d = Deployment::Aggregated(pool);
    Ok(Candidate {
        costs: costs(req, &d),
        deployment: d,
        estimate_ttft_s: s.ttft_s,
        estimate_tpot_s: s.tpot_s,
        input_share: (1.0 - t_decode / s.tpot_s).clamp(0.0, 1.0),
        simulated: None,
    })
}

/// What keeps `r` from meeting the SLO within `--max-chips`.
fn diagnose(
    req: &PlanRequest,
    r: &Rank<'_>,
    m_max: u32,
    per_instance: u32,
    ok: impl Fn(u32) -> bool,
) -> Binding {
    let label = config_label(&r.config);
    let chip = r.config.chip.id.clone();
    let floor_tpot = r.step_time(1, 0);
    if floor_tpot > req.slo.tpot_s {
        return Binding {
            chip,
            config: label,
            constraint: "tpot",
            relaxation: floor_tpot / req.slo.tpot_s,
            detail: format!(
                "one sequence alone takes {:.1} ms per token",
                floor_tpot * 1e3
            ),
            suggestion: format!(
                "--slo-tpot {floor_tpot:.3} or more, more tensor parallelism, smaller weights, or a faster chip"
            ),
        };
    }
    let floor_ttft = r
        .aggregated(req.request_rate * 1e-9, req.quantile())
        .map_or(f64::INFINITY, |s| s.ttft_s);
    if floor_ttft > req.slo.ttft_s {
        return Binding {
            chip,
            config: label,
            constraint: "ttft",
            relaxation: floor_ttft / req.slo.ttft_s,
            detail: format!("a prompt alone takes {floor_ttft:.3} s to its first token"),
            suggestion: format!(
                "--slo-ttft {floor_ttft:.3} or more, more tensor parallelism, or disaggregated prefill"
            ),
        };
    }
    let reach = m_max.saturating_mul(DIAGNOSIS_REACH);
    match smallest(m_max + 1, reach, ok) {
        Some(m) => Binding {
            chip,
            config: label,
            constraint: "chips",
            relaxation: f64::from(m) / f64::from(m_max.max(1)),
            detail: format!("needs {} chips", m * per_instance),
            suggestion: format!("--max-chips {}", m * per_instance),
        },
        None => Binding {
            chip,
            config: label,
            constraint: "chips",
            relaxation: f64::from(DIAGNOSIS_REACH),
            detail: format!(
                "even {} chips do not meet the SLO",
                reach.saturating_mul(per_instance)
            ),
            suggestion: "a looser SLO or a different chip".into(),
        },
    }
}

/// A prefill pool option: ranks needed for a TTFT budget.
fn size_prefill(req: &PlanRequest, r: &Rank<'_>, budget_s: f64) -> Option<(u32, f64)> {
    let q = req.quantile();
    let hi = req.max_chips / r.config.rank_chips();
    let at = |n: u32| r.prefill_only(req.request_rate / f64::from(n), q);
    let n = smallest(1, hi, |n| at(n).is_some_and(|s| s.ttft_s <= budget_s))?;
    Some((n, at(n)?.ttft_s))
}

/// A decode pool option: ranks (whole attention-DP instances) meeting the TPOT target.
fn size_decode(req: &PlanRequest, r: &Rank<'_>) -> Option<(u32, Steady)> {
    let inst = r.config.instance_ranks().max(1);
    let hi = req.max_chips / (r.config.rank_chips() * inst);
    let at = |m: u32| r.decode_only(req.request_rate / f64::from(m * inst));
    let m = smallest(1, hi, |m| at(m).is_some_and(|s| s.tpot_s <= req.slo.tpot_s))?;
    Some((m * inst, at(m)?))
}

/// Seconds for one prompt's cache to cross from `p`'s ranks to `d`'s.
fn transfer_s(p: &Rank<'_>, d: &Rank<'_>, span: u32) -> f64 {
    let eff = Efficiency::default();
    let (link_p, net_p, domain) = p.links();
    let (_, net_d, _) = d.links();
    let in_domain = p.config.chip.id == d.config.chip.id && span <= domain;
    let (bw, latency) = if in_domain {
        (link_p, eff.collective_latency.get())
    } else {
        (net_p.min(net_d), eff.network_latency.get())
    };
    latency + p.prompt_cache_bytes() / (bw * eff.collective)
}

/// Sizes every configuration, aggregated and (when asked) disaggregated.
pub fn size_all<'a>(req: &PlanRequest, ranks: &[Rank<'a>]) -> Sized<'a> {
    use rayon::prelude::*;
    let results: Vec<Result<Candidate<'a>, Binding>> =
        ranks.par_iter().map(|r| size_aggregated(req, r)).collect();
    let mut out = Sized {
        candidates: Vec::new(),
        binding: Vec::new(),
    };
    for r in results {
        match r {
            Ok(c) => out.candidates.push(c),
            Err(b) => out.binding.push(b),
        }
    }
    if req.disaggregate {
        out.candidates.extend(disaggregated(req, ranks));
    }
    limits(req, &mut out);
    out
}

/// Drops fleets past the power or purchase budget, saying so.
fn limits(req: &PlanRequest, out: &mut Sized<'_>) {
    let mut kept = Vec::with_capacity(out.candidates.len());
    for c in out.candidates.drain(..) {
        let over_power = req
            .max_power_kw
            .zip(c.costs.power_kw)
            .filter(|(cap, kw)| kw > cap);
        let over_budget = req
            .budget_usd
            .zip(c.costs.capex_usd)
            .filter(|(cap, usd)| usd > cap);
        if let Some((cap, kw)) = over_power {
            out.binding.push(Binding {
                chip: c.chip_label(),
                config: config_label(&c.deployment.pools()[0].config),
                constraint: "power",
                relaxation: kw / cap,
                detail: format!("{} chips draw {kw:.1} kW (TDP x PUE)", c.chips()),
                suggestion: format!("--max-power-kw {:.1}", kw.ceil()),
            });
        } else if let Some((cap, usd)) = over_budget {
            out.binding.push(Binding {
                chip: c.chip_label(),
                config: config_label(&c.deployment.pools()[0].config),
                constraint: "budget",
                relaxation: usd / cap,
                detail: format!("{} chips cost ${usd:.0}", c.chips()),
                suggestion: format!("--budget {:.0}", usd.ceil()),
            });
        } else {
            kept.push(c);
        }
    }
    out.candidates = kept;
}

/// Disaggregated fleets: the best few prefill and decode options per chip, KV format and
/// engine, paired within one chip type, or across chip types when asked.
fn disaggregated<'a>(req: &PlanRequest, ranks: &[Rank<'a>]) -> Vec<Candidate<'a>> {
    use std::collections::BTreeMap;
    type Key = (String, &'static str, &'static str);
    // (rank index, ranks, (dollars per hour, chips)) per chip, KV format and engine.
    type Options = BTreeMap<Key, Vec<(usize, u32, (f64, u32))>>;
    let key = |r: &Rank<'_>| -> Key {
        (
            r.config.chip.id.clone(),
            r.config.precisions.kv_cache.as_str(),
            r.config.engine.kind.as_str(),
        )
    };
    let price = |r: &Rank<'_>, n: u32| {
        let chip_hour = req
            .cost
            .chip_hour(r.config.chip)
            .map_or(f64::INFINITY, |h| h.total().get());
        (
            chip_hour * f64::from(n * r.config.rank_chips()),
            n * r.config.rank_chips(),
        )
    };
    // Prefill: plain layouts only (attention-DP is a decode technique), sized without the
    // transfer, which the pairing adds.
    let mut prefill: Options = BTreeMap::new();
    let mut decode: Options = BTreeMap::new();
    for (i, r) in ranks.iter().enumerate() {
        if r.config.instance_ranks() == 1 {
            if let Some((n, _)) = size_prefill(req, r, req.slo.ttft_s) {
                prefill.entry(key(r)).or_default().push((i, n, price(r, n)));
            }
        }
        if let Some((n, _)) = size_decode(req, r) {
            decode.entry(key(r)).or_default().push((i, n, price(r, n)));
        }
    }
    for v in prefill.values_mut().chain(decode.values_mut()) {
        v.sort_by(|a, b| a.2 .0.total_cmp(&b.2 .0).then(a.2 .1.cmp(&b.2 .1)));
        v.truncate(POOL_OPTIONS);
    }
    let mut out = Vec::new();
    for (pk, popts) in &prefill {
        for (dk, dopts) in &decode {
            let same_chip = pk.0 == dk.0;
            if pk.1 != dk.1 || pk.2 != dk.2 || !(same_chip || req.heterogeneous) {
                continue;
            }
            for &(pi, _, _) in popts {
                for &(di, dn, _) in dopts {
                    let (p, d) = (&ranks[pi], &ranks[di]);
                    let d_chips = dn * d.config.rank_chips();
                    let transfer = transfer_s(p, d, p.config.rank_chips() + d_chips);
                    let budget = req.slo.ttft_s - transfer;
                    if budget <= 0.0 {
                        continue;
                    }
                    let Some((pn, ttft)) = size_prefill(req, p, budget) else {
                        continue;
                    };
                    let p_chips = pn * p.config.rank_chips();
                    if p_chips + d_chips > req.max_chips {
                        continue;
                    }
                    let steady = d
                        .decode_only(req.request_rate / f64::from(dn))
                        .expect("sized");
                    let dep = Deployment::Disaggregated {
                        prefill: Pool {
                            config: p.config,
                            ranks: pn,
                            max_seqs: p.max_seqs,
                            batch: 0.0,
                        },
                        decode: Pool {
                            config: d.config,
                            ranks: dn,
                            max_seqs: d.max_seqs,
                            batch: steady.batch,
                        },
                        transfer_s: transfer,
                    };
                    let costs = costs(req, &dep);
                    let input_share = match (
                        req.cost.chip_hour(p.config.chip),
                        req.cost.chip_hour(d.config.chip),
                    ) {
                        (Ok(hp), Ok(hd)) => {
                            let a = hp.total().get() * f64::from(p_chips);
                            let b = hd.total().get() * f64::from(d_chips);
                            a / (a + b)
                        }
                        _ => f64::from(p_chips) / f64::from(p_chips + d_chips),
                    };
                    out.push(Candidate {
                        deployment: dep,
                        estimate_ttft_s: ttft + transfer,
                        estimate_tpot_s: steady.tpot_s,
                        input_share,
                        costs,
                        simulated: None,
                    });
                }
            }
        }
    }
    out
}
