//! The operator cost model: what one pass through the model costs on one chip.
//!
//! A pass is a batch of tokens going through every layer once: a prefill, a decode step, an
//! engine step mixing both ([`StepShape`]) or a training micro-batch's forward. For each operator
//! of a layer (projections, attention, MLP or experts, norms, collectives) the model counts FLOPs
//! and bytes moved on one chip after sharding, and prices it with [`KernelCost`]:
//! `max(FLOPs / achievable rate, bytes / achievable bandwidth) + kernels x overhead`. Identical
//! layers are costed once and multiplied: a layer's attention is full (sparse or not), local
//! (sliding-window or chunked) or linear, and its MLP dense or MoE. Results accumulate into a
//! fixed-size [`Breakdown`] by operator class, so a pass allocates nothing.
//!
//! This module knows shapes and layouts; it does not know what a request, a scheduler or a
//! training step is (see `infer` and `train`), and it does not decide what fits in memory.

mod attention;
mod linear;
mod mlp;
mod step;
mod weights;

use std::ops::Deref;

pub use step::StepShape;
pub use weights::WeightElements;

use crate::breakdown::{Breakdown, KernelCost, OpClass};
use crate::comm::{self, Algorithm};
use crate::efficiency::Efficiency;
use crate::engine::Engine;
use crate::hardware::Hardware;
use crate::layout::Layout;
use crate::precision::ComputePlan;
use attention::{Attend, Mixer};
use xpuscope_model::model::Model;
use xpuscope_model::units::{Bytes, BytesPerSecond, Flops, FlopsPerSecond, Seconds};

/// How many tokens go through one pass on one chip, and what they attend to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Sequences per data-parallel replica.
    pub seqs: f64,
    /// New (query) tokens per sequence on this chip (prompt length in prefill, 1 in decode, the
    /// local slice of a training sequence under context parallelism).
    pub queries: f64,
    /// Keys each sequence's queries may see: its full length so far.
    pub context: f64,
    /// Whether the queries are themselves the context (causal prefill or training) rather than
    /// new tokens reading a cache (decode).
    pub causal: bool,
    /// Tokens whose logits are computed per sequence (1 in inference, all in training).
    pub logits_per_seq: f64,
    /// Context-parallel degree (1 outside training).
    pub cp: f64,
}

impl Shape {
    /// Tokens one chip's GEMMs process.
    #[inline]
    pub fn tokens(&self) -> f64 {
        self.seqs * self.queries
    }
}

/// Kernel launches per operator. Each launch is charged the fitted
/// [`Efficiency::kernel_overhead`] (5 us), so at batch 1, where a small model's decode step is
/// mostly fixed time, these counts decide the row as much as bandwidth does. They count the
/// kernels an engine launches per operator, not anything fitted.
pub(crate) mod kernels {
    /// One fused kernel: a norm, an element-wise pass, an embedding gather, a plain projection.
    pub const FUSED: f64 = 1.0;
    /// A bias add after the fused QKV GEMM, for models with attention biases.
    pub const BIAS: f64 = 1.0;
    /// MLA's four projections: query down (or direct), KV down, query up, KV up.
    pub const MLA_PROJECTIONS: f64 = 4.0;
    /// Attention: the rotary/cache-write kernel, then the attention kernel itself.
    pub const ATTENTION: f64 = 2.0;
    /// A dense MLP: the fused gate-up GEMM, then the down GEMM.
    pub const MLP: f64 = 2.0;
    /// The router: its GEMM, then the top-k selection.
    pub const ROUTER: f64 = 2.0;
    /// Routed experts: permute, grouped gate-up GEMM, grouped down GEMM, unpermute.
    pub const EXPERTS: f64 = 4.0;
    /// The LM head: its GEMM, then the softmax/sampling kernel.
    pub const LM_HEAD: f64 = 2.0;
    /// The sparse-attention indexer after its projections: the cache write of its key, the
    /// scoring kernel, the top-k selection.
    pub const INDEXER: f64 = 3.0;
}

