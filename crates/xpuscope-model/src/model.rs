//! Transformer architectures and their parameter counts.
//!
//! A [`Model`] is the architecture as the model's own `config.json` defines it: dense or GQA/MQA
//! attention or DeepSeek's multi-head latent attention (MLA), a gated (SwiGLU) or plain (GELU) MLP,
//! mixture-of-experts layers, sliding-window layers. Parameter counts are always computed from these
//! fields ([`Model::parameters`]); a published figure is kept only to check the computation. This
//! module knows nothing of chips or time: the operator list lives in `perf::ops`.

pub use crate::layers::{LayerPattern, LinearAttention, LocalKind, SlidingWindow, SparseAttention};

use crate::chip::Origin;
use crate::sourced::Sourced;

/// The MLP's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MlpKind {
    /// Gate, up and down projections (SwiGLU, GeGLU): three matrices.
    Gated,
    /// Up and down projections (GELU MLP): two matrices.
    Plain,
}

/// How positions enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Rotary embeddings (no parameters).
    Rope,
    /// A learned position table (`max_context x hidden` parameters).
    Learned,
    /// ALiBi biases (no parameters).
    Alibi,
}

/// Mixture-of-experts layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moe {
    /// Routed experts per MoE layer.
    pub experts: u32,
    /// Routed experts each token visits.
    pub experts_per_token: u32,
    /// Experts every token visits (DeepSeek's shared experts).
    pub shared_experts: u32,
    /// Intermediate size of one routed expert.
    pub expert_ffn: u64,
    /// Intermediate size of one shared expert.
    pub shared_expert_ffn: u64,
    /// Leading layers that use a dense MLP of `ffn_size` instead.
    pub dense_layers_first: u32,
    /// After the dense layers, one MoE layer every `moe_every` layers (1 = every layer).
    pub moe_every: u32,
    /// Expert groups for group-limited routing (DeepSeek's `n_group`; 1 = no grouping).
    pub groups: u32,
    /// Groups one token may route to (`topk_group`); with one group per node this bounds the
    /// nodes a token's dispatch crosses.
    pub topk_groups: u32,
}

/// Multi-head latent attention (DeepSeek-V2/V3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mla {
    /// Rank of the query compression (0: queries are projected directly).
    pub q_lora_rank: u64,
    /// Rank of the joint key-value compression; what the KV cache stores per token.
    pub kv_lora_rank: u64,
    /// Per-head dimension carrying rotary position (shared across heads in the cache).
    pub qk_rope_head_dim: u64,
    /// Per-head query/key dimension without rotary position.
    pub qk_nope_head_dim: u64,
    /// Per-head value dimension.
    pub v_head_dim: u64,
}

impl Mla {
    /// Elements one token's cache entry holds per layer: the compressed latent plus the rotary
    /// key shared across heads (`kv_lora_rank + qk_rope_head_dim`; 576 for DeepSeek-V3).
    pub fn latent_width(&self) -> u64 {
        self.kv_lora_rank + self.qk_rope_head_dim
    }
}

