//! Predicting each serving case with the simulator and scoring it against what was measured.
//!
//! It deliberately fits nothing: each engine runs with its defaults, overridden only where a
//! source states what it configured.

use rayon::prelude::*;

use xpuscope_model::catalog::Catalog;
use xpuscope_model::units::Seconds;
use xpuscope_perf::InferConfig;
use xpuscope_serve::{
    simulate, Arrivals, EngineKind, EngineSettings, Lengths, Request, ServeConfig, Slo,
};

use super::parse::{CaseArrivals, ServingCase};

/// Most requests per replica when the run size is derived: enough for a steady state, small
/// enough that the whole family runs in about a second.
const MAX_REQUESTS_PER_REPLICA: u64 = 2000;
/// Offline and Poisson runs serve this many times the requests one replica holds at once, so
/// the ramp-up and the final drain are a small part of the run.
const WAVES: u64 = 4;
/// A closed loop serves this many requests per slot (at most [`MAX_REQUESTS_PER_REPLICA`] in all).
const CLOSED_REQUESTS_PER_SLOT: u64 = 20;

/// A figure a serving case can be compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServingMetric {
    /// Output tokens per second of the whole system.
    OutputTokensPerS,
    /// Mean time to first token, milliseconds.
    MeanTtftMs,
    /// Mean time per output token, milliseconds.
    MeanTpotMs,
    /// Mean inter-token latency, milliseconds.
    MeanItlMs,
}

impl ServingMetric {
    /// Name in output, with its unit.
    pub fn as_str(self) -> &'static str {
        match self {
            ServingMetric::OutputTokensPerS => "output tok/s",
            ServingMetric::MeanTtftMs => "mean TTFT ms",
            ServingMetric::MeanTpotMs => "mean TPOT ms",
            ServingMetric::MeanItlMs => "mean ITL ms",
        }
    }
}

/// One measured figure against its prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServingFigure {
    /// What was measured.
    pub metric: ServingMetric,
    /// The published value, in the metric's unit.
    pub measured: f64,
    /// The prediction in the same unit (NaN when it failed).
    pub predicted: f64,
    /// Whether this is the figure the case is scored on (one per case): throughput for offline
    /// and closed-loop runs, mean TPOT for Poisson runs, whose throughput is the arrival rate.
    pub scored: bool,
}

impl ServingFigure {
    /// Signed relative error, predicted / measured - 1.
    pub fn error(&self) -> f64 {
        self.predicted / self.measured - 1.0
    }
}

/// A case as it ran, with its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ServingResult {
    /// The case.
    pub case: ServingCase,
    /// The arrivals simulated for the whole system (a Poisson case's rate filled in).
    pub arrivals: Arrivals,
    /// Requests simulated for the whole system.
    pub requests: u64,
    /// Every measured figure, throughput first.
    pub figures: Vec<ServingFigure>,
    /// Why there is no prediction, if there is none.
    pub failure: Option<String>,
}

impl ServingResult {
    /// The figure the case is scored on.
    pub fn scored(&self) -> Option<&ServingFigure> {
        self.figures.iter().find(|f| f.scored)
    }
}

/// The simulated arrivals: a Poisson case runs at measured tokens/s over output tokens.
fn arrivals(c: &ServingCase) -> Arrivals {
    match c.arrivals {
        CaseArrivals::Offline => Arrivals::Offline,
        CaseArrivals::Closed { concurrency } => Arrivals::Closed { concurrency },
        CaseArrivals::Poisson => Arrivals::Open {
            rate: c.measured.output_tokens_per_s.unwrap_or(f64::NAN) / f64::from(c.output_len),
            burstiness: 1.0,
            concurrency: None,
        },
    }
}

/// The engine's settings: its defaults, with what the source says it configured.
fn engine_settings(c: &ServingCase, defaults: EngineSettings) -> EngineSettings {
    let mut e = defaults;
    if let Some(n) = c.max_num_seqs {
        e.set_max_num_seqs(n);
    }
    if let Some(n) = c.max_num_tokens {
        e.max_num_tokens = n;
    }
    if let Some(f) = c.memory_fraction {
        e.memory_fraction = f;
    }
    e
}

