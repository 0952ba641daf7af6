//! `web`: the loaded catalogue handed to the web server, which runs until Ctrl-C or SIGTERM.

use anyhow::{Context, Result};
use xpuscope_web::Settings;

use super::Ctx;
use crate::cli::WebArgs;

/// `xpuscope web`: serves until stopped, and prints nothing on stdout.
pub fn run(ctx: Ctx, a: &WebArgs) -> Result<String> {
    let settings = Settings {
        bind: a.bind,
        ..Settings::default()
    };
    xpuscope_web::run(ctx.catalog, settings)
        .with_context(|| format!("cannot serve on {}", a.bind))?;
    Ok(String::new())
}
