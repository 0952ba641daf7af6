//! `compare`: chips side by side on the workload suite, with ratios, what bounds each, and cost.

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use xpuscope_analysis::compare::{self, CompareConfig, Comparison, Row};
use xpuscope_model::chip::Chip;
use xpuscope_perf::Efficiency;

use super::{cost, json, Ctx};
use crate::cli::{CompareArgs, Format, TrainPrecisionArg};
use xpuscope_report::table::{duration, num, sig, Align, Table};

fn value_text(row: &Row, v: f64) -> String {
    match row.unit {
        "s" => duration(v),
        "usd" => format!(
            "${}",
            if v < 100.0 {
                format!("{v:.2}")
            } else {
                num(v, 0)
            }
        ),
        "gib" | "gb_per_s" | "tflops" | "w" => num(v, 0),
        _ => sig(v),
    }
}

fn row_json(chips: &[String], r: &Row) -> Value {
    let mut values = Map::new();
    let mut ratio = Map::new();
    let mut bound = Map::new();
    let mut cost = Map::new();
    let mut notes = Map::new();
    for (id, c) in chips.iter().zip(&r.cells) {
        values.insert(id.clone(), json!(c.value));
        ratio.insert(id.clone(), json!(c.ratio));
        if let Some(b) = c.bound {
            bound.insert(id.clone(), json!(b));
        }
        if c.cost.is_some() {
            cost.insert(id.clone(), json!(c.cost));
        }
        if let Some(n) = &c.note {
            notes.insert(id.clone(), json!(n));
        }
    }
    let mut v = json!({
        "id": r.id,
        "workload": r.workload,
        "metric": r.metric,
        "unit": r.unit,
        "higher_is_better": matches!(r.better, compare::Better::Higher),
        "values": values,
        "ratio": ratio,
        "setting": r.setting,
    });
    if !bound.is_empty() {
        v["bound"] = Value::Object(bound);
    }
    if !cost.is_empty() {
        let key = if r.id == "train" {
            "cost_of_run_usd"
        } else {
            "cost_per_million_tokens_usd"
        };
        v[key] = Value::Object(cost);
    }
    if !notes.is_empty() {
        v["notes"] = Value::Object(notes);
    }
    v
}

/// The comparison as JSON per the contract: `rows` with `workload`, `metric`, `values`, `ratio`.
pub fn to_json(c: &Comparison) -> Value {
    json!({
        "chips": c.chips,
        "model": c.model,
        "rows": c.workloads.iter().map(|r| row_json(&c.chips, r)).collect::<Vec<_>>(),
        "specs": c.specs.iter().map(|r| row_json(&c.chips, r)).collect::<Vec<_>>(),
        "notes": c.notes,
    })
}

fn table(c: &Comparison, rows: &[Row], with_bound: bool) -> String {
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
                Some(v) => value_text(r, v),
                None => "n/a".into(),
            });
            if i > 0 {
                cells.push(
                    cell.ratio
                        .map_or_else(|| "-".into(), |x| format!("{x:.2}x")),
                );
            }
            if with_bound {
                cells.push(cell.bound.unwrap_or("").to_string());
            }
        }
        t.row(cells);
    }
    t.render()
}

/// The comparison for people.
pub fn to_text(
    c: &Comparison,
    cfg: &CompareConfig,
    costs: &xpuscope_analysis::cost::CostAssumptions,
) -> String {
    let mut out = format!(
        "{} on {} (ratio > 1 means better than {}, for times and rates alike)\n\n",
        c.model,
        c.chips.join(" vs "),
        c.chips[0]
    );
    out.push_str(&table(c, &c.workloads, true));
    out.push_str("\nspecs (dense peak)\n");
    out.push_str(&table(c, &c.specs, false));

    let mut cost_rows = Table::new(&[("$ per million output tokens", Align::Left)]);
    let _ = &mut cost_rows;
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
        let what = if r.id == "train" {
            format!(
                "{} ($ for {} tokens)",
                r.id,
                sig(cfg.train_tokens / 1e12) + "T"
            )
        } else {
            format!("{} ($ per million output tokens)", r.id)
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
    out.push_str(&format!("{}\n", cost::describe(costs)));

    let mut notes = c.notes.clone();
    for r in c.workloads.iter().chain(c.specs.iter()) {
        for (id, cell) in c.chips.iter().zip(&r.cells) {
            if let Some(n) = &cell.note {
                if cell.value.is_none()
                    || r.id == "train"
                    || r.id == "decode-max"
                    || r.id.starts_with("spec:")
                {
                    notes.push(format!("{} / {}: {n}", r.id, id));
                }
            }
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

/// `xpuscope compare`.
pub fn run(ctx: &Ctx, a: &CompareArgs) -> Result<String> {
    let chips: Vec<&Chip> = a
        .chips
        .iter()
        .map(|id| ctx.catalog.chip(id))
        .collect::<Result<_, _>>()?;
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    if a.infer_chips == 0 || a.train_chips == 0 {
        bail!("--chips and --train-chips must be at least 1");
    }
    let costs = cost::assumptions(&a.cost);
    costs.validate()?;
    let cfg = CompareConfig {
        infer_chips: a.infer_chips,
        train_chips: a.train_chips,
        weights: a.weights.get(),
        train_precision: match a.train_precision {
            TrainPrecisionArg::Bf16 => xpuscope_model::Precision::Bf16,
            TrainPrecisionArg::Fp16 => xpuscope_model::Precision::Fp16,
            TrainPrecisionArg::Fp8 => xpuscope_model::Precision::Fp8,
        },
        train_tokens: a.train_tokens,
        engine: a.engine.get(),
    };
    let c = compare::compare(&chips, &model, &cfg, &Efficiency::default(), &costs);
    if let Some(path) = &a.svg {
        let svg = xpuscope_report::charts::compare_svg(&c);
        std::fs::write(path, svg).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if ctx.format == Format::Json {
        return json(&to_json(&c));
    }
    let mut out = to_text(&c, &cfg, &costs);
    if let Some(path) = &a.svg {
        out.push_str(&format!("chart written to {}\n", path.display()));
    }
    Ok(out)
}