/// Requests to simulate for the whole system, when the case does not fix them: for offline and
/// Poisson runs [`WAVES`] times what one replica holds at once (the sequence cap, or fewer when
/// the KV cache fills first), at most [`MAX_REQUESTS_PER_REPLICA`] per replica for Poisson; for
/// a closed loop [`CLOSED_REQUESTS_PER_SLOT`] per slot, at most [`MAX_REQUESTS_PER_REPLICA`].
pub fn requests(c: &ServingCase, kv_tokens: u64, engine: &EngineSettings, context: u64) -> u64 {
    if let Some(n) = c.requests {
        return n;
    }
    let dp = u64::from(c.layout.dp);
    let seq_cap = if engine.derive_max_seqs {
        EngineKind::sglang_max_running(kv_tokens, context)
    } else {
        engine.max_num_seqs
    };
    let per_request = u64::from(c.input_len) + u64::from(c.output_len);
    let held = seq_cap.min(kv_tokens / per_request).max(1);
    match c.arrivals {
        CaseArrivals::Offline => dp * WAVES * held,
        CaseArrivals::Poisson => dp * (WAVES * held).min(MAX_REQUESTS_PER_REPLICA),
        CaseArrivals::Closed { concurrency } => (CLOSED_REQUESTS_PER_SLOT * concurrency)
            .min(MAX_REQUESTS_PER_REPLICA)
            .max(concurrency),
    }
}

/// The figures of `c`, predicted from `r` (NaN for each when `r` is `None`), scored one marked.
fn figures(c: &ServingCase, r: Option<&xpuscope_serve::ServeResult>) -> Vec<ServingFigure> {
    let m = &c.measured;
    let pred = |f: fn(&xpuscope_serve::ServeResult) -> f64| r.map_or(f64::NAN, f);
    let ms = |s: Seconds| s.get() * 1e3;
    let mut out = Vec::new();
    let mut push = |metric, measured: Option<f64>, predicted: f64| {
        if let Some(measured) = measured {
            out.push(ServingFigure {
                metric,
                measured,
                predicted,
                scored: false,
            });
        }
    };
    push(
        ServingMetric::OutputTokensPerS,
        m.output_tokens_per_s,
        pred(|r| r.output_tokens_per_s.get()),
    );
    push(
        ServingMetric::MeanTtftMs,
        m.ttft.map(ms),
        pred(|r| r.replica.ttft.mean * 1e3),
    );
    push(
        ServingMetric::MeanTpotMs,
        m.tpot.map(ms),
        pred(|r| r.replica.tpot.mean * 1e3),
    );
    push(
        ServingMetric::MeanItlMs,
        m.itl.map(ms),
        pred(|r| r.replica.itl.mean * 1e3),
    );
    let order: &[ServingMetric] = match c.arrivals {
        CaseArrivals::Poisson => &[
            ServingMetric::MeanTpotMs,
            ServingMetric::OutputTokensPerS,
            ServingMetric::MeanItlMs,
            ServingMetric::MeanTtftMs,
        ],
        _ => &[
            ServingMetric::OutputTokensPerS,
            ServingMetric::MeanTpotMs,
            ServingMetric::MeanItlMs,
            ServingMetric::MeanTtftMs,
        ],
    };
    if let Some(i) = order
        .iter()
        .find_map(|m| out.iter().position(|f| f.metric == *m))
    {
        out[i].scored = true;
    }
    out
}

