//! The grouped bar chart: ratios between chips, one group of horizontal bars per workload, on a
//! linear or log axis with a parity line.
//!
//! It lays out the chart and its legend; the axis, ticks, colours and the document come from the
//! sibling modules. It deliberately computes no ratios: the values arrive as they are drawn.

use std::fmt::Write as _;

use super::axis::{x_axis, Plot};
use super::colour::colour;
use super::document::{esc, header, text_width, truncate, Svg, CHAR_WIDTH_EM};
use super::format::{fmt_sig, n};
use super::scale::{linear_domain, log_domain_125, log_ticks, Scale, ScaleKind};
use super::WIDTH;

/// Grouped horizontal bars: one group per workload, one bar per chip, values are ratios to the
/// first chip (1.0 = parity).
///
/// Bars are horizontal so that long workload names fit as row labels. On a log axis a bar runs
/// from the reference (or, without one, from the left end of the axis) to its value, because a
/// log axis has no zero for bars to start from; on a linear axis bars start at zero.
pub struct BarChart {
    /// Drawn in bold at the top, cut with an ellipsis to fit; also the document's `<title>`.
    pub title: String,
    /// One line under the title, cut to fit; `None` or empty draws none.
    pub subtitle: Option<String>,
    /// Axis label with unit, e.g. "performance relative to h100-sxm (x, log scale)".
    pub value_label: String,
    /// Workload names, e.g. "decode bs1 (TPOT)", top to bottom.
    pub groups: Vec<String>,
    /// One per chip; `values[i]` belongs to `groups[i]`.
    pub series: Vec<Series>,
    /// Draws a labelled line at this value (usually 1.0, parity with the first chip).
    pub reference: Option<f64>,
    /// Log scale, for ratios that span 0.1x..10x.
    pub log_scale: bool,
}

/// One chip's values in a [`BarChart`].
pub struct Series {
    /// The chip, shown in the legend and in each bar's tooltip.
    pub name: String,
    /// One per group; `None` (or a missing entry) is no value: nothing drawn, labelled "n/a".
    pub values: Vec<Option<f64>>,
}

