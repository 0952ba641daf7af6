//! Inference: time to first token, time per output token, throughput and memory for a static batch.
//!
//! Semantics (PRODUCT.md, `infer`): all sequences start together; TTFT is the prefill of
//! `batch x input_len` tokens; TPOT is the mean decode step as the context grows from `input_len`
//! to `input_len + output_len`; `e2e = TTFT + (output_len - 1) x TPOT`; throughput is
//! `batch x output_len / e2e`. The batch is split evenly over data-parallel replicas; pipeline
//! stages run one after another for a single static batch.
//!
//! [`Evaluator::step`] prices one engine step of a continuous-batching server ([`StepShape`]) with
//! the same operators. This module does not schedule requests or simulate a server over time.

use std::ops::Deref;
use std::sync::Arc;

use crate::breakdown::Breakdown;
use crate::efficiency::Efficiency;
use crate::engine::Engine;
use crate::hardware::Hardware;
use crate::layout::Layout;
use crate::ops::{Costs, Shape, Sharded, StepShape};
use crate::precision::{ComputePlan, Precisions};
use crate::{check_layout, PerfError, USABLE_MEMORY_FRACTION};
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_model::units::{Bytes, Seconds, TokensPerSecond};

/// How far the largest fitting batch is looked for when a fixed batch is asked: beyond any
/// chip's memory for any model in the catalogue, so the answer is the memory's limit, not a cap.
const FIT_SEARCH_CAP: u64 = 1 << 24;

/// The default cap for `Batch::Max`: 2048 concurrent sequences, beyond which engines' schedulers
/// rarely go (vLLM's `max_num_seqs` defaults to 256-1024) and throughput no longer grows.
pub const DEFAULT_MAX_BATCH: u64 = 2048;

/// How many sequences run together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// Exactly this many.
    Fixed(u64),
    /// The largest that fits, capped by `max_batch`.
    Max,
}

/// Everything an inference evaluation needs besides the chip and the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferConfig {
    /// Parallel layout (`cp` must be 1).
    pub layout: Layout,
    /// Storage precisions.
    pub precisions: Precisions,
    /// Prompt tokens per sequence.
    pub input_len: u64,
    /// Generated tokens per sequence.
    pub output_len: u64,
    /// Concurrent sequences across the deployment.
    pub batch: Batch,
    /// Cap for `Batch::Max` (default [`DEFAULT_MAX_BATCH`]).
    pub max_batch: u64,
    /// Fraction of memory capacity usable for weights, KV cache and activations (default
    /// [`USABLE_MEMORY_FRACTION`]).
    pub usable_fraction: f64,
    /// Serving-engine behaviour.
    pub engine: Engine,
}

impl InferConfig {
    /// One chip, BF16, batch 1.
    pub fn new(input_len: u64, output_len: u64) -> InferConfig {
        InferConfig {
            layout: Layout::SINGLE,
            precisions: Precisions::BF16,
            input_len,
            output_len,
            batch: Batch::Fixed(1),
            max_batch: DEFAULT_MAX_BATCH,
            usable_fraction: USABLE_MEMORY_FRACTION,
            engine: Engine::Modern,
        }
    }
}

/// Memory on the fullest chip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryUse {
    /// Weights after sharding.
    pub weights: Bytes,
    /// KV cache of this chip's sequences at full context.
    pub kv_cache: Bytes,
    /// Activation workspace of the largest prefill chunk.
    pub activations: Bytes,
    /// Usable capacity (capacity x usable fraction).
    pub usable: Bytes,
    /// Physical capacity.
    pub capacity: Bytes,
}

impl MemoryUse {
    /// Everything the chip must hold.
    pub fn total(&self) -> Bytes {
        self.weights + self.kv_cache + self.activations
    }

    /// Whether it fits in the usable capacity.
    pub fn fits(&self) -> bool {
        self.total() <= self.usable
    }
}

