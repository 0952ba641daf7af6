//! The attention block of one layer: norm, Q/K/V projections, the attention kernel, the output
//! projection, for grouped-query (GQA/MQA/MHA) and multi-head latent attention (MLA), over the
//! whole context, a local window or chunk, or (DeepSeek Sparse Attention) the top-k tokens its
//! indexer picks, the indexer priced as its own small attention over every cached token.
//! Linear-attention layers are `linear`'s.
//!
//! The attention kernel is priced from sums over the sequences it serves (query-key pairs, cached
//! tokens read, new tokens), so a uniform batch ([`Shape`]) and an engine step's mix
//! ([`StepShape`]) go through the same formulas. This module does not know the MLP, collectives or
//! what a request is.

use std::ops::Deref;

use super::{kernels, Costs, Shape, Sharded, StepShape, ACT16};
use crate::breakdown::{Breakdown, OpClass};
use xpuscope_model::model::{LinearAttention, Model, SlidingWindow};

/// What a kind of layer mixes its tokens with.
#[derive(Clone, Copy)]
pub(super) enum Mixer {
    /// Softmax attention over the whole context (over the top-k tokens for sparse attention).
    Full,
    /// Softmax attention within a window or chunk.
    Local(SlidingWindow),
    /// A linear-attention recurrence with a fixed state.
    Linear(LinearAttention),
}

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
pub(super) struct Work {
    /// Sequences the per-sequence figures below are multiplied by.
    pub(super) seqs: f64,
    /// Query-key pairs per head per sequence.
    pairs: f64,
    /// Cached tokens each sequence reads (decode: its context; a later prefill chunk: its
    /// prefix), bounded by the window in windowed layers.
    kv_read: f64,
    /// New tokens (query rows) in all the sequences.
    pub(super) tokens: f64,
    /// Causal prefill (queries are the keys) rather than decode (queries read a cache).
    pub(super) causal: bool,
    /// Sequences (prefill chunks or decodes) the kernel serves, each with its own state.
    pub(super) sequences: f64,
}

impl<M: Deref<Target = Model>> Sharded<M> {
    /// Attention query-key pairs per head per sequence, each query seeing what `window` lets it.
    fn pairs(&self, s: &Shape, window: Option<SlidingWindow>) -> f64 {
        let q = s.queries;
        let ctx = s.context;
        if s.causal {
            // Each of the `q` local queries sees, on average, half the sequence (causal), bounded
            // by the window or chunk. Under context parallelism the load-balanced split gives each
            // chip `1/cp` of the full triangle.
            let pairs = window.map_or(ctx * ctx / 2.0, |w| w.causal_pairs(ctx));
            (pairs / s.cp).max(q)
        } else {
            q * window.map_or(ctx, |w| w.kept(ctx))
        }
    }

    /// The attention kernels' work for a pass: one uniform batch, or a step's prefill chunks and
    /// its decodes (each kernel present only when it has tokens), bounded by `window` (which, for
    /// a step, is the bound its shape was built with).
    pub(super) fn works(
        &self,
        t: f64,
        a: Attend,
        window: Option<SlidingWindow>,
    ) -> [Option<Work>; 2] {
        match a {
            Attend::Uniform(s) => {
                let ctx = window.map_or(s.context, |w| w.kept(s.context));
                let work = Work {
                    seqs: s.seqs,
                    pairs: self.pairs(s, window),
                    kv_read: if s.causal { 0.0 } else { ctx },
                    tokens: t,
                    causal: s.causal,
                    sequences: s.seqs,
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
                    sequences: s.prefill_chunks() as f64,
                });
                let decode = (s.decodes() > 0).then(|| {
                    let ctx = s.decode_context(windowed) as f64;
                    Work {
                        seqs: 1.0,
                        pairs: ctx,
                        kv_read: ctx,
                        tokens: s.decodes() as f64,
                        causal: false,
                        sequences: s.decodes() as f64,
                    }
                });
                [prefill, decode]
            }
        }
    }

    /// DeepSeek Sparse Attention's lightning indexer for `times` layers: its query, key and
    /// weight projections, then FP8 scores of every query against every cached key (the whole
    /// context, unbounded) and the top-k selection.
    fn indexer(&self, b: &mut Breakdown, c: &Costs, t: f64, a: Attend, times: f64) {
        let (Some(dsa), Some(mla)) = (self.model.sparse_attention, self.model.mla) else {
            return;
        };
        let h = self.hidden;
        let (heads, d) = (dsa.index_heads as f64, dsa.index_head_dim as f64);
        let q_in = if mla.q_lora_rank > 0 {
            mla.q_lora_rank as f64
        } else {
            h
        };
        // Replicated on every TP rank, like the latent it indexes.
        let w = q_in * heads * d + h * d + h * heads;
        c.kernel(
            b,
            OpClass::QkvProj,
            2.0 * t * w,
            w * c.wb + t * (h * c.ab + (heads * d + d + heads) * ACT16),
            c.gemm,
            kernels::FUSED,
            times,
        );
        let key = self.index_key_bytes();
        for x in self.works(t, a, None).into_iter().flatten() {
            // Scores: one dot product of `d` per head per query-key pair, weighted and summed.
            let flops = x.seqs * 2.0 * heads * d * x.pairs;
            let bytes = x.tokens * (heads * d + key) + x.seqs * x.kv_read * key;
            c.kernel(
                b,
                OpClass::Attention,
                flops,
                bytes,
                c.index_rate,
                kernels::INDEXER,
                times,
            );
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
        mixer: Mixer,
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
        let window = match mixer {
            Mixer::Full => super::step::attention_bound(m).filter(|_| m.sparse_attention.is_some()),
            Mixer::Local(w) => Some(w),
            Mixer::Linear(l) => return self.linear_block(b, c, t, a, &l, times),
        };
        let works = self.works(t, a, window);
        if matches!(mixer, Mixer::Full) {
            self.indexer(b, c, t, a, times);
        }
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
                let gate = if m.attention_output_gate {
                    self.heads
                } else {
                    0.0
                };
                let qkv = (self.heads + gate + 2.0 * self.kv_heads) * d;
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
