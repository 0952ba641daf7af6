//! xpuscope's physics: how long inference requests, engine steps and training steps take on one
//! or many chips, and how much memory they need, from one operator cost model.
//!
//! `ops` costs a pass through the model operator by operator on one chip (a uniform batch, or an
//! engine step's mix of prefill chunks and decodes, [`StepShape`]); `infer` and `train` build
//! requests and training steps from passes; `search` searches training layouts; `micro` predicts
//! single kernels for validation; `efficiency` holds the few fitted parameters; `hardware` and
//! `precision` resolve a catalogue chip into rates once per evaluation. Quantities in public
//! signatures are unit types from `xpuscope_model::units`.
//!
//! What it deliberately does not do: no I/O (it takes domain types and returns typed values), no
//! output formats (text, JSON and charts live in the report and CLI crates), no export-control
//! rules, and no cost in dollars (that is `xpuscope-analysis`).

#![warn(missing_docs)]

pub mod breakdown;
pub mod comm;
pub mod efficiency;
pub mod engine;
pub mod hardware;
pub mod infer;
pub mod layout;
pub mod micro;
pub mod ops;
pub mod precision;
pub mod search;
pub mod train;

use xpuscope_model::units::Bytes;

pub use breakdown::{Bound, Breakdown, KernelCost, OpClass};
pub use efficiency::Efficiency;
pub use engine::Engine;
pub use infer::{infer, Batch, Evaluator, InferConfig, InferResult, DEFAULT_MAX_BATCH};
pub use layout::{check_layout, check_layout_with, Layout};
pub use ops::StepShape;
pub use precision::{ComputePlan, Precisions};
pub use train::StepParts;

/// Fraction of a chip's memory capacity the models let weights, KV cache and activations use, by
/// default, in inference and training alike. It is the serving engines' own default: vLLM's
/// `gpu_memory_utilization` defaults to 0.9, leaving the rest to the CUDA context, the allocator's
/// fragmentation and buffers no model counts.
pub const USABLE_MEMORY_FRACTION: f64 = 0.9;

/// Why a performance question has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PerfError {
    /// The chip lacks a number the model needs.
    #[error("chip `{chip}` has no `{field}` in the catalogue; add it in a file under --catalog DIR (see catalog/README.md)")]
    MissingSpec {
        /// Chip id.
        chip: String,
        /// The catalogue field.
        field: &'static str,
    },
    /// The chip's architecture is one the cost model does not describe (the catalogue says why).
    #[error("`{chip}` cannot be priced by the cost model: {reason}")]
    Unmodelled {
        /// Chip id.
        chip: String,
        /// The catalogue's sentence saying why.
        reason: String,
    },
    /// A precision the model cannot store in this role.
    #[error("{what} precision `{precision}` is not supported; use one of {allowed}")]
    Precision {
        /// Weights, activations or kv-cache.
        what: &'static str,
        /// What was asked.
        precision: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// Parallel degrees that do not divide the model or the chips.
    #[error("{0}")]
    Layout(String),
    /// Not even one sequence fits.
    #[error("`{model}` does not fit on `{chip}` with this layout: it needs {:.1} GiB per chip but {:.1} GiB is usable ({:.1} GiB short){}", needed.gib(), usable.gib(), (*needed - *usable).gib(), smallest_tp.map_or_else(|| "; no tensor-parallel degree up to 128 fits it, try pipeline stages or more memory".to_string(), |t| format!("; the smallest tensor-parallel degree that fits is --tp {t}")))]
    DoesNotFit {
        /// Model id.
        model: String,
        /// Chip id.
        chip: String,
        /// Bytes needed per chip at batch 1 per replica.
        needed: Bytes,
        /// Usable bytes per chip.
        usable: Bytes,
        /// The smallest TP that fits, if any.
        smallest_tp: Option<u32>,
    },
}

#[cfg(test)]
mod tests;
