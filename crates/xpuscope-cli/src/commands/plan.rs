//! `plan`: flags into options, the report layer's plan printed, the Pareto chart written.

use std::sync::Arc;

use anyhow::Result;
use xpuscope_report::views::plan::{PlanJob, PlanOptions};

use super::{cost, with_chart, Ctx};
use crate::cli::PlanArgs;

/// The raw options the flags give.
fn options(a: &PlanArgs) -> PlanOptions {
    PlanOptions {
        chips: Some(a.chip.clone()),
        input_len: Some(a.input_len),
        output_len: Some(a.output_len),
        request_rate: a.request_rate,
        output_tokens_per_s: a.output_tokens_per_s,
        slo_ttft: Some(a.slo_ttft),
        slo_tpot: Some(a.slo_tpot),
        percentile: Some(a.percentile),
        max_chips: Some(a.max_chips),
        engines: Some(a.engine.clone()),
        disaggregate: Some(!a.no_disaggregate),
        heterogeneous: Some(!a.no_heterogeneous),
        buyable_in: a.buyable_in.clone(),
        date: a.date.clone(),
        max_power_kw: a.max_power_kw,
        budget: a.budget,
        top: Some(a.top),
        seed: Some(a.seed),
        requests_per_rank: None,
        max_simulations: Some(a.max_simulations),
        cost: cost::options(&a.cost),
    }
}

/// `xpuscope plan`.
pub fn run(ctx: &Ctx, a: &PlanArgs) -> Result<String> {
    let model = Arc::new(crate::load::model(&ctx.catalog, &a.model)?);
    let job = PlanJob::new(&ctx.catalog, model, &options(a))?;
    let view = crate::progress::with_bar(job.work(), "planning", |done| job.run(Some(done)))?;
    with_chart(ctx, a.svg.as_deref(), || view.svg(), &view, || view.text())
}