/// A transformer architecture.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Kebab-case id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where the architecture was read (config.json URL or paper).
    pub source: String,
    /// Decoder layers.
    pub layers: u32,
    /// Model width.
    pub hidden: u64,
    /// Query heads.
    pub heads: u64,
    /// Key-value heads (= heads for MHA, 1 for MQA).
    pub kv_heads: u64,
    /// Per-head dimension.
    pub head_dim: u64,
    /// Intermediate size of the dense MLP.
    pub ffn: u64,
    /// Vocabulary size.
    pub vocab: u64,
    /// Input embedding and LM head share weights.
    pub tied_embeddings: bool,
    /// Activation function name as the config gives it.
    pub activation: String,
    /// Gated or plain MLP.
    pub mlp: MlpKind,
    /// Q/K/V projections carry biases.
    pub attention_bias: bool,
    /// Position encoding.
    pub position: Position,
    /// Longest context the model supports.
    pub max_context: u64,
    /// Attention and MLP read the same input (GPT-J, Falcon): one all-reduce per layer under TP.
    pub parallel_block: bool,
    /// Mixture-of-experts layers.
    pub moe: Option<Moe>,
    /// Multi-head latent attention.
    pub mla: Option<Mla>,
    /// Sliding-window or chunked-attention layers.
    pub sliding_window: Option<SlidingWindow>,
    /// Linear-attention layers (the others use full attention).
    pub linear_attention: Option<LinearAttention>,
    /// DeepSeek Sparse Attention on the full-attention layers.
    pub sparse_attention: Option<SparseAttention>,
    /// Full attention's output is gated by a sigmoid of a second query-sized projection
    /// (Qwen3-Next): the query projection is twice as wide.
    pub attention_output_gate: bool,
    /// Total parameters as the authors publish them (for checking only).
    pub published_parameters: Option<Sourced<f64>>,
    /// Active parameters per token as the authors publish them (for checking only).
    pub published_active_parameters: Option<Sourced<f64>>,
    /// Whether the publisher counts the input embedding table among active parameters (Mistral and
    /// Qwen do; DeepSeek and OpenAI do not). Only the parameter-count check reads it.
    pub published_active_includes_embeddings: bool,
    /// Whether the publisher leaves the LM head out of active parameters too (Zhipu's GLM-4.5
    /// figures are non-embedding counts). Only the parameter-count check reads it.
    pub published_active_excludes_lm_head: bool,
    /// Where the entry was defined.
    pub origin: Origin,
}

/// Parameters of one layer, split by where they live (which matters for sharding).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayerParams {
    /// Attention projections (and MLA compressions and norms).
    pub attention: f64,
    /// The dense MLP, or the shared experts of a MoE layer.
    pub dense_mlp: f64,
    /// All routed experts of a MoE layer.
    pub experts: f64,
    /// The routed experts one token visits.
    pub experts_active: f64,
    /// Router and layer norms.
    pub other: f64,
}

impl Model {
    /// Whether layer `i` (0-based) has a MoE MLP.
    pub fn is_moe_layer(&self, i: u32) -> bool {
        match self.moe {
            None => false,
            Some(m) => {
                i >= m.dense_layers_first && (i - m.dense_layers_first) % m.moe_every.max(1) == 0
            }
        }
    }

    /// Number of MoE layers.
    pub fn moe_layers(&self) -> u32 {
        match self.moe {
            None => 0,
            // Layers dense_first, dense_first + every, ... below `layers`.
            Some(m) => self
                .layers
                .saturating_sub(m.dense_layers_first)
                .div_ceil(m.moe_every.max(1)),
        }
    }

    /// Number of dense-MLP layers.
    pub fn dense_layers(&self) -> u32 {
        self.layers - self.moe_layers()
    }

    /// Whether layer `i` is a linear-attention layer.
    pub fn is_linear_layer(&self, i: u32) -> bool {
        self.linear_attention.is_some_and(|l| l.layers.contains(i))
    }

    /// Number of linear-attention layers.
    pub fn linear_layers(&self) -> u32 {
        self.linear_attention
            .map_or(0, |l| l.layers.count(self.layers))
    }

    /// Whether layer `i` is local: it attends within a sliding window or its chunk (gpt-oss
    /// alternates starting with a windowed layer; Llama 4 chunks the first three of every four).
    pub fn is_windowed_layer(&self, i: u32) -> bool {
        !self.is_linear_layer(i) && self.sliding_window.is_some_and(|w| w.layers.contains(i))
    }

    /// Number of local (sliding-window or chunked) layers.
    pub fn windowed_layers(&self) -> u32 {
        match (self.sliding_window, self.linear_attention) {
            (None, _) => 0,
            (Some(w), None) => w.layers.count(self.layers),
            // Catalogue validation refuses the mix; count it exactly for anything built by hand.
            (Some(w), Some(_)) => (0..self.layers)
                .filter(|&i| w.layers.contains(i) && !self.is_linear_layer(i))
                .count() as u32,
        }
    }

    /// Number of layers with full (softmax) attention over the whole context, sparse or not.
    pub fn full_attention_layers(&self) -> u32 {
        self.layers - self.windowed_layers() - self.linear_layers()
    }

