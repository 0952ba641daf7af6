//! Field readers shared by the chip and model validators: numbers, whole numbers, strings, flags
//! and dates with their provenance (source and grade), required strings and ids.
//!
//! Each reader reports its problem to the context and returns `None`; none of them knows which
//! entry kind it is reading for.

use std::collections::BTreeMap;

use toml::Spanned;

use super::context::ValidationContext;
use crate::catalog::raw::{RawScalar, RawSourced};
use crate::chip::Date;
use crate::sourced::{Grade, Source, Sourced};

/// Entry-level provenance defaults for bare values.
pub(super) struct Defaults<'a> {
    /// The entry's `source`, for values that name none.
    pub(super) source: Option<&'a str>,
    /// The entry's `grade`, for values that give none.
    pub(super) grade: Option<Grade>,
    /// The entry's `sources` table, which short source keys name.
    pub(super) sources: &'a BTreeMap<String, String>,
}

/// A source written as a short key must name an entry of `[chip.sources]`; anything else (a URL, a
/// document title with spaces) is taken as written.
pub(super) fn looks_like_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && !s.contains("..")
        && !s.ends_with(".pdf")
}

fn resolve_source(
    ctx: &mut ValidationContext,
    span: &Spanned<RawSourced>,
    field: &str,
    written: Option<&str>,
    d: &Defaults,
) -> Option<Source> {
    let s = written.or(d.source)?;
    if looks_like_key(s) {
        match d.sources.get(s) {
            Some(loc) => Some(Source {
                key: Some(s.to_string()),
                location: loc.clone(),
            }),
            None => {
                ctx.at(
                    span,
                    field,
                    format!("source `{s}` is not a key of the entry's `sources` table (write the URL, or add `{s} = \"...\"` under `sources`)"),
                );
                None
            }
        }
    } else {
        Some(Source {
            key: None,
            location: s.to_string(),
        })
    }
}

fn provenance<T>(
    ctx: &mut ValidationContext,
    span: &Spanned<RawSourced>,
    field: &str,
    value: T,
    d: &Defaults,
) -> Option<Sourced<T>> {
    let raw = span.get_ref();
    let grade = match raw.grade.as_deref() {
        Some(g) => match Grade::parse(g) {
            Some(g) => Some(g),
            None => {
                ctx.at(
                    span,
                    field,
                    format!("unknown grade `{g}`; expected vendor, reported, derived or estimate"),
                );
                return None;
            }
        },
        None => d.grade,
    };
    let Some(grade) = grade else {
        ctx.at(
            span,
            field,
            "has no grade (give it one, or set the entry's `grade`)".to_string(),
        );
        return None;
    };
    let Some(source) = resolve_source(ctx, span, field, raw.source.as_deref(), d) else {
        if raw.source.is_none() && d.source.is_none() {
            ctx.at(
                span,
                field,
                "has no source (give it one, or set the entry's `source`)".to_string(),
            );
        }
        return None;
    };
    if matches!(grade, Grade::Derived | Grade::Estimate)
        && raw.note.as_deref().is_none_or(str::is_empty)
    {
        ctx.at(
            span,
            field,
            format!("is graded `{grade}` but has no `note` saying how it was obtained"),
        );
    }
    Some(Sourced {
        value,
        source,
        grade,
        note: raw.note.clone(),
    })
}

/// The largest value a catalogue number may hold, by its field: generous (a thousand times
/// today's largest parts) but finite, so no product of catalogue numbers overflows and a typo of
/// many zeros is caught.
fn physical_max(field: &str) -> (f64, &'static str) {
    if field.starts_with("dense.") {
        (1e7, "TFLOPS")
    } else if field.ends_with("_gbs") {
        // On-wafer SRAM of a wafer-scale engine already reaches 2.1e7 GB/s (Cerebras WSE-3).
        (1e8, "GB/s")
    } else if field.ends_with("_gib") {
        (1e7, "GiB")
    } else if field == "die_area_mm2" {
        // A whole 300 mm wafer.
        (70_686.0, "mm²")
    } else if field == "tdp_w" || field == "power_limit_w" {
        (1e6, "W")
    } else if field == "price_usd" {
        (1e9, "$")
    } else {
        (1e12, "")
    }
}

