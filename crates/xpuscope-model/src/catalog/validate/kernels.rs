//! Measured kernel figures (`[[gemm]]` entries, as `catalog/kernels/gemm.toml` holds them): one
//! chip's GEMM efficiency in one compute precision, reduced from a measured table by
//! `scripts/fit_kernels.py`. Checks each field; attaching to the chip is the caller's.

use toml::Spanned;

use super::context::ValidationContext;
use crate::catalog::raw::{RawAllReduce, RawGemm, RawStream};
use crate::chip::{AllReduceCurve, AllReduceFigures, GemmFigures, Precision, StreamFigure};
use crate::sourced::Grade;
use crate::units::{BytesPerSecond, Seconds};

/// Validates one `[[gemm]]` entry; returns the chip id it is for and its figures.
pub fn gemm(ctx: &mut ValidationContext, raw: &RawGemm) -> Option<(Spanned<String>, GemmFigures)> {
    let before = ctx.issues.len();
    let Some(chip) = raw.chip.clone() else {
        ctx.missing("chip");
        return None;
    };
    ctx.entry = Some(format!("gemm {}", chip.get_ref()));
    let precision = match &raw.precision {
        None => {
            ctx.missing("precision");
            None
        }
        Some(p) => {
            let parsed = Precision::parse(p.get_ref());
            if parsed.is_none() {
                let names: Vec<&str> = Precision::ALL.iter().map(|p| p.as_str()).collect();
                ctx.at(
                    p,
                    "precision",
                    format!(
                        "`{}` is not a precision ({})",
                        p.get_ref(),
                        names.join(", ")
                    ),
                );
            }
            parsed
        }
    };
    // A fraction of a catalogue peak: above 1.2 the peak itself is wrong (a sparse figure?).
    let mut fraction = |v: &Option<Spanned<f64>>, field: &str| -> Option<f64> {
        let Some(v) = v else {
            ctx.missing(field);
            return None;
        };
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 && x <= 1.2 {
            Some(x)
        } else {
            ctx.at(
                v,
                field,
                format!("is {x}; a fraction of the catalogue's peak lies in (0, 1.2]"),
            );
            None
        }
    };
    let compute = fraction(&raw.compute, "compute");
    // A measurement of large GEMMs alone leaves the small-M figures to the chip's others.
    let memory = raw.memory.as_ref().map(|_| fraction(&raw.memory, "memory"));
    let fixed = match &raw.fixed_us {
        None => Some(None),
        Some(v) if v.get_ref().is_finite() && (0.0..=1000.0).contains(v.get_ref()) => {
            Some(Some(Seconds::from_us(*v.get_ref())))
        }
        Some(v) => {
            ctx.at(
                v,
                "fixed_us",
                format!(
                    "is {}; a per-launch time lies in [0, 1000] microseconds",
                    v.get_ref()
                ),
            );
            None
        }
    };
    let grade = grade(ctx, &raw.grade);
    let source = source(ctx, &raw.source, "say where the table is");
    let error = |v: &Option<Spanned<f64>>| v.as_ref().map(|v| *v.get_ref());
    for (v, field) in [
        (&raw.median_error, "median_error"),
        (&raw.p90_error, "p90_error"),
    ] {
        if let Some(v) = v {
            if !(v.get_ref().is_finite() && *v.get_ref() >= 0.0) {
                ctx.at(
                    v,
                    field,
                    format!("is {}; an |error| is at least 0", v.get_ref()),
                );
            }
        }
    }
    let fit = match (&raw.shapes, error(&raw.median_error), error(&raw.p90_error)) {
        (Some(n), Some(m), Some(p)) => Some((*n.get_ref(), m, p)),
        _ => None,
    };
    if ctx.issues.len() != before {
        return None;
    }
    Some((
        chip,
        GemmFigures {
            precision: precision?,
            compute: compute?,
            memory: match memory {
                Some(m) => Some(m?),
                None => None,
            },
            fixed: fixed?,
            grade: grade?,
            source: source?,
            fit,
        },
    ))
}

