//! Turns raw catalogue structs into validated domain types, collecting every problem at once.
//!
//! Each problem becomes a [`CatalogIssue`](super::CatalogIssue) naming the file, line, entry and
//! field. Validation never stops at the first problem, and never panics on any input. The shared
//! context ([`ValidationContext`], [`line_of`]) is public so that other readers of catalogue-style
//! TOML (the export rules) report problems the same way; the field readers (`fields`) and the
//! entry validators (`chip`, `model`) are this catalogue's own schema.
//!
//! It does not parse TOML (`super::parse_file` does) or decide which entry wins when two files
//! define the same id (`super::Catalog::from_files`).

mod chip;
mod context;
mod fields;
mod kernels;
mod model;

pub use chip::chip;
pub use context::{line_of, ValidationContext};
pub use kernels::{allreduce, gemm, stream};
pub use model::model;
