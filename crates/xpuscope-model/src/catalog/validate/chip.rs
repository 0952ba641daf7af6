//! Validation of one `[[chip]]` entry: its fields, then the cross-field laws a chip obeys.

use toml::Spanned;

use super::context::{line_of, ValidationContext};
use super::fields::{check_id, date, flag, int, looks_like_key, num, required_str, text, Defaults};
use crate::catalog::raw::RawChip;
use crate::chip::{Chip, Origin, Precision, ScaleUp};
use crate::sourced::{Grade, Sourced};
use crate::units::{Bytes, BytesPerSecond, Dollars, FlopsPerSecond, SquareMm, Watts};

/// Validates one `[[chip]]`.
pub fn chip(ctx: &mut ValidationContext, raw: &RawChip, origin: Origin) -> Option<Chip> {
    let before = ctx.issues.len();
    let id = match &raw.id {
        Some(id) => {
            ctx.entry = Some(id.get_ref().clone());
            check_id(ctx, id).then(|| id.get_ref().clone())
        }
        None => {
            ctx.missing("id");
            None
        }
    };
    let name = required_str(ctx, &raw.name, "name");
    let vendor = required_str(ctx, &raw.vendor, "vendor");
    let country = raw.country.as_ref().and_then(|c| country_code(ctx, c));
    let unmodelled = raw.unmodelled.as_ref().and_then(|u| {
        let text = u.get_ref().trim();
        if text.is_empty() {
            ctx.at(
                u,
                "unmodelled",
                "must say in a sentence why the cost model cannot price the chip".to_string(),
            );
            None
        } else {
            Some(text.to_string())
        }
    });
    let grade = match &raw.grade {
        Some(g) => match Grade::parse(g.get_ref()) {
            Some(grade) => Some(grade),
            None => {
                ctx.at(
                    g,
                    "grade",
                    format!(
                        "unknown grade `{}`; expected vendor, reported, derived or estimate",
                        g.get_ref()
                    ),
                );
                None
            }
        },
        None => None,
    };
    if let Some(src) = &raw.source {
        let s = src.get_ref();
        if looks_like_key(s) && !raw.sources.contains_key(s) {
            ctx.at(
                src,
                "source",
                format!("`{s}` is not a key of the entry's `sources` table"),
            );
        }
    }
    for (key, loc) in &raw.sources {
        if loc.trim().is_empty() {
            let line = ctx.entry_line;
            ctx.push(
                line,
                &format!("sources.{key}"),
                "must not be empty".to_string(),
            );
        }
    }
    let d = Defaults {
        source: raw.source.as_ref().map(|s| s.get_ref().as_str()),
        grade,
        sources: &raw.sources,
    };

    let mut dense: [Option<Sourced<FlopsPerSecond>>; 9] = Default::default();
    if let Some(rd) = &raw.dense {
        let rd = rd.get_ref();
        let fields = [
            (Precision::Fp64, &rd.fp64),
            (Precision::Fp32, &rd.fp32),
            (Precision::Tf32, &rd.tf32),
            (Precision::Bf16, &rd.bf16),
            (Precision::Fp16, &rd.fp16),
            (Precision::Fp8, &rd.fp8),
            (Precision::Int8, &rd.int8),
            (Precision::Fp4, &rd.fp4),
            (Precision::Int4, &rd.int4),
        ];
        for (p, f) in fields {
            dense[p.index()] =
                num(ctx, f, &format!("dense.{p}"), &d).map(|s| s.map(FlopsPerSecond::from_tflops));
        }
    }

    let scale_up = raw.scale_up.as_ref().map(|su| {
        let su = su.get_ref();
        ScaleUp {
            name: text(ctx, &su.name, "scale_up.name", &d),
            bidirectional: num(ctx, &su.bidirectional_gbs, "scale_up.bidirectional_gbs", &d)
                .map(|s| s.map(BytesPerSecond::from_gbs)),
            per_direction: num(ctx, &su.per_direction_gbs, "scale_up.per_direction_gbs", &d)
                .map(|s| s.map(BytesPerSecond::from_gbs)),
            domain_size: int(ctx, &su.domain_size, "scale_up.domain_size", &d),
            switched: flag(ctx, &su.switched, "scale_up.switched", &d),
            in_network_reduction: flag(
                ctx,
                &su.in_network_reduction,
                "scale_up.in_network_reduction",
                &d,
            ),
        }
    });

    let chip = Chip {
        id: id.unwrap_or_default(),
        name: name.unwrap_or_default(),
        vendor: vendor.unwrap_or_default(),
        country,
        unmodelled,
        architecture: text(ctx, &raw.architecture, "architecture", &d),
        released: date(ctx, &raw.released, "released", &d),
        process: text(ctx, &raw.process, "process", &d),
        die_area: num(ctx, &raw.die_area_mm2, "die_area_mm2", &d).map(|s| s.map(SquareMm::new)),
        die_count: int(ctx, &raw.die_count, "die_count", &d),
        memory_type: text(ctx, &raw.memory_type, "memory_type", &d),
        memory_capacity: num(ctx, &raw.memory_capacity_gib, "memory_capacity_gib", &d)
            .map(|s| s.map(Bytes::from_gib)),
        memory_bandwidth: num(ctx, &raw.memory_bandwidth_gbs, "memory_bandwidth_gbs", &d)
            .map(|s| s.map(BytesPerSecond::from_gbs)),
        dense,
        scale_up,
        scale_out: num(ctx, &raw.scale_out_gbs, "scale_out_gbs", &d)
            .map(|s| s.map(BytesPerSecond::from_gbs)),
        host_link: text(ctx, &raw.host_link, "host_link", &d),
        host_link_bandwidth: num(ctx, &raw.host_link_gbs, "host_link_gbs", &d)
            .map(|s| s.map(BytesPerSecond::from_gbs)),
        tdp: num(ctx, &raw.tdp_w, "tdp_w", &d).map(|s| s.map(Watts::new)),
        power_limit: num(ctx, &raw.power_limit_w, "power_limit_w", &d).map(|s| s.map(Watts::new)),
        form_factor: text(ctx, &raw.form_factor, "form_factor", &d),
        datacenter: flag(ctx, &raw.datacenter, "datacenter", &d),
        price: num(ctx, &raw.price_usd, "price_usd", &d).map(|s| s.map(Dollars::new)),
        price_date: text(ctx, &raw.price_date, "price_date", &d),
        notes: raw.notes.clone(),
        sources: raw.sources.clone(),
        origin,
        gemm: Vec::new(),
        stream: None,
        allreduce: Vec::new(),
    };
    check_chip_laws(ctx, raw, &chip);
    (ctx.issues.len() == before).then_some(chip)
}

