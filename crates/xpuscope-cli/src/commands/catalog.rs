//! `chips`, `chip ID`, `models`, `model ID`: the catalogue entries looked up (or a config.json
//! loaded) and the report layer's views printed as text or JSON.

use anyhow::Result;
use xpuscope_report::views::catalog::{ChipView, ChipsView, ModelView, ModelsView};

use super::{json, Ctx};
use crate::cli::Format;

/// `xpuscope chips`.
pub fn chips(ctx: &Ctx) -> Result<String> {
    let view = ChipsView::new(ctx.catalog.chips());
    Ok(match ctx.format {
        Format::Json => json(&view)?,
        Format::Text => view.text(),
    })
}

/// `xpuscope chip ID`.
pub fn chip(ctx: &Ctx, id: &str) -> Result<String> {
    let view = ChipView::new(ctx.catalog.chip(id)?);
    Ok(match ctx.format {
        Format::Json => json(&view)?,
        Format::Text => view.text(),
    })
}

/// `xpuscope models`.
pub fn models(ctx: &Ctx) -> Result<String> {
    let view = ModelsView::new(ctx.catalog.models());
    Ok(match ctx.format {
        Format::Json => json(&view)?,
        Format::Text => view.text(),
    })
}

/// `xpuscope model ID-or-config.json`.
pub fn model(ctx: &Ctx, id: &str) -> Result<String> {
    let view = ModelView::new(&crate::load::model(&ctx.catalog, id)?);
    Ok(match ctx.format {
        Format::Json => json(&view)?,
        Format::Text => view.text(),
    })
}