    /// Parameters of every layer's MLP block (dense MLP or shared experts, all routed experts,
    /// the routed experts one token visits, router and norms), summed over the layers: layers of
    /// a kind are identical, so totals are counts times one layer, whatever the layer count.
    fn mlp_totals(&self) -> LayerParams {
        let moe = self.moe_layers();
        let dense = self.layers - moe;
        let first_moe = self.moe.map_or(0, |m| m.dense_layers_first);
        // A dense layer's index: 0 unless layer 0 is a MoE layer, then the one after the first.
        let dense_index = if self.is_moe_layer(0) { 1 } else { 0 };
        let mut total = LayerParams::default();
        for (n, i) in [(dense, dense_index), (moe, first_moe)] {
            let l = self.layer_params(i);
            let n = f64::from(n);
            total.dense_mlp += n * l.dense_mlp;
            total.experts += n * l.experts;
            total.experts_active += n * l.experts_active;
            total.other += n * l.other;
        }
        total.attention = f64::from(self.layers - self.linear_layers()) * self.attention_params()
            + f64::from(self.linear_layers()) * self.linear_attention_params();
        total
    }

    /// Query-head dimension times heads: the width of the attention output.
    pub fn q_width(&self) -> u64 {
        match self.mla {
            Some(m) => self.heads * (m.qk_nope_head_dim + m.qk_rope_head_dim),
            None => self.heads * self.head_dim,
        }
    }

    /// Parameters of one linear-attention layer's mixer (0 for a model without them).
    pub fn linear_attention_params(&self) -> f64 {
        self.linear_attention
            .map_or(0.0, |l| l.params(self.hidden as f64))
    }

    /// Parameters of the attention block of one full or local attention layer (projections,
    /// biases, MLA norms, the sparse-attention indexer).
    pub fn attention_params(&self) -> f64 {
        let h = self.hidden as f64;
        match self.mla {
            Some(m) => {
                let heads = self.heads as f64;
                let qk_head = (m.qk_nope_head_dim + m.qk_rope_head_dim) as f64;
                let q = if m.q_lora_rank > 0 {
                    let r = m.q_lora_rank as f64;
                    h * r + r + r * heads * qk_head
                } else {
                    h * heads * qk_head
                };
                let r = m.kv_lora_rank as f64;
                let kv_a = h * m.latent_width() as f64 + r;
                let kv_b = r * heads * (m.qk_nope_head_dim + m.v_head_dim) as f64;
                let o = heads * m.v_head_dim as f64 * h;
                let indexer = self
                    .sparse_attention
                    .map_or(0.0, |s| s.params(h, m.q_lora_rank));
                q + kv_a + kv_b + o + indexer
            }
            None => {
                let q = (self.heads * self.head_dim) as f64;
                let kv = (self.kv_heads * self.head_dim) as f64;
                let gate = if self.attention_output_gate { q } else { 0.0 };
                let proj = h * (q + gate + 2.0 * kv) + q * h;
                let bias = if self.attention_bias {
                    q + 2.0 * kv
                } else {
                    0.0
                };
                proj + bias
            }
        }
    }

    /// Matrices per MLP (3 gated, 2 plain).
    pub fn mlp_matrices(&self) -> f64 {
        match self.mlp {
            MlpKind::Gated => 3.0,
            MlpKind::Plain => 2.0,
        }
    }

    /// Parameters of one MLP of intermediate size `ffn`.
    pub fn mlp_params(&self, ffn: u64) -> f64 {
        self.mlp_matrices() * self.hidden as f64 * ffn as f64
    }

