//! Training: step time, throughput, MFU and memory per chip for a parallel layout.
//!
//! One cost model with inference: a micro-batch's forward is `ops::Sharded::forward` over the
//! training shape; backward costs twice the forward's compute (input and weight gradients) and the
//! same communication again; recomputation adds forward work back. The pipeline runs 1F1B with
//! `vp` virtual stages: `(micro_batches + (pp - 1) / vp)` micro-batch slots per step. Data-parallel
//! gradient synchronisation overlaps backward up to `Efficiency::comm_overlap`.
//!
//! `memory` holds what a chip stores, `step` the step time, `flops` the model FLOPs behind MFU.
//! This module does not search layouts (see `search`) and knows nothing of cost in dollars.

mod flops;
mod memory;
mod step;

pub use flops::model_flops_per_token;
pub use memory::TrainMemory;

use crate::breakdown::Bound;
use crate::efficiency::Efficiency;
use crate::hardware::Hardware;
use crate::layout::Layout;
use crate::ops::Costs;
use crate::precision::{ComputePlan, Precisions};
use crate::{check_layout_with, PerfError};
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::model::Model;
use xpuscope_model::units::{Seconds, TokensPerSecond};

/// The largest sequence length or batch the models accept: far beyond any real run, small enough
/// that products of them stay exact in floating point.
pub const MAX_TOKENS: u64 = 1 << 40;

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

impl TrainConfig {
    /// The layout as one short label: `tp8 pp16 vp2 cp2 dp64 ep8 zero1 rc:none mb1` (virtual
    /// stages, context and expert parallelism appear only when above 1).
    pub fn label(&self) -> String {
        let l = self.layout;
        let mut s = format!("tp{} pp{}", l.tp, l.pp);
        if self.vp > 1 {
            s.push_str(&format!(" vp{}", self.vp));
        }
        if l.cp > 1 {
            s.push_str(&format!(" cp{}", l.cp));
        }
        s.push_str(&format!(" dp{}", l.dp));
        if l.ep > 1 {
            s.push_str(&format!(" ep{}", l.ep));
        }
        s.push_str(&format!(
            " zero{} rc:{} mb{}",
            self.zero,
            self.recompute.as_str(),
            self.micro_batch
        ));
        s
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
    pub tokens_per_s: TokensPerSecond,
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

impl TrainResult {
    /// Training tokens per second per chip.
    pub fn tokens_per_s_per_chip(&self) -> TokensPerSecond {
        self.tokens_per_s / f64::from(self.config.chips)
    }
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

    /// What bounds the step: [`Bound::Communication`] when exposed communication takes longer
    /// than forward and backward compute, else [`Bound::Compute`] (the training analogue of
    /// `Breakdown::bound`, which the comparison's "bound" column reads).
    pub fn bound(&self) -> Bound {
        if self.comm() > self.compute {
            Bound::Communication
        } else {
            Bound::Compute
        }
    }
}

/// Backward costs this many times the forward's compute: one GEMM for input gradients and one for
/// weight gradients per forward GEMM (the `6 N` = 2 N forward + 4 N backward of Kaplan et al.
/// 2020 and Narayanan et al. 2021).
pub(crate) const BACKWARD_FACTOR: f64 = 2.0;
/// Bytes per parameter of mixed-precision Adam: 2 (16-bit weights) + 2 (16-bit gradients) + 12
/// (FP32 master weights, momentum, variance); ZeRO (Rajbhandari et al. 2020), section 3.1.
pub(crate) const WEIGHT_BYTES: f64 = 2.0;
/// 16-bit gradients (see [`WEIGHT_BYTES`]).
pub(crate) const GRAD_BYTES: f64 = 2.0;
/// FP32 master weights, momentum and variance (see [`WEIGHT_BYTES`]).
pub(crate) const OPTIMIZER_BYTES: f64 = 12.0;

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
        if cfg.seq_len > MAX_TOKENS || cfg.global_batch > MAX_TOKENS {
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

    /// Share of the layers on the fullest stage: `ceil(layers / pp) / layers`. Stages need not be
    /// equal (Llama 3 405B ran 126 layers on 16 stages, Megatron's uneven first and last stages).
    pub fn stage_fraction(&self, pp: u32) -> f64 {
        let layout = Layout {
            pp,
            ..Layout::SINGLE
        };
        crate::ops::Sharded::new(self.model, layout).stage_fraction()
    }

    fn micro_batches(&self, cfg: &TrainConfig) -> u64 {
        cfg.global_batch / (u64::from(cfg.layout.dp) * cfg.micro_batch)
    }
}
