//! Standalone SVG charts: grouped bars of ratios between chips, a roofline, and a heat map of a
//! sweep.
//!
//! Plain data goes in and an SVG document comes out as a `String`; this module does no file I/O
//! and knows nothing of the catalogue or the cost model, so the commands decide what to plot and
//! where to write it. Output is deterministic: no randomness, no hash-map order, and every number
//! written with a fixed, small number of decimals, so the same input gives the same bytes.
//!
//! Values that cannot be drawn (NaN, infinities, and on a log axis zero or negative) are skipped
//! rather than panicking; a bar without a value is labelled "n/a". Text is escaped for XML.
//!
//! It deliberately does not try to be a plotting library: there are three chart kinds with fixed
//! layouts, text widths are estimated from the character count (there is no font metrics), and
//! labels avoid only gross overlap.

use std::fmt::Write as _;

/// Width of the bar chart and the roofline, in SVG user units (pixels when opened directly); a
/// heat map sizes itself to its rows and columns.
const WIDTH: f64 = 900.0;

/// Okabe & Ito (2008), "Color Universal Design": eight colours distinguishable under the common
/// forms of colour blindness. Reordered so the first few contrast best on white; yellow comes
/// last because it is hard to read on a white background.
const PALETTE: [&str; 8] = [
    "#0072B2", // blue
    "#D55E00", // vermillion
    "#009E73", // bluish green
    "#CC79A7", // reddish purple
    "#E69F00", // orange
    "#56B4E9", // sky blue
    "#000000", // black
    "#F0E442", // yellow
];

/// Colour for items whose series or chip index is out of range.
const NO_COLOUR: &str = "#999999";

/// Average advance of one character in a sans-serif font, as a fraction of the font size. Used to
/// size margins and legends without font metrics.
const CHAR_WIDTH_EM: f64 = 0.6;

/// Grouped horizontal bars: one group per workload, one bar per chip, values are ratios to the
/// first chip (1.0 = parity).
///
/// Bars are horizontal so that long workload names fit as row labels. On a log axis a bar runs
/// from the reference (or, without one, from the left end of the axis) to its value, because a
/// log axis has no zero for bars to start from; on a linear axis bars start at zero.
pub struct BarChart {
    pub title: String,
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
    pub name: String,
    /// One per group; `None` (or a missing entry) is no value: nothing drawn, labelled "n/a".
    pub values: Vec<Option<f64>>,
}

/// Roofline: per chip a compute ceiling (horizontal line at peak FLOP/s) and a bandwidth ceiling
/// (a line of slope 1 in log-log: FLOP/s = bandwidth x intensity) meeting at the ridge point;
/// operators are placed as points at (arithmetic intensity, achieved FLOP/s).
pub struct Roofline {
    pub title: String,
    pub subtitle: Option<String>,
    pub chips: Vec<RoofChip>,
    pub points: Vec<RoofPoint>,
}

/// One chip's ceilings in a [`Roofline`].
pub struct RoofChip {
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

/// A grid of coloured cells: one row per chip, one column per setting, each cell coloured by its
/// value on a sequential colour-blind-safe ramp (log when the values span more than 20x) and
/// labelled with it. At most [`MAX_HEAT_ROWS`] rows and [`MAX_HEAT_COLUMNS`] columns are drawn;
/// the subtitle says when more were given.
pub struct HeatMap {
    pub title: String,
    pub subtitle: Option<String>,
    /// Colour-bar label with unit, e.g. "output tokens/s per chip".
    pub value_label: String,
    /// Row labels (chip ids), top to bottom.
    pub rows: Vec<String>,
    /// Column labels, left to right, e.g. "llama-3.1-8b bs64".
    pub columns: Vec<String>,
    /// `cells[r][c]` belongs to `rows[r]` and `columns[c]`; a missing entry is a cell without a
    /// value.
    pub cells: Vec<Vec<Cell>>,
}

/// One cell of a [`HeatMap`].
#[derive(Clone, Debug, Default)]
pub struct Cell {
    /// `None`, or a value that is not finite, is drawn grey and labelled "n/a".
    pub value: Option<f64>,
    /// Shown in the cell's tooltip after its value: why there is none, or detail about it.
    pub note: Option<String>,
}

/// Columns beyond this are left out of a [`HeatMap`]: 60 cells of the minimum width already make
/// a chart about 2,700 px wide.
pub const MAX_HEAT_COLUMNS: usize = 60;

/// Rows beyond this are left out of a [`HeatMap`].
pub const MAX_HEAT_ROWS: usize = 60;

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
        r##"<rect class="plot-area" x="{}" y="{}" width="{}" height="{}" fill="none"/>"##,
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
    x_axis(
        &mut svg,
        &scale,
        &ticks,
        top,
        bottom,
        &c.value_label,
        left,
        right,
    );

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
            r##"class="group""##,
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
                r##"<rect class="bar" data-group="{g}" data-series="{s}" data-value="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"##,
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
            r##"class="reference-label""##,
        );
    }

    if !has_data {
        svg.text(
            (left + right) / 2.0,
            top + plot_h / 2.0,
            "no data",
            14.0,
            "middle",
            r##"fill="#777777""##,
        );
    }

    svg.finish(&c.title, WIDTH, height)
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
    let xs_scale = Scale {
        d0: x_lo,
        d1: x_hi,
        p0: left,
        p1: right,
    };
    let ys_scale = Scale {
        d0: y_lo,
        d1: y_hi,
        p0: bottom,
        p1: top,
    };

    svg.raw(&format!(
        r##"<rect class="plot-area" x="{}" y="{}" width="{}" height="{}" fill="none"/>"##,
        n(left),
        n(top),
        n(right - left),
        n(bottom - top)
    ));
    let x_ticks = log_ticks(x_lo, x_hi, 0, "");
    let y_ticks = log_ticks(y_lo, y_hi, LOG_TERA, "");
    x_axis(
        &mut svg,
        &xs_scale,
        &x_ticks,
        top,
        bottom,
        "arithmetic intensity (FLOP/byte)",
        left,
        right,
    );
    y_axis(
        &mut svg,
        &ys_scale,
        &y_ticks,
        left,
        right,
        "throughput (TFLOP/s)",
        top,
        bottom,
    );

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
            r##"<polyline class="roof" data-chip="{i}" points="{}" fill="none" stroke="{}" stroke-width="2"/>"##,
            pts.join(" "),
            colour(i)
        );
        let _ = write!(
            svg.out,
            r##"<circle class="ridge" data-chip="{i}" data-intensity="{}" cx="{}" cy="{}" r="3.5" fill="white" stroke="{}" stroke-width="1.5"><title>{}</title></circle>"##,
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
            r##"<g class="point" data-chip="{}" data-phase="{}">"##,
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
            r##"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="{3}" stroke-width="2.5"/>"##,
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
            r##"class="legend""##,
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
            r##"class="legend-phase""##,
        );
        ly += 20.0;
    }

    if points.is_empty() && ceilings.iter().all(Option::is_none) {
        svg.text(
            (left + right) / 2.0,
            (top + bottom) / 2.0,
            "no data",
            14.0,
            "middle",
            r##"fill="#777777""##,
        );
    }

    let height = (bottom + 62.0).max(ly + 20.0);
    svg.finish(&r.title, WIDTH, height)
}