/// Renders a grouped bar chart as a standalone SVG document.
pub fn bar_chart(c: &BarChart) -> String {
    let n_groups = c.groups.len();
    let n_series = c.series.len();
    let scale_kind = if c.log_scale {
        ScaleKind::Log
    } else {
        ScaleKind::Linear
    };

    // Every drawable value, and the reference, in axis units (log10 on a log axis).
    let reference = c.reference.and_then(|r| scale_kind.to_axis(r));
    let axis_values: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().take(n_groups))
        .filter_map(|v| v.and_then(|v| scale_kind.to_axis(v)))
        .chain(reference)
        .collect();
    let (lo, hi, ticks) = match scale_kind {
        ScaleKind::Log => {
            let (lo, hi) = log_domain_125(&axis_values);
            (lo, hi, log_ticks(lo, hi, 0, "x"))
        }
        ScaleKind::Linear => linear_domain(&axis_values, "x"),
    };

    // Header: title, subtitle, then a legend that wraps onto more rows when it must.
    let mut svg = Svg::default();
    let mut y = header(&mut svg, &c.title, c.subtitle.as_deref(), WIDTH);
    let legend_items: Vec<(String, &str)> = c
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.clone(), colour(i)))
        .collect();
    y = legend_rows(&mut svg, &legend_items, 24.0, y + 8.0, WIDTH - 24.0);

    // Plot area: row labels on the left, sized to the longest workload name within limits.
    let longest = c
        .groups
        .iter()
        .map(|g| g.chars().count())
        .max()
        .unwrap_or(0);
    let left = (text_width(longest, 12.0) + 24.0).clamp(110.0, 320.0);
    let right = WIDTH - 30.0;
    let top = y + 22.0; // Room above the plot for the reference label.
    let gap = 10.0;
    // Aim for a ~560 px tall chart; grow past that when there are many bars.
    let bar_h = if n_groups == 0 || n_series == 0 {
        0.0
    } else {
        ((400.0 / n_groups as f64 - gap) / n_series as f64).clamp(11.0, 24.0)
    };
    let band = n_series as f64 * bar_h + gap;
    let plot_h = if n_groups == 0 || n_series == 0 {
        120.0
    } else {
        n_groups as f64 * band
    };
    let bottom = top + plot_h;
    let height = bottom + 62.0;

    // The axis leaves room at both ends for value labels of bars that reach them.
    let scale = Scale {
        d0: lo,
        d1: hi,
        p0: left + 48.0,
        p1: right - 48.0,
    };

    // Alternate row shading, then the grid, so bars draw over both.
    svg.raw(&format!(
        r#"<rect class="plot-area" x="{}" y="{}" width="{}" height="{}" fill="none"/>"#,
        n(left),
        n(top),
        n(right - left),
        n(plot_h)
    ));
    for g in (1..n_groups).step_by(2) {
        svg.raw(&format!(
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f3f3f3"/>"##,
            n(left),
            n(top + g as f64 * band),
            n(right - left),
            n(band)
        ));
    }
    let plot = Plot {
        left,
        right,
        top,
        bottom,
    };
    x_axis(&mut svg, &scale, &ticks, &plot, &c.value_label);

    // Row labels.
    let max_chars = ((left - 16.0) / (12.0 * CHAR_WIDTH_EM)).floor().max(4.0) as usize;
    for (g, name) in c.groups.iter().enumerate() {
        let cy = top + g as f64 * band + band / 2.0;
        svg.text(
            left - 8.0,
            cy + 4.0,
            &truncate(name, max_chars),
            12.0,
            "end",
            r#"class="group""#,
        );
    }

    // Bars run from the baseline to the value.
    let baseline = match scale_kind {
        ScaleKind::Log => reference.unwrap_or(lo),
        ScaleKind::Linear => 0.0_f64.clamp(lo, hi),
    };
    let base_px = scale.px(baseline);
    for (g, group) in c.groups.iter().enumerate() {
        for (s, series) in c.series.iter().enumerate() {
            let y0 = top + g as f64 * band + gap / 2.0 + s as f64 * bar_h;
            let raw = series.values.get(g).copied().flatten();
            let Some((v, a)) = raw.and_then(|v| scale_kind.to_axis(v).map(|a| (v, a))) else {
                svg.text(
                    base_px + 4.0,
                    y0 + bar_h / 2.0 + 3.5,
                    "n/a",
                    10.0,
                    "start",
                    r##"class="na" fill="#777777""##,
                );
                continue;
            };
            let end = scale.px(a);
            // A bar at the baseline would be invisible; draw it as a 2 px sliver.
            let (x, w) = if (end - base_px).abs() < 2.0 {
                (base_px.min(end) - 1.0, 2.0)
            } else {
                (base_px.min(end), (end - base_px).abs())
            };
            let label = format!("{}x", fmt_sig(v, 2));
            let _ = write!(
                svg.out,
                r#"<rect class="bar" data-group="{g}" data-series="{s}" data-value="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
                fmt_sig(v, 6),
                n(x),
                n(y0 + 1.0),
                n(w),
                n(bar_h - 2.0),
                colour(s),
                esc(&format!("{}, {}: {label}", series.name, group)),
            );
            let (lx, anchor) = if a >= baseline {
                (x + w + 4.0, "start")
            } else {
                (x - 4.0, "end")
            };
            svg.text(
                lx,
                y0 + bar_h / 2.0 + 3.5,
                &label,
                10.0,
                anchor,
                r##"class="value" fill="#333333""##,
            );
        }
    }

    // The reference line is drawn last so no bar hides it; without bars it would cross "no data".
    let has_data = n_groups > 0 && n_series > 0;
    if let Some(r) = reference.filter(|_| has_data) {
        let px = scale.px(r);
        let value = c.reference.unwrap_or(1.0);
        let label = match c.series.first() {
            Some(first) if value == 1.0 => format!("1x = {}", first.name),
            _ => format!("reference {}x", fmt_sig(value, 3)),
        };
        svg.raw(&format!(
            r##"<line class="reference" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#333333" stroke-width="1.5" stroke-dasharray="5 3"/>"##,
            n(px),
            n(top - 4.0),
            n(bottom)
        ));
        svg.text(
            px,
            top - 8.0,
            &label,
            11.0,
            "middle",
            r#"class="reference-label""#,
        );
    }

    if !has_data {
        svg.no_data((left + right) / 2.0, top + plot_h / 2.0);
    }

    svg.finish(&c.title, WIDTH, height)
}

