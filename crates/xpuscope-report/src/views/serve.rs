//! `serve`: a continuous-batching run as a view (the contract's throughput, latency percentiles
//! and what the engine did), its text, and its per-step timeline as CSV.
//!
//! The raw options live here beside the view because only `serve` uses them. It deliberately
//! does no simulation: numbers are `xpuscope_serve`'s.

use std::fmt::Write as _;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_serve::{
    Arrivals, EngineKind, Lengths, ServeConfig, ServeResult, Slo, StepRecord, Summary,
};

use super::error_bar::ErrorBarView;
use super::infer::LayoutView;
use crate::error::{Error, Result};
use crate::options::InferOptions;
use crate::table::{duration, num, sig};

/// Requests served when none is given: `vllm bench serve`'s `--num-prompts` default.
pub const DEFAULT_REQUESTS: u64 = 1000;

/// Raw `serve` options (chip and model resolved by the caller).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ServeOptions {
    /// Layout, precisions and lengths, as for `infer` (batch options are refused).
    pub deployment: InferOptions,
    /// Engine: vllm, sglang or trtllm (default vllm).
    pub engine: Option<String>,
    /// Most sequences per step (default: the engine's).
    pub max_num_seqs: Option<u64>,
    /// Most tokens per step (default: the engine's).
    pub max_num_tokens: Option<u64>,
    /// Share of memory for weights, activations and KV cache (default: the engine's).
    pub memory_fraction: Option<f64>,
    /// Lengths are drawn uniformly from `[range x L, L]` (default 1: fixed).
    pub length_range: Option<f64>,
    /// Requests in flight (closed loop, or the cap of an open loop).
    pub concurrency: Option<u64>,
    /// Poisson arrivals at this many requests per second.
    pub request_rate: Option<f64>,
    /// Gamma shape of the arrival gaps (default 1: Poisson).
    pub burstiness: Option<f64>,
    /// Every request at time zero.
    pub offline: Option<bool>,
    /// Requests to serve (default 1000; a trace serves all of its own).
    pub requests: Option<u64>,
    /// Seed of the run (default 0).
    pub seed: Option<u64>,
    /// TTFT target for goodput, seconds.
    pub slo_ttft: Option<f64>,
    /// TPOT target for goodput, seconds.
    pub slo_tpot: Option<f64>,
    /// Steps to keep for the timeline (default 0).
    pub timeline_steps: Option<usize>,
    /// A trace to replay instead of generated requests.
    pub trace: Option<TraceText>,
    /// Requests sent first left out of the latency percentiles (default 0).
    pub warmup: Option<u64>,
    /// Draft tokens per step (speculative decoding: an MTP head or an EAGLE-style draft).
    pub speculative_tokens: Option<u32>,
    /// Probability that a draft token is accepted, given the ones before it were.
    pub acceptance: Option<f64>,
    /// Separate prefill and decode pools.
    pub disaggregate: Option<bool>,
    /// Chips of the prefill pool.
    pub prefill_chips: Option<u32>,
    /// Chips of the decode pool.
    pub decode_chips: Option<u32>,
}

/// A trace as text, with the name its errors cite (a file name, for the CLI).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceText {
    /// What errors call it.
    pub name: String,
    /// JSON lines or CSV (see `xpuscope_serve::trace`).
    pub text: String,
}

fn positive(field: &'static str, v: Option<f64>) -> Result<Option<f64>> {
    match v {
        Some(x) if !(x.is_finite() && x > 0.0) => Err(Error::invalid(
            field,
            format!(
                "--{} {x} must be a positive number",
                field.replace('_', "-")
            ),
        )),
        v => Ok(v),
    }
}

