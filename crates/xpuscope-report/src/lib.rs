//! xpuscope-report: what every front end shows, and how every front end's inputs become a
//! configuration.
//!
//! Views are typed `Serialize` structs whose field names carry their unit (`ttft_s`,
//! `memory_per_chip_bytes`); the same view is written as JSON by the CLI, returned by the HTTP API
//! and handed to Python. Text tables and SVG charts render the same views for people. The options
//! layer turns raw inputs (flags, a query string, keyword arguments) into validated
//! configurations with one set of defaults.
//!
//! It deliberately does no I/O and computes no physics: numbers come from the library crates, and
//! the front ends decide where the bytes go.

#![warn(missing_docs)]

pub mod charts;
pub mod error;
pub mod options;
pub mod svg;
pub mod table;
pub mod views;

pub use error::{Error, Result};
