//! `chips`, `chip ID`, `models`, `model ID`: the catalogue as tables, spec sheets and JSON.

use anyhow::Result;
use serde_json::{json, Map, Value};
use xpuscope_model::chip::Chip;
use xpuscope_model::model::{MlpKind, Model};
use xpuscope_model::{Precision, Sourced};

use super::{json, Ctx};
use crate::cli::Format;
use xpuscope_report::table::{num, sig, Align, Table};

/// One fact of a spec sheet, ready for either printer.
struct Fact {
    /// Dotted field name as in the catalogue file.
    field: String,
    /// Label for people.
    label: String,
    /// Value with unit, for people.
    text: String,
    /// Dotted JSON path (unit in the last segment's name).
    json_key: String,
    /// The JSON value, in the unit the key names.
    json: Value,
    source_key: Option<String>,
    source: String,
    grade: String,
    note: Option<String>,
}

fn fact<T>(
    field: &str,
    label: &str,
    s: &Option<Sourced<T>>,
    json_key: &str,
    text: impl Fn(&T) -> String,
    to_json: impl Fn(&T) -> Value,
) -> Option<Fact> {
    let s = s.as_ref()?;
    Some(Fact {
        field: field.into(),
        label: label.into(),
        text: text(&s.value),
        json_key: json_key.into(),
        json: to_json(&s.value),
        source_key: s.source.key.clone(),
        source: s.source.location.clone(),
        grade: s.grade.to_string(),
        note: s.note.clone(),
    })
}

fn string_fact(field: &str, label: &str, s: &Option<Sourced<String>>) -> Option<Fact> {
    fact(field, label, s, field, Clone::clone, |v| json!(v))
}

fn chip_facts(c: &Chip) -> Vec<Fact> {
    let mut f = vec![
        string_fact("architecture", "architecture", &c.architecture),
        fact(
            "released",
            "released",
            &c.released,
            "released",
            ToString::to_string,
            |d| json!(d.to_string()),
        ),
        string_fact("process", "process", &c.process),
        fact(
            "die_area_mm2",
            "logic die area",
            &c.die_area,
            "die_area_mm2",
            |a| format!("{} mm²", num(a.get(), 1)),
            |a| json!(a.get()),
        ),
        fact(
            "die_count",
            "logic dies",
            &c.die_count,
            "die_count",
            ToString::to_string,
            |n| json!(n),
        ),
        string_fact("memory_type", "memory type", &c.memory_type),
        fact(
            "memory_capacity_gib",
            "memory capacity",
            &c.memory_capacity,
            "memory_capacity_bytes",
            |b| format!("{} GiB", sig(b.gib())),
            |b| json!(b.get()),
        ),
        fact(
            "memory_bandwidth_gbs",
            "memory bandwidth",
            &c.memory_bandwidth,
            "memory_bandwidth_bytes_per_s",
            |b| format!("{} GB/s", num(b.gbs(), 0)),
            |b| json!(b.get()),
        ),
    ];
    for p in Precision::ALL {
        let unit = if matches!(p, Precision::Int8 | Precision::Int4) {
            "TOPS"
        } else {
            "TFLOPS"
        };
        f.push(fact(
            &format!("dense.{p}"),
            &format!("dense {p}"),
            &c.dense[p.index()],
            &format!("dense_flops_per_s.{p}"),
            |v| format!("{} {unit}", sig(v.tflops())),
            |v| json!(v.get()),
        ));
    }
    if let Some(su) = &c.scale_up {
        f.push(string_fact("scale_up.name", "scale-up fabric", &su.name));
        f.push(fact(
            "scale_up.bidirectional_gbs",
            "scale-up, bidirectional",
            &su.bidirectional,
            "scale_up.bidirectional_bytes_per_s",
            |b| format!("{} GB/s", num(b.gbs(), 0)),
            |b| json!(b.get()),
        ));
        f.push(fact(
            "scale_up.per_direction_gbs",
            "scale-up, per direction",
            &su.per_direction,
            "scale_up.per_direction_bytes_per_s",
            |b| format!("{} GB/s", num(b.gbs(), 0)),
            |b| json!(b.get()),
        ));
        f.push(fact(
            "scale_up.domain_size",
            "scale-up domain",
            &su.domain_size,
            "scale_up.domain_size",
            |n| format!("{n} chips"),
            |n| json!(n),
        ));
        f.push(fact(
            "scale_up.switched",
            "scale-up switched",
            &su.switched,
            "scale_up.switched",
            |b| if *b { "yes".into() } else { "no".into() },
            |b| json!(b),
        ));
        f.push(fact(
            "scale_up.in_network_reduction",
            "in-network reduction",
            &su.in_network_reduction,
            "scale_up.in_network_reduction",
            |b| {
                if *b {
                    "yes (SHARP)".into()
                } else {
                    "no".into()
                }
            },
            |b| json!(b),
        ));
    }
    f.extend([
        fact(
            "scale_out_gbs",
            "scale-out network",
            &c.scale_out,
            "scale_out_bytes_per_s",
            |b| format!("{} GB/s per direction", num(b.gbs(), 0)),
            |b| json!(b.get()),
        ),
        string_fact("host_link", "host link", &c.host_link),
        fact(
            "host_link_gbs",
            "host link bandwidth",
            &c.host_link_bandwidth,
            "host_link_bytes_per_s",
            |b| format!("{} GB/s per direction", num(b.gbs(), 0)),
            |b| json!(b.get()),
        ),
        fact(
            "tdp_w",
            "TDP",
            &c.tdp,
            "tdp_w",
            |w| format!("{} W", num(w.get(), 0)),
            |w| json!(w.get()),
        ),
        string_fact("form_factor", "form factor", &c.form_factor),
        fact(
            "datacenter",
            "for datacenters",
            &c.datacenter,
            "datacenter",
            |b| if *b { "yes".into() } else { "no".into() },
            |b| json!(b),
        ),
        fact(
            "price_usd",
            "price",
            &c.price,
            "price_usd",
            |d| format!("${}", num(d.get(), 0)),
            |d| json!(d.get()),
        ),
        string_fact("price_date", "price date", &c.price_date),
    ]);
    f.into_iter().flatten().collect()
}

