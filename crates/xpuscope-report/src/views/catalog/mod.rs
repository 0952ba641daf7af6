//! The catalogue as views: `chips` (filtered by vendor, country, datacenter; text, CSV or JSON)
//! and `chip ID` (spec sheets with provenance), `models` and
//! `model ID` (architectures with computed parameter counts).
//!
//! It deliberately looks nothing up and reads no files: the front end resolves ids (or loads a
//! Hugging Face config) and hands over the typed entries.

mod chip;
mod chips;
mod filter;
mod models;
mod sheet;

pub use chip::{rate_unit, ChipView, ScaleUpView};
pub use chips::ChipsView;
pub use filter::{ChipFilter, ChipFilterOptions};
pub use models::{MlaView, ModelView, ModelsView, MoeView, SlidingWindowView};
pub use sheet::{ProvenanceView, SourceView};
