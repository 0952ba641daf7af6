//! Layer kinds beyond full attention: which layers are local (sliding-window or chunked), linear
//! attention with a fixed recurrent state, and DeepSeek's sparse attention with its indexer. Each
//! is a shape as the model's config.json defines it and its parameter count; what they cost on a
//! chip is `perf::ops`' business.

/// Which layers of a model have some property: the first `first` of each group of `every`
/// consecutive layers (gpt-oss windows layers 0, 2, 4, ...: `every = 2, first = 1`; Llama 4
/// chunks three of every four: `every = 4, first = 3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerPattern {
    /// Layers per group.
    pub every: u32,
    /// Leading layers of each group that have the property.
    pub first: u32,
}

impl LayerPattern {
    /// Every layer.
    pub const ALL: LayerPattern = LayerPattern { every: 1, first: 1 };

    /// Whether layer `i` (0-based) has the property.
    pub fn contains(&self, i: u32) -> bool {
        i % self.every.max(1) < self.first
    }

    /// How many of `layers` layers have the property.
    pub fn count(&self, layers: u32) -> u32 {
        let every = self.every.max(1);
        let first = self.first.min(every);
        layers / every * first + (layers % every).min(first)
    }
}

/// How a local layer bounds what a token attends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalKind {
    /// The last `window` tokens (Mistral v0.1, gpt-oss).
    Sliding,
    /// Tokens of the same `window`-sized chunk of the sequence, from its start (Llama 4's chunked
    /// attention): a token at position `p` sees the `p mod window` before it.
    Chunked,
}

/// Layers that attend only within a window of recent tokens (or within their chunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindow {
    /// Tokens in the window (or chunk).
    pub window: u64,
    /// Which layers are local.
    pub layers: LayerPattern,
    /// Sliding window or chunked attention.
    pub kind: LocalKind,
}

impl SlidingWindow {
    /// Cached tokens a local layer keeps (and a new token reads) after `context` tokens: the
    /// window's last tokens, or those of the current chunk.
    pub fn kept(&self, context: f64) -> f64 {
        let w = self.window as f64;
        match self.kind {
            LocalKind::Sliding => context.min(w),
            LocalKind::Chunked => context % w,
        }
    }

    /// The most tokens a local layer ever holds for one sequence (what a cache must reserve).
    pub fn capacity(&self, context: f64) -> f64 {
        context.min(self.window as f64)
    }

    /// Query-key pairs per head of a causal prefill of `len` tokens from the start: twice the
    /// integral of what each position sees, halved (the same continuous count `perf` uses).
    pub fn causal_pairs(&self, len: f64) -> f64 {
        let w = self.window as f64;
        match self.kind {
            LocalKind::Sliding if len > w => len * w - w * w / 2.0,
            LocalKind::Sliding => len * len / 2.0,
            LocalKind::Chunked => {
                let r = len % w;
                (len - r) / w * w * w / 2.0 + r * r / 2.0
            }
        }
    }
}

/// Linear-attention layers with a recurrent state of fixed size: Gated DeltaNet as Qwen3-Next
/// uses it. Per layer: Q and K projections of `key_heads x key_head_dim`, V and the output gate Z of
/// `value_heads x value_head_dim`, two scalars per value head (the delta rule's beta and the decay
/// alpha), a causal depthwise convolution of `conv_kernel` taps over Q, K and V, and the output
/// projection. Each sequence keeps one `key_head_dim x value_head_dim` state per value head and
/// the convolution's last `conv_kernel - 1` inputs, however long it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinearAttention {
    /// Query/key heads.
    pub key_heads: u64,
    /// Value heads (each with its own state).
    pub value_heads: u64,
    /// Query/key head dimension.
    pub key_head_dim: u64,
    /// Value head dimension.
    pub value_head_dim: u64,
    /// Taps of the short causal convolution (0: none).
    pub conv_kernel: u64,
    /// Which layers are linear (Qwen3-Next: three of every four, `full_attention_interval` 4).
    pub layers: LayerPattern,
}

