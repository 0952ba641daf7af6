//! `compare`: the workload suite as a view (the contract's `rows`, each with `values` and `ratio`
//! per chip) and its text: the table, the specs, the cost, the settings and the notes.
//!
//! It deliberately does no physics and no pricing: values, ratios and costs are the analysis's.

use std::collections::BTreeMap;

use serde::Serialize;
use xpuscope_analysis::compare::{self, Better, CompareConfig, Comparison, Row, RowKind, Unit};
use xpuscope_analysis::cost::CostAssumptions;
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_perf::Efficiency;

use super::cost::describe;
use super::error_bar::ErrorBarView;
use crate::error::Result;
use crate::options::CompareOptions;
use crate::table::{duration, num, sig, Align, Table};

/// One workload or spec row: per-chip values, ratios to the first chip, bounds, costs, notes.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RowView {
    /// Stable id (`train`, `prefill`, `decode-bs1`, ..., `spec:bf16`, ...).
    pub id: String,
    /// What a person reads.
    pub workload: String,
    /// The metric and its unit, for a person.
    pub metric: String,
    /// The unit of `values` (`s`, `tokens_per_s`, `tflops`, ...).
    pub unit: &'static str,
    /// Whether a larger value is better.
    pub higher_is_better: bool,
    /// Chip id to value (`null` where it cannot be computed; see `notes`).
    pub values: BTreeMap<String, Option<f64>>,
    /// Chip id to performance relative to the first chip (> 1 is better, for times and rates).
    pub ratio: BTreeMap<String, Option<f64>>,
    /// The setting used (layout, lengths).
    pub setting: String,
    /// Chip id to what bounds it, for workload rows.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub bound: BTreeMap<String, &'static str>,
    /// Chip id to the dollars of the training run (train row).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub cost_of_run_usd: BTreeMap<String, Option<f64>>,
    /// Chip id to dollars per million output tokens (decode rows).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub cost_per_million_tokens_usd: BTreeMap<String, Option<f64>>,
    /// Chip id to why there is no value, or a caveat.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, String>,
    /// Chip id to the interval around its value, from the calibration cases of the row's
    /// regime (workload rows with a value).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub error_bar: BTreeMap<String, ErrorBarView>,
}

impl RowView {
    /// The view of one row.
    pub fn new(chips: &[String], r: &Row) -> RowView {
        let mut v = RowView {
            id: r.id.clone(),
            workload: r.workload.clone(),
            metric: r.metric.clone(),
            unit: r.unit.as_str(),
            higher_is_better: matches!(r.better, Better::Higher),
            values: BTreeMap::new(),
            ratio: BTreeMap::new(),
            setting: r.setting.clone(),
            bound: BTreeMap::new(),
            cost_of_run_usd: BTreeMap::new(),
            cost_per_million_tokens_usd: BTreeMap::new(),
            notes: BTreeMap::new(),
            error_bar: BTreeMap::new(),
        };
        for (id, c) in chips.iter().zip(&r.cells) {
            v.values.insert(id.clone(), c.value);
            v.ratio.insert(id.clone(), c.ratio);
            if let Some(b) = c.bound {
                v.bound.insert(id.clone(), b.as_str());
            }
            if c.cost.is_some() {
                let costs = if r.kind == RowKind::Train {
                    &mut v.cost_of_run_usd
                } else {
                    &mut v.cost_per_million_tokens_usd
                };
                costs.insert(id.clone(), c.cost);
            }
            if let Some(n) = &c.note {
                v.notes.insert(id.clone(), n.clone());
            }
        }
        v
    }
}

/// The comparison (`xpuscope compare`, `POST /api/compare`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CompareView {
    /// Chip ids; the first is the reference for ratios.
    pub chips: Vec<String>,
    /// Model id.
    pub model: String,
    /// Workload rows.
    pub rows: Vec<RowView>,
    /// Datasheet rows.
    pub specs: Vec<RowView>,
    /// Fallbacks and priors the rows rest on.
    pub notes: Vec<String>,
    /// The analysis's answer, for the text and the chart.
    #[serde(skip)]
    pub comparison: Comparison,
    /// The configuration, for the text.
    #[serde(skip)]
    config: CompareConfig,
    /// The cost assumptions, for the text.
    #[serde(skip)]
    costs: CostAssumptions,
}

/// Runs `compare` for resolved chips and model.
pub fn compare(chips: &[&Chip], model: &Model, o: &CompareOptions) -> Result<CompareView> {
    let (cfg, costs) = o.resolve()?;
    let c = compare::compare(chips, model, &cfg, &Efficiency::default(), &costs);
    Ok(CompareView::new(c, cfg, costs))
}

/// Each chip's interval on a workload row: training rows from the training regime, the serving
/// row from vLLM's serving regime (the engine it simulates), the others from the inference
/// regime of the comparison's engine profile; times take the inverse of the rate's interval.
fn error_bars(
    chips: &[String],
    r: &Row,
    config: &CompareConfig,
    moe: bool,
) -> BTreeMap<String, ErrorBarView> {
    let (kind, engine) = match r.kind {
        RowKind::Spec => return BTreeMap::new(),
        RowKind::Train => ("training", None),
        _ if r.id.starts_with("serve") => ("serving", Some("vllm")),
        _ => ("inference", Some(config.engine.as_str())),
    };
    let metric = match r.unit {
        Unit::Seconds => "seconds",
        _ => "value",
    };
    chips
        .iter()
        .zip(&r.cells)
        .filter_map(|(id, cell)| {
            let v = cell.value?;
            let bar = if r.unit == Unit::Seconds {
                ErrorBarView::for_time(kind, engine, moe, metric, v)
            } else {
                ErrorBarView::new(kind, engine, moe, metric, v)
            }?;
            Some((id.clone(), bar))
        })
        .collect()
}