    /// Parameters of layer `i`, split by kind.
    pub fn layer_params(&self, i: u32) -> LayerParams {
        let h = self.hidden as f64;
        let norms = 2.0 * h;
        let attention = if self.is_linear_layer(i) {
            self.linear_attention_params()
        } else {
            self.attention_params()
        };
        match self.moe {
            Some(m) if self.is_moe_layer(i) => {
                let expert = self.mlp_params(m.expert_ffn);
                LayerParams {
                    attention,
                    dense_mlp: f64::from(m.shared_experts) * self.mlp_params(m.shared_expert_ffn),
                    experts: f64::from(m.experts) * expert,
                    experts_active: f64::from(m.experts_per_token) * expert,
                    other: norms + h * f64::from(m.experts),
                }
            }
            _ => LayerParams {
                attention,
                dense_mlp: self.mlp_params(self.ffn),
                experts: 0.0,
                experts_active: 0.0,
                other: norms,
            },
        }
    }

    /// Parameters outside the layers: embeddings, LM head, position table, final norm.
    pub fn embedding_params(&self) -> f64 {
        let h = self.hidden as f64;
        let table = self.vocab as f64 * h;
        let head = if self.tied_embeddings { 0.0 } else { table };
        let pos = match self.position {
            Position::Learned => self.max_context as f64 * h,
            _ => 0.0,
        };
        table + head + pos + h
    }

    /// Total parameters, computed from the architecture.
    pub fn parameters(&self) -> f64 {
        let l = self.mlp_totals();
        self.embedding_params() + l.attention + l.dense_mlp + l.experts + l.other
    }

    /// Parameters one token computes with: all but the routed experts it does not visit and the
    /// input embedding table (a lookup, not a matrix product; with tied embeddings the table is
    /// counted once, as the LM head). This is the convention DeepSeek and OpenAI publish, and the
    /// `N` of the `6 N` training FLOPs per token.
    pub fn active_parameters(&self) -> f64 {
        let lookup = if self.tied_embeddings {
            0.0
        } else {
            self.vocab as f64 * self.hidden as f64
        };
        let l = self.mlp_totals();
        self.embedding_params() - lookup + l.attention + l.dense_mlp + l.experts_active + l.other
    }

    /// Elements of KV cache per token per (full-attention) layer, summed over KV heads. MLA caches
    /// the compressed latent plus the shared rotary key.
    pub fn kv_elements_per_token_layer(&self) -> f64 {
        match self.mla {
            Some(m) => m.latent_width() as f64,
            None => 2.0 * (self.kv_heads * self.head_dim) as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{LayerPattern, LinearAttention, LocalKind, SlidingWindow};
    use crate::catalog::Catalog;

    proptest! {
        /// The closed-form layer counts agree with counting layer by layer.
        #[test]
        fn layer_counts_are_exact(layers in 1u32..200, first in 0u32..10, every in 1u32..5, window_every in 1u32..4, linear_every in 1u32..5) {
            let cat = Catalog::builtin_shared();
            let mut m = cat.model("deepseek-v3").unwrap().clone();
            m.layers = layers;
            let mut moe = m.moe.unwrap();
            moe.dense_layers_first = first;
            moe.moe_every = every;
            m.moe = Some(moe);
            m.sliding_window = Some(SlidingWindow {
                window: 128,
                layers: LayerPattern { every: window_every, first: 1 },
                kind: LocalKind::Sliding,
            });
            m.linear_attention = (linear_every > 1).then_some(LinearAttention {
                key_heads: 4,
                value_heads: 8,
                key_head_dim: 32,
                value_head_dim: 64,
                conv_kernel: 4,
                layers: LayerPattern { every: linear_every, first: linear_every - 1 },
            });
            let moe_count = (0..layers).filter(|&i| m.is_moe_layer(i)).count() as u32;
            let win_count = (0..layers).filter(|&i| m.is_windowed_layer(i)).count() as u32;
            let lin_count = (0..layers).filter(|&i| m.is_linear_layer(i)).count() as u32;
            prop_assert_eq!(m.moe_layers(), moe_count);
            prop_assert_eq!(m.windowed_layers(), win_count);
            prop_assert_eq!(m.linear_layers(), lin_count);
            let by_layer: f64 = (0..layers)
                .map(|i| {
                    let l = m.layer_params(i);
                    l.attention + l.dense_mlp + l.experts + l.other
                })
                .sum();
            prop_assert!((m.parameters() - m.embedding_params() - by_layer).abs() < 1.0);
        }
    }
}
