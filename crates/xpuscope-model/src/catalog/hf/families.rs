//! The model families the loader reads, as data: which keys a family's config.json uses and how
//! it writes its experts, latent attention, local layers, linear attention and sparse attention.
//! Adding a family is adding an entry here; `super` reads every family with the same code.

use crate::model::LocalKind;

/// What one model family's config.json says and how: the data that differ between families.
pub(super) struct Family {
    /// The `architectures` values that name it, in the order the error message lists them.
    pub architectures: &'static [&'static str],
    /// The object holding the text model's fields: the top level, or a nested one (Llama 4 keeps
    /// them in `text_config` beside its vision tower's).
    pub nested: Option<&'static str>,
    /// The names of the fields every family has.
    pub keys: Keys,
    /// Whether attention has q/k/v biases.
    pub attention_bias: Bias,
    /// How its mixture of experts is written, or `None` for a dense model.
    pub moe: Option<MoeKeys>,
    /// Whether attention is multi-head latent attention (DeepSeek's `kv_lora_rank` and friends).
    pub mla: bool,
    /// Whether the config carries DeepSeek Sparse Attention's indexer (`index_n_heads`,
    /// `index_head_dim`, `index_topk`).
    pub sparse: bool,
    /// How local (sliding-window or chunked) layers are written.
    pub window: WindowKeys,
    /// Whether the config carries Gated DeltaNet linear-attention layers (`linear_num_key_heads`
    /// and friends, one full-attention layer every `full_attention_interval`).
    pub linear: bool,
    /// Whether full attention's output is gated (a second query-sized projection).
    pub output_gate: bool,
}

/// The config keys of the fields every family has. Each lists the names a family may use, the
/// first present winning.
pub(super) struct Keys {
    pub layers: &'static [&'static str],
    pub hidden: &'static [&'static str],
    pub heads: &'static [&'static str],
    /// Absent: as many KV heads as query heads.
    pub kv_heads: &'static [&'static str],
    /// Absent: `hidden / heads`.
    pub head_dim: &'static [&'static str],
    /// The dense MLP's width.
    pub ffn: &'static [&'static str],
    pub vocab: &'static [&'static str],
    /// Absent: 4096.
    pub context: &'static [&'static str],
}

/// The names Llama, Mistral, Qwen, DeepSeek and most others use.
const STANDARD: Keys = Keys {
    layers: &["num_hidden_layers"],
    hidden: &["hidden_size"],
    heads: &["num_attention_heads"],
    kv_heads: &["num_key_value_heads"],
    head_dim: &["head_dim"],
    ffn: &["intermediate_size"],
    vocab: &["vocab_size"],
    context: &["max_position_embeddings"],
};

/// Where a family says whether attention has biases.
pub(super) enum Bias {
    /// Always, whatever the config says (Qwen2 and Qwen2-MoE).
    Always,
    /// In `key`, with this default when it is absent.
    Key { key: &'static str, default: bool },
}

/// `attention_bias`, default none.
const BIAS_KEY: Bias = Bias::Key {
    key: "attention_bias",
    default: false,
};

/// The config keys of a family's mixture of experts, read in a fixed order: the widths, the
/// shared expert's width, the experts and how many each token visits, then the optional layout
/// keys. A `None` key means the family does not write it and the default applies.
pub(super) struct MoeKeys {
    /// How the experts' width relates to the dense width.
    pub expert_ffn: ExpertFfn,
    /// The shared expert's width; its presence (non-zero) means one shared expert (Qwen-MoE).
    pub shared_ffn: Option<&'static str>,
    /// Whether the per-token count is read before the expert count (gpt-oss), not after.
    pub per_token_first: bool,
    /// The number of routed experts.
    pub experts: &'static str,
    /// How many experts each token visits: the first key present wins, and the last is required.
    pub per_token: &'static [&'static str],
    /// How many shared experts there are.
    pub shared_experts: SharedCount,
    /// How the leading dense layers are written; default none.
    pub dense_first: DenseFirst,
    /// Every how many layers one is MoE; default 1.
    pub moe_every: Option<&'static str>,
    /// Expert groups and the groups each token may use (DeepSeek's `n_group`, `topk_group`);
    /// default 1 each, and the top-k defaults to the group count.
    pub groups: Option<(&'static str, &'static str)>,
}

