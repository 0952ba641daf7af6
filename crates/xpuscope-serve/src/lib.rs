//! xpuscope-serve: serving under load, simulated step by step as continuous-batching engines
//! run it.
//!
//! Requests arrive (a closed loop at a concurrency, an open loop at a rate, or all at once), an
//! engine's scheduler (vLLM V1, SGLang or TensorRT-LLM) forms each step from decodes and prefill
//! chunks under its caps and the paged KV cache, the cost model prices the step
//! (`xpuscope_perf::Evaluator::step`) and the host adds its time; the run reports TTFT, TPOT,
//! ITL and end-to-end percentiles, throughput, goodput under an SLO, and what the engine did.
//!
//! What it deliberately does not do: price kernels itself (that is `xpuscope-perf`), read files
//! (a trace arrives as text), or print. It simulates one data-parallel replica and scales: each
//! replica of a data-parallel deployment is taken to see an equal, independent share of the
//! traffic (a request rate or concurrency divided by the replicas), which is how engines'
//! load balancers aim to split it.

#![warn(missing_docs)]

pub mod disagg;
pub mod engine;
pub mod sim;
pub mod stats;
pub mod trace;
pub mod workload;

use std::ops::Deref;

use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_model::units::{Bytes, TokensPerSecond};
use xpuscope_perf::{Efficiency, Evaluator, InferConfig, PerfError};

pub use disagg::{simulate_pools, Disaggregation, Pool};
pub use engine::{EngineKind, EngineSettings, HostOverhead};
pub use sim::{BoundTimes, RunStats, StepRecord};
pub use stats::Summary;
pub use workload::{Arrivals, Generator, Lengths, Request};

/// Why a serving question has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServeError {
    /// The cost model cannot answer (a layout that does not divide, a missing spec).
    #[error(transparent)]
    Perf(#[from] PerfError),
    /// An input out of range.
    #[error("{0}")]
    Input(String),
    /// Not even one request fits the KV cache.
    #[error("the KV cache holds {capacity} tokens per replica, too few for one request of {tokens} tokens; use more chips (--tp), a smaller KV format (--kv-cache fp8) or shorter requests")]
    KvTooSmall {
        /// Tokens one request needs.
        tokens: u64,
        /// Tokens the cache holds.
        capacity: u64,
    },
    /// The weights and activations leave no memory for a KV cache.
    #[error("`{model}` leaves no room for a KV cache on `{chip}`: weights and activations take {used_gib:.1} GiB per chip of {usable_gib:.1} GiB usable; use more chips (--tp) or smaller weights (--weights fp8)")]
    NoKvRoom {
        /// Model id.
        model: String,
        /// Chip id.
        chip: String,
        /// Weights and activations per chip, GiB.
        used_gib: f64,
        /// Usable memory per chip, GiB.
        usable_gib: f64,
    },
}

/// Speculative decoding: a draft (an MTP head or an EAGLE-style draft model) proposes `tokens`
/// tokens per step, the model verifies them in one pass, and each is accepted with probability
/// `acceptance` while the ones before it were (so a step emits `1 + a + ... + a^k` tokens on
/// average).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speculative {
    /// Draft tokens per step.
    pub tokens: u32,
    /// Probability that a draft token is accepted, given the ones before it were.
    pub acceptance: f64,
    /// A draft pass's cost as a share of a decode pass of the model: one transformer layer's
    /// worth (DeepSeek's MTP module and EAGLE heads are each one layer), `1 / layers`.
    pub draft_fraction: f64,
}

impl Speculative {
    /// Tokens a verify step emits on average: `(1 - a^(k+1)) / (1 - a)`.
    pub fn mean_emitted(&self) -> f64 {
        let a = self.acceptance;
        if (1.0 - a).abs() < 1e-12 {
            return f64::from(self.tokens) + 1.0;
        }
        (1.0 - a.powi(self.tokens as i32 + 1)) / (1.0 - a)
    }
}

/// Latency targets a request must meet to count towards goodput.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Slo {
    /// Most time to first token.
    pub ttft_s: Option<f64>,
    /// Most time per output token.
    pub tpot_s: Option<f64>,
}

/// A serving question.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    /// The deployment: layout, precisions (its lengths and batch are ignored).
    pub infer: InferConfig,
    /// The engine's scheduler.
    pub engine: EngineSettings,
    /// How requests arrive, for the whole deployment.
    pub arrivals: Arrivals,
    /// Request lengths.
    pub lengths: Lengths,
    /// Requests to serve, for the whole deployment.
    pub requests: u64,
    /// Seed of the run's generator.
    pub seed: u64,
    /// Goodput targets.
    pub slo: Slo,
    /// Steps to record for a timeline (0 for none).
    pub timeline_steps: usize,
    /// Requests replayed from a trace (with `Arrivals::Trace`); `lengths` and `requests` are
    /// then taken from it.
    pub trace: Option<Vec<Request>>,
    /// Requests sent first (for the whole deployment) left out of the latency percentiles and
    /// goodput; throughput counts every request, as `vllm bench serve` does.
    pub warmup: u64,
    /// Speculative decoding, if the engine runs it.
    pub speculative: Option<Speculative>,
    /// Separate prefill and decode pools, if disaggregated.
    pub disaggregate: Option<Disaggregation>,
}

