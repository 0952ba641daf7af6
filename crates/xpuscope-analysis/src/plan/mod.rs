//! The planner: the cheapest fleet that carries a traffic under a latency SLO, among the chips
//! a buyer may obtain.
//!
//! It enumerates, per chip, the deployments of one rank (`space`: layouts, precisions the chip
//! runs natively, each engine under its default caps), prices each rank's steady state under
//! load with the step model (`screen`), sizes the fleet that meets the SLO at the percentile
//! (`fleet`: aggregated ranks, or disaggregated prefill and decode pools, possibly of two chip
//! types), ranks the fleets by cost per hour (at a fixed traffic, the same order as cost per
//! token), and then runs the serving simulator on the best of each chip and on every
//! candidate whose estimate is within reach of the best simulated one (`verify`), growing or
//! shrinking each fleet until the simulated percentiles meet the SLO. The frontier per chip
//! (`frontier`) and, when nothing meets the SLO, what binds and the smallest change that would
//! fix it come with the answer; `buy` is the export filter and `launch` writes the engine
//! command lines.
//!
//! It deliberately prints nothing and reads no files: the views live in `xpuscope-report`.

pub mod buy;
mod fleet;
pub mod frontier;
pub mod launch;
pub mod screen;
pub mod space;
mod verify;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_serve::EngineKind;

use crate::cost::CostAssumptions;
pub use fleet::{Binding, Candidate, Deployment, Pool, Simulated};
pub use frontier::{Frontier, FrontierPoint};

/// The latency targets, met at a percentile of requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanSlo {
    /// Most time to first token, seconds.
    pub ttft_s: f64,
    /// Most time per output token, seconds.
    pub tpot_s: f64,
    /// The percentile of requests that must meet both, in (0, 100).
    pub percentile: f64,
}

/// A planning question.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The model to serve.
    pub model: Arc<Model>,
    /// Prompt tokens per request.
    pub input_len: u32,
    /// Output tokens per request.
    pub output_len: u32,
    /// Requests per second the fleet must carry.
    pub request_rate: f64,
    /// Latency targets.
    pub slo: PlanSlo,
    /// Most chips in a fleet.
    pub max_chips: u32,
    /// Engines to try.
    pub engines: Vec<EngineKind>,
    /// Whether to try disaggregated prefill and decode pools.
    pub disaggregate: bool,
    /// Whether a disaggregated fleet may put its pools on two chip types.
    pub heterogeneous: bool,
    /// Cost assumptions (those of `compare` by default).
    pub cost: CostAssumptions,
    /// Most power of the fleet, kW (TDP x PUE).
    pub max_power_kw: Option<f64>,
    /// Most purchase price of the fleet's chips, dollars.
    pub budget_usd: Option<f64>,
    /// Seed of the simulations.
    pub seed: u64,
    /// Requests each simulated rank serves.
    pub requests_per_rank: u64,
    /// Most simulations in one plan.
    pub max_simulations: usize,
}

/// What the search did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchCounts {
    /// Rank configurations priced.
    pub configs: u64,
    /// Configurations that cannot run (layout does not divide, no room for the KV cache).
    pub configs_unrunnable: u64,
    /// Fleets sized by the screen.
    pub screened: u64,
    /// Simulations run.
    pub simulated: u64,
    /// Whether the simulation cap stopped the search before its bound did.
    pub capped: bool,
}

/// The planner's answer.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// Simulated candidates, best first: those meeting the SLO, then the others.
    pub candidates: Vec<Candidate<'a>>,
    /// The Pareto frontier per chip.
    pub frontier: Vec<Frontier>,
    /// What the search did.
    pub counts: SearchCounts,
    /// When nothing meets the SLO: what binds for the nearest configurations, nearest first.
    pub binding: Vec<Binding>,
    /// Each chip with no fleet of its own that meets the SLO, with its nearest binding.
    pub unmet: Vec<Binding>,
    /// Chips none of whose configurations can run the model, with the reason for the largest.
    pub unrunnable: Vec<(String, String)>,
    /// Remarks.
    pub notes: Vec<String>,
}

