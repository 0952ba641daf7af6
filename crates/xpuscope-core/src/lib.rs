//! xpuscope-core: the pure model behind the `xpuscope` tool.
//!
//! It answers, with numbers, what an AI accelerator delivers for a model, how chips compare, what
//! they cost and how US export rules classify them. It takes catalogue text and returns typed values:
//! it reads no files, prints nothing and knows nothing of the command line. See ARCHITECTURE.md.

pub mod calibration;
pub mod catalog;
pub mod chip;
pub mod claims;
pub mod compare;
pub mod cost;
pub mod export;
pub mod model;
pub mod numfmt;
pub mod perf;
pub mod sourced;
pub mod units;

pub use catalog::{Catalog, CatalogError, CatalogFile, CatalogIssue, UnknownId};
pub use chip::{Chip, Date, Precision};
pub use model::Model;
pub use sourced::{Grade, Source, Sourced};
