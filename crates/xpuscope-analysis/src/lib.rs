//! xpuscope-analysis: the questions people ask, answered from the physics and the export rules.
//!
//! `compare` runs a workload suite over chips and gives ratios and cost per token; `cost` prices a
//! chip-hour from price, power and hosting; `claims` checks public statements against both;
//! `calibration` predicts the public measurements in `catalog/calibration/` and reports the errors.
//!
//! It deliberately prices nothing itself and knows no output format: every time comes from
//! `xpuscope-perf` (serving under load from `xpuscope-serve`), every classification from
//! `xpuscope-export`, and the views live in `xpuscope-report`.

#![warn(missing_docs)]

pub mod calibration;
pub mod claims;
pub mod compare;
pub mod cost;
pub mod plan;
