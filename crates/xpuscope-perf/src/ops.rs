//! The operator cost model: what one pass through the model costs on one chip.
//!
//! A pass is a batch of tokens going through every layer once: a prefill, a decode step or a
//! training micro-batch's forward. For each operator of a layer (projections, attention, MLP or
//! experts, norms, collectives) the model counts FLOPs and bytes moved on one chip after sharding,
//! and takes `max(FLOPs / achievable rate, bytes / achievable bandwidth) + kernels x overhead`.
//! Identical layers are costed once and multiplied: a model has at most four layer kinds (dense or
//! MoE MLP, full or windowed attention). Results accumulate into a fixed-size [`Breakdown`] by
//! operator class, so a pass allocates nothing.
//!
//! This module knows shapes and layouts; it does not know what a request or a training step is
//! (see `infer` and `train`).

use crate::breakdown::{Breakdown, OpClass};
use crate::comm::{self, Algorithm};
use crate::efficiency::Efficiency;
use crate::engine::Engine;
use crate::hardware::Hardware;
use crate::layout::Layout;
use crate::precision::ComputePlan;
use xpuscope_model::model::{MlpKind, Model};
use xpuscope_model::units::{FlopsPerSecond, Seconds};

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

/// Chip and plan numbers the inner loop needs, resolved once per evaluation.
pub struct Costs {
    /// Achievable memory bandwidth, bytes/s.
    pub(crate) bandwidth: f64,
    /// Per-kernel fixed time, s.
    pub(crate) overhead: f64,
    gemm: FlopsPerSecond,
    attention: FlopsPerSecond,
    /// Elementwise work runs on vector units; modelled as memory-bound.
    wb: f64,
    ab: f64,
    kvb: f64,
    link_eff: f64,
    lat_up: f64,
    lat_out: f64,
    imbalance: f64,
    kv_shared: bool,
    eff: Efficiency,
}

impl Costs {
    /// Resolves rates for a chip, plan and serving engine.
    pub fn new(hw: &Hardware, plan: &ComputePlan, eff: &Efficiency, engine: Engine) -> Costs {
        Costs {
            bandwidth: hw.bandwidth.get() * eff.memory,
            overhead: eff.kernel_overhead.get(),
            gemm: plan.gemm_rate,
            attention: hw.peak(xpuscope_model::chip::Precision::Bf16)
                * engine.attention_efficiency(eff),
            wb: plan.weight_bytes,
            ab: plan.act_bytes,
            kvb: plan.kv_bytes,
            link_eff: eff.collective,
            lat_up: engine.allreduce_latency(eff).get(),
            lat_out: eff.network_latency.get(),
            imbalance: eff.moe_imbalance,
            kv_shared: engine.shares_kv_across_group(),
            eff: *eff,
        }
    }
}

/// The busiest expert-parallel rank's load over the mean: the routing skew times the statistical
/// excess of `pairs` token-expert pairs spread over `ep` ranks (balls into bins: the maximum of
/// `ep` counts of mean `n` exceeds it by about `sqrt(2 n ln ep)`).
fn rank_imbalance(ep: f64, pairs: f64, skew: f64) -> f64 {
    if ep <= 1.0 || pairs <= 0.0 {
        return 1.0;
    }
    skew * (1.0 + (2.0 * ep.ln() / pairs).sqrt())
}

/// Bytes of one 16-bit activation element (engines keep residual streams in BF16).
const ACT16: f64 = 2.0;

/// The per-chip dimensions of a model under a layout.
pub struct Sharded<'a> {
    /// The model.
    pub model: &'a Model,
    /// The layout.
    pub layout: Layout,
    heads: f64,
    kv_heads: f64,
    hidden: f64,
}

