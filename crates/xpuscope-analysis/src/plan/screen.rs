//! The fast screen: a rank's steady state under a request rate, from the same step prices the
//! simulator uses, without simulating.
//!
//! A rank serving `λ` requests per second at steady state holds `b = λ x (output - 1) x t(b)`
//! decoding sequences (Little's law), and each step also carries the prefill tokens that keep up
//! with arrivals, `λ x input x t(b)`. TPOT is the step time; TTFT is the prompt's own steps under
//! the token budget plus the wait for budget, an M/D/1 queue on the prefill share of the budget,
//! its tail at the percentile taken as exponential. It is a first estimate that ranks
//! candidates; the simulator judges the ones that matter.

use std::sync::Arc;

use xpuscope_model::model::Model;
use xpuscope_perf::{Efficiency, Evaluator, InferConfig, StepShape};
use xpuscope_serve::{kv_capacity_tokens, EngineKind, ServeError};

use super::space::Config;

/// Iterations of the steady-state fixed point.
const FIXED_POINT_ROUNDS: usize = 60;

/// One rank of a configuration, priced.
pub struct Rank<'a> {
    /// What it deploys.
    pub config: Config<'a>,
    ev: Evaluator<Arc<Model>>,
    /// KV-cache tokens the rank holds.
    pub kv_tokens: u64,
    /// Sequences the engine runs at once.
    pub max_seqs: u64,
    input: u64,
    output: u64,
}

/// A rank's steady state at one request rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Steady {
    /// Decoding sequences in a step.
    pub batch: f64,
    /// Time per output token (one step).
    pub tpot_s: f64,
    /// Time to first token at the percentile asked for.
    pub ttft_s: f64,
}

