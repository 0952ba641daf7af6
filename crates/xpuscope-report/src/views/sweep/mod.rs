//! `sweep`: the cross product of the given lists, evaluated on all cores, one typed row per
//! point, written as CSV or JSON lines, and drawn as a heat map.
//!
//! A point that cannot be evaluated (a layout that does not divide, a model that does not fit) is
//! a row with its error, not a failure of the sweep. [`SweepJob`] resolves the options and lists
//! the points first, so a front end can size a progress bar, split the points across machines, or
//! refuse a sweep that is too large before anything runs. It deliberately does no I/O: rows come
//! back as values for the front end to write.

mod heatmap;
mod rows;
mod serve;

pub use rows::{BatchValue, InferRow, SweepRows, TrainRow, INFER_COLUMNS, TRAIN_COLUMNS};
pub use serve::{ServeRow, REQUESTS_PER_SLOT, SERVE_COLUMNS};

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::Deserialize;
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::model::Model;
use xpuscope_perf::search::{self, Fixed, Space};
use xpuscope_perf::train::Trainer;
use xpuscope_perf::{Batch, Efficiency, Engine, InferConfig, Layout, Precisions};

use crate::error::{Error, Result};
use crate::options::{self, defaults, BatchOption};
use crate::svg::HeatMap;

/// What a sweep evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SweepKind {
    /// Inference points (TTFT, TPOT, throughput).
    #[default]
    Infer,
    /// Training points (the best layout per chip count).
    Train,
    /// Serving points: a continuous-batching run per concurrency.
    Serve,
}

/// Raw `sweep` options (chips and models resolved by the caller). An empty list is one default
/// value: degrees of 1, batch 1, bf16 weights, and the sweep constants in [`defaults`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SweepOptions {
    /// Inference or training points.
    pub kind: SweepKind,
    /// Tensor-parallel degrees (inference).
    pub tp: Vec<u32>,
    /// Pipeline stages (inference).
    pub pp: Vec<u32>,
    /// Expert-parallel degrees (inference).
    pub ep: Vec<u32>,
    /// Data-parallel replicas (inference).
    pub dp: Vec<u32>,
    /// Batches, or `max` (inference).
    pub batch: Vec<BatchOption>,
    /// Prompt lengths (inference).
    pub input_len: Vec<u64>,
    /// Output lengths (inference).
    pub output_len: Vec<u64>,
    /// Weight formats (inference).
    pub weights: Vec<String>,
    /// KV-cache format (inference; default bf16).
    pub kv_cache: Option<String>,
    /// Engine profile (inference; default modern).
    pub engine: Option<String>,
    /// Chip counts (training).
    pub chip_count: Vec<u32>,
    /// Sequence lengths (training).
    pub seq_len: Vec<u64>,
    /// Global batches in sequences (training).
    pub global_batch: Vec<u64>,
    /// Training precision (default bf16).
    pub precision: Option<String>,
    /// Requests in flight (serving; default 64).
    pub concurrency: Vec<u64>,
    /// The engine whose scheduler runs serving points (default vllm).
    pub serve_engine: Option<String>,
}

/// `list`, or `[default]` when it is empty.
fn or<T: Clone>(list: &[T], default: T) -> Vec<T> {
    if list.is_empty() {
        vec![default]
    } else {
        list.to_vec()
    }
}

/// The weight formats and the KV-cache format an inference or serving sweep evaluates.
fn storage(o: &SweepOptions) -> Result<(Vec<Precision>, Precision)> {
    let weights = or(&o.weights, defaults::WEIGHTS.to_string())
        .iter()
        .map(|w| options::precision("weights", w))
        .collect::<Result<Vec<Precision>>>()?;
    let kv_cache = options::precision(
        "kv_cache",
        o.kv_cache.as_deref().unwrap_or(defaults::KV_CACHE),
    )?;
    Ok((weights, kv_cache))
}

/// One inference point to evaluate.
#[derive(Debug, Clone)]
struct InferPoint {
    chip: usize,
    model: usize,
    cfg: InferConfig,
}

