//! `roofline`: each chip's compute and bandwidth ceilings with the model's prefill and decode
//! operators placed on them, as a view, its table and its chart.
//!
//! It deliberately does no physics: ceilings are the chip's dense peak in the precision the
//! GEMMs compute in and its memory bandwidth; points are the cost model's FLOPs and bytes per
//! operator class over its time.

use serde::Serialize;
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_perf::hardware::Hardware;
use xpuscope_perf::{Batch, Efficiency};

use crate::charts;
use crate::error::Result;
use crate::options::RooflineOptions;
use crate::svg::{RoofChip, RoofPoint};
use crate::table::{sig, Align, Table};

/// One operator class of one phase on one chip.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RoofOperatorView {
    /// Chip id.
    pub chip: String,
    /// `prefill: attention`, `decode: mlp`, ...
    pub operator: String,
    /// FLOPs per byte moved.
    pub intensity_flops_per_byte: f64,
    /// FLOPs over the class's time.
    pub achieved_flops_per_s: f64,
    /// The roof at this intensity: min(peak, bandwidth x intensity).
    pub ceiling_flops_per_s: f64,
    /// Dense peak in the GEMM precision.
    pub peak_flops_per_s: f64,
    /// Memory bandwidth.
    pub bandwidth_bytes_per_s: f64,
}

impl RoofOperatorView {
    /// Peak over bandwidth: the intensity where the two ceilings meet.
    pub fn ridge_flops_per_byte(&self) -> f64 {
        self.peak_flops_per_s / self.bandwidth_bytes_per_s
    }

    /// Which ceiling the operator sits under: `memory` left of the ridge, `compute` right of it.
    pub fn side(&self) -> &'static str {
        if self.intensity_flops_per_byte < self.ridge_flops_per_byte() {
            "memory"
        } else {
            "compute"
        }
    }
}

/// The roofline (`xpuscope roofline`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RooflineView {
    /// Model id.
    pub model: String,
    /// The setting, in words.
    pub setting: String,
    /// Every operator on every chip.
    pub operators: Vec<RoofOperatorView>,
    /// The chart's title.
    #[serde(skip)]
    title: String,
    /// The chips' ceilings, for the chart.
    #[serde(skip)]
    roof_chips: Vec<(String, f64, f64)>,
    /// The chart's points.
    #[serde(skip)]
    points: Vec<(String, usize, f64, f64, String)>,
}

/// Runs `roofline` for resolved chips and model.
pub fn roofline(chips: &[&Chip], model: &Model, o: &RooflineOptions) -> Result<RooflineView> {
    let eff = Efficiency::default();
    let cfg = o.resolve()?;
    let mut roof_chips = Vec::new();
    let mut points = Vec::new();
    let mut operators = Vec::new();
    for (i, chip) in chips.iter().enumerate() {
        let hw = Hardware::from_chip(chip, &eff)?;
        let r = xpuscope_perf::infer(chip, model, &cfg, &eff)?;
        let peak = hw.peak(r.plan.gemm).get();
        let bw = hw.bandwidth.get();
        roof_chips.push((format!("{} ({})", chip.id, r.plan.gemm), peak, bw));
        let before = points.len();
        charts::roofline_points(i, &r, &mut points);
        for p in &points[before..] {
            operators.push(RoofOperatorView {
                chip: chip.id.clone(),
                operator: p.label.clone(),
                intensity_flops_per_byte: p.intensity,
                achieved_flops_per_s: p.achieved_flops,
                ceiling_flops_per_s: peak.min(bw * p.intensity),
                peak_flops_per_s: peak,
                bandwidth_bytes_per_s: bw,
            });
        }
    }
    let ids: Vec<&str> = chips.iter().map(|c| c.id.as_str()).collect();
    Ok(RooflineView {
        model: model.id.clone(),
        setting: format!(
            "{}, tp {}, batch {}, {} in / {} out, {} weights; ceilings are dense peaks",
            model.id,
            cfg.layout.tp,
            match cfg.batch {
                Batch::Fixed(b) => b.to_string(),
                Batch::Max => "max".to_string(),
            },
            cfg.input_len,
            cfg.output_len,
            cfg.precisions.weights
        ),
        operators,
        title: format!("Roofline: {}", ids.join(" vs ")),
        roof_chips,
        points: points
            .into_iter()
            .map(|p| (p.label, p.chip, p.intensity, p.achieved_flops, p.phase))
            .collect(),
    })
}

impl RooflineView {
    /// The table for people.
    pub fn text(&self) -> String {
        let mut t = Table::new(&[
            ("chip", Align::Left),
            ("operator", Align::Left),
            ("FLOP/byte", Align::Right),
            ("ridge", Align::Right),
            ("achieved TFLOP/s", Align::Right),
            ("roof TFLOP/s", Align::Right),
            ("side", Align::Left),
        ]);
        for o in &self.operators {
            t.row(vec![
                o.chip.clone(),
                o.operator.clone(),
                sig(o.intensity_flops_per_byte),
                sig(o.ridge_flops_per_byte()),
                sig(o.achieved_flops_per_s / 1e12),
                sig(o.ceiling_flops_per_s / 1e12),
                o.side().into(),
            ]);
        }
        format!("{}\n\n{}", self.setting, t.render())
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        charts::roofline_svg(
            self.title.clone(),
            self.setting.clone(),
            self.roof_chips
                .iter()
                .map(|(name, peak, bw)| RoofChip {
                    name: name.clone(),
                    peak_flops: *peak,
                    bandwidth: *bw,
                })
                .collect(),
            self.points
                .iter()
                .map(|(label, chip, i, f, phase)| RoofPoint {
                    label: label.clone(),
                    chip: *chip,
                    intensity: *i,
                    achieved_flops: *f,
                    phase: phase.clone(),
                })
                .collect(),
        )
    }
}
