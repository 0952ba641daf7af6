//! Reads a Hugging Face `config.json` into a [`Model`].
//!
//! Supported `architectures`: Llama, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE,
//! DeepSeek-V2/V3 and gpt-oss. Anything else is refused with an error that names the value, rather
//! than guessed at. What differs between families (attention biases, how the experts are written,
//! MLA, the sliding-window pattern) is data, one `FAMILIES` entry each; the reader itself is the
//! same for all. The first problem found is reported. The text comes from the caller; this module
//! reads no files.

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

/// What one model family's config.json says and how: the data that differ between families.
/// Everything else (layers, widths, heads, vocabulary, context, tied embeddings, activation) is
/// read the same way for all of them.
struct Family {
    /// The `architectures` values that name it, in the order the error message lists them.
    architectures: &'static [&'static str],
    /// Whether attention has q/k/v biases.
    attention_bias: Bias,
    /// How its mixture of experts is written, or `None` for a dense model.
    moe: Option<MoeKeys>,
    /// Whether attention is multi-head latent attention (DeepSeek's `kv_lora_rank` and friends).
    mla: bool,
    /// Every how many layers a sliding window applies when the config has a window but no
    /// `layer_types` list.
    window_every: u32,
}

/// Where a family says whether attention has biases.
enum Bias {
    /// Always, whatever the config says (Qwen2 and Qwen2-MoE).
    Always,
    /// In `attention_bias`, with this default when it is absent.
    Key { default: bool },
}

/// The config keys of a family's mixture of experts, read in a fixed order: the widths, the
/// shared expert's width, the experts and how many each token visits, then the optional layout
/// keys. A `None` key means the family does not write it and the default applies.
struct MoeKeys {
    /// How the experts' width relates to `intermediate_size`.
    expert_ffn: ExpertFfn,
    /// The shared expert's width; its presence (non-zero) means one shared expert (Qwen-MoE).
    shared_ffn: Option<&'static str>,
    /// Whether the per-token count is read before the expert count (gpt-oss), not after.
    per_token_first: bool,
    /// The number of routed experts.
    experts: &'static str,
    /// How many experts each token visits: the first key present wins, and the last is required.
    per_token: &'static [&'static str],
    /// The number of shared experts (DeepSeek); default 0.
    shared_experts: Option<&'static str>,
    /// How the leading dense layers are written; default none.
    dense_first: DenseFirst,
    /// Every how many layers one is MoE; default 1.
    moe_every: Option<&'static str>,
    /// Expert groups and the groups each token may use (DeepSeek's `n_group`, `topk_group`);
    /// default 1 each, and the top-k defaults to the group count.
    groups: Option<(&'static str, &'static str)>,
}