/// Renders a heat map as a standalone SVG document.
pub fn heat_map(h: &HeatMap) -> String {
    let n_rows = h.rows.len().min(MAX_HEAT_ROWS);
    let n_cols = h.columns.len().min(MAX_HEAT_COLUMNS);
    let cell = |r: usize, c: usize| h.cells.get(r).and_then(|row| row.get(c));
    let value = |r: usize, c: usize| cell(r, c).and_then(|c| c.value).filter(|v| v.is_finite());
    let values: Vec<f64> = (0..n_rows)
        .flat_map(|r| (0..n_cols).map(move |c| (r, c)))
        .filter_map(|(r, c)| value(r, c))
        .collect();
    let colours = ColourScale::new(&values);
    let any_missing = values.len() < n_rows * n_cols;

    // The subtitle leads with what was left out, so truncation cannot cut that off.
    let mut cut = Vec::new();
    if h.columns.len() > n_cols {
        cut.push(format!("first {n_cols} of {} columns", h.columns.len()));
    }
    if h.rows.len() > n_rows {
        cut.push(format!("first {n_rows} of {} rows", h.rows.len()));
    }
    let subtitle = match (cut.is_empty(), h.subtitle.as_deref()) {
        (true, s) => s.map(str::to_string),
        (false, Some(s)) if !s.is_empty() => Some(format!("{} shown; {s}", cut.join(" and "))),
        (false, _) => Some(format!("{} shown", cut.join(" and "))),
    };

    // Cells shrink as columns and rows are added, down to a size that still holds "1.23k".
    let cell_w = (760.0 / n_cols.max(1) as f64).clamp(44.0, 96.0);
    let cell_h = (400.0 / n_rows.max(1) as f64).clamp(24.0, 40.0);
    let row_labels: Vec<String> = h.rows[..n_rows].iter().map(|r| truncate(r, 32)).collect();
    let col_labels: Vec<String> = h.columns[..n_cols]
        .iter()
        .map(|c| truncate(c, 40))
        .collect();
    let col_w: Vec<f64> = col_labels
        .iter()
        .map(|c| text_width(c.chars().count(), 11.0))
        .collect();
    // Column labels wider than their cell are turned 45 degrees; they then hang down and to the
    // left of their cell, so the left margin must hold the first ones.
    let rotate = col_w.iter().any(|w| *w > cell_w - 6.0);
    let diag = std::f64::consts::FRAC_1_SQRT_2;
    let overhang = if rotate {
        col_w
            .iter()
            .enumerate()
            .map(|(c, w)| w * diag - (c as f64 + 0.5) * cell_w)
            .fold(0.0, f64::max)
    } else {
        0.0
    };
    let longest_row = row_labels
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(0);
    let left = (text_width(longest_row, 12.0) + 20.0)
        .max(overhang + 16.0)
        .max(60.0);
    let grid_w = n_cols as f64 * cell_w;
    let grid_h = n_rows as f64 * cell_h;
    let below = if rotate {
        col_w.iter().copied().fold(0.0, f64::max) * diag + 20.0
    } else {
        26.0
    };
    let width = (left + grid_w + 30.0).max(640.0);

    // The subtitle lists every fixed setting, which may not fit one line; it wraps onto up to
    // three.
    let mut svg = Svg::default();
    let mut y = header(&mut svg, &h.title, None, width);
    let max_chars = ((width - 48.0) / (12.0 * CHAR_WIDTH_EM)) as usize;
    let lines = subtitle.map_or_else(Vec::new, |s| wrap(&s, max_chars, 3));
    for (i, line) in lines.iter().enumerate() {
        svg.text(
            24.0,
            50.0 + 16.0 * i as f64,
            line,
            12.0,
            "start",
            r##"class="subtitle" fill="#555555""##,
        );
        y = 54.0 + 16.0 * i as f64;
    }

    // Legend: the metric, a colour bar with ticks, and the n/a swatch when a cell has no value.
    let bar = Scale {
        d0: 0.0,
        d1: 1.0,
        p0: 24.0,
        p1: 324.0,
    };
    let (bar_y, bar_h) = (y + 28.0, 12.0);
    let legend_label = match colours.kind {
        ScaleKind::Log => format!("{} (log scale)", h.value_label),
        ScaleKind::Linear => h.value_label.clone(),
    };
    svg.text(
        bar.p0,
        bar_y - 6.0,
        &truncate(&legend_label, 60),
        12.0,
        "start",
        r##"class="legend-label""##,
    );
    let stops: String = VIRIDIS
        .iter()
        .enumerate()
        .map(|(i, &rgb)| {
            format!(
                r##"<stop offset="{}" stop-color="{}"/>"##,
                trim_zeros(format!("{:.4}", i as f64 / (VIRIDIS.len() - 1) as f64)),
                hex(rgb)
            )
        })
        .collect();
    svg.raw(&format!(
        r##"<defs><linearGradient id="heat-ramp" x1="0" y1="0" x2="1" y2="0">{stops}</linearGradient></defs>"##
    ));
    svg.raw(&format!(
        r##"<rect class="colour-bar" x="{}" y="{}" width="{}" height="{}" fill="url(#heat-ramp)" stroke="#999999" stroke-width="0.5"/>"##,
        n(bar.p0),
        n(bar_y),
        n(bar.p1 - bar.p0),
        n(bar_h)
    ));
    // Tick labels that would overlap the one before are left out.
    let mut free_from = f64::NEG_INFINITY;
    for t in &colours.ticks {
        let x = bar.px(colours.position(t.at));
        let len = if t.label.is_some() { 4.0 } else { 2.0 };
        let _ = write!(
            svg.out,
            r##"<line class="colour-tick" data-at="{}" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#333333" stroke-width="1"/>"##,
            fmt_sig(t.at, 6),
            n(bar_y + bar_h),
            n(bar_y + bar_h + len),
            x = n(x)
        );
        if let Some(l) = &t.label {
            let half = text_width(l.chars().count(), 10.0) / 2.0;
            if x - half >= free_from {
                svg.text(
                    x,
                    bar_y + bar_h + 15.0,
                    l,
                    10.0,
                    "middle",
                    r##"class="colour-tick-label""##,
                );
                free_from = x + half + 4.0;
            }
        }
    }
    if any_missing {
        let x = bar.p1 + 28.0;
        svg.raw(&format!(
            r##"<rect x="{}" y="{}" width="12" height="12" fill="{NA_FILL}"/>"##,
            n(x),
            n(bar_y)
        ));
        svg.text(
            x + 18.0,
            bar_y + 10.5,
            "n/a: no value (the tooltip says why)",
            11.0,
            "start",
            r##"class="legend""##,
        );
    }
    let top = bar_y + bar_h + 32.0;
    let bottom = top + grid_h;

    // Cells: a rectangle in the value's colour, labelled with the value in black or white,
    // whichever reads better on it. A thin white gap separates neighbours.
    for (r, row_name) in h.rows[..n_rows].iter().enumerate() {
        for (c, col_name) in h.columns[..n_cols].iter().enumerate() {
            let (x, y) = (left + c as f64 * cell_w, top + r as f64 * cell_h);
            let v = value(r, c);
            let note = cell(r, c).and_then(|c| c.note.as_deref());
            let place = if col_name.is_empty() {
                row_name.clone()
            } else {
                format!("{row_name}, {col_name}")
            };
            let shown = v.map_or_else(|| "n/a".to_string(), fmt_si);
            let mut tip = match v {
                Some(_) => format!("{place}: {shown} {}", h.value_label),
                None => format!("{place}: n/a"),
            };
            if let Some(note) = note.filter(|s| !s.is_empty()) {
                tip.push_str("; ");
                tip.push_str(note);
            }
            let (class, data, fill, ink) = match v {
                Some(v) => {
                    let t = colours.t(v);
                    let rgb = ramp(t);
                    (
                        "cell",
                        format!(
                            r##" data-value="{}" data-t="{}""##,
                            fmt_sig(v, 6),
                            trim_zeros(format!("{t:.4}"))
                        ),
                        hex(rgb),
                        ink_on(rgb),
                    )
                }
                None => ("cell-na", String::new(), NA_FILL.to_string(), "#555555"),
            };
            let _ = write!(
                svg.out,
                r##"<g><title>{}</title><rect class="{class}" data-row="{r}" data-col="{c}"{data} x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="white" stroke-width="1"/>"##,
                esc(&tip),
                n(x),
                n(y),
                n(cell_w),
                n(cell_h),
            );
            let size = ((cell_w - 6.0) / text_width(shown.chars().count(), 1.0))
                .min(cell_h * 0.5)
                .clamp(7.0, 11.0);
            svg.text(
                x + cell_w / 2.0,
                y + cell_h / 2.0 + size * 0.35,
                &shown,
                size,
                "middle",
                &format!(r##"class="cell-label" fill="{ink}""##),
            );
            svg.raw("</g>");
        }
    }

    for (r, label) in row_labels.iter().enumerate() {
        svg.text(
            left - 8.0,
            top + (r as f64 + 0.5) * cell_h + 4.0,
            label,
            12.0,
            "end",
            r##"class="row-label""##,
        );
    }
    for (c, label) in col_labels.iter().enumerate() {
        let x = left + (c as f64 + 0.5) * cell_w;
        if rotate {
            let (cx, cy) = (n(x), n(bottom + 10.0));
            let _ = write!(
                svg.out,
                r##"<text class="column-label" x="{cx}" y="{cy}" font-size="11" text-anchor="end" transform="rotate(-45 {cx} {cy})">{}</text>"##,
                esc(label)
            );
        } else {
            svg.text(
                x,
                bottom + 16.0,
                label,
                11.0,
                "middle",
                r##"class="column-label""##,
            );
        }
    }

    if n_rows == 0 || n_cols == 0 {
        svg.text(
            (left + width - 30.0) / 2.0,
            top + 30.0,
            "no data",
            14.0,
            "middle",
            r##"fill="#777777""##,
        );
    }

    let height = (bottom + below + 12.0).max(top + 60.0);
    svg.finish(&h.title, width, height)
}

/// The document under construction: everything between the root element's tags.
#[derive(Default)]
struct Svg {
    out: String,
}

impl Svg {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A text element; `s` is escaped here, `extra` is trusted attribute text.
    fn text(&mut self, x: f64, y: f64, s: &str, size: f64, anchor: &str, extra: &str) {
        let _ = write!(
            self.out,
            r##"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" {extra}>{}</text>"##,
            n(x),
            n(y),
            n(size),
            esc(s)
        );
    }

    /// Wraps the body in the root element, with a white background and an accessible title.
    fn finish(self, title: &str, width: f64, height: f64) -> String {
        let h = n(height.ceil());
        let w = n(width.ceil());
        format!(
            concat!(
                r##"<?xml version="1.0" encoding="UTF-8"?>"##,
                "\n",
                r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"##,
                "\n<title>{title}</title>\n",
                r##"<rect width="100%" height="100%" fill="white"/>"##,
                "\n{body}\n</svg>\n"
            ),
            w = w,
            h = h,
            title = esc(title),
            body = self.out
        )
    }
}

/// Draws the title and subtitle, cut to fit `width`; returns the y below them.
fn header(svg: &mut Svg, title: &str, subtitle: Option<&str>, width: f64) -> f64 {
    let max_chars = ((width - 48.0) / (17.0 * CHAR_WIDTH_EM)) as usize;
    svg.text(
        24.0,
        30.0,
        &truncate(title, max_chars),
        17.0,
        "start",
        r##"class="title" font-weight="bold""##,
    );
    match subtitle {
        Some(s) if !s.is_empty() => {
            let max_chars = ((width - 48.0) / (12.0 * CHAR_WIDTH_EM)) as usize;
            svg.text(
                24.0,
                50.0,
                &truncate(s, max_chars),
                12.0,
                "start",
                r##"class="subtitle" fill="#555555""##,
            );
            54.0
        }
        _ => 34.0,
    }
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
            r##"<rect x="{}" y="{}" width="12" height="12" fill="{fill}"/>"##,
            n(x),
            n(y)
        ));
        svg.text(
            x + 18.0,
            y + 10.5,
            &name,
            12.0,
            "start",
            r##"class="legend""##,
        );
        x += w;
    }
    y + 18.0
}

