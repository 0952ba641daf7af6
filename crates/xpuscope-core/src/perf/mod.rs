//! Performance models: inference and training on one or many chips, from one operator cost model.
//!
//! `ops` costs a pass through the model operator by operator on one chip; `infer` and `train`
//! build requests and training steps from passes; `efficiency` holds the few fitted parameters;
//! `hardware` and `precision` resolve a catalogue chip into rates once per evaluation.

pub mod comm;
pub mod efficiency;
pub mod engine;
pub mod hardware;
pub mod infer;
pub mod micro;
pub mod ops;
pub mod precision;
pub mod search;
pub mod train;

use crate::model::Model;
use crate::units::Bytes;

pub use efficiency::Efficiency;
pub use engine::Engine;
pub use infer::{infer, Batch, InferConfig, InferResult};
pub use ops::{Bound, Breakdown, Layout, OpClass};
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

/// Checks that a layout's degrees divide the model: heads by TP, layers by PP, experts by EP,
/// and that EP divides the chips of a stage.
pub fn check_layout(model: &Model, l: &Layout) -> Result<(), PerfError> {
    check_layout_with(model, l, false)
}

/// As [`check_layout`]; with `uneven_stages`, PP need only be at most the layer count (training
/// frameworks give the first and last stages fewer layers).
pub fn check_layout_with(model: &Model, l: &Layout, uneven_stages: bool) -> Result<(), PerfError> {
    let err = |s: String| Err(PerfError::Layout(s));
    for (name, v) in [
        ("tp", l.tp),
        ("pp", l.pp),
        ("dp", l.dp),
        ("ep", l.ep),
        ("cp", l.cp),
    ] {
        if v == 0 {
            return err(format!("{name} must be at least 1"));
        }
    }
    let id = &model.id;
    if model.heads % u64::from(l.tp) != 0 {
        return err(format!(
            "tp {} does not divide the {} attention heads of `{id}`; use a divisor of {}",
            l.tp, model.heads, model.heads
        ));
    }
    let kv = model.kv_heads;
    let tp = u64::from(l.tp);
    if model.mla.is_none() && ((tp < kv && kv % tp != 0) || (tp > kv && tp % kv != 0)) {
        return err(format!(
            "tp {} does not divide the {kv} KV heads of `{id}` (nor is it a multiple of them)",
            l.tp
        ));
    }
    if uneven_stages && l.pp > model.layers {
        return err(format!(
            "pp {} is more than the {} layers of `{id}`",
            l.pp, model.layers
        ));
    }
    if !uneven_stages && model.layers % l.pp != 0 {
        return err(format!(
            "pp {} does not divide the {} layers of `{id}`",
            l.pp, model.layers
        ));
    }
    if l.ep > 1 {
        let Some(moe) = model.moe else {
            return err(format!(
                "ep {} applies to mixture-of-experts models; `{id}` has no experts",
                l.ep
            ));
        };
        if moe.experts % l.ep != 0 {
            return err(format!(
                "ep {} does not divide the {} experts of `{id}`",
                l.ep, moe.experts
            ));
        }
        let stage = l.tp * l.dp * l.cp;
        if stage % l.ep != 0 {
            return err(format!(
                "ep {} does not divide the {stage} chips of a pipeline stage (tp x dp{} = {stage}); experts are split across them",
                l.ep,
                if l.cp > 1 { " x cp" } else { "" }
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