/// Chip and plan numbers the inner loop needs, resolved once per evaluation.
pub struct Costs {
    /// Achievable memory bandwidth.
    bandwidth: BytesPerSecond,
    /// Per-kernel fixed time.
    overhead: Seconds,
    gemm: FlopsPerSecond,
    /// Bandwidth and fixed time of GEMM kernels (the chip's measured figures where it has them).
    gemm_bandwidth: BytesPerSecond,
    gemm_overhead: Seconds,
    attention: FlopsPerSecond,
    /// The sparse-attention indexer's scoring rate: FP8 where the chip has it (DeepSeek-V3.2
    /// scores in FP8), else the attention rate.
    index_rate: FlopsPerSecond,
    /// Bytes per weight, activation and KV-cache element.
    wb: f64,
    ab: f64,
    kvb: f64,
    link_eff: f64,
    /// All-reduce latency inside the scale-up domain, and beyond it.
    lat_up: Seconds,
    lat_out: Seconds,
    imbalance: f64,
    kv_shared: bool,
    /// Whether narrow experts slow the grouped GEMM ([`Engine::narrow_experts_slow`]).
    narrow_experts_slow: bool,
    /// Whether tensor-parallel all-reduces take the chip's measured engine figures where it has
    /// them ([`Engine::measured_allreduce`]).
    measured_allreduce: bool,
    eff: Efficiency,
}

impl Costs {
    /// Resolves rates for a chip, plan and serving engine.
    pub fn new(hw: &Hardware, plan: &ComputePlan, eff: &Efficiency, engine: Engine) -> Costs {
        use xpuscope_model::chip::Precision;
        let attention = hw.peak(Precision::Bf16) * engine.attention_efficiency(eff);
        let index_rate = if hw.supports(Precision::Fp8) {
            hw.peak(Precision::Fp8) * engine.attention_efficiency(eff)
        } else {
            attention
        };
        Costs {
            bandwidth: hw.bandwidth * hw.memory_fraction,
            overhead: eff.kernel_overhead,
            gemm: plan.gemm_rate,
            gemm_bandwidth: plan.gemm_bandwidth,
            gemm_overhead: plan.gemm_overhead,
            attention,
            index_rate,
            wb: plan.weight_bytes,
            ab: plan.act_bytes,
            kvb: plan.kv_bytes,
            link_eff: eff.collective,
            lat_up: engine.allreduce_latency(eff, hw.nvidia),
            lat_out: eff.network_latency,
            imbalance: eff.moe_imbalance,
            kv_shared: engine.shares_kv_across_group(),
            narrow_experts_slow: engine.narrow_experts_slow(),
            measured_allreduce: engine.measured_allreduce(),
            eff: *eff,
        }
    }

    /// Records GEMM launches doing `flops` at `rate` and moving `bytes` at `bandwidth_factor` of
    /// the GEMM bandwidth (below 1 for narrow routed experts), `times` times.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn gemm_kernel(
        &self,
        b: &mut Breakdown,
        class: OpClass,
        flops: f64,
        bytes: f64,
        rate: FlopsPerSecond,
        bandwidth_factor: f64,
        kernels: f64,
        times: f64,
    ) {
        let (flops, bytes) = (Flops::new(flops), Bytes::new(bytes));
        let k = KernelCost::price_gemm(
            flops,
            bytes,
            rate,
            self.gemm_bandwidth * bandwidth_factor,
            self.gemm_overhead,
            kernels,
        );
        b.record(class, &k, flops, bytes, times);
    }

    /// Records `kernels` launches doing `flops` at `rate` and moving `bytes`, `times` times.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn kernel(
        &self,
        b: &mut Breakdown,
        class: OpClass,
        flops: f64,
        bytes: f64,
        rate: FlopsPerSecond,
        kernels: f64,
        times: f64,
    ) {
        // GEMMs (projections, MLP, experts, router, LM head) take the GEMM figures.
        if class.is_gemm() {
            return self.gemm_kernel(b, class, flops, bytes, rate, 1.0, kernels, times);
        }
        let (flops, bytes) = (Flops::new(flops), Bytes::new(bytes));
        let k = KernelCost::price(flops, bytes, rate, self.bandwidth, self.overhead, kernels);
        b.record(class, &k, flops, bytes, times);
    }
}

/// Bytes of one 16-bit activation element (engines keep residual streams in BF16).
const ACT16: f64 = 2.0;

/// Bytes of the FP32 scale DeepSeek-V3.2 stores beside each 128-wide FP8 indexer key.
const INDEX_KEY_SCALE_BYTES: f64 = 4.0;

/// Bytes per element of a linear-attention layer's recurrent state: the model's 16-bit dtype,
/// which is what vLLM keeps it in unless told otherwise (`mamba_ssm_cache_dtype` "auto"). An
/// engine keeping it in FP32 holds twice this.
const STATE_BYTES: f64 = 2.0;

/// The per-chip dimensions of a model under a layout.
///
/// `M` is how the model is held: `&Model` for a short evaluation, `Arc<Model>` (or `Box`) for a
/// long-lived evaluator that owns it. Access goes through one pointer either way.
pub struct Sharded<M> {
    /// The model.
    pub model: M,
    /// The layout.
    pub layout: Layout,
    heads: f64,
    kv_heads: f64,
    hidden: f64,
}

