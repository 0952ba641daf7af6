//! The time of one training step: forward and backward of every micro-batch, recomputation,
//! the pipeline bubble and whatever communication is not hidden under compute.
//!
//! Built from one micro-batch forward of the operator cost model. This module does not hold
//! memory accounting (see `memory`) and does not search.

use super::{
    Recompute, StepParts, TrainConfig, TrainResult, Trainer, BACKWARD_FACTOR, GRAD_BYTES,
    OPTIMIZER_BYTES, WEIGHT_BYTES,
};
use crate::breakdown::{Breakdown, OpClass};
use crate::comm::{self, Algorithm};
use crate::ops::{Shape, Sharded};
use xpuscope_model::chip::Precision;
use xpuscope_model::units::{Bytes, Seconds, TokensPerSecond};

/// Tensor-parallel collectives per micro-batch, in forwards' worth: the forward's, and the same
/// again in backward (input gradients are all-reduced like activations).
const TP_PASSES: f64 = 2.0;
/// Context-parallel K/V exchanges per micro-batch, in forwards' worth: K and V in forward, then in
/// backward K and V again plus their gradients dK and dV (ring attention, Liu et al. 2023).
const CP_EXCHANGES: f64 = 3.0;
/// Bytes per element of the exchanged K and V: 16-bit, whatever the GEMM precision.
const CP_KV_BYTES: f64 = 2.0;

