//! `models` and `model ID`: a model's architecture and parameter counts as a view, and the
//! catalogue table and the architecture sheet as text.
//!
//! It deliberately counts nothing itself: parameter counts and the KV cache per token are the
//! model crate's, computed from the architecture.

use serde::Serialize;
use xpuscope_model::model::{LocalKind, MlpKind, Model};

use crate::table::{sig, Align, Table};

/// Mixture-of-experts layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct MoeView {
    /// Routed experts per MoE layer.
    pub experts: u32,
    /// Routed experts each token visits.
    pub experts_per_token: u32,
    /// Experts every token visits (DeepSeek's shared experts).
    pub shared_experts: u32,
    /// Intermediate size of one routed expert.
    pub expert_ffn_size: u64,
    /// Intermediate size of one shared expert.
    pub shared_expert_ffn_size: u64,
    /// Leading layers that use a dense MLP of `ffn_size` instead.
    pub dense_layers_first: u32,
    /// After the dense layers, one MoE layer every `moe_every` layers (1 = every layer).
    pub moe_every: u32,
    /// MoE layers in all.
    pub moe_layers: u32,
}

/// Multi-head latent attention widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct MlaView {
    /// Rank of the query compression.
    pub q_lora_rank: u64,
    /// Rank of the shared key/value latent.
    pub kv_lora_rank: u64,
    /// Query/key dims that carry rotary position.
    pub qk_rope_head_dim: u64,
    /// Query/key dims without it.
    pub qk_nope_head_dim: u64,
    /// Value dims per head.
    pub v_head_dim: u64,
}

/// Sliding-window or chunked attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SlidingWindowView {
    /// Tokens a windowed layer attends to (or the chunk size).
    pub window: u64,
    /// The first `first` layers of each group of `every` are local (2, 1 = alternating).
    pub every: u32,
    /// Local layers at the start of each group.
    pub first: u32,
    /// `sliding` or `chunked`.
    pub kind: &'static str,
}

/// Linear-attention layers (Gated DeltaNet).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LinearAttentionView {
    /// Query/key heads.
    pub key_heads: u64,
    /// Value heads, each with its own state.
    pub value_heads: u64,
    /// Query/key head dimension.
    pub key_head_dim: u64,
    /// Value head dimension.
    pub value_head_dim: u64,
    /// Taps of the short convolution.
    pub conv_kernel: u64,
    /// Linear-attention layers.
    pub layers: u32,
    /// Recurrent-state elements one sequence keeps per linear layer, whatever its length.
    pub state_elements_per_layer: f64,
}

/// DeepSeek Sparse Attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SparseAttentionView {
    /// Indexer heads.
    pub index_heads: u64,
    /// Indexer head dimension.
    pub index_head_dim: u64,
    /// Tokens each query attends.
    pub topk: u64,
}

/// One model's architecture (`xpuscope model ID`, and each entry of `xpuscope models`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ModelView {
    /// Model id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Where the architecture was read.
    pub source: String,
    /// Parameters in all, computed from the architecture.
    pub parameters: f64,
    /// Parameters each token uses, computed from the architecture.
    pub active_parameters: f64,
    /// Transformer layers.
    pub layers: u32,
    /// Hidden width.
    pub hidden_size: u64,
    /// Query heads.
    pub heads: u64,
    /// Key/value heads.
    pub kv_heads: u64,
    /// Dims per head; `null` for MLA, whose heads the `mla` object describes (a plain head_dim
    /// would mislead).
    pub head_dim: Option<u64>,
    /// MLP hidden width.
    pub ffn_size: u64,
    /// Vocabulary entries.
    pub vocab_size: u64,
    /// Whether the input and output embeddings share weights.
    pub tied_embeddings: bool,
    /// MLP activation function.
    pub activation: String,
    /// `gated` or `plain`.
    pub mlp: &'static str,
    /// Longest context.
    pub max_context: u64,
    /// KV-cache elements per token over the layers that keep the whole context.
    pub kv_cache_elements_per_token: f64,
    /// The parameter count the publisher states, if recorded.
    pub published_parameters: Option<f64>,
    /// The active parameter count the publisher states, if recorded.
    pub published_active_parameters: Option<f64>,
    /// The file the entry was defined in.
    pub catalog_file: String,
    /// Mixture-of-experts layout; absent for dense models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moe: Option<MoeView>,
    /// Latent attention widths; absent unless the model uses MLA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mla: Option<MlaView>,
    /// Sliding-window attention; absent unless the model uses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sliding_window: Option<SlidingWindowView>,
    /// Linear-attention layers; absent unless the model has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear_attention: Option<LinearAttentionView>,
    /// Sparse attention; absent unless the model uses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparse_attention: Option<SparseAttentionView>,
    /// Layers that attend only to the window.
    #[serde(skip)]
    windowed_layers: u32,
    /// Dims per head whether or not the model uses MLA.
    #[serde(skip)]
    plain_head_dim: u64,
}

