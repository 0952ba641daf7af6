//! Typed result views, one module per command: each view is what the JSON of a command is (field
//! names carry their unit), and renders the same numbers as text for people.
//!
//! A view is built from the library's typed results and does no physics of its own; a front end
//! serialises it (CLI, HTTP) or converts it (Python) without touching its numbers.

pub mod breakdown;
pub mod catalog;
pub mod claims;
pub mod compare;
pub mod cost;
pub mod error_bar;
pub mod export;
pub mod infer;
pub mod plan;
pub mod roofline;
pub mod serve;
pub mod sweep;
pub mod train;
pub mod validate;

#[cfg(test)]
mod laws;
#[cfg(test)]
mod laws_more;