impl ServeOptions {
    /// The validated serving question for `chip` and `model`.
    pub fn resolve(&self, chip: &Chip, model: &Model) -> Result<ServeConfig> {
        if self.deployment.batch.is_some() || self.deployment.max_batch.is_some() {
            return Err(Error::invalid(
                "batch",
                "`serve` batches continuously: set --concurrency or --request-rate instead of --batch",
            ));
        }
        let engine_name = self
            .engine
            .as_deref()
            .unwrap_or(crate::options::defaults::SERVE_ENGINE);
        let kind = EngineKind::parse(engine_name).ok_or_else(|| {
            Error::invalid(
                "engine",
                format!("--engine `{engine_name}` is not one of vllm, sglang, trtllm"),
            )
        })?;
        let mut infer = self.deployment.resolve()?;
        let mut engine = kind.defaults_for(chip, model, &infer.layout);
        if let Some(n) = self.max_num_seqs {
            if n == 0 {
                return Err(Error::invalid(
                    "max_num_seqs",
                    "--max-num-seqs must be at least 1",
                ));
            }
            engine.set_max_num_seqs(n);
        }
        if let Some(n) = self.max_num_tokens {
            if n == 0 {
                return Err(Error::invalid(
                    "max_num_tokens",
                    "--max-num-tokens must be at least 1",
                ));
            }
            engine.max_num_tokens = n;
        }
        if let Some(f) = self.memory_fraction {
            if !(f > 0.0 && f <= 1.0) {
                return Err(Error::invalid(
                    "memory_fraction",
                    format!("--memory-fraction {f} must be in (0, 1]"),
                ));
            }
            engine.memory_fraction = f;
        }
        infer.usable_fraction = engine.memory_fraction;
        let lengths = Lengths {
            input: crate::options::tokens_u32("input_len", infer.input_len)?,
            output: crate::options::tokens_u32("output_len", infer.output_len)?,
            range: self.length_range.unwrap_or(1.0),
        };
        if !(lengths.range > 0.0 && lengths.range <= 1.0) {
            return Err(Error::invalid(
                "length_range",
                format!("--length-range {} must be in (0, 1]", lengths.range),
            ));
        }
        if self.concurrency == Some(0) {
            return Err(Error::invalid(
                "concurrency",
                "--concurrency must be at least 1",
            ));
        }
        let rate = positive("request_rate", self.request_rate)?;
        let burstiness = positive("burstiness", self.burstiness)?.unwrap_or(1.0);
        let trace = match &self.trace {
            Some(t) => {
                if self.offline.unwrap_or(false) || rate.is_some() {
                    return Err(Error::invalid(
                        "trace",
                        "a trace brings its own arrival times: leave out --request-rate and --offline",
                    ));
                }
                Some(xpuscope_serve::trace::parse(&t.name, &t.text)?)
            }
            None => None,
        };
        let arrivals = match (self.offline.unwrap_or(false), rate, self.concurrency) {
            _ if trace.is_some() => Arrivals::Trace {
                concurrency: self.concurrency,
            },
            (true, None, None) => Arrivals::Offline,
            (true, _, _) => {
                return Err(Error::invalid(
                    "offline",
                    "--offline sends every request at once: leave out --request-rate and --concurrency",
                ))
            }
            (false, Some(rate), concurrency) => Arrivals::Open {
                rate,
                burstiness,
                concurrency,
            },
            (false, None, Some(concurrency)) => Arrivals::Closed { concurrency },
            (false, None, None) => {
                return Err(Error::invalid(
                    "concurrency",
                    "say how requests arrive: --concurrency N (closed loop), --request-rate R (open loop) or --offline",
                ))
            }
        };
        let speculative = match (self.speculative_tokens, self.acceptance) {
            (None, None) => None,
            (Some(k), Some(a)) => Some(xpuscope_serve::Speculative {
                tokens: k,
                acceptance: a,
                draft_fraction: 1.0 / f64::from(model.layers.max(1)),
            }),
            _ => {
                return Err(Error::invalid(
                    "speculative_tokens",
                    "speculative decoding needs both --speculative-tokens K and --acceptance A",
                ))
            }
        };
        let disaggregate = match (
            self.disaggregate.unwrap_or(false),
            self.prefill_chips,
            self.decode_chips,
        ) {
            (false, None, None) => None,
            (true, Some(p), Some(d)) if p > 0 && d > 0 => Some(xpuscope_serve::Disaggregation {
                prefill_chips: p,
                decode_chips: d,
            }),
            (true, Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "prefill_chips",
                    "--prefill-chips and --decode-chips must be at least 1",
                ))
            }
            _ => {
                return Err(Error::invalid(
                    "disaggregate",
                    "disaggregated serving needs --disaggregate with --prefill-chips N and --decode-chips M",
                ))
            }
        };
        let requests = self.requests.unwrap_or(DEFAULT_REQUESTS);
        if requests == 0 {
            return Err(Error::invalid("requests", "--requests must be at least 1"));
        }
        Ok(ServeConfig {
            infer,
            engine,
            arrivals,
            lengths,
            requests,
            seed: self.seed.unwrap_or(0),
            slo: Slo {
                ttft_s: positive("slo_ttft", self.slo_ttft)?,
                tpot_s: positive("slo_tpot", self.slo_tpot)?,
            },
            timeline_steps: self.timeline_steps.unwrap_or(0),
            trace,
            warmup: self.warmup.unwrap_or(0),
            speculative,
            disaggregate,
        })
    }
}

