//! The catalogue's TOML schema, exactly as written in files.
//!
//! These structs mirror the file format (`catalog/README.md`) one to one: every field optional,
//! spans kept so validation can name the line. Unknown fields are not refused here but collected
//! while parsing (`catalog::parse_file`), so they are reported with every other problem. Nothing
//! here checks a value, and these structs are never used past `catalog::validate`, which turns
//! them into the domain types of `chip` and `model`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// One catalogue file: any number of chips and models.
#[derive(Debug, Deserialize, Default)]
pub struct RawFile {
    #[serde(default)]
    pub chip: Vec<Spanned<RawChip>>,
    #[serde(default)]
    pub model: Vec<Spanned<RawModel>>,
    #[serde(default)]
    pub gemm: Vec<Spanned<RawGemm>>,
    #[serde(default)]
    pub stream: Vec<Spanned<RawStream>>,
    #[serde(default)]
    pub allreduce: Vec<Spanned<RawAllReduce>>,
}

/// A measured all-reduce for one chip and GPU count (`catalog/kernels/allreduce.toml`).
#[derive(Debug, Deserialize, Default)]
pub struct RawAllReduce {
    pub chip: Option<Spanned<String>>,
    pub gpus: Option<Spanned<u32>>,
    pub small_us: Option<Spanned<f64>>,
    pub latency_us: Option<Spanned<f64>>,
    pub bandwidth_gbs: Option<Spanned<f64>>,
    pub grade: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub sizes: Option<Spanned<u64>>,
    pub median_error: Option<Spanned<f64>>,
    pub max_error: Option<Spanned<f64>>,
}

/// A measured streaming bandwidth for one chip (`catalog/kernels/stream.toml`).
#[derive(Debug, Deserialize, Default)]
pub struct RawStream {
    pub chip: Option<Spanned<String>>,
    pub fraction: Option<Spanned<f64>>,
    pub grade: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub note: Option<Spanned<String>>,
}

/// Measured GEMM figures for one chip and compute precision (`catalog/kernels/gemm.toml`).
#[derive(Debug, Deserialize, Default)]
pub struct RawGemm {
    pub chip: Option<Spanned<String>>,
    pub precision: Option<Spanned<String>>,
    pub compute: Option<Spanned<f64>>,
    pub memory: Option<Spanned<f64>>,
    pub fixed_us: Option<Spanned<f64>>,
    pub grade: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub shapes: Option<Spanned<u64>>,
    pub median_error: Option<Spanned<f64>>,
    pub p90_error: Option<Spanned<f64>>,
}

/// A scalar as written: number, string or boolean.
#[derive(Debug, Clone, PartialEq)]
pub enum RawScalar {
    Num(f64),
    Str(String),
    Bool(bool),
}

impl RawScalar {
    pub fn kind(&self) -> &'static str {
        match self {
            RawScalar::Num(_) => "a number",
            RawScalar::Str(_) => "a string",
            RawScalar::Bool(_) => "a boolean",
        }
    }
}

/// A value that may carry its own provenance: `x = 1.0` or `x = { value = 1.0, source = "..", grade = "..", note = ".." }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSourced {
    pub value: RawScalar,
    pub source: Option<String>,
    pub grade: Option<String>,
    pub note: Option<String>,
}

