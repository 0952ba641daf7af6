//! `sweep`: the cross product of the given lists, evaluated on all cores, one row per point.
//!
//! Text format writes CSV with a header; JSON writes one object per line. A point that cannot be
//! evaluated (a layout that does not divide, a model that does not fit) is a row with its error,
//! not a failure of the sweep. `--svg FILE` also draws the rows as a heat map (one row per chip,
//! one column per combination of the other swept values); stdout is the same with or without it.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_perf::search::{self, Fixed, Space};
use xpuscope_perf::train::Trainer;
use xpuscope_perf::{Batch, Efficiency, InferConfig, Layout, Precisions};

use super::Ctx;
use crate::cli::{Format, SweepArgs, SweepKind, TrainPrecisionArg};
use xpuscope_report::svg::{self, Cell, HeatMap};
use xpuscope_report::table::{duration, sig};

/// Column order for CSV.
const INFER_COLUMNS: &[&str] = &[
    "chip",
    "model",
    "tp",
    "pp",
    "dp",
    "ep",
    "weights",
    "batch",
    "input_len",
    "output_len",
    "chips",
    "fits",
    "ttft_s",
    "tpot_s",
    "e2e_s",
    "output_tokens_per_s",
    "output_tokens_per_s_per_chip",
    "memory_per_chip_bytes",
    "prefill_bound",
    "decode_bound",
    "error",
];
const TRAIN_COLUMNS: &[&str] = &[
    "chip",
    "model",
    "chips",
    "seq_len",
    "global_batch",
    "precision",
    "layouts_evaluated",
    "layout",
    "step_time_s",
    "tokens_per_s",
    "tokens_per_s_per_chip",
    "mfu",
    "memory_per_chip_bytes",
    "error",
];

fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) if s.contains([',', '"', '\n']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn render(rows: &[Map<String, Value>], columns: &[&str], format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Json => {
            for r in rows {
                out.push_str(&serde_json::to_string(r).unwrap_or_default());
                out.push('\n');
            }
        }
        Format::Text => {
            out.push_str(&columns.join(","));
            out.push('\n');
            for r in rows {
                let cells: Vec<String> = columns
                    .iter()
                    .map(|c| csv_cell(r.get(*c).unwrap_or(&Value::Null)))
                    .collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
    }
    out
}

/// Prints a progress line on a terminal for sweeps of more than a few points.
struct Progress {
    total: usize,
    done: AtomicUsize,
    show: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            done: AtomicUsize::new(0),
            show: total > 200 && std::io::stderr().is_terminal(),
        }
    }
    fn tick(&self) {
        let d = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.show && (d % 100 == 0 || d == self.total) {
            eprint!("\rsweep {d}/{}", self.total);
            if d == self.total {
                eprintln!();
            }
        }
    }
}

fn infer_point(chip: &Chip, model: &Model, cfg: &InferConfig) -> Map<String, Value> {
    let mut m = Map::new();
    let l = cfg.layout;
    m.insert("chip".into(), json!(chip.id));
    m.insert("model".into(), json!(model.id));
    m.insert("tp".into(), json!(l.tp));
    m.insert("pp".into(), json!(l.pp));
    m.insert("dp".into(), json!(l.dp));
    m.insert("ep".into(), json!(l.ep));
    m.insert("weights".into(), json!(cfg.precisions.weights.as_str()));
    m.insert(
        "batch".into(),
        match cfg.batch {
            Batch::Fixed(b) => json!(b),
            Batch::Max => json!("max"),
        },
    );
    m.insert("input_len".into(), json!(cfg.input_len));
    m.insert("output_len".into(), json!(cfg.output_len));
    m.insert("chips".into(), json!(l.chips()));
    match xpuscope_perf::infer(chip, model, cfg, &Efficiency::default()) {
        Ok(r) => {
            if cfg.batch == Batch::Max {
                m.insert("batch".into(), json!(r.batch));
            }
            m.insert("fits".into(), json!(r.fits));
            m.insert("ttft_s".into(), json!(r.ttft.get()));
            m.insert("tpot_s".into(), json!(r.tpot.get()));
            m.insert("e2e_s".into(), json!(r.e2e.get()));
            m.insert("output_tokens_per_s".into(), json!(r.output_tokens_per_s));
            m.insert(
                "output_tokens_per_s_per_chip".into(),
                json!(r.output_tokens_per_s / f64::from(r.chips)),
            );
            m.insert(
                "memory_per_chip_bytes".into(),
                json!(r.memory.total().get()),
            );
            m.insert("prefill_bound".into(), json!(r.prefill.bound().as_str()));
            m.insert("decode_bound".into(), json!(r.decode.bound().as_str()));
        }
        Err(e) => {
            m.insert("fits".into(), json!(false));
            m.insert("error".into(), json!(e.to_string()));
        }
    }
    m
}

