//! The roofline: each chip's compute and bandwidth ceilings on log-log axes, meeting at its
//! ridge point, with operators placed as points at (arithmetic intensity, achieved FLOP/s).
//!
//! It lays out the chart, places point labels so they avoid gross overlap, and draws the legend
//! of chips and phase markers. It deliberately computes no intensities or throughputs: the cost
//! model does, and the points arrive as they are drawn.

use std::fmt::Write as _;

use super::axis::{x_axis, y_axis, Plot};
use super::colour::{colour, NO_COLOUR};
use super::document::{esc, header, text_width, truncate, Svg, CHAR_WIDTH_EM};
use super::format::{fmt_sig, n};
use super::scale::{log_ticks, padded_log_domain, ScaleKind};
use super::WIDTH;

/// Roofline: per chip a compute ceiling (horizontal line at peak FLOP/s) and a bandwidth ceiling
/// (a line of slope 1 in log-log: FLOP/s = bandwidth x intensity) meeting at the ridge point;
/// operators are placed as points at (arithmetic intensity, achieved FLOP/s).
pub struct Roofline {
    /// Drawn in bold at the top, cut with an ellipsis to fit; also the document's `<title>`.
    pub title: String,
    /// One line under the title, cut to fit; `None` or empty draws none.
    pub subtitle: Option<String>,
    /// Ceilings, one per chip, in legend order; a point's `chip` indexes this.
    pub chips: Vec<RoofChip>,
    /// Operators, drawn in this order; a later label moves aside for an earlier one.
    pub points: Vec<RoofPoint>,
}

/// One chip's ceilings in a [`Roofline`].
pub struct RoofChip {
    /// Shown in the legend and in tooltips, e.g. "h100-sxm".
    pub name: String,
    /// Peak compute, FLOP/s.
    pub peak_flops: f64,
    /// Memory bandwidth, bytes/s.
    pub bandwidth: f64,
}

/// One operator in a [`Roofline`].
pub struct RoofPoint {
    /// E.g. "decode: mlp".
    pub label: String,
    /// Index into [`Roofline::chips`]; it picks the colour.
    pub chip: usize,
    /// Arithmetic intensity, FLOP/byte.
    pub intensity: f64,
    /// Achieved throughput, FLOP/s.
    pub achieved_flops: f64,
    /// "prefill" (square marker), "decode" (circle); anything else is a diamond.
    pub phase: String,
}

