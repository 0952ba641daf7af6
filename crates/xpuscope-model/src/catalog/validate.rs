//! Turns raw catalogue structs into validated domain types, collecting every problem at once.
//!
//! Each problem becomes a [`CatalogIssue`] naming the file, line, entry and field. Validation never
//! stops at the first problem, and never panics on any input.

use std::collections::BTreeMap;

use toml::Spanned;

use super::raw::{RawChip, RawModel, RawScalar, RawSourced};
use super::CatalogIssue;
use crate::chip::{Chip, Date, Origin, Precision, ScaleUp};
use crate::model::{Mla, MlpKind, Model, Moe, Position, SlidingWindow};
use crate::sourced::{Grade, Source, Sourced};
use crate::units::{Bytes, BytesPerSecond, Dollars, FlopsPerSecond, SquareMm, Watts};

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Validation state for one entry of one file.
pub struct Ctx<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub entry: Option<String>,
    pub entry_line: usize,
    pub issues: &'a mut Vec<CatalogIssue>,
}

impl Ctx<'_> {
    fn push(&mut self, line: usize, field: &str, message: String) {
        self.issues.push(CatalogIssue {
            file: self.file.to_string(),
            line: Some(line),
            entry: self.entry.clone(),
            field: (!field.is_empty()).then(|| field.to_string()),
            message,
        });
    }

    fn at<T>(&mut self, span: &Spanned<T>, field: &str, message: String) {
        let line = line_of(self.text, span.span().start);
        self.push(line, field, message);
    }

    fn missing(&mut self, field: &str) {
        let line = self.entry_line;
        self.push(line, field, "is required".to_string());
    }
}

/// Entry-level provenance defaults for bare values.
struct Defaults<'a> {
    source: Option<&'a str>,
    grade: Option<Grade>,
    sources: &'a BTreeMap<String, String>,
}

/// A source written as a short key must name an entry of `[chip.sources]`; anything else (a URL, a
/// document title with spaces) is taken as written.
fn looks_like_key(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && !s.contains("..")
        && !s.ends_with(".pdf")
}

