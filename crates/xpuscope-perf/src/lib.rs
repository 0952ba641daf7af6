//! Performance models: inference and training on one or many chips, from one operator cost model.
//!
//! `ops` costs a pass through the model operator by operator on one chip; `infer` and `train`
//! build requests and training steps from passes; `efficiency` holds the few fitted parameters;
//! `hardware` and `precision` resolve a catalogue chip into rates once per evaluation.

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

pub use breakdown::{Bound, Breakdown, OpClass};
pub use efficiency::Efficiency;
pub use engine::Engine;
pub use infer::{infer, Batch, InferConfig, InferResult};
pub use layout::{check_layout, check_layout_with, Layout};
pub use precision::{ComputePlan, Precisions};

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
