//! One engine step of a continuous-batching server, as sums: prefill chunks (each with its own
//! length and cached prefix) and decode tokens (each at its own context).
//!
//! The cost of a step depends on its requests only through a few sums (tokens, sequences,
//! query-key pairs, cached tokens read), so a simulator keeps a [`StepShape`] up to date in O(1)
//! per request joining or leaving, and prices it with `Sharded::step` without walking its
//! requests. Sums are integers (pairs are kept doubled), so adding and then removing a request
//! restores the shape exactly. This module does not schedule, queue or price anything.

use xpuscope_model::model::{LayerPattern, LocalKind, Model, SlidingWindow};

/// The work of one engine step on one data-parallel replica, kept as sums.
///
/// Local layers see at most the model's window (or the current chunk), and sparse-attention layers
/// attend at most their top-k tokens, so the shape keeps a second set of sums bounded that way;
/// build it with [`StepShape::for_model`] (or [`StepShape::new`] with the bound) and price it with
/// the evaluator of the same model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepShape {
    window: Option<SlidingWindow>,
    prefill_chunks: u64,
    prefill_tokens: u64,
    prefill_prefix: u64,
    prefill_prefix_windowed: u64,
    prefill_pairs2: u128,
    prefill_pairs2_windowed: u128,
    decodes: u64,
    decode_context: u64,
    decode_context_windowed: u64,
}

/// Twice the query-key pairs of a chunk of `chunk` queries after `prefix` cached tokens, each
/// query seeing what `window` lets it (everything before it without one): twice the integral of
/// the keys each position sees over the chunk, and at least each query's own key (the same
/// continuous count `ops` uses for a whole prefill).
fn pairs2(chunk: u64, prefix: u64, window: Option<SlidingWindow>) -> u128 {
    let (c, p) = (u128::from(chunk), u128::from(prefix));
    // Twice the integral from 0 to x of what position t sees: t, min(t, w), or t mod w.
    let f2 = |x: u128| match window {
        None => x * x,
        Some(w) => {
            let n = u128::from(w.window);
            match w.kind {
                LocalKind::Sliding if x > n => 2 * x * n - n * n,
                LocalKind::Sliding => x * x,
                LocalKind::Chunked => (x / n) * n * n + (x % n) * (x % n),
            }
        }
    };
    (f2(p + c) - f2(p)).max(2 * c)
}

/// What bounds the attention of a model's bounded layers: its local window, or its sparse
/// attention's top-k (which attends like a window of `topk` tokens: at most that many each).
pub(crate) fn attention_bound(model: &Model) -> Option<SlidingWindow> {
    model
        .sliding_window
        .or(model.sparse_attention.map(|s| SlidingWindow {
            window: s.topk,
            layers: LayerPattern::ALL,
            kind: LocalKind::Sliding,
        }))
}

impl StepShape {
    /// An empty step for a model whose bounded layers see what `window` lets them (`None`: no
    /// bound).
    pub fn new(window: Option<SlidingWindow>) -> StepShape {
        StepShape {
            window,
            ..StepShape::default()
        }
    }

    /// An empty step for `model`.
    pub fn for_model(model: &Model) -> StepShape {
        StepShape::new(attention_bound(model))
    }

    /// The bound its bounded sums use.
    pub fn window(&self) -> Option<SlidingWindow> {
        self.window
    }

    /// Cached tokens a bounded layer reads after `tokens`: the window's last, or the current
    /// chunk's.
    #[inline]
    fn capped(&self, tokens: u64) -> u64 {
        match self.window {
            None => tokens,
            Some(w) => match w.kind {
                LocalKind::Sliding => tokens.min(w.window),
                LocalKind::Chunked => tokens % w.window,
            },
        }
    }

    /// Adds a prefill chunk of `chunk` new tokens after `prefix` tokens already cached.
    #[inline]
    pub fn add_prefill(&mut self, chunk: u64, prefix: u64) {
        self.prefill_chunks += 1;
        self.prefill_tokens += chunk;
        self.prefill_prefix += prefix;
        self.prefill_prefix_windowed += self.capped(prefix);
        self.prefill_pairs2 += pairs2(chunk, prefix, None);
        self.prefill_pairs2_windowed += pairs2(chunk, prefix, self.window);
    }

    /// Removes a chunk added with the same arguments.
    #[inline]
    pub fn remove_prefill(&mut self, chunk: u64, prefix: u64) {
        self.prefill_chunks -= 1;
        self.prefill_tokens -= chunk;
        self.prefill_prefix -= prefix;
        self.prefill_prefix_windowed -= self.capped(prefix);
        self.prefill_pairs2 -= pairs2(chunk, prefix, None);
        self.prefill_pairs2_windowed -= pairs2(chunk, prefix, self.window);
    }

    /// Adds one decode token of a sequence reading `context` cached tokens.
    #[inline]
    pub fn add_decode(&mut self, context: u64) {
        self.decodes += 1;
        self.decode_context += context;
        self.decode_context_windowed += self.capped(context);
    }

    /// Adds `count` decode tokens of sequences each reading `context` cached tokens: the same
    /// shape as `count` calls of [`StepShape::add_decode`], in one step.
    #[inline]
    pub fn add_decodes(&mut self, count: u64, context: u64) {
        self.decodes += count;
        self.decode_context += count * context;
        self.decode_context_windowed += count * self.capped(context);
    }