fn resolve_source(
    ctx: &mut Ctx,
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
    ctx: &mut Ctx,
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

/// A positive finite number.
fn num(
    ctx: &mut Ctx,
    f: &Option<Spanned<RawSourced>>,
    field: &str,
    d: &Defaults,
) -> Option<Sourced<f64>> {
    let span = f.as_ref()?;
    match &span.get_ref().value {
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

fn int(
    ctx: &mut Ctx,
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

fn text(
    ctx: &mut Ctx,
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

fn flag(
    ctx: &mut Ctx,
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

fn date(
    ctx: &mut Ctx,
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

fn required_str(ctx: &mut Ctx, s: &Option<Spanned<String>>, field: &str) -> Option<String> {
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

fn check_id(ctx: &mut Ctx, id: &Spanned<String>) -> bool {
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

/// Validates one `[[chip]]`.
pub fn chip(ctx: &mut Ctx, raw: &RawChip, origin: Origin) -> Option<Chip> {
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
        form_factor: text(ctx, &raw.form_factor, "form_factor", &d),
        datacenter: flag(ctx, &raw.datacenter, "datacenter", &d),
        price: num(ctx, &raw.price_usd, "price_usd", &d).map(|s| s.map(Dollars::new)),
        price_date: text(ctx, &raw.price_date, "price_date", &d),
        notes: raw.notes.clone(),
        sources: raw.sources.clone(),
        origin,
    };
    check_chip_laws(ctx, raw, &chip);
    (ctx.issues.len() == before).then_some(chip)
}

/// Cross-field laws a chip entry must obey; each breach is reported at the offending field.
fn check_chip_laws(ctx: &mut Ctx, raw: &RawChip, chip: &Chip) {
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

fn pos_int(ctx: &mut Ctx, v: &Option<Spanned<i64>>, field: &str, required: bool) -> Option<u64> {
    match v {
        Some(s) if *s.get_ref() >= 1 => Some(*s.get_ref() as u64),
        Some(s) => {
            ctx.at(
                s,
                field,
                format!("must be a positive whole number, got {}", s.get_ref()),
            );
            None
        }
        None => {
            if required {
                ctx.missing(field);
            }
            None
        }
    }
}

fn nonneg_int(ctx: &mut Ctx, v: &Option<Spanned<i64>>, field: &str) -> Option<u64> {
    match v {
        Some(s) if *s.get_ref() >= 0 => Some(*s.get_ref() as u64),
        Some(s) => {
            ctx.at(
                s,
                field,
                format!("must not be negative, got {}", s.get_ref()),
            );
            None
        }
        None => None,
    }
}

/// Validates one `[[model]]`.
pub fn model(ctx: &mut Ctx, raw: &RawModel, origin: Origin) -> Option<Model> {
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
    let name = raw
        .name
        .as_ref()
        .map(|n| n.get_ref().clone())
        .or_else(|| id.clone());
    let source = required_str(ctx, &raw.source, "source");
    let layers = pos_int(ctx, &raw.layers, "layers", true);
    let hidden = pos_int(ctx, &raw.hidden_size, "hidden_size", true);
    let heads = pos_int(ctx, &raw.heads, "heads", true);
    let kv_heads = pos_int(ctx, &raw.kv_heads, "kv_heads", false).or(heads);
    let head_dim = pos_int(ctx, &raw.head_dim, "head_dim", false);
    let ffn = pos_int(ctx, &raw.ffn_size, "ffn_size", true);
    let vocab = pos_int(ctx, &raw.vocab_size, "vocab_size", true);
    let max_context = pos_int(ctx, &raw.max_context, "max_context", true);
    let mlp = match &raw.mlp {
        None => Some(MlpKind::Gated),
        Some(s) => match s.get_ref().as_str() {
            "gated" => Some(MlpKind::Gated),
            "plain" => Some(MlpKind::Plain),
            other => {
                ctx.at(
                    s,
                    "mlp",
                    format!("unknown MLP kind `{other}`; expected `gated` or `plain`"),
                );
                None
            }
        },
    };
    let position = match &raw.position {
        None => Some(Position::Rope),
        Some(s) => match s.get_ref().as_str() {
            "rope" => Some(Position::Rope),
            "learned" => Some(Position::Learned),
            "alibi" => Some(Position::Alibi),
            other => {
                ctx.at(
                    s,
                    "position",
                    format!("unknown position encoding `{other}`; expected `rope`, `learned` or `alibi`"),
                );
                None
            }
        },
    };
    if let (Some(h), Some(kv), Some(span)) = (heads, kv_heads, &raw.kv_heads) {
        if kv > h || h % kv != 0 {
            ctx.at(
                span,
                "kv_heads",
                format!("{kv} does not divide heads ({h})"),
            );
        }
    }
    let head_dim = match (head_dim, hidden, heads) {
        (Some(d), _, _) => Some(d),
        (None, Some(h), Some(n)) if h % n == 0 => Some(h / n),
        (None, Some(h), Some(n)) => {
            let line = ctx.entry_line;
            ctx.push(
                line,
                "head_dim",
                format!("is required: hidden_size {h} is not a multiple of heads {n}"),
            );
            None
        }
        _ => None,
    };

    let moe = raw.moe.as_ref().and_then(|m| {
        let m = m.get_ref();
        let experts = pos_int(ctx, &m.experts, "moe.experts", true)?;
        let k = pos_int(ctx, &m.experts_per_token, "moe.experts_per_token", true)?;
        if k > experts {
            if let Some(span) = &m.experts_per_token {
                ctx.at(
                    span,
                    "moe.experts_per_token",
                    format!("{k} is more than the {experts} experts"),
                );
            }
        }
        let expert_ffn = pos_int(ctx, &m.expert_ffn_size, "moe.expert_ffn_size", true)?;
        Some(Moe {
            experts: experts as u32,
            experts_per_token: k as u32,
            shared_experts: nonneg_int(ctx, &m.shared_experts, "moe.shared_experts").unwrap_or(0)
                as u32,
            expert_ffn,
            shared_expert_ffn: pos_int(
                ctx,
                &m.shared_expert_ffn_size,
                "moe.shared_expert_ffn_size",
                false,
            )
            .unwrap_or(expert_ffn),
            dense_layers_first: nonneg_int(ctx, &m.dense_layers_first, "moe.dense_layers_first")
                .unwrap_or(0) as u32,
            moe_every: pos_int(ctx, &m.moe_every, "moe.moe_every", false).unwrap_or(1) as u32,
            groups: pos_int(ctx, &m.groups, "moe.groups", false).unwrap_or(1) as u32,
            topk_groups: pos_int(ctx, &m.topk_groups, "moe.topk_groups", false)
                .or(pos_int(ctx, &m.groups, "moe.groups", false))
                .unwrap_or(1) as u32,
        })
    });
    let mla = raw.mla.as_ref().and_then(|m| {
        let m = m.get_ref();
        Some(Mla {
            q_lora_rank: nonneg_int(ctx, &m.q_lora_rank, "mla.q_lora_rank").unwrap_or(0),
            kv_lora_rank: pos_int(ctx, &m.kv_lora_rank, "mla.kv_lora_rank", true)?,
            qk_rope_head_dim: pos_int(ctx, &m.qk_rope_head_dim, "mla.qk_rope_head_dim", true)?,
            qk_nope_head_dim: pos_int(ctx, &m.qk_nope_head_dim, "mla.qk_nope_head_dim", true)?,
            v_head_dim: pos_int(ctx, &m.v_head_dim, "mla.v_head_dim", true)?,
        })
    });
    let sliding_window = raw.sliding_window.as_ref().and_then(|s| {
        let s = s.get_ref();
        Some(SlidingWindow {
            window: pos_int(ctx, &s.window, "sliding_window.window", true)?,
            every: pos_int(ctx, &s.every, "sliding_window.every", false).unwrap_or(1) as u32,
        })
    });
    if let (Some(layers), Some(m), Some(span)) = (layers, moe, &raw.moe) {
        if u64::from(m.dense_layers_first) >= layers {
            ctx.at(
                span,
                "moe.dense_layers_first",
                format!(
                    "{} leaves no MoE layer among the {layers} layers",
                    m.dense_layers_first
                ),
            );
        }
    }

    let no_sources = BTreeMap::new();
    let d = Defaults {
        source: None,
        grade: Some(Grade::Vendor),
        sources: &no_sources,
    };
    let published_parameters = num(ctx, &raw.published_parameters, "published_parameters", &d);
    let published_active_parameters = num(
        ctx,
        &raw.published_active_parameters,
        "published_active_parameters",
        &d,
    );

    if ctx.issues.len() != before {
        return None;
    }
    Some(Model {
        id: id?,
        name: name?,
        source: source?,
        layers: layers? as u32,
        hidden: hidden?,
        heads: heads?,
        kv_heads: kv_heads?,
        head_dim: head_dim?,
        ffn: ffn?,
        vocab: vocab?,
        tied_embeddings: raw.tied_embeddings.unwrap_or(false),
        activation: raw.activation.clone().unwrap_or_else(|| "silu".to_string()),
        mlp: mlp?,
        attention_bias: raw.attention_bias.unwrap_or(false),
        position: position?,
        max_context: max_context?,
        parallel_block: raw.parallel_block.unwrap_or(false),
        moe,
        mla,
        sliding_window,
        published_parameters,
        published_active_parameters,
        published_active_includes_embeddings: raw
            .published_active_includes_embeddings
            .unwrap_or(false),
        origin,
    })
}