/// A positive finite number, within the field's physical range.
pub(super) fn num(
    ctx: &mut ValidationContext,
    f: &Option<Spanned<RawSourced>>,
    field: &str,
    d: &Defaults,
) -> Option<Sourced<f64>> {
    let span = f.as_ref()?;
    match &span.get_ref().value {
        RawScalar::Num(v) if v.is_finite() && *v > physical_max(field).0 => {
            let (max, unit) = physical_max(field);
            ctx.at(
                span,
                field,
                format!("{v:e} is beyond any chip; at most {max:e} {unit}"),
            );
            None
        }
        RawScalar::Num(v) if v.is_finite() && *v > 0.0 => provenance(ctx, span, field, *v, d),
        RawScalar::Num(v) => {
            ctx.at(span, field, format!("must be a positive number, got {v}"));
            None
        }
        other => {
            ctx.at(
                span,
                field,
                format!("must be a number, got {}", other.kind()),
            );
            None
        }
    }
}

pub(super) fn int(
    ctx: &mut ValidationContext,
    f: &Option<Spanned<RawSourced>>,
    field: &str,
    d: &Defaults,
) -> Option<Sourced<u32>> {
    let span = f.as_ref()?;
    match &span.get_ref().value {
        RawScalar::Num(v) if v.fract() == 0.0 && *v >= 1.0 && *v <= f64::from(u32::MAX) => {
            provenance(ctx, span, field, *v as u32, d)
        }
        other => {
            let got = match other {
                RawScalar::Num(v) => v.to_string(),
                o => o.kind().to_string(),
            };
            ctx.at(
                span,
                field,
                format!("must be a positive whole number, got {got}"),
            );
            None
        }
    }
}

pub(super) fn text(
    ctx: &mut ValidationContext,
    f: &Option<Spanned<RawSourced>>,
    field: &str,
    d: &Defaults,
) -> Option<Sourced<String>> {
    let span = f.as_ref()?;
    match &span.get_ref().value {
        RawScalar::Str(s) if !s.trim().is_empty() => provenance(ctx, span, field, s.clone(), d),
        other => {
            ctx.at(
                span,
                field,
                format!("must be a non-empty string, got {}", other.kind()),
            );
            None
        }
    }
}

pub(super) fn flag(
    ctx: &mut ValidationContext,
    f: &Option<Spanned<RawSourced>>,
    field: &str,
    d: &Defaults,
) -> Option<Sourced<bool>> {
    let span = f.as_ref()?;
    match &span.get_ref().value {
        RawScalar::Bool(b) => provenance(ctx, span, field, *b, d),
        other => {
            ctx.at(
                span,
                field,
                format!("must be true or false, got {}", other.kind()),
            );
            None
        }
    }
}

pub(super) fn date(
    ctx: &mut ValidationContext,
    f: &Option<Spanned<RawSourced>>,
    field: &str,
    d: &Defaults,
) -> Option<Sourced<Date>> {
    let span = f.as_ref()?;
    let parsed = match &span.get_ref().value {
        RawScalar::Str(s) => Date::parse(s),
        RawScalar::Num(v) if v.fract() == 0.0 => Date::parse(&format!("{v}")),
        _ => None,
    };
    match parsed {
        Some(date) => provenance(ctx, span, field, date, d),
        None => {
            ctx.at(
                span,
                field,
                "must be a date written YYYY, YYYY-MM or YYYY-MM-DD".to_string(),
            );
            None
        }
    }
}

pub(super) fn required_str(
    ctx: &mut ValidationContext,
    s: &Option<Spanned<String>>,
    field: &str,
) -> Option<String> {
    match s {
        Some(s) if !s.get_ref().trim().is_empty() => Some(s.get_ref().clone()),
        Some(s) => {
            ctx.at(s, field, "must not be empty".to_string());
            None
        }
        None => {
            ctx.missing(field);
            None
        }
    }
}

pub(super) fn check_id(ctx: &mut ValidationContext, id: &Spanned<String>) -> bool {
    let s = id.get_ref();
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if !ok {
        ctx.at(
            id,
            "id",
            format!("`{s}` is not a kebab-case id (lowercase letters, digits, `-` and `.`)"),
        );
    }
    ok
}