/// Mean and percentiles of a latency, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LatencyView {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl From<Summary> for LatencyView {
    fn from(s: Summary) -> Self {
        LatencyView {
            mean: s.mean,
            p50: s.p50,
            p90: s.p90,
            p99: s.p99,
        }
    }
}

/// The engine settings the run used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EngineView {
    /// Engine.
    pub name: &'static str,
    /// Most sequences per step.
    pub max_num_seqs: u64,
    /// Most tokens per step.
    pub max_num_tokens: u64,
    /// Whether long prompts are chunked.
    pub chunked_prefill: bool,
    /// Tokens per KV block.
    pub kv_block_tokens: u64,
    /// Share of memory for weights, activations and KV cache (or, with
    /// `memory_fraction_of_free`, of what weights and activations leave, for the KV cache).
    pub memory_fraction: f64,
    /// Whether `memory_fraction` is of the memory left after weights and activations.
    pub memory_fraction_of_free: bool,
    /// Host time per step, seconds.
    pub host_per_step_s: f64,
    /// Host time per sequence in a step, seconds.
    pub host_per_sequence_s: f64,
    /// Whether host work overlaps the kernels.
    pub host_overlapped: bool,
}

/// Share of the run's time by what bounded it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BoundShareView {
    /// Kernels waiting on arithmetic.
    pub compute: f64,
    /// Kernels waiting on memory bandwidth.
    pub memory: f64,
    /// Collectives.
    pub communication: f64,
    /// Fixed per-kernel time.
    pub kernel_overhead: f64,
    /// Host work (scheduling, sampling, launch) not hidden behind kernels.
    pub host: f64,
}

/// One serving run (`xpuscope serve`, `POST /api/serve`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServeView {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Chips in the deployment.
    pub chips: u32,
    /// Parallel degrees.
    pub layout: LayoutView,
    /// The engine.
    pub engine: EngineView,
    /// Requests completed.
    pub requests: u64,
    /// From the first arrival to the last completion.
    pub duration_s: f64,
    /// Output tokens per second, whole deployment.
    pub output_tokens_per_s: f64,
    /// The same per chip.
    pub output_tokens_per_s_per_chip: f64,
    /// Prompt tokens per second, whole deployment.
    pub input_tokens_per_s: f64,
    /// Completed requests per second.
    pub requests_per_s: f64,
    /// Requests per second meeting the SLO (with `--slo-ttft`/`--slo-tpot`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goodput_requests_per_s: Option<f64>,
    /// Time to first token, from sending (queueing included).
    pub ttft_s: LatencyView,
    /// Time per output token after the first: (e2e - TTFT) / (output - 1).
    pub tpot_s: LatencyView,
    /// Gaps between consecutive outputs of a request: between tokens, or with speculative
    /// decoding between the steps that emit them (one streamed chunk each, as `vllm bench
    /// serve` measures).
    pub itl_s: LatencyView,
    /// End-to-end latency.
    pub e2e_s: LatencyView,
    /// Engine steps (of one replica).
    pub steps: u64,
    /// Preemptions (recomputations), one replica.
    pub preemptions: u64,
    /// Peak share of the KV cache in use.
    pub kv_cache_peak_fraction: f64,
    /// KV-cache tokens per replica.
    pub kv_cache_tokens: u64,
    /// Sequences per step, on average.
    pub mean_batch: f64,
    /// Tokens per step, on average.
    pub mean_tokens_per_step: f64,
    /// Share of the run's time by what bounded it.
    pub time_bound_share: BoundShareView,
    /// How the traffic was split, and the estimates the answer rests on.
    pub notes: Vec<String>,
    /// How far measurements of the same kind have been from the simulator, on the throughput.
    pub error_bar: Option<ErrorBarView>,
    /// Per-step records, for the timeline.
    #[serde(skip)]
    pub timeline: Vec<StepRecord>,
}

