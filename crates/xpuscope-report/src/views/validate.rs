//! `validate`: every public measurement predicted, with the error per case and per kind, then the
//! hold-out set of current-engine measurements that no parameter was fitted to, then the serving
//! family (continuous batching under load, by the serving simulator) with the error per engine.
//!
//! It deliberately predicts nothing itself: cases, predictions and summaries are the analysis
//! crate's calibration; this module only lays them out.

use serde::Serialize;
use xpuscope_analysis::calibration::intervals::{Intervals, MIN_CASES};
use xpuscope_analysis::calibration::serving::{self, CaseArrivals, ServingResult};
use xpuscope_analysis::calibration::{self, CaseKind, CaseResult};
use xpuscope_model::Catalog;
use xpuscope_perf::Efficiency;
use xpuscope_serve::Arrivals;

use crate::error::{Error, Result};
use crate::table::{sig, Align, Table};

/// The kinds in the order the text shows them.
const KINDS: [CaseKind; 6] = [
    CaseKind::Inference,
    CaseKind::Training,
    CaseKind::Gemm,
    CaseKind::Memory,
    CaseKind::AllReduce,
    CaseKind::AllToAll,
];

/// One measurement against its prediction.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CaseView {
    /// Case id.
    pub id: String,
    /// `inference`, `training`, `gemm`, `memory`, `all-reduce` or `all-to-all`.
    pub kind: &'static str,
    /// What was measured, with its unit.
    pub metric: &'static str,
    /// The published value, in the metric's unit.
    pub measured: f64,
    /// The prediction, in the same unit; `null` when it failed.
    pub predicted: Option<f64>,
    /// Signed relative error, predicted / measured - 1; `null` when the prediction failed.
    pub error: Option<f64>,
    /// Why there is no prediction, if there is none.
    pub failure: Option<String>,
    /// The case's source key.
    pub source: String,
    /// How the published figure became a configuration, where that took assumptions.
    pub assumption: Option<String>,
}

/// The error over the cases of one kind that have predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct KindSummaryView {
    /// The kind.
    pub kind: &'static str,
    /// Median absolute relative error (0.1 = 10%).
    pub median_abs_error: f64,
    /// Worst absolute relative error.
    pub worst_abs_error: f64,
}

/// One set of measurements: every case, and a summary per kind that has predictions.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SetView {
    /// Every case, in file order.
    pub cases: Vec<CaseView>,
    /// Per kind, in the text's order; kinds without a prediction are left out.
    pub summary: Vec<KindSummaryView>,
}

impl SetView {
    /// The view of one validated set.
    pub fn new(results: &[CaseResult]) -> SetView {
        SetView {
            cases: results
                .iter()
                .map(|r| CaseView {
                    id: r.id.clone(),
                    kind: r.kind.as_str(),
                    metric: r.metric,
                    measured: r.measured,
                    predicted: r.predicted.is_finite().then_some(r.predicted),
                    error: r.predicted.is_finite().then(|| r.error()),
                    failure: r.failure.clone(),
                    source: r.source.clone(),
                    assumption: r.assumption.clone(),
                })
                .collect(),
            summary: KINDS
                .iter()
                .filter_map(|&k| {
                    calibration::summary(results, k).map(|(median, worst)| KindSummaryView {
                        kind: k.as_str(),
                        median_abs_error: median,
                        worst_abs_error: worst,
                    })
                })
                .collect(),
        }
    }

    /// One table per kind, each heading prefixed with `prefix`.
    pub fn text(&self, prefix: &str) -> String {
        let mut out = String::new();
        for kind in KINDS.map(CaseKind::as_str) {
            let rows: Vec<&CaseView> = self.cases.iter().filter(|r| r.kind == kind).collect();
            if rows.is_empty() {
                continue;
            }
            let mut t = Table::new(&[
                ("case", Align::Left),
                ("metric", Align::Left),
                ("measured", Align::Right),
                ("predicted", Align::Right),
                ("error", Align::Right),
            ]);
            let mut failures = Vec::new();
            for r in rows {
                let (pred, err) = match &r.failure {
                    Some(f) => {
                        failures.push(format!("  {}: {f}", r.id));
                        ("failed".to_string(), String::new())
                    }
                    None => (
                        sig(r.predicted.unwrap_or(f64::NAN)),
                        format!("{:+.1}%", r.error.unwrap_or(f64::NAN) * 100.0),
                    ),
                };
                t.row(vec![
                    r.id.clone(),
                    r.metric.to_string(),
                    sig(r.measured),
                    pred,
                    err,
                ]);
            }
            out.push_str(&format!("{prefix}{kind}\n"));
            out.push_str(&t.render());
            for f in failures {
                out.push_str(&f);
                out.push('\n');
            }
            if let Some(s) = self.summary.iter().find(|s| s.kind == kind) {
                out.push_str(&format!(
                    "  median |error| {:.1}%, worst {:.1}%\n",
                    s.median_abs_error * 100.0,
                    s.worst_abs_error * 100.0
                ));
            }
            out.push('\n');
        }
        out
    }
}

