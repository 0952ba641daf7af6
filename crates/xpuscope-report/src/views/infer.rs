//! `infer`: one static-batch inference configuration as a view, and its text.
//!
//! It deliberately does no physics: every number is the library's [`InferResult`], at most divided
//! by the chip count for a per-chip figure.

use serde::Serialize;
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_perf::{Efficiency, InferConfig, InferResult, Layout};

use super::breakdown::BreakdownView;
use super::error_bar::ErrorBarView;
use crate::error::Result;
use crate::options::InferOptions;
use crate::table::{bytes, duration, num, sig};

/// Parallel degrees of an inference deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LayoutView {
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Data-parallel replicas.
    pub dp: u32,
    /// Expert-parallel degree.
    pub ep: u32,
}

impl LayoutView {
    /// The view of a layout.
    pub fn new(l: &Layout) -> LayoutView {
        LayoutView {
            tp: l.tp,
            pp: l.pp,
            dp: l.dp,
            ep: l.ep,
        }
    }
}

/// Memory on the fullest chip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct InferMemoryView {
    /// Weights after sharding.
    pub weights_bytes: f64,
    /// KV cache at full context.
    pub kv_cache_bytes: f64,
    /// Activation workspace.
    pub activations_bytes: f64,
    /// Capacity times the usable fraction.
    pub usable_bytes: f64,
    /// Physical capacity.
    pub capacity_bytes: f64,
}

/// Storage and compute precisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PrecisionView {
    /// Weight format.
    pub weights: &'static str,
    /// Activation format at GEMM inputs.
    pub activations: &'static str,
    /// KV-cache format.
    pub kv_cache: &'static str,
    /// The format the GEMMs compute in (after any fallback).
    pub gemm_compute: &'static str,
}

/// The prefill and the mean decode step.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PhasesView {
    /// The batch's prefill.
    pub prefill: BreakdownView,
    /// The mean decode step.
    pub decode_step: BreakdownView,
}

/// One inference answer (`xpuscope infer`, `POST /api/infer`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct InferView {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Engine profile.
    pub engine: &'static str,
    /// Chips in the deployment.
    pub chips: u32,
    /// Parallel degrees.
    pub layout: LayoutView,
    /// Concurrent sequences.
    pub batch: u64,
    /// Prompt tokens per sequence.
    pub input_len: u64,
    /// Generated tokens per sequence.
    pub output_len: u64,
    /// Time to first token.
    pub ttft_s: f64,
    /// Mean time per output token.
    pub tpot_s: f64,
    /// End-to-end time of the batch.
    pub e2e_s: f64,
    /// Output tokens per second of the whole deployment.
    pub output_tokens_per_s: f64,
    /// The same per chip.
    pub output_tokens_per_s_per_chip: f64,
    /// Everything the fullest chip holds.
    pub memory_per_chip_bytes: f64,
    /// What it holds.
    pub memory: InferMemoryView,
    /// Whether it fits in the usable memory.
    pub fits: bool,
    /// The largest batch that fits (up to the cap).
    pub max_batch_that_fits: u64,
    /// Precisions.
    pub precision: PrecisionView,
    /// The prefill and the mean decode step, by operator.
    pub breakdown: PhasesView,
    /// Fallbacks, caps and priors the answer rests on.
    pub notes: Vec<String>,
    /// How far measurements of the same kind have been from the model, on the throughput.
    pub error_bar: Option<ErrorBarView>,
}

/// Runs `infer` for a resolved chip and model.
pub fn infer(chip: &Chip, model: &Model, o: &InferOptions) -> Result<InferView> {
    let cfg = o.resolve()?;
    let r = xpuscope_perf::infer(chip, model, &cfg, &Efficiency::default())?;
    Ok(InferView::new(chip, model, &cfg, &r))
}