impl<M: Deref<Target = Model>> Sharded<M> {
    /// Splits `model` by `layout` (the caller has checked that the degrees divide).
    pub fn new(model: M, layout: Layout) -> Sharded<M> {
        let tp = f64::from(layout.tp);
        let heads = model.heads as f64 / tp;
        // KV heads split over TP while there are enough; beyond that each chip keeps one copy.
        let kv_heads = (model.kv_heads as f64 / tp).max(1.0);
        let hidden = model.hidden as f64;
        Sharded {
            model,
            layout,
            heads,
            kv_heads,
            hidden,
        }
    }

    /// Share of the layers on the fullest stage: `ceil(layers / pp) / layers`. Stages need not be
    /// equal (Llama 3 405B ran 126 layers on 16 stages, Megatron's uneven first and last stages).
    pub fn stage_fraction(&self) -> f64 {
        let layers = self.model.layers;
        f64::from(layers.div_ceil(self.layout.pp)) / f64::from(layers)
    }

    /// KV-cache elements per token per full-attention layer on one chip.
    pub fn kv_elements_per_token_layer(&self) -> f64 {
        match self.model.mla {
            // The latent cache is not split by heads: every TP rank keeps all of it.
            Some(m) => m.latent_width() as f64,
            None => 2.0 * self.kv_heads * self.model.head_dim as f64,
        }
    }

    /// KV-cache bytes one more token adds on the fullest chip while the context is within every
    /// window, at `kvb` bytes per cached element: every full and local layer of its stage keeps
    /// its entry (and a sparse-attention layer its indexer key); linear-attention layers keep
    /// none.
    pub fn kv_bytes_per_token(&self, kvb: f64) -> f64 {
        let m: &Model = &self.model;
        let layers = f64::from(m.layers - m.linear_layers()) * self.stage_fraction();
        layers * (self.kv_elements_per_token_layer() * kvb + self.index_key_bytes())
    }

    /// KV-cache bytes one sequence of `context` tokens holds on the fullest chip: every full
    /// layer of its stage keeps every token, local layers at most their window (or chunk), and
    /// linear-attention layers their fixed state ([`Sharded::state_bytes`]).
    pub fn kv_cache_bytes(&self, context: f64, kvb: f64) -> f64 {
        let m: &Model = &self.model;
        let full = f64::from(m.full_attention_layers());
        let local = f64::from(m.windowed_layers());
        let kept = m.sliding_window.map_or(0.0, |w| w.capacity(context));
        let per_layer_token = self.kv_elements_per_token_layer() * kvb + self.index_key_bytes();
        (full * context + local * kept) * self.stage_fraction() * per_layer_token
            + self.state_bytes()
    }

    /// Bytes of the sparse-attention indexer's cached key per token per layer: FP8 elements and
    /// one FP32 scale (DeepSeek-V3.2 stores them so whatever the KV-cache format), kept whole on
    /// every TP rank like the latent it indexes. Zero without sparse attention.
    pub fn index_key_bytes(&self) -> f64 {
        self.model
            .sparse_attention
            .map_or(0.0, |s| s.index_head_dim as f64 + INDEX_KEY_SCALE_BYTES)
    }

    /// Bytes of recurrent state one sequence keeps on the fullest chip, whatever its length: the
    /// linear-attention layers of its stage, their heads split over TP, in 16 bits. Zero without
    /// linear attention.
    pub fn state_bytes(&self) -> f64 {
        let m: &Model = &self.model;
        match m.linear_attention {
            None => 0.0,
            Some(l) => {
                f64::from(m.linear_layers()) * self.stage_fraction() * l.state_elements()
                    / f64::from(self.layout.tp)
                    * STATE_BYTES
            }
        }
    }

    /// Tensor-parallel all-reduce of `bytes` (see `comm::all_reduce`).
    fn tp_all_reduce(&self, b: &mut Breakdown, c: &Costs, hw: &Hardware, bytes: f64, times: f64) {
        let n = self.layout.tp;
        if n <= 1 || times == 0.0 {
            return;
        }
        let (total, lat) = match hw.measured_allreduce(n).filter(|_| c.measured_allreduce) {
            // A current engine's own all-reduce, measured on this chip for this group size: the
            // fixed part is the small-message floor, the rest moves data.
            Some(m) => {
                let total = m.time(bytes);
                (total, Seconds::new(total.get().min(m.small.get())))
            }
            None => (
                comm::all_reduce(
                    hw,
                    &c.eff,
                    n,
                    n,
                    Bytes::new(bytes),
                    c.lat_up,
                    Algorithm::Best,
                ),
                if n <= hw.domain { c.lat_up } else { c.lat_out },
            ),
        };
        b.transfer(
            OpClass::TpComm,
            comm::all_reduce_wire_bytes(n, Bytes::new(bytes)),
            total - lat,
            lat,
            times,
        );
    }

