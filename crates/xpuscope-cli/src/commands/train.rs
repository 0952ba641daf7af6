//! `train`: flags into options, the report layer's answer printed as text or JSON, with a
//! progress bar on a terminal while a long search runs.

use anyhow::Result;
use xpuscope_report::options::TrainOptions;
use xpuscope_report::views::train::TrainJob;

use super::{cost, json, Ctx, Output};
use crate::cli::{FlagName, TrainArgs};

/// The raw options the flags give.
fn options(a: &TrainArgs) -> TrainOptions {
    TrainOptions {
        chips: Some(a.chips),
        precision: Some(a.precision.name()),
        tp: a.tp,
        pp: a.pp,
        vp: a.vp,
        cp: a.cp,
        ep: a.ep,
        zero: a.zero,
        recompute: a.recompute.map(|r| r.name()),
        seq_len: Some(a.seq_len),
        global_batch: Some(a.global_batch),
        micro_batch: a.micro_batch,
        tokens: a.tokens,
        search: Some(a.search),
        memory_fraction: Some(a.memory_fraction),
        cost: cost::options(&a.cost),
    }
}

/// `xpuscope train`.
pub fn run(ctx: &Ctx, a: &TrainArgs) -> Result<String> {
    let chip = ctx.catalog.chip(&a.chip)?;
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    let job = TrainJob::new(chip, &model, &options(a))?;
    let view =
        crate::progress::with_bar(job.work(), "searching layouts", |done| job.run(Some(done)))?;
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}
