//! The attention block of one layer: norm, Q/K/V projections, the attention kernel, the output
//! projection, for grouped-query (GQA/MQA/MHA) and multi-head latent attention (MLA).
//!
//! The attention kernel is priced from sums over the sequences it serves (query-key pairs, cached
//! tokens read, new tokens), so a uniform batch ([`Shape`]) and an engine step's mix
//! ([`StepShape`]) go through the same formulas. This module does not know the MLP, collectives or
//! what a request is.

use std::ops::Deref;

use super::{kernels, Costs, Shape, Sharded, StepShape, ACT16};
use crate::breakdown::{Breakdown, OpClass};
use xpuscope_model::model::Model;

/// What the attention kernels of a pass see.
#[derive(Clone, Copy)]
pub(super) enum Attend<'s> {
    /// Every sequence alike.
    Uniform(&'s Shape),
    /// An engine step: prefill chunks and decodes, by their sums.
    Step(&'s StepShape),
}

/// One attention kernel's work. Attention is linear in each of these over sequences, so a mix of
/// sequences is one `Work` with `seqs = 1` and the sums.
#[derive(Clone, Copy)]
struct Work {
    /// Sequences the per-sequence figures below are multiplied by.
    seqs: f64,
    /// Query-key pairs per head per sequence.
    pairs: f64,
    /// Cached tokens each sequence reads (decode: its context; a later prefill chunk: its
    /// prefix), bounded by the window in windowed layers.
    kv_read: f64,
    /// New tokens (query rows) in all the sequences.
    tokens: f64,
    /// Causal prefill (queries are the keys) rather than decode (queries read a cache).
    causal: bool,
}

impl<M: Deref<Target = Model>> Sharded<M> {
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

    /// The attention kernels' work for a pass: one uniform batch, or a step's prefill chunks and
    /// its decodes (each kernel present only when it has tokens).
    fn works(&self, t: f64, a: Attend, window: Option<f64>) -> [Option<Work>; 2] {
        match a {
            Attend::Uniform(s) => {
                let ctx = window.map_or(s.context, |w| w.min(s.context));
                let work = Work {
                    seqs: s.seqs,
                    pairs: self.pairs(s, window),
                    kv_read: if s.causal { 0.0 } else { ctx },
                    tokens: t,
                    causal: s.causal,
                };
                [Some(work), None]
            }
            Attend::Step(s) => {
                let windowed = window.is_some();
                let prefill = (s.prefill_tokens() > 0).then(|| Work {
                    seqs: 1.0,
                    pairs: s.prefill_pairs(windowed),
                    kv_read: s.prefill_prefix(windowed) as f64,
                    tokens: s.prefill_tokens() as f64,
                    causal: true,
                });
                let decode = (s.decodes() > 0).then(|| {
                    let ctx = s.decode_context(windowed) as f64;
                    Work {
                        seqs: 1.0,
                        pairs: ctx,
                        kv_read: ctx,
                        tokens: s.decodes() as f64,
                        causal: false,
                    }
                });
                [prefill, decode]
            }
        }
    }

    /// Costs one attention block (norm, projections, attention, output projection) for one layer
    /// kind, `times` layers of it.
    pub(super) fn attention_block(
        &self,
        b: &mut Breakdown,
        c: &Costs,
        t: f64,
        a: Attend,
        window: Option<f64>,
        times: f64,
    ) {
        if times == 0.0 {
            return;
        }
        let h = self.hidden;
        let m: &Model = &self.model;
        c.kernel(
            b,
            OpClass::Norm,
            4.0 * t * h,
            2.0 * t * h * ACT16,
            c.gemm,
            kernels::FUSED,
            times,
        );
        let works = self.works(t, a, window);
        match m.mla {
            Some(mla) => {
                let heads = self.heads;
                let qk = (mla.qk_nope_head_dim + mla.qk_rope_head_dim) as f64;
                let r = mla.kv_lora_rank as f64;
                let latent = mla.latent_width() as f64;
                let rope = mla.qk_rope_head_dim as f64;
                let v = mla.v_head_dim as f64;
                // Down projections (replicated on every TP rank), then the per-head up projections.
                let q_in = if mla.q_lora_rank > 0 {
                    mla.q_lora_rank as f64
                } else {
                    h
                };
                let down = if mla.q_lora_rank > 0 { h * q_in } else { 0.0 } + h * latent;
                let up = q_in * heads * qk + r * heads * (mla.qk_nope_head_dim as f64 + v);
                let w = down + up;
                c.kernel(
                    b,
                    OpClass::QkvProj,
                    2.0 * t * w,
                    w * c.wb + t * (h * c.ab + heads * (qk + v) * ACT16),
                    c.gemm,
                    kernels::MLA_PROJECTIONS,
                    times,
                );
                for x in works.into_iter().flatten() {
                    let (flops, bytes) = if x.causal {
                        // Prefill: K and V expanded per head from the latent, attention as MHA;
                        // a later chunk also reads its prefix's latent.
                        // FIXME: the prefix's up-projection (expanding its latent to K and V)
                        // is not counted.
                        let f = x.seqs * heads * 2.0 * (qk + v) * x.pairs;
                        let by = x.tokens * heads * (2.0 * qk + 2.0 * v) * ACT16
                            + x.tokens * latent * c.kvb
                            + x.seqs * x.kv_read * latent * c.kvb;
                        (f, by)
                    } else {
                        // Decode, absorbed: scores and values computed on the latent cache itself.
                        let f = x.seqs * heads * 2.0 * (2.0 * r + rope) * x.pairs;
                        let by = x.seqs * x.kv_read * latent * c.kvb
                            + x.tokens * heads * (latent + r) * ACT16;
                        (f, by)
                    };
                    c.kernel(
                        b,
                        OpClass::Attention,
                        flops,
                        bytes,
                        c.attention,
                        kernels::ATTENTION,
                        times,
                    );
                }
                let o = heads * v * h;
                c.kernel(
                    b,
                    OpClass::OutProj,
                    2.0 * t * o,
                    o * c.wb + t * (heads * v + h) * ACT16,
                    c.gemm,
                    kernels::FUSED,
                    times,
                );
            }
            None => {
                let d = m.head_dim as f64;
                let qkv = (self.heads + 2.0 * self.kv_heads) * d;
                let w = h * qkv;
                let bias = if m.attention_bias { kernels::BIAS } else { 0.0 };
                c.kernel(
                    b,
                    OpClass::QkvProj,
                    2.0 * t * w,
                    w * c.wb + t * (h * c.ab + qkv * ACT16),
                    c.gemm,
                    kernels::FUSED + bias,
                    times,
                );
                let kv_row = 2.0 * self.kv_heads * d;
                for x in works.into_iter().flatten() {
                    let flops = x.seqs * self.heads * 4.0 * d * x.pairs;
                    let bytes = if x.causal {
                        // FlashAttention reads Q, K, V once from HBM and writes O, plus the
                        // cache; a later chunk also reads its prefix from the cache.
                        x.tokens * (2.0 * self.heads * d + kv_row) * ACT16
                            + x.tokens * kv_row * c.kvb
                            + x.seqs * x.kv_read * kv_row * c.kvb
                    } else {
                        // Decode reads the whole cache for every sequence: once per KV head, or
                        // once per query head where the engine's kernel does not share it across
                        // a group.
                        let reads = if c.kv_shared {
                            1.0
                        } else {
                            self.heads / self.kv_heads
                        };
                        x.seqs * x.kv_read * kv_row * c.kvb * reads
                            + x.tokens * (2.0 * self.heads * d + kv_row) * ACT16
                    };
                    c.kernel(
                        b,
                        OpClass::Attention,
                        flops,
                        bytes,
                        c.attention,
                        kernels::ATTENTION,
                        times,
                    );
                }
                let o = self.heads * d * h;
                c.kernel(
                    b,
                    OpClass::OutProj,
                    2.0 * t * o,
                    o * c.wb + t * (self.heads * d + h) * ACT16,
                    c.gemm,
                    kernels::FUSED,
                    times,
                );
            }
        }
    }
}
