//! The inference workloads of the suite and the layout they run on.
//!
//! It deliberately prices nothing: each workload is run through `xpuscope_perf::infer`.

use super::CompareConfig;
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_perf::efficiency::Efficiency;
use xpuscope_perf::infer::{Batch, InferConfig, InferResult};
use xpuscope_perf::layout::Layout;
use xpuscope_perf::precision::Precisions;

/// The inference layout on `n` chips: the largest TP that divides both `n` and the heads (and
/// suits the KV heads), data parallelism for the rest, and experts split over the largest divisor
/// of `n` that divides them.
pub(super) fn infer_layout(model: &Model, n: u32) -> Layout {
    let fits = |tp: u32| {
        let t = u64::from(tp);
        n % tp == 0
            && model.heads % t == 0
            && xpuscope_perf::check_layout(
                model,
                &Layout {
                    tp,
                    ..Layout::SINGLE
                },
            )
            .is_ok()
    };
    let tp = (1..=n).rev().find(|&t| fits(t)).unwrap_or(1);
    let dp = n / tp;
    let ep = match model.moe {
        Some(m) => (1..=n)
            .rev()
            .find(|&e| n % e == 0 && m.experts % e == 0)
            .unwrap_or(1),
        None => 1,
    };
    Layout {
        tp,
        pp: 1,
        dp,
        ep,
        cp: 1,
    }
}

pub(super) struct Infer<'a> {
    pub(super) model: &'a Model,
    pub(super) cfg: &'a CompareConfig,
    pub(super) eff: &'a Efficiency,
    pub(super) layout: Layout,
}

impl Infer<'_> {
    pub(super) fn run(
        &self,
        chip: &Chip,
        input: u64,
        output: u64,
        batch: Batch,
    ) -> Result<InferResult, String> {
        let dp = u64::from(self.layout.dp);
        let batch = match batch {
            Batch::Fixed(b) => Batch::Fixed(b.div_ceil(dp) * dp),
            Batch::Max => Batch::Max,
        };
        let c = InferConfig {
            layout: self.layout,
            precisions: Precisions::for_weights(self.cfg.weights),
            batch,
            engine: self.cfg.engine,
            ..InferConfig::new(input, output)
        };
        let r = xpuscope_perf::infer(chip, self.model, &c, self.eff).map_err(|e| e.to_string())?;
        if !r.fits {
            return Err(format!(
                "batch {} does not fit (largest: {})",
                r.batch, r.max_fitting_batch
            ));
        }
        Ok(r)
    }
}

/// What an inference row reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Measure {
    /// Time to first token.
    Ttft,
    /// Mean time per output token.
    Tpot,
    /// Output tokens per second of the deployment.
    Throughput,
}

/// One inference workload of the suite.
pub(super) struct Workload {
    /// Stable row id.
    pub(super) id: &'static str,
    /// What a person reads.
    pub(super) name: String,
    /// The metric and its unit.
    pub(super) metric: &'static str,
    /// Prompt tokens.
    pub(super) input: u64,
    /// Generated tokens.
    pub(super) output: u64,
    /// Concurrent sequences.
    pub(super) batch: Batch,
    /// What the row reports.
    pub(super) measure: Measure,
}

/// The inference workloads, in the order they are shown: a long prefill, decoding at batch 1 and
/// 64, decoding at the largest batch that fits, and a long-context decode at `long_ctx` tokens.
/// Batches round up to a multiple of the `dp` replicas they are split over, and the names say
/// the batch that runs.
pub(super) fn inference_suite(long_ctx: u64, dp: u64) -> [Workload; 5] {
    let bs = |b: u64| b.div_ceil(dp.max(1)) * dp.max(1);
    let w = |id, name: &str, metric, input, output, batch, measure| Workload {
        id,
        name: name.to_string(),
        metric,
        input,
        output,
        batch,
        measure,
    };
    [
        w(
            "prefill",
            "prefill (8k prompt, TTFT)",
            "TTFT",
            8192,
            1,
            Batch::Fixed(1),
            Measure::Ttft,
        ),
        w(
            "decode-bs1",
            &format!("decode bs{} (TPOT)", bs(1)),
            "TPOT",
            1024,
            256,
            Batch::Fixed(1),
            Measure::Tpot,
        ),
        w(
            "decode-bs64",
            &format!("decode bs{} (TPOT)", bs(64)),
            "TPOT",
            1024,
            256,
            Batch::Fixed(64),
            Measure::Tpot,
        ),
        w(
            "decode-max",
            "decode max-throughput",
            "output tokens/s per node",
            1024,
            1024,
            Batch::Max,
            Measure::Throughput,
        ),
        w(
            "decode-long",
            &format!(
                "long-context decode ({}k, bs{}, TPOT)",
                long_ctx / 1024,
                bs(8)
            ),
            "TPOT",
            long_ctx,
            256,
            Batch::Fixed(8),
            Measure::Tpot,
        ),
    ]
}