/// Draws the bottom axis: grid lines, ticks, tick labels and the axis label.
#[allow(clippy::too_many_arguments)]
fn x_axis(
    svg: &mut Svg,
    scale: &Scale,
    ticks: &[Tick],
    top: f64,
    bottom: f64,
    label: &str,
    left: f64,
    right: f64,
) {
    for t in ticks {
        let x = n(scale.px(t.at));
        if t.label.is_some() {
            let _ = write!(
                svg.out,
                r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#dddddd" stroke-width="1"/>"##,
                n(top),
                n(bottom)
            );
        }
        let len = if t.label.is_some() { 5.0 } else { 3.0 };
        let _ = write!(
            svg.out,
            r##"<line class="tick-x" data-at="{}" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#333333" stroke-width="1"/>"##,
            fmt_sig(t.at, 6),
            n(bottom),
            n(bottom + len)
        );
        if let Some(l) = &t.label {
            svg.text(
                scale.px(t.at),
                bottom + 18.0,
                l,
                11.0,
                "middle",
                r##"class="tick-label""##,
            );
        }
    }
    svg.raw(&format!(
        r##"<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#333333" stroke-width="1"/>"##,
        n(left),
        n(bottom),
        n(right)
    ));
    svg.text(
        (left + right) / 2.0,
        bottom + 42.0,
        label,
        12.0,
        "middle",
        r##"class="axis-label""##,
    );
}