fn train_point(
    chip: &Chip,
    model: &Model,
    chips: u32,
    seq: u64,
    gb: u64,
    p: xpuscope_model::Precision,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("chip".into(), json!(chip.id));
    m.insert("model".into(), json!(model.id));
    m.insert("chips".into(), json!(chips));
    m.insert("seq_len".into(), json!(seq));
    m.insert("global_batch".into(), json!(gb));
    m.insert("precision".into(), json!(p.as_str()));
    let t = match Trainer::new(chip, model, p, seq, &Efficiency::default()) {
        Ok(t) => t,
        Err(e) => {
            m.insert("error".into(), json!(e.to_string()));
            return m;
        }
    };
    let space = Space {
        chips,
        seq_len: seq,
        global_batch: gb,
        precision: p,
        usable_fraction: 0.9,
        fixed: Fixed::default(),
    };
    if let Err(e) = space.check() {
        m.insert("error".into(), json!(e.to_string()));
        return m;
    }
    let out = search::search(&t, &space, None);
    m.insert("layouts_evaluated".into(), json!(out.evaluated));
    match out.best() {
        Some(b) => {
            m.insert(
                "layout".into(),
                json!(super::train::layout_label(&b.config)),
            );
            m.insert("step_time_s".into(), json!(b.step_time.get()));
            m.insert("tokens_per_s".into(), json!(b.tokens_per_s));
            m.insert(
                "tokens_per_s_per_chip".into(),
                json!(b.tokens_per_s / f64::from(chips)),
            );
            m.insert("mfu".into(), json!(b.mfu));
            m.insert(
                "memory_per_chip_bytes".into(),
                json!(b.memory.total().get()),
            );
        }
        None => {
            m.insert("error".into(), json!("no layout fits"));
        }
    }
    m
}

/// What a heat map colours its cells by: a row field and how the colour bar names it.
struct Metric {
    /// Which sweep this is, first in the subtitle.
    kind: &'static str,
    /// The row field holding the value.
    field: &'static str,
    /// Its name with unit, for the title and the colour bar.
    label: &'static str,
}

const INFER_METRIC: Metric = Metric {
    kind: "inference",
    field: "output_tokens_per_s_per_chip",
    label: "output tokens/s per chip",
};

const TRAIN_METRIC: Metric = Metric {
    kind: "training",
    field: "tokens_per_s_per_chip",
    label: "tokens/s per chip",
};

/// One swept value of a point: as a column label writes it, and as the subtitle does when every
/// point has the same.
struct Part {
    column: String,
    fixed: String,
}

impl Part {
    fn new(column: String, fixed: String) -> Part {
        Part { column, fixed }
    }

    fn same(s: String) -> Part {
        Part::new(s.clone(), s)
    }
}

/// Where a point goes in the heat map: its chip is the row; its other swept values, always in the
/// same order, make the column.
struct Place {
    chip: String,
    parts: Vec<Part>,
}

fn infer_place(chip: &Chip, model: &Model, cfg: &InferConfig) -> Place {
    let l = cfg.layout;
    let weights = cfg.precisions.weights.as_str();
    let batch = match cfg.batch {
        Batch::Fixed(b) => format!("bs{b}"),
        Batch::Max => "bs max".to_string(),
    };
    Place {
        chip: chip.id.clone(),
        parts: vec![
            Part::same(model.id.clone()),
            Part::same(format!("tp{}", l.tp)),
            Part::same(format!("pp{}", l.pp)),
            Part::same(format!("dp{}", l.dp)),
            Part::same(format!("ep{}", l.ep)),
            Part::new(weights.to_string(), format!("weights {weights}")),
            Part::same(batch),
            Part::new(
                format!("in{}", cfg.input_len),
                format!("input {}", cfg.input_len),
            ),
            Part::new(
                format!("out{}", cfg.output_len),
                format!("output {}", cfg.output_len),
            ),
        ],
    }
}

