//! The plan's typed view: what `plan --format json` prints, field names with their units.

use serde::Serialize;
use xpuscope_analysis::plan::buy::{Admission, Destination, Exclusion};
use xpuscope_analysis::plan::launch::{launch, Role};
use xpuscope_analysis::plan::{Binding, Candidate, Deployment, Plan, PlanRequest, Pool};
use xpuscope_model::chip::Date;

use crate::views::error_bar::ErrorBarView;
use crate::views::infer::LayoutView;

/// Rows of the table given to fleets of two chip types.
const MIXED_ROWS: usize = 3;

/// The latency targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SloView {
    /// Most time to first token.
    pub ttft_s: f64,
    /// Most time per output token.
    pub tpot_s: f64,
    /// Percentile of requests that must meet both.
    pub percentile: f64,
}

/// A launch command.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LaunchView {
    /// Engine and the version the flags are written for.
    pub engine: String,
    /// One instance's command line.
    pub command: String,
    /// The YAML file the command reads, if the engine takes one.
    pub yaml: Option<String>,
    /// What else it needs.
    pub notes: Vec<String>,
    /// Where the flags are documented.
    pub source: String,
}

/// One pool of a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PoolView {
    /// `both` (aggregated), `prefill` or `decode`.
    pub role: &'static str,
    /// Chip id.
    pub chip: String,
    /// Chips in the pool.
    pub chips: u32,
    /// Instances of the layout.
    pub instances: u32,
    /// Chips per instance.
    pub chips_per_instance: u32,
    /// One instance's layout (`dp` is its attention-DP group).
    pub layout: LayoutView,
    /// Weight format.
    pub weights: &'static str,
    /// KV-cache format.
    pub kv_cache: &'static str,
    /// Engine.
    pub engine: &'static str,
    /// Sequences a rank runs at once.
    pub max_num_seqs: u64,
    /// Tokens per step.
    pub max_num_tokens: u64,
    /// Share of memory the engine takes.
    pub memory_fraction: f64,
    /// Decoding sequences per rank at the traffic, by the screen.
    pub batch_per_rank: f64,
    /// The command that starts one instance.
    pub launch: Option<LaunchView>,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CandidateView {
    /// Rank, 1 = best.
    pub rank: usize,
    /// Chip id, or `prefill-chip+decode-chip`.
    pub chip: String,
    /// Chips in the fleet.
    pub chips: u32,
    /// The fleet in words: `16 = 2 x 8`.
    pub chips_text: String,
    /// `aggregated` or `disaggregated`.
    pub mode: &'static str,
    /// The pools, prefill first.
    pub pools: Vec<PoolView>,
    /// Simulated TTFT at the percentile.
    pub ttft_s: f64,
    /// Simulated TPOT at the percentile.
    pub tpot_s: f64,
    /// The screen's TTFT estimate.
    pub estimate_ttft_s: f64,
    /// The screen's TPOT estimate.
    pub estimate_tpot_s: f64,
    /// Whether the simulated percentiles meet the SLO.
    pub meets_slo: bool,
    /// Output tokens per second per chip, at the traffic.
    pub output_tokens_per_s_per_chip: f64,
    /// Output tokens per second each user sees (1 / mean TPOT).
    pub output_tokens_per_s_per_user: f64,
    /// Dollars per hour of the fleet.
    pub usd_per_hour: Option<f64>,
    /// Dollars per million prompt tokens (the prompts' share of the fleet's time).
    pub usd_per_million_input_tokens: Option<f64>,
    /// Dollars per million output tokens (the rest).
    pub usd_per_million_output_tokens: Option<f64>,
    /// Purchase price of the chips.
    pub capex_usd: Option<f64>,
    /// TDP x PUE of the chips.
    pub power_kw: Option<f64>,
    /// Time for one prompt's cache to cross between pools.
    pub kv_transfer_s: Option<f64>,
    /// Requests preempted in the simulation.
    pub preemptions: u64,
    /// Why a cost figure is missing.
    pub cost_missing: Vec<String>,
    /// How far serving measurements of the same engine have been from the simulator, on the
    /// throughput per chip (a factor below 1 means the fleet may need that many times more chips).
    pub error_bar: Option<ErrorBarView>,
}