/// The answer for one configuration.
#[derive(Debug, Clone)]
pub struct InferResult {
    /// Chips in the deployment.
    pub chips: u32,
    /// Concurrent sequences.
    pub batch: u64,
    /// Time to first token (the batch's prefill).
    pub ttft: Seconds,
    /// Mean time per output token (one decode step of the whole batch).
    pub tpot: Seconds,
    /// End-to-end time of the batch.
    pub e2e: Seconds,
    /// Output tokens per second of the whole deployment.
    pub output_tokens_per_s: TokensPerSecond,
    /// Memory on the fullest chip.
    pub memory: MemoryUse,
    /// Whether it fits.
    pub fits: bool,
    /// The prefill pass, by operator class.
    pub prefill: Breakdown,
    /// The mean decode step, by operator class.
    pub decode: Breakdown,
    /// How the work runs (compute precision, fallbacks).
    pub plan: ComputePlan,
    /// Largest batch that fits (for context, when the asked batch does not).
    pub max_fitting_batch: u64,
    /// Remarks for the reader: fallbacks, caps, uncalibrated parts.
    pub notes: Vec<String>,
}

impl InferResult {
    /// Output tokens per second per chip of the deployment.
    pub fn output_tokens_per_s_per_chip(&self) -> TokensPerSecond {
        self.output_tokens_per_s / f64::from(self.chips)
    }
}

/// Tokens prefilled at once: engines chunk long prefills to bound activation memory. An estimate of
/// a typical engine setting (not read from a source); it only sizes the activation workspace.
const PREFILL_CHUNK_TOKENS: f64 = 8192.0;

/// A prepared evaluator for one chip, model and layout: everything that does not depend on batch
/// or lengths is resolved once, so evaluating many batches costs microseconds each.
///
/// `M` is how it holds the model: `&Model` (borrowed, for one evaluation) or `Arc<Model>` (owned,
/// for a long-lived server or Python object). Either way a pass reads it through one pointer.
pub struct Evaluator<M = Arc<Model>> {
    hw: Hardware,
    plan: ComputePlan,
    costs: Costs,
    sharded: Sharded<M>,
    cfg: InferConfig,
}

impl<M: Deref<Target = Model>> Evaluator<M> {
    /// Checks the layout against the model and resolves the chip.
    pub fn new(
        chip: &Chip,
        model: M,
        cfg: &InferConfig,
        eff: &Efficiency,
    ) -> Result<Evaluator<M>, PerfError> {
        cfg.precisions.validate()?;
        if cfg.layout.cp != 1 {
            return Err(PerfError::Layout(
                "context parallelism (`cp`) applies to training only".into(),
            ));
        }
        if cfg.input_len == 0 || cfg.output_len == 0 {
            return Err(PerfError::Layout(
                "input and output lengths must be at least 1".into(),
            ));
        }
        if cfg
            .input_len
            .checked_add(cfg.output_len)
            .is_none_or(|t| t > 1 << 40)
        {
            return Err(PerfError::Layout(format!(
                "{} input + {} output tokens is not a length any model runs",
                cfg.input_len, cfg.output_len
            )));
        }
        check_layout(&model, &cfg.layout)?;
        let hw = Hardware::from_chip(chip, eff)?;
        if cfg.layout.tp > 1 || cfg.layout.pp > 1 || cfg.layout.needs_all_to_all() {
            hw.require_link()?;
        }
        let plan = ComputePlan::new(&hw, cfg.precisions, eff);
        let costs = Costs::new(&hw, &plan, eff, cfg.engine);
        Ok(Evaluator {
            hw,
            plan,
            costs,
            sharded: Sharded::new(model, cfg.layout),
            cfg: *cfg,
        })
    }

    fn seqs_per_replica(&self, batch: u64) -> f64 {
        (batch as f64 / f64::from(self.cfg.layout.dp)).ceil()
    }

    /// Memory on the fullest chip for `batch` sequences.
    pub fn memory(&self, batch: u64) -> MemoryUse {
        self.memory_with(&self.sharded, batch)
    }