/// Draws the left axis: grid lines, ticks, tick labels and the rotated axis label.
#[allow(clippy::too_many_arguments)]
fn y_axis(
    svg: &mut Svg,
    scale: &Scale,
    ticks: &[Tick],
    left: f64,
    right: f64,
    label: &str,
    top: f64,
    bottom: f64,
) {
    for t in ticks {
        let y = n(scale.px(t.at));
        if t.label.is_some() {
            let _ = write!(
                svg.out,
                r##"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#dddddd" stroke-width="1"/>"##,
                n(left),
                n(right)
            );
        }
        let len = if t.label.is_some() { 5.0 } else { 3.0 };
        let _ = write!(
            svg.out,
            r##"<line class="tick-y" data-at="{}" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#333333" stroke-width="1"/>"##,
            fmt_sig(t.at, 6),
            n(left - len),
            n(left)
        );
        if let Some(l) = &t.label {
            svg.text(
                left - 8.0,
                scale.px(t.at) + 4.0,
                l,
                11.0,
                "end",
                r##"class="tick-label""##,
            );
        }
    }
    svg.raw(&format!(
        r##"<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#333333" stroke-width="1"/>"##,
        n(left),
        n(top),
        n(bottom)
    ));
    let (cx, cy) = (n(22.0), n((top + bottom) / 2.0));
    let _ = write!(
        svg.out,
        r##"<text class="axis-label" x="{cx}" y="{cy}" font-size="12" text-anchor="middle" transform="rotate(-90 {cx} {cy})">{}</text>"##,
        esc(label)
    );
}

