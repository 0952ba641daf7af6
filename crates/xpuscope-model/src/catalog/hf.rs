//! Reads a Hugging Face `config.json` into a [`Model`].
//!
//! Supported `architectures`: Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE,
//! DeepSeek-V2/V3 and gpt-oss. Anything else is refused with an error that names the value, rather
//! than guessed at. The text comes from the caller; this module reads no files.

use serde_json::Value;

use crate::chip::Origin;
use crate::model::{Mla, MlpKind, Model, Moe, Position, SlidingWindow};

/// Why a config.json could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HfError {
    /// Not JSON.
    #[error("{file}:{line}:{column}: not valid JSON: {message}")]
    Json {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// An architecture we do not model.
    #[error("{file}: architecture `{architecture}` is not supported; xpuscope reads {supported}")]
    Unsupported {
        /// The file.
        file: String,
        /// The `architectures` value.
        architecture: String,
        /// The supported list, for the message.
        supported: String,
    },
    /// A field that is missing or has the wrong type.
    #[error("{file}: field `{field}` {problem}")]
    Field {
        /// The file.
        file: String,
        /// The JSON key.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Llama,
    Mixtral,
    Qwen2,
    Qwen2Moe,
    Qwen3,
    Qwen3Moe,
    DeepSeek,
    GptOss,
}

const SUPPORTED: &[(&str, Family)] = &[
    ("LlamaForCausalLM", Family::Llama),
    ("MistralForCausalLM", Family::Llama),
    ("MixtralForCausalLM", Family::Mixtral),
    ("Qwen2ForCausalLM", Family::Qwen2),
    ("Qwen2MoeForCausalLM", Family::Qwen2Moe),
    ("Qwen3ForCausalLM", Family::Qwen3),
    ("Qwen3MoeForCausalLM", Family::Qwen3Moe),
    ("DeepseekV2ForCausalLM", Family::DeepSeek),
    ("DeepseekV3ForCausalLM", Family::DeepSeek),
    ("GptOssForCausalLM", Family::GptOss),
];

struct Reader<'a> {
    file: &'a str,
    obj: &'a serde_json::Map<String, Value>,
}

impl Reader<'_> {
    fn err(&self, field: &str, problem: impl Into<String>) -> HfError {
        HfError::Field {
            file: self.file.to_string(),
            field: field.to_string(),
            problem: problem.into(),
        }
    }

    fn opt_u64(&self, field: &str) -> Result<Option<u64>, HfError> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) => Ok(Some(v)),
                None => Err(self.err(
                    field,
                    format!("must be a non-negative whole number, got {n}"),
                )),
            },
            Some(other) => Err(self.err(field, format!("must be a number, got {other}"))),
        }
    }

    fn u64(&self, field: &str) -> Result<u64, HfError> {
        match self.opt_u64(field)? {
            Some(0) => Err(self.err(field, "must be positive, got 0")),
            Some(v) => Ok(v),
            None => Err(self.err(field, "is missing")),
        }
    }

    fn opt_bool(&self, field: &str) -> Result<Option<bool>, HfError> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.err(field, format!("must be true or false, got {other}"))),
        }
    }

    fn opt_str(&self, field: &str) -> Option<&str> {
        self.obj.get(field).and_then(Value::as_str)
    }
}