impl Plan<'_> {
    /// The best candidate meeting the SLO.
    pub fn best(&self) -> Option<&Candidate<'_>> {
        self.candidates.first().filter(|c| c.meets_slo())
    }
}

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// An input out of range: the flag at fault (without dashes) and one sentence.
    #[error("{1}")]
    Input(&'static str, String),
}

impl PlanRequest {
    fn validate(&self, chips: &[&Chip]) -> Result<(), PlanError> {
        let bad = |field: &'static str, s: String| Err(PlanError::Input(field, s));
        if chips.is_empty() {
            return bad("chip", "no chip is left to plan with".into());
        }
        if self.input_len == 0 || self.output_len == 0 {
            return bad(
                "input_len",
                "--input-len and --output-len must be at least 1".into(),
            );
        }
        if !(self.request_rate.is_finite() && self.request_rate > 0.0) {
            return bad(
                "request_rate",
                format!(
                    "--request-rate {} must be a positive number of requests per second",
                    self.request_rate
                ),
            );
        }
        for (field, name, v) in [
            ("slo_ttft", "--slo-ttft", self.slo.ttft_s),
            ("slo_tpot", "--slo-tpot", self.slo.tpot_s),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(
                    field,
                    format!("{name} {v} must be a positive number of seconds"),
                );
            }
        }
        if !(self.slo.percentile > 0.0 && self.slo.percentile < 100.0) {
            return bad(
                "percentile",
                format!(
                    "--percentile {} must be between 0 and 100",
                    self.slo.percentile
                ),
            );
        }
        if self.max_chips == 0 {
            return bad("max_chips", "--max-chips must be at least 1".into());
        }
        if self.engines.is_empty() {
            return bad("engine", "give at least one engine".into());
        }
        if let Some(p) = self.max_power_kw.filter(|p| !(p.is_finite() && *p > 0.0)) {
            return bad(
                "max_power_kw",
                format!("--max-power-kw {p} must be a positive number"),
            );
        }
        if let Some(b) = self.budget_usd.filter(|b| !(b.is_finite() && *b > 0.0)) {
            return bad(
                "budget",
                format!("--budget {b} must be a positive number of dollars"),
            );
        }
        if self.requests_per_rank == 0 {
            return bad(
                "requests_per_rank",
                "the simulated requests per rank must be at least 1".into(),
            );
        }
        if self.max_simulations == 0 {
            return bad(
                "max_simulations",
                "--max-simulations must be at least 1".into(),
            );
        }
        self.cost
            .validate()
            .map_err(|e| PlanError::Input("cost", e.to_string()))
    }

    /// The percentile as a quantile.
    fn quantile(&self) -> f64 {
        self.slo.percentile / 100.0
    }
}

