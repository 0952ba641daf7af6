//! Weights per chip: how many weight elements of each block one chip holds under a layout.
//!
//! These counts size memory (inference and training) and the weight reads of each GEMM. They are
//! element counts, not bytes: the storage precision is the caller's (inference weights in their
//! quantised format, training in 16 bits). Nothing here prices time.

use std::ops::Deref;

use super::Sharded;
use xpuscope_model::model::Model;

/// Weight elements on the fullest chip, by the part of the model they belong to.
///
/// Kept in parts because inference and training group them differently: training shards dense
/// weights over `dp x cp` and routed experts over expert-DP (ZeRO), inference adds them all up.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WeightElements {
    /// Attention blocks of every layer plus the dense MLPs of the dense layers.
    pub base: f64,
    /// MoE layers in the model.
    pub moe_layers: f64,
    /// Shared-expert elements of one MoE layer.
    pub shared_experts: f64,
    /// Router elements of one MoE layer (hidden x experts, replicated on every chip).
    pub router: f64,
    /// Routed-expert elements of one MoE layer on this chip.
    pub routed_experts: f64,
    /// Embedding and LM-head elements on the chip that holds the most of them.
    pub embedding: f64,
    /// Share of the layers on the fullest pipeline stage.
    pub stage: f64,
}

impl WeightElements {
    /// Layer elements replicated over data parallelism, on the fullest stage (no embedding).
    pub fn dense_layers(&self) -> f64 {
        (self.base + self.moe_layers * (self.shared_experts + self.router)) * self.stage
    }

    /// Routed-expert elements on the fullest stage.
    pub fn expert_layers(&self) -> f64 {
        self.moe_layers * self.routed_experts * self.stage
    }

    /// Every layer's elements on the fullest stage (no embedding).
    pub fn all_layers(&self) -> f64 {
        (self.base + self.moe_layers * (self.routed_experts + self.shared_experts + self.router))
            * self.stage
    }
}

impl<M: Deref<Target = Model>> Sharded<M> {
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
                let kv_a = h * m.latent_width() as f64;
                let kv_b =
                    m.kv_lora_rank as f64 * self.heads * (m.qk_nope_head_dim + m.v_head_dim) as f64;
                let o = self.heads * m.v_head_dim as f64 * h;
                // The sparse-attention indexer is replicated on every rank.
                let indexer = self
                    .model
                    .sparse_attention
                    .map_or(0.0, |s| s.params(h, m.q_lora_rank));
                q + kv_a + kv_b + o + indexer
            }
            None => {
                let d = self.model.head_dim as f64;
                let gate = if self.model.attention_output_gate {
                    self.heads
                } else {
                    0.0
                };
                h * (self.heads + gate + 2.0 * self.kv_heads) * d + self.heads * d * h
            }
        }
    }

    /// Weight elements on one chip for one linear-attention layer's mixer (heads split over TP).
    pub fn linear_attention_weights(&self) -> f64 {
        self.model.linear_attention_params() / f64::from(self.layout.tp)
    }

    /// Weight elements on one chip for one dense MLP of intermediate size `ffn`.
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

    /// Every weight element on the fullest chip, by part: the one count inference memory and
    /// training memory (and the optimizer's traffic) are both built from.
    pub fn weight_elements(&self) -> WeightElements {
        let m: &Model = &self.model;
        let layers = f64::from(m.layers);
        let moe = f64::from(m.moe_layers());
        let linear = f64::from(m.linear_layers());
        WeightElements {
            base: (layers - linear) * self.attention_weights()
                + linear * self.linear_attention_weights()
                + (layers - moe) * self.mlp_weights(m.ffn as f64),
            moe_layers: moe,
            shared_experts: self.shared_expert_weights(),
            router: m
                .moe
                .map_or(0.0, |e| m.hidden as f64 * f64::from(e.experts)),
            routed_experts: self.expert_weights(),
            embedding: self.embedding_weights(),
            stage: self.stage_fraction(),
        }
    }
}
