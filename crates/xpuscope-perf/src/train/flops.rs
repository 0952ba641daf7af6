//! Model FLOPs of a training step: the numerator of MFU.
//!
//! Model FLOPs are `6 x active parameters` per token plus the causal attention term
//! `6 x layers x heads x head_dim x seq_len` (PaLM's `12 L H Q T` halved, because a causal mask
//! computes half the score matrix; Megatron-LM counts it the same way), against the chip's dense
//! BF16 peak, whatever the training precision. This counts what the model needs, not what a chip
//! computes (recomputation is hardware FLOPs, in `step`).

use xpuscope_model::model::Model;

/// Model FLOPs per token for one training step (forward and backward), causal attention.
pub fn model_flops_per_token(model: &Model, seq_len: u64) -> f64 {
    let s = seq_len as f64;
    let dims = match model.mla {
        Some(m) => (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim) as f64 / 2.0,
        None => model.head_dim as f64,
    };
    let heads = model.heads as f64;
    let full = f64::from(model.full_attention_layers());
    let local = f64::from(model.windowed_layers());
    // Query-key pairs per token: s / 2 under a causal mask; fewer within a window or chunk.
    // Linear-attention layers have no score matrix: their projections are in `6 N`.
    let full_pairs = s / 2.0;
    let local_pairs = model
        .sliding_window
        .map_or(full_pairs, |w| w.causal_pairs(s) / s);
    6.0 * model.active_parameters()
        + 12.0 * heads * dims * (full * full_pairs + local * local_pairs)
}