/// One point of a frontier.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PointView {
    /// The configuration.
    pub config: String,
    /// Decoding sequences per rank.
    pub batch: u64,
    /// Output tokens per second per chip.
    pub output_tokens_per_s_per_chip: f64,
    /// Output tokens per second per user.
    pub output_tokens_per_s_per_user: f64,
}

/// A chip's Pareto frontier (the screen's steady-state estimates).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FrontierView {
    /// Chip id.
    pub chip: String,
    /// Its points, fastest per user first.
    pub points: Vec<PointView>,
}

/// A chip the export filter leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ExcludedView {
    /// Chip id.
    pub chip: String,
    /// The rule that decides it.
    pub rule: String,
    /// Why, with the margin.
    pub reason: String,
}

/// A chip the export filter keeps.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AdmittedView {
    /// Chip id.
    pub chip: String,
    /// The licence picture in words.
    pub licence: String,
    /// What a buyer should know: a licence to obtain, reported measures, guidance.
    pub warnings: Vec<String>,
}

/// What binds when nothing meets the SLO.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BindingView {
    /// Chip id.
    pub chip: String,
    /// The configuration.
    pub config: String,
    /// `tpot`, `ttft`, `chips`, `budget` or `power`.
    pub constraint: &'static str,
    /// How far it must move.
    pub relaxation: f64,
    /// What was found.
    pub detail: String,
    /// The smallest change that would fix it.
    pub suggestion: String,
}

/// What the search did.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SearchView {
    /// Rank configurations priced.
    pub configs: u64,
    /// Those that cannot run.
    pub configs_unrunnable: u64,
    /// Fleets the screen sized.
    pub screened: u64,
    /// Simulations run.
    pub simulated: u64,
    /// Candidates simulated (each may take several simulations).
    pub candidates_simulated: usize,
    /// Whether the simulation cap stopped the search.
    pub capped: bool,
}

/// A chip none of whose configurations runs.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct UnrunnableView {
    /// Chip id.
    pub chip: String,
    /// Why its largest configuration cannot run.
    pub reason: String,
}

/// `plan`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PlanView {
    /// Model id.
    pub model: String,
    /// Prompt tokens per request.
    pub input_len: u32,
    /// Output tokens per request.
    pub output_len: u32,
    /// Requests per second carried.
    pub request_rate_per_s: f64,
    /// Output tokens per second carried.
    pub output_tokens_per_s: f64,
    /// The targets.
    pub slo: SloView,
    /// The export filter's destination.
    pub buyable_in: Option<&'static str>,
    /// The export filter's date.
    pub date: Option<String>,
    /// The best candidate meeting the SLO.
    pub best: Option<CandidateView>,
    /// The best candidate of each chip and mode, best first.
    pub candidates: Vec<CandidateView>,
    /// The frontier per chip.
    pub frontier: Vec<FrontierView>,
    /// Chips the export filter leaves out.
    pub excluded: Vec<ExcludedView>,
    /// The chips the export filter keeps, each with its licence picture and warnings.
    pub admitted: Vec<AdmittedView>,
    /// Chips that cannot run the model at all.
    pub unrunnable: Vec<UnrunnableView>,
    /// When nothing meets: what binds, nearest first.
    pub binding: Vec<BindingView>,
    /// Each chip with no fleet of its own that meets the SLO, and what binds nearest.
    pub unmet: Vec<BindingView>,
    /// What the search did.
    pub search: SearchView,
    /// Remarks.
    pub notes: Vec<String>,
    /// The export answer's disclaimer, with a filter.
    pub disclaimer: Option<&'static str>,
}

