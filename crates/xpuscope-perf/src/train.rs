//! Training: step time, throughput, MFU and memory per chip for a parallel layout.
//!
//! One cost model with inference: a micro-batch's forward is `ops::Sharded::forward` over the
//! training shape; backward costs twice the forward's compute (input and weight gradients) and the
//! same communication again; recomputation adds forward work back. The pipeline runs 1F1B with
//! `vp` virtual stages: `(micro_batches + (pp - 1) / vp)` micro-batch slots per step. Data-parallel
//! gradient synchronisation overlaps backward up to `Efficiency::comm_overlap`.
//!
//! MFU: model FLOPs are `6 x active parameters` per token plus the causal attention term
//! `6 x layers x heads x head_dim x seq_len` (PaLM's `12 L H Q T` halved, because a causal mask
//! computes half the score matrix; Megatron-LM counts it the same way), against the chip's dense
//! BF16 peak, whatever the training precision.

use crate::breakdown::{Breakdown, OpClass};
use crate::comm::{self, Algorithm};
use crate::efficiency::Efficiency;
use crate::hardware::Hardware;
use crate::layout::Layout;
use crate::ops::{Costs, Shape, Sharded};
use crate::precision::{ComputePlan, Precisions};
use crate::{check_layout_with, PerfError};
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::model::Model;
use xpuscope_model::units::{Bytes, Seconds};

/// What activations are recomputed in backward instead of stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recompute {
    /// Store everything.
    None,
    /// Recompute the attention block (store its input only).
    Selective,
    /// Recompute whole layers (store each layer's input only).
    Full,
}

impl Recompute {
    /// All options.
    pub const ALL: [Recompute; 3] = [Recompute::None, Recompute::Selective, Recompute::Full];

    /// Name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Recompute::None => "none",
            Recompute::Selective => "selective",
            Recompute::Full => "full",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<Recompute> {
        Recompute::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A training configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Chips; must equal `tp x pp x dp x cp`.
    pub chips: u32,
    /// Parallel layout.
    pub layout: Layout,
    /// Virtual pipeline stages per chip (interleaved 1F1B).
    pub vp: u32,
    /// ZeRO stage 0-3 (FSDP is stage 3).
    pub zero: u8,
    /// Activation recomputation.
    pub recompute: Recompute,
    /// GEMM precision: BF16, or FP8 where the chip has it.
    pub precision: Precision,
    /// Tokens per sequence.
    pub seq_len: u64,
    /// Sequences per step across all replicas.
    pub global_batch: u64,
    /// Sequences per micro-batch per replica.
    pub micro_batch: u64,
    /// Usable fraction of memory capacity.
    pub usable_fraction: f64,
}

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

/// The answer for one training configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainResult {
    /// The configuration evaluated.
    pub config: TrainConfig,
    /// Time per optimizer step.
    pub step_time: Seconds,
    /// Tokens per second, all chips.
    pub tokens_per_s: f64,
    /// Model FLOPs utilisation against dense BF16 peak.
    pub mfu: f64,
    /// Hardware FLOPs utilisation (recomputation counted) against dense BF16 peak.
    pub hfu: f64,
    /// Memory on the fullest chip.
    pub memory: TrainMemory,
    /// Micro-batches per step per replica.
    pub micro_batches: u64,
    /// Share of the step lost to the pipeline bubble.
    pub bubble_fraction: f64,
    /// Time per step by part.
    pub parts: StepParts,
}

/// Where a step's time goes (per chip; the parts add up to the step time).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepParts {
    /// Forward and backward compute of all micro-batches.
    pub compute: Seconds,
    /// Recomputation.
    pub recompute: Seconds,
    /// Tensor-parallel collectives (not overlapped).
    pub tp_comm: Seconds,
    /// Expert-parallel all-to-all.
    pub ep_comm: Seconds,
    /// Context-parallel KV exchange not hidden under attention.
    pub cp_comm: Seconds,
    /// Pipeline point-to-point transfers.
    pub pp_comm: Seconds,
    /// Pipeline bubble.
    pub bubble: Seconds,
    /// Data-parallel gradient sync (and ZeRO-3 gathers) not hidden under compute.
    pub dp_comm: Seconds,
    /// Optimizer update.
    pub optimizer: Seconds,
}

impl StepParts {
    /// Sum of the parts.
    pub fn total(&self) -> Seconds {
        self.compute
            + self.recompute
            + self.tp_comm
            + self.ep_comm
            + self.cp_comm
            + self.pp_comm
            + self.bubble
            + self.dp_comm
            + self.optimizer
    }

    /// Communication time that is exposed (not hidden).
    pub fn comm(&self) -> Seconds {
        self.tp_comm + self.ep_comm + self.cp_comm + self.pp_comm + self.dp_comm
    }
}