fn insert_path(map: &mut Map<String, Value>, path: &str, v: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.into(), v);
        }
        Some((head, rest)) => {
            let entry = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                insert_path(m, rest, v);
            }
        }
    }
}

fn chip_json(c: &Chip) -> Value {
    let facts = chip_facts(c);
    let mut m = Map::new();
    m.insert("id".into(), json!(c.id));
    m.insert("name".into(), json!(c.name));
    m.insert("vendor".into(), json!(c.vendor));
    for f in &facts {
        insert_path(&mut m, &f.json_key, f.json.clone());
    }
    let mut prov = Map::new();
    for f in &facts {
        prov.insert(
            f.field.clone(),
            json!({"source": f.source, "grade": f.grade, "note": f.note}),
        );
    }
    m.insert("provenance".into(), Value::Object(prov));
    // Every declared source, and any written out in full on a value.
    let mut sources: Vec<(Option<String>, String)> = facts
        .iter()
        .map(|f| (f.source_key.clone(), f.source.clone()))
        .chain(c.sources.iter().map(|(k, v)| (Some(k.clone()), v.clone())))
        .collect();
    sources.sort();
    sources.dedup();
    m.insert(
        "sources".into(),
        Value::Array(
            sources
                .into_iter()
                .map(|(k, l)| json!({"key": k, "location": l}))
                .collect(),
        ),
    );
    m.insert("notes".into(), json!(c.notes));
    m.insert("catalog_file".into(), json!(c.origin.file));
    Value::Object(m)
}

fn opt_num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".into(), |v| num(v, decimals))
}

/// `xpuscope chips`.
pub fn chips(ctx: &Ctx) -> Result<String> {
    let chips = ctx.catalog.chips();
    if ctx.format == Format::Json {
        return json(&chips.iter().map(chip_json).collect::<Vec<_>>());
    }
    let mut t = Table::new(&[
        ("id", Align::Left),
        ("vendor", Align::Left),
        ("memory GiB", Align::Right),
        ("mem GB/s", Align::Right),
        ("bf16 TFLOPS", Align::Right),
        ("fp8 TFLOPS", Align::Right),
        ("scale-up GB/s", Align::Right),
        ("TDP W", Align::Right),
        ("name", Align::Left),
    ]);
    for c in chips {
        let bf16 = c.peak(Precision::Bf16).or_else(|| c.peak(Precision::Fp16));
        t.row(vec![
            c.id.clone(),
            c.vendor.clone(),
            opt_num(c.capacity().map(|b| b.gib()), 0),
            opt_num(c.bandwidth().map(|b| b.gbs()), 0),
            opt_num(bf16.map(|f| f.tflops()), 0),
            opt_num(c.peak(Precision::Fp8).map(|f| f.tflops()), 0),
            opt_num(
                c.scale_up
                    .as_ref()
                    .and_then(|s| s.bidirectional_bandwidth())
                    .map(|b| b.gbs()),
                0,
            ),
            opt_num(c.tdp.as_ref().map(|w| w.value.get()), 0),
            c.name.clone(),
        ]);
    }
    Ok(format!(
        "{}\n{} chips. Dense peak figures; scale-up is bidirectional. `xpuscope chip ID` shows sources.\n",
        t.render(),
        chips.len()
    ))
}