/// `xpuscope validate`: the public set's cases and summary, and the hold-out set under `holdout`
/// when it is compiled in.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ValidateView {
    /// The public measurements the efficiency parameters were fitted to.
    #[serde(flatten)]
    pub public: SetView,
    /// Current-engine measurements no parameter was fitted to; absent when not compiled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<SetView>,
    /// Serving measurements predicted by the continuous-batching simulator, nothing fitted to
    /// them; absent when not compiled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving: Option<ServingSetView>,
    /// The error bars every answer carries: per regime, the spread of measured / predicted over
    /// the fitted set's cases (`catalog/calibration/intervals.toml`, kept current by a test).
    pub error_bars: Vec<RegimeView>,
}

/// One regime's spread of measured / predicted.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RegimeView {
    /// The regime, e.g. `serving/vllm/dense`.
    pub group: String,
    /// Cases in it.
    pub cases: usize,
    /// 10th percentile of measured / predicted (nearest rank, outward).
    pub low: f64,
    /// Median of measured / predicted.
    pub median: f64,
    /// 90th percentile of measured / predicted (nearest rank, outward).
    pub high: f64,
    /// Whether answers use it (it has enough cases).
    pub used: bool,
}

/// Predicts every built-in measurement with the default efficiencies.
pub fn validate(catalog: &Catalog) -> Result<ValidateView> {
    let eff = Efficiency::default();
    let m = calibration::builtin().map_err(Error::Analysis)?;
    let public = SetView::new(&calibration::validate(catalog, &m, &eff));
    let holdout = match calibration::builtin_holdout() {
        Some(h) => Some(SetView::new(&calibration::validate(
            catalog,
            &h.map_err(Error::Analysis)?,
            &eff,
        ))),
        None => None,
    };
    let serving = match serving::builtin() {
        Some(cases) => {
            let cases = cases.map_err(|e| Error::Analysis(e.to_string()))?;
            Some(ServingSetView::new(&serving::validate(catalog, &cases)))
        }
        None => None,
    };
    let error_bars = Intervals::builtin()
        .groups()
        .iter()
        .map(|i| RegimeView {
            group: i.group.clone(),
            cases: i.cases,
            low: i.low,
            median: i.median,
            high: i.high,
            used: i.cases >= MIN_CASES,
        })
        .collect();
    Ok(ValidateView {
        public,
        holdout,
        serving,
        error_bars,
    })
}

impl ValidateView {
    /// The tables for people, public set first.
    pub fn text(&self) -> String {
        let mut out = self.public.text("");
        out.push_str("Measurements and sources: catalog/calibration/public.toml. Fitted parameters: crates/xpuscope-perf/src/efficiency.rs.\n");
        if let Some(h) = &self.holdout {
            out.push_str("\nhold-out: current engines, not used to fit anything (catalog/calibration/modern.toml)\n\n");
            out.push_str(&h.text("hold-out "));
        }
        if let Some(s) = &self.serving {
            out.push('\n');
            out.push_str(&s.text());
        }
        if !self.error_bars.is_empty() {
            out.push_str("\nerror bars by regime: measured / predicted over the fitted set (what every answer's error_bar applies)\n");
            let mut t = Table::new(&[
                ("regime", Align::Left),
                ("cases", Align::Right),
                ("p10", Align::Right),
                ("median", Align::Right),
                ("p90", Align::Right),
                ("", Align::Left),
            ]);
            for r in &self.error_bars {
                t.row(vec![
                    r.group.clone(),
                    r.cases.to_string(),
                    format!("{}x", sig(r.low)),
                    format!("{}x", sig(r.median)),
                    format!("{}x", sig(r.high)),
                    if r.used {
                        String::new()
                    } else {
                        format!("(under {MIN_CASES} cases: pooled upward)")
                    },
                ]);
            }
            out.push_str(&t.render());
        }
        out
    }
}