/// Backward costs this many times the forward's compute: one GEMM for input gradients and one for
/// weight gradients per forward GEMM (the `6 N` = 2 N forward + 4 N backward of Kaplan et al.
/// 2020 and Narayanan et al. 2021).
const BACKWARD_FACTOR: f64 = 2.0;
/// Bytes per parameter of mixed-precision Adam: 2 (16-bit weights) + 2 (16-bit gradients) + 12
/// (FP32 master weights, momentum, variance); ZeRO (Rajbhandari et al. 2020), section 3.1.
const WEIGHT_BYTES: f64 = 2.0;
const GRAD_BYTES: f64 = 2.0;
const OPTIMIZER_BYTES: f64 = 12.0;

/// Model FLOPs per token for one training step (forward and backward), causal attention.
pub fn model_flops_per_token(model: &Model, seq_len: u64) -> f64 {
    let s = seq_len as f64;
    let dims = match model.mla {
        Some(m) => (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim) as f64 / 2.0,
        None => model.head_dim as f64,
    };
    let heads = model.heads as f64;
    let full = f64::from(model.layers - model.windowed_layers());
    let windowed = f64::from(model.windowed_layers());
    // Query-key pairs per token: s / 2 under a causal mask; w - w^2 / (2 s) within a window w < s.
    let full_pairs = s / 2.0;
    let window_pairs = model.sliding_window.map_or(full_pairs, |w| {
        let w = w.window as f64;
        if w < s {
            w - w * w / (2.0 * s)
        } else {
            full_pairs
        }
    });
    6.0 * model.active_parameters()
        + 12.0 * heads * dims * (full * full_pairs + windowed * window_pairs)
}

/// A prepared training evaluator: chip and plan resolved once, so a layout search evaluates
/// millions of layouts without allocating.
pub struct Trainer<'a> {
    hw: Hardware,
    plan: ComputePlan,
    costs: Costs,
    model: &'a Model,
    eff: Efficiency,
    flops_per_token: f64,
}