    /// Cached tokens a bounded layer of this shape's model reads after `tokens` (all of them
    /// when the attention has no bound).
    #[inline]
    pub fn bounded(&self, tokens: u64) -> u64 {
        self.capped(tokens)
    }

    /// Adds `count` decode tokens whose contexts add up to `context_sum` and whose
    /// [`StepShape::bounded`] contexts add up to `bounded_sum`: the same shape as the `count`
    /// calls of [`StepShape::add_decode`] with those contexts.
    #[inline]
    pub fn add_decode_sums(&mut self, count: u64, context_sum: u64, bounded_sum: u64) {
        self.decodes += count;
        self.decode_context += context_sum;
        self.decode_context_windowed += bounded_sum;
    }

    /// Removes a decode added with the same context.
    #[inline]
    pub fn remove_decode(&mut self, context: u64) {
        self.decodes -= 1;
        self.decode_context -= context;
        self.decode_context_windowed -= self.capped(context);
    }

    /// New tokens through the GEMMs: every chunk's tokens plus one per decode.
    #[inline]
    pub fn tokens(&self) -> u64 {
        self.prefill_tokens + self.decodes
    }

    /// Sequences in the step (each gets one row of logits).
    #[inline]
    pub fn sequences(&self) -> u64 {
        self.prefill_chunks + self.decodes
    }

    /// Whether the step has no work.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.sequences() == 0
    }

    /// Prefill chunks.
    pub fn prefill_chunks(&self) -> u64 {
        self.prefill_chunks
    }

    /// Prefill tokens (all chunks).
    pub fn prefill_tokens(&self) -> u64 {
        self.prefill_tokens
    }

    /// Decode tokens (one per decoding sequence).
    pub fn decodes(&self) -> u64 {
        self.decodes
    }

    /// Cached tokens the chunks read (their prefixes), bounded by the window if `windowed`.
    pub fn prefill_prefix(&self, windowed: bool) -> u64 {
        if windowed {
            self.prefill_prefix_windowed
        } else {
            self.prefill_prefix
        }
    }

    /// Query-key pairs per head of all the chunks: `sum(chunk x prefix + chunk^2 / 2)`, each
    /// chunk at least `chunk`; within the window if `windowed`.
    pub fn prefill_pairs(&self, windowed: bool) -> f64 {
        let p2 = if windowed {
            self.prefill_pairs2_windowed
        } else {
            self.prefill_pairs2
        };
        p2 as f64 / 2.0
    }

    /// Cached tokens the decodes read: the sum of their contexts, bounded by the window if
    /// `windowed`.
    pub fn decode_context(&self, windowed: bool) -> u64 {
        if windowed {
            self.decode_context_windowed
        } else {
            self.decode_context
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sliding(window: u64) -> SlidingWindow {
        SlidingWindow {
            window,
            layers: LayerPattern::ALL,
            kind: LocalKind::Sliding,
        }
    }

    #[test]
    fn adding_then_removing_restores_the_shape() {
        let mut s = StepShape::new(Some(sliding(4096)));
        let empty = s;
        s.add_prefill(512, 9000);
        s.add_decode(100);
        s.add_decode(10_000);
        s.add_prefill(8192, 0);
        assert_eq!(s.tokens(), 512 + 2 + 8192);
        assert_eq!(s.sequences(), 4);
        assert_eq!(s.decode_context(true), 100 + 4096);
        s.remove_decode(100);
        s.remove_prefill(512, 9000);
        s.remove_prefill(8192, 0);
        s.remove_decode(10_000);
        assert_eq!(s, empty);
    }

    #[test]
    fn pairs_are_the_causal_triangle_and_the_window_band() {
        // A whole prompt of 1000: 1000^2 / 2 pairs; after a prefix of 1000: 1000 x 1000 more.
        assert_eq!(pairs2(1000, 0, None), 1_000_000);
        assert_eq!(pairs2(1000, 1000, None), 2 * 1_000_000 + 1_000_000);
        // Within a window of 100, 1000 queries far from the start see 100 keys each.
        assert_eq!(pairs2(1000, 5000, Some(sliding(100))), 2 * 100 * 1000);
        // One query sees at least itself.
        assert_eq!(pairs2(1, 0, None), 2);
    }

    #[test]
    fn chunks_restart_their_pairs_and_their_reads() {
        let chunked = Some(SlidingWindow {
            kind: LocalKind::Chunked,
            ..sliding(100)
        });
        // 250 tokens from the start in chunks of 100: 100^2 + 100^2 + 50^2, doubled.
        assert_eq!(pairs2(250, 0, chunked), 10_000 + 10_000 + 2_500);
        // A prompt chunk after 150 cached tokens: positions 150..200 see 50..99 keys (3750 pairs),
        // then 200..250 see 0..49 (1250).
        assert_eq!(pairs2(100, 150, chunked), 2 * (3_750 + 1_250));
        let mut s = StepShape::new(chunked);
        s.add_decode(250);
        s.add_decode(99);
        assert_eq!(s.decode_context(true), 50 + 99);
        assert_eq!(s.decode_context(false), 349);
    }
}
