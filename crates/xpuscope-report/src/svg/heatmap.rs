//! The heat map of a sweep: one row per chip, one column per setting, each cell coloured by its
//! value and labelled with it, under a colour bar.
//!
//! It lays out the grid, its labels and the legend; the colour scale comes from `colour`. It
//! deliberately sorts and aggregates nothing: rows and columns are drawn in the order given,
//! and only the first [`MAX_HEAT_ROWS`] and [`MAX_HEAT_COLUMNS`] of them.

use std::fmt::Write as _;

use super::colour::{hex, ink_on, ramp, ColourScale, NA_FILL, VIRIDIS};
use super::document::{esc, header, text_width, truncate, wrap, Svg, CHAR_WIDTH_EM};
use super::format::{fmt_si, fmt_sig, n, trim_zeros};
use super::scale::{Scale, ScaleKind};

/// A grid of coloured cells: one row per chip, one column per setting, each cell coloured by its
/// value on a sequential colour-blind-safe ramp (log when the values span more than 20x) and
/// labelled with it. At most [`MAX_HEAT_ROWS`] rows and [`MAX_HEAT_COLUMNS`] columns are drawn;
/// the subtitle says when more were given.
pub struct HeatMap {
    /// Drawn in bold at the top, cut with an ellipsis to fit; also the document's `<title>`.
    pub title: String,
    /// Wrapped under the title onto up to three lines, after a note of what was left out when
    /// there were too many rows or columns; `None` or empty draws only that note.
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
        r#"class="legend-label""#,
    );
    let mut stops = String::new();
    for (i, &rgb) in VIRIDIS.iter().enumerate() {
        let _ = write!(
            stops,
            r#"<stop offset="{}" stop-color="{}"/>"#,
            trim_zeros(format!("{:.4}", i as f64 / (VIRIDIS.len() - 1) as f64)),
            hex(rgb)
        );
    }
    svg.raw(&format!(
        r#"<defs><linearGradient id="heat-ramp" x1="0" y1="0" x2="1" y2="0">{stops}</linearGradient></defs>"#
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
                    r#"class="colour-tick-label""#,
                );
                free_from = x + half + 4.0;
            }
        }
    }
    if any_missing {
        let x = bar.p1 + 28.0;
        svg.raw(&format!(
            r#"<rect x="{}" y="{}" width="12" height="12" fill="{NA_FILL}"/>"#,
            n(x),
            n(bar_y)
        ));
        svg.text(
            x + 18.0,
            bar_y + 10.5,
            "n/a: no value (the tooltip says why)",
            11.0,
            "start",
            r#"class="legend""#,
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
                            r#" data-value="{}" data-t="{}""#,
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
                r#"<g><title>{}</title><rect class="{class}" data-row="{r}" data-col="{c}"{data} x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="white" stroke-width="1"/>"#,
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
                &format!(r#"class="cell-label" fill="{ink}""#),
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
            r#"class="row-label""#,
        );
    }
    for (c, label) in col_labels.iter().enumerate() {
        let x = left + (c as f64 + 0.5) * cell_w;
        if rotate {
            let (cx, cy) = (n(x), n(bottom + 10.0));
            let _ = write!(
                svg.out,
                r#"<text class="column-label" x="{cx}" y="{cy}" font-size="11" text-anchor="end" transform="rotate(-45 {cx} {cy})">{}</text>"#,
                esc(label)
            );
        } else {
            svg.text(
                x,
                bottom + 16.0,
                label,
                11.0,
                "middle",
                r#"class="column-label""#,
            );
        }
    }

    if n_rows == 0 || n_cols == 0 {
        svg.no_data((left + width - 30.0) / 2.0, top + 30.0);
    }

    let height = (bottom + below + 12.0).max(top + 60.0);
    svg.finish(&h.title, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::tests::{attr, check_valid, elements, num};

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
}
