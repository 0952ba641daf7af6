//! Chart data from results: the compare ratio bars and the roofline, drawn by `svg`.

use xpuscope_analysis::compare::Comparison;
use xpuscope_perf::{InferResult, OpClass};

use crate::svg::{self, BarChart, RoofChip, RoofPoint, Roofline, Series};

/// Ratio bars per workload (and the headline specs), one bar per chip.
pub fn compare_svg(c: &Comparison) -> String {
    let rows: Vec<_> = c
        .workloads
        .iter()
        .chain(c.specs.iter().filter(|r| {
            matches!(
                r.id.as_str(),
                "spec:bf16" | "spec:bandwidth" | "spec:memory"
            )
        }))
        .collect();
    let series = c
        .chips
        .iter()
        .enumerate()
        .map(|(i, id)| Series {
            name: id.clone(),
            values: rows.iter().map(|r| r.cells[i].ratio).collect(),
        })
        .collect();
    svg::bar_chart(&BarChart {
        title: format!(
            "{}: {} compared with {}",
            c.model,
            c.chips[1..].join(", "),
            c.chips[0]
        ),
        subtitle: Some(
            "performance relative to the first chip per workload (> 1x is better; times inverted)"
                .into(),
        ),
        value_label: format!("performance relative to {} (x, log scale)", c.chips[0]),
        groups: rows.iter().map(|r| r.workload.clone()).collect(),
        series,
        reference: Some(1.0),
        log_scale: true,
    })
}

/// One chip's roofline entry and its operators' points, from an inference result.
pub fn roofline_points(chip_index: usize, r: &InferResult, points: &mut Vec<RoofPoint>) {
    for (phase, b) in [("prefill", &r.prefill), ("decode", &r.decode)] {
        for class in OpClass::ALL {
            if class.is_comm() {
                continue;
            }
            let k = b.class(class);
            let (f, by, t) = (k.flops.get(), k.bytes.get(), k.time.get());
            if f <= 0.0 || by <= 0.0 || t <= 0.0 {
                continue;
            }
            points.push(RoofPoint {
                label: format!("{phase}: {}", class.as_str()),
                chip: chip_index,
                intensity: f / by,
                achieved_flops: f / t,
                phase: phase.into(),
            });
        }
    }
}

/// The roofline document.
pub fn roofline_svg(
    title: String,
    subtitle: String,
    chips: Vec<RoofChip>,
    points: Vec<RoofPoint>,
) -> String {
    svg::roofline(&Roofline {
        title,
        subtitle: Some(subtitle),
        chips,
        points,
    })
}