impl InferView {
    /// The view of one result.
    pub fn new(chip: &Chip, model: &Model, cfg: &InferConfig, r: &InferResult) -> InferView {
        let p = &r.plan;
        InferView {
            chip: chip.id.clone(),
            model: model.id.clone(),
            engine: cfg.engine.as_str(),
            chips: r.chips,
            layout: LayoutView::new(&cfg.layout),
            batch: r.batch,
            input_len: cfg.input_len,
            output_len: cfg.output_len,
            ttft_s: r.ttft.get(),
            tpot_s: r.tpot.get(),
            e2e_s: r.e2e.get(),
            output_tokens_per_s: r.output_tokens_per_s.get(),
            output_tokens_per_s_per_chip: r.output_tokens_per_s_per_chip().get(),
            memory_per_chip_bytes: r.memory.total().get(),
            memory: InferMemoryView {
                weights_bytes: r.memory.weights.get(),
                kv_cache_bytes: r.memory.kv_cache.get(),
                activations_bytes: r.memory.activations.get(),
                usable_bytes: r.memory.usable.get(),
                capacity_bytes: r.memory.capacity.get(),
            },
            fits: r.fits,
            max_batch_that_fits: r.max_fitting_batch,
            precision: PrecisionView {
                weights: p.storage.weights.as_str(),
                activations: p.storage.activations.as_str(),
                kv_cache: p.storage.kv_cache.as_str(),
                gemm_compute: p.gemm.as_str(),
            },
            breakdown: PhasesView {
                prefill: BreakdownView::new(&r.prefill),
                decode_step: BreakdownView::new(&r.decode),
            },
            notes: r.notes.clone(),
            error_bar: ErrorBarView::new(
                "inference",
                Some(cfg.engine.as_str()),
                model.moe.is_some(),
                "output_tokens_per_s",
                r.output_tokens_per_s.get(),
            ),
        }
    }

    /// The answer for people.
    pub fn text(&self) -> String {
        let l = &self.layout;
        let m = &self.memory;
        let p = &self.precision;
        let mut out = format!(
            "{} on {} x {} (tp {}, pp {}, dp {}, ep {}), batch {}, {} in + {} out tokens\n",
            self.model,
            self.chips,
            self.chip,
            l.tp,
            l.pp,
            l.dp,
            l.ep,
            self.batch,
            self.input_len,
            self.output_len
        );
        out.push_str(&format!(
            "precision: weights {}, activations {}, KV cache {}; GEMMs compute in {}\n\n",
            p.weights, p.activations, p.kv_cache, p.gemm_compute
        ));
        out.push_str(&format!(
            "  TTFT        {}   prefill of {} tokens, {}-bound\n",
            duration(self.ttft_s),
            num(self.batch as f64 * self.input_len as f64, 0),
            self.breakdown.prefill.bound
        ));
        out.push_str(&format!(
            "  TPOT        {}   mean decode step, {}-bound\n",
            duration(self.tpot_s),
            self.breakdown.decode_step.bound
        ));
        out.push_str(&format!("  end to end  {}\n", duration(self.e2e_s)));
        out.push_str(&format!(
            "  throughput  {} output tokens/s ({} per chip)\n",
            sig(self.output_tokens_per_s),
            sig(self.output_tokens_per_s_per_chip)
        ));
        out.push_str(&format!(
            "  memory      {} per chip of {} usable: weights {}, KV cache {}, activations {} ({})\n",
            bytes(self.memory_per_chip_bytes),
            bytes(m.usable_bytes),
            bytes(m.weights_bytes),
            bytes(m.kv_cache_bytes),
            bytes(m.activations_bytes),
            if self.fits {
                format!("fits; up to batch {}", self.max_batch_that_fits)
            } else {
                format!(
                    "DOES NOT FIT; largest batch that fits: {}",
                    self.max_batch_that_fits
                )
            }
        ));
        out.push_str(&format!("\nprefill ({})\n", duration(self.ttft_s)));
        out.push_str(&self.breakdown.prefill.text());
        out.push_str(&format!("\ndecode step ({})\n", duration(self.tpot_s)));
        out.push_str(&self.breakdown.decode_step.text());
        if let Some(e) = &self.error_bar {
            out.push_str(&format!("\n{}\n", e.text()));
        }
        if !self.notes.is_empty() {
            out.push_str("\nnotes:\n");
            for n in &self.notes {
                out.push_str(&format!("  - {n}\n"));
            }
        }
        out
    }
}
