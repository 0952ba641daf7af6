//! `chips`, `chip ID`, `models`, `model ID`: the catalogue entries looked up (or a config.json
//! loaded) and the report layer's views printed as text or JSON.

use anyhow::Result;
use xpuscope_report::views::catalog::{
    ChipFilter, ChipFilterOptions, ChipView, ChipsView, ModelView, ModelsView,
};

use super::{json, Ctx, Output};
use crate::cli::ChipsArgs;

/// `xpuscope chips [--vendor V] [--country C] [--datacenter]`, as text, CSV or JSON.
pub fn chips(ctx: &Ctx, a: &ChipsArgs, csv: bool) -> Result<String> {
    let options = ChipFilterOptions {
        vendor: a.vendor.clone(),
        country: a.country.clone(),
        datacenter: a.datacenter,
    };
    let chips = ctx.catalog.chips();
    let view = ChipsView::filtered(chips, &ChipFilter::new(&options, chips)?);
    Ok(match ctx.format {
        _ if csv => view.csv(),
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}

/// `xpuscope chip ID`.
pub fn chip(ctx: &Ctx, id: &str) -> Result<String> {
    let view = ChipView::new(ctx.catalog.chip(id)?);
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}

/// `xpuscope models`.
pub fn models(ctx: &Ctx) -> Result<String> {
    let view = ModelsView::new(ctx.catalog.models());
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}

/// `xpuscope model ID-or-config.json`.
pub fn model(ctx: &Ctx, id: &str) -> Result<String> {
    let view = ModelView::new(&crate::load::model(&ctx.catalog, id)?);
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}
