//! One module per command. Each turns flags into options, calls the core, and renders the result as
//! text or JSON. `run` returns the output instead of printing it, so tests can check it.

mod catalog;
mod claims;
mod compare;
mod cost;
pub mod export;
mod infer;
mod roofline;
mod serve;
mod sweep;
pub mod train;
mod validate;
mod web;

use std::path::PathBuf;

use anyhow::Result;
use xpuscope_model::Catalog;

use crate::cli::{Args, Command, Format};

/// What every command gets: the loaded catalogue and the output format.
pub struct Ctx {
    pub catalog: Catalog,
    pub format: Format,
}

/// Runs one parsed command line and returns what to print.
pub fn run(args: Args) -> Result<String> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(env) = std::env::var_os(crate::load::CATALOG_ENV) {
        if !env.is_empty() {
            dirs.push(PathBuf::from(env));
        }
    }
    dirs.extend(args.catalog.iter().cloned());
    let ctx = Ctx {
        catalog: crate::load::catalog(&dirs)?,
        format: args.format,
    };
    match &args.command {
        Command::Chips => catalog::chips(&ctx),
        Command::Chip { id } => catalog::chip(&ctx, id),
        Command::Models => catalog::models(&ctx),
        Command::Model { id } => catalog::model(&ctx, id),
        Command::Validate => validate::run(&ctx),
        Command::Infer(a) => infer::run(&ctx, a),
        Command::Train(a) => train::run(&ctx, a),
        Command::Serve(a) => serve::run(&ctx, a),
        Command::Compare(a) => compare::run(&ctx, a),
        Command::Claims { file } => claims::run(&ctx, file),
        Command::Sweep(a) => sweep::run(&ctx, a),
        Command::Roofline(a) => roofline::run(&ctx, a),
        Command::Export(a) => export::run(&ctx, a),
        Command::Web(a) => web::run(ctx, a),
    }
}

/// Serialises a view as pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}