    /// Costs one forward pass of `shape` through every layer, on one chip of each stage in turn.
    pub fn forward(&self, hw: &Hardware, c: &Costs, s: &Shape) -> Breakdown {
        self.pass(
            hw,
            c,
            s.tokens(),
            s.seqs * s.logits_per_seq,
            Attend::Uniform(s),
        )
    }

    /// Costs one engine step of mixed prefill chunks and decodes on one replica, with the same
    /// operators as [`Sharded::forward`]: GEMMs over all the step's tokens, attention from the
    /// step's sums, one logit row per sequence.
    pub fn step(&self, hw: &Hardware, c: &Costs, s: &StepShape) -> Breakdown {
        self.pass(
            hw,
            c,
            s.tokens() as f64,
            s.sequences() as f64,
            Attend::Step(s),
        )
    }

    /// One pass of `t` tokens, `lt` of them producing logits, attending as `a` says.
    #[inline]
    fn pass(&self, hw: &Hardware, c: &Costs, t: f64, lt: f64, a: Attend) -> Breakdown {
        let mut b = Breakdown::default();
        let m: &Model = &self.model;
        let h = self.hidden;
        let full = f64::from(m.full_attention_layers());
        let moe_layers = f64::from(m.moe_layers());
        let dense_layers = f64::from(m.layers) - moe_layers;

        c.kernel(
            &mut b,
            OpClass::Embedding,
            0.0,
            t * h * (ACT16 + ACT16),
            c.gemm,
            kernels::FUSED,
            1.0,
        );
        self.attention_block(&mut b, c, t, a, Mixer::Full, full);
        if let Some(w) = m.sliding_window {
            self.attention_block(
                &mut b,
                c,
                t,
                a,
                Mixer::Local(w),
                f64::from(m.windowed_layers()),
            );
        }
        if let Some(l) = m.linear_attention {
            self.attention_block(
                &mut b,
                c,
                t,
                a,
                Mixer::Linear(l),
                f64::from(m.linear_layers()),
            );
        }
        self.mlp_block(&mut b, c, hw, t, false, dense_layers);
        self.mlp_block(&mut b, c, hw, t, true, moe_layers);

        // Tensor parallelism: one all-reduce after attention and one after the MLP (one per layer
        // for parallel attention+MLP blocks), of the hidden state, in 16 bits.
        let per_layer = if m.parallel_block { 1.0 } else { 2.0 };
        let layers = f64::from(m.layers);
        // Where experts are reached by all-to-all, the combine returns each token's full output:
        // a MoE layer's MLP needs no all-reduce of its own.
        let skipped = if self.layout.needs_all_to_all() && !m.parallel_block {
            moe_layers
        } else {
            0.0
        };
        self.tp_all_reduce(&mut b, c, hw, t * h * ACT16, per_layer * layers - skipped);

        // LM head on the logits' tokens, 16-bit weights (engines keep the head unquantised).
        let v = m.vocab as f64 / f64::from(self.layout.tp);
        c.kernel(
            &mut b,
            OpClass::LmHead,
            2.0 * lt * h * v,
            h * v * ACT16 + lt * (h * ACT16 + v * 4.0),
            c.gemm,
            kernels::LM_HEAD,
            1.0,
        );

        // Pipeline: the hidden state crosses each stage boundary once. Stages sit beyond the
        // scale-up domain once a stage's chips fill it.
        if self.layout.pp > 1 {
            let stage = self.layout.tp * self.layout.dp * self.layout.cp;
            let span = stage * 2;
            let bw = hw.link_for(span).get() * c.link_eff;
            let lat = if span <= hw.domain {
                c.lat_up
            } else {
                c.lat_out
            };
            // Megatron's scatter-gather optimisation: each TP rank sends its 1/tp slice.
            let bytes = t * h * ACT16 / f64::from(self.layout.tp);
            b.transfer(
                OpClass::PpComm,
                Bytes::new(bytes),
                Seconds::new(bytes / bw),
                lat,
                f64::from(self.layout.pp - 1),
            );
        }
        b
    }
}
