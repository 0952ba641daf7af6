//! `claims FILE`: the file read, the report layer's verdicts printed as text or JSON.

use std::path::Path;

use anyhow::Result;
use xpuscope_report::views::claims;

use super::{json, Ctx, Output};

/// `xpuscope claims FILE`.
pub fn run(ctx: &Ctx, file: &Path) -> Result<String> {
    let name = file.display().to_string();
    let text = crate::load::text_file(file, crate::load::TEXT_LIMIT_BYTES, "claims file")?;
    let view = claims::claims(&ctx.catalog, &name, &text)?;
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}