/// One measured figure of a serving case against its prediction.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServingFigureView {
    /// What was measured, with its unit: `output tok/s`, `mean TTFT ms`, `mean TPOT ms` or
    /// `mean ITL ms`.
    pub metric: &'static str,
    /// The published value, in the metric's unit.
    pub measured: f64,
    /// The prediction, in the same unit; `null` when it failed.
    pub predicted: Option<f64>,
    /// Signed relative error, predicted / measured - 1; `null` when the prediction failed.
    pub error: Option<f64>,
    /// Whether the case is scored on this figure (one per case): throughput for offline and
    /// closed-loop runs, mean TPOT for Poisson runs, whose throughput is the arrival rate.
    pub scored: bool,
}

/// One serving case: what ran, and each figure against its prediction.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServingCaseView {
    /// Case id.
    pub id: String,
    /// The engine that ran it: `vllm`, `sglang` or `trtllm`.
    pub engine: &'static str,
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Chips in the deployment.
    pub chips: u32,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Data-parallel replicas.
    pub dp: u32,
    /// Expert-parallel degree.
    pub ep: u32,
    /// Weight precision.
    pub weights: &'static str,
    /// KV-cache precision.
    pub kv_cache: &'static str,
    /// `offline`, `poisson` or `closed`.
    pub arrivals: &'static str,
    /// Whether the measured chips only decoded (prompts prefilled elsewhere).
    pub decode_only: bool,
    /// The Poisson rate for the whole system, requests per second.
    pub request_rate_per_s: Option<f64>,
    /// Requests in flight of a closed loop, for the whole system.
    pub concurrency: Option<u64>,
    /// Requests simulated, for the whole system.
    pub requests: u64,
    /// Prompt tokens per request.
    pub input_len: u32,
    /// Output tokens per request.
    pub output_len: u32,
    /// Each measured figure, throughput first.
    pub figures: Vec<ServingFigureView>,
    /// Why there is no prediction, if there is none.
    pub failure: Option<String>,
    /// Where the figures were read.
    pub source: String,
    /// How the published figures became this configuration.
    pub assumptions: String,
    /// The named parameter this case was used to fit, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fitted: Option<String>,
}

/// The error over one engine's cases, or over all of them, on each case's scored figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EngineSummaryView {
    /// `vllm`, `sglang`, `trtllm`, `all`, or `not fitted` (every case no parameter was fitted
    /// to).
    pub engine: &'static str,
    /// Cases with a prediction.
    pub cases: usize,
    /// Median absolute relative error (0.1 = 10%).
    pub median_abs_error: f64,
    /// 90th-percentile absolute relative error (nearest rank).
    pub p90_abs_error: f64,
}

/// The serving family: every case, and the error per engine.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServingSetView {
    /// Every case, in file order.
    pub cases: Vec<ServingCaseView>,
    /// Per engine that has predictions, then `all`.
    pub summary: Vec<EngineSummaryView>,
}

impl ServingSetView {
    /// The view of the validated serving cases.
    pub fn new(results: &[ServingResult]) -> ServingSetView {
        let finite = |x: f64| x.is_finite().then_some(x);
        ServingSetView {
            cases: results
                .iter()
                .map(|r| {
                    let c = &r.case;
                    let (rate, concurrency) = match r.arrivals {
                        Arrivals::Open { rate, .. } => (finite(rate), None),
                        Arrivals::Closed { concurrency }
                        | Arrivals::Trace {
                            concurrency: Some(concurrency),
                        } => (None, Some(concurrency)),
                        _ => (None, None),
                    };
                    ServingCaseView {
                        id: c.id.clone(),
                        engine: c.engine.as_str(),
                        chip: c.chip.clone(),
                        model: c.model.clone(),
                        chips: c.layout.chips(),
                        tp: c.layout.tp,
                        pp: c.layout.pp,
                        dp: c.layout.dp,
                        ep: c.layout.ep,
                        weights: c.precisions.weights.as_str(),
                        kv_cache: c.precisions.kv_cache.as_str(),
                        arrivals: match c.arrivals {
                            CaseArrivals::Closed { .. } if c.decode_only => "closed, decode only",
                            CaseArrivals::Closed { .. } => "closed",
                            CaseArrivals::Offline if c.decode_only => "offline, decode only",
                            CaseArrivals::Offline => "offline",
                            CaseArrivals::Poisson => "poisson",
                        },
                        decode_only: c.decode_only,
                        request_rate_per_s: rate,
                        concurrency,
                        requests: r.requests,
                        input_len: c.input_len,
                        output_len: c.output_len,
                        figures: r
                            .figures
                            .iter()
                            .map(|f| ServingFigureView {
                                metric: f.metric.as_str(),
                                measured: f.measured,
                                predicted: finite(f.predicted),
                                error: finite(f.predicted).map(|_| f.error()),
                                scored: f.scored,
                            })
                            .collect(),
                        failure: r.failure.clone(),
                        source: c.source.clone(),
                        assumptions: c.assumptions.clone(),
                        fitted: c.fitted.clone(),
                    }
                })
                .collect(),
            summary: serving::summaries(results)
                .into_iter()
                .map(|s| EngineSummaryView {
                    engine: match (s.engine, s.unfitted_only) {
                        (Some(e), _) => e.as_str(),
                        (None, false) => "all",
                        (None, true) => "not fitted",
                    },
                    cases: s.cases,
                    median_abs_error: s.median_abs_error,
                    p90_abs_error: s.p90_abs_error,
                })
                .collect(),
        }
    }

