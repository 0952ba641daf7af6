//! The axes the bar chart and the roofline share: grid lines, tick marks, tick labels and the
//! axis label, along the bottom and the left of a plot area.
//!
//! It draws the ticks it is given; choosing them, and mapping values to pixels, is `scale`'s
//! work. It deliberately draws no plot-area frame or background, which each chart lays out its
//! own way.

use std::fmt::Write as _;

use super::document::{esc, Svg};
use super::format::{fmt_sig, n};
use super::scale::{Scale, Tick};

/// The plot area in pixels, which the axes run along: `left` and `right` are x, `top` and
/// `bottom` are y.
pub(super) struct Plot {
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) top: f64,
    pub(super) bottom: f64,
}

impl Plot {
    /// The scales that map the domains `x` and `y` (axis units) onto the area: x left to right,
    /// y bottom to top.
    pub(super) fn scales(&self, x: (f64, f64), y: (f64, f64)) -> (Scale, Scale) {
        (
            Scale {
                d0: x.0,
                d1: x.1,
                p0: self.left,
                p1: self.right,
            },
            Scale {
                d0: y.0,
                d1: y.1,
                p0: self.bottom,
                p1: self.top,
            },
        )
    }

    /// Draws the plot area's frame (a rectangle without fill, class `plot-area`).
    pub(super) fn frame(&self, svg: &mut Svg) {
        svg.raw(&format!(
            r#"<rect class="plot-area" x="{}" y="{}" width="{}" height="{}" fill="none"/>"#,
            n(self.left),
            n(self.top),
            n(self.right - self.left),
            n(self.bottom - self.top)
        ));
    }
}

/// Draws the bottom axis: grid lines, ticks, tick labels and the axis label.
pub(super) fn x_axis(svg: &mut Svg, scale: &Scale, ticks: &[Tick], plot: &Plot, label: &str) {
    let Plot {
        left,
        right,
        top,
        bottom,
    } = *plot;
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
                r#"class="tick-label""#,
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
        r#"class="axis-label""#,
    );
}

/// Draws the left axis: grid lines, ticks, tick labels and the rotated axis label.
pub(super) fn y_axis(svg: &mut Svg, scale: &Scale, ticks: &[Tick], plot: &Plot, label: &str) {
    let Plot {
        left,
        right,
        top,
        bottom,
    } = *plot;
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
                r#"class="tick-label""#,
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
        r#"<text class="axis-label" x="{cx}" y="{cy}" font-size="12" text-anchor="middle" transform="rotate(-90 {cx} {cy})">{}</text>"#,
        esc(label)
    );
}