    /// Memory on the fullest chip with the model split as `s` (the configured split, or another
    /// tensor-parallel degree when looking for one that fits).
    fn memory_with<N: Deref<Target = Model>>(&self, s: &Sharded<N>, batch: u64) -> MemoryUse {
        let m: &Model = &s.model;
        let l = s.layout;
        let wb = self.plan.weight_bytes;
        let w = s.weight_elements();
        let weights = w.all_layers() * wb + w.embedding * 2.0;

        let ctx = (self.cfg.input_len + self.cfg.output_len) as f64;
        let kv_per_seq = s.kv_cache_bytes(ctx, self.plan.kv_bytes);
        let seqs = (batch as f64 / f64::from(l.dp)).ceil();

        let chunk = (seqs * self.cfg.input_len as f64).min(PREFILL_CHUNK_TOKENS);
        let tp = f64::from(l.tp);
        let inner = (m.mlp_matrices() - 1.0) * m.ffn as f64 / tp;
        // Q plus K and V per token: expanded per head for MLA's prefill (nope + rope keys, v values).
        let kv_width = match m.mla {
            Some(mla) => m.heads * (mla.qk_nope_head_dim + mla.qk_rope_head_dim + mla.v_head_dim),
            None => 2 * m.kv_heads * m.head_dim,
        };
        let qkv = (m.q_width() + kv_width) as f64 / tp;
        let experts = m.moe.map_or(0.0, |e| {
            f64::from(e.experts_per_token) * 2.0 * e.expert_ffn as f64 / f64::from(l.expert_tp())
        });
        let act_elems = chunk * (4.0 * m.hidden as f64 + 2.0 * inner.max(qkv).max(experts));
        let logits = seqs.min(chunk) * m.vocab as f64 / tp * 4.0;
        let activations = act_elems * 2.0 + logits;

        let capacity = self.hw.capacity;
        MemoryUse {
            weights: Bytes::new(weights),
            kv_cache: Bytes::new(kv_per_seq * seqs),
            activations: Bytes::new(activations),
            usable: capacity * self.cfg.usable_fraction,
            capacity,
        }
    }

    /// KV-cache bytes one sequence of `context` tokens holds on the fullest chip: all full layers
    /// of its pipeline stage, MLA's latent where the model has it (and the sparse-attention
    /// indexer's keys), local layers capped at their window or chunk, linear-attention layers'
    /// fixed state, in the configured KV-cache precision. Memory accounting uses it at full
    /// context.
    pub fn kv_cache_bytes(&self, context: u64) -> Bytes {
        Bytes::new(
            self.sharded
                .kv_cache_bytes(context as f64, self.plan.kv_bytes),
        )
    }

    /// KV-cache bytes one more token of context adds on the fullest chip while the context is
    /// within every window (beyond a window, only full-attention layers keep growing): what a
    /// paged allocator that gives every attention layer a slot per token reserves.
    /// Linear-attention layers add nothing per token; their state is
    /// [`Evaluator::state_bytes_per_sequence`].
    pub fn kv_cache_bytes_per_token(&self) -> Bytes {
        Bytes::new(self.sharded.kv_bytes_per_token(self.plan.kv_bytes))
    }

    /// Recurrent-state bytes each running sequence holds on the fullest chip whatever its length
    /// (linear-attention layers; zero for a model without them).
    pub fn state_bytes_per_sequence(&self) -> Bytes {
        Bytes::new(self.sharded.state_bytes())
    }

    /// An empty engine step for this evaluator's model (see [`StepShape::for_model`]).
    pub fn step_shape(&self) -> StepShape {
        StepShape::for_model(&self.sharded.model)
    }

    /// One engine step on one data-parallel replica: its prefill chunks and decodes priced by the
    /// same operators as [`Evaluator::prefill`] and [`Evaluator::decode_step`]. Every replica is
    /// taken to run a step of the same shape (the expert all-to-all and routing assume it).
    #[inline]
    pub fn step(&self, shape: &StepShape) -> Breakdown {
        debug_assert_eq!(
            shape.window(),
            self.step_shape().window(),
            "a step shape built for another model's window"
        );
        self.sharded.step(&self.hw, &self.costs, shape)
    }