/// How the experts' width relates to the dense FFN width.
pub(super) enum ExpertFfn {
    /// The experts are as wide as the dense width key says (Mixtral, gpt-oss, MiniMax-M2).
    Same,
    /// The experts have their own required key, read after the required dense width (DeepSeek,
    /// GLM-4.5, Llama 4).
    Key(&'static str),
    /// The experts have their own required key, read first; the dense width (for the dense
    /// layers) is optional and defaults to it (Qwen-MoE).
    KeyFirst(&'static str),
}

/// How many shared experts a MoE layer has.
pub(super) enum SharedCount {
    /// One if the shared expert's width is present and non-zero (Qwen-MoE), else none.
    FromWidth,
    /// As this key says, default 0 (DeepSeek's `n_shared_experts`).
    Key(&'static str),
    /// Always this many, as wide as a routed expert (Llama 4's one shared expert).
    Fixed(u32),
}

/// How a family writes the dense layers before the first MoE layer.
pub(super) enum DenseFirst {
    /// It does not.
    None,
    /// As a count (DeepSeek's `first_k_dense_replace`).
    Count(&'static str),
    /// As a list of layer indices, of which only the length is used (Qwen-MoE's
    /// `mlp_only_layers`).
    List(&'static str),
    /// As the MoE step: layers `step - 1, 2 step - 1, ...` are MoE (Llama 4's
    /// `interleave_moe_layer_step`), so `step - 1` dense layers lead.
    StepMinusOne(&'static str),
}

/// How a family writes its local layers.
pub(super) struct WindowKeys {
    /// The window's (or chunk's) size.
    pub key: &'static str,
    /// Sliding or chunked.
    pub kind: LocalKind,
    /// Which layers are local when the config has a window but no `layer_types` list: the
    /// first `first` of every `every`.
    pub every: u32,
    pub first: u32,
}

/// `sliding_window` on every layer (Mistral v0.1; Qwen turns it off with `use_sliding_window`).
const SLIDING_ALL: WindowKeys = WindowKeys {
    key: "sliding_window",
    kind: LocalKind::Sliding,
    every: 1,
    first: 1,
};

/// A dense family with the standard keys, attention bias in `attention_bias` (default none).
const DENSE: Family = Family {
    architectures: &[],
    nested: None,
    keys: STANDARD,
    attention_bias: BIAS_KEY,
    moe: None,
    mla: false,
    sparse: false,
    window: SLIDING_ALL,
    linear: false,
    output_gate: false,
};

/// The Qwen2-MoE, Qwen3-MoE and Qwen3-Next way of writing experts.
const QWEN_MOE: MoeKeys = MoeKeys {
    expert_ffn: ExpertFfn::KeyFirst("moe_intermediate_size"),
    shared_ffn: Some("shared_expert_intermediate_size"),
    per_token_first: false,
    experts: "num_experts",
    per_token: &["num_experts_per_tok"],
    shared_experts: SharedCount::FromWidth,
    dense_first: DenseFirst::List("mlp_only_layers"),
    moe_every: Some("decoder_sparse_step"),
    groups: None,
};

/// Experts as Mixtral writes them: `num_local_experts` as wide as `intermediate_size`.
const MIXTRAL_MOE: MoeKeys = MoeKeys {
    expert_ffn: ExpertFfn::Same,
    shared_ffn: None,
    per_token_first: false,
    experts: "num_local_experts",
    per_token: &["num_experts_per_tok"],
    shared_experts: SharedCount::Key("n_shared_experts"),
    dense_first: DenseFirst::None,
    moe_every: None,
    groups: None,
};

/// Experts as DeepSeek writes them (also GLM-4.5's MoE).
const DEEPSEEK_MOE: MoeKeys = MoeKeys {
    expert_ffn: ExpertFfn::Key("moe_intermediate_size"),
    shared_ffn: None,
    per_token_first: false,
    experts: "n_routed_experts",
    per_token: &["num_experts_per_tok"],
    shared_experts: SharedCount::Key("n_shared_experts"),
    dense_first: DenseFirst::Count("first_k_dense_replace"),
    moe_every: Some("moe_layer_freq"),
    groups: Some(("n_group", "topk_group")),
};

/// The families xpuscope reads. Mistral reads as Llama: its v0.1 windows every layer at 4096.
pub(super) const FAMILIES: &[Family] = &[
    Family {
        architectures: &["LlamaForCausalLM", "MistralForCausalLM"],
        ..DENSE
    },
    Family {
        architectures: &["MixtralForCausalLM"],
        moe: Some(MIXTRAL_MOE),
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
    // Qwen3-Next: Gated DeltaNet layers, one gated full-attention layer in every
    // `full_attention_interval`; the output gate is part of the architecture, not a config key.
    Family {
        architectures: &["Qwen3NextForCausalLM"],
        moe: Some(QWEN_MOE),
        linear: true,
        output_gate: true,
        ..DENSE
    },
    Family {
        architectures: &["DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM"],
        moe: Some(DEEPSEEK_MOE),
        mla: true,
        ..DENSE
    },
    Family {
        architectures: &["DeepseekV32ForCausalLM"],
        moe: Some(DEEPSEEK_MOE),
        mla: true,
        sparse: true,
        ..DENSE
    },
    // GLM-4.5: DeepSeek's way of writing experts on grouped-query attention with biases.
    Family {
        architectures: &["Glm4MoeForCausalLM"],
        moe: Some(DEEPSEEK_MOE),
        ..DENSE
    },
    Family {
        architectures: &["GptOssForCausalLM"],
        attention_bias: Bias::Key {
            key: "attention_bias",
            default: true,
        },
        moe: Some(MoeKeys {
            per_token_first: true,
            per_token: &["num_experts_per_tok", "experts_per_token"],
            ..MIXTRAL_MOE
        }),
        window: WindowKeys {
            every: 2,
            ..SLIDING_ALL
        },
        ..DENSE
    },
    Family {
        architectures: &["MiniMaxM2ForCausalLM"],
        moe: Some(MIXTRAL_MOE),
        ..DENSE
    },
    // Llama 4: the text model in `text_config`; dense layers `intermediate_size_mlp` wide, experts
    // and the one shared expert `intermediate_size`; chunked attention on three layers of every
    // four (the fourth, without RoPE, attends everything: transformers' `no_rope_layers`, interval
    // 4, which the released configs leave to its default).
    Family {
        architectures: &["Llama4ForConditionalGeneration", "Llama4ForCausalLM"],
        nested: Some("text_config"),
        keys: Keys {
            ffn: &["intermediate_size_mlp"],
            ..STANDARD
        },
        moe: Some(MoeKeys {
            expert_ffn: ExpertFfn::Key("intermediate_size"),
            shared_experts: SharedCount::Fixed(1),
            dense_first: DenseFirst::StepMinusOne("interleave_moe_layer_step"),
            moe_every: Some("interleave_moe_layer_step"),
            ..MIXTRAL_MOE
        }),
        window: WindowKeys {
            key: "attention_chunk_size",
            kind: LocalKind::Chunked,
            every: 4,
            first: 3,
        },
        ..DENSE
    },
    // ChatGLM3 and GLM-4 (THUDM's own code): Megatron-style names. `multi_query_group_num` is the
    // KV-head count (both releases set `multi_query_attention`), `kv_channels` the head size.
    Family {
        architectures: &["ChatGLMModel", "ChatGLMForConditionalGeneration"],
        keys: Keys {
            layers: &["num_layers", "num_hidden_layers"],
            kv_heads: &["multi_query_group_num"],
            head_dim: &["kv_channels"],
            ffn: &["ffn_hidden_size"],
            vocab: &["padded_vocab_size", "vocab_size"],
            context: &["seq_length"],
            ..STANDARD
        },
        attention_bias: Bias::Key {
            key: "add_qkv_bias",
            default: false,
        },
        ..DENSE
    },
];
