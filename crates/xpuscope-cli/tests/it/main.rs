//! The CLI integration tests: one binary, one module per command.

mod bad;
mod catalog;
mod export;
mod hardening;
mod perf;
mod plan;
mod serve;
mod suite;
mod util;
mod views;
mod web;