impl<'a> Sharded<'a> {
    /// Splits `model` by `layout` (the caller has checked that the degrees divide).
    pub fn new(model: &'a Model, layout: Layout) -> Sharded<'a> {
        let tp = f64::from(layout.tp);
        let heads = model.heads as f64 / tp;
        // KV heads split over TP while there are enough; beyond that each chip keeps one copy.
        let kv_heads = (model.kv_heads as f64 / tp).max(1.0);
        Sharded {
            model,
            layout,
            heads,
            kv_heads,
            hidden: model.hidden as f64,
        }
    }

    /// KV-cache elements per token per full-attention layer on one chip.
    pub fn kv_elements_per_token_layer(&self) -> f64 {
        match self.model.mla {
            // The latent cache is not split by heads: every TP rank keeps all of it.
            Some(m) => (m.kv_lora_rank + m.qk_rope_head_dim) as f64,
            None => 2.0 * self.kv_heads * self.model.head_dim as f64,
        }
    }

    /// Weight elements on one chip for one layer's attention block.
    pub fn attention_weights(&self) -> f64 {
        let h = self.hidden;
        match self.model.mla {
            Some(m) => {
                let qk = (m.qk_nope_head_dim + m.qk_rope_head_dim) as f64;
                let q = if m.q_lora_rank > 0 {
                    h * m.q_lora_rank as f64 + m.q_lora_rank as f64 * self.heads * qk
                } else {
                    h * self.heads * qk
                };
                let kv_a = h * (m.kv_lora_rank + m.qk_rope_head_dim) as f64;
                let kv_b =
                    m.kv_lora_rank as f64 * self.heads * (m.qk_nope_head_dim + m.v_head_dim) as f64;
                let o = self.heads * m.v_head_dim as f64 * h;
                q + kv_a + kv_b + o
            }
            None => {
                let d = self.model.head_dim as f64;
                h * (self.heads + 2.0 * self.kv_heads) * d + self.heads * d * h
            }
        }
    }

    /// Weight elements on one chip for one dense MLP.
    pub fn mlp_weights(&self, ffn: f64) -> f64 {
        self.model.mlp_matrices() * self.hidden * ffn / f64::from(self.layout.tp)
    }

    /// Routed-expert weight elements on one chip for one MoE layer.
    pub fn expert_weights(&self) -> f64 {
        match self.model.moe {
            Some(m) => {
                f64::from(m.experts) / f64::from(self.layout.ep.max(1))
                    * self.model.mlp_matrices()
                    * self.hidden
                    * m.expert_ffn as f64
                    / f64::from(self.layout.expert_tp())
            }
            None => 0.0,
        }
    }

    /// Shared-expert weight elements on one chip for one MoE layer.
    pub fn shared_expert_weights(&self) -> f64 {
        match self.model.moe {
            Some(m) if m.shared_experts > 0 => {
                self.mlp_weights(f64::from(m.shared_experts) * m.shared_expert_ffn as f64)
            }
            _ => 0.0,
        }
    }

    /// Embedding and LM-head weight elements on the chip that holds the most of them.
    pub fn embedding_weights(&self) -> f64 {
        let table = self.model.vocab as f64 * self.hidden / f64::from(self.layout.tp);
        // With one stage, the input table and the head both live there; with several, the first
        // stage holds the table and the last the head.
        if self.model.tied_embeddings || self.layout.pp > 1 {
            table
        } else {
            2.0 * table
        }
    }

    /// Attention query-key pairs per head per sequence.
    fn pairs(&self, s: &Shape, window: Option<f64>) -> f64 {
        let q = s.queries;
        let ctx = s.context;
        if s.causal {
            // Each of the `q` local queries sees, on average, half the sequence (causal), bounded
            // by the window. Under context parallelism the load-balanced split gives each chip
            // `1/cp` of the full triangle.
            let full = ctx * ctx / 2.0 / s.cp;
            match window {
                Some(w) if w < ctx => (ctx * w - w * w / 2.0) / s.cp,
                _ => full.max(q),
            }
        } else {
            q * window.map_or(ctx, |w| w.min(ctx))
        }
    }

    /// Costs one attention block (norm, projections, attention, output projection) for one layer.
    fn attention_block(
        &self,
        b: &mut Breakdown,
        c: &Costs,
        s: &Shape,
        window: Option<f64>,
        times: f64,
    ) {
        if times == 0.0 {
            return;
        }
        let t = s.tokens();
        let h = self.hidden;
        let m = self.model;
        b.kernel(
            OpClass::Norm,
            4.0 * t * h,
            2.0 * t * h * ACT16,
            c.gemm,
            c,
            1.0,
            times,
        );
        let pairs = self.pairs(s, window);
        let ctx = window.map_or(s.context, |w| w.min(s.context));
        match m.mla {
            Some(mla) => {
                let heads = self.heads;
                let qk = (mla.qk_nope_head_dim + mla.qk_rope_head_dim) as f64;
                let r = mla.kv_lora_rank as f64;
                let rope = mla.qk_rope_head_dim as f64;
                let v = mla.v_head_dim as f64;
                // Down projections (replicated on every TP rank), then the per-head up projections.
                let q_in = if mla.q_lora_rank > 0 {
                    mla.q_lora_rank as f64
                } else {
                    h
                };
                let down = if mla.q_lora_rank > 0 { h * q_in } else { 0.0 } + h * (r + rope);
                let up = q_in * heads * qk + r * heads * (mla.qk_nope_head_dim as f64 + v);
                let w = down + up;
                b.kernel(
                    OpClass::QkvProj,
                    2.0 * t * w,
                    w * c.wb + t * (h * c.ab + heads * (qk + v) * ACT16),
                    c.gemm,
                    c,
                    4.0,
                    times,
                );
                let (flops, bytes) = if s.causal {
                    // Prefill: K and V expanded per head from the latent, attention as MHA.
                    let f = s.seqs * heads * 2.0 * (qk + v) * pairs;
                    let by = t * heads * (2.0 * qk + 2.0 * v) * ACT16 + t * (r + rope) * c.kvb;
                    (f, by)
                } else {
                    // Decode, absorbed: scores and values computed on the latent cache itself.
                    let f = s.seqs * heads * 2.0 * (2.0 * r + rope) * pairs;
                    let by = s.seqs * ctx * (r + rope) * c.kvb + t * heads * (r + rope + r) * ACT16;
                    (f, by)
                };
                b.kernel(OpClass::Attention, flops, bytes, c.attention, c, 2.0, times);
                let o = heads * v * h;
                b.kernel(
                    OpClass::OutProj,
                    2.0 * t * o,
                    o * c.wb + t * (heads * v + h) * ACT16,
                    c.gemm,
                    c,
                    1.0,
                    times,
                );
            }
            None => {
                let d = m.head_dim as f64;
                let qkv = (self.heads + 2.0 * self.kv_heads) * d;
                let w = h * qkv;
                let bias = if m.attention_bias { 1.0 } else { 0.0 };
                b.kernel(
                    OpClass::QkvProj,
                    2.0 * t * w,
                    w * c.wb + t * (h * c.ab + qkv * ACT16),
                    c.gemm,
                    c,
                    1.0 + bias,
                    times,
                );
                let flops = s.seqs * self.heads * 4.0 * d * pairs;
                let kv_row = 2.0 * self.kv_heads * d;
                let bytes = if s.causal {
                    // FlashAttention reads Q, K, V once from HBM and writes O, plus the cache.
                    t * (2.0 * self.heads * d + kv_row) * ACT16 + t * kv_row * c.kvb
                } else {
                    // Decode reads the whole cache for every sequence: once per KV head, or once
                    // per query head where the engine's kernel does not share it across a group.
                    let reads = if c.kv_shared {
                        1.0
                    } else {
                        self.heads / self.kv_heads
                    };
                    s.seqs * ctx * kv_row * c.kvb * reads
                        + t * (2.0 * self.heads * d + kv_row) * ACT16
                };
                b.kernel(OpClass::Attention, flops, bytes, c.attention, c, 2.0, times);
                let o = self.heads * d * h;
                b.kernel(
                    OpClass::OutProj,
                    2.0 * t * o,
                    o * c.wb + t * (self.heads * d + h) * ACT16,
                    c.gemm,
                    c,
                    1.0,
                    times,
                );
            }
        }
    }

    /// Costs one MLP block: dense, or router + shared + routed experts for a MoE layer.
    fn mlp_block(
        &self,
        b: &mut Breakdown,
        c: &Costs,
        hw: &Hardware,
        s: &Shape,
        moe_layer: bool,
        times: f64,
    ) {
        if times == 0.0 {
            return;
        }
        let t = s.tokens();
        let h = self.hidden;
        let m = self.model;
        let tp = f64::from(self.layout.tp);
        b.kernel(
            OpClass::Norm,
            4.0 * t * h,
            2.0 * t * h * ACT16,
            c.gemm,
            c,
            1.0,
            times,
        );
        let dense = |b: &mut Breakdown, ffn: f64, class: OpClass| {
            let ffn_c = ffn / tp;
            let w = m.mlp_matrices() * h * ffn_c;
            let up_out = (m.mlp_matrices() - 1.0) * ffn_c;
            b.kernel(
                class,
                2.0 * t * w,
                w * c.wb + t * (h * c.ab + up_out * ACT16 + ffn_c * c.ab + h * ACT16),
                c.gemm,
                c,
                2.0,
                times,
            );
            // The activation function (and the gate product) as an element-wise pass.
            let gate = if m.mlp == MlpKind::Gated { 3.0 } else { 2.0 };
            b.kernel(
                OpClass::Norm,
                8.0 * t * ffn_c,
                gate * t * ffn_c * ACT16,
                c.gemm,
                c,
                1.0,
                times,
            );
        };
        match (m.moe, moe_layer) {
            (Some(moe), true) => {
                let e = f64::from(moe.experts);
                let k = f64::from(moe.experts_per_token);
                b.kernel(
                    OpClass::Router,
                    2.0 * t * h * e,
                    h * e * ACT16 + t * h * ACT16,
                    c.gemm,
                    c,
                    2.0,
                    times,
                );
                if moe.shared_experts > 0 {
                    dense(
                        b,
                        f64::from(moe.shared_experts) * moe.shared_expert_ffn as f64,
                        OpClass::Mlp,
                    );
                }
                let ep = f64::from(self.layout.ep.max(1));
                let etp = f64::from(self.layout.expert_tp());
                // Tokens entering this chip's expert group of `ep x etp` chips: each TP group of
                // `tp` chips contributes its `t` tokens.
                let group_tokens = t * ep * etp / tp;
                let pairs = group_tokens * k / ep;
                let ffn = moe.expert_ffn as f64 / etp;
                let per_expert = m.mlp_matrices() * h * ffn;
                // Distinct experts whose weights are read this step: E (1 - (1 - k/E)^T) under
                // uniform routing.
                let touched = e / ep * (1.0 - (1.0 - k / e).powf(group_tokens));
                let flops = 2.0 * pairs * per_expert;
                let bytes = touched * per_expert * c.wb
                    + pairs * (h * c.ab + 2.0 * ffn * ACT16 + h * ACT16);
                // With experts spread over ranks, the busiest rank sets the pace: imbalance slows
                // the rate, not the FLOPs done. Inside one chip a grouped GEMM absorbs it.
                let rate = if self.layout.ep > 1 {
                    c.gemm / rank_imbalance(ep, pairs, c.imbalance)
                } else {
                    c.gemm
                };
                b.kernel(OpClass::Experts, flops, bytes, rate, c, 4.0, times);
                b.kernel(
                    OpClass::Norm,
                    8.0 * pairs * ffn,
                    3.0 * pairs * ffn * ACT16,
                    c.gemm,
                    c,
                    1.0,
                    times,
                );
                if self.layout.needs_all_to_all() {
                    // Dispatch (activations in their GEMM format) and combine (16-bit); the TP
                    // ranks of a replica share the sending.
                    let span = self.layout.ep * self.layout.expert_tp();
                    let groups = (moe.groups > 1).then_some(moe.topk_groups);
                    for width in [c.ab, ACT16] {
                        let x = comm::Exchange {
                            ep: self.layout.ep,
                            span,
                            tokens: t / tp,
                            token_bytes: h * width,
                            k,
                            topk_groups: groups,
                        };
                        let (time, bytes) = comm::all_to_all(hw, &c.eff, &x);
                        let lat = if span <= hw.domain {
                            c.eff.all_to_all_latency
                        } else {
                            c.eff.network_latency
                        };
                        b.transfer(OpClass::EpComm, bytes, (time - lat).get(), lat.get(), times);
                    }
                }
            }
            _ => dense(b, m.ffn as f64, OpClass::Mlp),
        }
    }

    /// Tensor-parallel all-reduce of `bytes` (see `comm::all_reduce`).
    fn tp_all_reduce(&self, b: &mut Breakdown, c: &Costs, hw: &Hardware, bytes: f64, times: f64) {
        let n = self.layout.tp;
        if n <= 1 || times == 0.0 {
            return;
        }
        let lat = if n <= hw.domain { c.lat_up } else { c.lat_out };
        let total = comm::all_reduce(
            hw,
            &c.eff,
            n,
            n,
            bytes,
            Seconds::new(c.lat_up),
            Algorithm::Best,
        )
        .get();
        b.transfer(
            OpClass::TpComm,
            comm::all_reduce_wire_bytes(n, bytes),
            total - lat,
            lat,
            times,
        );
    }

    /// Costs one forward pass of `shape` through every layer, on one chip of each stage in turn.
    pub fn forward(&self, hw: &Hardware, c: &Costs, s: &Shape) -> Breakdown {
        let mut b = Breakdown::default();
        let m = self.model;
        let t = s.tokens();
        let h = self.hidden;
        let window = m.sliding_window.map(|w| w.window as f64);
        let windowed = f64::from(m.windowed_layers());
        let full = f64::from(m.layers) - windowed;
        let moe_layers = f64::from(m.moe_layers());
        let dense_layers = f64::from(m.layers) - moe_layers;

        b.kernel(
            OpClass::Embedding,
            0.0,
            t * h * (ACT16 + ACT16),
            c.gemm,
            c,
            1.0,
            1.0,
        );
        self.attention_block(&mut b, c, s, None, full);
        self.attention_block(&mut b, c, s, window, windowed);
        self.mlp_block(&mut b, c, hw, s, false, dense_layers);
        self.mlp_block(&mut b, c, hw, s, true, moe_layers);

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
        let lt = s.seqs * s.logits_per_seq;
        let v = m.vocab as f64 / f64::from(self.layout.tp);
        b.kernel(
            OpClass::LmHead,
            2.0 * lt * h * v,
            h * v * ACT16 + lt * (h * ACT16 + v * 4.0),
            c.gemm,
            c,
            2.0,
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
                bytes,
                bytes / bw,
                lat,
                f64::from(self.layout.pp - 1),
            );
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_imbalance_fades_with_load() {
        assert_eq!(rank_imbalance(1.0, 10.0, 1.2), 1.0);
        let few = rank_imbalance(8.0, 8.0, 1.0);
        let many = rank_imbalance(8.0, 100_000.0, 1.0);
        assert!(few > 1.5 && many < 1.01, "{few} {many}");
        assert!((rank_imbalance(8.0, 100_000.0, 1.2) / many - 1.2).abs() < 1e-12);
    }
}
