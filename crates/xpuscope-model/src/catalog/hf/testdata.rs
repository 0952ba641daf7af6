//! The real config.json files in `testdata/hf-configs/` read through the loader: each must give
//! the architecture its catalogue entry has, field for field, and so the same parameter counts
//! (which the catalogue laws check against the published figures).

use super::parse_config;
use crate::catalog::Catalog;
use crate::model::Model;

/// (file, catalogue id, text).
const CONFIGS: &[(&str, &str, &str)] = &[
    (
        "deepseek-v3.json",
        "deepseek-v3",
        include_str!("../../../../../testdata/hf-configs/deepseek-v3.json"),
    ),
    (
        "deepseek-v3.1.json",
        "deepseek-v3.1",
        include_str!("../../../../../testdata/hf-configs/deepseek-v3.1.json"),
    ),
    (
        "deepseek-v3.2.json",
        "deepseek-v3.2",
        include_str!("../../../../../testdata/hf-configs/deepseek-v3.2.json"),
    ),
    (
        "kimi-k2.json",
        "kimi-k2",
        include_str!("../../../../../testdata/hf-configs/kimi-k2.json"),
    ),
    (
        "glm-4-9b.json",
        "glm-4-9b",
        include_str!("../../../../../testdata/hf-configs/glm-4-9b.json"),
    ),
    (
        "glm-4.5-air.json",
        "glm-4.5-air",
        include_str!("../../../../../testdata/hf-configs/glm-4.5-air.json"),
    ),
    (
        "gpt-oss-20b.json",
        "gpt-oss-20b",
        include_str!("../../../../../testdata/hf-configs/gpt-oss-20b.json"),
    ),
    (
        "llama-2-7b.json",
        "llama-2-7b",
        include_str!("../../../../../testdata/hf-configs/llama-2-7b.json"),
    ),
    (
        "llama-3.1-8b.json",
        "llama-3.1-8b",
        include_str!("../../../../../testdata/hf-configs/llama-3.1-8b.json"),
    ),
    (
        "llama-4-scout.json",
        "llama-4-scout",
        include_str!("../../../../../testdata/hf-configs/llama-4-scout.json"),
    ),
    (
        "llama-4-maverick.json",
        "llama-4-maverick",
        include_str!("../../../../../testdata/hf-configs/llama-4-maverick.json"),
    ),
    (
        "minimax-m2.json",
        "minimax-m2",
        include_str!("../../../../../testdata/hf-configs/minimax-m2.json"),
    ),
    (
        "mixtral-8x7b.json",
        "mixtral-8x7b",
        include_str!("../../../../../testdata/hf-configs/mixtral-8x7b.json"),
    ),
    (
        "qwen1.5-moe-a2.7b.json",
        "qwen1.5-moe-a2.7b",
        include_str!("../../../../../testdata/hf-configs/qwen1.5-moe-a2.7b.json"),
    ),
    (
        "qwen3-0.6b.json",
        "qwen3-0.6b",
        include_str!("../../../../../testdata/hf-configs/qwen3-0.6b.json"),
    ),
    (
        "qwen3-1.7b.json",
        "qwen3-1.7b",
        include_str!("../../../../../testdata/hf-configs/qwen3-1.7b.json"),
    ),
    (
        "qwen3-30b-a3b.json",
        "qwen3-30b-a3b",
        include_str!("../../../../../testdata/hf-configs/qwen3-30b-a3b.json"),
    ),
    (
        "qwen3-32b.json",
        "qwen3-32b",
        include_str!("../../../../../testdata/hf-configs/qwen3-32b.json"),
    ),
    (
        "qwen3-coder-480b-a35b.json",
        "qwen3-coder-480b-a35b",
        include_str!("../../../../../testdata/hf-configs/qwen3-coder-480b-a35b.json"),
    ),
    (
        "qwen3-next-80b-a3b.json",
        "qwen3-next-80b-a3b",
        include_str!("../../../../../testdata/hf-configs/qwen3-next-80b-a3b.json"),
    ),
];

/// The fields that define the architecture (not names, sources or published figures).
fn shape(m: &Model) -> impl PartialEq + std::fmt::Debug {
    (
        (
            m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim, m.ffn, m.vocab,
        ),
        (m.tied_embeddings, m.attention_bias, m.attention_output_gate),
        (
            m.moe,
            m.mla,
            m.sliding_window,
            m.linear_attention,
            m.sparse_attention,
        ),
    )
}

#[test]
fn every_config_reads_as_its_catalogue_entry() {
    let cat = Catalog::builtin_shared();
    for (file, id, text) in CONFIGS {
        let read = parse_config(file, id, text).unwrap_or_else(|e| panic!("{e}"));
        let entry = cat.model(id).unwrap();
        assert_eq!(
            shape(&read),
            shape(entry),
            "{file} against catalogue `{id}`"
        );
        assert_eq!(read.parameters(), entry.parameters(), "{file}");
        assert_eq!(
            read.active_parameters(),
            entry.active_parameters(),
            "{file}"
        );
    }
}

#[test]
fn new_families_read_what_sets_them_apart() {
    let get = |id: &str| {
        let (file, _, text) = CONFIGS.iter().find(|c| c.1 == id).unwrap();
        parse_config(file, id, text).unwrap()
    };
    // Qwen3-Next: 36 Gated DeltaNet layers and 12 gated full-attention layers.
    let next = get("qwen3-next-80b-a3b");
    assert_eq!(
        (next.linear_layers(), next.full_attention_layers()),
        (36, 12)
    );
    assert!(next.attention_output_gate);
    // Llama 4 Maverick: 24 dense and 24 MoE layers; 36 chunked layers of 8192 tokens.
    let maverick = get("llama-4-maverick");
    assert_eq!((maverick.dense_layers(), maverick.moe_layers()), (24, 24));
    assert_eq!(maverick.windowed_layers(), 36);
    assert_eq!(maverick.ffn, 16384);
    // ChatGLM's names: two KV groups of 128, the padded vocabulary, qkv biases.
    let glm = get("glm-4-9b");
    assert_eq!((glm.kv_heads, glm.head_dim, glm.vocab), (2, 128, 151552));
    assert!(glm.attention_bias);
    // DeepSeek-V3.2's indexer.
    let v32 = get("deepseek-v3.2");
    assert_eq!(v32.sparse_attention.map(|s| s.topk), Some(2048));
    // gpt-oss alternates 128-token windows starting with a windowed layer.
    let oss = get("gpt-oss-20b");
    assert_eq!(oss.windowed_layers(), 12);
    assert!(oss.is_windowed_layer(0) && !oss.is_windowed_layer(1));
}

#[test]
fn a_nested_family_without_its_text_config_is_refused() {
    let e = parse_config(
        "c.json",
        "x",
        r#"{"architectures":["Llama4ForConditionalGeneration"],"num_hidden_layers":2}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("`text_config` is missing"), "{e}");
}
