//! Reads a Hugging Face `config.json` into a [`Model`].
//!
//! Supported `architectures`: Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE,
//! Qwen3-Next, DeepSeek-V2/V3/V3.2, GLM-4.5, gpt-oss, MiniMax-M2, Llama 4 and ChatGLM/GLM-4.
//! Anything else is refused with an error that names the value, rather than guessed at. What
//! differs between families (key names, attention biases, how the experts are written, MLA,
//! sparse and linear attention, the local-layer pattern) is data, one `families::FAMILIES` entry
//! each; the reader itself is the same for all. The first problem found is reported. The text
//! comes from the caller; this module reads no files.

mod families;
#[cfg(test)]
mod testdata;

use serde_json::Value;

use crate::chip::Origin;
use crate::model::{
    LayerPattern, LinearAttention, Mla, MlpKind, Model, Moe, Position, SlidingWindow,
    SparseAttention,
};
use families::{Bias, DenseFirst, ExpertFfn, Family, MoeKeys, SharedCount, FAMILIES};

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

#[derive(Clone, Copy)]
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
                // Every count is stored in 32 bits somewhere; no real architecture comes near.
                Some(v) if v > u64::from(u32::MAX) => Err(self.err(
                    field,
                    format!("{v} is larger than any model has; at most {}", u32::MAX),
                )),
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

    /// The first of `keys` present (`None` if none is), read as [`Reader::opt_u64`].
    fn first_opt_u64(&self, keys: &[&str]) -> Result<Option<u64>, HfError> {
        for key in keys {
            if let Some(v) = self.opt_u64(key)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// The first of `keys` present, which must be positive; missing names the first key.
    fn first_u64(&self, keys: &[&str]) -> Result<u64, HfError> {
        match keys.iter().find(|k| self.obj.contains_key(**k)) {
            Some(key) => self.u64(key),
            None => self.u64(keys[0]),
        }
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
    let top = Reader { file, obj };
    let arch = match obj.get("architectures") {
        Some(Value::Array(a)) if !a.is_empty() => a[0].as_str().unwrap_or("").to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(top.err(
                "architectures",
                "is missing; xpuscope needs it to know how to read the rest",
            ))
        }
    };
    let supported: Vec<&str> = FAMILIES
        .iter()
        .flat_map(|f| f.architectures.iter().copied())
        .collect();
    let Some(family) = FAMILIES
        .iter()
        .find(|f| f.architectures.contains(&arch.as_str()))
    else {
        return Err(HfError::Unsupported {
            file: file.to_string(),
            architecture: arch,
            supported: supported.join(", "),
        });
    };
    let r = match family.nested {
        None => top,
        Some(key) => match obj.get(key) {
            Some(Value::Object(inner)) => Reader { file, obj: inner },
            _ => {
                return Err(top.err(
                    key,
                    format!("is missing; `{arch}` keeps the text model's fields in it"),
                ))
            }
        },
    };
    let k = &family.keys;

    let layers = r.first_u64(k.layers)?;
    let hidden = r.first_u64(k.hidden)?;
    let heads = r.first_u64(k.heads)?;
    let kv_heads = r.first_opt_u64(k.kv_heads)?.unwrap_or(heads);
    if kv_heads == 0 || heads % kv_heads != 0 {
        return Err(r.err(
            k.kv_heads[0],
            format!("{kv_heads} does not divide {} ({heads})", k.heads[0]),
        ));
    }
    let head_dim = match r.first_opt_u64(k.head_dim)? {
        Some(d) if d > 0 => d,
        _ => {
            if hidden % heads != 0 {
                return Err(r.err(
                    k.head_dim[0],
                    "is missing and the hidden size is not a multiple of the heads",
                ));
            }
            hidden / heads
        }
    };
    let vocab = r.first_u64(k.vocab)?;
    let max_context = r.first_opt_u64(k.context)?.unwrap_or(4096);
    // Llama 4 writes the tie at the top level, the rest in `text_config`.
    let tied = match r.opt_bool("tie_word_embeddings")? {
        Some(t) => t,
        None => top.opt_bool("tie_word_embeddings")?.unwrap_or(false),
    };
    let activation = r.opt_str("hidden_act").unwrap_or("silu").to_string();
    let attention_bias = match family.attention_bias {
        Bias::Always => true,
        Bias::Key { key, default } => r.opt_bool(key)?.unwrap_or(default),
    };

    let (ffn, moe) = match &family.moe {
        None => (r.first_u64(k.ffn)?, None),
        Some(keys) => {
            let (ffn, moe) = moe(&r, k.ffn, keys)?;
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
        if u64::from(m.dense_layers_first) >= layers {
            return Err(r.err(
                k.layers[0],
                format!(
                    "{layers} layers leave no MoE layer after the {} dense ones",
                    m.dense_layers_first
                ),
            ));
        }
    }

    let mla = if family.mla {
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
    let sparse_attention = if family.sparse {
        Some(SparseAttention {
            index_heads: r.u64("index_n_heads")?,
            index_head_dim: r.u64("index_head_dim")?,
            topk: r.u64("index_topk")?,
        })
    } else {
        None
    };
    let linear_attention = if family.linear {
        let interval = r.u64("full_attention_interval")?;
        Some(LinearAttention {
            key_heads: r.u64("linear_num_key_heads")?,
            value_heads: r.u64("linear_num_value_heads")?,
            key_head_dim: r.u64("linear_key_head_dim")?,
            value_head_dim: r.u64("linear_value_head_dim")?,
            conv_kernel: r.opt_u64("linear_conv_kernel_dim")?.unwrap_or(0),
            layers: LayerPattern {
                every: interval as u32,
                first: interval.saturating_sub(1) as u32,
            },
        })
    } else {
        None
    };

    let sliding_window = sliding(&r, family)?;

    let name = r
        .opt_str("_name_or_path")
        .or_else(|| top.opt_str("_name_or_path"))
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
        linear_attention,
        sparse_attention,
        attention_output_gate: family.output_gate,
        published_parameters: None,
        published_active_parameters: None,
        published_active_includes_embeddings: false,
        published_active_excludes_lm_head: false,
        origin: Origin {
            file: file.to_string(),
            builtin: false,
        },
    })
}

/// The dense FFN width and the mixture of experts, read with a family's keys.
fn moe(r: &Reader, ffn_keys: &[&str], keys: &MoeKeys) -> Result<(u64, Moe), HfError> {
    let (ffn, expert_ffn) = match keys.expert_ffn {
        ExpertFfn::Same => {
            let ffn = r.first_u64(ffn_keys)?;
            (ffn, ffn)
        }
        ExpertFfn::Key(key) => (r.first_u64(ffn_keys)?, r.u64(key)?),
        ExpertFfn::KeyFirst(key) => {
            let expert_ffn = r.u64(key)?;
            (r.first_opt_u64(ffn_keys)?.unwrap_or(expert_ffn), expert_ffn)
        }
    };
    let shared_ffn = match keys.shared_ffn {
        Some(key) => r.opt_u64(key)?.unwrap_or(0),
        None => 0,
    };
    let (experts, per_token) = if keys.per_token_first {
        let k = per_token(r, keys.per_token)?;
        (r.u64(keys.experts)?, k)
    } else {
        let experts = r.u64(keys.experts)?;
        (experts, per_token(r, keys.per_token)?)
    };
    let shared_experts = match keys.shared_experts {
        SharedCount::Key(key) => r.opt_u64(key)?.unwrap_or(0) as u32,
        SharedCount::FromWidth => u32::from(shared_ffn > 0),
        SharedCount::Fixed(n) => n,
    };
    let dense_layers_first = match keys.dense_first {
        DenseFirst::None => 0,
        DenseFirst::Count(key) => r.opt_u64(key)?.unwrap_or(0) as u32,
        DenseFirst::List(key) => match r.obj.get(key) {
            Some(Value::Array(a)) => a.len() as u32,
            _ => 0,
        },
        DenseFirst::StepMinusOne(key) => r.opt_u64(key)?.unwrap_or(1).saturating_sub(1) as u32,
    };
    let moe_every = match keys.moe_every {
        Some(key) => r.opt_u64(key)?.unwrap_or(1).max(1) as u32,
        None => 1,
    };
    let (groups, topk_groups) = match keys.groups {
        Some((groups, topk)) => {
            let g = r.opt_u64(groups)?;
            (
                g.unwrap_or(1).max(1) as u32,
                r.opt_u64(topk)?.or(g).unwrap_or(1).max(1) as u32,
            )
        }
        None => (1, 1),
    };
    let moe = Moe {
        experts: experts as u32,
        experts_per_token: per_token as u32,
        shared_experts,
        expert_ffn,
        shared_expert_ffn: if shared_ffn > 0 {
            shared_ffn
        } else {
            expert_ffn
        },
        dense_layers_first,
        moe_every,
        groups,
        topk_groups,
    };
    Ok((ffn, moe))
}

/// How many experts each token visits: the first of `keys` present, the last one required.
fn per_token(r: &Reader, keys: &[&str]) -> Result<u64, HfError> {
    let (last, rest) = keys
        .split_last()
        .expect("every MoE family names a per-token key");
    for key in rest {
        if let Some(k) = r.opt_u64(key)? {
            return Ok(k);
        }
    }
    r.u64(last)
}

/// Local layers: gpt-oss lists `layer_types`; otherwise the family's pattern applies wherever the
/// config gives a window (Mistral v0.1 windows every layer at 4096; Llama 4 chunks at 8192).
fn sliding(r: &Reader, family: &Family) -> Result<Option<SlidingWindow>, HfError> {
    let w = &family.window;
    let Some(window) = r.opt_u64(w.key)? else {
        return Ok(None);
    };
    if window == 0 {
        return Ok(None);
    }
    // Qwen configs carry `sliding_window` but switch it off with `use_sliding_window: false`.
    if r.opt_bool("use_sliding_window")? == Some(false) {
        return Ok(None);
    }
    let layers = match r.obj.get("layer_types") {
        Some(Value::Array(types)) => {
            let windowed = types
                .iter()
                .filter(|t| t.as_str() == Some("sliding_attention"))
                .count();
            if windowed == 0 {
                return Ok(None);
            }
            LayerPattern {
                every: (types.len() / windowed).max(1) as u32,
                first: 1,
            }
        }
        _ => LayerPattern {
            every: w.every,
            first: w.first,
        },
    };
    Ok(Some(SlidingWindow {
        window,
        layers,
        kind: w.kind,
    }))
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
