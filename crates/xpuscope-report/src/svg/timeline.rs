//! A line chart of series over time: the serving timeline (sequences per step, tokens per step,
//! KV-cache use), one panel per series stacked on a shared time axis.
//!
//! It deliberately thins long series to at most [`MAX_POINTS`] points per panel (each point the
//! mean of its bucket, so a million-step run still draws in a few hundred kilobytes), and draws
//! no legend beyond each panel's label.

use std::fmt::Write as _;

use super::axis::{x_axis, y_axis, Plot};
use super::colour::colour;
use super::document::{header, Svg};
use super::format::n;
use super::scale::{linear_domain, Scale};
use super::WIDTH;

/// Points drawn per panel at most.
pub const MAX_POINTS: usize = 2000;

/// Height of one panel's plot area, in pixels.
const PANEL: f64 = 150.0;

/// One panel: a series of values over the shared times.
pub struct Panel {
    /// The label with its unit, e.g. "sequences per step".
    pub label: String,
    /// One value per time.
    pub values: Vec<f64>,
}

/// A chart of panels over time.
pub struct Timeline {
    /// Drawn in bold at the top; also the document's `<title>`.
    pub title: String,
    /// Under the title.
    pub subtitle: Option<String>,
    /// Times in seconds, ascending.
    pub times: Vec<f64>,
    /// The panels, top to bottom.
    pub panels: Vec<Panel>,
}

/// Means of `v` over `buckets` equal runs of indices.
fn thin(v: &[f64], buckets: usize) -> Vec<f64> {
    if v.len() <= buckets {
        return v.to_vec();
    }
    (0..buckets)
        .map(|b| {
            let (lo, hi) = (
                b * v.len() / buckets,
                ((b + 1) * v.len() / buckets).max(b * v.len() / buckets + 1),
            );
            let s = &v[lo..hi.min(v.len())];
            s.iter().sum::<f64>() / s.len() as f64
        })
        .collect()
}

/// Renders the timeline as a standalone SVG document.
pub fn timeline(t: &Timeline) -> String {
    let mut svg = Svg::default();
    let top = header(&mut svg, &t.title, t.subtitle.as_deref(), WIDTH);
    let (left, right) = (80.0, WIDTH - 24.0);
    let times = thin(&t.times, MAX_POINTS);
    if times.is_empty() || t.panels.is_empty() {
        svg.no_data(WIDTH / 2.0, top + PANEL / 2.0);
        return svg.finish(&t.title, WIDTH, top + PANEL + 40.0);
    }
    let (t0, t1, tticks) = linear_domain(&times, " s");
    let xs = Scale {
        d0: t0,
        d1: t1,
        p0: left,
        p1: right,
    };
    let mut y = top + 10.0;
    for (k, p) in t.panels.iter().enumerate() {
        let vals = thin(&p.values, MAX_POINTS);
        let (v0, v1, vticks) = linear_domain(&vals, "");
        let plot = Plot {
            left,
            right,
            top: y,
            bottom: y + PANEL,
        };
        let ys = Scale {
            d0: v0,
            d1: v1,
            p0: plot.bottom,
            p1: plot.top,
        };
        y_axis(&mut svg, &ys, &vticks, &plot, &p.label);
        let last = k + 1 == t.panels.len();
        x_axis(
            &mut svg,
            &xs,
            &tticks,
            &plot,
            if last { "time (s)" } else { "" },
        );
        let mut d = String::new();
        for (i, (&x, &v)) in times.iter().zip(&vals).enumerate() {
            if !(x.is_finite() && v.is_finite()) {
                continue;
            }
            let _ = write!(
                d,
                "{}{},{}",
                if i == 0 { "M" } else { " L" },
                n(xs.px(x)),
                n(ys.px(v))
            );
        }
        let _ = write!(
            svg.out,
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="1.2"/>"#,
            colour(k)
        );
        y += PANEL + 50.0;
    }
    svg.finish(&t.title, WIDTH, y + 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeline_parses_and_thins() {
        let times: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.01).collect();
        let t = Timeline {
            title: "serve <timeline> & more".into(),
            subtitle: Some("h100".into()),
            panels: vec![
                Panel {
                    label: "sequences per step".into(),
                    values: (0..10_000).map(|i| f64::from(i % 64)).collect(),
                },
                Panel {
                    label: "KV cache used (%)".into(),
                    values: vec![50.0; 10_000],
                },
            ],
            times,
        };
        let doc = timeline(&t);
        let parsed = roxmltree::Document::parse(&doc).expect("valid XML");
        let paths = parsed
            .descendants()
            .filter(|n| n.has_tag_name("path"))
            .count();
        assert_eq!(paths, 2);
        assert!(doc.contains("serve &lt;timeline&gt; &amp; more"));
        assert!(doc.len() < 200_000, "{}", doc.len());
        let empty = timeline(&Timeline {
            title: "none".into(),
            subtitle: None,
            times: vec![],
            panels: vec![],
        });
        assert!(empty.contains("no data"));
    }
}