/// `12.3B`: parameters in billions, to three significant digits.
fn billions(v: f64) -> String {
    format!("{}B", sig(v / 1e9))
}

impl ModelView {
    /// The view of one model.
    pub fn new(m: &Model) -> ModelView {
        ModelView {
            id: m.id.clone(),
            name: m.name.clone(),
            source: m.source.clone(),
            parameters: m.parameters(),
            active_parameters: m.active_parameters(),
            layers: m.layers,
            hidden_size: m.hidden,
            heads: m.heads,
            kv_heads: m.kv_heads,
            head_dim: if m.mla.is_some() {
                None
            } else {
                Some(m.head_dim)
            },
            ffn_size: m.ffn,
            vocab_size: m.vocab,
            tied_embeddings: m.tied_embeddings,
            activation: m.activation.clone(),
            mlp: match m.mlp {
                MlpKind::Gated => "gated",
                MlpKind::Plain => "plain",
            },
            max_context: m.max_context,
            kv_cache_elements_per_token: m.kv_elements_per_token_layer()
                * f64::from(m.full_attention_layers()),
            published_parameters: m.published_parameters.as_ref().map(|s| s.value),
            published_active_parameters: m.published_active_parameters.as_ref().map(|s| s.value),
            catalog_file: m.origin.file.clone(),
            moe: m.moe.as_ref().map(|moe| MoeView {
                experts: moe.experts,
                experts_per_token: moe.experts_per_token,
                shared_experts: moe.shared_experts,
                expert_ffn_size: moe.expert_ffn,
                shared_expert_ffn_size: moe.shared_expert_ffn,
                dense_layers_first: moe.dense_layers_first,
                moe_every: moe.moe_every,
                moe_layers: m.moe_layers(),
            }),
            mla: m.mla.as_ref().map(|mla| MlaView {
                q_lora_rank: mla.q_lora_rank,
                kv_lora_rank: mla.kv_lora_rank,
                qk_rope_head_dim: mla.qk_rope_head_dim,
                qk_nope_head_dim: mla.qk_nope_head_dim,
                v_head_dim: mla.v_head_dim,
            }),
            sliding_window: m.sliding_window.as_ref().map(|w| SlidingWindowView {
                window: w.window,
                every: w.layers.every,
                first: w.layers.first,
                kind: match w.kind {
                    LocalKind::Sliding => "sliding",
                    LocalKind::Chunked => "chunked",
                },
            }),
            linear_attention: m.linear_attention.as_ref().map(|l| LinearAttentionView {
                key_heads: l.key_heads,
                value_heads: l.value_heads,
                key_head_dim: l.key_head_dim,
                value_head_dim: l.value_head_dim,
                conv_kernel: l.conv_kernel,
                layers: m.linear_layers(),
                state_elements_per_layer: l.state_elements(),
            }),
            sparse_attention: m.sparse_attention.as_ref().map(|d| SparseAttentionView {
                index_heads: d.index_heads,
                index_head_dim: d.index_head_dim,
                topk: d.topk,
            }),
            windowed_layers: m.windowed_layers(),
            plain_head_dim: m.head_dim,
        }
    }

    /// `MLA`, `MQA`, `MHA` or `GQA (n query heads per KV head)`.
    fn attention_kind(&self) -> String {
        if self.mla.is_some() {
            "MLA".into()
        } else if self.kv_heads == 1 {
            "MQA".into()
        } else if self.kv_heads == self.heads {
            "MHA".into()
        } else {
            format!(
                "GQA ({} query heads per KV head)",
                self.heads / self.kv_heads
            )
        }
    }

