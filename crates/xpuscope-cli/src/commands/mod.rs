//! One module per command. Each turns flags into options, calls the core, and renders the result as
//! text or JSON. `run` returns the output instead of printing it, so tests can check it.

mod catalog;
mod claims;
mod compare;
mod cost;
pub mod export;
mod infer;
mod plan;
mod roofline;
mod serve;
mod sweep;
pub mod train;
mod validate;
mod web;

use anyhow::{bail, Result};
use xpuscope_model::Catalog;

use crate::cli::{Args, Command, Format};

/// The output of a command other than `chips --format csv`: text for people or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Aligned tables (for `sweep`, CSV, its text form).
    Text,
    /// JSON.
    Json,
}

/// What every command gets: the loaded catalogue and the output format.
pub struct Ctx {
    pub catalog: Catalog,
    pub format: Output,
}

/// Runs one parsed command line and returns what to print.
pub fn run(args: Args) -> Result<String> {
    let csv = args.format == Format::Csv;
    if csv && !matches!(args.command, Command::Chips(_) | Command::Sweep(_)) {
        bail!("--format csv is for `chips` and `sweep`; use --format text or --format json here");
    }
    let ctx = Ctx {
        catalog: crate::load::catalog(&crate::load::catalog_dirs(&args.catalog))?,
        // `sweep`'s text output is CSV.
        format: if args.format == Format::Json {
            Output::Json
        } else {
            Output::Text
        },
    };
    match &args.command {
        Command::Chips(a) => catalog::chips(&ctx, a, csv),
        Command::Chip { id } => catalog::chip(&ctx, id),
        Command::Models => catalog::models(&ctx),
        Command::Model { id } => catalog::model(&ctx, id),
        Command::Validate => validate::run(&ctx),
        Command::Infer(a) => infer::run(&ctx, a),
        Command::Train(a) => train::run(&ctx, a),
        Command::Serve(a) => serve::run(&ctx, a),
        Command::Plan(a) => plan::run(&ctx, a),
        Command::Compare(a) => compare::run(&ctx, a),
        Command::Claims { file } => claims::run(&ctx, file),
        Command::Sweep(a) => sweep::run(&ctx, a),
        Command::Roofline(a) => roofline::run(&ctx, a),
        Command::Export(a) => export::run(&ctx, a),
        Command::Web(a) => web::run(ctx, a),
    }
}

/// Writes `svg` to `path` when one is given, then prints `view` as JSON or `text`, saying where
/// the chart went.
pub fn with_chart<V: serde::Serialize>(
    ctx: &Ctx,
    path: Option<&std::path::Path>,
    svg: impl FnOnce() -> String,
    view: &V,
    text: impl FnOnce() -> String,
) -> Result<String> {
    use anyhow::Context as _;
    if let Some(path) = path {
        std::fs::write(path, svg())
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if ctx.format == Output::Json {
        return json(view);
    }
    let mut out = text();
    if let Some(path) = path {
        out.push_str(&format!("chart written to {}\n", path.display()));
    }
    Ok(out)
}

/// Serialises a view as pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}
