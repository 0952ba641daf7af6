//! Validation of one `[[model]]` entry: shapes, MoE, MLA and sliding-window tables, and the
//! published parameter counts.

use std::collections::BTreeMap;

use toml::Spanned;

use super::context::ValidationContext;
use super::fields::{check_id, num, required_str, Defaults};
use crate::catalog::raw::RawModel;
use crate::chip::Origin;
use crate::model::{
    LayerPattern, LinearAttention, LocalKind, Mla, MlpKind, Model, Moe, Position, SlidingWindow,
    SparseAttention,
};
use crate::sourced::Grade;

/// The largest count any model field may hold: every count is stored in 32 bits somewhere (a
/// layer or expert count), and no real architecture comes near it.
pub(crate) const MAX_MODEL_INT: i64 = u32::MAX as i64;

fn too_large(ctx: &mut ValidationContext, s: &Spanned<i64>, field: &str) {
    ctx.at(
        s,
        field,
        format!(
            "{} is larger than any model has; at most {MAX_MODEL_INT}",
            s.get_ref()
        ),
    );
}

fn pos_int(
    ctx: &mut ValidationContext,
    v: &Option<Spanned<i64>>,
    field: &str,
    required: bool,
) -> Option<u64> {
    match v {
        Some(s) if *s.get_ref() > MAX_MODEL_INT => {
            too_large(ctx, s, field);
            None
        }
        Some(s) if *s.get_ref() >= 1 => Some(*s.get_ref() as u64),
        Some(s) => {
            ctx.at(
                s,
                field,
                format!("must be a positive whole number, got {}", s.get_ref()),
            );
            None
        }
        None => {
            if required {
                ctx.missing(field);
            }
            None
        }
    }
}

fn nonneg_int(ctx: &mut ValidationContext, v: &Option<Spanned<i64>>, field: &str) -> Option<u64> {
    match v {
        Some(s) if *s.get_ref() > MAX_MODEL_INT => {
            too_large(ctx, s, field);
            None
        }
        Some(s) if *s.get_ref() >= 0 => Some(*s.get_ref() as u64),
        Some(s) => {
            ctx.at(
                s,
                field,
                format!("must not be negative, got {}", s.get_ref()),
            );
            None
        }
        None => None,
    }
}

/// A layer pattern from a table's `every` (default 1) and `first` (default 1, at most `every`).
fn pattern(
    ctx: &mut ValidationContext,
    every: &Option<Spanned<i64>>,
    first: &Option<Spanned<i64>>,
    table: &str,
) -> Option<LayerPattern> {
    let e = pos_int(ctx, every, &format!("{table}.every"), false).unwrap_or(1);
    let f = pos_int(ctx, first, &format!("{table}.first"), false).unwrap_or(1);
    if f > e {
        if let Some(span) = first {
            ctx.at(
                span,
                &format!("{table}.first"),
                format!("{f} is more than the {e} layers of a group (`every`)"),
            );
        }
        return None;
    }
    Some(LayerPattern {
        every: e as u32,
        first: f as u32,
    })
}