fn train_place(chip: &Chip, model: &Model, chips: u32, seq: u64, gb: u64) -> Place {
    Place {
        chip: chip.id.clone(),
        parts: vec![
            Part::same(model.id.clone()),
            Part::same(format!("{chips} chips")),
            Part::same(format!("seq {seq}")),
            Part::new(format!("gb {gb}"), format!("global batch {gb}")),
        ],
    }
}

/// Tooltip detail for an inference point that has a value.
fn infer_detail(row: &Map<String, Value>) -> Option<String> {
    let num = |k: &str| row.get(k).and_then(Value::as_f64);
    let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or("?");
    Some(format!(
        "batch {}, TTFT {}, TPOT {}, prefill {}-bound, decode {}-bound",
        row.get("batch").map_or_else(|| "?".to_string(), csv_cell),
        duration(num("ttft_s")?),
        duration(num("tpot_s")?),
        text("prefill_bound"),
        text("decode_bound"),
    ))
}

/// Tooltip detail for a training point that has a value.
fn train_detail(row: &Map<String, Value>) -> Option<String> {
    let layout = row.get("layout").and_then(Value::as_str)?;
    let mfu = row.get("mfu").and_then(Value::as_f64)?;
    Some(format!("{layout}, MFU {}%", sig(mfu * 100.0)))
}

/// A row's cell: its metric, or no value with the reason (its error, or that it does not fit).
fn cell(
    row: &Map<String, Value>,
    field: &str,
    detail: fn(&Map<String, Value>) -> Option<String>,
) -> Cell {
    if let Some(e) = row.get("error").and_then(Value::as_str) {
        return Cell {
            value: None,
            note: Some(e.to_string()),
        };
    }
    if row.get("fits") == Some(&Value::Bool(false)) {
        let need = row
            .get("memory_per_chip_bytes")
            .and_then(Value::as_f64)
            .map_or_else(String::new, |b| {
                format!(": needs {} per chip", xpuscope_report::table::bytes(b))
            });
        return Cell {
            value: None,
            note: Some(format!("does not fit in memory{need}")),
        };
    }
    match row.get(field).and_then(Value::as_f64) {
        Some(v) => Cell {
            value: Some(v),
            note: detail(row),
        },
        None => Cell {
            value: None,
            note: Some(format!("no `{field}`")),
        },
    }
}

/// Lays the rows out as a heat map. `places[i]` says where `rows[i]` goes; a dimension enters the
/// column labels only when it takes more than one value, and the subtitle lists the others with
/// `settings` (the values that cannot be swept). Rows and columns keep the sweep's order; when two
/// points land in one cell (a chip or value given twice), the first is drawn.
fn heat_map(
    metric: &Metric,
    places: &[Place],
    rows: &[Map<String, Value>],
    settings: &[String],
    detail: fn(&Map<String, Value>) -> Option<String>,
) -> HeatMap {
    let first = places.first().map_or(&[][..], |p| &p.parts[..]);
    let varies: Vec<bool> = first
        .iter()
        .enumerate()
        .map(|(d, part)| places.iter().any(|p| p.parts[d].column != part.column))
        .collect();

    let mut chips: Vec<String> = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut column_index: HashMap<String, usize> = HashMap::new();
    let mut grid: Vec<Vec<Option<Cell>>> = Vec::new();
    for (place, row) in places.iter().zip(rows) {
        let r = match chips.iter().position(|c| *c == place.chip) {
            Some(r) => r,
            None => {
                chips.push(place.chip.clone());
                grid.push(Vec::new());
                chips.len() - 1
            }
        };
        let key: Vec<&str> = place
            .parts
            .iter()
            .zip(&varies)
            .filter(|(_, v)| **v)
            .map(|(p, _)| p.column.as_str())
            .collect();
        let key = key.join(" ");
        let c = *column_index.entry(key.clone()).or_insert_with(|| {
            columns.push(key);
            columns.len() - 1
        });
        let line = &mut grid[r];
        if line.len() <= c {
            line.resize(c + 1, None);
        }
        if line[c].is_none() {
            line[c] = Some(cell(row, metric.field, detail));
        }
    }
    let cells = grid
        .into_iter()
        .map(|line| {
            (0..columns.len())
                .map(|c| {
                    line.get(c).cloned().flatten().unwrap_or_else(|| Cell {
                        value: None,
                        note: Some("not in the sweep".to_string()),
                    })
                })
                .collect()
        })
        .collect();

    let fixed: Vec<&str> = first
        .iter()
        .zip(&varies)
        .filter(|(_, v)| !**v)
        .map(|(p, _)| p.fixed.as_str())
        .chain(settings.iter().map(String::as_str))
        .collect();
    HeatMap {
        title: format!("Sweep: {}", metric.label),
        subtitle: Some(format!("{}; fixed: {}", metric.kind, fixed.join(", "))),
        value_label: metric.label.to_string(),
        rows: chips,
        columns,
        cells,
    }
}

