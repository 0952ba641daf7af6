//! Colour: the Okabe-Ito palette for series and chips, and the heat map's sequential ramp with
//! the scale that maps values onto it and the ink that reads on each cell.
//!
//! Every colour here is chosen to stay distinguishable under the common forms of colour
//! blindness. It deliberately draws nothing: charts take colours from here and write them.

use super::format::fmt_si;
use super::scale::{log_domain_125, log_ticks, min_max, nice_linear, Scale, ScaleKind, Tick};

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
pub(super) const NO_COLOUR: &str = "#999999";

/// The palette colour of series or chip `i`, repeating after eight.
pub(super) fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// Fill of a heat-map cell without a value: a light grey that no colour on the ramp comes near.
pub(super) const NA_FILL: &str = "#d9d9d9";

/// Viridis (van der Walt & Smith, matplotlib 2015) sampled at nine even steps: perceptually
/// uniform, ordered in lightness so it also reads in greyscale, and safe for the common forms of
/// colour blindness. Dark purple is the smallest value, yellow the largest.
pub(super) const VIRIDIS: [(u8, u8, u8); 9] = [
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
pub(super) fn ramp(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// `rgb` as a CSS hex colour, "#rrggbb".
pub(super) fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Black or white, whichever contrasts more with `rgb` by the WCAG 2 relative luminance: black
/// above 0.179, where the two contrast ratios are equal.
pub(super) fn ink_on((r, g, b): (u8, u8, u8)) -> &'static str {
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
pub(super) struct ColourScale {
    /// Whether values go through log10 before `scale`.
    pub(super) kind: ScaleKind,
    /// Axis units (log10 on a log scale) to ramp position 0..1.
    scale: Scale,
    /// Ticks for the colour bar, in axis units, labelled with the values they stand for.
    pub(super) ticks: Vec<Tick>,
}

impl ColourScale {
    /// The scale for `values`; non-finite values are ignored, and none at all give a linear
    /// 0..1 scale without ticks.
    pub(super) fn new(values: &[f64]) -> ColourScale {
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
    pub(super) fn position(&self, at: f64) -> f64 {
        self.scale.px(at).clamp(0.0, 1.0)
    }

    /// Where a value sits on the ramp, 0..1.
    pub(super) fn t(&self, v: f64) -> f64 {
        self.kind.to_axis(v).map_or(0.0, |a| self.position(a))
    }
}