impl<'de> Deserialize<'de> for RawSourced {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawSourced;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a number, string or boolean, or a table { value, source, grade, note }",
                )
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawSourced, E> {
                Ok(bare(RawScalar::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawSourced, E> {
                Ok(bare(RawScalar::Num(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawSourced, E> {
                Ok(bare(RawScalar::Num(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawSourced, E> {
                Ok(bare(RawScalar::Num(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSourced, E> {
                Ok(bare(RawScalar::Str(v.to_string())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSourced, A::Error> {
                let mut value = None;
                let (mut source, mut grade, mut note) = (None, None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "value" => value = Some(map.next_value::<ScalarOnly>()?.0),
                        "source" => source = Some(map.next_value::<String>()?),
                        "grade" => grade = Some(map.next_value::<String>()?),
                        "note" => note = Some(map.next_value::<String>()?),
                        other => {
                            return Err(de::Error::custom(format!(
                                "unknown key `{other}` in a sourced value; expected `value`, `source`, `grade` or `note`"
                            )))
                        }
                    }
                }
                let value = value
                    .ok_or_else(|| de::Error::custom("a sourced value needs a `value` key"))?;
                Ok(RawSourced {
                    value,
                    source,
                    grade,
                    note,
                })
            }
        }
        d.deserialize_any(V)
    }
}

fn bare(value: RawScalar) -> RawSourced {
    RawSourced {
        value,
        source: None,
        grade: None,
        note: None,
    }
}

/// A bare scalar, for the `value` key of a sourced table.
struct ScalarOnly(RawScalar);

impl<'de> Deserialize<'de> for ScalarOnly {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ScalarOnly;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, string or boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ScalarOnly, E> {
                Ok(ScalarOnly(RawScalar::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ScalarOnly, E> {
                Ok(ScalarOnly(RawScalar::Num(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ScalarOnly, E> {
                Ok(ScalarOnly(RawScalar::Num(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ScalarOnly, E> {
                Ok(ScalarOnly(RawScalar::Num(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScalarOnly, E> {
                Ok(ScalarOnly(RawScalar::Str(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

pub type Field = Option<Spanned<RawSourced>>;

/// `[[chip]]` as written.
#[derive(Debug, Deserialize)]
pub struct RawChip {
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub vendor: Option<Spanned<String>>,
    pub country: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub grade: Option<Spanned<String>>,
    pub unmodelled: Option<Spanned<String>>,
    #[serde(default)]
    pub architecture: Field,
    #[serde(default)]
    pub released: Field,
    #[serde(default)]
    pub process: Field,
    #[serde(default)]
    pub die_area_mm2: Field,
    #[serde(default)]
    pub die_count: Field,
    #[serde(default)]
    pub memory_type: Field,
    #[serde(default)]
    pub memory_capacity_gib: Field,
    #[serde(default)]
    pub memory_bandwidth_gbs: Field,
    #[serde(default)]
    pub tdp_w: Field,
    #[serde(default)]
    pub power_limit_w: Field,
    #[serde(default)]
    pub form_factor: Field,
    #[serde(default)]
    pub datacenter: Field,
    #[serde(default)]
    pub host_link: Field,
    #[serde(default)]
    pub host_link_gbs: Field,
    #[serde(default)]
    pub scale_out_gbs: Field,
    #[serde(default)]
    pub price_usd: Field,
    #[serde(default)]
    pub price_date: Field,
    pub notes: Option<String>,
    #[serde(default)]
    pub dense: Option<Spanned<RawDense>>,
    #[serde(default)]
    pub scale_up: Option<Spanned<RawScaleUp>>,
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// `[chip.dense]`: dense peak TFLOPS (TOPS for integers) per precision.
#[derive(Debug, Deserialize, Default)]
pub struct RawDense {
    #[serde(default)]
    pub fp64: Field,
    #[serde(default)]
    pub fp32: Field,
    #[serde(default)]
    pub tf32: Field,
    #[serde(default)]
    pub bf16: Field,
    #[serde(default)]
    pub fp16: Field,
    #[serde(default)]
    pub fp8: Field,
    #[serde(default)]
    pub int8: Field,
    #[serde(default)]
    pub fp4: Field,
    #[serde(default)]
    pub int4: Field,
}

/// `[chip.scale_up]`.
#[derive(Debug, Deserialize, Default)]
pub struct RawScaleUp {
    #[serde(default)]
    pub name: Field,
    #[serde(default)]
    pub bidirectional_gbs: Field,
    #[serde(default)]
    pub per_direction_gbs: Field,
    #[serde(default)]
    pub domain_size: Field,
    #[serde(default)]
    pub switched: Field,
    #[serde(default)]
    pub in_network_reduction: Field,
}

/// `[[model]]` as written.
#[derive(Debug, Deserialize)]
pub struct RawModel {
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub layers: Option<Spanned<i64>>,
    pub hidden_size: Option<Spanned<i64>>,
    pub heads: Option<Spanned<i64>>,
    pub kv_heads: Option<Spanned<i64>>,
    pub head_dim: Option<Spanned<i64>>,
    pub ffn_size: Option<Spanned<i64>>,
    pub vocab_size: Option<Spanned<i64>>,
    pub tied_embeddings: Option<bool>,
    pub activation: Option<String>,
    pub mlp: Option<Spanned<String>>,
    pub attention_bias: Option<bool>,
    pub position: Option<Spanned<String>>,
    pub max_context: Option<Spanned<i64>>,
    pub parallel_block: Option<bool>,
    #[serde(default)]
    pub published_parameters: Field,
    #[serde(default)]
    pub published_active_parameters: Field,
    pub published_active_includes_embeddings: Option<bool>,
    pub published_active_excludes_lm_head: Option<bool>,
    pub attention_output_gate: Option<bool>,
    pub moe: Option<Spanned<RawMoe>>,
    pub mla: Option<Spanned<RawMla>>,
    pub sliding_window: Option<Spanned<RawSliding>>,
    pub linear_attention: Option<Spanned<RawLinear>>,
    pub sparse_attention: Option<Spanned<RawSparse>>,
}

/// `[model.moe]`.
#[derive(Debug, Deserialize)]
pub struct RawMoe {
    pub experts: Option<Spanned<i64>>,
    pub experts_per_token: Option<Spanned<i64>>,
    pub shared_experts: Option<Spanned<i64>>,
    pub expert_ffn_size: Option<Spanned<i64>>,
    pub shared_expert_ffn_size: Option<Spanned<i64>>,
    pub dense_layers_first: Option<Spanned<i64>>,
    pub moe_every: Option<Spanned<i64>>,
    pub groups: Option<Spanned<i64>>,
    pub topk_groups: Option<Spanned<i64>>,
}

/// `[model.mla]`.
#[derive(Debug, Deserialize)]
pub struct RawMla {
    pub q_lora_rank: Option<Spanned<i64>>,
    pub kv_lora_rank: Option<Spanned<i64>>,
    pub qk_rope_head_dim: Option<Spanned<i64>>,
    pub qk_nope_head_dim: Option<Spanned<i64>>,
    pub v_head_dim: Option<Spanned<i64>>,
}

/// `[model.sliding_window]`.
#[derive(Debug, Deserialize)]
pub struct RawSliding {
    pub window: Option<Spanned<i64>>,
    pub every: Option<Spanned<i64>>,
    pub first: Option<Spanned<i64>>,
    pub kind: Option<Spanned<String>>,
}

/// `[model.linear_attention]`.
#[derive(Debug, Deserialize)]
pub struct RawLinear {
    pub key_heads: Option<Spanned<i64>>,
    pub value_heads: Option<Spanned<i64>>,
    pub key_head_dim: Option<Spanned<i64>>,
    pub value_head_dim: Option<Spanned<i64>>,
    pub conv_kernel: Option<Spanned<i64>>,
    pub every: Option<Spanned<i64>>,
    pub first: Option<Spanned<i64>>,
}

/// `[model.sparse_attention]`.
#[derive(Debug, Deserialize)]
pub struct RawSparse {
    pub index_heads: Option<Spanned<i64>>,
    pub index_head_dim: Option<Spanned<i64>>,
    pub topk: Option<Spanned<i64>>,
}
