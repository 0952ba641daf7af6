//! A linear-attention layer's mixer (Gated DeltaNet, as Qwen3-Next uses it): input projections,
//! the short causal convolution, the recurrence over a fixed-size state, the gated norm and the
//! output projection.
//!
//! Nothing here depends on how long a sequence is: a decode token reads and writes its
//! sequence's state (`value_heads x key_head_dim x value_head_dim`) once, whatever the context, and
//! a prefill runs the chunked form of the recurrence, linear in the tokens. That is the point of
//! these layers, and what sets them apart from attention, whose cost grows with the context.

use std::ops::Deref;

use super::attention::Attend;
use super::{kernels, Costs, Sharded, ACT16, STATE_BYTES};
use crate::breakdown::{Breakdown, OpClass};
use xpuscope_model::model::{LinearAttention, Model};

/// Tokens per chunk of the chunked (prefill) form of the delta rule: flash-linear-attention's
/// kernels, which vLLM and SGLang run for Qwen3-Next, use 64. Within a chunk tokens interact as a
/// small attention of this size; across chunks through the state.
const PREFILL_CHUNK: f64 = 64.0;

/// Kernels of the chunked (prefill) recurrence: flash-linear-attention's
/// `chunk_gated_delta_rule_fwd` runs `chunk_local_cumsum`, `chunk_scaled_dot_kkt_fwd`,
/// `solve_tril`, `recompute_w_u_fwd`, `chunk_gated_delta_rule_fwd_h` and `chunk_fwd_o`, after
/// the L2 norms of the queries and keys (`use_qk_l2norm_in_kernel`): eight launches.
const PREFILL_RECURRENCE_KERNELS: f64 = 8.0;

/// Kernels of the decode recurrence: `fused_recurrent_gated_delta_rule`, with the norms inside.
const DECODE_RECURRENCE_KERNELS: f64 = 1.0;

/// FLOPs per state element per decode token: the decay (1), the state's prediction for the key
/// (2), the rank-one delta update (2) and the read-out for the query (2).
const DECODE_FLOPS_PER_STATE: f64 = 7.0;

/// FLOPs per state element per prefill token in the chunked form: the chunk's contribution to
/// the state and the state's to the chunk's outputs, each a multiply-add.
const PREFILL_FLOPS_PER_STATE: f64 = 4.0;

impl<M: Deref<Target = Model>> Sharded<M> {
    /// Costs `times` linear-attention layers' mixers over `t` tokens (the norm before them is the
    /// caller's), heads split over TP.
    pub(super) fn linear_block(
        &self,
        b: &mut Breakdown,
        c: &Costs,
        t: f64,
        a: Attend,
        l: &LinearAttention,
        times: f64,
    ) {
        let h = self.hidden;
        let tp = f64::from(self.layout.tp);
        let (kw, vw) = (l.key_width() as f64 / tp, l.value_width() as f64 / tp);
        let vheads = l.value_heads as f64 / tp;
        let (dk, dv) = (l.key_head_dim as f64, l.value_head_dim as f64);
        // Q, K, V, the output gate Z and the two per-head scalars in; the output back.
        let w_in = h * (2.0 * kw + 2.0 * vw + 2.0 * vheads);
        c.kernel(
            b,
            OpClass::QkvProj,
            2.0 * t * w_in,
            w_in * c.wb + t * (h * c.ab + (2.0 * kw + 2.0 * vw) * ACT16),
            c.gemm,
            kernels::FUSED,
            times,
        );
        let conv = l.conv_channels() as f64 / tp;
        let taps = l.conv_kernel as f64;
        let state = vheads * dk * dv;
        for x in self.works(t, a, None).into_iter().flatten() {
            // The convolution reads each sequence's last inputs and writes them back; then the
            // recurrence reads and writes each sequence's state once per pass.
            let conv_state = x.sequences * conv * (taps - 1.0).max(0.0) * ACT16 * 2.0;
            c.kernel(
                b,
                OpClass::Norm,
                2.0 * x.tokens * conv * taps,
                2.0 * x.tokens * conv * ACT16 + conv_state,
                c.gemm,
                kernels::FUSED,
                times,
            );
            let per_token = if x.causal {
                PREFILL_FLOPS_PER_STATE * state + 2.0 * PREFILL_CHUNK * vheads * (dk + dv)
            } else {
                DECODE_FLOPS_PER_STATE * state
            };
            let bytes =
                x.sequences * state * STATE_BYTES * 2.0 + x.tokens * (2.0 * kw + 2.0 * vw) * ACT16;
            let launches = if x.causal {
                PREFILL_RECURRENCE_KERNELS
            } else {
                DECODE_RECURRENCE_KERNELS
            };
            c.kernel(
                b,
                OpClass::Attention,
                x.tokens * per_token,
                bytes,
                c.attention,
                launches,
                times,
            );
        }
        // The gated RMS norm over each head's output, then the output projection.
        c.kernel(
            b,
            OpClass::Norm,
            6.0 * t * vw,
            3.0 * t * vw * ACT16,
            c.gemm,
            kernels::FUSED,
            times,
        );
        let o = vw * h;
        c.kernel(
            b,
            OpClass::OutProj,
            2.0 * t * o,
            o * c.wb + t * (vw + h) * ACT16,
            c.gemm,
            kernels::FUSED,
            times,
        );
    }
}
