//! `infer`: flags into options, the report layer's answer printed as text or JSON.

use anyhow::Result;
use xpuscope_report::options::{BatchOption, InferOptions};
use xpuscope_report::views::infer;

use super::{json, Ctx, Output};
use crate::cli::{FlagName, InferArgs};

/// The raw options the flags give.
pub fn options(a: &InferArgs) -> InferOptions {
    InferOptions {
        tp: Some(a.deploy.tp),
        pp: Some(a.deploy.pp),
        ep: Some(a.deploy.ep),
        dp: Some(a.deploy.dp),
        weights: Some(a.deploy.weights.name()),
        activations: a.activations.map(|p| p.name()),
        kv_cache: Some(a.deploy.kv_cache.name()),
        input_len: Some(a.input_len),
        output_len: Some(a.output_len),
        batch: Some(BatchOption::Word(a.batch.clone())),
        max_batch: Some(a.max_batch),
        memory_fraction: Some(a.memory_fraction),
        engine: Some(a.engine.name()),
    }
}

/// `xpuscope infer`.
pub fn run(ctx: &Ctx, a: &InferArgs) -> Result<String> {
    let chip = ctx.catalog.chip(&a.deploy.chip)?;
    let model = crate::load::model(&ctx.catalog, &a.deploy.model)?;
    let view = infer::infer(chip, &model, &options(a))?;
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}
