//! xpuscope-model: the facts xpuscope reasons about, as validated, sourced domain types.
//!
//! Units (`Bytes`, `Seconds`, ...), sourced values with their grade, chips, models, the catalogue
//! (TOML text compiled in by `build.rs`, plus whatever text a front end hands it) and the Hugging
//! Face `config.json` loader.
//!
//! It deliberately does no I/O and no arithmetic about performance, export rules or cost: it
//! takes text and returns typed values, so every layer above can trust what it gets.

#![warn(missing_docs)]

pub mod catalog;
pub mod chip;
#[cfg(any(test, feature = "fuzz-like"))]
pub mod fuzz_like;
pub mod layers;
pub mod model;
pub mod numfmt;
pub mod sourced;
pub mod units;

pub use catalog::{Catalog, CatalogError, CatalogFile, CatalogIssue, UnknownId};
pub use chip::{Chip, Date, Precision};
pub use model::Model;
pub use sourced::{Grade, Source, Sourced};