/// How the experts' width relates to the dense FFN width, `intermediate_size`.
enum ExpertFfn {
    /// The experts are `intermediate_size` wide (Mixtral, gpt-oss).
    Same,
    /// The experts have their own required key, read after a required `intermediate_size`
    /// (DeepSeek).
    Key(&'static str),
    /// The experts have their own required key, read first; `intermediate_size` (for the dense
    /// layers) is optional and defaults to it (Qwen-MoE).
    KeyFirst(&'static str),
}

/// How a family writes the dense layers before the first MoE layer.
enum DenseFirst {
    /// It does not.
    None,
    /// As a count (DeepSeek's `first_k_dense_replace`).
    Count(&'static str),
    /// As a list of layer indices, of which only the length is used (Qwen-MoE's
    /// `mlp_only_layers`).
    List(&'static str),
}

/// The Qwen2-MoE and Qwen3-MoE way of writing experts.
const QWEN_MOE: MoeKeys = MoeKeys {
    expert_ffn: ExpertFfn::KeyFirst("moe_intermediate_size"),
    shared_ffn: Some("shared_expert_intermediate_size"),
    per_token_first: false,
    experts: "num_experts",
    per_token: &["num_experts_per_tok"],
    shared_experts: None,
    dense_first: DenseFirst::List("mlp_only_layers"),
    moe_every: Some("decoder_sparse_step"),
    groups: None,
};

/// A dense family whose attention bias is in `attention_bias` (default none).
const DENSE: Family = Family {
    architectures: &[],
    attention_bias: Bias::Key { default: false },
    moe: None,
    mla: false,
    window_every: 1,
};

/// The families xpuscope reads. Mistral reads as Llama: its v0.1 windows every layer at 4096.
const FAMILIES: &[Family] = &[
    Family {
        architectures: &["LlamaForCausalLM", "MistralForCausalLM"],
        ..DENSE
    },
    Family {
        architectures: &["MixtralForCausalLM"],
        moe: Some(MoeKeys {
            expert_ffn: ExpertFfn::Same,
            shared_ffn: None,
            per_token_first: false,
            experts: "num_local_experts",
            per_token: &["num_experts_per_tok"],
            shared_experts: None,
            dense_first: DenseFirst::None,
            moe_every: None,
            groups: None,
        }),
        ..DENSE
    },
    Family {
        architectures: &["Qwen2ForCausalLM"],
        attention_bias: Bias::Always,
        ..DENSE
    },
    Family {
        architectures: &["Qwen2MoeForCausalLM"],
        attention_bias: Bias::Always,
        moe: Some(QWEN_MOE),
        ..DENSE
    },
    Family {
        architectures: &["Qwen3ForCausalLM"],
        ..DENSE
    },
    Family {
        architectures: &["Qwen3MoeForCausalLM"],
        moe: Some(QWEN_MOE),
        ..DENSE
    },
    Family {
        architectures: &["DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM"],
        moe: Some(MoeKeys {
            expert_ffn: ExpertFfn::Key("moe_intermediate_size"),
            shared_ffn: None,
            per_token_first: false,
            experts: "n_routed_experts",
            per_token: &["num_experts_per_tok"],
            shared_experts: Some("n_shared_experts"),
            dense_first: DenseFirst::Count("first_k_dense_replace"),
            moe_every: Some("moe_layer_freq"),
            groups: Some(("n_group", "topk_group")),
        }),
        mla: true,
        ..DENSE
    },
    Family {
        architectures: &["GptOssForCausalLM"],
        attention_bias: Bias::Key { default: true },
        moe: Some(MoeKeys {
            expert_ffn: ExpertFfn::Same,
            shared_ffn: None,
            per_token_first: true,
            experts: "num_local_experts",
            per_token: &["num_experts_per_tok", "experts_per_token"],
            shared_experts: None,
            dense_first: DenseFirst::None,
            moe_every: None,
            groups: None,
        }),
        mla: false,
        window_every: 2,
    },
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
    let attention_bias = match family.attention_bias {
        Bias::Always => true,
        Bias::Key { default } => r.opt_bool("attention_bias")?.unwrap_or(default),
    };

    let (ffn, moe) = match &family.moe {
        None => (r.u64("intermediate_size")?, None),
        Some(keys) => {
            let (ffn, moe) = moe(&r, keys)?;
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

/// The dense FFN width and the mixture of experts, read with a family's keys.
fn moe(r: &Reader, keys: &MoeKeys) -> Result<(u64, Moe), HfError> {
    let (ffn, expert_ffn) = match keys.expert_ffn {
        ExpertFfn::Same => {
            let ffn = r.u64("intermediate_size")?;
            (ffn, ffn)
        }
        ExpertFfn::Key(key) => (r.u64("intermediate_size")?, r.u64(key)?),
        ExpertFfn::KeyFirst(key) => {
            let expert_ffn = r.u64(key)?;
            (
                r.opt_u64("intermediate_size")?.unwrap_or(expert_ffn),
                expert_ffn,
            )
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
        Some(key) => r.opt_u64(key)?.unwrap_or(0) as u32,
        None => u32::from(shared_ffn > 0),
    };
    let dense_layers_first = match keys.dense_first {
        DenseFirst::None => 0,
        DenseFirst::Count(key) => r.opt_u64(key)?.unwrap_or(0) as u32,
        DenseFirst::List(key) => match r.obj.get(key) {
            Some(Value::Array(a)) => a.len() as u32,
            _ => 0,
        },
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

/// Sliding-window layers: gpt-oss lists `layer_types`; Mistral v0.1 windows every layer at 4096.
fn sliding(r: &Reader, family: &Family) -> Result<Option<SlidingWindow>, HfError> {
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
    Ok(Some(SlidingWindow {
        window,
        every: family.window_every,
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
