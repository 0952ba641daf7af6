//! `validate`: the report layer's validation of every built-in measurement, printed as text or
//! JSON.

use anyhow::Result;
use xpuscope_report::views::validate;

use super::{json, Ctx, Output};

/// `xpuscope validate`.
pub fn run(ctx: &Ctx) -> Result<String> {
    let view = validate::validate(&ctx.catalog)?;
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}