/// A point marker whose shape tells the phase: square for prefill, circle for decode, diamond
/// for anything else.
fn marker(svg: &mut Svg, phase: &str, cx: f64, cy: f64, fill: &str) {
    let style = format!(r##"fill="{fill}" fill-opacity="0.85" stroke="white" stroke-width="1""##);
    let _ = match phase {
        "prefill" => write!(
            svg.out,
            r##"<rect x="{}" y="{}" width="9" height="9" {style}/>"##,
            n(cx - 4.5),
            n(cy - 4.5)
        ),
        "decode" => write!(
            svg.out,
            r##"<circle cx="{}" cy="{}" r="5" {style}/>"##,
            n(cx),
            n(cy)
        ),
        _ => write!(
            svg.out,
            r##"<polygon points="{},{} {},{} {},{} {},{}" {style}/>"##,
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

/// Whether an axis maps values directly or through log10.
#[derive(Clone, Copy)]
enum ScaleKind {
    Linear,
    Log,
}

impl ScaleKind {
    /// A value in axis units, or `None` when it cannot be drawn on this kind of axis.
    fn to_axis(self, v: f64) -> Option<f64> {
        match self {
            ScaleKind::Linear if v.is_finite() => Some(v),
            ScaleKind::Log if v.is_finite() && v > 0.0 => Some(v.log10()),
            _ => None,
        }
    }
}

/// Maps axis units (log10 already applied on a log axis) in `d0..d1` to pixels in `p0..p1`.
struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn px(&self, v: f64) -> f64 {
        // Halving first keeps the span finite even for domains near +-f64::MAX.
        let span = self.d1 * 0.5 - self.d0 * 0.5;
        let t = if span > 0.0 && span.is_finite() {
            (v * 0.5 - self.d0 * 0.5) / span
        } else {
            0.5
        };
        let p = self.p0 + t.clamp(-0.05, 1.05) * (self.p1 - self.p0);
        if p.is_finite() {
            p
        } else {
            self.p0
        }
    }
}

/// A tick at `at` axis units; minor ticks have no label.
struct Tick {
    at: f64,
    label: Option<String>,
}

/// The 1-2-5 steps within a decade, as log10 offsets.
const STEPS_125: [(u32, f64); 3] = [
    (1, 0.0),
    (2, std::f64::consts::LOG10_2),
    (5, 0.698_970_004_336_018_8), // log10(5)
];

/// The log domain for a ratio axis: from the largest 1-2-5 step at or below the smallest value to
/// the smallest at or above the largest, at least one step wide. `1.0` (0..0 in log units)
/// stands in for no values.
fn log_domain_125(vals: &[f64]) -> (f64, f64) {
    let (min, max) = min_max(vals).unwrap_or((0.0, 0.0));
    let mut lo = snap_125(min, false);
    let mut hi = snap_125(max, true);
    if hi - lo < 0.3 {
        // One value (or all equal): show a step either side.
        lo = snap_125(lo - 0.01, false);
        hi = snap_125(hi + 0.01, true);
    }
    (lo, hi)
}

/// The nearest 1-2-5 step below (or above, with `up`) `l`, in log10 units.
fn snap_125(l: f64, up: bool) -> f64 {
    let d = l.floor();
    let candidates = (-1..=1).flat_map(|k| STEPS_125.iter().map(move |s| d + k as f64 + s.1));
    let eps = 1e-9;
    if up {
        candidates
            .filter(|c| *c >= l - eps)
            .fold(f64::INFINITY, f64::min)
    } else {
        candidates
            .filter(|c| *c <= l + eps)
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// A log domain with a little room around the values, snapped to 1-2-5 steps and at least one
/// decade wide; `default` when there are no values.
fn padded_log_domain(vals: &[f64], default: (f64, f64)) -> (f64, f64) {
    let Some((min, max)) = min_max(vals) else {
        return default;
    };
    let mut lo = snap_125(min - 0.1, false);
    let mut hi = snap_125(max + 0.1, true);
    if hi - lo < 1.0 {
        let mid = (hi + lo) / 2.0;
        lo = snap_125(mid - 0.5, false);
        hi = snap_125(mid + 0.5, true);
    }
    (lo, hi)
}

/// Log ticks between `lo` and `hi` (log10 units). Up to three decades: every 1-2-5 step labelled;
/// up to eight: decades labelled and 2 and 5 as minor ticks; beyond: every k-th decade only.
/// Labels show `10^(d - shift)`, so a FLOP/s axis can be labelled in TFLOP/s with `shift = 12`.
fn log_ticks(lo: f64, hi: f64, shift: i32, unit: &str) -> Vec<Tick> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let every = if span <= 8.0 {
        1
    } else {
        (span / 8.0).ceil() as i64
    };
    let eps = 1e-9;
    let mut ticks = Vec::new();
    let (d0, d1) = (lo.floor() as i64, hi.ceil() as i64);
    for d in d0..=d1 {
        for &(m, off) in &STEPS_125 {
            let at = d as f64 + off;
            if at < lo - eps || at > hi + eps {
                continue;
            }
            let label = if span <= 3.0 || (m == 1 && d.rem_euclid(every) == 0) {
                Some(format!("{}{unit}", fmt_pow(m, d - i64::from(shift))))
            } else if span <= 8.0 {
                None
            } else {
                continue;
            };
            ticks.push(Tick { at, label });
        }
    }
    ticks
}

/// A linear domain from zero (or the smallest value, if negative) to the largest value, rounded
/// out to a 1-2-5 step, with about five ticks labelled with `unit`.
fn linear_domain(vals: &[f64], unit: &str) -> (f64, f64, Vec<Tick>) {
    let (min, max) = min_max(vals).unwrap_or((0.0, 1.0));
    let (min, max) = (min.min(0.0), max.max(0.0));
    let (min, max) = if max - min > 0.0 {
        (min, max)
    } else {
        (0.0, 1.0)
    };
    let raw_step = max * 0.2 - min * 0.2;
    let mag = raw_step.log10().floor();
    let base = 10f64.powf(mag);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * base)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * base);
    let lo = (min / step).floor() * step;
    let hi = (max / step).ceil() * step;
    let count = ((hi - lo) / step).round();
    if !(lo.is_finite() && hi.is_finite() && step > 0.0 && count.is_finite() && count <= 50.0) {
        // Spans near f64::MAX: label only the ends.
        let ends = [min, max].map(|at| Tick {
            at,
            label: Some(format!("{}{unit}", fmt_sig(at, 2))),
        });
        return (min, max, ends.into());
    }
    let decimals = (-mag).max(0.0) as usize;
    let ticks = (0..=count as i64)
        .map(|i| {
            let at = lo + i as f64 * step;
            // Rounding error must not print zero as "-0" or 0.3 as "0.30000000000000004".
            let label = if at.abs() < step / 2.0 {
                "0".to_string()
            } else if (1e-4..1e6).contains(&step) {
                trim_zeros(format!("{at:.decimals$}"))
            } else {
                fmt_sig(at, 3)
            };
            Tick {
                at,
                label: Some(format!("{label}{unit}")),
            }
        })
        .collect();
    (lo, hi, ticks)
}

fn min_max(vals: &[f64]) -> Option<(f64, f64)> {
    let finite = vals.iter().copied().filter(|v| v.is_finite());
    let min = finite.clone().fold(f64::INFINITY, f64::min);
    let max = finite.fold(f64::NEG_INFINITY, f64::max);
    (min <= max).then_some((min, max))
}

/// Fill of a heat-map cell without a value: a light grey that no colour on the ramp comes near.
const NA_FILL: &str = "#d9d9d9";

/// Viridis (van der Walt & Smith, matplotlib 2015) sampled at nine even steps: perceptually
/// uniform, ordered in lightness so it also reads in greyscale, and safe for the common forms of
/// colour blindness. Dark purple is the smallest value, yellow the largest.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2c, 0x7a),
    (0x3b, 0x52, 0x8b),
    (0x2c, 0x72, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x28, 0xae, 0x80),
    (0x5e, 0xc9, 0x62),
    (0xad, 0xdc, 0x30),
    (0xfd, 0xe7, 0x25),
];

/// The colour at `t` (0..1, clamped; NaN is 0) on the ramp, linear between its stops.
fn ramp(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Black or white, whichever contrasts more with `rgb` by the WCAG 2 relative luminance: black
/// above 0.179, where the two contrast ratios are equal.
fn ink_on((r, g, b): (u8, u8, u8)) -> &'static str {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    if l > 0.179 {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// How heat-map values map onto the colour ramp: log when every value is positive and the
/// largest is more than 20 times the smallest (a linear ramp would paint all but the top few
/// cells the same dark colour), linear otherwise. The domain is rounded out to tick steps.
struct ColourScale {
    kind: ScaleKind,
    /// Axis units (log10 on a log scale) to ramp position 0..1.
    scale: Scale,
    ticks: Vec<Tick>,
}

impl ColourScale {
    fn new(values: &[f64]) -> ColourScale {
        let range = min_max(values);
        let log = matches!(range, Some((min, max)) if min > 0.0 && max / min > 20.0);
        let (kind, (d0, d1, ticks)) = match range {
            None => (ScaleKind::Linear, (0.0, 1.0, Vec::new())),
            Some((min, max)) if log => {
                let (lo, hi) = log_domain_125(&[min.log10(), max.log10()]);
                let ticks = log_ticks(lo, hi, 0, "")
                    .into_iter()
                    .map(|t| Tick {
                        label: t.label.map(|_| fmt_si(10f64.powf(t.at))),
                        at: t.at,
                    })
                    .collect();
                (ScaleKind::Log, (lo, hi, ticks))
            }
            Some((min, max)) => (ScaleKind::Linear, nice_linear(min, max)),
        };
        ColourScale {
            kind,
            scale: Scale {
                d0,
                d1,
                p0: 0.0,
                p1: 1.0,
            },
            ticks,
        }
    }

    /// Where a value in axis units sits on the ramp, 0..1; one value alone sits in the middle.
    fn position(&self, at: f64) -> f64 {
        self.scale.px(at).clamp(0.0, 1.0)
    }

    /// Where a value sits on the ramp, 0..1.
    fn t(&self, v: f64) -> f64 {
        self.kind.to_axis(v).map_or(0.0, |a| self.position(a))
    }
}

/// A linear domain around `min..=max` rounded out to a 1-2-5 step, with about five ticks; one
/// value (or a span too wide to step through) is labelled as it is.
fn nice_linear(min: f64, max: f64) -> (f64, f64, Vec<Tick>) {
    let tick = |at: f64| Tick {
        at,
        label: Some(fmt_si(at)),
    };
    let ends = || {
        let ticks = if min == max {
            vec![tick(min)]
        } else {
            vec![tick(min), tick(max)]
        };
        (min, max, ticks)
    };
    let raw_step = max * 0.25 - min * 0.25;
    if !(raw_step > 0.0 && raw_step.is_finite()) {
        return ends();
    }
    let base = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * base)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * base);
    let lo = (min / step).floor() * step;
    let hi = (max / step).ceil() * step;
    let count = ((hi - lo) / step).round();
    if !(lo.is_finite() && hi.is_finite() && step > 0.0 && count.is_finite() && count <= 50.0) {
        return ends();
    }
    let ticks = (0..=count as i64)
        .map(|i| {
            let at = lo + i as f64 * step;
            // Rounding error must not print zero as "-0" or "5.55e-17".
            tick(if at.abs() < step / 2.0 { 0.0 } else { at })
        })
        .collect();
    (lo, hi, ticks)
}

