//! `roofline`: where the model's operators sit against each chip's ceilings.

use anyhow::{Context, Result};
use serde_json::json;
use xpuscope_perf::hardware::Hardware;
use xpuscope_perf::{Batch, Efficiency, InferConfig, Layout, Precisions};

use super::{json, Ctx};
use crate::cli::{Format, RooflineArgs};
use xpuscope_report::charts;
use xpuscope_report::svg::RoofChip;
use xpuscope_report::table::{sig, Align, Table};

/// `xpuscope roofline`.
pub fn run(ctx: &Ctx, a: &RooflineArgs) -> Result<String> {
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    let eff = Efficiency::default();
    let cfg = InferConfig {
        layout: Layout {
            tp: a.tp,
            ..Layout::SINGLE
        },
        precisions: Precisions::for_weights(a.weights.get()),
        batch: Batch::Fixed(a.batch),
        ..InferConfig::new(a.input_len, a.output_len)
    };
    let mut roof_chips = Vec::new();
    let mut points = Vec::new();
    let mut rows = Vec::new();
    for (i, id) in a.chips.iter().enumerate() {
        let chip = ctx.catalog.chip(id)?;
        let hw = Hardware::from_chip(chip, &eff)?;
        let r = xpuscope_perf::infer(chip, &model, &cfg, &eff)?;
        let peak = hw.peak(r.plan.gemm).get();
        let bw = hw.bandwidth.get();
        roof_chips.push(RoofChip {
            name: format!("{} ({})", chip.id, r.plan.gemm),
            peak_flops: peak,
            bandwidth: bw,
        });
        let before = points.len();
        charts::roofline_points(i, &r, &mut points);
        for p in &points[before..] {
            rows.push((
                chip.id.clone(),
                p.label.clone(),
                p.intensity,
                p.achieved_flops,
                peak,
                bw,
            ));
        }
    }
    let subtitle = format!(
        "{}, tp {}, batch {}, {} in / {} out, {} weights; ceilings are dense peaks",
        model.id, a.tp, a.batch, a.input_len, a.output_len, cfg.precisions.weights
    );
    if let Some(path) = &a.svg {
        let doc = charts::roofline_svg(
            format!("Roofline: {}", a.chips.join(" vs ")),
            subtitle.clone(),
            roof_chips,
            points,
        );
        std::fs::write(path, doc).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if ctx.format == Format::Json {
        return json(&json!({
            "model": model.id,
            "setting": subtitle,
            "operators": rows.iter().map(|(c, l, i, f, p, b)| json!({
                "chip": c, "operator": l, "intensity_flops_per_byte": i, "achieved_flops_per_s": f,
                "ceiling_flops_per_s": p.min(b * i), "peak_flops_per_s": p, "bandwidth_bytes_per_s": b,
            })).collect::<Vec<_>>(),
        }));
    }
    let mut t = Table::new(&[
        ("chip", Align::Left),
        ("operator", Align::Left),
        ("FLOP/byte", Align::Right),
        ("ridge", Align::Right),
        ("achieved TFLOP/s", Align::Right),
        ("roof TFLOP/s", Align::Right),
        ("side", Align::Left),
    ]);
    for (c, l, i, f, p, b) in &rows {
        let ridge = p / b;
        t.row(vec![
            c.clone(),
            l.clone(),
            sig(*i),
            sig(ridge),
            sig(f / 1e12),
            sig(p.min(b * i) / 1e12),
            if *i < ridge { "memory" } else { "compute" }.into(),
        ]);
    }
    let mut out = format!("{subtitle}\n\n{}", t.render());
    if let Some(path) = &a.svg {
        out.push_str(&format!("\nchart written to {}\n", path.display()));
    }
    Ok(out)
}