impl<'a> Trainer<'a> {
    /// Resolves the chip for a training precision.
    pub fn new(
        chip: &Chip,
        model: &'a Model,
        precision: Precision,
        seq_len: u64,
        eff: &Efficiency,
    ) -> Result<Trainer<'a>, PerfError> {
        if !matches!(
            precision,
            Precision::Bf16 | Precision::Fp16 | Precision::Fp8
        ) {
            return Err(PerfError::Precision {
                what: "training",
                precision: precision.as_str().into(),
                allowed: "bf16, fp16, fp8",
            });
        }
        let hw = Hardware::from_chip(chip, eff)?;
        let storage = Precisions {
            weights: precision,
            activations: precision,
            kv_cache: Precision::Bf16,
        };
        let plan = ComputePlan::new(&hw, storage, eff);
        let mut costs_plan = plan.clone();
        // Training keeps 16-bit master copies of activations and weights in memory traffic; FP8
        // only changes the GEMM rate (Transformer Engine casts on the fly).
        costs_plan.weight_bytes = 2.0;
        costs_plan.act_bytes = 2.0;
        let costs = Costs::new(&hw, &costs_plan, eff, crate::engine::Engine::Training);
        Ok(Trainer {
            hw,
            plan,
            costs,
            model,
            eff: *eff,
            flops_per_token: model_flops_per_token(model, seq_len),
        })
    }

    /// The resolved chip.
    pub fn hardware(&self) -> &Hardware {
        &self.hw
    }

    /// The model.
    pub fn model(&self) -> &'a Model {
        self.model
    }

    /// Notes from the precision plan (fallbacks).
    pub fn notes(&self) -> &[String] {
        &self.plan.notes
    }

    /// Checks a configuration's degrees against the model, the chips and the batch.
    pub fn check(&self, cfg: &TrainConfig) -> Result<(), PerfError> {
        let l = &cfg.layout;
        let err = |s: String| Err(PerfError::Layout(s));
        check_layout_with(self.model, l, true)?;
        if cfg.chips > 1 {
            self.hw.require_link()?;
        }
        if l.chips() != cfg.chips {
            return err(format!(
                "tp {} x pp {} x dp {} x cp {} = {} chips, not the {} asked for",
                l.tp,
                l.pp,
                l.dp,
                l.cp,
                l.chips(),
                cfg.chips
            ));
        }
        if cfg.seq_len > crate::search::MAX_TOKENS || cfg.global_batch > crate::search::MAX_TOKENS {
            return err(format!(
                "sequence length {} or global batch {} is beyond any real run",
                cfg.seq_len, cfg.global_batch
            ));
        }
        if cfg.vp == 0 || cfg.micro_batch == 0 || cfg.seq_len == 0 || cfg.global_batch == 0 {
            return err(
                "vp, micro-batch, sequence length and global batch must be at least 1".into(),
            );
        }
        if cfg.vp > 1 && (l.pp == 1 || self.model.layers.div_ceil(l.pp) < cfg.vp) {
            return err(format!(
                "vp {} needs pp > 1 and at least one layer per virtual stage ({} layers on {} stages)",
                cfg.vp, self.model.layers, l.pp
            ));
        }
        if cfg.seq_len % u64::from(l.cp) != 0 {
            return err(format!(
                "cp {} does not divide the sequence length {}",
                l.cp, cfg.seq_len
            ));
        }
        let per_step = u64::from(l.dp) * cfg.micro_batch;
        if cfg.global_batch % per_step != 0 {
            return err(format!(
                "global batch {} does not divide into dp {} x micro-batch {} = {per_step} sequences per micro-step",
                cfg.global_batch, l.dp, cfg.micro_batch
            ));
        }
        if cfg.zero > 3 {
            return err(format!(
                "zero stage {} does not exist; use 0, 1, 2 or 3",
                cfg.zero
            ));
        }
        Ok(())
    }

    /// Parameters (elements) on the fullest chip, split into dense (replicated over `dp x cp`) and
    /// expert (replicated over expert-DP) parts.
    fn params_per_chip(&self, l: &Layout) -> (f64, f64) {
        let s = Sharded::new(self.model, *l);
        let m = self.model;
        let layers = f64::from(m.layers);
        let moe = f64::from(m.moe_layers());
        let stage = self.stage_fraction(l.pp);
        let mut dense =
            layers * s.attention_weights() + (layers - moe) * s.mlp_weights(m.ffn as f64);
        let mut experts = 0.0;
        if let Some(e) = m.moe {
            dense += moe * (s.shared_expert_weights() + m.hidden as f64 * f64::from(e.experts));
            experts = moe * s.expert_weights();
        }
        (dense * stage + s.embedding_weights(), experts * stage)
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
        let kv = match m.mla {
            Some(mla) => (mla.kv_lora_rank + mla.qk_rope_head_dim) as f64,
            None => 2.0 * (m.kv_heads * m.head_dim) as f64,
        };
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

    /// Share of the layers on the fullest stage: `ceil(layers / pp) / layers`. Stages need not be
    /// equal (Llama 3 405B ran 126 layers on 16 stages, Megatron's uneven first and last stages).
    pub fn stage_fraction(&self, pp: u32) -> f64 {
        let layers = self.model.layers;
        f64::from(layers.div_ceil(pp)) / f64::from(layers)
    }

    fn micro_batches(&self, cfg: &TrainConfig) -> u64 {
        cfg.global_batch / (u64::from(cfg.layout.dp) * cfg.micro_batch)
    }

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
            let kv = match m.mla {
                Some(mla) => (mla.kv_lora_rank + mla.qk_rope_head_dim) as f64,
                None => {
                    2.0 * (m.kv_heads * m.head_dim) as f64 / f64::from(l.tp).min(m.kv_heads as f64)
                }
            };
            let chunk = cfg.micro_batch as f64 * cfg.seq_len as f64 / f64::from(l.cp) * kv * 2.0;
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
        let slot =
            compute_micro + recompute + (tp_fwd + cp_fwd * 1.5) * 2.0 + ep_exposed + pp_per_micro;
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
                params * GRAD_BYTES,
                eff.collective_latency,
                Algorithm::Best,
            )
        };
        // ZeRO-3 keeps no full copy to all-gather after the step: only the reduce-scatter (half
        // an all-reduce) is left; its gathers are charged per micro-batch below.
        let step_share = if cfg.zero >= 3 { 0.5 } else { 1.0 };
        let dp_sync = (all_reduce(dense, l.dp * l.cp, l.tp)
            + all_reduce(experts, l.expert_dp(), l.tp * l.cp))
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
                / (self.hw.bandwidth * self.eff.memory);

        let parts = StepParts {
            compute: compute_micro * n_micro,
            recompute: recompute * n_micro,
            tp_comm: tp_fwd * 2.0 * n_micro,
            ep_comm: ep_exposed * n_micro,
            cp_comm: cp_fwd * 3.0 * n_micro,
            pp_comm: pp_per_micro * n_micro,
            bubble: slot * bubble_slots,
            dp_comm: dp_exposed,
            optimizer,
        };
        let step_time = parts.total();
        let tokens = cfg.global_batch as f64 * cfg.seq_len as f64;
        let chips = f64::from(l.chips());
        let peak = self.hw.peak(Precision::Bf16).get() * chips * step_time.get();
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
        let _ = stage;
        TrainResult {
            config: *cfg,
            step_time,
            tokens_per_s: tokens / step_time.get(),
            mfu: model_flops / peak,
            hfu: hardware_flops / peak,
            memory: self.memory(cfg),
            micro_batches: n_micro as u64,
            bubble_fraction: parts.bubble / step_time,
            parts,
        }
    }
}

/// Evaluates one configuration: the entry point for a single `train`.
pub fn train(
    chip: &Chip,
    model: &Model,
    cfg: &TrainConfig,
    eff: &Efficiency,
) -> Result<TrainResult, PerfError> {
    let t = Trainer::new(chip, model, cfg.precision, cfg.seq_len, eff)?;
    t.check(cfg)?;
    Ok(t.evaluate(cfg))
}