/// Validates one `[[stream]]` entry; returns the chip id it is for and its figure.
pub fn stream(
    ctx: &mut ValidationContext,
    raw: &RawStream,
) -> Option<(Spanned<String>, StreamFigure)> {
    let before = ctx.issues.len();
    let Some(chip) = raw.chip.clone() else {
        ctx.missing("chip");
        return None;
    };
    ctx.entry = Some(format!("stream {}", chip.get_ref()));
    let fraction = match &raw.fraction {
        None => {
            ctx.missing("fraction");
            None
        }
        Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 && *v.get_ref() <= 1.2 => {
            Some(*v.get_ref())
        }
        Some(v) => {
            ctx.at(
                v,
                "fraction",
                format!(
                    "is {}; a fraction of the catalogue's peak lies in (0, 1.2]",
                    v.get_ref()
                ),
            );
            None
        }
    };
    let grade = grade(ctx, &raw.grade);
    let source = source(ctx, &raw.source, "say where it was measured");
    if ctx.issues.len() != before {
        return None;
    }
    Some((
        chip,
        StreamFigure {
            fraction: fraction?,
            grade: grade?,
            source: source?,
            note: raw.note.as_ref().map(|n| n.get_ref().clone()),
        },
    ))
}

/// Validates one `[[allreduce]]` entry; returns the chip id it is for and its figures.
pub fn allreduce(
    ctx: &mut ValidationContext,
    raw: &RawAllReduce,
) -> Option<(Spanned<String>, AllReduceFigures)> {
    let before = ctx.issues.len();
    let Some(chip) = raw.chip.clone() else {
        ctx.missing("chip");
        return None;
    };
    ctx.entry = Some(format!("allreduce {}", chip.get_ref()));
    let gpus = match &raw.gpus {
        None => {
            ctx.missing("gpus");
            None
        }
        Some(g) if *g.get_ref() >= 2 => Some(*g.get_ref()),
        Some(g) => {
            ctx.at(
                g,
                "gpus",
                format!("is {}; an all-reduce needs at least 2 chips", g.get_ref()),
            );
            None
        }
    };
    // A time in microseconds and a bandwidth in GB/s, each finite and positive (the latency
    // may be zero).
    let mut positive = |v: &Option<Spanned<f64>>, field: &str, zero_ok: bool| -> Option<f64> {
        let Some(v) = v else {
            ctx.missing(field);
            return None;
        };
        let x = *v.get_ref();
        if x.is_finite() && (x > 0.0 || (zero_ok && x == 0.0)) && x <= 1e6 {
            Some(x)
        } else {
            ctx.at(v, field, format!("is {x}; it must be a positive number"));
            None
        }
    };
    let small = positive(&raw.small_us, "small_us", false);
    let latency = positive(&raw.latency_us, "latency_us", true);
    let bandwidth = positive(&raw.bandwidth_gbs, "bandwidth_gbs", false);
    let grade = grade(ctx, &raw.grade);
    let source = source(ctx, &raw.source, "say where the table is");
    let error = |v: &Option<Spanned<f64>>| v.as_ref().map(|v| *v.get_ref());
    let fit = match (&raw.sizes, error(&raw.median_error), error(&raw.max_error)) {
        (Some(n), Some(m), Some(x)) if m >= 0.0 && x >= 0.0 => Some((*n.get_ref(), m, x)),
        _ => None,
    };
    if ctx.issues.len() != before {
        return None;
    }
    Some((
        chip,
        AllReduceFigures {
            gpus: gpus?,
            curve: AllReduceCurve {
                small: Seconds::from_us(small?),
                latency: Seconds::from_us(latency?),
                bandwidth: BytesPerSecond::new(bandwidth? * 1e9),
            },
            grade: grade?,
            source: source?,
            fit,
        },
    ))
}

/// A required grade, checked against the four names.
fn grade(ctx: &mut ValidationContext, g: &Option<Spanned<String>>) -> Option<Grade> {
    let Some(g) = g else {
        ctx.missing("grade");
        return None;
    };
    let parsed = Grade::parse(g.get_ref());
    if parsed.is_none() {
        ctx.at(
            g,
            "grade",
            format!(
                "`{}` is not a grade (vendor, reported, derived, estimate)",
                g.get_ref()
            ),
        );
    }
    parsed
}

/// A required, non-empty source; `hint` says what an empty one should have said.
fn source(ctx: &mut ValidationContext, s: &Option<Spanned<String>>, hint: &str) -> Option<String> {
    match s {
        Some(s) if !s.get_ref().trim().is_empty() => Some(s.get_ref().clone()),
        Some(s) => {
            ctx.at(s, "source", format!("is empty; {hint}"));
            None
        }
        None => {
            ctx.missing("source");
            None
        }
    }
}