/// A resolved serving question, ready to run: a front end can size a progress bar first.
pub struct ServeJob<'a> {
    chip: &'a Chip,
    model: Arc<Model>,
    cfg: ServeConfig,
}

impl<'a> ServeJob<'a> {
    /// Resolves the options for a chip and model.
    pub fn new(chip: &'a Chip, model: Arc<Model>, o: &ServeOptions) -> Result<ServeJob<'a>> {
        let cfg = o.resolve(chip, &model)?;
        Ok(ServeJob { chip, model, cfg })
    }

    /// Requests of the simulated replica: what `run`'s progress counter counts to.
    pub fn work(&self) -> u64 {
        xpuscope_serve::replica_requests(&self.cfg)
    }

    /// Runs the simulation, counting completed requests in `progress`.
    pub fn run(&self, progress: Option<&std::sync::atomic::AtomicU64>) -> Result<ServeView> {
        let r = xpuscope_serve::simulate_with_progress(
            self.chip,
            Arc::clone(&self.model),
            &self.cfg,
            progress,
        )?;
        Ok(ServeView::new(self.chip, &self.model, &self.cfg, r))
    }
}

/// Runs `serve` for a resolved chip and model.
pub fn serve(chip: &Chip, model: Arc<Model>, o: &ServeOptions) -> Result<ServeView> {
    ServeJob::new(chip, model, o)?.run(None)
}

impl ServeView {
    /// The view of one run.
    pub fn new(chip: &Chip, model: &Model, cfg: &ServeConfig, r: ServeResult) -> ServeView {
        let s = &r.replica;
        let b = &s.bound_time;
        let total = b.total().get().max(f64::MIN_POSITIVE);
        let e = &cfg.engine;
        ServeView {
            chip: chip.id.clone(),
            model: model.id.clone(),
            chips: r.chips,
            layout: LayoutView::new(&cfg.infer.layout),
            engine: EngineView {
                name: e.kind.as_str(),
                max_num_seqs: e.max_num_seqs,
                max_num_tokens: e.max_num_tokens,
                chunked_prefill: e.chunked_prefill,
                kv_block_tokens: e.block_size,
                memory_fraction: e.memory_fraction,
                memory_fraction_of_free: e.memory_of_free,
                host_per_step_s: e.host.fixed.get(),
                host_per_sequence_s: e.host.per_sequence.get(),
                host_overlapped: e.host.overlapped,
            },
            requests: r.requests,
            duration_s: s.duration_s,
            output_tokens_per_s: r.output_tokens_per_s.get(),
            output_tokens_per_s_per_chip: r.output_tokens_per_s_per_chip().get(),
            input_tokens_per_s: r.input_tokens_per_s.get(),
            requests_per_s: r.requests_per_s,
            goodput_requests_per_s: r.goodput_requests_per_s,
            ttft_s: s.ttft.into(),
            tpot_s: s.tpot.into(),
            itl_s: s.itl.into(),
            e2e_s: s.e2e.into(),
            steps: s.steps,
            preemptions: s.preemptions,
            kv_cache_peak_fraction: s.kv_peak_fraction,
            kv_cache_tokens: r.kv_capacity_tokens,
            mean_batch: s.mean_batch,
            mean_tokens_per_step: s.mean_tokens_per_step,
            time_bound_share: BoundShareView {
                compute: b.compute.get() / total,
                memory: b.memory.get() / total,
                communication: b.communication.get() / total,
                kernel_overhead: b.kernel_overhead.get() / total,
                host: b.host.get() / total,
            },
            error_bar: ErrorBarView::new(
                "serving",
                Some(e.kind.as_str()),
                model.moe.is_some(),
                "output_tokens_per_s",
                r.output_tokens_per_s.get(),
            ),
            notes: r.notes,
            timeline: r.replica.timeline,
        }
    }

