//! `plan`: the cheapest fleet that meets a traffic and an SLO as a view (the ranked candidates
//! with their pools, latencies, cost and launch commands, the frontier per chip, the chips the
//! export filter leaves out and why), its text and its Pareto chart.
//!
//! The raw options live here because only `plan` uses them. It deliberately plans nothing
//! itself: the search is `xpuscope_analysis::plan`'s, the classification `xpuscope_export`'s.

mod text;
mod view;

use std::sync::Arc;

use serde::Deserialize;
use xpuscope_analysis::plan::buy::{self, Admission, Destination, Exclusion};
use xpuscope_analysis::plan::{self as planner, launch, space, PlanRequest, PlanSlo};
use xpuscope_export::{parse_date, ExportError, RuleSet};
use xpuscope_model::catalog::Catalog;
use xpuscope_model::chip::{Chip, Date};
use xpuscope_model::model::Model;
use xpuscope_serve::EngineKind;

use crate::error::{Error, Result};
use crate::options::CostOptions;

pub use view::{
    AdmittedView, BindingView, CandidateView, ExcludedView, FrontierView, LaunchView, PlanView,
    PointView, PoolView, SearchView, SloView,
};

/// Defaults of `plan`, shown by `--help` too.
pub mod defaults {
    /// The percentile of requests that must meet the SLO.
    pub const PERCENTILE: f64 = 90.0;
    /// Most chips in a fleet.
    pub const MAX_CHIPS: u32 = 256;
    /// Candidates shown.
    pub const TOP: usize = 12;
    /// Requests each simulated rank serves: enough for a p90 over a steady state, few enough
    /// that a plan simulates a hundred fleets in seconds.
    pub const REQUESTS_PER_RANK: u64 = 300;
    /// Most simulations in one plan.
    pub const MAX_SIMULATIONS: usize = 1000;
}

/// Raw `plan` options (the model is resolved by the caller).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlanOptions {
    /// Chip ids, or `["all"]` (default: every chip in the catalogue).
    pub chips: Option<Vec<String>>,
    /// Prompt tokens per request.
    pub input_len: Option<u64>,
    /// Output tokens per request.
    pub output_len: Option<u64>,
    /// Requests per second to carry.
    pub request_rate: Option<f64>,
    /// Output tokens per second to carry (instead of a request rate).
    pub output_tokens_per_s: Option<f64>,
    /// Most time to first token, seconds.
    pub slo_ttft: Option<f64>,
    /// Most time per output token, seconds.
    pub slo_tpot: Option<f64>,
    /// Percentile of requests that must meet the SLO (default 90).
    pub percentile: Option<f64>,
    /// Most chips in a fleet (default 256).
    pub max_chips: Option<u32>,
    /// Engines to try (default: vllm, sglang, trtllm).
    pub engines: Option<Vec<String>>,
    /// Try disaggregated prefill and decode pools (default true).
    pub disaggregate: Option<bool>,
    /// Let a disaggregated fleet use two chip types (default true).
    pub heterogeneous: Option<bool>,
    /// Keep only chips a buyer in this destination may obtain (`CN`).
    pub buyable_in: Option<String>,
    /// The date of the export filter, YYYY-MM-DD.
    pub date: Option<String>,
    /// Most power of the fleet, kW (TDP x PUE).
    pub max_power_kw: Option<f64>,
    /// Most purchase price of the fleet's chips, dollars.
    pub budget: Option<f64>,
    /// Candidates shown (default 12).
    pub top: Option<usize>,
    /// Seed of the simulations (default 0).
    pub seed: Option<u64>,
    /// Requests each simulated rank serves (default 300).
    pub requests_per_rank: Option<u64>,
    /// Most simulations (default 1000).
    pub max_simulations: Option<usize>,
    /// Cost assumptions.
    pub cost: CostOptions,
}

/// A resolved plan, ready to run.
pub struct PlanJob<'a> {
    request: PlanRequest,
    chips: Vec<&'a Chip>,
    admitted: Vec<Admission>,
    excluded: Vec<Exclusion>,
    filter: Option<(Destination, Date)>,
    top: usize,
}

fn positive_u32(field: &'static str, flag: &str, v: Option<u64>) -> Result<u32> {
    let v = v.ok_or_else(|| Error::invalid(field, format!("{flag} is required")))?;
    if v == 0 {
        return Err(Error::invalid(field, format!("{flag} must be at least 1")));
    }
    u32::try_from(v).map_err(|_| {
        Error::invalid(
            field,
            format!("{flag} {v} is more tokens than any model holds"),
        )
    })
}