    /// The architecture sheet for people.
    pub fn text(&self) -> String {
        let mut t = Table::new(&[("", Align::Left), ("", Align::Left)]);
        let mut row = |k: &str, v: String| t.row(vec![k.to_string(), v]);
        let published = |p: Option<f64>, computed: f64| match p {
            Some(p) => format!(
                "{} computed; {} published ({:+.1}%)",
                billions(computed),
                billions(p),
                (computed / p - 1.0) * 100.0
            ),
            None => format!("{} computed", billions(computed)),
        };
        row(
            "parameters",
            published(self.published_parameters, self.parameters),
        );
        row(
            "active per token",
            published(self.published_active_parameters, self.active_parameters),
        );
        row("layers", self.layers.to_string());
        row("hidden size", self.hidden_size.to_string());
        let attention = match &self.mla {
            // MLA heads have their own query/key and value widths; the latent is shared by all
            // heads.
            Some(mla) => format!(
                "{}, {} heads x {} query/key + {} value dims",
                self.attention_kind(),
                self.heads,
                mla.qk_nope_head_dim + mla.qk_rope_head_dim,
                mla.v_head_dim
            ),
            None => format!(
                "{}, {} heads x {} dims, {} KV heads",
                self.attention_kind(),
                self.heads,
                self.plain_head_dim,
                self.kv_heads
            ),
        };
        row("attention", attention);
        if let Some(mla) = &self.mla {
            row(
                "MLA",
                format!(
                    "q rank {}, kv rank {}, rope {} + nope {} dims, v {} dims",
                    mla.q_lora_rank,
                    mla.kv_lora_rank,
                    mla.qk_rope_head_dim,
                    mla.qk_nope_head_dim,
                    mla.v_head_dim
                ),
            );
        }
        row(
            "MLP",
            format!("{} ({}), ffn {}", self.mlp, self.activation, self.ffn_size),
        );
        if let Some(e) = &self.moe {
            row(
                "experts",
                format!(
                    "{} routed, top-{}, {} shared, expert ffn {}; {} MoE layers after {} dense",
                    e.experts,
                    e.experts_per_token,
                    e.shared_experts,
                    e.expert_ffn_size,
                    e.moe_layers,
                    e.dense_layers_first
                ),
            );
        }
        if let Some(w) = &self.sliding_window {
            let (what, unit) = match w.kind {
                "chunked" => ("chunked attention", "-token chunks"),
                _ => ("sliding window", " tokens"),
            };
            row(
                what,
                format!(
                    "{}{unit} on {} of {} layers",
                    w.window, self.windowed_layers, self.layers
                ),
            );
        }
        if let Some(l) = &self.linear_attention {
            row(
                "linear attention",
                format!(
                    "Gated DeltaNet on {} of {} layers: {} value heads of {}x{} state, {} key heads",
                    l.layers,
                    self.layers,
                    l.value_heads,
                    l.key_head_dim,
                    l.value_head_dim,
                    l.key_heads
                ),
            );
        }
        if let Some(d) = &self.sparse_attention {
            row(
                "sparse attention",
                format!(
                    "top-{} tokens per query, picked by a {}-head indexer of dim {}",
                    d.topk, d.index_heads, d.index_head_dim
                ),
            );
        }
        row(
            "vocabulary",
            format!(
                "{}{}",
                self.vocab_size,
                if self.tied_embeddings {
                    " (tied embeddings)"
                } else {
                    ""
                }
            ),
        );
        row("max context", self.max_context.to_string());
        // Keys and values at 16 bits: two bytes per element.
        let kv_bytes = self.kv_cache_elements_per_token * 2.0;
        row(
            "KV cache",
            format!("{} KiB per token at 16 bits", sig(kv_bytes / 1024.0)),
        );
        row("source", self.source.clone());
        format!("{} ({})\n\n{}", self.name, self.id, t.render())
    }
}

/// The whole model catalogue (`xpuscope models`): in JSON, the list of architectures.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct ModelsView {
    /// One entry per model, in catalogue order.
    pub models: Vec<ModelView>,
}

impl ModelsView {
    /// The view of these models.
    pub fn new(models: &[Model]) -> ModelsView {
        ModelsView {
            models: models.iter().map(ModelView::new).collect(),
        }
    }

    /// One line per model: sizes, attention and experts.
    pub fn text(&self) -> String {
        let mut t = Table::new(&[
            ("id", Align::Left),
            ("params", Align::Right),
            ("active", Align::Right),
            ("layers", Align::Right),
            ("hidden", Align::Right),
            ("attention", Align::Left),
            ("experts", Align::Left),
        ]);
        for m in &self.models {
            t.row(vec![
                m.id.clone(),
                billions(m.parameters),
                billions(m.active_parameters),
                m.layers.to_string(),
                m.hidden_size.to_string(),
                m.attention_kind(),
                m.moe.map_or_else(
                    || "-".into(),
                    |e| {
                        format!(
                            "{} top-{}{}",
                            e.experts,
                            e.experts_per_token,
                            if e.shared_experts > 0 {
                                format!(" +{} shared", e.shared_experts)
                            } else {
                                String::new()
                            }
                        )
                    },
                ),
            ]);
        }
        format!(
            "{}\n{} models. Parameter counts are computed from the architecture.\n",
            t.render(),
            self.models.len()
        )
    }
}