/// `xpuscope chip ID`.
pub fn chip(ctx: &Ctx, id: &str) -> Result<String> {
    let c = ctx.catalog.chip(id)?;
    if ctx.format == Format::Json {
        return json(&chip_json(c));
    }
    let facts = chip_facts(c);
    let mut out = format!("{} ({})\nvendor: {}\n\n", c.name, c.id, c.vendor);
    let mut t = Table::new(&[
        ("field", Align::Left),
        ("value", Align::Right),
        ("grade", Align::Left),
        ("source", Align::Left),
        ("note", Align::Left),
    ]);
    for f in &facts {
        t.row(vec![
            f.label.clone(),
            f.text.clone(),
            f.grade.clone(),
            f.source_key.clone().unwrap_or_else(|| f.source.clone()),
            f.note.clone().unwrap_or_default(),
        ]);
    }
    out.push_str(&t.render());
    let missing: Vec<&str> = [
        ("die_area_mm2", c.die_area.is_none()),
        ("memory_capacity_gib", c.memory_capacity.is_none()),
        ("memory_bandwidth_gbs", c.memory_bandwidth.is_none()),
        (
            "dense.bf16",
            c.peak(Precision::Bf16).is_none() && c.peak(Precision::Fp16).is_none(),
        ),
        ("tdp_w", c.tdp.is_none()),
        ("datacenter", c.datacenter.is_none()),
        ("price_usd", c.price.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, miss)| miss.then_some(name))
    .collect();
    if !missing.is_empty() {
        out.push_str(&format!(
            "\nunknown (no source found): {}\n",
            missing.join(", ")
        ));
    }
    // Every declared source, including those only the notes cite.
    let keyed: Vec<(String, String)> = c
        .sources
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !keyed.is_empty() {
        out.push_str("\nsources\n");
        let mut st = Table::new(&[("", Align::Left), ("", Align::Left)]);
        for (k, loc) in keyed {
            st.row(vec![format!("  {k}"), loc]);
        }
        out.push_str(&st.render());
    }
    if let Some(n) = &c.notes {
        out.push_str(&format!("\nnotes: {n}\n"));
    }
    out.push_str(&format!(
        "\nGrades: vendor = maker's document; reported = press, retailers, benchmarks; derived = arithmetic on sourced values; estimate = reasoned estimate.\nThroughput is dense (no 2:4 sparsity). Defined in {}.\n",
        c.origin.file
    ));
    Ok(out)
}

fn billions(v: f64) -> String {
    format!("{}B", sig(v / 1e9))
}

fn model_json(m: &Model) -> Value {
    let mut v = json!({
        "id": m.id,
        "name": m.name,
        "source": m.source,
        "parameters": m.parameters(),
        "active_parameters": m.active_parameters(),
        "layers": m.layers,
        "hidden_size": m.hidden,
        "heads": m.heads,
        "kv_heads": m.kv_heads,
        // MLA heads are described by the `mla` object; a plain head_dim would mislead.
        "head_dim": if m.mla.is_some() { None } else { Some(m.head_dim) },
        "ffn_size": m.ffn,
        "vocab_size": m.vocab,
        "tied_embeddings": m.tied_embeddings,
        "activation": m.activation,
        "mlp": match m.mlp { MlpKind::Gated => "gated", MlpKind::Plain => "plain" },
        "max_context": m.max_context,
        "kv_cache_elements_per_token": m.kv_elements_per_token_layer() * f64::from(m.layers - m.windowed_layers()),
        "published_parameters": m.published_parameters.as_ref().map(|s| s.value),
        "published_active_parameters": m.published_active_parameters.as_ref().map(|s| s.value),
        "catalog_file": m.origin.file,
    });
    if let Some(moe) = &m.moe {
        v["moe"] = json!({
            "experts": moe.experts,
            "experts_per_token": moe.experts_per_token,
            "shared_experts": moe.shared_experts,
            "expert_ffn_size": moe.expert_ffn,
            "shared_expert_ffn_size": moe.shared_expert_ffn,
            "dense_layers_first": moe.dense_layers_first,
            "moe_every": moe.moe_every,
            "moe_layers": m.moe_layers(),
        });
    }
    if let Some(mla) = &m.mla {
        v["mla"] = json!({
            "q_lora_rank": mla.q_lora_rank,
            "kv_lora_rank": mla.kv_lora_rank,
            "qk_rope_head_dim": mla.qk_rope_head_dim,
            "qk_nope_head_dim": mla.qk_nope_head_dim,
            "v_head_dim": mla.v_head_dim,
        });
    }
    if let Some(w) = &m.sliding_window {
        v["sliding_window"] = json!({"window": w.window, "every": w.every});
    }
    v
}