/// Renders a roofline chart as a standalone SVG document.
pub fn roofline(r: &Roofline) -> String {
    const LOG_TERA: i32 = 12;
    let (left, right) = (80.0, 640.0);

    // Ceilings in log10 units; a chip with a non-positive or non-finite number has none.
    let ceilings: Vec<Option<(f64, f64)>> = r
        .chips
        .iter()
        .map(|c| {
            Some((
                ScaleKind::Log.to_axis(c.peak_flops)?,
                ScaleKind::Log.to_axis(c.bandwidth)?,
            ))
        })
        .collect();
    let points: Vec<(usize, f64, f64)> = r
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            Some((
                i,
                ScaleKind::Log.to_axis(p.intensity)?,
                ScaleKind::Log.to_axis(p.achieved_flops)?,
            ))
        })
        .collect();

    // Intensity: every point and every ridge, with a decade of bandwidth slope left of each ridge
    // so the knee reads as a knee.
    let mut xs: Vec<f64> = points.iter().map(|p| p.1).collect();
    for (lp, lb) in ceilings.iter().flatten() {
        let ridge = lp - lb;
        xs.extend([ridge - 1.0, ridge + 0.5]);
    }
    let (x_lo, x_hi) = padded_log_domain(&xs, (-1.0, 4.0));

    // Throughput: every point and every peak; the bandwidth ceilings may reach further down at the
    // left edge, but at most six decades below the top so a slow chip does not squash the plot.
    let mut ys: Vec<f64> = points.iter().map(|p| p.2).collect();
    ys.extend(ceilings.iter().flatten().map(|(lp, _)| *lp));
    let top_y = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top_y.is_finite() {
        let roof_floor = ceilings
            .iter()
            .flatten()
            .map(|(_, lb)| (lb + x_lo).max(top_y - 6.0))
            .fold(f64::INFINITY, f64::min);
        if roof_floor.is_finite() {
            ys.push(roof_floor);
        }
    }
    let (y_lo, y_hi) = padded_log_domain(&ys, (12.0, 16.0));

    let mut svg = Svg::default();
    let mut y = header(&mut svg, &r.title, r.subtitle.as_deref(), WIDTH);
    y = y.max(54.0);
    let top = y + 16.0;
    let bottom = top + 420.0;
    let plot = Plot {
        left,
        right,
        top,
        bottom,
    };
    let (xs_scale, ys_scale) = plot.scales((x_lo, x_hi), (y_lo, y_hi));
    let x_ticks = log_ticks(x_lo, x_hi, 0, "");
    let y_ticks = log_ticks(y_lo, y_hi, LOG_TERA, "");
    plot.frame(&mut svg);
    x_axis(
        &mut svg,
        &xs_scale,
        &x_ticks,
        &plot,
        "arithmetic intensity (FLOP/byte)",
    );
    y_axis(&mut svg, &ys_scale, &y_ticks, &plot, "throughput (TFLOP/s)");

    // Ceilings: from where the bandwidth slope enters the plot, up to the ridge, then flat.
    for (i, ceiling) in ceilings.iter().enumerate() {
        let Some((lp, lb)) = *ceiling else { continue };
        let ridge = lp - lb;
        let x_start = x_lo.max(y_lo - lb).min(ridge);
        let corners = [(x_start, lb + x_start), (ridge, lp), (x_hi, lp)];
        let pts: Vec<String> = corners
            .iter()
            .map(|&(x, y)| format!("{},{}", n(xs_scale.px(x)), n(ys_scale.px(y))))
            .collect();
        let _ = write!(
            svg.out,
            r#"<polyline class="roof" data-chip="{i}" points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            pts.join(" "),
            colour(i)
        );
        let _ = write!(
            svg.out,
            r#"<circle class="ridge" data-chip="{i}" data-intensity="{}" cx="{}" cy="{}" r="3.5" fill="white" stroke="{}" stroke-width="1.5"><title>{}</title></circle>"#,
            fmt_sig(10f64.powf(ridge), 6),
            n(xs_scale.px(ridge)),
            n(ys_scale.px(lp)),
            colour(i),
            esc(&format!(
                "{}: ridge at {} FLOP/byte",
                r.chips[i].name,
                fmt_sig(10f64.powf(ridge), 3)
            )),
        );
    }

    // Operators, then their labels, each label at the first offset that does not overlap a label
    // already placed (or the first offset when all do).
    let mut placed: Vec<Rect> = Vec::new();
    let mut labels = String::new();
    for &(i, lx, ly) in &points {
        let p = &r.points[i];
        let (cx, cy) = (xs_scale.px(lx), ys_scale.px(ly));
        let fill = r.chips.get(p.chip).map_or(NO_COLOUR, |_| colour(p.chip));
        let tip = esc(&format!(
            "{} ({}): {} FLOP/byte, {} TFLOP/s",
            p.label,
            r.chips.get(p.chip).map_or("?", |c| c.name.as_str()),
            fmt_sig(p.intensity, 3),
            fmt_sig(p.achieved_flops / 1e12, 3)
        ));
        let _ = write!(
            svg.out,
            r#"<g class="point" data-chip="{}" data-phase="{}">"#,
            p.chip,
            esc(&p.phase)
        );
        marker(&mut svg, &p.phase, cx, cy, fill);
        let _ = write!(svg.out, "<title>{tip}</title></g>");

        let w = text_width(p.label.chars().count(), 9.0);
        let candidates = [
            (cx + 6.0, cy - 5.0, "start"),
            (cx + 6.0, cy + 12.0, "start"),
            (cx - 6.0, cy - 5.0, "end"),
            (cx - 6.0, cy + 12.0, "end"),
            (cx, cy - 9.0, "middle"),
            (cx, cy + 17.0, "middle"),
        ];
        let boxed = |&(x, y, anchor): &(f64, f64, &str)| {
            let x0 = match anchor {
                "start" => x,
                "end" => x - w,
                _ => x - w / 2.0,
            };
            Rect {
                x0,
                y0: y - 9.0,
                x1: x0 + w,
                y1: y + 2.0,
            }
        };
        let chosen = candidates
            .iter()
            .find(|c| {
                let b = boxed(c);
                b.x0 >= left && b.x1 <= right && !placed.iter().any(|p| p.overlaps(&b))
            })
            .unwrap_or(&candidates[0]);
        placed.push(boxed(chosen));
        let _ = write!(
            labels,
            r##"<text class="point-label" x="{}" y="{}" font-size="9" text-anchor="{}" fill="#333333">{}</text>"##,
            n(chosen.0),
            n(chosen.1),
            chosen.2,
            esc(&p.label)
        );
    }
    svg.raw(&labels);

    // Legend on the right: chips with their ceilings, then the marker shape of each phase shown.
    let lx = right + 20.0;
    let mut ly = top + 4.0;
    let max_chars = ((WIDTH - lx - 10.0) / (11.0 * CHAR_WIDTH_EM)).floor() as usize;
    for (i, chip) in r.chips.iter().enumerate() {
        svg.raw(&format!(
            r#"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{3}" stroke-width="2.5"/>"#,
            n(lx),
            n(ly + 5.0),
            n(lx + 18.0),
            colour(i)
        ));
        svg.text(
            lx + 24.0,
            ly + 9.0,
            &truncate(&chip.name, max_chars),
            12.0,
            "start",
            r#"class="legend""#,
        );
        let detail = match ceilings[i] {
            Some((lp, lb)) => format!(
                "{} TFLOP/s, {} TB/s, ridge {}",
                fmt_sig(chip.peak_flops / 1e12, 3),
                fmt_sig(chip.bandwidth / 1e12, 3),
                fmt_sig(10f64.powf(lp - lb), 3)
            ),
            None => "no valid peak or bandwidth".to_string(),
        };
        svg.text(
            lx + 24.0,
            ly + 22.0,
            &truncate(&detail, max_chars + 4),
            9.0,
            "start",
            r##"fill="#555555""##,
        );
        ly += 32.0;
    }
    let mut phases: Vec<&str> = Vec::new();
    for p in &r.points {
        if !phases.contains(&p.phase.as_str()) {
            phases.push(&p.phase);
        }
    }
    if !phases.is_empty() {
        ly += 6.0;
        svg.text(lx, ly + 9.0, "phase", 11.0, "start", r##"fill="#555555""##);
        ly += 18.0;
    }
    for phase in phases {
        marker(&mut svg, phase, lx + 9.0, ly + 5.0, "#555555");
        svg.text(
            lx + 24.0,
            ly + 9.0,
            &truncate(phase, max_chars),
            12.0,
            "start",
            r#"class="legend-phase""#,
        );
        ly += 20.0;
    }

    if points.is_empty() && ceilings.iter().all(Option::is_none) {
        svg.no_data((left + right) / 2.0, (top + bottom) / 2.0);
    }

    let height = (bottom + 62.0).max(ly + 20.0);
    svg.finish(&r.title, WIDTH, height)
}

