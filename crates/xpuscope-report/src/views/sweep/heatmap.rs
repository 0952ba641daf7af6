//! A sweep's rows laid out as a heat map: one row per chip, one column per combination of the
//! other swept values, coloured by throughput per chip.
//!
//! A swept value enters the column labels only when it takes more than one value; the subtitle
//! lists the rest. It deliberately knows nothing of SVG: it fills the chart's data, and
//! `svg::heat_map` draws it.

use std::collections::HashMap;

use super::{InferRow, Points, SweepJob, SweepRows, TrainRow};
use crate::svg::{Cell, HeatMap};
use crate::table::{bytes, duration, sig};
use xpuscope_perf::Batch;

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

/// Where a point goes: its chip is the row; its other swept values, always in the same order,
/// make the column.
struct Place {
    chip: String,
    parts: Vec<Part>,
}

/// A row's cell: its metric, or no value with the reason.
trait Metered {
    /// The error, where the point has no answer.
    fn error(&self) -> Option<&str>;
    /// Whether it fits in memory, and what it needs per chip.
    fn fit(&self) -> (bool, Option<f64>);
    /// The value the map is coloured by.
    fn value(&self) -> Option<f64>;
    /// Tooltip detail beside the value.
    fn detail(&self) -> Option<String>;
}

impl Metered for InferRow {
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
    fn fit(&self) -> (bool, Option<f64>) {
        (self.fits, self.memory_per_chip_bytes)
    }
    fn value(&self) -> Option<f64> {
        self.output_tokens_per_s_per_chip
    }
    fn detail(&self) -> Option<String> {
        let batch = match self.batch {
            super::BatchValue::Count(b) => b.to_string(),
            super::BatchValue::Max(m) => m.to_string(),
        };
        Some(format!(
            "batch {batch}, TTFT {}, TPOT {}, prefill {}-bound, decode {}-bound",
            duration(self.ttft_s?),
            duration(self.tpot_s?),
            self.prefill_bound.unwrap_or("?"),
            self.decode_bound.unwrap_or("?"),
        ))
    }
}

impl Metered for super::ServeRow {
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
    fn fit(&self) -> (bool, Option<f64>) {
        (true, None)
    }
    fn value(&self) -> Option<f64> {
        self.output_tokens_per_s_per_chip
    }
    fn detail(&self) -> Option<String> {
        Some(format!(
            "TTFT p50 {}, TPOT p50 {}, {} preemptions",
            duration(self.ttft_p50_s?),
            duration(self.tpot_p50_s?),
            self.preemptions?
        ))
    }
}

impl Metered for TrainRow {
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
    fn fit(&self) -> (bool, Option<f64>) {
        // A training point that has a layout fits; one without has an error instead.
        (true, self.memory_per_chip_bytes)
    }
    fn value(&self) -> Option<f64> {
        self.tokens_per_s_per_chip
    }
    fn detail(&self) -> Option<String> {
        let (layout, mfu) = self.mfu_detail.as_ref()?;
        Some(format!("{layout}, MFU {}%", sig(mfu * 100.0)))
    }
}

fn cell<R: Metered>(row: &R, field: &str) -> Cell {
    if let Some(e) = row.error() {
        return Cell {
            value: None,
            note: Some(e.to_string()),
        };
    }
    let (fits, need) = row.fit();
    if !fits {
        let need = need.map_or_else(String::new, |b| format!(": needs {} per chip", bytes(b)));
        return Cell {
            value: None,
            note: Some(format!("does not fit in memory{need}")),
        };
    }
    match row.value() {
        Some(v) => Cell {
            value: Some(v),
            note: row.detail(),
        },
        None => Cell {
            value: None,
            note: Some(format!("no `{field}`")),
        },
    }
}