fn pool_view(req: &PlanRequest, p: &Pool<'_>, role: Role) -> PoolView {
    let mut config = p.config;
    config.engine.max_num_seqs = p.max_seqs;
    let l = config.layout;
    PoolView {
        role: match role {
            Role::Both => "both",
            Role::Prefill => "prefill",
            Role::Decode => "decode",
        },
        chip: config.chip.id.clone(),
        chips: p.chips(),
        instances: p.instances(),
        chips_per_instance: config.rank_chips() * config.instance_ranks(),
        layout: LayoutView::new(&l),
        weights: config.precisions.weights.as_str(),
        kv_cache: config.precisions.kv_cache.as_str(),
        engine: config.engine.kind.as_str(),
        max_num_seqs: p.max_seqs,
        max_num_tokens: config.engine.max_num_tokens,
        memory_fraction: config.engine.memory_fraction,
        batch_per_rank: p.batch,
        launch: launch(&config, &req.model, role).ok().map(|x| LaunchView {
            engine: x.engine,
            command: x.command,
            yaml: x.yaml,
            notes: x.notes,
            source: x.source,
        }),
    }
}

fn chips_text(d: &Deployment<'_>) -> String {
    let part = |p: &Pool<'_>| {
        let per = p.config.rank_chips() * p.config.instance_ranks();
        format!("{} x {per}", p.instances())
    };
    match d {
        Deployment::Aggregated(p) => format!("{} = {}", p.chips(), part(p)),
        Deployment::Disaggregated {
            prefill, decode, ..
        } => format!(
            "{} = {} prefill ({}) + {} decode ({})",
            d.chips(),
            prefill.chips(),
            part(prefill),
            decode.chips(),
            part(decode)
        ),
    }
}

impl CandidateView {
    /// The view of a simulated candidate ranked `rank`.
    pub fn new(req: &PlanRequest, c: &Candidate<'_>, rank: usize) -> CandidateView {
        let s = c.simulated.expect("the plan returns simulated candidates");
        let (pools, transfer) = match c.deployment {
            Deployment::Aggregated(p) => (vec![pool_view(req, &p, Role::Both)], None),
            Deployment::Disaggregated {
                prefill,
                decode,
                transfer_s,
            } => (
                vec![
                    pool_view(req, &prefill, Role::Prefill),
                    pool_view(req, &decode, Role::Decode),
                ],
                Some(transfer_s),
            ),
        };
        let out_tps = req.request_rate * f64::from(req.output_len);
        let in_tps = req.request_rate * f64::from(req.input_len);
        let per_million = |usd_h: f64, share: f64, tps: f64| usd_h * share / 3600.0 / tps * 1e6;
        let usd = c.costs.usd_per_hour;
        CandidateView {
            rank,
            chip: c.chip_label(),
            chips: c.chips(),
            chips_text: chips_text(&c.deployment),
            mode: if transfer.is_some() {
                "disaggregated"
            } else {
                "aggregated"
            },
            pools,
            ttft_s: s.ttft_s,
            tpot_s: s.tpot_s,
            estimate_ttft_s: c.estimate_ttft_s,
            estimate_tpot_s: c.estimate_tpot_s,
            meets_slo: s.meets,
            output_tokens_per_s_per_chip: out_tps / f64::from(c.chips()),
            output_tokens_per_s_per_user: 1.0 / s.tpot_mean_s,
            usd_per_hour: usd,
            usd_per_million_input_tokens: usd.map(|u| per_million(u, c.input_share, in_tps)),
            usd_per_million_output_tokens: usd
                .map(|u| per_million(u, 1.0 - c.input_share, out_tps)),
            capex_usd: c.costs.capex_usd,
            power_kw: c.costs.power_kw,
            kv_transfer_s: transfer,
            preemptions: s.preemptions,
            cost_missing: c.costs.missing.clone(),
            error_bar: {
                let decode = c.deployment.pools().last().copied().expect("a pool");
                ErrorBarView::new(
                    "serving",
                    Some(decode.config.engine.kind.as_str()),
                    req.model.moe.is_some(),
                    "output_tokens_per_s_per_chip",
                    out_tps / f64::from(c.chips()),
                )
            },
        }
    }
}