    /// The run for people.
    pub fn text(&self) -> String {
        let l = &self.layout;
        let e = &self.engine;
        let mut out = format!(
            "{} on {} x {} (tp {}, pp {}, dp {}, ep {}), {} engine: max {} sequences and {} tokens per step, KV cache {} tokens per replica in blocks of {}\n\n",
            self.model, self.chips, self.chip, l.tp, l.pp, l.dp, l.ep, e.name, e.max_num_seqs, e.max_num_tokens,
            num(self.kv_cache_tokens as f64, 0), e.kv_block_tokens
        );
        let _ = writeln!(
            out,
            "  served      {} requests in {} ({} requests/s)",
            num(self.requests as f64, 0),
            duration(self.duration_s),
            sig(self.requests_per_s)
        );
        let _ = writeln!(
            out,
            "  throughput  {} output tokens/s ({} per chip), {} input tokens/s",
            num(self.output_tokens_per_s, 0),
            sig(self.output_tokens_per_s_per_chip),
            num(self.input_tokens_per_s, 0)
        );
        if let Some(g) = self.goodput_requests_per_s {
            let _ = writeln!(out, "  goodput     {} requests/s within the SLO", sig(g));
        }
        let _ = writeln!(out, "\n  latency     mean       p50        p90        p99");
        for (name, v) in [
            ("TTFT", &self.ttft_s),
            ("TPOT", &self.tpot_s),
            ("ITL", &self.itl_s),
            ("E2E", &self.e2e_s),
        ] {
            let _ = writeln!(
                out,
                "  {name:<10}  {:<9}  {:<9}  {:<9}  {}",
                duration(v.mean),
                duration(v.p50),
                duration(v.p90),
                duration(v.p99)
            );
        }
        let b = &self.time_bound_share;
        let _ = writeln!(
            out,
            "\n  engine      {} steps, mean batch {}, {} tokens per step, {} preemptions, KV cache peak {:.0}%",
            num(self.steps as f64, 0),
            sig(self.mean_batch),
            sig(self.mean_tokens_per_step),
            num(self.preemptions as f64, 0),
            self.kv_cache_peak_fraction * 100.0
        );
        let _ = writeln!(
            out,
            "  time bound  compute {:.0}%, memory {:.0}%, communication {:.0}%, kernel overhead {:.0}%, host {:.0}%",
            b.compute * 100.0,
            b.memory * 100.0,
            b.communication * 100.0,
            b.kernel_overhead * 100.0,
            b.host * 100.0
        );
        if let Some(e) = &self.error_bar {
            out.push_str(&format!("\n  {}\n", e.text()));
        }
        if !self.notes.is_empty() {
            out.push_str("\nnotes:\n");
            for n in &self.notes {
                let _ = writeln!(out, "  - {n}");
            }
        }
        out
    }

    /// The per-step timeline as an SVG chart: sequences, tokens and KV-cache use per step.
    pub fn timeline_svg(&self) -> String {
        let col = |f: fn(&StepRecord) -> f64| self.timeline.iter().map(f).collect();
        crate::svg::timeline(&crate::svg::Timeline {
            title: format!(
                "Serving timeline: {} on {} x {}",
                self.model, self.chips, self.chip
            ),
            subtitle: Some(format!(
                "{} engine, {} requests; one replica's steps",
                self.engine.name, self.requests
            )),
            times: col(|r| r.time_s),
            panels: vec![
                crate::svg::Panel {
                    label: "sequences per step".into(),
                    values: col(|r| r.batch as f64),
                },
                crate::svg::Panel {
                    label: "prefill tokens per step".into(),
                    values: col(|r| r.prefill_tokens as f64),
                },
                crate::svg::Panel {
                    label: "step time (ms)".into(),
                    values: col(|r| r.step_s * 1e3),
                },
                crate::svg::Panel {
                    label: "KV cache used (%)".into(),
                    values: col(|r| r.kv_used * 100.0),
                },
            ],
        })
    }

    /// The per-step timeline as CSV.
    pub fn timeline_csv(&self) -> String {
        let mut out =
            String::from("time_s,batch,prefill_tokens,decode_tokens,step_s,kv_cache_used\n");
        for r in &self.timeline {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                r.time_s, r.batch, r.prefill_tokens, r.decode_tokens, r.step_s, r.kv_used
            );
        }
        out
    }
}