/// Validates one `[[model]]`.
pub fn model(ctx: &mut ValidationContext, raw: &RawModel, origin: Origin) -> Option<Model> {
    let before = ctx.issues.len();
    let id = match &raw.id {
        Some(id) => {
            ctx.entry = Some(id.get_ref().clone());
            check_id(ctx, id).then(|| id.get_ref().clone())
        }
        None => {
            ctx.missing("id");
            None
        }
    };
    let name = raw
        .name
        .as_ref()
        .map(|n| n.get_ref().clone())
        .or_else(|| id.clone());
    let source = required_str(ctx, &raw.source, "source");
    let layers = pos_int(ctx, &raw.layers, "layers", true);
    let hidden = pos_int(ctx, &raw.hidden_size, "hidden_size", true);
    let heads = pos_int(ctx, &raw.heads, "heads", true);
    let kv_heads = pos_int(ctx, &raw.kv_heads, "kv_heads", false).or(heads);
    let head_dim = pos_int(ctx, &raw.head_dim, "head_dim", false);
    let ffn = pos_int(ctx, &raw.ffn_size, "ffn_size", true);
    let vocab = pos_int(ctx, &raw.vocab_size, "vocab_size", true);
    let max_context = pos_int(ctx, &raw.max_context, "max_context", true);
    let mlp = match &raw.mlp {
        None => Some(MlpKind::Gated),
        Some(s) => match s.get_ref().as_str() {
            "gated" => Some(MlpKind::Gated),
            "plain" => Some(MlpKind::Plain),
            other => {
                ctx.at(
                    s,
                    "mlp",
                    format!("unknown MLP kind `{other}`; expected `gated` or `plain`"),
                );
                None
            }
        },
    };
    let position = match &raw.position {
        None => Some(Position::Rope),
        Some(s) => match s.get_ref().as_str() {
            "rope" => Some(Position::Rope),
            "learned" => Some(Position::Learned),
            "alibi" => Some(Position::Alibi),
            other => {
                ctx.at(
                    s,
                    "position",
                    format!("unknown position encoding `{other}`; expected `rope`, `learned` or `alibi`"),
                );
                None
            }
        },
    };
    if let (Some(h), Some(kv), Some(span)) = (heads, kv_heads, &raw.kv_heads) {
        if kv > h || h % kv != 0 {
            ctx.at(
                span,
                "kv_heads",
                format!("{kv} does not divide heads ({h})"),
            );
        }
    }
    let head_dim = match (head_dim, hidden, heads) {
        (Some(d), _, _) => Some(d),
        (None, Some(h), Some(n)) if h % n == 0 => Some(h / n),
        (None, Some(h), Some(n)) => {
            let line = ctx.entry_line;
            ctx.push(
                line,
                "head_dim",
                format!("is required: hidden_size {h} is not a multiple of heads {n}"),
            );
            None
        }
        _ => None,
    };

    let moe = raw.moe.as_ref().and_then(|m| {
        let m = m.get_ref();
        let experts = pos_int(ctx, &m.experts, "moe.experts", true)?;
        let k = pos_int(ctx, &m.experts_per_token, "moe.experts_per_token", true)?;
        if k > experts {
            if let Some(span) = &m.experts_per_token {
                ctx.at(
                    span,
                    "moe.experts_per_token",
                    format!("{k} is more than the {experts} experts"),
                );
            }
        }
        let expert_ffn = pos_int(ctx, &m.expert_ffn_size, "moe.expert_ffn_size", true)?;
        Some(Moe {
            experts: experts as u32,
            experts_per_token: k as u32,
            shared_experts: nonneg_int(ctx, &m.shared_experts, "moe.shared_experts").unwrap_or(0)
                as u32,
            expert_ffn,
            shared_expert_ffn: pos_int(
                ctx,
                &m.shared_expert_ffn_size,
                "moe.shared_expert_ffn_size",
                false,
            )
            .unwrap_or(expert_ffn),
            dense_layers_first: nonneg_int(ctx, &m.dense_layers_first, "moe.dense_layers_first")
                .unwrap_or(0) as u32,
            moe_every: pos_int(ctx, &m.moe_every, "moe.moe_every", false).unwrap_or(1) as u32,
            groups: pos_int(ctx, &m.groups, "moe.groups", false).unwrap_or(1) as u32,
            topk_groups: pos_int(ctx, &m.topk_groups, "moe.topk_groups", false)
                .or(pos_int(ctx, &m.groups, "moe.groups", false))
                .unwrap_or(1) as u32,
        })
    });
    let mla = raw.mla.as_ref().and_then(|m| {
        let m = m.get_ref();
        Some(Mla {
            q_lora_rank: nonneg_int(ctx, &m.q_lora_rank, "mla.q_lora_rank").unwrap_or(0),
            kv_lora_rank: pos_int(ctx, &m.kv_lora_rank, "mla.kv_lora_rank", true)?,
            qk_rope_head_dim: pos_int(ctx, &m.qk_rope_head_dim, "mla.qk_rope_head_dim", true)?,
            qk_nope_head_dim: pos_int(ctx, &m.qk_nope_head_dim, "mla.qk_nope_head_dim", true)?,
            v_head_dim: pos_int(ctx, &m.v_head_dim, "mla.v_head_dim", true)?,
        })
    });
    let sliding_window = raw.sliding_window.as_ref().and_then(|s| {
        let s = s.get_ref();
        let kind = match &s.kind {
            None => Some(LocalKind::Sliding),
            Some(k) => match k.get_ref().as_str() {
                "sliding" => Some(LocalKind::Sliding),
                "chunked" => Some(LocalKind::Chunked),
                other => {
                    ctx.at(
                        k,
                        "sliding_window.kind",
                        format!("unknown kind `{other}`; expected `sliding` or `chunked`"),
                    );
                    None
                }
            },
        };
        let layers = pattern(ctx, &s.every, &s.first, "sliding_window")?;
        Some(SlidingWindow {
            window: pos_int(ctx, &s.window, "sliding_window.window", true)?,
            layers,
            kind: kind?,
        })
    });
    let linear_attention = raw.linear_attention.as_ref().and_then(|l| {
        let l = l.get_ref();
        let key_heads = pos_int(ctx, &l.key_heads, "linear_attention.key_heads", true);
        let value_heads = pos_int(ctx, &l.value_heads, "linear_attention.value_heads", true);
        let key_head_dim = pos_int(ctx, &l.key_head_dim, "linear_attention.key_head_dim", true);
        let value_head_dim = pos_int(
            ctx,
            &l.value_head_dim,
            "linear_attention.value_head_dim",
            true,
        );
        let conv_kernel = nonneg_int(ctx, &l.conv_kernel, "linear_attention.conv_kernel");
        let layers = pattern(ctx, &l.every, &l.first, "linear_attention")?;
        Some(LinearAttention {
            key_heads: key_heads?,
            value_heads: value_heads?,
            key_head_dim: key_head_dim?,
            value_head_dim: value_head_dim?,
            conv_kernel: conv_kernel.unwrap_or(0),
            layers,
        })
    });
    let sparse_attention = raw.sparse_attention.as_ref().and_then(|d| {
        let d = d.get_ref();
        let index_heads = pos_int(ctx, &d.index_heads, "sparse_attention.index_heads", true);
        let index_head_dim = pos_int(
            ctx,
            &d.index_head_dim,
            "sparse_attention.index_head_dim",
            true,
        );
        let topk = pos_int(ctx, &d.topk, "sparse_attention.topk", true);
        Some(SparseAttention {
            index_heads: index_heads?,
            index_head_dim: index_head_dim?,
            topk: topk?,
        })
    });
    if let (Some(span), None) = (&raw.sparse_attention, &raw.mla) {
        ctx.at(
            span,
            "sparse_attention",
            "needs [model.mla]: the indexer selects tokens of the latent cache (DeepSeek-V3.2)"
                .into(),
        );
    }
    if let (Some(span), Some(_)) = (&raw.linear_attention, &raw.sliding_window) {
        ctx.at(
            span,
            "linear_attention",
            "cannot be combined with [model.sliding_window]; no published model mixes them".into(),
        );
    }
    if let (Some(layers), Some(m), Some(span)) = (layers, moe, &raw.moe) {
        if u64::from(m.dense_layers_first) >= layers {
            ctx.at(
                span,
                "moe.dense_layers_first",
                format!(
                    "{} leaves no MoE layer among the {layers} layers",
                    m.dense_layers_first
                ),
            );
        }
    }

    let no_sources = BTreeMap::new();
    let d = Defaults {
        source: None,
        grade: Some(Grade::Vendor),
        sources: &no_sources,
    };
    let published_parameters = num(ctx, &raw.published_parameters, "published_parameters", &d);
    let published_active_parameters = num(
        ctx,
        &raw.published_active_parameters,
        "published_active_parameters",
        &d,
    );

    if ctx.issues.len() != before {
        return None;
    }
    Some(Model {
        id: id?,
        name: name?,
        source: source?,
        layers: layers? as u32,
        hidden: hidden?,
        heads: heads?,
        kv_heads: kv_heads?,
        head_dim: head_dim?,
        ffn: ffn?,
        vocab: vocab?,
        tied_embeddings: raw.tied_embeddings.unwrap_or(false),
        activation: raw.activation.clone().unwrap_or_else(|| "silu".to_string()),
        mlp: mlp?,
        attention_bias: raw.attention_bias.unwrap_or(false),
        position: position?,
        max_context: max_context?,
        parallel_block: raw.parallel_block.unwrap_or(false),
        moe,
        mla,
        sliding_window,
        linear_attention,
        sparse_attention,
        attention_output_gate: raw.attention_output_gate.unwrap_or(false),
        published_parameters,
        published_active_parameters,
        published_active_includes_embeddings: raw
            .published_active_includes_embeddings
            .unwrap_or(false),
        published_active_excludes_lm_head: raw.published_active_excludes_lm_head.unwrap_or(false),
        origin,
    })
}