impl<'a> Rank<'a> {
    /// Prices `config` for requests of `input` and `output` tokens.
    pub fn new(
        config: Config<'a>,
        model: &Arc<Model>,
        input: u32,
        output: u32,
    ) -> Result<Rank<'a>, ServeError> {
        let e = config.engine;
        let infer = InferConfig {
            layout: config.layout,
            precisions: config.precisions,
            usable_fraction: e.memory_fraction,
            ..InferConfig::new(e.max_num_tokens, u64::from(output))
        };
        let ev = Evaluator::new(config.chip, model.clone(), &infer, &Efficiency::default())?;
        let kv_tokens = kv_capacity_tokens(&ev, config.chip, &model.id, config.layout.dp, &e)?;
        let max_seqs = if e.derive_max_seqs {
            EngineKind::sglang_max_running(kv_tokens, model.max_context)
        } else {
            e.max_num_seqs
        };
        let need = u64::from(input) + u64::from(output);
        if need.div_ceil(e.block_size) > kv_tokens / e.block_size {
            return Err(ServeError::KvTooSmall {
                tokens: need,
                capacity: kv_tokens,
            });
        }
        if !e.chunked_prefill && u64::from(input) > e.max_num_tokens {
            return Err(ServeError::Input(format!(
                "prompts of {input} tokens exceed the engine's {} tokens per step",
                e.max_num_tokens
            )));
        }
        Ok(Rank {
            config,
            ev,
            kv_tokens,
            max_seqs,
            input: u64::from(input),
            output: u64::from(output),
        })
    }

    /// The most sequences the rank can hold at once: the engine's cap, or what the KV cache
    /// holds at full length.
    pub fn batch_cap(&self) -> u64 {
        let bs = self.config.engine.block_size;
        let per = (self.input + self.output).div_ceil(bs);
        (self.kv_tokens / bs / per).min(self.max_seqs).max(1)
    }

    /// One step's wall time: `decodes` sequences at the mean context of a request's decode, and
    /// `prefill` prompt tokens in whole prompts and one partial one.
    pub fn step_time(&self, decodes: u64, prefill: u64) -> f64 {
        let mut shape: StepShape = self.ev.step_shape();
        let context = self.input + self.output / 2;
        shape.add_decodes(decodes, context);
        let mut left = prefill;
        while left > 0 {
            let chunk = left.min(self.input.max(1));
            shape.add_prefill(chunk, 0);
            left -= chunk;
        }
        // As the simulator prices a step: outside the CUDA graphs, at least its launches.
        let engine = &self.config.engine;
        let kernels = engine.kernel_wall(
            &self.ev.step(&shape),
            shape.sequences(),
            shape.tokens(),
            prefill > 0,
        );
        engine.host.step_time(kernels, shape.sequences()).get()
    }

    fn decodes_in_flight(&self) -> u64 {
        self.output.saturating_sub(1).max(1)
    }

    /// Steady state of an aggregated rank at `rate` requests per second, with TTFT at the
    /// quantile `q`; `None` when the rank cannot keep up (its batch would pass its caps or its
    /// token budget).
    pub fn aggregated(&self, rate: f64, q: f64) -> Option<Steady> {
        let budget = self.config.engine.max_num_tokens;
        let cap = self.batch_cap() as f64;
        let per_request = self.decodes_in_flight() as f64;
        let mut b = 1.0_f64;
        let mut t = 0.0_f64;
        for _ in 0..FIXED_POINT_ROUNDS {
            let decodes = b.ceil() as u64;
            let prefill = (rate * self.input as f64 * t.max(1e-6)).ceil() as u64;
            t = self.step_time(decodes, prefill.min(budget.saturating_sub(decodes)));
            let next = rate * per_request * t;
            if next > cap * 1.0001 {
                return None;
            }
            let done = (next - b).abs() < 0.01 * b.max(1.0);
            b = next.max(f64::MIN_POSITIVE);
            if done {
                break;
            }
        }
        let decodes = b.ceil() as u64;
        let chunk = budget.saturating_sub(decodes);
        if chunk == 0 {
            return None;
        }
        // Prefill tokens a step must carry to keep up, as a share of the budget it leaves.
        let rho = rate * self.input as f64 * t / chunk as f64;
        if rho >= 1.0 {
            return None;
        }
        let steps = self.input.div_ceil(chunk);
        let t_full = self.step_time(decodes, chunk.min(self.input));
        let service = steps as f64 * t_full;
        let ttft = t / 2.0 + service + queue_wait(rho, service, q);
        Some(Steady {
            batch: b,
            tpot_s: t,
            ttft_s: ttft,
        })
    }

    /// Steady state of a decode-only rank (its prompts arrive cached) at `rate`.
    pub fn decode_only(&self, rate: f64) -> Option<Steady> {
        let cap = self.batch_cap() as f64;
        let per_request = self.decodes_in_flight() as f64;
        let mut b = 1.0_f64;
        let mut t = self.step_time(1, 0);
        for _ in 0..FIXED_POINT_ROUNDS {
            let next = rate * per_request * t;
            if next > cap * 1.0001 {
                return None;
            }
            let done = (next - b).abs() < 0.01 * b.max(1.0);
            b = next.max(f64::MIN_POSITIVE);
            t = self.step_time(b.ceil() as u64, 0);
            if done {
                break;
            }
        }
        Some(Steady {
            batch: b,
            tpot_s: t,
            ttft_s: 0.0,
        })
    }

    /// A prefill-only rank at `rate` prompts per second: TTFT at the quantile `q` (without
    /// the cache's transfer); `None` past its capacity.
    pub fn prefill_only(&self, rate: f64, q: f64) -> Option<Steady> {
        let budget = self.config.engine.max_num_tokens.max(1);
        let full = budget.max(self.input);
        let t_full = self.step_time(0, full);
        let capacity = full as f64 / self.input.max(1) as f64 / t_full;
        let rho = rate / capacity;
        if rho >= 1.0 {
            return None;
        }
        let steps = self.input.div_ceil(budget);
        let service = steps as f64 * self.step_time(0, self.input.min(budget));
        Some(Steady {
            batch: 0.0,
            tpot_s: 0.0,
            ttft_s: service + queue_wait(rho, t_full, q),
        })
    }

    /// The steady-state operating points of an aggregated rank, one per batch size up to its
    /// cap: (output tokens per second of the rank, output tokens per second per user).
    pub fn curve(&self) -> Vec<(u64, f64, f64)> {
        let budget = self.config.engine.max_num_tokens;
        let per_request = self.decodes_in_flight() as f64;
        let cap = self.batch_cap();
        let mut out = Vec::new();
        let mut b = 1u64;
        while b <= cap {
            // The prefill a step carries at the rate this batch sustains, from the decode-only
            // step time (one refinement is enough for a curve).
            let t0 = self.step_time(b, 0);
            let prefill = (b as f64 / per_request * self.input as f64).ceil() as u64;
            if b + prefill > budget {
                break;
            }
            let t = self.step_time(b, prefill).max(t0);
            out.push((b, b as f64 / t, 1.0 / t));
            b = if b < 4 { b + 1 } else { b + b / 4 };
        }
        out
    }

    /// Bytes of one prompt's KV cache per chip of this rank.
    pub fn prompt_cache_bytes(&self) -> f64 {
        self.ev.kv_cache_bytes(self.input).get()
    }

    /// The rank's network bandwidth per chip, per direction, and its scale-up domain.
    pub fn links(&self) -> (f64, f64, u32) {
        let hw = self.ev.hardware();
        (hw.link.get(), hw.network.get(), hw.domain)
    }
}

/// M/D/1 waiting time of a server busy `rho` of the time with service `service`, at the
/// quantile `q` (the mean for `q` = 0.5 is close enough: the tail is taken as exponential with
/// the mean wait as its scale).
pub fn queue_wait(rho: f64, service: f64, q: f64) -> f64 {
    let mean = rho / (2.0 * (1.0 - rho)) * service;
    let tail = (-(1.0 - q.clamp(0.0, 0.999)).ln()).max(1.0);
    mean * tail
}
