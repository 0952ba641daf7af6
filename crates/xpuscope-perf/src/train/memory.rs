//! Training memory per chip: weights, gradients and optimizer state after ZeRO sharding, and the
//! activations of the micro-batches in flight.
//!
//! Weight counts come from `ops::Sharded::weight_elements`, the same count inference memory uses.
//! This module does not price time and does not decide which layout to pick.

use super::{Recompute, TrainConfig, Trainer, GRAD_BYTES, OPTIMIZER_BYTES, WEIGHT_BYTES};
use crate::layout::Layout;
use crate::ops::Sharded;
use xpuscope_model::units::Bytes;

/// Memory per chip during training.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrainMemory {
    /// 16-bit weights (after ZeRO-3 sharding, where used).
    pub weights: Bytes,
    /// Gradients.
    pub gradients: Bytes,
    /// FP32 master weights and Adam moments.
    pub optimizer: Bytes,
    /// Stored activations of the micro-batches in flight on the first stage.
    pub activations: Bytes,
    /// Usable capacity.
    pub usable: Bytes,
}

impl TrainMemory {
    /// Everything held.
    pub fn total(&self) -> Bytes {
        self.weights + self.gradients + self.optimizer + self.activations
    }

    /// Whether it fits.
    pub fn fits(&self) -> bool {
        self.total() <= self.usable
    }
}

impl Trainer<'_> {
    /// Parameters (elements) on the fullest chip, split into dense (replicated over `dp x cp`) and
    /// expert (replicated over expert-DP) parts.
    pub(super) fn params_per_chip(&self, l: &Layout) -> (f64, f64) {
        let w = Sharded::new(self.model, *l).weight_elements();
        (w.dense_layers() + w.embedding, w.expert_layers())
    }

    /// Memory on the fullest (first) stage's chip.
    pub fn memory(&self, cfg: &TrainConfig) -> TrainMemory {
        let l = &cfg.layout;
        let (dense, experts) = self.params_per_chip(l);
        let dp = f64::from(l.dp * l.cp);
        let edp = f64::from(l.expert_dp());
        let shard = |bytes: f64, on: bool| if on { bytes / dp } else { bytes };
        let eshard = |bytes: f64, on: bool| if on { bytes / edp } else { bytes };
        let z = cfg.zero;
        let weights = shard(dense * WEIGHT_BYTES, z >= 3) + eshard(experts * WEIGHT_BYTES, z >= 3);
        let gradients = shard(dense * GRAD_BYTES, z >= 2) + eshard(experts * GRAD_BYTES, z >= 2);
        let optimizer =
            shard(dense * OPTIMIZER_BYTES, z >= 1) + eshard(experts * OPTIMIZER_BYTES, z >= 1);

        let m = self.model;
        let tp = f64::from(l.tp);
        let h = m.hidden as f64;
        let tokens = cfg.micro_batch as f64 * cfg.seq_len as f64 / f64::from(l.cp);
        let q = m.q_width() as f64;
        let kv = m.kv_elements_per_token_layer();
        // Stored 16-bit activations per token per layer (Korthikanti et al. 2022, with
        // FlashAttention's O(s) memory and sequence parallelism dividing all of it by tp): norm
        // inputs, Q/K/V, attention output, MLP input, gate/up outputs, activation output.
        let attn = 2.0 * (h + q + kv + q);
        let mlp_of =
            |ffn: f64, tokens_share: f64| 2.0 * (h + m.mlp_matrices() * ffn) * tokens_share;
        let dense_mlp = mlp_of(m.ffn as f64, 1.0);
        let moe_mlp = m.moe.map_or(0.0, |e| {
            let shared = if e.shared_experts > 0 {
                mlp_of(
                    f64::from(e.shared_experts) * e.shared_expert_ffn as f64,
                    1.0,
                )
            } else {
                0.0
            };
            // A chip holds t k etp / tp token-expert pairs of ffn / etp each: about the same
            // bytes as k dense rows of the expert, divided by tp below with everything else.
            shared + mlp_of(e.expert_ffn as f64, f64::from(e.experts_per_token))
        });
        let norms = 4.0 * h;
        let layers = f64::from(m.layers);
        let moe = f64::from(m.moe_layers());
        let per_token = match cfg.recompute {
            Recompute::None => layers * (attn + norms) + (layers - moe) * dense_mlp + moe * moe_mlp,
            Recompute::Selective => {
                layers * (2.0 * h + norms) + (layers - moe) * dense_mlp + moe * moe_mlp
            }
            Recompute::Full => layers * 2.0 * h,
        } / tp
            * self.stage_fraction(l.pp);
        // 1F1B: the first stage holds `pp` micro-batches in flight (interleaving adds a fraction).
        let n_micro = self.micro_batches(cfg) as f64;
        let pp = f64::from(l.pp);
        let vp = f64::from(cfg.vp);
        let in_flight = n_micro.min(pp)
            * (1.0
                + if vp > 1.0 {
                    (pp - 1.0) / (pp * vp)
                } else {
                    0.0
                });
        // FP32 logits of one micro-batch on the last stage, and one layer's working set.
        let logits = tokens * m.vocab as f64 / tp * 4.0;
        let working = tokens * (attn + dense_mlp.max(moe_mlp)) / tp;
        let activations = per_token * tokens * in_flight + logits.max(working);
        TrainMemory {
            weights: Bytes::new(weights),
            gradients: Bytes::new(gradients),
            optimizer: Bytes::new(optimizer),
            activations: Bytes::new(activations),
            usable: self.hw.capacity * cfg.usable_fraction,
        }
    }
}
