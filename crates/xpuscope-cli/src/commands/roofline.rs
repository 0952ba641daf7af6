//! `roofline`: flags into options, the report layer's table printed and its chart written.

use anyhow::Result;
use xpuscope_model::chip::Chip;
use xpuscope_report::options::RooflineOptions;
use xpuscope_report::views::roofline::roofline;

use super::{with_chart, Ctx};
use crate::cli::{FlagName, RooflineArgs};

/// `xpuscope roofline`.
pub fn run(ctx: &Ctx, a: &RooflineArgs) -> Result<String> {
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    let chips: Vec<&Chip> = a
        .chips
        .iter()
        .map(|id| ctx.catalog.chip(id))
        .collect::<Result<_, _>>()?;
    let o = RooflineOptions {
        tp: Some(a.tp),
        weights: Some(a.weights.name()),
        batch: Some(a.batch),
        input_len: Some(a.input_len),
        output_len: Some(a.output_len),
    };
    let view = roofline(&chips, &model, &o)?;
    // The roofline's text ends in its table, so the chart line stands apart.
    with_chart(
        ctx,
        a.svg.as_deref(),
        || view.svg(),
        &view,
        || view.text() + "\n",
    )
}
