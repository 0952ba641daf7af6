//! The Pareto frontier of a plan: per chip, output tokens per second per chip against output
//! tokens per second per user on log-log axes, one stepped line of points per chip, with the
//! TPOT target as a vertical line (its inverse) and the plan's chosen fleets as rings in their
//! chip's colour.
//!
//! It computes no frontier: the planner does, and the points arrive as they are drawn.

use std::fmt::Write as _;

use super::axis::{x_axis, y_axis, Plot};
use super::colour::colour;
use super::document::{esc, header, truncate, Svg};
use super::format::{fmt_sig, n};
use super::scale::{log_ticks, padded_log_domain, ScaleKind};
use super::WIDTH;

/// A Pareto chart.
pub struct Pareto {
    /// Drawn at the top; also the document's title.
    pub title: String,
    /// One line under the title.
    pub subtitle: Option<String>,
    /// One series per chip, in legend order.
    pub series: Vec<ParetoSeries>,
    /// Tokens per second per user that the TPOT target asks for, if drawn.
    pub target_per_user: Option<f64>,
    /// Chosen fleets: (series index, per user, per chip, label).
    pub chosen: Vec<(usize, f64, f64, String)>,
}

/// One chip's frontier.
pub struct ParetoSeries {
    /// Legend name.
    pub name: String,
    /// (tokens/s per user, tokens/s per chip, tooltip) per point.
    pub points: Vec<(f64, f64, String)>,
}

/// Renders `p` as an SVG document.
pub fn pareto(p: &Pareto) -> String {
    let (left, right) = (80.0, 620.0);
    let axis = |v: f64| ScaleKind::Log.to_axis(v);
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for s in &p.series {
        for (x, y, _) in &s.points {
            if let (Some(x), Some(y)) = (axis(*x), axis(*y)) {
                xs.push(x);
                ys.push(y);
            }
        }
    }
    if let Some(t) = p.target_per_user.and_then(axis) {
        xs.push(t);
    }
    let (x_lo, x_hi) = padded_log_domain(&xs, (0.0, 3.0));
    let (y_lo, y_hi) = padded_log_domain(&ys, (1.0, 4.0));
    let mut svg = Svg::default();
    let y = header(&mut svg, &p.title, p.subtitle.as_deref(), WIDTH).max(54.0);
    let top = y + 16.0;
    let bottom = top + 400.0;
    let plot = Plot {
        left,
        right,
        top,
        bottom,
    };
    let (sx, sy) = plot.scales((x_lo, x_hi), (y_lo, y_hi));
    plot.frame(&mut svg);
    x_axis(
        &mut svg,
        &sx,
        &log_ticks(x_lo, x_hi, 0, ""),
        &plot,
        "output tokens/s per user (1 / TPOT)",
    );
    y_axis(
        &mut svg,
        &sy,
        &log_ticks(y_lo, y_hi, 0, ""),
        &plot,
        "output tokens/s per chip",
    );
    if let Some(t) = p.target_per_user.and_then(axis) {
        let x = n(sx.px(t));
        let _ = write!(
            svg.out,
            r##"<line class="target" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5,4"><title>{}</title></line>"##,
            n(top),
            n(bottom),
            esc(&format!(
                "TPOT target: {} tokens/s per user",
                fmt_sig(10f64.powf(t), 3)
            ))
        );
        svg.text(
            sx.px(t) + 4.0,
            top + 12.0,
            "TPOT target",
            10.0,
            "start",
            r##"fill="#c0392b""##,
        );
    }
    for (i, s) in p.series.iter().enumerate() {
        let pts: Vec<(f64, f64, &str)> = s
            .points
            .iter()
            .filter_map(|(x, y, tip)| Some((sx.px(axis(*x)?), sy.px(axis(*y)?), tip.as_str())))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let line: Vec<String> = pts
            .iter()
            .map(|(x, y, _)| format!("{},{}", n(*x), n(*y)))
            .collect();
        let _ = write!(
            svg.out,
            r#"<polyline class="frontier" data-chip="{i}" points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            line.join(" "),
            colour(i)
        );
        for (x, y, tip) in pts {
            let _ = write!(
                svg.out,
                r#"<circle class="point" data-chip="{i}" cx="{}" cy="{}" r="3" fill="{}"><title>{}</title></circle>"#,
                n(x),
                n(y),
                colour(i),
                esc(tip)
            );
        }
    }
    for (i, ux, cy, label) in &p.chosen {
        let (Some(x), Some(y)) = (axis(*ux), axis(*cy)) else {
            continue;
        };
        let _ = write!(
            svg.out,
            r#"<circle class="chosen" data-chip="{i}" cx="{}" cy="{}" r="7" fill="none" stroke="{}" stroke-width="2.5"><title>{}</title></circle>"#,
            n(sx.px(x)),
            n(sy.px(y)),
            colour(*i),
            esc(label)
        );
    }
    let lx = right + 24.0;
    let mut ly = top;
    for (i, s) in p.series.iter().enumerate() {
        svg.raw(&format!(
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/>"#,
            n(lx),
            n(ly + 5.0),
            n(lx + 18.0),
            n(ly + 5.0),
            colour(i)
        ));
        svg.text(
            lx + 24.0,
            ly + 9.0,
            &truncate(&s.name, 16),
            12.0,
            "start",
            r#"class="legend""#,
        );
        ly += 20.0;
    }
    if !p.chosen.is_empty() {
        svg.raw(&format!(
            r##"<circle cx="{}" cy="{}" r="6" fill="none" stroke="#222222" stroke-width="2"/>"##,
            n(lx + 9.0),
            n(ly + 5.0)
        ));
        svg.text(
            lx + 24.0,
            ly + 9.0,
            "plan's fleet",
            12.0,
            "start",
            r#"class="legend""#,
        );
    }
    svg.finish(&p.title, WIDTH, bottom + 50.0)
}