impl LinearAttention {
    /// Width of the query and key projections together.
    pub fn key_width(&self) -> u64 {
        self.key_heads * self.key_head_dim
    }

    /// Width of the value projection (and of the output gate).
    pub fn value_width(&self) -> u64 {
        self.value_heads * self.value_head_dim
    }

    /// Channels the convolution runs over: Q, K and V.
    pub fn conv_channels(&self) -> u64 {
        2 * self.key_width() + self.value_width()
    }

    /// Parameters of one linear-attention layer's mixer (hidden size `h`).
    pub fn params(&self, h: f64) -> f64 {
        let (k, v, vh) = (
            self.key_width() as f64,
            self.value_width() as f64,
            self.value_heads as f64,
        );
        // Q, K, V, Z and the two per-head scalars in; the convolution; the per-head decay
        // constants (A and dt bias); the gated norm over a head; the output projection.
        h * (2.0 * k + 2.0 * v + 2.0 * vh)
            + self.conv_channels() as f64 * self.conv_kernel as f64
            + 2.0 * vh
            + self.value_head_dim as f64
            + v * h
    }

    /// Elements of recurrent state one sequence keeps per layer: the heads' matrices and the
    /// convolution's window.
    pub fn state_elements(&self) -> f64 {
        (self.value_heads * self.key_head_dim * self.value_head_dim) as f64
            + (self.conv_channels() * self.conv_kernel.saturating_sub(1)) as f64
    }
}

/// DeepSeek Sparse Attention (DeepSeek-V3.2): a lightning indexer scores every cached token with
/// a few small FP8 heads, and the main (MLA) attention attends only the `topk` best. The indexer
/// caches one key of `index_head_dim` per token per layer beside the latent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SparseAttention {
    /// Indexer heads.
    pub index_heads: u64,
    /// Indexer head dimension (also its cached key's width).
    pub index_head_dim: u64,
    /// Tokens each query attends.
    pub topk: u64,
}

impl SparseAttention {
    /// Parameters of one layer's indexer: query up-projection from the query latent of rank
    /// `q_rank` (the hidden state when 0), key projection and its layer norm, per-head weights.
    pub fn params(&self, h: f64, q_rank: u64) -> f64 {
        let q_in = if q_rank > 0 { q_rank as f64 } else { h };
        let (heads, d) = (self.index_heads as f64, self.index_head_dim as f64);
        q_in * heads * d + h * d + 2.0 * d + h * heads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_count_the_leading_layers_of_each_group() {
        // Llama 4: layers 0, 1, 2 chunked, 3 full, ...; 48 layers hold 36 chunked.
        let llama4 = LayerPattern { every: 4, first: 3 };
        assert!(llama4.contains(2) && !llama4.contains(3) && llama4.contains(4));
        assert_eq!(llama4.count(48), 36);
        assert_eq!(llama4.count(6), 5);
        // gpt-oss: even layers.
        assert_eq!(LayerPattern { every: 2, first: 1 }.count(36), 18);
        assert_eq!(LayerPattern::ALL.count(7), 7);
    }

    #[test]
    fn chunks_restart_where_windows_slide() {
        let chunk = SlidingWindow {
            window: 100,
            layers: LayerPattern::ALL,
            kind: LocalKind::Chunked,
        };
        let slide = SlidingWindow {
            kind: LocalKind::Sliding,
            ..chunk
        };
        assert_eq!(chunk.kept(250.0), 50.0);
        assert_eq!(slide.kept(250.0), 100.0);
        // Two whole chunks and a half: 2 x 100^2/2 + 50^2/2.
        assert_eq!(chunk.causal_pairs(250.0), 10_000.0 + 1_250.0);
        assert_eq!(slide.causal_pairs(250.0), 250.0 * 100.0 - 5_000.0);
        assert_eq!(slide.causal_pairs(50.0), 1_250.0);
    }
}