impl<'a> PlanJob<'a> {
    /// Resolves `o` against `catalog` for `model`, applying the export filter.
    pub fn new(catalog: &'a Catalog, model: Arc<Model>, o: &PlanOptions) -> Result<PlanJob<'a>> {
        let input_len = positive_u32("input_len", "--input-len", o.input_len)?;
        let output_len = positive_u32("output_len", "--output-len", o.output_len)?;
        let request_rate = match (o.request_rate, o.output_tokens_per_s) {
            (Some(r), None) => r,
            (None, Some(t)) => {
                if !(t.is_finite() && t > 0.0) {
                    return Err(Error::invalid(
                        "output_tokens_per_s",
                        format!("--output-tokens-per-s {t} must be a positive number"),
                    ));
                }
                t / f64::from(output_len)
            }
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "request_rate",
                    "give --request-rate or --output-tokens-per-s, not both",
                ))
            }
            (None, None) => {
                return Err(Error::invalid(
                    "request_rate",
                    "give the load: --request-rate R (requests/s) or --output-tokens-per-s T",
                ))
            }
        };
        let slo = PlanSlo {
            ttft_s: o
                .slo_ttft
                .ok_or_else(|| Error::invalid("slo_ttft", "--slo-ttft S is required"))?,
            tpot_s: o
                .slo_tpot
                .ok_or_else(|| Error::invalid("slo_tpot", "--slo-tpot S is required"))?,
            percentile: o.percentile.unwrap_or(defaults::PERCENTILE),
        };
        let engines = match &o.engines {
            None => EngineKind::ALL.to_vec(),
            Some(v) => v
                .iter()
                .map(|e| {
                    EngineKind::parse(&e.to_ascii_lowercase()).ok_or_else(|| {
                        Error::invalid(
                            "engine",
                            format!("engine `{e}` is not one of vllm, sglang, trtllm"),
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let mut chips: Vec<&'a Chip> = Vec::new();
        match o.chips.as_deref() {
            None => chips.extend(catalog.chips()),
            Some([one]) if one.eq_ignore_ascii_case("all") => chips.extend(catalog.chips()),
            Some(ids) => {
                for id in ids {
                    let c = catalog.chip(id.trim())?;
                    if !chips.iter().any(|x| x.id == c.id) {
                        chips.push(c);
                    }
                }
            }
        }
        if chips.is_empty() {
            return Err(Error::invalid("chip", "give at least one chip id, or all"));
        }
        let filter = match (&o.buyable_in, &o.date) {
            (Some(d), Some(date)) => Some((
                Destination::parse(d).map_err(|e| Error::invalid("buyable_in", e.to_string()))?,
                parse_date(date)?,
            )),
            (Some(_), None) => {
                return Err(Error::invalid(
                    "date",
                    "--buyable-in needs --date YYYY-MM-DD: the rules in force change with the date",
                ))
            }
            (None, Some(_)) => {
                return Err(Error::invalid(
                    "buyable_in",
                    "--date applies to the export filter; give --buyable-in CN with it",
                ))
            }
            (None, None) => None,
        };
        let (mut admitted, mut excluded) = (Vec::new(), Vec::new());
        if let Some((dest, date)) = filter {
            let rules = RuleSet::builtin().map_err(ExportError::from)?;
            let mut kept = Vec::new();
            for c in chips {
                match buy::decide(c, &rules, date, dest) {
                    Ok(Ok(a)) => {
                        admitted.push(a);
                        kept.push(c);
                    }
                    Ok(Err(x)) => excluded.push(x),
                    Err(e) => excluded.push(Exclusion {
                        chip: c.id.clone(),
                        rule: "-".into(),
                        reason: format!("cannot be classified: {e}"),
                    }),
                }
            }
            chips = kept;
        }
        let request = PlanRequest {
            model,
            input_len,
            output_len,
            request_rate,
            slo,
            max_chips: o.max_chips.unwrap_or(defaults::MAX_CHIPS),
            engines,
            disaggregate: o.disaggregate.unwrap_or(true),
            heterogeneous: o.heterogeneous.unwrap_or(true),
            cost: o.cost.resolve()?,
            max_power_kw: o.max_power_kw,
            budget_usd: o.budget,
            seed: o.seed.unwrap_or(0),
            requests_per_rank: o.requests_per_rank.unwrap_or(defaults::REQUESTS_PER_RANK),
            max_simulations: o.max_simulations.unwrap_or(defaults::MAX_SIMULATIONS),
        };
        let top = o.top.unwrap_or(defaults::TOP);
        if top == 0 {
            return Err(Error::invalid("top", "--top must be at least 1"));
        }
        Ok(PlanJob {
            request,
            chips,
            admitted,
            excluded,
            filter,
            top,
        })
    }

    /// Units of work a progress bar counts to: configurations to price and simulations at most.
    pub fn work(&self) -> u64 {
        let configs: usize = self
            .chips
            .iter()
            .map(|c| {
                let engines = launch::engines_for(c, &self.request.engines)
                    .map(|e| e.engines)
                    .unwrap_or_default();
                space::configs(c, &self.request.model, &engines).len()
            })
            .sum();
        configs as u64 + self.request.max_simulations as u64
    }

    /// Plans, counting work done in `progress`.
    pub fn run(&self, progress: Option<&std::sync::atomic::AtomicU64>) -> Result<PlanView> {
        if self.chips.is_empty() {
            return Err(Error::NoAnswer(format!(
                "the export filter leaves no chip to plan with: {}",
                self.excluded
                    .iter()
                    .map(|x| format!("{} ({})", x.chip, x.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        let p = planner::plan(&self.request, &self.chips, progress).map_err(|e| match e {
            planner::PlanError::Input(field, message) => Error::invalid(field, message),
        })?;
        Ok(PlanView::new(
            &self.request,
            &p,
            self.filter,
            &self.admitted,
            &self.excluded,
            self.top,
        ))
    }
}