/// The heat map of a job's rows.
pub(super) fn heat_map(job: &SweepJob, rows: &SweepRows) -> HeatMap {
    match (&job.points, rows) {
        (
            Points::Infer {
                points,
                kv_cache,
                engine,
            },
            SweepRows::Infer(rows),
        ) => {
            let places: Vec<Place> = points
                .iter()
                .map(|p| {
                    let l = p.cfg.layout;
                    let weights = p.cfg.precisions.weights.as_str();
                    let batch = match p.cfg.batch {
                        Batch::Fixed(b) => format!("bs{b}"),
                        Batch::Max => "bs max".to_string(),
                    };
                    Place {
                        chip: job.chips[p.chip].id.clone(),
                        parts: vec![
                            Part::same(job.models[p.model].id.clone()),
                            Part::same(format!("tp{}", l.tp)),
                            Part::same(format!("pp{}", l.pp)),
                            Part::same(format!("dp{}", l.dp)),
                            Part::same(format!("ep{}", l.ep)),
                            Part::new(weights.to_string(), format!("weights {weights}")),
                            Part::same(batch),
                            Part::new(
                                format!("in{}", p.cfg.input_len),
                                format!("input {}", p.cfg.input_len),
                            ),
                            Part::new(
                                format!("out{}", p.cfg.output_len),
                                format!("output {}", p.cfg.output_len),
                            ),
                        ],
                    }
                })
                .collect();
            let settings = [
                format!("kv-cache {}", kv_cache.as_str()),
                format!("engine {}", engine.as_str()),
            ];
            lay_out(
                "inference",
                "output_tokens_per_s_per_chip",
                "output tokens/s per chip",
                &places,
                rows,
                &settings,
            )
        }
        (Points::Train { points, precision }, SweepRows::Train(rows)) => {
            let places: Vec<Place> = points
                .iter()
                .map(|p| Place {
                    chip: job.chips[p.chip].id.clone(),
                    parts: vec![
                        Part::same(job.models[p.model].id.clone()),
                        Part::same(format!("{} chips", p.chips)),
                        Part::same(format!("seq {}", p.seq_len)),
                        Part::new(
                            format!("gb {}", p.global_batch),
                            format!("global batch {}", p.global_batch),
                        ),
                    ],
                })
                .collect();
            let settings = [format!("precision {}", precision.as_str())];
            lay_out(
                "training",
                "tokens_per_s_per_chip",
                "tokens/s per chip",
                &places,
                rows,
                &settings,
            )
        }
        (Points::Serve { points, engine }, SweepRows::Serve(rows)) => {
            let places: Vec<Place> = points
                .iter()
                .map(|p| {
                    let l = p.infer.layout;
                    let weights = p.infer.precisions.weights.as_str();
                    Place {
                        chip: job.chips[p.chip].id.clone(),
                        parts: vec![
                            Part::same(job.models[p.model].id.clone()),
                            Part::same(format!("tp{}", l.tp)),
                            Part::same(format!("dp{}", l.dp)),
                            Part::same(format!("ep{}", l.ep)),
                            Part::new(weights.to_string(), format!("weights {weights}")),
                            Part::new(format!("in{}", p.input), format!("input {}", p.input)),
                            Part::new(format!("out{}", p.output), format!("output {}", p.output)),
                            Part::new(
                                format!("c{}", p.concurrency),
                                format!("concurrency {}", p.concurrency),
                            ),
                        ],
                    }
                })
                .collect();
            let settings = [format!("engine {}", engine.as_str())];
            lay_out(
                "serving",
                "output_tokens_per_s_per_chip",
                "output tokens/s per chip",
                &places,
                rows,
                &settings,
            )
        }
        // Rows of the other kind than the job's: nothing to place.
        _ => lay_out::<InferRow>("sweep", "", "", &[], &[], &[]),
    }
}

/// Lays the rows out. `places[i]` says where `rows[i]` goes; rows and columns keep the sweep's
/// order; when two points land in one cell (a chip or value given twice), the first is drawn.
fn lay_out<R: Metered>(
    kind: &str,
    field: &str,
    label: &str,
    places: &[Place],
    rows: &[R],
    settings: &[String],
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
            line[c] = Some(cell(row, field));
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
        title: format!("Sweep: {label}"),
        subtitle: Some(format!("{kind}; fixed: {}", fixed.join(", "))),
        value_label: label.to_string(),
        rows: chips,
        columns,
        cells,
    }
}
