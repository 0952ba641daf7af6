//! `compare`: flags into options, the report layer's comparison printed, and the chart written.

use anyhow::Result;
use xpuscope_model::chip::Chip;
use xpuscope_report::options::CompareOptions;
use xpuscope_report::views::compare;

use super::{cost, with_chart, Ctx};
use crate::cli::{CompareArgs, FlagName};

/// The raw options the flags give.
fn options(a: &CompareArgs) -> CompareOptions {
    CompareOptions {
        chips: Some(a.infer_chips),
        train_chips: Some(a.train_chips),
        weights: Some(a.weights.name()),
        train_precision: Some(a.train_precision.name()),
        train_tokens: Some(a.train_tokens),
        engine: Some(a.engine.name()),
        cost: cost::options(&a.cost),
    }
}

/// `xpuscope compare`.
pub fn run(ctx: &Ctx, a: &CompareArgs) -> Result<String> {
    let chips: Vec<&Chip> = a
        .chips
        .iter()
        .map(|id| ctx.catalog.chip(id))
        .collect::<Result<_, _>>()?;
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    let view = compare::compare(&chips, &model, &options(a))?;
    with_chart(
        ctx,
        a.svg.as_deref(),
        || xpuscope_report::charts::compare_svg(&view.comparison),
        &view,
        || view.text(),
    )
}
