//! Serving points of a sweep: each a continuous-batching run at one concurrency, as the chosen
//! engine schedules it, reduced to one typed row.
//!
//! It deliberately simulates nothing itself: each point is one `xpuscope_serve::simulate` call.

use std::sync::Arc;

use serde::Serialize;
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_perf::InferConfig;
use xpuscope_serve::{simulate, Arrivals, EngineKind, Lengths, ServeConfig};

/// Requests each serving point serves per request in flight: enough for a steady state.
pub const REQUESTS_PER_SLOT: u64 = 8;

/// One serving point to evaluate.
#[derive(Debug, Clone)]
pub(super) struct ServePoint {
    pub(super) chip: usize,
    pub(super) model: usize,
    pub(super) infer: InferConfig,
    pub(super) concurrency: u64,
    pub(super) input: u32,
    pub(super) output: u32,
}

/// One serving point's result.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ServeRow {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Data-parallel replicas.
    pub dp: u32,
    /// Expert-parallel degree.
    pub ep: u32,
    /// Weight format.
    pub weights: &'static str,
    /// The engine whose scheduler ran.
    pub engine: &'static str,
    /// Requests in flight (closed loop).
    pub concurrency: u64,
    /// Prompt tokens.
    pub input_len: u32,
    /// Output tokens.
    pub output_len: u32,
    /// Chips.
    pub chips: u32,
    /// Output tokens per second of the deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens_per_s: Option<f64>,
    /// The same per chip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens_per_s_per_chip: Option<f64>,
    /// Median time to first token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttft_p50_s: Option<f64>,
    /// 99th-percentile time to first token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttft_p99_s: Option<f64>,
    /// Median time per output token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpot_p50_s: Option<f64>,
    /// 99th-percentile time per output token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpot_p99_s: Option<f64>,
    /// Preemptions (one replica).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preemptions: Option<u64>,
    /// Why the point has no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// CSV columns of a serving sweep, in order; each is a [`ServeRow`] field.
pub const SERVE_COLUMNS: &[&str] = &[
    "chip",
    "model",
    "tp",
    "dp",
    "ep",
    "weights",
    "engine",
    "concurrency",
    "input_len",
    "output_len",
    "chips",
    "output_tokens_per_s",
    "output_tokens_per_s_per_chip",
    "ttft_p50_s",
    "ttft_p99_s",
    "tpot_p50_s",
    "tpot_p99_s",
    "preemptions",
    "error",
];

/// Runs one point.
pub(super) fn row(chip: &Chip, model: &Arc<Model>, p: &ServePoint, kind: EngineKind) -> ServeRow {
    let l = p.infer.layout;
    let mut row = ServeRow {
        chip: chip.id.clone(),
        model: model.id.clone(),
        tp: l.tp,
        dp: l.dp,
        ep: l.ep,
        weights: p.infer.precisions.weights.as_str(),
        engine: kind.as_str(),
        concurrency: p.concurrency,
        input_len: p.input,
        output_len: p.output,
        chips: l.chips(),
        output_tokens_per_s: None,
        output_tokens_per_s_per_chip: None,
        ttft_p50_s: None,
        ttft_p99_s: None,
        tpot_p50_s: None,
        tpot_p99_s: None,
        preemptions: None,
        error: None,
    };
    let cfg = ServeConfig::new(
        p.infer,
        kind.defaults_for(chip, model, &l),
        Arrivals::Closed {
            concurrency: p.concurrency,
        },
        Lengths {
            input: p.input,
            output: p.output,
            range: 1.0,
        },
        p.concurrency * REQUESTS_PER_SLOT,
    );
    match simulate(chip, Arc::clone(model), &cfg) {
        Ok(r) => {
            let s = &r.replica;
            row.output_tokens_per_s = Some(r.output_tokens_per_s.get());
            row.output_tokens_per_s_per_chip = Some(r.output_tokens_per_s_per_chip().get());
            row.ttft_p50_s = Some(s.ttft.p50);
            row.ttft_p99_s = Some(s.ttft.p99);
            row.tpot_p50_s = Some(s.tpot.p50);
            row.tpot_p99_s = Some(s.tpot.p99);
            row.preemptions = Some(s.preemptions);
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row
}