fn attention_kind(m: &Model) -> String {
    if m.mla.is_some() {
        "MLA".into()
    } else if m.kv_heads == 1 {
        "MQA".into()
    } else if m.kv_heads == m.heads {
        "MHA".into()
    } else {
        format!("GQA ({} query heads per KV head)", m.heads / m.kv_heads)
    }
}

/// `xpuscope models`.
pub fn models(ctx: &Ctx) -> Result<String> {
    let models = ctx.catalog.models();
    if ctx.format == Format::Json {
        return json(&models.iter().map(model_json).collect::<Vec<_>>());
    }
    let mut t = Table::new(&[
        ("id", Align::Left),
        ("params", Align::Right),
        ("active", Align::Right),
        ("layers", Align::Right),
        ("hidden", Align::Right),
        ("attention", Align::Left),
        ("experts", Align::Left),
    ]);
    for m in models {
        t.row(vec![
            m.id.clone(),
            billions(m.parameters()),
            billions(m.active_parameters()),
            m.layers.to_string(),
            m.hidden.to_string(),
            attention_kind(m),
            m.moe.map_or_else(
                || "-".into(),
                |e| {
                    format!(
                        "{} top-{}{}",
                        e.experts,
                        e.experts_per_token,
                        if e.shared_experts > 0 {
                            format!(" +{} shared", e.shared_experts)
                        } else {
                            String::new()
                        }
                    )
                },
            ),
        ]);
    }
    Ok(format!(
        "{}\n{} models. Parameter counts are computed from the architecture.\n",
        t.render(),
        models.len()
    ))
}

/// `xpuscope model ID-or-config.json`.
pub fn model(ctx: &Ctx, id: &str) -> Result<String> {
    let m = crate::load::model(&ctx.catalog, id)?;
    if ctx.format == Format::Json {
        return json(&model_json(&m));
    }
    let mut t = Table::new(&[("", Align::Left), ("", Align::Left)]);
    let mut row = |k: &str, v: String| t.row(vec![k.to_string(), v]);
    let published = |p: &Option<Sourced<f64>>, computed: f64| match p {
        Some(p) => format!(
            "{} computed; {} published ({:+.1}%)",
            billions(computed),
            billions(p.value),
            (computed / p.value - 1.0) * 100.0
        ),
        None => format!("{} computed", billions(computed)),
    };
    row(
        "parameters",
        published(&m.published_parameters, m.parameters()),
    );
    row(
        "active per token",
        published(&m.published_active_parameters, m.active_parameters()),
    );
    row("layers", m.layers.to_string());
    row("hidden size", m.hidden.to_string());
    let attention = match &m.mla {
        // MLA heads have their own query/key and value widths; the latent is shared by all heads.
        Some(mla) => format!(
            "{}, {} heads x {} query/key + {} value dims",
            attention_kind(&m),
            m.heads,
            mla.qk_nope_head_dim + mla.qk_rope_head_dim,
            mla.v_head_dim
        ),
        None => format!(
            "{}, {} heads x {} dims, {} KV heads",
            attention_kind(&m),
            m.heads,
            m.head_dim,
            m.kv_heads
        ),
    };
    row("attention", attention);
    if let Some(mla) = &m.mla {
        row(
            "MLA",
            format!(
                "q rank {}, kv rank {}, rope {} + nope {} dims, v {} dims",
                mla.q_lora_rank,
                mla.kv_lora_rank,
                mla.qk_rope_head_dim,
                mla.qk_nope_head_dim,
                mla.v_head_dim
            ),
        );
    }
    row(
        "MLP",
        format!(
            "{} ({}), ffn {}",
            match m.mlp {
                MlpKind::Gated => "gated",
                MlpKind::Plain => "plain",
            },
            m.activation,
            m.ffn
        ),
    );
    if let Some(e) = &m.moe {
        row(
            "experts",
            format!(
                "{} routed, top-{}, {} shared, expert ffn {}; {} MoE layers after {} dense",
                e.experts,
                e.experts_per_token,
                e.shared_experts,
                e.expert_ffn,
                m.moe_layers(),
                e.dense_layers_first
            ),
        );
    }
    if let Some(w) = &m.sliding_window {
        row(
            "sliding window",
            format!(
                "{} tokens on {} of {} layers",
                w.window,
                m.windowed_layers(),
                m.layers
            ),
        );
    }
    row(
        "vocabulary",
        format!(
            "{}{}",
            m.vocab,
            if m.tied_embeddings {
                " (tied embeddings)"
            } else {
                ""
            }
        ),
    );
    row("max context", m.max_context.to_string());
    let kv = m.kv_elements_per_token_layer() * f64::from(m.layers - m.windowed_layers()) * 2.0;
    row(
        "KV cache",
        format!("{} KiB per token at 16 bits", sig(kv / 1024.0)),
    );
    row("source", m.source.clone());
    Ok(format!("{} ({})\n\n{}", m.name, m.id, t.render()))
}