/// Predicts one case: the run's arrivals, request count and result.
fn predict(
    cat: &Catalog,
    c: &ServingCase,
) -> Result<(Arrivals, u64, xpuscope_serve::ServeResult), String> {
    let chip = cat.chip(&c.chip).map_err(|e| e.to_string())?;
    let model = cat.model(&c.model).map_err(|e| e.to_string())?;
    let engine = engine_settings(c, c.engine.defaults_for(chip, model, &c.layout));
    let infer = InferConfig {
        layout: c.layout,
        precisions: c.precisions,
        usable_fraction: engine.memory_fraction,
        ..InferConfig::new(u64::from(c.input_len), u64::from(c.output_len))
    };
    let mut cfg = ServeConfig {
        infer,
        engine,
        arrivals: Arrivals::Offline,
        lengths: Lengths {
            input: c.input_len,
            output: c.output_len,
            range: c.length_range,
        },
        requests: u64::from(c.layout.dp),
        seed: 0,
        slo: Slo::default(),
        timeline_steps: 0,
        trace: None,
        warmup: 0,
        speculative: None,
        disaggregate: None,
    };
    // The KV cache sizes the run (how many requests a replica holds at once). A probe of one
    // request per replica reads it from the simulator itself, so the sizing never disagrees
    // with the run about memory.
    let kv = simulate(chip, model, &cfg)
        .map_err(|e| e.to_string())?
        .kv_capacity_tokens;
    cfg.requests = requests(c, kv, &engine, model.max_context);
    cfg.arrivals = arrivals(c);
    if c.decode_only {
        // Prompts were prefilled on other chips: every request arrives with its prompt's cache
        // and first token, under the same cap on requests in flight.
        let n = usize::try_from(cfg.requests).map_err(|_| "too many requests".to_string())?;
        cfg.trace = Some(
            (0..n)
                .map(|k| Request {
                    arrival: 0.0,
                    input: c.input_len,
                    output: c.output_len,
                    cached: c.input_len,
                    id: k as u64,
                })
                .collect(),
        );
        cfg.arrivals = Arrivals::Trace {
            concurrency: match c.arrivals {
                CaseArrivals::Closed { concurrency } => Some(concurrency),
                _ => None,
            },
        };
    }
    let r = simulate(chip, model, &cfg).map_err(|e| e.to_string())?;
    Ok((cfg.arrivals, cfg.requests, r))
}

/// Predicts every case (in parallel; the results are in case order and deterministic).
pub fn validate(cat: &Catalog, cases: &[ServingCase]) -> Vec<ServingResult> {
    cases
        .par_iter()
        .map(|c| match predict(cat, c) {
            Ok((arrivals, requests, r)) => ServingResult {
                case: c.clone(),
                arrivals,
                requests,
                figures: figures(c, Some(&r)),
                failure: None,
            },
            Err(e) => ServingResult {
                case: c.clone(),
                arrivals: arrivals(c),
                requests: c.requests.unwrap_or(0),
                figures: figures(c, None),
                failure: Some(e),
            },
        })
        .collect()
}

/// The error over one engine's cases (or all of them), on each case's scored figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineSummary {
    /// The engine; `None` for every case together.
    pub engine: Option<EngineKind>,
    /// Whether only the cases no parameter was fitted to count.
    pub unfitted_only: bool,
    /// Cases with a prediction.
    pub cases: usize,
    /// Median absolute relative error (0.1 = 10%).
    pub median_abs_error: f64,
    /// 90th-percentile absolute relative error (nearest rank).
    pub p90_abs_error: f64,
}

/// One summary per engine that has predicted cases (in [`EngineKind::ALL`] order), then one for
/// every case together, then one for the cases no parameter was fitted to (when some were).
pub fn summaries(results: &[ServingResult]) -> Vec<EngineSummary> {
    let of = |engine: Option<EngineKind>, unfitted_only: bool| {
        let mut errs: Vec<f64> = results
            .iter()
            .filter(|r| engine.is_none_or(|e| r.case.engine == e))
            .filter(|r| !unfitted_only || r.case.fitted.is_none())
            .filter_map(ServingResult::scored)
            .filter(|f| f.predicted.is_finite())
            .map(|f| f.error().abs())
            .collect();
        if errs.is_empty() {
            return None;
        }
        errs.sort_by(f64::total_cmp);
        let n = errs.len();
        let median = super::super::median(&errs);
        let rank = (0.9 * n as f64).ceil() as usize;
        Some(EngineSummary {
            engine,
            unfitted_only,
            cases: n,
            median_abs_error: median,
            p90_abs_error: errs[rank.clamp(1, n) - 1],
        })
    };
    let any_fitted = results.iter().any(|r| r.case.fitted.is_some());
    EngineKind::ALL
        .into_iter()
        .map(|e| (Some(e), false))
        .chain([(None, false)])
        .chain(any_fitted.then_some((None, true)))
        .filter_map(|(e, u)| of(e, u))
        .collect()
}
