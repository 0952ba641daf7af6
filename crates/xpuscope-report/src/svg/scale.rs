//! Scales and ticks: mapping axis values to pixels, choosing a domain that ends on round
//! numbers, and choosing and labelling the ticks on a linear or log axis.
//!
//! On a log axis values are handled in log10 units throughout, so a domain of `-1.0..2.0` is
//! 0.1..100. It deliberately draws nothing (`axis` draws the ticks chosen here) and chooses
//! nothing by a chart's meaning: the callers pick the units and the defaults.

use super::format::{fmt_pow, fmt_si, fmt_sig, trim_zeros};

/// Whether an axis maps values directly or through log10.
#[derive(Clone, Copy)]
pub(super) enum ScaleKind {
    /// Values are axis units.
    Linear,
    /// log10 of a value is its axis units; only positive values can be drawn.
    Log,
}

impl ScaleKind {
    /// A value in axis units, or `None` when it cannot be drawn on this kind of axis.
    pub(super) fn to_axis(self, v: f64) -> Option<f64> {
        match self {
            ScaleKind::Linear if v.is_finite() => Some(v),
            ScaleKind::Log if v.is_finite() && v > 0.0 => Some(v.log10()),
            _ => None,
        }
    }
}

/// Maps axis units (log10 already applied on a log axis) in `d0..d1` to pixels in `p0..p1`.
pub(super) struct Scale {
    pub(super) d0: f64,
    pub(super) d1: f64,
    pub(super) p0: f64,
    pub(super) p1: f64,
}

impl Scale {
    /// The pixel of `v` axis units. Values outside the domain land at most 5% of the span past
    /// its ends, and a domain without width puts everything in the middle.
    pub(super) fn px(&self, v: f64) -> f64 {
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
pub(super) struct Tick {
    pub(super) at: f64,
    pub(super) label: Option<String>,
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
pub(super) fn log_domain_125(vals: &[f64]) -> (f64, f64) {
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
    let candidates = (-1..=1).flat_map(|k| STEPS_125.iter().map(move |s| d + f64::from(k) + s.1));
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
pub(super) fn padded_log_domain(vals: &[f64], default: (f64, f64)) -> (f64, f64) {
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
pub(super) fn log_ticks(lo: f64, hi: f64, shift: i32, unit: &str) -> Vec<Tick> {
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
pub(super) fn linear_domain(vals: &[f64], unit: &str) -> (f64, f64, Vec<Tick>) {
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
/// A linear domain around `min..=max` rounded out to a 1-2-5 step, with about five ticks; one
/// value (or a span too wide to step through) is labelled as it is.
pub(super) fn nice_linear(min: f64, max: f64) -> (f64, f64, Vec<Tick>) {
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

/// The smallest and largest finite values, or `None` when there are none.
pub(super) fn min_max(vals: &[f64]) -> Option<(f64, f64)> {
    let finite = vals.iter().copied().filter(|v| v.is_finite());
    let min = finite.clone().fold(f64::INFINITY, f64::min);
    let max = finite.fold(f64::NEG_INFINITY, f64::max);
    (min <= max).then_some((min, max))
}