/// Draws legend swatches in rows from `x0`, wrapping at `x1`; returns the y below the last row.
fn legend_rows(svg: &mut Svg, items: &[(String, &str)], x0: f64, y0: f64, x1: f64) -> f64 {
    if items.is_empty() {
        return y0;
    }
    let (mut x, mut y) = (x0, y0);
    for (name, fill) in items {
        let name = truncate(name, 40);
        let w = 18.0 + text_width(name.chars().count(), 12.0) + 18.0;
        if x > x0 && x + w > x1 {
            x = x0;
            y += 18.0;
        }
        svg.raw(&format!(
            r#"<rect x="{}" y="{}" width="12" height="12" fill="{fill}"/>"#,
            n(x),
            n(y)
        ));
        svg.text(
            x + 18.0,
            y + 10.5,
            &name,
            12.0,
            "start",
            r#"class="legend""#,
        );
        x += w;
    }
    y + 18.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::tests::{check_valid, elements, num, ratios};

    #[test]
    fn bar_chart_has_title_axis_legend_reference_and_values() {
        let c = ratios(
            &[
                vec![Some(1.0), Some(1.0)],
                vec![Some(0.15), Some(3.2)],
                vec![None, Some(2.0)],
            ],
            true,
        );
        let texts = check_valid(&bar_chart(&c));
        for want in [
            "Inference on llama-3-70b",
            "bf16, 8 chips",
            "performance relative to h100-sxm (x, log scale)",
            "h100-sxm",
            "mi300x",
            "tpu-v5p",
            "workload 0",
            "workload 1",
            "1x = h100-sxm",
            "0.15x",
            "3.2x",
            "n/a",
            // 0.15..3.2 snaps to 0.1..5: every 1-2-5 step labelled.
            "0.1x",
            "0.2x",
            "0.5x",
            "1x",
            "2x",
            "5x",
        ] {
            assert!(texts.iter().any(|t| t == want), "no {want:?} in {texts:?}");
        }
        assert!(
            !texts.iter().any(|t| t == "10x"),
            "axis overshoots: {texts:?}"
        );

        // A linear axis starts at zero and steps in round numbers.
        let c = ratios(&[vec![Some(1.0)], vec![Some(0.3)], vec![Some(3.2)]], false);
        let texts = check_valid(&bar_chart(&c));
        for want in ["0x", "1x", "2x", "3x", "4x", "0.3x", "1x = h100-sxm"] {
            assert!(texts.iter().any(|t| t == want), "no {want:?} in {texts:?}");
        }
    }

    /// The pixel at which each bar ends, keyed by its value: the far end from the baseline.
    fn bar_ends(svg: &str, baseline: f64) -> Vec<(f64, f64)> {
        let mut ends: Vec<(f64, f64)> = elements(svg, "bar")
            .iter()
            .map(|a| {
                let v = num(a, "data-value");
                let (x, w) = (num(a, "x"), num(a, "width"));
                (v, if v >= baseline { x + w } else { x })
            })
            .collect();
        ends.sort_by(|a, b| a.0.total_cmp(&b.0));
        ends
    }

    #[test]
    fn larger_ratio_ends_further_along_the_axis() {
        for log_scale in [true, false] {
            let values = [1.0, 0.1, 0.15, 0.5, 0.9, 1.1, 2.0, 3.3, 10.0];
            let c = ratios(&values.map(|v| vec![Some(v)]), log_scale);
            let svg = bar_chart(&c);
            check_valid(&svg);
            let ends = bar_ends(&svg, if log_scale { 1.0 } else { 0.0 });
            assert_eq!(ends.len(), values.len());
            for w in ends.windows(2) {
                assert!(w[1].1 > w[0].1, "log={log_scale}: {ends:?}");
            }
        }
    }

    #[test]
    fn log_bars_diverge_from_parity() {
        let c = ratios(&[vec![Some(1.0)], vec![Some(0.25)], vec![Some(4.0)]], true);
        let svg = bar_chart(&c);
        let reference = &elements(&svg, "reference")[0];
        let ref_x = num(reference, "x1");
        let bars = elements(&svg, "bar");
        // 0.25x and 4x are equally far from parity on a log axis, on opposite sides.
        let slow = &bars[1];
        let fast = &bars[2];
        assert!((num(slow, "x") + num(slow, "width") - ref_x).abs() < 0.2);
        assert!((num(fast, "x") - ref_x).abs() < 0.2);
        assert!((num(slow, "width") - num(fast, "width")).abs() < 0.2);
    }
}