/// Parses config.json text. `file` names the file in messages; `id` is the id to give the model.
pub fn parse_config(file: &str, id: &str, text: &str) -> Result<Model, HfError> {
    let value: Value = serde_json::from_str(text).map_err(|e| HfError::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    let Some(obj) = value.as_object() else {
        return Err(HfError::Field {
            file: file.to_string(),
            field: "(top level)".into(),
            problem: "must be a JSON object".into(),
        });
    };
    let r = Reader { file, obj };
    let arch = match obj.get("architectures") {
        Some(Value::Array(a)) if !a.is_empty() => a[0].as_str().unwrap_or("").to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(r.err(
                "architectures",
                "is missing; xpuscope needs it to know how to read the rest",
            ))
        }
    };
    let supported: Vec<&str> = SUPPORTED.iter().map(|(a, _)| *a).collect();
    let Some(&(_, family)) = SUPPORTED.iter().find(|(a, _)| *a == arch) else {
        return Err(HfError::Unsupported {
            file: file.to_string(),
            architecture: arch,
            supported: supported.join(", "),
        });
    };

    let layers = r.u64("num_hidden_layers")?;
    let hidden = r.u64("hidden_size")?;
    let heads = r.u64("num_attention_heads")?;
    let kv_heads = r.opt_u64("num_key_value_heads")?.unwrap_or(heads);
    if kv_heads == 0 || heads % kv_heads != 0 {
        return Err(r.err(
            "num_key_value_heads",
            format!("{kv_heads} does not divide num_attention_heads ({heads})"),
        ));
    }
    let head_dim = match r.opt_u64("head_dim")? {
        Some(d) if d > 0 => d,
        _ => {
            if hidden % heads != 0 {
                return Err(r.err(
                    "head_dim",
                    "is missing and hidden_size is not a multiple of num_attention_heads",
                ));
            }
            hidden / heads
        }
    };
    let vocab = r.u64("vocab_size")?;
    let max_context = r.opt_u64("max_position_embeddings")?.unwrap_or(4096);
    let tied = r.opt_bool("tie_word_embeddings")?.unwrap_or(false);
    let activation = r.opt_str("hidden_act").unwrap_or("silu").to_string();
    // Qwen2 and Qwen2-MoE always carry q/k/v biases; the others say so in `attention_bias`.
    let attention_bias = match family {
        Family::Qwen2 | Family::Qwen2Moe => true,
        _ => r
            .opt_bool("attention_bias")?
            .unwrap_or(matches!(family, Family::GptOss)),
    };

    let (ffn, moe) = match family {
        Family::Llama | Family::Qwen2 | Family::Qwen3 => (r.u64("intermediate_size")?, None),
        Family::Mixtral => {
            let ffn = r.u64("intermediate_size")?;
            let moe = Moe {
                experts: r.u64("num_local_experts")? as u32,
                experts_per_token: r.u64("num_experts_per_tok")? as u32,
                shared_experts: 0,
                expert_ffn: ffn,
                shared_expert_ffn: ffn,
                dense_layers_first: 0,
                moe_every: 1,
                groups: 1,
                topk_groups: 1,
            };
            (ffn, Some(moe))
        }
        Family::GptOss => {
            let ffn = r.u64("intermediate_size")?;
            let k = match r.opt_u64("num_experts_per_tok")? {
                Some(k) => k,
                None => r.u64("experts_per_token")?,
            };
            let moe = Moe {
                experts: r.u64("num_local_experts")? as u32,
                experts_per_token: k as u32,
                shared_experts: 0,
                expert_ffn: ffn,
                shared_expert_ffn: ffn,
                dense_layers_first: 0,
                moe_every: 1,
                groups: 1,
                topk_groups: 1,
            };
            (ffn, Some(moe))
        }
        Family::Qwen2Moe | Family::Qwen3Moe => {
            let expert_ffn = r.u64("moe_intermediate_size")?;
            let ffn = r.opt_u64("intermediate_size")?.unwrap_or(expert_ffn);
            let shared_ffn = r.opt_u64("shared_expert_intermediate_size")?.unwrap_or(0);
            let dense_first = match obj.get("mlp_only_layers") {
                Some(Value::Array(a)) => a.len() as u32,
                _ => 0,
            };
            let moe = Moe {
                experts: r.u64("num_experts")? as u32,
                experts_per_token: r.u64("num_experts_per_tok")? as u32,
                shared_experts: u32::from(shared_ffn > 0),
                expert_ffn,
                shared_expert_ffn: if shared_ffn > 0 {
                    shared_ffn
                } else {
                    expert_ffn
                },
                dense_layers_first: dense_first,
                moe_every: r.opt_u64("decoder_sparse_step")?.unwrap_or(1).max(1) as u32,
                groups: 1,
                topk_groups: 1,
            };
            (ffn, Some(moe))
        }
        Family::DeepSeek => {
            let ffn = r.u64("intermediate_size")?;
            let expert_ffn = r.u64("moe_intermediate_size")?;
            let moe = Moe {
                experts: r.u64("n_routed_experts")? as u32,
                experts_per_token: r.u64("num_experts_per_tok")? as u32,
                shared_experts: r.opt_u64("n_shared_experts")?.unwrap_or(0) as u32,
                expert_ffn,
                shared_expert_ffn: expert_ffn,
                dense_layers_first: r.opt_u64("first_k_dense_replace")?.unwrap_or(0) as u32,
                moe_every: r.opt_u64("moe_layer_freq")?.unwrap_or(1).max(1) as u32,
                groups: r.opt_u64("n_group")?.unwrap_or(1).max(1) as u32,
                topk_groups: r
                    .opt_u64("topk_group")?
                    .or(r.opt_u64("n_group")?)
                    .unwrap_or(1)
                    .max(1) as u32,
            };
            (ffn, Some(moe))
        }
    };
    if let Some(m) = &moe {
        if m.experts_per_token == 0 || m.experts_per_token > m.experts {
            return Err(r.err(
                "num_experts_per_tok",
                format!(
                    "{} is not between 1 and the {} experts",
                    m.experts_per_token, m.experts
                ),
            ));
        }
    }

    let mla = if family == Family::DeepSeek {
        Some(Mla {
            q_lora_rank: r.opt_u64("q_lora_rank")?.unwrap_or(0),
            kv_lora_rank: r.u64("kv_lora_rank")?,
            qk_rope_head_dim: r.u64("qk_rope_head_dim")?,
            qk_nope_head_dim: r.u64("qk_nope_head_dim")?,
            v_head_dim: r.u64("v_head_dim")?,
        })
    } else {
        None
    };

    let sliding_window = sliding(&r, family)?;

    let name = r
        .opt_str("_name_or_path")
        .filter(|s| !s.is_empty())
        .map_or_else(|| id.to_string(), str::to_string);
    Ok(Model {
        id: id.to_string(),
        name,
        source: file.to_string(),
        layers: layers as u32,
        hidden,
        heads,
        kv_heads,
        head_dim,
        ffn,
        vocab,
        tied_embeddings: tied,
        activation,
        mlp: MlpKind::Gated,
        attention_bias,
        position: Position::Rope,
        max_context,
        parallel_block: false,
        moe,
        mla,
        sliding_window,
        published_parameters: None,
        published_active_parameters: None,
        published_active_includes_embeddings: false,
        origin: Origin {
            file: file.to_string(),
            builtin: false,
        },
    })
}