impl Trainer<'_> {
    /// Forward of one micro-batch through every layer (all stages in turn).
    pub fn forward(&self, cfg: &TrainConfig) -> Breakdown {
        let l = cfg.layout;
        let shape = Shape {
            seqs: cfg.micro_batch as f64,
            queries: cfg.seq_len as f64 / f64::from(l.cp),
            context: cfg.seq_len as f64,
            causal: true,
            logits_per_seq: cfg.seq_len as f64 / f64::from(l.cp),
            cp: f64::from(l.cp),
        };
        Sharded::new(self.model, l).forward(&self.hw, &self.costs, &shape)
    }

    /// Evaluates a configuration without checking it (the search checks divisibility itself).
    pub fn evaluate(&self, cfg: &TrainConfig) -> TrainResult {
        self.evaluate_with(cfg, &self.forward(cfg))
    }

    /// Evaluates a configuration given its micro-batch forward (which depends only on the layout
    /// and micro-batch, so a search computes it once for every ZeRO stage, recompute and vp).
    pub fn evaluate_with(&self, cfg: &TrainConfig, fwd: &Breakdown) -> TrainResult {
        let l = cfg.layout;
        let pp = f64::from(l.pp);
        let vp = f64::from(cfg.vp);
        let n_micro = self.micro_batches(cfg) as f64;
        let comm_classes = fwd.comm_time();
        let attention = fwd.class(OpClass::Attention).time;
        // The slowest stage sets the pace: at least its share of whole layers (ceil(layers / pp)),
        // at least an even share of all the work, and at least the LM head plus one layer on the
        // last stage (a large vocabulary against few layers per stage).
        let stage = self.stage_fraction(l.pp);
        let ends = fwd.class(OpClass::LmHead).time + fwd.class(OpClass::Embedding).time;
        let layers_time = fwd.total() - comm_classes - ends;
        let compute_fwd = if l.pp > 1 {
            let one_layer = layers_time / f64::from(self.model.layers);
            (layers_time * stage)
                .max((layers_time + ends) / pp)
                .max(fwd.class(OpClass::LmHead).time + one_layer)
        } else {
            layers_time + ends
        };
        let tp_fwd = fwd.class(OpClass::TpComm).time * stage;
        let ep_fwd = fwd.class(OpClass::EpComm).time * stage;

        // Context parallelism: each chip receives the other `cp - 1` chunks of K and V per layer
        // (ring attention), overlapped with the attention computation; backward sends dK, dV too.
        let cp_fwd = if l.cp > 1 {
            let m = self.model;
            // The KV elements one chip holds per token: MLA's latent, or its share of KV heads.
            let kv = Sharded::new(m, l).kv_elements_per_token_layer();
            let chunk =
                cfg.micro_batch as f64 * cfg.seq_len as f64 / f64::from(l.cp) * kv * CP_KV_BYTES;
            let span = l.tp * l.cp;
            let bw = self.hw.link_for(span).get() * self.eff.collective;
            let lat = if span <= self.hw.domain {
                self.eff.collective_latency
            } else {
                self.eff.network_latency
            };
            let per_layer =
                Seconds::new(chunk * f64::from(l.cp - 1) / bw) + lat * f64::from(l.cp - 1);
            let layers = f64::from(m.layers) * stage;
            let hidden_under = attention * stage / layers.max(1.0);
            (per_layer - hidden_under).max(Seconds::ZERO) * layers
        } else {
            Seconds::ZERO
        };

        // Selective recompute keeps only the attention block's input, so backward re-runs the
        // Q/K/V projection and the attention kernel.
        let recompute = match cfg.recompute {
            Recompute::None => Seconds::ZERO,
            Recompute::Selective => {
                (attention + fwd.class(OpClass::QkvProj).time) * stage / self.eff.sustained_training
            }
            Recompute::Full => compute_fwd / self.eff.sustained_training + tp_fwd + ep_fwd,
        };
        // Per micro-batch on one stage: forward, backward (twice the compute, the same
        // communication again), and the activations and gradients crossing each boundary.
        let pp_per_micro = if l.pp > 1 {
            fwd.class(OpClass::PpComm).time / (pp - 1.0) * 2.0 * vp
        } else {
            Seconds::ZERO
        };
        let compute_micro = compute_fwd * (1.0 + BACKWARD_FACTOR) / self.eff.sustained_training;
        // Expert all-to-all (dispatch and combine, forward and backward) hides under the
        // micro-batch's compute up to `comm_overlap`; tensor-parallel collectives sit on the
        // critical path.
        let ep_exposed = (ep_fwd * 2.0 - compute_micro * self.eff.comm_overlap).max(Seconds::ZERO);
        let slot = compute_micro
            + recompute
            + (tp_fwd * TP_PASSES + cp_fwd * CP_EXCHANGES)
            + ep_exposed
            + pp_per_micro;
        let bubble_slots = (pp - 1.0) / vp;

        // Data parallelism: reduce-scatter gradients and all-gather parameters (an all-reduce's
        // volume) in 16 bits across `dp x cp` (experts across their expert-DP group), over the
        // network once the group leaves the scale-up domain. Hidden under the last micro-batch's
        // backward and the first's forward up to `comm_overlap`.
        let (dense, experts) = self.params_per_chip(&l);
        let all_reduce = |params: f64, n: u32, stride: u32| -> Seconds {
            let (eff, hw) = (&self.eff, &self.hw);
            comm::all_reduce(
                hw,
                eff,
                n,
                n * stride,
                Bytes::new(params * GRAD_BYTES),
                eff.collective_latency,
                Algorithm::Best,
            )
        };
        // ZeRO-3 keeps no full copy to all-gather after the step: only the reduce-scatter (half
        // an all-reduce) is left; its gathers are charged per micro-batch below.
        let step_share = if cfg.zero >= 3 { 0.5 } else { 1.0 };
        let dp_sync = (all_reduce(dense, l.dp * l.cp, l.tp)
            + all_reduce(experts, l.expert_dp(), l.ep.max(1) * l.expert_tp()))
            * step_share;
        let window = compute_micro * self.eff.comm_overlap;
        let mut dp_exposed = (dp_sync - window).max(Seconds::ZERO);
        if cfg.zero >= 3 {
            // ZeRO-3 gathers each stage's weights before forward and again before backward, per
            // micro-batch, overlapped with the previous layer's compute.
            let gather = all_reduce(dense, l.dp * l.cp, l.tp) * 0.5;
            let per_micro =
                (gather * 2.0 - compute_micro * self.eff.comm_overlap).max(Seconds::ZERO);
            dp_exposed += per_micro * n_micro;
        }
        // Adam reads and writes master weights, moments and gradients once per step.
        let opt_params = if cfg.zero >= 1 {
            dense / f64::from(l.dp * l.cp) + experts / f64::from(l.expert_dp())
        } else {
            dense + experts
        };
        let optimizer =
            Bytes::new(opt_params * (OPTIMIZER_BYTES * 2.0 + GRAD_BYTES + WEIGHT_BYTES))
                / (self.hw.bandwidth * self.hw.memory_fraction);

        let parts = StepParts {
            compute: compute_micro * n_micro,
            recompute: recompute * n_micro,
            tp_comm: tp_fwd * TP_PASSES * n_micro,
            ep_comm: ep_exposed * n_micro,
            cp_comm: cp_fwd * CP_EXCHANGES * n_micro,
            pp_comm: pp_per_micro * n_micro,
            bubble: slot * bubble_slots,
            dp_comm: dp_exposed,
            optimizer,
        };
        let step_time = parts.total();
        let tokens = cfg.global_batch as f64 * cfg.seq_len as f64;
        let chips = f64::from(l.chips());
        let peak = self.hw.rated_peak(Precision::Bf16).get() * chips * step_time.get();
        let model_flops = self.flops_per_token * tokens;
        // Hardware FLOPs: what one chip actually computes, recomputation included.
        let recomputed = match cfg.recompute {
            Recompute::None => 0.0,
            Recompute::Selective => {
                fwd.class(OpClass::Attention).flops.get() + fwd.class(OpClass::QkvProj).flops.get()
            }
            Recompute::Full => fwd.flops().get(),
        };
        let hardware_flops =
            (fwd.flops().get() * (1.0 + BACKWARD_FACTOR) + recomputed) / pp * n_micro * chips;
        TrainResult {
            config: *cfg,
            step_time,
            tokens_per_s: TokensPerSecond::new(tokens / step_time.get()),
            mfu: model_flops / peak,
            hfu: hardware_flops / peak,
            memory: self.memory(cfg),
            micro_batches: n_micro as u64,
            bubble_fraction: parts.bubble / step_time,
            parts,
        }
    }
}