    /// The largest batch (a multiple of the DP degree, at most `max_batch`) that fits; 0 if none.
    pub fn max_batch(&self) -> u64 {
        self.max_batch_up_to(self.cfg.max_batch)
    }

    /// The largest batch (a multiple of the DP degree, at most `cap`) that fits; 0 if none.
    pub fn max_batch_up_to(&self, cap: u64) -> u64 {
        let dp = u64::from(self.cfg.layout.dp);
        let cap = (cap / dp).max(1);
        if !self.memory(dp).fits() {
            return 0;
        }
        // Memory grows with the batch, so bisect on sequences per replica.
        let (mut lo, mut hi) = (1u64, cap);
        if self.memory(hi * dp).fits() {
            return hi * dp;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.memory(mid * dp).fits() {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo * dp
    }

    /// Prefill of the whole batch: the first token's latency.
    pub fn prefill(&self, batch: u64) -> Breakdown {
        let shape = Shape {
            seqs: self.seqs_per_replica(batch),
            queries: self.cfg.input_len as f64,
            context: self.cfg.input_len as f64,
            causal: true,
            logits_per_seq: 1.0,
            cp: 1.0,
        };
        self.sharded.forward(&self.hw, &self.costs, &shape)
    }

    /// One decode step with every sequence at `context` tokens.
    pub fn decode_step(&self, batch: u64, context: f64) -> Breakdown {
        let shape = Shape {
            seqs: self.seqs_per_replica(batch),
            queries: 1.0,
            context,
            causal: false,
            logits_per_seq: 1.0,
            cp: 1.0,
        };
        self.sharded.forward(&self.hw, &self.costs, &shape)
    }

    /// The mean decode step as the context grows from `input_len + 1` to `input_len + output_len`
    /// (Simpson's rule over the step's cost, which is close to linear in the context).
    pub fn decode_mean(&self, batch: u64) -> Breakdown {
        let a = self.cfg.input_len as f64 + 1.0;
        let z = (self.cfg.input_len + self.cfg.output_len) as f64;
        if self.cfg.output_len <= 1 {
            return self.decode_step(batch, a);
        }
        let mut mean = Breakdown::default();
        mean.add_scaled(&self.decode_step(batch, a), 1.0 / 6.0);
        mean.add_scaled(&self.decode_step(batch, (a + z) / 2.0), 4.0 / 6.0);
        mean.add_scaled(&self.decode_step(batch, z), 1.0 / 6.0);
        mean
    }

    /// Evaluates the configured batch.
    pub fn run(&self) -> Result<InferResult, PerfError> {
        // `--max-batch` caps only `--batch max`; a fixed batch is told how many really fit.
        let max_fit = match self.cfg.batch {
            Batch::Max => self.max_batch(),
            Batch::Fixed(_) => self.max_batch_up_to(FIT_SEARCH_CAP),
        };
        let batch = match self.cfg.batch {
            Batch::Fixed(b) => {
                let dp = u64::from(self.cfg.layout.dp);
                if b == 0 {
                    return Err(PerfError::Layout("batch must be at least 1".into()));
                }
                if b % dp != 0 {
                    return Err(PerfError::Layout(format!(
                        "batch {b} does not split evenly over dp {dp}; use a multiple of {dp}"
                    )));
                }
                b
            }
            Batch::Max => {
                if max_fit == 0 {
                    return Err(self.does_not_fit());
                }
                max_fit
            }
        };
        if max_fit == 0 {
            return Err(self.does_not_fit());
        }
        let mut r = self.evaluate(batch, max_fit);
        let dp = u64::from(self.cfg.layout.dp);
        if self.cfg.batch == Batch::Max && self.memory(max_fit + dp).fits() {
            // The cap bound, not the memory: say so rather than call it the largest that fits.
            r.notes.push(format!(
                "batch {max_fit} is the --max-batch cap ({}); more sequences fit in memory",
                self.cfg.max_batch
            ));
        }
        Ok(r)
    }

    /// Evaluates one batch size without the fit checks (for sweeps and the batch search).
    pub fn evaluate(&self, batch: u64, max_fit: u64) -> InferResult {
        let prefill = self.prefill(batch);
        let decode = self.decode_mean(batch);
        let ttft = prefill.total();
        let tpot = decode.total();
        let e2e = ttft + tpot * (self.cfg.output_len.saturating_sub(1)) as f64;
        let out_tokens = batch as f64 * self.cfg.output_len as f64;
        let memory = self.memory(batch);
        let mut notes = self.plan.notes.clone();
        let m: &Model = &self.sharded.model;
        let total = self.cfg.input_len + self.cfg.output_len;
        if total > m.max_context {
            notes.push(format!(
                "{total} tokens exceed the {}-token context `{}` was trained for; engines run it, quality is another matter",
                m.max_context, m.id
            ));
        }
        if let Some(n) = self.hw.network_note(self.cfg.layout.chips()) {
            notes.push(n);
        }
        notes.extend(self.hw.power_note());
        if self.cfg.layout.chips() > 1 {
            notes.extend(self.hw.link_note());
        }
        if !memory.fits() {
            notes.push(format!(
                "batch {batch} needs {:.1} GiB per chip but {:.1} GiB is usable; the largest batch that fits is {max_fit}",
                memory.total().gib(),
                memory.usable.gib()
            ));
        }
        if self.cfg.layout.tp > self.hw.domain {
            notes.push(format!(
                "tp {} spans beyond the {}-chip scale-up domain: its all-reduces cross the scale-out network",
                self.cfg.layout.tp, self.hw.domain
            ));
        }
        if !self.hw.fabric && self.cfg.layout.chips() > 1 {
            notes.push(format!(
                "`{}` has no chip-to-chip fabric: collectives run over PCIe at {:.0} GB/s per direction",
                self.hw.id,
                self.hw.link.gbs()
            ));
        }
        InferResult {
            chips: self.cfg.layout.chips(),
            batch,
            ttft,
            tpot,
            e2e,
            output_tokens_per_s: TokensPerSecond::new(out_tokens / e2e.get()),
            fits: memory.fits(),
            memory,
            prefill,
            decode,
            plan: self.plan.clone(),
            max_fitting_batch: max_fit,
            notes,
        }
    }

    /// The error for a model whose weights do not fit even one sequence, with the smallest TP
    /// that would.
    fn does_not_fit(&self) -> PerfError {
        let m: &Model = &self.sharded.model;
        let mem = self.memory(u64::from(self.cfg.layout.dp));
        let mut smallest = None;
        for tp in [1u32, 2, 4, 8, 16, 32, 64, 128] {
            if tp <= self.cfg.layout.tp || m.heads % u64::from(tp) != 0 {
                continue;
            }
            let mut layout = self.cfg.layout;
            layout.tp = tp;
            if check_layout(m, &layout).is_err() {
                continue;
            }
            if self
                .memory_with(&Sharded::new(m, layout), u64::from(layout.dp))
                .fits()
            {
                smallest = Some(tp);
                break;
            }
        }
        PerfError::DoesNotFit {
            model: m.id.clone(),
            chip: self.hw.id.clone(),
            needed: mem.total(),
            usable: mem.usable,
            smallest_tp: smallest,
        }
    }

    /// The resolved chip.
    pub fn hardware(&self) -> &Hardware {
        &self.hw
    }
}

/// Evaluates one configuration: the entry point for a single `infer`.
pub fn infer(
    chip: &Chip,
    model: &Model,
    cfg: &InferConfig,
    eff: &Efficiency,
) -> Result<InferResult, PerfError> {
    Evaluator::new(chip, model, cfg, eff)?.run()
}
