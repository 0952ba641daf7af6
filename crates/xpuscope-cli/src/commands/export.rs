//! `xpuscope export`: flags into the report layer's export options, the clock read for the
//! default date, and the classification, timeline or design to threshold printed as text or JSON.
//! The export crate decides and the report layer renders; every output carries the disclaimer.

use anyhow::{bail, Result};
use xpuscope_report::views::export::{self, DesignOptions, ExportOptions};

use super::{json, Ctx, Output};
use crate::cli::ExportArgs;

/// `xpuscope export ...`.
pub fn run(ctx: &Ctx, args: &ExportArgs) -> Result<String> {
    if args.design {
        let spec = DesignOptions {
            date: args.date.clone(),
            die_area_mm2: args.die_area_mm2,
            datacenter: args.datacenter,
            memory_bandwidth_gbs: args.memory_bandwidth_gbs,
        }
        .resolve(crate::load::today())?;
        let view = export::design(&spec)?;
        return Ok(match ctx.format {
            Output::Json => json(&view)?,
            Output::Text => view.text(),
        });
    }
    let query = ExportOptions {
        date: args.date.clone(),
        set: args.set.clone(),
    }
    .resolve(crate::load::today())?;
    let Some(id) = &args.chip else {
        bail!("give a chip id, or --design with --die-area-mm2");
    };
    let chip = ctx.catalog.chip(id)?;
    if args.timeline {
        let view = export::timeline(chip, &query)?;
        return Ok(match ctx.format {
            Output::Json => json(&view)?,
            Output::Text => view.text(),
        });
    }
    let view = export::classification(chip, &query)?;
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}