/// A power limit scales from the TDP, so it needs one, and it only lowers: the quoted peaks are
/// already at the boost clock.
fn check_power_limit(ctx: &mut ValidationContext, raw: &RawChip, chip: &Chip) {
    let (Some(limit), Some(span)) = (&chip.power_limit, &raw.power_limit_w) else {
        return;
    };
    let (w, field) = (limit.value.get(), "power_limit_w");
    match &chip.tdp {
        None => ctx.at(
            span,
            field,
            format!("{w} W needs the chip's tdp_w to scale its clocks from"),
        ),
        Some(tdp) if w > tdp.value.get() => ctx.at(
            span,
            field,
            format!(
                "{w} W is above tdp_w {} W; a limit only lowers the clocks (the quoted peaks are at the boost clock already): write a new tdp_w for a higher-power part",
                tdp.value.get()
            ),
        ),
        Some(_) => {}
    }
}

/// An ISO 3166-1 alpha-2 country code as written (`CN`, `US`): two ASCII capital letters.
fn country_code(ctx: &mut ValidationContext, c: &Spanned<String>) -> Option<String> {
    let s = c.get_ref();
    if s.len() == 2 && s.chars().all(|ch| ch.is_ascii_uppercase()) {
        Some(s.clone())
    } else {
        ctx.at(
            c,
            "country",
            format!("`{s}` is not an ISO 3166-1 alpha-2 code (two capital letters, such as `CN` or `US`)"),
        );
        None
    }
}

/// Cross-field laws a chip entry must obey; each breach is reported at the offending field.
fn check_chip_laws(ctx: &mut ValidationContext, raw: &RawChip, chip: &Chip) {
    check_power_limit(ctx, raw, chip);
    let Some(rd) = &raw.dense else { return };
    let line = line_of(ctx.text, rd.span().start);
    // Lower precision never runs slower than higher precision on the same tensor units.
    let order = [
        (Precision::Fp8, Precision::Bf16),
        (Precision::Bf16, Precision::Tf32),
        (Precision::Fp16, Precision::Tf32),
        (Precision::Fp4, Precision::Fp8),
    ];
    // INT8 is deliberately not ordered against FP16: Blackwell Ultra (B300) cut INT8 below FP16.
    for (low, high) in order {
        if let (Some(l), Some(h)) = (chip.peak(low), chip.peak(high)) {
            if l.get() < h.get() * 0.999 {
                ctx.push(
                    line,
                    &format!("dense.{low}"),
                    format!(
                        "is {:.1} TFLOPS, below dense.{high} ({:.1}); a lower precision is never slower (is one of them a sparse figure?)",
                        l.tflops(),
                        h.tflops()
                    ),
                );
            }
        }
    }
    if let Some(su) = &chip.scale_up {
        if let (Some(b), Some(p)) = (&su.bidirectional, &su.per_direction) {
            if (b.value.get() - 2.0 * p.value.get()).abs() > 0.01 * b.value.get() {
                let line = raw
                    .scale_up
                    .as_ref()
                    .map_or(ctx.entry_line, |s| line_of(ctx.text, s.span().start));
                ctx.push(
                    line,
                    "scale_up.per_direction_gbs",
                    format!(
                        "{} GB/s is not half of bidirectional_gbs {} GB/s",
                        p.value.gbs(),
                        b.value.gbs()
                    ),
                );
            }
        }
    }
}