impl ServeConfig {
    /// A run of `requests` requests of `lengths` arriving as `arrivals`, on the deployment
    /// `infer` under `engine`: seed 0, no SLO, no timeline, no trace, no warm-up, no speculative
    /// decoding, prefill and decode on the same chips.
    pub fn new(
        infer: InferConfig,
        engine: EngineSettings,
        arrivals: Arrivals,
        lengths: Lengths,
        requests: u64,
    ) -> ServeConfig {
        ServeConfig {
            infer,
            engine,
            arrivals,
            lengths,
            requests,
            seed: 0,
            slo: Slo::default(),
            timeline_steps: 0,
            trace: None,
            warmup: 0,
            speculative: None,
            disaggregate: None,
        }
    }
}

/// The answer.
#[derive(Debug, Clone)]
pub struct ServeResult {
    /// Chips in the deployment.
    pub chips: u32,
    /// Data-parallel replicas simulated as one.
    pub replicas: u32,
    /// Requests the whole deployment served.
    pub requests: u64,
    /// KV-cache tokens per replica.
    pub kv_capacity_tokens: u64,
    /// One replica's run.
    pub replica: RunStats,
    /// Output tokens per second of the whole deployment.
    pub output_tokens_per_s: TokensPerSecond,
    /// Prompt tokens per second of the whole deployment.
    pub input_tokens_per_s: TokensPerSecond,
    /// Completed requests per second of the whole deployment.
    pub requests_per_s: f64,
    /// Requests per second meeting the SLO, where one was given.
    pub goodput_requests_per_s: Option<f64>,
    /// Remarks: how the traffic was split, estimates used.
    pub notes: Vec<String>,
}

impl ServeResult {
    /// Output tokens per second per chip of the deployment.
    pub fn output_tokens_per_s_per_chip(&self) -> TokensPerSecond {
        self.output_tokens_per_s / f64::from(self.chips)
    }
}

/// KV-cache tokens one replica holds: the engine's share of each chip's memory, less weights
/// and the activation workspace (or, for engines that take a share of what is left after them,
/// that share of the rest), over the KV bytes a token takes on the fullest chip.
pub fn kv_capacity_tokens<M: Deref<Target = Model>>(
    ev: &Evaluator<M>,
    chip: &Chip,
    model_id: &str,
    dp: u32,
    engine: &EngineSettings,
) -> Result<u64, ServeError> {
    let m = ev.memory(u64::from(dp));
    let fixed = m.weights + m.activations;
    let (usable, kv) = if engine.memory_of_free {
        (m.capacity, (m.capacity - fixed) * engine.memory_fraction)
    } else {
        let usable = m.capacity * engine.memory_fraction;
        (usable, usable - fixed)
    };
    if fixed >= usable || kv.get() <= 0.0 {
        return Err(ServeError::NoKvRoom {
            model: model_id.to_string(),
            chip: chip.id.clone(),
            used_gib: fixed.gib(),
            usable_gib: usable.gib(),
        });
    }
    // Linear-attention layers keep a fixed state per running sequence, not per token: reserve it
    // for as many sequences as the engine runs at once (vLLM sizes its state pool the same way).
    let state = ev.state_bytes_per_sequence() * engine.max_num_seqs as f64;
    let kv = kv - state;
    if kv.get() <= 0.0 {
        return Err(ServeError::NoKvRoom {
            model: model_id.to_string(),
            chip: chip.id.clone(),
            used_gib: (fixed + state).gib(),
            usable_gib: usable.gib(),
        });
    }
    let per_token: Bytes = ev.kv_cache_bytes_per_token();
    Ok((kv.get() / per_token.get()).floor() as u64)
}

/// Requests the simulated replica serves for `cfg` (what a progress bar counts to).
pub fn replica_requests(cfg: &ServeConfig) -> u64 {
    let dp = u64::from(cfg.infer.layout.dp.max(1));
    match &cfg.trace {
        Some(t) => (t.len() as u64).div_ceil(dp),
        None => share(cfg.requests, dp),
    }
}

/// Splits `n` over `dp` replicas (rounding up, at least 1).
fn share(n: u64, dp: u64) -> u64 {
    n.div_ceil(dp).max(1)
}