/// A value in a row's unit, for people.
fn value_text(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds => duration(v),
        Unit::Usd => format!(
            "${}",
            if v < 100.0 {
                format!("{v:.2}")
            } else {
                num(v, 0)
            }
        ),
        Unit::Gib | Unit::GbPerSecond | Unit::Tflops | Unit::Watts => num(v, 0),
        Unit::TokensPerSecond | Unit::TokensPerSecondPerChip => sig(v),
    }
}

impl CompareView {
    /// The view of a comparison.
    pub fn new(c: Comparison, config: CompareConfig, costs: CostAssumptions) -> CompareView {
        CompareView {
            chips: c.chips.clone(),
            model: c.model.clone(),
            rows: c
                .workloads
                .iter()
                .map(|r| {
                    let mut v = RowView::new(&c.chips, r);
                    v.error_bar = error_bars(&c.chips, r, &config, c.moe);
                    v
                })
                .collect(),
            specs: c.specs.iter().map(|r| RowView::new(&c.chips, r)).collect(),
            notes: c.notes.clone(),
            comparison: c,
            config,
            costs,
        }
    }

    fn table(&self, rows: &[Row], with_bound: bool) -> String {
        let c = &self.comparison;
        let mut cols: Vec<(String, Align)> = vec![
            ("workload".into(), Align::Left),
            ("metric".into(), Align::Left),
        ];
        for (i, id) in c.chips.iter().enumerate() {
            cols.push((id.clone(), Align::Right));
            if i > 0 {
                cols.push(("ratio".into(), Align::Right));
            }
            if with_bound {
                cols.push(("bound by".into(), Align::Left));
            }
        }
        let cols_ref: Vec<(&str, Align)> = cols.iter().map(|(s, a)| (s.as_str(), *a)).collect();
        let mut t = Table::new(&cols_ref);
        for r in rows {
            let mut cells = vec![r.workload.clone(), r.metric.clone()];
            for (i, cell) in r.cells.iter().enumerate() {
                cells.push(match cell.value {
                    Some(v) => value_text(r.unit, v),
                    None => "n/a".into(),
                });
                if i > 0 {
                    cells.push(
                        cell.ratio
                            .map_or_else(|| "-".into(), |x| format!("{x:.2}x")),
                    );
                }
                if with_bound {
                    cells.push(cell.bound.map_or("", |b| b.as_str()).to_string());
                }
            }
            t.row(cells);
        }
        t.render()
    }

    /// The comparison for people.
    pub fn text(&self) -> String {
        let c = &self.comparison;
        let mut out = format!(
            "{} on {} (ratio > 1 means better than {}, for times and rates alike)\n\n",
            c.model,
            c.chips.join(" vs "),
            c.chips[0]
        );
        out.push_str(&self.table(&c.workloads, true));
        out.push_str("\nspecs (dense peak)\n");
        out.push_str(&self.table(&c.specs, false));

        out.push_str("\ncost\n");
        let mut t = Table::new(
            &std::iter::once(("workload", Align::Left))
                .chain(c.chips.iter().map(|id| (id.as_str(), Align::Right)))
                .collect::<Vec<_>>(),
        );
        for r in c
            .workloads
            .iter()
            .filter(|r| r.cells.iter().any(|x| x.cost.is_some()))
        {
            let what = match r.kind {
                RowKind::Train => format!(
                    "{} ($ for {} tokens)",
                    r.id,
                    sig(self.config.train_tokens / 1e12) + "T"
                ),
                _ => format!("{} ($ per million output tokens)", r.id),
            };
            let mut cells = vec![what];
            cells.extend(r.cells.iter().map(|x| match x.cost {
                Some(v) if v >= 100.0 => format!("${}", num(v, 0)),
                Some(v) => format!("${v:.3}"),
                None => "n/a".into(),
            }));
            t.row(cells);
        }
        out.push_str(&t.render());
        out.push_str(&format!("{}\n", describe(&self.costs)));

        let mut notes = c.notes.clone();
        for r in c.workloads.iter().chain(c.specs.iter()) {
            for (id, cell) in c.chips.iter().zip(&r.cells) {
                if let Some(n) = &cell.note {
                    if cell.value.is_none() || r.kind.notes_matter() {
                        notes.push(format!("{} / {}: {n}", r.id, id));
                    }
                }
            }
        }
        out.push_str(
            "\nerror bars (80% of the calibration measurements of the row's regime fell within)\n",
        );
        for (r, v) in c.workloads.iter().zip(&self.rows) {
            let cells: Vec<String> = c
                .chips
                .iter()
                .filter_map(|id| {
                    let e = v.error_bar.get(id)?;
                    Some(format!(
                        "{id} {} to {}",
                        value_text(r.unit, e.low),
                        value_text(r.unit, e.high)
                    ))
                })
                .collect();
            if let Some(e) = v.error_bar.values().next() {
                out.push_str(&format!(
                    "  {}: {} ({}, {} cases)\n",
                    r.id,
                    cells.join("; "),
                    e.group,
                    e.cases
                ));
            }
        }
        out.push_str("\nsettings\n");
        for r in &c.workloads {
            out.push_str(&format!("  {}: {}\n", r.id, r.setting));
        }
        if !notes.is_empty() {
            out.push_str("\nnotes\n");
            for n in notes {
                out.push_str(&format!("  {n}\n"));
            }
        }
        out.push_str(
            "\n`xpuscope infer` and `xpuscope train --search` show any row's operator breakdown.\n",
        );
        out
    }
}