    /// The table, its footnote and the summary per engine.
    pub fn text(&self) -> String {
        let mut t = Table::new(&[
            ("case", Align::Left),
            ("engine", Align::Left),
            ("layout", Align::Left),
            ("arrivals", Align::Left),
            ("metric", Align::Left),
            ("measured", Align::Right),
            ("predicted", Align::Right),
            ("error", Align::Right),
        ]);
        let mut failures = Vec::new();
        for c in &self.cases {
            if let Some(f) = &c.failure {
                failures.push(format!("  {}: {f}", c.id));
            }
            let arrivals = match (c.request_rate_per_s, c.concurrency) {
                (Some(rate), _) => format!("poisson {} req/s", sig(rate)),
                (None, Some(n)) if c.decode_only => {
                    format!("closed {n}, decode only")
                }
                (None, Some(n)) => format!("closed {n}"),
                (None, None) => c.arrivals.to_string(),
            };
            let mut layout = format!("{} tp{}", c.chips, c.tp);
            for (name, d) in [("pp", c.pp), ("dp", c.dp), ("ep", c.ep)] {
                if d > 1 {
                    layout.push_str(&format!(" {name}{d}"));
                }
            }
            for (i, f) in c.figures.iter().enumerate() {
                let first = i == 0;
                let (pred, err) = match (f.predicted, f.error) {
                    (Some(p), Some(e)) => (
                        sig(p),
                        format!("{:+.1}%{}", e * 100.0, if f.scored { "*" } else { " " }),
                    ),
                    _ => ("failed".to_string(), String::new()),
                };
                let lead = |s: &str| if first { s.to_string() } else { String::new() };
                let id = match &c.fitted {
                    Some(_) => format!("{} †", c.id),
                    None => c.id.clone(),
                };
                t.row(vec![
                    lead(&id),
                    lead(c.engine),
                    lead(&layout),
                    lead(&arrivals),
                    f.metric.to_string(),
                    sig(f.measured),
                    pred,
                    err,
                ]);
            }
        }
        let fitted: Vec<&str> = {
            let mut v: Vec<&str> = self
                .cases
                .iter()
                .filter_map(|c| c.fitted.as_deref())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let mut out = String::from(if fitted.is_empty() {
            "serving (continuous batching; nothing fitted to these)\n"
        } else {
            "serving (continuous batching; the cases marked † fixed a named parameter, the rest are not fitted)\n"
        });
        out.push_str(&t.render());
        for f in failures {
            out.push_str(&f);
            out.push('\n');
        }
        out.push_str("  * the figure each case is scored on: output tok/s for offline and closed-loop runs, mean TPOT for Poisson runs (their throughput is the arrival rate)\n");
        if !fitted.is_empty() {
            out.push_str(&format!(
                "  † fitted: these cases fixed {} (crates/xpuscope-serve/src/engine.rs says how)\n",
                fitted.join(", ")
            ));
        }
        for s in &self.summary {
            out.push_str(&format!(
                "  {:<10} {:>2} cases, median |error| {:.1}%, p90 {:.1}%\n",
                s.engine,
                s.cases,
                s.median_abs_error * 100.0,
                s.p90_abs_error * 100.0
            ));
        }
        out.push_str("Measurements, sources and assumptions: catalog/calibration/serving.toml. Host time per step: crates/xpuscope-serve/src/engine.rs (HostOverhead: the per-step terms are unfitted estimates; EAGER_LAUNCH is fitted).\n");
        out
    }
}