/// Plans `req` over `chips`, counting configurations priced and simulations run in `progress`.
pub fn plan<'a>(
    req: &PlanRequest,
    chips: &[&'a Chip],
    progress: Option<&AtomicU64>,
) -> Result<Plan<'a>, PlanError> {
    req.validate(chips)?;
    let tick = |n: u64| {
        if let Some(p) = progress {
            p.fetch_add(n, Ordering::Relaxed);
        }
    };
    // Each chip with the engines that run on it: a stand-in is noted, a chip with none is
    // reported as unrunnable with the sentence.
    let mut engine_notes = Vec::new();
    let mut no_engine: Vec<(String, String)> = Vec::new();
    let mut configs: Vec<space::Config<'a>> = Vec::new();
    for c in chips {
        let e = launch::engines_for(c, &req.engines).map_err(|e| PlanError::Input("engine", e))?;
        match (e.engines.is_empty(), e.why) {
            (true, why) => no_engine.push((c.id.clone(), why.unwrap_or_default())),
            (false, Some(why)) => engine_notes.push(why),
            (false, None) => {}
        }
        configs.extend(space::configs(c, &req.model, &e.engines));
    }
    let ranks: Vec<Result<screen::Rank<'a>, xpuscope_serve::ServeError>> = configs
        .par_iter()
        .map(|c| {
            let r = screen::Rank::new(*c, &req.model, req.input_len, req.output_len);
            tick(1);
            r
        })
        .collect();
    let mut counts = SearchCounts {
        configs: configs.len() as u64,
        ..SearchCounts::default()
    };
    // A chip none of whose configurations runs is reported with the reason of its largest one.
    let mut last_error: Vec<(String, String)> = no_engine;
    let ranks: Vec<screen::Rank<'a>> = ranks
        .into_iter()
        .zip(&configs)
        .filter_map(|(r, c)| match r {
            Ok(r) => Some(r),
            Err(e) => {
                counts.configs_unrunnable += 1;
                match last_error.iter_mut().find(|(id, _)| *id == c.chip.id) {
                    Some(slot) => slot.1 = e.to_string(),
                    None => last_error.push((c.chip.id.clone(), e.to_string())),
                }
                None
            }
        })
        .collect();
    let unrunnable: Vec<(String, String)> = chips
        .iter()
        .filter(|c| !ranks.iter().any(|r| r.config.chip.id == c.id))
        .map(|c| {
            let why = last_error
                .iter()
                .find(|(id, _)| *id == c.id)
                .map_or_else(|| "no configuration to try".to_string(), |e| e.1.clone());
            (c.id.clone(), why)
        })
        .collect();
    let sized = fleet::size_all(req, &ranks);
    let screened_chips: std::collections::HashSet<String> =
        sized.candidates.iter().map(Candidate::chip_label).collect();
    counts.screened = sized.candidates.len() as u64;
    let frontier = frontier::frontiers(&ranks, chips);
    let (candidates, simulated, capped) = verify::search(req, sized.candidates, &tick);
    counts.simulated = simulated;
    counts.capped = capped;
    let mut notes = engine_notes;
    if capped {
        notes.push(format!(
            "the search stopped at its cap of {} simulations before its bound; candidates past it were screened but not simulated",
            req.max_simulations
        ));
    }
    let mut binding = sized.binding;
    binding.extend(
        candidates
            .iter()
            .filter(|c| !c.meets_slo())
            .filter_map(|c| c.binding(req)),
    );
    binding.sort_by(|a, b| a.relaxation.total_cmp(&b.relaxation));
    // Per chip without a fleet of its own that meets the SLO: what its simulations found, or
    // that the cap left it unsimulated, or its nearest screened binding.
    let unmet: Vec<Binding> = chips
        .iter()
        .filter(|c| {
            !candidates
                .iter()
                .any(|x| x.meets_slo() && x.chip_label() == c.id)
        })
        .filter_map(|c| {
            let simulated = candidates
                .iter()
                .filter(|x| x.chip_label() == c.id)
                .filter_map(|x| x.binding(req))
                .min_by(|a, b| a.relaxation.total_cmp(&b.relaxation));
            let screened_only = screened_chips.contains(&c.id);
            simulated
                .or_else(|| {
                    (screened_only && capped).then(|| Binding {
                        chip: c.id.clone(),
                        config: "its screened fleets".into(),
                        constraint: "simulations",
                        relaxation: f64::INFINITY,
                        detail: format!(
                            "the cap of {} simulations was spent before its fleets were simulated",
                            req.max_simulations
                        ),
                        suggestion: "a higher --max-simulations, or fewer chips".into(),
                    })
                })
                .or_else(|| binding.iter().find(|b| b.chip == c.id).cloned())
        })
        .collect();
    binding.dedup_by(|a, b| a.suggestion == b.suggestion);
    binding.truncate(5);
    if candidates.iter().any(Candidate::meets_slo) {
        binding.clear();
    }
    Ok(Plan {
        candidates,
        frontier,
        counts,
        binding,
        unmet,
        unrunnable,
        notes,
    })
}