/// A warm-up must leave requests to measure.
pub(crate) fn check_warmup(warmup: u64, requests: u64) -> Result<(), ServeError> {
    if warmup >= requests {
        return Err(ServeError::Input(format!(
            "--warmup {warmup} leaves none of the {requests} requests to measure; give fewer warm-up requests than requests"
        )));
    }
    Ok(())
}

/// Simulates serving `cfg` on `chip` for `model`.
pub fn simulate<M: Deref<Target = Model> + Clone>(
    chip: &Chip,
    model: M,
    cfg: &ServeConfig,
) -> Result<ServeResult, ServeError> {
    simulate_with_progress(chip, model, cfg, None)
}

/// [`simulate`], counting completed requests of the simulated replica in `progress` (out of
/// [`replica_requests`]).
pub fn simulate_with_progress<M: Deref<Target = Model> + Clone>(
    chip: &Chip,
    model: M,
    cfg: &ServeConfig,
    progress: Option<&std::sync::atomic::AtomicU64>,
) -> Result<ServeResult, ServeError> {
    if let Some(d) = cfg.disaggregate {
        return disagg::simulate(chip, model, cfg, d);
    }
    let e = &cfg.engine;
    let mut notes_early = Vec::new();
    if e.max_num_seqs == 0 || e.max_num_tokens == 0 || e.block_size == 0 {
        return Err(ServeError::Input(
            "--max-num-seqs, --max-num-tokens and the KV block size must be at least 1".into(),
        ));
    }
    if !(e.memory_fraction > 0.0 && e.memory_fraction <= 1.0) {
        return Err(ServeError::Input(format!(
            "the memory fraction {} must be in (0, 1]",
            e.memory_fraction
        )));
    }
    if let Some(sp) = cfg.speculative {
        if sp.tokens == 0 || sp.tokens > 16 {
            return Err(ServeError::Input(format!(
                "--speculative-tokens {} must be between 1 and 16",
                sp.tokens
            )));
        }
        if !(0.0..=1.0).contains(&sp.acceptance) {
            return Err(ServeError::Input(format!(
                "--acceptance {} is a probability: between 0 and 1",
                sp.acceptance
            )));
        }
    }
    let mut lengths = cfg.lengths;
    let mut requests = cfg.requests;
    if let Some(t) = &cfg.trace {
        if t.is_empty() {
            return Err(ServeError::Input("the trace has no requests".into()));
        }
        lengths.input = t.iter().map(|r| r.input).max().unwrap_or(1);
        lengths.output = t.iter().map(|r| r.output).max().unwrap_or(1);
        requests = t.len() as u64;
    } else if matches!(cfg.arrivals, Arrivals::Trace { .. }) {
        return Err(ServeError::Input(
            "trace arrivals need the trace's requests".into(),
        ));
    }
    if requests == 0 {
        return Err(ServeError::Input("--requests must be at least 1".into()));
    }
    check_warmup(cfg.warmup, requests)?;
    match cfg.arrivals {
        Arrivals::Closed { concurrency: 0 }
        | Arrivals::Open {
            concurrency: Some(0),
            ..
        } => return Err(ServeError::Input("--concurrency must be at least 1".into())),
        _ => {}
    }
    if !e.chunked_prefill && u64::from(lengths.input) > e.max_num_tokens {
        return Err(ServeError::Input(format!(
            "prompts of {} tokens exceed the step's {} tokens and this engine does not chunk prefills by default; raise --max-num-tokens",
            lengths.input, e.max_num_tokens
        )));
    }
    if u64::from(lengths.input) + u64::from(lengths.output) > model.max_context {
        notes_early.push(format!(
            "{} input + {} output tokens exceed `{}`'s {}-token context; an engine would refuse such requests",
            lengths.input, lengths.output, model.id, model.max_context
        ));
    }
    // The evaluator's prompt length only sizes the activation workspace: engines size it by
    // their token budget per step, not by the prompts they serve.
    let infer = InferConfig {
        input_len: e.max_num_tokens,
        output_len: u64::from(lengths.output),
        usable_fraction: e.memory_fraction,
        ..cfg.infer
    };
    let model_id = model.id.clone();
    let max_context = model.max_context;
    let ev = Evaluator::new(chip, model, &infer, &Efficiency::default())?;
    notes_early.extend(ev.hardware().power_note());
    let dp = infer.layout.dp;
    let kv_tokens = kv_capacity_tokens(&ev, chip, &model_id, dp, e)?;
    // A request that cannot fit the cache even alone would be preempted and recomputed forever.
    // (A last verify step may write its drafts past the output.)
    let drafts = cfg.speculative.map_or(0, |sp| u64::from(sp.tokens));
    let longest = u64::from(lengths.input) + u64::from(lengths.output) + drafts;
    if longest.div_ceil(e.block_size) > kv_tokens / e.block_size {
        return Err(ServeError::KvTooSmall {
            tokens: longest,
            capacity: kv_tokens / e.block_size * e.block_size,
        });
    }
    let d = u64::from(dp);
    let arrivals = match cfg.arrivals {
        Arrivals::Closed { concurrency } => Arrivals::Closed {
            concurrency: share(concurrency, d),
        },
        Arrivals::Open {
            rate,
            burstiness,
            concurrency,
        } => Arrivals::Open {
            rate: rate / d as f64,
            burstiness,
            concurrency: concurrency.map(|c| share(c, d)),
        },
        Arrivals::Offline => Arrivals::Offline,
        Arrivals::Trace { concurrency } => Arrivals::Trace {
            concurrency: concurrency.map(|c| share(c, d)),
        },
    };
    // A replica replays every dp-th request of a trace (round-robin balancing).
    let replica_trace: Option<Vec<Request>> = cfg
        .trace
        .as_ref()
        .map(|t| t.iter().step_by(dp as usize).copied().collect());
    let mut engine = *e;
    if engine.derive_max_seqs {
        engine.max_num_seqs = EngineKind::sglang_max_running(kv_tokens, max_context);
    }
    let params = sim::Params {
        evaluator: &ev,
        engine,
        kv_blocks: kv_tokens / e.block_size,
        arrivals,
        requests: replica_trace
            .as_ref()
            .map_or(share(requests, d), |t| t.len() as u64),
        trace: replica_trace.as_deref(),
        timeline_steps: cfg.timeline_steps,
        warmup: cfg.warmup / d,
        progress,
        speculative: cfg.speculative,
        seed: cfg.seed,
        // Attention ranks meet in every MoE layer when the experts span them.
        sync_ranks: if infer.layout.dp > 1 && infer.layout.needs_all_to_all() {
            infer.layout.dp
        } else {
            1
        },
    };
    let gen = Generator::new(lengths, cfg.seed)?;
    let run = sim::run(&params, gen)?;
    // The deployment serves every request; the replica served its share of them (the share is
    // rounded up, so scale by the requests, not by the replica count).
    let total_requests = cfg.trace.as_ref().map_or(requests, |t| t.len() as u64);
    let factor = total_requests as f64 / params.requests.max(1) as f64;
    let scale = factor / run.duration_s.max(f64::MIN_POSITIVE);
    let goodput = (cfg.slo.ttft_s.is_some() || cfg.slo.tpot_s.is_some()).then(|| {
        let good = run
            .latencies
            .iter()
            .filter(|(ttft, tpot)| {
                cfg.slo.ttft_s.is_none_or(|s| *ttft <= s)
                    && cfg.slo.tpot_s.is_none_or(|s| tpot.is_none_or(|t| t <= s))
            })
            .count();
        good as f64 * scale
    });
    let mut notes = notes_early;
    if dp > 1 {
        let effective = match arrivals {
            Arrivals::Closed { concurrency } => format!(", {concurrency} requests in flight"),
            Arrivals::Open {
                concurrency: Some(c),
                ..
            }
            | Arrivals::Trace {
                concurrency: Some(c),
            } => format!(", at most {c} in flight"),
            _ => String::new(),
        };
        notes.push(format!(
            "{dp} data-parallel replicas simulated as one: each sees 1/{dp} of the traffic ({} requests{effective}, rounded up), and the totals are {dp} times its",
            params.requests
        ));
    }
    notes.push(format!(
        "host time per step is the {} estimate ({:.2} ms + {:.1} us per sequence{}), not yet fitted to measurements",
        e.kind.as_str(),
        e.host.fixed.get() * 1e3,
        e.host.per_sequence.get() * 1e6,
        if e.host.overlapped {
            ", overlapped with the kernels"
        } else {
            ""
        }
    ));
    if e.host.eager_launch.get() > 0.0 {
        notes.push(format!(
            "steps outside CUDA graphs ({}) last at least {:.0} us per kernel launched (EAGER_LAUNCH, fitted to SGLang runs)",
            e.graphs.describe(),
            e.host.eager_launch.get() * 1e6
        ));
    }
    Ok(ServeResult {
        chips: infer.layout.chips(),
        replicas: dp,
        requests: total_requests,
        kv_capacity_tokens: kv_tokens,
        output_tokens_per_s: TokensPerSecond::new(run.output_tokens as f64 * scale),
        input_tokens_per_s: TokensPerSecond::new(run.input_tokens as f64 * scale),
        requests_per_s: run.requests as f64 * scale,
        goodput_requests_per_s: goodput,
        replica: run,
        notes,
    })
}

#[cfg(test)]
mod tests;