/// `v` to three significant figures, with k, M, G or T for thousands and up: "0.0123", "987",
/// "1.23k", "45.6M".
fn fmt_si(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    // Round first, so 999.7 becomes "1k" and not "1000".
    let r: f64 = format!("{v:.2e}").parse().unwrap_or(v);
    let a = r.abs();
    for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if (scale..scale * 1e3).contains(&a) {
            return format!("{}{suffix}", fmt_sig(r / scale, 3));
        }
    }
    fmt_sig(r, 3)
}

/// A box in pixels, to test labels for overlap.
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Estimated width of `chars` characters at `size` px.
fn text_width(chars: usize, size: f64) -> f64 {
    chars as f64 * size * CHAR_WIDTH_EM
}

/// `s` cut to at most `max` characters, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A coordinate: one decimal, trailing zero dropped, never "-0" or a non-number.
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = trim_zeros(format!("{v:.1}"));
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// `v` with `sig` significant digits (at least every integer digit), trailing zeros dropped;
/// exponent notation outside 1e-4..1e6.
fn fmt_sig(v: f64, sig: i32) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    let s = if !(1e-4..1e6).contains(&a) {
        let s = format!("{:.*e}", (sig - 1).max(0) as usize, v);
        match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa.to_string())),
            None => s,
        }
    } else {
        let mag = a.log10().floor() as i32;
        let decimals = (sig - 1 - mag).max(0) as usize;
        trim_zeros(format!("{v:.decimals$}"))
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// `m * 10^d` written exactly: "0.02", "5", "100", "1e9".
fn fmt_pow(m: u32, d: i64) -> String {
    match d {
        -4..=-1 => format!("0.{}{m}", "0".repeat((-d - 1) as usize)),
        0..=5 => format!("{m}{}", "0".repeat(d as usize)),
        _ => format!("{m}e{d}"),
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `s` broken at spaces into lines of at most `max` characters, at most `max_lines` of them; a
/// word longer than a line, and whatever does not fit the last line, is cut with an ellipsis.
fn wrap(s: &str, max: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines && max_lines > 0 {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(rest);
    }
    lines.truncate(max_lines);
    lines.iter().map(|l| truncate(l, max)).collect()
}

/// Escapes text for XML content and attribute values, and drops characters XML 1.0 forbids.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `svg` as XML, checks the root is a sized SVG element with a namespace, and that no
    /// non-number leaked into it; returns the text of every `<text>` element.
    fn check_valid(svg: &str) -> Vec<String> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert!(root.attribute("viewBox").is_some());
        assert_eq!(root.attribute("font-family"), Some("sans-serif"));
        for bad in ["NaN", "inf"] {
            assert!(!svg.contains(bad), "{bad} in output:\n{svg}");
        }
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").to_string())
            .collect();
        // Labels are truncated or compact, even for extreme values.
        for t in &texts {
            assert!(t.chars().count() <= 120, "label too long: {t:?}");
        }
        texts
    }

    /// Elements with `class`, as (attribute name -> number) lookups.
    fn elements(svg: &str, class: &str) -> Vec<Vec<(String, String)>> {
        let doc = roxmltree::Document::parse(svg).unwrap();
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(class))
            .map(|n| {
                n.attributes()
                    .map(|a| (a.name().to_string(), a.value().to_string()))
                    .collect()
            })
            .collect()
    }

    fn num(attrs: &[(String, String)], name: &str) -> f64 {
        let v = attrs.iter().find(|(k, _)| k == name).unwrap();
        v.1.parse().unwrap()
    }

    fn series(name: &str, values: &[Option<f64>]) -> Series {
        Series {
            name: name.to_string(),
            values: values.to_vec(),
        }
    }

    fn ratios(values: &[Vec<Option<f64>>], log_scale: bool) -> BarChart {
        let names = [
            "h100-sxm", "mi300x", "tpu-v5p", "gaudi3", "b200", "x6", "x7", "x8", "x9",
        ];
        let groups = values.iter().map(Vec::len).max().unwrap_or(0);
        BarChart {
            title: "Inference on llama-3-70b".to_string(),
            subtitle: Some("bf16, 8 chips".to_string()),
            value_label: "performance relative to h100-sxm (x, log scale)".to_string(),
            groups: (0..groups).map(|g| format!("workload {g}")).collect(),
            series: values
                .iter()
                .enumerate()
                .map(|(i, v)| series(names[i % names.len()], v))
                .collect(),
            reference: Some(1.0),
            log_scale,
        }
    }

    fn h100_and_fast() -> Roofline {
        Roofline {
            title: "Roofline: llama-3-70b".to_string(),
            subtitle: Some("bf16".to_string()),
            chips: vec![
                RoofChip {
                    name: "h100-sxm".to_string(),
                    peak_flops: 989e12,
                    bandwidth: 3.35e12,
                },
                RoofChip {
                    name: "fast".to_string(),
                    peak_flops: 2.5e15,
                    bandwidth: 8e12,
                },
            ],
            points: vec![
                point("decode: mlp", 0, 1.0, 3e12, "decode"),
                point("decode: attention", 0, 0.9, 2.5e12, "decode"),
                point("prefill: mlp", 1, 2000.0, 1.8e15, "prefill"),
                point("prefill: attention", 1, 800.0, 1.2e15, "prefill"),
            ],
        }
    }

    fn point(
        label: &str,
        chip: usize,
        intensity: f64,
        achieved_flops: f64,
        phase: &str,
    ) -> RoofPoint {
        RoofPoint {
            label: label.to_string(),
            chip,
            intensity,
            achieved_flops,
            phase: phase.to_string(),
        }
    }

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

    #[test]
    fn text_is_escaped() {
        let mut c = ratios(&[vec![Some(1.0)], vec![Some(0.5)]], true);
        c.series[1].name = "a<b&c".to_string();
        c.groups[0] = "\"quoted\" & 'single'".to_string();
        c.title = "<script>alert(1)</script>".to_string();
        let svg = bar_chart(&c);
        assert!(svg.contains("a&lt;b&amp;c"));
        assert!(!svg.contains("<script>"));
        let texts = check_valid(&svg);
        assert!(texts.iter().any(|t| t == "a<b&c"));
        assert!(texts.iter().any(|t| t == "\"quoted\" & 'single'"));

        let mut r = h100_and_fast();
        r.chips[0].name = "a<b&c".to_string();
        r.points[0].label = "x > y & \"z\"".to_string();
        r.points[1].phase = "<odd>".to_string();
        let texts = check_valid(&roofline(&r));
        assert!(texts.iter().any(|t| t == "a<b&c"));
        assert!(texts.iter().any(|t| t == "x > y & \"z\""));
        assert!(texts.iter().any(|t| t == "<odd>"));
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

    #[test]
    fn edge_cases_render_valid_documents() {
        let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -1.0];
        let bars = [
            ratios(&[], true),
            ratios(&[], false),
            ratios(&[vec![]], true),
            ratios(&[vec![Some(1.0)]], true),
            ratios(&[vec![Some(1.0)]], false),
            ratios(&[bad.map(Some).to_vec()], true),
            ratios(&[bad.map(Some).to_vec()], false),
            ratios(&[vec![Some(1e-300)], vec![Some(1e300)]], true),
            ratios(
                &[vec![Some(f64::MIN_POSITIVE / 4.0)], vec![Some(f64::MAX)]],
                true,
            ),
            ratios(&[vec![Some(-f64::MAX)], vec![Some(f64::MAX)]], false),
            ratios(&[vec![Some(1e-12)], vec![Some(3e-12)]], false),
            ratios(&[vec![Some(1e200)], vec![Some(3e200)]], false),
            BarChart {
                title: "t".repeat(500),
                subtitle: Some("s".repeat(500)),
                groups: vec!["g".repeat(500)],
                ..ratios(&[vec![Some(1.0)], vec![Some(2.0)]], true)
            },
            ratios(&[vec![None, None], vec![Some(2.0)]], true),
            BarChart {
                reference: Some(f64::NAN),
                subtitle: None,
                ..ratios(&[vec![Some(0.5)]], true)
            },
            BarChart {
                groups: vec!["only one group name".into(); 40],
                ..ratios(
                    &(0..12)
                        .map(|i| vec![Some(1.0 + i as f64); 3])
                        .collect::<Vec<_>>(),
                    true,
                )
            },
        ];
        for c in &bars {
            check_valid(&bar_chart(c));
        }

        let bad_chip = |peak_flops, bandwidth| RoofChip {
            name: "bad".into(),
            peak_flops,
            bandwidth,
        };
        let roofs = [
            Roofline {
                title: String::new(),
                subtitle: None,
                chips: vec![],
                points: vec![],
            },
            Roofline {
                chips: vec![
                    bad_chip(0.0, 1e12),
                    bad_chip(1e15, -1.0),
                    bad_chip(f64::NAN, f64::INFINITY),
                ],
                points: vec![
                    point("nan", 0, f64::NAN, 1e12, "decode"),
                    point("zero", 1, 0.0, 1e12, "prefill"),
                    point("no chip", 99, 10.0, 1e12, "other"),
                ],
                ..h100_and_fast()
            },
            Roofline {
                chips: vec![bad_chip(1e300, 1e-300)],
                points: vec![
                    point("tiny", 0, 1e-300, 1e-300, "decode"),
                    point("huge", 0, 1e300, 1e300, "prefill"),
                ],
                ..h100_and_fast()
            },
            Roofline {
                points: (0..200)
                    .map(|i| point("crowded", i % 2, 100.0, 1e14, "decode"))
                    .collect(),
                ..h100_and_fast()
            },
        ];
        for r in &roofs {
            check_valid(&roofline(r));
        }
    }

    #[test]
    fn output_is_deterministic() {
        let c = ratios(
            &[vec![Some(1.0), None], vec![Some(0.123456789), Some(7.0)]],
            true,
        );
        assert_eq!(bar_chart(&c), bar_chart(&c));
        let r = h100_and_fast();
        assert_eq!(roofline(&r), roofline(&r));
    }

    #[test]
    fn numbers_are_formatted_compactly() {
        let cases = [
            (fmt_sig(0.15, 2), "0.15"),
            (fmt_sig(1.0, 2), "1"),
            (fmt_sig(0.999, 2), "1"),
            (fmt_sig(12.34, 2), "12"),
            (fmt_sig(0.001234, 2), "0.0012"),
            (fmt_sig(2.5e12, 2), "2.5e12"),
            (fmt_sig(-0.0, 2), "0"),
            (fmt_pow(5, -2), "0.05"),
            (fmt_pow(2, 3), "2000"),
            (fmt_pow(1, -12), "1e-12"),
            (n(-0.01), "0"),
            (n(3.0), "3"),
            (esc("a<b&c\"'\u{1}"), "a&lt;b&amp;c&quot;&apos;"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    fn heat(values: &[&[Option<f64>]]) -> HeatMap {
        let columns = values.iter().map(|r| r.len()).max().unwrap_or(0);
        HeatMap {
            title: "Sweep: output tokens/s per chip".to_string(),
            subtitle: Some("fixed: tp1, weights bf16".to_string()),
            value_label: "output tokens/s per chip".to_string(),
            rows: (0..values.len()).map(|r| format!("chip-{r}")).collect(),
            columns: (0..columns).map(|c| format!("model bs{c}")).collect(),
            cells: values
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|&value| Cell { value, note: None })
                        .collect()
                })
                .collect(),
        }
    }

    /// Where a fill colour sits on the ramp: the position of the nearest of 1,001 samples.
    fn ramp_position(fill: &str) -> f64 {
        let channel = |i: usize| i32::from_str_radix(&fill[i..i + 2], 16).unwrap();
        let (r, g, b) = (channel(1), channel(3), channel(5));
        let distance = |t: f64| {
            let (r1, g1, b1) = ramp(t);
            (i32::from(r1) - r).pow(2) + (i32::from(g1) - g).pow(2) + (i32::from(b1) - b).pow(2)
        };
        (0..=1000)
            .map(|i| f64::from(i) / 1000.0)
            .min_by_key(|t| distance(*t))
            .unwrap()
    }

    fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> &'a str {
        &attrs.iter().find(|(k, _)| k == name).unwrap().1
    }

    #[test]
    fn heat_map_has_legend_labels_values_and_grey_na_cells() {
        let mut h = heat(&[&[Some(147.34), Some(4085.6)], &[Some(157.0), None]]);
        h.rows[1] = "a<b&c".to_string();
        h.columns[1] = "\"bs64\" & more".to_string();
        h.cells[1][1].note = Some("does not fit <here>".to_string());
        let svg = heat_map(&h);
        let texts = check_valid(&svg);
        for want in [
            "Sweep: output tokens/s per chip",
            "fixed: tp1, weights bf16",
            "output tokens/s per chip (log scale)",
            "chip-0",
            "a<b&c",
            "model bs0",
            "\"bs64\" & more",
            "147",
            "4.09k",
            "157",
            "n/a",
        ] {
            assert!(texts.iter().any(|t| t == want), "no {want:?} in {texts:?}");
        }
        assert!(svg.contains("a&lt;b&amp;c") && svg.contains("&quot;bs64&quot; &amp; more"));

        // The cell without a value is grey and its tooltip carries the reason.
        assert_eq!(elements(&svg, "cell").len(), 3);
        let na = elements(&svg, "cell-na");
        assert_eq!(na.len(), 1);
        assert_eq!(attr(&na[0], "fill"), NA_FILL);
        assert_eq!(
            (attr(&na[0], "data-row"), attr(&na[0], "data-col")),
            ("1", "1")
        );
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let rect = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("cell-na"))
            .unwrap();
        let tip = rect
            .parent()
            .and_then(|g| g.children().find(|c| c.has_tag_name("title")))
            .and_then(|t| t.text())
            .unwrap();
        assert_eq!(tip, "a<b&c, \"bs64\" & more: n/a; does not fit <here>");
    }

    #[test]
    fn larger_value_gets_a_later_colour_on_a_log_ramp() {
        let values = [1.0, 3.0, 10.0, 30.0, 100.0, 1000.0];
        let svg = heat_map(&heat(&[&values.map(Some)]));
        let texts = check_valid(&svg);
        assert!(texts
            .iter()
            .any(|t| t == "output tokens/s per chip (log scale)"));
        for want in ["1", "10", "100", "1k"] {
            assert!(texts.iter().any(|t| t == want), "no tick {want:?}");
        }
        let mut cells: Vec<(f64, f64)> = elements(&svg, "cell")
            .iter()
            .map(|a| (num(a, "data-value"), ramp_position(attr(a, "fill"))))
            .collect();
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(cells.len(), values.len());
        for w in cells.windows(2) {
            assert!(w[1].1 > w[0].1, "{cells:?}");
        }
        // Equal ratios are equal steps along the ramp, which a linear scale would not give.
        let at = |v: f64| cells.iter().find(|c| c.0 == v).unwrap().1;
        let (step1, step2) = (at(10.0) - at(1.0), at(100.0) - at(10.0));
        assert!(step1 > 0.2 && (step1 - step2).abs() < 0.02, "{cells:?}");

        // The darkest cell is labelled in white, the lightest in black.
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let ink = |label: &str| {
            doc.descendants()
                .find(|n| n.attribute("class") == Some("cell-label") && n.text() == Some(label))
                .and_then(|n| n.attribute("fill"))
                .unwrap()
                .to_string()
        };
        assert_eq!(ink("1"), "#ffffff");
        assert_eq!(ink("1k"), "#000000");
    }

    #[test]
    fn narrow_range_uses_a_linear_ramp() {
        let svg = heat_map(&heat(&[&[Some(150.0), Some(100.0), Some(120.0)]]));
        let texts = check_valid(&svg);
        assert!(texts.iter().any(|t| t == "output tokens/s per chip"));
        assert!(!texts.iter().any(|t| t.contains("log scale")));
        let mut cells: Vec<(f64, f64)> = elements(&svg, "cell")
            .iter()
            .map(|a| (num(a, "data-value"), num(a, "data-t")))
            .collect();
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        // 100..150 rounds out to 100..160 in steps of 20.
        let want = [0.0, 20.0 / 60.0, 50.0 / 60.0];
        for (c, w) in cells.iter().zip(want) {
            assert!((c.1 - w).abs() < 1e-3, "{cells:?}");
        }
    }

    #[test]
    fn heat_map_edge_cases_render_valid_documents() {
        let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY].map(Some);
        let mut ragged = heat(&[&[Some(1.0), Some(2.0)], &[Some(3.0)]]);
        ragged.cells.push(vec![Cell::default()]);
        let mut no_columns = heat(&[]);
        no_columns.rows = vec!["lonely".to_string()];
        let long = HeatMap {
            title: "t".repeat(500),
            subtitle: Some("s ".repeat(500)),
            rows: vec!["r".repeat(500)],
            columns: vec!["c".repeat(500), String::new()],
            ..heat(&[&[Some(1.0), None]])
        };
        let big_rows: Vec<Vec<Option<f64>>> = (0..70)
            .map(|r| (0..100).map(|c| Some(f64::from(r * 100 + c + 1))).collect())
            .collect();
        let big = heat(&big_rows.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let maps = [
            heat(&[]),
            no_columns,
            heat(&[&bad]),
            heat(&[&[None]]),
            heat(&[&[Some(5.0)]]),
            heat(&[&[Some(3.0); 4][..]; 3]),
            heat(&[&[Some(0.0), Some(-5.0), Some(10.0)]]),
            heat(&[&[Some(0.0), Some(1e6)]]),
            heat(&[&[Some(1e-300), Some(1e300)]]),
            heat(&[&[Some(f64::MIN_POSITIVE / 4.0), Some(f64::MAX)]]),
            heat(&[&[Some(-f64::MAX), Some(f64::MAX)]]),
            ragged,
            long,
            big,
        ];
        for h in &maps {
            let svg = heat_map(h);
            check_valid(&svg);
            assert_eq!(svg, heat_map(h), "deterministic");
            let drawn = elements(&svg, "cell").len() + elements(&svg, "cell-na").len();
            assert_eq!(
                drawn,
                h.rows.len().min(MAX_HEAT_ROWS) * h.columns.len().min(MAX_HEAT_COLUMNS)
            );
            for t in elements(&svg, "cell") {
                let t = num(&t, "data-t");
                assert!((0.0..=1.0).contains(&t), "{t}");
            }
        }

        // One value, or all equal: the middle of the ramp, labelled with the value.
        let svg = heat_map(&maps[5]);
        assert!(elements(&svg, "cell")
            .iter()
            .all(|c| num(c, "data-t") == 0.5));
        assert!(check_valid(&svg).iter().any(|t| t == "3"));

        // Too many rows and columns: the first 60 of each, and the subtitle says so.
        let texts = check_valid(&heat_map(&maps[13]));
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("first 60 of 100 columns and first 60 of 70 rows shown")),
            "{texts:?}"
        );
    }

    #[test]
    fn heat_map_helpers() {
        let cases = [
            (fmt_si(147.34), "147"),
            (fmt_si(4085.6), "4.09k"),
            (fmt_si(999.7), "1k"),
            (fmt_si(0.012345), "0.0123"),
            (fmt_si(1_234_567.0), "1.23M"),
            (fmt_si(-1500.0), "-1.5k"),
            (fmt_si(0.0), "0"),
            (fmt_si(f64::NAN), "n/a"),
            (hex(ramp(0.0)), "#440154"),
            (hex(ramp(1.0)), "#fde725"),
            (hex(ramp(f64::NAN)), "#440154"),
            (hex(ramp(2.0)), "#fde725"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        assert_eq!(
            wrap("aa bb cc dd ee", 5, 3),
            ["aa bb", "cc dd", "ee"].map(String::from)
        );
        assert_eq!(
            wrap("aa bb cc dd ee ff", 5, 2),
            ["aa bb", "cc d…"].map(String::from)
        );
        assert_eq!(wrap("", 5, 3), Vec::<String>::new());
        assert_eq!(wrap("abcdefgh", 5, 3), ["abcd…"].map(String::from));
    }
}
