//! `compare`: flags into options, the report layer's comparison printed, and the chart written.

use anyhow::{Context, Result};
use xpuscope_model::chip::Chip;
use xpuscope_report::options::CompareOptions;
use xpuscope_report::views::compare;

use super::{cost, json, Ctx, Output};
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
    if let Some(path) = &a.svg {
        let svg = xpuscope_report::charts::compare_svg(&view.comparison);
        std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if ctx.format == Output::Json {
        return json(&view);
    }
    let mut out = view.text();
    if let Some(path) = &a.svg {
        out.push_str(&format!("chart written to {}\n", path.display()));
    }
    Ok(out)
}