/// A point marker whose shape tells the phase: square for prefill, circle for decode, diamond
/// for anything else.
fn marker(svg: &mut Svg, phase: &str, cx: f64, cy: f64, fill: &str) {
    let style = format!(r#"fill="{fill}" fill-opacity="0.85" stroke="white" stroke-width="1""#);
    let _ = match phase {
        "prefill" => write!(
            svg.out,
            r#"<rect x="{}" y="{}" width="9" height="9" {style}/>"#,
            n(cx - 4.5),
            n(cy - 4.5)
        ),
        "decode" => write!(
            svg.out,
            r#"<circle cx="{}" cy="{}" r="5" {style}/>"#,
            n(cx),
            n(cy)
        ),
        _ => write!(
            svg.out,
            r#"<polygon points="{},{} {},{} {},{} {},{}" {style}/>"#,
            n(cx),
            n(cy - 6.0),
            n(cx + 6.0),
            n(cy),
            n(cx),
            n(cy + 6.0),
            n(cx - 6.0),
            n(cy)
        ),
    };
}

/// A box in pixels, to test labels for overlap.
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    /// Whether the two boxes share any area; touching edges do not count.
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::tests::{check_valid, elements, h100_and_fast, num};

    #[test]
    fn roofline_has_one_ridge_per_chip_at_peak_over_bandwidth() {
        let r = h100_and_fast();
        let svg = roofline(&r);
        let texts = check_valid(&svg);
        for want in [
            "Roofline: llama-3-70b",
            "arithmetic intensity (FLOP/byte)",
            "throughput (TFLOP/s)",
            "h100-sxm",
            "fast",
            "prefill",
            "decode",
            "decode: mlp",
            "prefill: attention",
            // Decades of TFLOP/s and FLOP/byte.
            "1000",
            "100",
            "1",
        ] {
            assert!(texts.iter().any(|t| t == want), "no {want:?} in {texts:?}");
        }

        let plot = &elements(&svg, "plot-area")[0];
        let (x0, x1) = (num(plot, "x"), num(plot, "x") + num(plot, "width"));
        let (y0, y1) = (num(plot, "y"), num(plot, "y") + num(plot, "height"));
        // Two decade ticks give the log mapping to check the ridges against.
        let ticks = elements(&svg, "tick-x");
        let decade = |d: f64| {
            let t = ticks.iter().find(|t| num(t, "data-at") == d).unwrap();
            num(t, "x1")
        };
        let (px0, px1) = (decade(0.0), decade(1.0));
        let ridges = elements(&svg, "ridge");
        assert_eq!(ridges.len(), 2);
        for (chip, ridge) in r.chips.iter().zip(&ridges) {
            let expected = chip.peak_flops / chip.bandwidth;
            let at = num(ridge, "data-intensity");
            assert!((at / expected - 1.0).abs() < 1e-4, "{at} vs {expected}");
            let cx = num(ridge, "cx");
            let cy = num(ridge, "cy");
            assert!(x0 < cx && cx < x1 && y0 < cy && cy < y1, "{cx},{cy}");
            let want_cx = px0 + expected.log10() * (px1 - px0);
            assert!((cx - want_cx).abs() < 0.3, "{cx} vs {want_cx}");
        }
        // The faster chip's compute ceiling is higher (smaller y).
        assert!(num(&ridges[1], "cy") < num(&ridges[0], "cy"));
        assert_eq!(elements(&svg, "roof").len(), 2);
        assert_eq!(elements(&svg, "point").len(), 4);
    }
}
