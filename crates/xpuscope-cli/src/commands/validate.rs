//! `validate`: the report layer's validation of every built-in measurement, printed as text or
//! JSON.

use anyhow::Result;
use xpuscope_report::views::validate;

use super::{json, Ctx};
use crate::cli::Format;

/// `xpuscope validate`.
pub fn run(ctx: &Ctx) -> Result<String> {
    let view = validate::validate(&ctx.catalog)?;
    Ok(match ctx.format {
        Format::Json => json(&view)?,
        Format::Text => view.text(),
    })
}