/// One training point to evaluate.
#[derive(Debug, Clone, Copy)]
struct TrainPoint {
    chip: usize,
    model: usize,
    chips: u32,
    seq_len: u64,
    global_batch: u64,
}

#[derive(Debug, Clone)]
enum Points {
    Infer {
        points: Vec<InferPoint>,
        kv_cache: Precision,
        engine: Engine,
    },
    Train {
        points: Vec<TrainPoint>,
        precision: Precision,
    },
    Serve {
        points: Vec<serve::ServePoint>,
        engine: xpuscope_serve::EngineKind,
    },
}

/// A resolved sweep, its points listed, ready to run.
pub struct SweepJob<'a> {
    chips: &'a [&'a Chip],
    models: &'a [Model],
    points: Points,
}

impl<'a> SweepJob<'a> {
    /// Resolves the options and lists every point of the cross product.
    pub fn new(chips: &'a [&'a Chip], models: &'a [Model], o: &SweepOptions) -> Result<Self> {
        let points = match o.kind {
            SweepKind::Infer => {
                let batches = or(&o.batch, BatchOption::Count(defaults::BATCH))
                    .iter()
                    .map(|b| b.resolve("batch"))
                    .collect::<Result<Vec<Batch>>>()?;
                let (weights, kv_cache) = storage(o)?;
                let engine = options::engine(o.engine.as_deref().unwrap_or(defaults::ENGINE))?;
                let (tp, pp, dp, ep) = (or(&o.tp, 1), or(&o.pp, 1), or(&o.dp, 1), or(&o.ep, 1));
                let (ins, outs) = (
                    or(&o.input_len, defaults::SWEEP_INPUT_LEN),
                    or(&o.output_len, defaults::SWEEP_OUTPUT_LEN),
                );
                let mut points = Vec::new();
                for chip in 0..chips.len() {
                    for model in 0..models.len() {
                        for &tp in &tp {
                            for &pp in &pp {
                                for &dp in &dp {
                                    for &ep in &ep {
                                        for &w in &weights {
                                            for &batch in &batches {
                                                for &input in &ins {
                                                    for &output in &outs {
                                                        let mut precisions =
                                                            Precisions::for_weights(w);
                                                        precisions.kv_cache = kv_cache;
                                                        let cfg = InferConfig {
                                                            layout: Layout {
                                                                tp,
                                                                pp,
                                                                dp,
                                                                ep,
                                                                cp: 1,
                                                            },
                                                            precisions,
                                                            batch,
                                                            engine,
                                                            ..InferConfig::new(input, output)
                                                        };
                                                        points.push(InferPoint {
                                                            chip,
                                                            model,
                                                            cfg,
                                                        });
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Points::Infer {
                    points,
                    kv_cache,
                    engine,
                }
            }
            SweepKind::Serve => {
                let name = o.serve_engine.as_deref().unwrap_or(defaults::SERVE_ENGINE);
                let engine = xpuscope_serve::EngineKind::parse(name).ok_or_else(|| {
                    Error::invalid(
                        "serve_engine",
                        format!("--serve-engine `{name}` is not one of vllm, sglang, trtllm"),
                    )
                })?;
                let (weights, kv_cache) = storage(o)?;
                let concurrency = or(&o.concurrency, defaults::SWEEP_CONCURRENCY);
                if concurrency.contains(&0) {
                    return Err(Error::invalid(
                        "concurrency",
                        "--concurrency must be at least 1",
                    ));
                }
                let mut points = Vec::new();
                for chip in 0..chips.len() {
                    for model in 0..models.len() {
                        for &tp in &or(&o.tp, 1) {
                            for &dp in &or(&o.dp, 1) {
                                for &ep in &or(&o.ep, 1) {
                                    for &w in &weights {
                                        for &input in &or(&o.input_len, defaults::SWEEP_INPUT_LEN) {
                                            for &output in
                                                &or(&o.output_len, defaults::SWEEP_OUTPUT_LEN)
                                            {
                                                for &c in &concurrency {
                                                    let mut precisions = Precisions::for_weights(w);
                                                    precisions.kv_cache = kv_cache;
                                                    points.push(serve::ServePoint {
                                                        chip,
                                                        model,
                                                        infer: InferConfig {
                                                            layout: Layout {
                                                                tp,
                                                                pp: 1,
                                                                dp,
                                                                ep,
                                                                cp: 1,
                                                            },
                                                            precisions,
                                                            ..InferConfig::new(input, output)
                                                        },
                                                        concurrency: c,
                                                        input: crate::options::tokens_u32(
                                                            "input_len",
                                                            input,
                                                        )?,
                                                        output: crate::options::tokens_u32(
                                                            "output_len",
                                                            output,
                                                        )?,
                                                    });
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Points::Serve { points, engine }
            }
            SweepKind::Train => {
                let precision = options::precision(
                    "precision",
                    o.precision.as_deref().unwrap_or(defaults::TRAIN_PRECISION),
                )?;
                let (counts, seqs, gbs) = (
                    or(&o.chip_count, defaults::SWEEP_TRAIN_CHIPS),
                    or(&o.seq_len, defaults::SWEEP_SEQ_LEN),
                    or(&o.global_batch, defaults::SWEEP_GLOBAL_BATCH),
                );
                let mut points = Vec::new();
                for chip in 0..chips.len() {
                    for model in 0..models.len() {
                        for &n in &counts {
                            for &seq_len in &seqs {
                                for &global_batch in &gbs {
                                    points.push(TrainPoint {
                                        chip,
                                        model,
                                        chips: n,
                                        seq_len,
                                        global_batch,
                                    });
                                }
                            }
                        }
                    }
                }
                Points::Train { points, precision }
            }
        };
        if chips.is_empty() || models.is_empty() {
            return Err(Error::invalid(
                if chips.is_empty() { "chip" } else { "model" },
                "a sweep needs at least one chip and one model",
            ));
        }
        Ok(SweepJob {
            chips,
            models,
            points,
        })
    }

    /// Points in the sweep.
    pub fn len(&self) -> usize {
        match &self.points {
            Points::Infer { points, .. } => points.len(),
            Points::Train { points, .. } => points.len(),
            Points::Serve { points, .. } => points.len(),
        }
    }

    /// Whether the sweep has no points.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Evaluates every point on all cores, counting finished points in `progress`; rows come
    /// back in the order of the cross product.
    pub fn run(&self, progress: &AtomicU64) -> SweepRows {
        self.run_range(0..self.len(), progress)
    }

    /// Evaluates the points in `range` (of the cross product's order) on all cores: a front
    /// end streams a large sweep chunk by chunk, holding one chunk's rows at a time.
    pub fn run_range(&self, range: std::ops::Range<usize>, progress: &AtomicU64) -> SweepRows {
        let tick = || {
            progress.fetch_add(1, Ordering::Relaxed);
        };
        let clip = |n: usize| range.start.min(n)..range.end.min(n);
        match &self.points {
            Points::Infer { points, .. } => SweepRows::Infer(
                points[clip(points.len())]
                    .par_iter()
                    .map(|p| {
                        let r = infer_row(self.chips[p.chip], &self.models[p.model], &p.cfg);
                        tick();
                        r
                    })
                    .collect(),
            ),
            Points::Train { points, precision } => SweepRows::Train(
                points[clip(points.len())]
                    .par_iter()
                    .map(|p| {
                        let r = train_row(self.chips[p.chip], &self.models[p.model], p, *precision);
                        tick();
                        r
                    })
                    .collect(),
            ),
            Points::Serve { points, engine } => {
                let shared: Vec<std::sync::Arc<Model>> = self
                    .models
                    .iter()
                    .map(|m| std::sync::Arc::new(m.clone()))
                    .collect();
                SweepRows::Serve(
                    points[clip(points.len())]
                        .par_iter()
                        .map(|p| {
                            let r = serve::row(self.chips[p.chip], &shared[p.model], p, *engine);
                            tick();
                            r
                        })
                        .collect(),
                )
            }
        }
    }

    /// The rows as a heat map: one row per chip, one column per combination of the other swept
    /// values, coloured by throughput per chip.
    pub fn heat_map(&self, rows: &SweepRows) -> HeatMap {
        heatmap::heat_map(self, rows)
    }
}

fn infer_row(chip: &Chip, model: &Model, cfg: &InferConfig) -> InferRow {
    let l = cfg.layout;
    let mut row = InferRow {
        chip: chip.id.clone(),
        model: model.id.clone(),
        tp: l.tp,
        pp: l.pp,
        dp: l.dp,
        ep: l.ep,
        weights: cfg.precisions.weights.as_str(),
        batch: match cfg.batch {
            Batch::Fixed(b) => BatchValue::Count(b),
            Batch::Max => BatchValue::Max("max"),
        },
        input_len: cfg.input_len,
        output_len: cfg.output_len,
        chips: l.chips(),
        fits: false,
        ttft_s: None,
        tpot_s: None,
        e2e_s: None,
        output_tokens_per_s: None,
        output_tokens_per_s_per_chip: None,
        memory_per_chip_bytes: None,
        prefill_bound: None,
        decode_bound: None,
        error: None,
    };
    match xpuscope_perf::infer(chip, model, cfg, &Efficiency::default()) {
        Ok(r) => {
            row.batch = BatchValue::Count(r.batch);
            row.fits = r.fits;
            row.ttft_s = Some(r.ttft.get());
            row.tpot_s = Some(r.tpot.get());
            row.e2e_s = Some(r.e2e.get());
            row.output_tokens_per_s = Some(r.output_tokens_per_s.get());
            row.output_tokens_per_s_per_chip = Some(r.output_tokens_per_s_per_chip().get());
            row.memory_per_chip_bytes = Some(r.memory.total().get());
            row.prefill_bound = Some(r.prefill.bound().as_str());
            row.decode_bound = Some(r.decode.bound().as_str());
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row
}

fn train_row(chip: &Chip, model: &Model, p: &TrainPoint, precision: Precision) -> TrainRow {
    let mut row = TrainRow {
        chip: chip.id.clone(),
        model: model.id.clone(),
        chips: p.chips,
        seq_len: p.seq_len,
        global_batch: p.global_batch,
        precision: precision.as_str(),
        layouts_evaluated: None,
        layout: None,
        step_time_s: None,
        tokens_per_s: None,
        tokens_per_s_per_chip: None,
        mfu: None,
        memory_per_chip_bytes: None,
        mfu_detail: None,
        error: None,
    };
    let t = match Trainer::new(chip, model, precision, p.seq_len, &Efficiency::default()) {
        Ok(t) => t,
        Err(e) => {
            row.error = Some(e.to_string());
            return row;
        }
    };
    let space = Space {
        chips: p.chips,
        seq_len: p.seq_len,
        global_batch: p.global_batch,
        precision,
        usable_fraction: xpuscope_perf::USABLE_MEMORY_FRACTION,
        fixed: Fixed::default(),
    };
    if let Err(e) = space.check() {
        row.error = Some(e.to_string());
        return row;
    }
    let out = search::search(&t, &space, None);
    row.layouts_evaluated = Some(out.evaluated);
    match out.best() {
        Some(b) => {
            let label = b.config.label();
            row.mfu_detail = Some((label.clone(), b.mfu));
            row.layout = Some(label);
            row.step_time_s = Some(b.step_time.get());
            row.tokens_per_s = Some(b.tokens_per_s.get());
            row.tokens_per_s_per_chip = Some(b.tokens_per_s.get() / f64::from(p.chips));
            row.mfu = Some(b.mfu);
            row.memory_per_chip_bytes = Some(b.memory.total().get());
        }
        None => row.error = Some("no layout fits".to_string()),
    }
    row
}
