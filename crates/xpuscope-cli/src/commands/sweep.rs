//! `sweep`: flags into options, every point evaluated by the report layer on all cores, rows
//! printed as CSV (`--format text`) or JSON lines, and `--svg FILE` drawn as a heat map.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::AtomicU64;

use anyhow::{Context, Result};
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_report::options::BatchOption;
use xpuscope_report::views::sweep::{SweepJob, SweepKind, SweepOptions};

use super::{Ctx, Output};
use crate::cli::{FlagName, SweepArgs, SweepKind as KindArg};

/// The raw options the flags give.
fn options(a: &SweepArgs) -> SweepOptions {
    SweepOptions {
        kind: match a.kind {
            KindArg::Infer => SweepKind::Infer,
            KindArg::Train => SweepKind::Train,
            KindArg::Serve => SweepKind::Serve,
        },
        tp: a.tp.clone(),
        pp: a.pp.clone(),
        ep: a.ep.clone(),
        dp: a.dp.clone(),
        batch: a.batch.iter().cloned().map(BatchOption::Word).collect(),
        input_len: a.input_len.clone(),
        output_len: a.output_len.clone(),
        weights: a.weights.iter().map(FlagName::name).collect(),
        kv_cache: Some(a.kv_cache.name()),
        engine: Some(a.engine.name()),
        chip_count: a.chip_count.clone(),
        seq_len: a.seq_len.clone(),
        global_batch: a.global_batch.clone(),
        precision: Some(a.precision.name()),
        concurrency: a.concurrency.clone(),
        serve_engine: Some(a.serve_engine.name()),
    }
}

/// Writes the heat map; saying where only on a terminal, as stdout carries the rows.
fn write_svg(path: &Path, svg: &str) -> Result<()> {
    std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
    if std::io::stderr().is_terminal() {
        eprintln!("chart written to {}", path.display());
    }
    Ok(())
}

/// `xpuscope sweep`.
pub fn run(ctx: &Ctx, a: &SweepArgs) -> Result<String> {
    let chips: Vec<&Chip> = a
        .chips
        .iter()
        .map(|c| ctx.catalog.chip(c))
        .collect::<Result<_, _>>()?;
    let models: Vec<Model> = a
        .models
        .iter()
        .map(|m| crate::load::model(&ctx.catalog, m))
        .collect::<Result<_>>()?;
    let job = SweepJob::new(&chips, &models, &options(a))?;
    if let Some(path) = &a.svg {
        // The heat map needs every row at once.
        let rows = crate::progress::with_bar(job.len() as u64, "sweep", |done| job.run(done));
        write_svg(path, &xpuscope_report::svg::heat_map(&job.heat_map(&rows)))?;
        return Ok(match ctx.format {
            Output::Json => rows.json_lines(),
            Output::Text => rows.csv(),
        });
    }
    // Without a chart, rows stream out chunk by chunk: the first arrive at once, and memory
    // holds one chunk, whatever the sweep's size.
    crate::progress::with_bar(job.len() as u64, "sweep", |done| {
        stream(&job, ctx.format, done)
    })?;
    Ok(String::new())
}

/// Points evaluated and written at a time.
const CHUNK: usize = 4096;

/// Writes the sweep's rows to stdout as they are evaluated; a closed pipe ends it quietly.
fn stream(job: &SweepJob, format: Output, done: &AtomicU64) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let mut first = true;
    let mut start = 0;
    while start < job.len() {
        let end = (start + CHUNK).min(job.len());
        let rows = job.run_range(start..end, done);
        let mut text = String::new();
        if first && format == Output::Text {
            text.push_str(&rows.csv_header());
        }
        first = false;
        text.push_str(&match format {
            Output::Json => rows.json_lines(),
            Output::Text => rows.csv_rows(),
        });
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(e).context("cannot write the sweep's rows"),
        }
        start = end;
    }
    Ok(())
}