/// Writes the heat map; saying where only on a terminal, as stdout carries the rows.
fn write_svg(path: &Path, map: &HeatMap) -> Result<()> {
    std::fs::write(path, svg::heat_map(map))
        .with_context(|| format!("cannot write `{}`", path.display()))?;
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
    match a.kind {
        SweepKind::Infer => {
            let mut batches = Vec::new();
            for b in &a.batch {
                batches.push(match b.as_str() {
                    "max" => Batch::Max,
                    s => match s.parse::<u64>() {
                        Ok(n) if n > 0 => Batch::Fixed(n),
                        _ => bail!("--batch `{s}` is not a positive whole number or `max`"),
                    },
                });
            }
            let mut points = Vec::new();
            for chip in &chips {
                for model in &models {
                    for &tp in &a.tp {
                        for &pp in &a.pp {
                            for &dp in &a.dp {
                                for &ep in &a.ep {
                                    for w in &a.weights {
                                        for &batch in &batches {
                                            for &input in &a.input_len {
                                                for &output in &a.output_len {
                                                    let mut precisions =
                                                        Precisions::for_weights(w.get());
                                                    precisions.kv_cache = a.kv_cache.get();
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
                                                        engine: a.engine.get(),
                                                        ..InferConfig::new(input, output)
                                                    };
                                                    points.push((*chip, model, cfg));
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
            let progress = Progress::new(points.len());
            let rows: Vec<_> = points
                .par_iter()
                .map(|(chip, model, cfg)| {
                    let r = infer_point(chip, model, cfg);
                    progress.tick();
                    r
                })
                .collect();
            if let Some(path) = &a.svg {
                let places: Vec<Place> = points
                    .iter()
                    .map(|(chip, model, cfg)| infer_place(chip, model, cfg))
                    .collect();
                let settings = [
                    format!("kv-cache {}", a.kv_cache.get().as_str()),
                    format!("engine {}", a.engine.get().as_str()),
                ];
                let map = heat_map(&INFER_METRIC, &places, &rows, &settings, infer_detail);
                write_svg(path, &map)?;
            }
            Ok(render(&rows, INFER_COLUMNS, ctx.format))
        }
        SweepKind::Train => {
            let p = match a.precision {
                TrainPrecisionArg::Bf16 => xpuscope_model::Precision::Bf16,
                TrainPrecisionArg::Fp16 => xpuscope_model::Precision::Fp16,
                TrainPrecisionArg::Fp8 => xpuscope_model::Precision::Fp8,
            };
            let mut points = Vec::new();
            for chip in &chips {
                for model in &models {
                    for &n in &a.chip_count {
                        for &seq in &a.seq_len {
                            for &gb in &a.global_batch {
                                points.push((*chip, model, n, seq, gb));
                            }
                        }
                    }
                }
            }
            let progress = Progress::new(points.len());
            let rows: Vec<_> = points
                .par_iter()
                .map(|&(chip, model, n, seq, gb)| {
                    let r = train_point(chip, model, n, seq, gb, p);
                    progress.tick();
                    r
                })
                .collect();
            if let Some(path) = &a.svg {
                let places: Vec<Place> = points
                    .iter()
                    .map(|&(chip, model, n, seq, gb)| train_place(chip, model, n, seq, gb))
                    .collect();
                let settings = [format!("precision {}", p.as_str())];
                let map = heat_map(&TRAIN_METRIC, &places, &rows, &settings, train_detail);
                write_svg(path, &map)?;
            }
            Ok(render(&rows, TRAIN_COLUMNS, ctx.format))
        }
    }
}