/// Sliding-window layers: gpt-oss lists `layer_types`; Mistral v0.1 windows every layer at 4096.
fn sliding(r: &Reader, family: Family) -> Result<Option<SlidingWindow>, HfError> {
    let Some(window) = r.opt_u64("sliding_window")? else {
        return Ok(None);
    };
    if window == 0 {
        return Ok(None);
    }
    // Qwen configs carry `sliding_window` but switch it off with `use_sliding_window: false`.
    if r.opt_bool("use_sliding_window")? == Some(false) {
        return Ok(None);
    }
    if let Some(Value::Array(types)) = r.obj.get("layer_types") {
        let windowed = types
            .iter()
            .filter(|t| t.as_str() == Some("sliding_attention"))
            .count();
        if windowed == 0 {
            return Ok(None);
        }
        let every = (types.len() / windowed).max(1) as u32;
        return Ok(Some(SlidingWindow { window, every }));
    }
    if family == Family::GptOss {
        return Ok(Some(SlidingWindow { window, every: 2 }));
    }
    Ok(Some(SlidingWindow { window, every: 1 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_architecture_is_named() {
        let e =
            parse_config("c.json", "x", r#"{"architectures":["MambaForCausalLM"]}"#).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("`MambaForCausalLM`"), "{msg}");
    }

    #[test]
    fn malformed_json_names_line() {
        let e = parse_config("c.json", "x", "{\n \"a\": 1,\n oops }").unwrap_err();
        assert!(matches!(e, HfError::Json { line: 3, .. }), "{e:?}");
    }

    #[test]
    fn missing_field_is_named() {
        let e = parse_config(
            "c.json",
            "x",
            r#"{"architectures":["LlamaForCausalLM"],"num_hidden_layers":2,"hidden_size":64}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("`num_attention_heads` is missing"),
            "{e}"
        );
    }

    #[test]
    fn non_dividing_kv_heads_is_refused() {
        let e = parse_config(
            "c.json",
            "x",
            r#"{"architectures":["LlamaForCausalLM"],"num_hidden_layers":2,"hidden_size":64,
               "num_attention_heads":8,"num_key_value_heads":3,"intermediate_size":128,"vocab_size":100}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("does not divide"), "{e}");
    }
}
