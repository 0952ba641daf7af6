//! `train`: flags into options, the report layer's answer printed as text or JSON, with a
//! progress bar on a terminal while a search runs.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use xpuscope_report::options::TrainOptions;
use xpuscope_report::views::train::{TrainJob, TrainView};

use super::{cost, json, Ctx};
use crate::cli::{FlagName, Format, TrainArgs};

/// The raw options the flags give.
fn options(a: &TrainArgs) -> TrainOptions {
    TrainOptions {
        chips: Some(a.chips),
        precision: Some(a.precision.name()),
        tp: a.tp,
        pp: a.pp,
        vp: a.vp,
        cp: a.cp,
        ep: a.ep,
        zero: a.zero,
        recompute: a.recompute.map(|r| r.name()),
        seq_len: Some(a.seq_len),
        global_batch: Some(a.global_batch),
        micro_batch: a.micro_batch,
        tokens: a.tokens,
        search: Some(a.search),
        memory_fraction: Some(a.memory_fraction),
        cost: cost::options(&a.cost),
    }
}

/// Runs the job, drawing a progress bar on stderr when it is a terminal and the job takes over
/// a second.
fn run_with_progress(job: &TrainJob) -> xpuscope_report::Result<TrainView> {
    let total = job.work();
    let done = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let show = total > 0 && std::io::stderr().is_terminal();
    let bar = show.then(|| {
        let done = Arc::clone(&done);
        let finished = Arc::clone(&finished);
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut drawn = false;
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if start.elapsed() < Duration::from_secs(1) {
                    continue;
                }
                let d = done.load(Ordering::Relaxed);
                let width = 30usize;
                let filled = (d as usize * width)
                    .checked_div(total as usize)
                    .unwrap_or(width);
                eprint!(
                    "\rsearching layouts [{}{}] {d}/{total}",
                    "#".repeat(filled),
                    " ".repeat(width - filled.min(width))
                );
                drawn = true;
            }
            if drawn {
                eprint!("\r{}\r", " ".repeat(60));
            }
        })
    });
    let out = job.run(Some(&done));
    finished.store(true, Ordering::Relaxed);
    if let Some(h) = bar {
        let _ = h.join();
    }
    out
}

/// `xpuscope train`.
pub fn run(ctx: &Ctx, a: &TrainArgs) -> Result<String> {
    let chip = ctx.catalog.chip(&a.chip)?;
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    let job = TrainJob::new(chip, &model, &options(a))?;
    let view = run_with_progress(&job)?;
    Ok(match ctx.format {
        Format::Json => json(&view)?,
        Format::Text => view.text(),
    })
}
