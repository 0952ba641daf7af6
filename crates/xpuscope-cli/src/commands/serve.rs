//! `serve`: flags into options, the report layer's simulation printed, the timeline written.

use std::sync::Arc;

use anyhow::{Context, Result};
use xpuscope_report::options::InferOptions;
use xpuscope_report::views::serve::{ServeJob, ServeOptions, TraceText};

use super::{json, Ctx, Output};
use crate::cli::{FlagName, ServeArgs};

/// Steps a timeline keeps at most: enough for any run a person would plot.
const TIMELINE_STEPS: usize = 1_000_000;

/// The raw options the flags give.
fn options(a: &ServeArgs) -> ServeOptions {
    ServeOptions {
        deployment: InferOptions {
            tp: Some(a.deploy.tp),
            pp: Some(a.deploy.pp),
            ep: Some(a.deploy.ep),
            dp: Some(a.deploy.dp),
            weights: Some(a.deploy.weights.name()),
            kv_cache: Some(a.deploy.kv_cache.name()),
            // A trace's lengths replace these; they only need to be valid.
            input_len: Some(a.input_len.unwrap_or(1)),
            output_len: Some(a.output_len.unwrap_or(1)),
            ..InferOptions::default()
        },
        engine: Some(a.engine.name()),
        max_num_seqs: a.max_num_seqs,
        max_num_tokens: a.max_num_tokens,
        memory_fraction: a.memory_fraction,
        length_range: a.length_range,
        concurrency: a.concurrency,
        request_rate: a.request_rate,
        burstiness: a.burstiness,
        offline: Some(a.offline),
        requests: Some(a.requests),
        seed: Some(a.seed),
        slo_ttft: a.slo_ttft,
        slo_tpot: a.slo_tpot,
        timeline_steps: a.timeline.as_ref().map(|_| TIMELINE_STEPS),
        trace: None,
        warmup: Some(a.warmup),
        speculative_tokens: a.speculative_tokens,
        acceptance: a.acceptance,
        disaggregate: Some(a.disaggregate),
        prefill_chips: a.prefill_chips,
        decode_chips: a.decode_chips,
    }
}

/// `xpuscope serve`.
pub fn run(ctx: &Ctx, a: &ServeArgs) -> Result<String> {
    let chip = ctx.catalog.chip(&a.deploy.chip)?;
    let model = Arc::new(crate::load::model(&ctx.catalog, &a.deploy.model)?);
    let mut o = options(a);
    if let Some(path) = &a.trace {
        o.trace = Some(TraceText {
            name: path.display().to_string(),
            text: crate::load::text_file(path, crate::load::TRACE_LIMIT_BYTES, "trace")?,
        });
    }
    let job = ServeJob::new(chip, model, &o)?;
    let view = crate::progress::with_bar(job.work(), "serving", |done| job.run(Some(done)))?;
    if let Some(path) = &a.timeline {
        // A chart for a `.svg` path, the rows otherwise.
        let svg = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let body = if svg {
            view.timeline_svg()
        } else {
            view.timeline_csv()
        };
        std::fs::write(path, body).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(match ctx.format {
        Output::Json => json(&view)?,
        Output::Text => view.text(),
    })
}