impl PlanView {
    /// The view of a plan.
    pub fn new(
        req: &PlanRequest,
        p: &Plan<'_>,
        filter: Option<(Destination, Date)>,
        admitted: &[Admission],
        excluded: &[Exclusion],
        top: usize,
    ) -> PlanView {
        // The table shows the best of each chip (or chip pair) and mode; the rest are variants
        // of those (another engine, KV format or layout at the same price).
        // Fleets of two chip types are shown up to MIXED_ROWS, so that every chip's own best
        // fleet has a row.
        let mut seen = std::collections::HashSet::new();
        let mut mixed = 0;
        let candidates: Vec<CandidateView> = p
            .candidates
            .iter()
            .filter(|c| {
                let label = c.chip_label();
                let is_mixed = label.contains('+');
                if is_mixed && mixed >= MIXED_ROWS {
                    return false;
                }
                let new = seen.insert((
                    label,
                    matches!(c.deployment, Deployment::Disaggregated { .. }),
                ));
                mixed += usize::from(new && is_mixed);
                new
            })
            .take(top)
            .enumerate()
            .map(|(i, c)| CandidateView::new(req, c, i + 1))
            .collect();
        let best = p.best().map(|c| CandidateView::new(req, c, 1));
        PlanView {
            model: req.model.id.clone(),
            input_len: req.input_len,
            output_len: req.output_len,
            request_rate_per_s: req.request_rate,
            output_tokens_per_s: req.request_rate * f64::from(req.output_len),
            slo: SloView {
                ttft_s: req.slo.ttft_s,
                tpot_s: req.slo.tpot_s,
                percentile: req.slo.percentile,
            },
            buyable_in: filter.map(|(d, _)| d.as_str()),
            date: filter.map(|(_, d)| d.to_string()),
            best,
            candidates,
            frontier: p
                .frontier
                .iter()
                .map(|f| FrontierView {
                    chip: f.chip.clone(),
                    points: f
                        .points
                        .iter()
                        .map(|x| PointView {
                            config: x.config.clone(),
                            batch: x.batch,
                            output_tokens_per_s_per_chip: x.tokens_per_s_per_chip,
                            output_tokens_per_s_per_user: x.tokens_per_s_per_user,
                        })
                        .collect(),
                })
                .collect(),
            excluded: excluded
                .iter()
                .map(|x| ExcludedView {
                    chip: x.chip.clone(),
                    rule: x.rule.clone(),
                    reason: x.reason.clone(),
                })
                .collect(),
            admitted: admitted
                .iter()
                .map(|a| AdmittedView {
                    chip: a.chip.clone(),
                    licence: a.licence.clone(),
                    warnings: a.warnings.clone(),
                })
                .collect(),
            unrunnable: p
                .unrunnable
                .iter()
                .map(|(chip, reason)| UnrunnableView {
                    chip: chip.clone(),
                    reason: reason.clone(),
                })
                .collect(),
            binding: p.binding.iter().map(binding_view).collect(),
            unmet: p.unmet.iter().map(binding_view).collect(),
            search: SearchView {
                configs: p.counts.configs,
                configs_unrunnable: p.counts.configs_unrunnable,
                screened: p.counts.screened,
                simulated: p.counts.simulated,
                candidates_simulated: p.candidates.len(),
                capped: p.counts.capped,
            },
            notes: p.notes.clone(),
            disclaimer: filter.map(|_| xpuscope_export::DISCLAIMER),
        }
    }
}

fn binding_view(b: &Binding) -> BindingView {
    BindingView {
        chip: b.chip.clone(),
        config: b.config.clone(),
        constraint: b.constraint,
        relaxation: b.relaxation,
        detail: b.detail.clone(),
        suggestion: b.suggestion.clone(),
    }
}
