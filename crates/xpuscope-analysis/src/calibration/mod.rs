//! Public measurements and how well the model predicts them.
//!
//! The measurements live in `catalog/calibration/*.toml` (compiled in). [`validate`] predicts every
//! case with the current efficiency parameters and returns measured, predicted and error per case;
//! `xpuscope validate` prints them and a test holds the inference median under 15%. The serving
//! family (`calibration/serving.toml`, continuous batching under load) is predicted by the
//! serving simulator instead, in [`serving`].

pub mod intervals;
pub mod serving;

use serde::Deserialize;

use xpuscope_model::catalog::Catalog;
use xpuscope_model::chip::Precision;
use xpuscope_model::units::Bytes;
use xpuscope_perf::comm::{self, Algorithm};
use xpuscope_perf::efficiency::Efficiency;
use xpuscope_perf::engine::Engine;
use xpuscope_perf::hardware::Hardware;
use xpuscope_perf::infer::{Batch, InferConfig};
use xpuscope_perf::layout::Layout;
use xpuscope_perf::micro;
use xpuscope_perf::precision::Precisions;
use xpuscope_perf::search::{self, Fixed, Space};
use xpuscope_perf::train::Trainer;

/// A measurement file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurements {
    /// Where the figures were read.
    #[serde(default)]
    pub source: Vec<SourceEntry>,
    /// End-to-end inference throughput.
    #[serde(default)]
    pub inference: Vec<InferenceCase>,
    /// GEMM throughput.
    #[serde(default)]
    pub gemm: Vec<GemmCase>,
    /// Streaming memory bandwidth.
    #[serde(default)]
    pub memory: Vec<MemoryCase>,
    /// All-reduce bus bandwidth.
    #[serde(default)]
    pub allreduce: Vec<AllReduceCase>,
    /// Training throughput.
    #[serde(default)]
    pub training: Vec<TrainingCase>,
    /// MoE dispatch/combine time or bandwidth.
    #[serde(default)]
    pub alltoall: Vec<AllToAllCase>,
}

/// One MoE all-to-all measurement: a time (`us`) or a bandwidth (`gbs`, bytes sent over time).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllToAllCase {
    /// Case id.
    pub id: String,
    /// The source key.
    pub source: String,
    /// Chip id.
    pub chip: String,
    /// Expert-parallel degree (chips exchanging tokens).
    pub ep: u32,
    /// Tokens dispatched per chip.
    pub tokens: f64,
    /// Hidden size of a token.
    pub hidden: f64,
    /// Experts each token is sent to.
    pub top_k: f64,
    /// Bytes per element sent.
    pub element_bytes: f64,
    /// Measured time, microseconds.
    #[serde(default)]
    pub us: Option<f64>,
    /// Measured bandwidth, GB/s (bytes sent over time).
    #[serde(default)]
    pub gbs: Option<f64>,
    /// How the published figure became this configuration.
    #[serde(default)]
    pub assumption: Option<String>,
}

/// A cited source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// Key used by cases.
    pub id: String,
    /// URL or document.
    pub location: String,
    /// What it measured.
    pub what: String,
}

/// One inference measurement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceCase {
    /// Case id.
    pub id: String,
    /// The source key.
    pub source: String,
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// How the published figure became this configuration.
    #[serde(default)]
    pub assumption: Option<String>,
    /// Tensor-parallel degree (default 1).
    #[serde(default = "one")]
    pub tp: u32,
    /// Pipeline stages (default 1).
    #[serde(default = "one")]
    pub pp: u32,
    /// Data-parallel replicas (default 1).
    #[serde(default = "one")]
    pub dp: u32,
    /// Expert-parallel degree (default 1).
    #[serde(default = "one")]
    pub ep: u32,
    /// Sequences in the static batch.
    pub batch: u64,
    /// Prompt tokens per sequence.
    pub input_len: u64,
    /// Generated tokens per sequence.
    pub output_len: u64,
    /// Weight precision.
    pub weights: String,
    /// Activation precision (default: the usual pairing for the weights).
    #[serde(default)]
    pub activations: Option<String>,
    /// KV-cache precision (default bf16).
    #[serde(default)]
    pub kv_cache: Option<String>,
    /// Engine behaviour (default `modern`).
    #[serde(default)]
    pub engine: Option<String>,
    /// Measured output tokens per second of the whole system.
    pub output_tokens_per_s: f64,
}

/// One GEMM measurement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GemmCase {
    /// Case id.
    pub id: String,
    /// The source key.
    pub source: String,
    /// Chip id.
    pub chip: String,
    /// Operand precision.
    pub precision: String,
    /// GEMM shape: M, N, K.
    pub mnk: [f64; 3],
    /// Measured TFLOPS.
    pub tflops: f64,
}

/// One memory-bandwidth measurement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryCase {
    /// Case id.
    pub id: String,
    /// The source key.
    pub source: String,
    /// Chip id.
    pub chip: String,
    /// Measured streaming bandwidth, GB/s.
    pub gbs: f64,
}

/// One all-reduce measurement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllReduceCase {
    /// Case id.
    pub id: String,
    /// The source key.
    pub source: String,
    /// Chip id.
    pub chip: String,
    /// Chips in the all-reduce.
    pub chips: u32,
    /// Message size, bytes.
    pub bytes: f64,
    /// Measured bus bandwidth, GB/s.
    pub busbw_gbs: f64,
    /// `ring` when the measurement forced NCCL's ring algorithm.
    #[serde(default)]
    pub algorithm: Option<String>,
    /// How the published figure became this configuration.
    #[serde(default)]
    pub assumption: Option<String>,
}

/// One training measurement: MFU, or GPU-hours per trillion tokens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingCase {
    /// Case id.
    pub id: String,
    /// The source key.
    pub source: String,
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Chips in the run.
    pub chips: u32,
    /// Tensor-parallel degree (default 1).
    #[serde(default = "one")]
    pub tp: u32,
    /// Pipeline stages (default 1).
    #[serde(default = "one")]
    pub pp: u32,
    /// Context-parallel degree (default 1).
    #[serde(default = "one")]
    pub cp: u32,
    /// Data-parallel replicas (default 1).
    #[serde(default = "one")]
    pub dp: u32,
    /// Expert-parallel degree (default 1).
    #[serde(default = "one")]
    pub ep: u32,
    /// Virtual pipeline stages (default 1: searched).
    #[serde(default = "one")]
    pub vp: u32,
    /// Sequence length, tokens.
    pub seq_len: u64,
    /// Global batch, sequences.
    pub global_batch: u64,
    /// Training precision.
    pub precision: String,
    /// How the published figure became this configuration.
    #[serde(default)]
    pub assumption: Option<String>,
    /// Measured model FLOPs utilisation (0.4 = 40%).
    #[serde(default)]
    pub mfu: Option<f64>,
    /// Measured GPU-hours per trillion training tokens.
    #[serde(default)]
    pub gpu_hours_per_trillion_tokens: Option<f64>,
    /// Measured training tokens per second per chip.
    #[serde(default)]
    pub tokens_per_s_per_chip: Option<f64>,
    /// ZeRO stage, where the source states it (FSDP is 3); searched otherwise.
    #[serde(default)]
    pub zero: Option<u8>,
    /// Sequences per micro-batch, where the source states it; searched otherwise.
    #[serde(default)]
    pub micro_batch: Option<u64>,
}

fn one() -> u32 {
    1
}

/// What kind of measurement a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// End-to-end inference throughput.
    Inference,
    /// GEMM throughput.
    Gemm,
    /// Streaming memory bandwidth.
    Memory,
    /// All-reduce bus bandwidth.
    AllReduce,
    /// MoE dispatch/combine.
    AllToAll,
    /// Training MFU or cost.
    Training,
}

impl CaseKind {
    /// Name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Inference => "inference",
            CaseKind::Gemm => "gemm",
            CaseKind::Memory => "memory",
            CaseKind::AllReduce => "all-reduce",
            CaseKind::AllToAll => "all-to-all",
            CaseKind::Training => "training",
        }
    }
}

/// Measured against predicted for one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// Case id.
    pub id: String,
    /// Kind.
    pub kind: CaseKind,
    /// What was measured, with unit.
    pub metric: &'static str,
    /// Measured value.
    pub measured: f64,
    /// Predicted value (NaN when the prediction failed).
    pub predicted: f64,
    /// Why there is no prediction, if there is none.
    pub failure: Option<String>,
    /// The case's source key.
    pub source: String,
    /// How the published figure was turned into a configuration, where that took assumptions.
    pub assumption: Option<String>,
}

impl CaseResult {
    /// Signed relative error, predicted / measured - 1.
    pub fn error(&self) -> f64 {
        self.predicted / self.measured - 1.0
    }
}

/// The built-in measurements.
pub fn builtin() -> Result<Measurements, String> {
    let text = xpuscope_model::catalog::builtin_text("calibration/public.toml")
        .ok_or("calibration/public.toml is not compiled in")?;
    parse(text).map_err(|e| format!("catalog/calibration/public.toml: {e}"))
}

/// The built-in hold-out set (`calibration/modern.toml`): published measurements of current
/// engines that no parameter was fitted to, if the file is compiled in.
pub fn builtin_holdout() -> Option<Result<Measurements, String>> {
    let text = xpuscope_model::catalog::builtin_text("calibration/modern.toml")?;
    Some(parse(text).map_err(|e| format!("catalog/calibration/modern.toml: {e}")))
}

/// Parses a measurement file.
pub fn parse(text: &str) -> Result<Measurements, toml::de::Error> {
    toml::from_str(text)
}

fn precision(s: &str) -> Result<Precision, String> {
    Precision::parse(s).ok_or_else(|| format!("unknown precision `{s}`"))
}

fn result(
    id: &str,
    kind: CaseKind,
    metric: &'static str,
    measured: f64,
    predicted: Result<f64, String>,
) -> CaseResult {
    let (predicted, failure) = match predicted {
        Ok(p) => (p, None),
        Err(e) => (f64::NAN, Some(e)),
    };
    CaseResult {
        id: id.to_string(),
        kind,
        metric,
        measured,
        predicted,
        failure,
        source: String::new(),
        assumption: None,
    }
}

impl CaseResult {
    fn cited(mut self, source: &str, assumption: Option<&String>) -> CaseResult {
        self.source = source.to_string();
        self.assumption = assumption.cloned();
        self
    }
}

fn hardware(cat: &Catalog, id: &str, eff: &Efficiency) -> Result<Hardware, String> {
    let chip = cat.chip(id).map_err(|e| e.to_string())?;
    Hardware::from_chip(chip, eff).map_err(|e| e.to_string())
}

/// Predicts one inference case.
pub fn predict_inference(
    cat: &Catalog,
    c: &InferenceCase,
    eff: &Efficiency,
) -> Result<f64, String> {
    let chip = cat.chip(&c.chip).map_err(|e| e.to_string())?;
    let model = cat.model(&c.model).map_err(|e| e.to_string())?;
    let weights = precision(&c.weights)?;
    let mut p = Precisions::for_weights(weights);
    if let Some(a) = &c.activations {
        p.activations = precision(a)?;
    }
    if let Some(k) = &c.kv_cache {
        p.kv_cache = precision(k)?;
    }
    let cfg = InferConfig {
        layout: Layout {
            tp: c.tp,
            pp: c.pp,
            dp: c.dp,
            ep: c.ep,
            cp: 1,
        },
        precisions: p,
        batch: Batch::Fixed(c.batch),
        engine: match &c.engine {
            Some(e) => Engine::parse(e).ok_or_else(|| format!("unknown engine `{e}`"))?,
            None => Engine::Modern,
        },
        ..InferConfig::new(c.input_len, c.output_len)
    };
    let r = xpuscope_perf::infer(chip, model, &cfg, eff).map_err(|e| e.to_string())?;
    Ok(r.output_tokens_per_s.get())
}

/// Predicts one training case: MFU, or GPU-hours per trillion tokens.
///
/// The sources state TP, PP, CP, DP and EP but not the virtual stages, ZeRO stage, recomputation
/// or micro-batch; those are searched, as the teams that ran them would have tuned them, and the
/// fastest layout that fits is the prediction.
pub fn predict_training(cat: &Catalog, c: &TrainingCase, eff: &Efficiency) -> Result<f64, String> {
    let chip = cat.chip(&c.chip).map_err(|e| e.to_string())?;
    let model = cat.model(&c.model).map_err(|e| e.to_string())?;
    let p = precision(&c.precision)?;
    let trainer = Trainer::new(chip, model, p, c.seq_len, eff).map_err(|e| e.to_string())?;
    if c.tp * c.pp * c.cp * c.dp != c.chips {
        return Err(format!("tp x pp x cp x dp is not {} chips", c.chips));
    }
    let space = Space {
        chips: c.chips,
        seq_len: c.seq_len,
        global_batch: c.global_batch,
        precision: p,
        usable_fraction: xpuscope_perf::USABLE_MEMORY_FRACTION,
        fixed: Fixed {
            tp: Some(c.tp),
            pp: Some(c.pp),
            cp: Some(c.cp),
            ep: Some(c.ep),
            vp: (c.vp > 1).then_some(c.vp),
            zero: c.zero,
            micro_batch: c.micro_batch,
            ..Fixed::default()
        },
    };
    let outcome = search::search(&trainer, &space, None);
    let r = outcome
        .best()
        .ok_or("no layout with these degrees fits in memory")?;
    if c.mfu.is_some() {
        Ok(r.mfu)
    } else if c.tokens_per_s_per_chip.is_some() {
        Ok(r.tokens_per_s.get() / f64::from(c.chips))
    } else {
        Ok(1e12 / r.tokens_per_s.get() * f64::from(c.chips) / 3600.0)
    }
}

/// Predicts every case.
pub fn validate(cat: &Catalog, m: &Measurements, eff: &Efficiency) -> Vec<CaseResult> {
    let mut out = Vec::new();
    for c in &m.inference {
        out.push(
            result(
                &c.id,
                CaseKind::Inference,
                "output tok/s",
                c.output_tokens_per_s,
                predict_inference(cat, c, eff),
            )
            .cited(&c.source, c.assumption.as_ref()),
        );
    }
    for c in &m.training {
        let (metric, measured) = match (
            c.mfu,
            c.tokens_per_s_per_chip,
            c.gpu_hours_per_trillion_tokens,
        ) {
            (Some(mfu), _, _) => ("MFU", mfu),
            (None, Some(t), _) => ("tok/s per chip", t),
            (None, None, Some(h)) => ("GPU-h per 1T tokens", h),
            (None, None, None) => ("MFU", f64::NAN),
        };
        out.push(
            result(
                &c.id,
                CaseKind::Training,
                metric,
                measured,
                predict_training(cat, c, eff),
            )
            .cited(&c.source, c.assumption.as_ref()),
        );
    }
    for c in &m.gemm {
        let p = hardware(cat, &c.chip, eff).and_then(|hw| {
            let prec = precision(&c.precision)?;
            Ok(micro::gemm(&hw, prec, c.mnk[0], c.mnk[1], c.mnk[2], eff).tflops())
        });
        out.push(result(&c.id, CaseKind::Gemm, "TFLOPS", c.tflops, p).cited(&c.source, None));
    }
    for c in &m.memory {
        let p = hardware(cat, &c.chip, eff).map(|hw| micro::stream(&hw).gbs());
        out.push(result(&c.id, CaseKind::Memory, "GB/s", c.gbs, p).cited(&c.source, None));
    }
    for c in &m.allreduce {
        let algorithm = match c.algorithm.as_deref() {
            Some("ring") => Algorithm::Ring,
            _ => Algorithm::Best,
        };
        let p = hardware(cat, &c.chip, eff).map(|hw| {
            micro::all_reduce_busbw(&hw, c.chips, Bytes::new(c.bytes), eff, algorithm).gbs()
        });
        out.push(
            result(&c.id, CaseKind::AllReduce, "bus GB/s", c.busbw_gbs, p)
                .cited(&c.source, c.assumption.as_ref()),
        );
    }
    for c in &m.alltoall {
        let p = hardware(cat, &c.chip, eff).map(|hw| {
            let x = comm::Exchange {
                ep: c.ep,
                span: c.ep,
                tokens: c.tokens,
                token_bytes: Bytes::new(c.hidden * c.element_bytes),
                k: c.top_k,
                topk_groups: None,
            };
            let (t, bytes) = comm::all_to_all(&hw, eff, &x);
            match c.us {
                Some(_) => t.us(),
                None => bytes.get() / t.get() / 1e9,
            }
        });
        let (metric, measured) = match (c.us, c.gbs) {
            (Some(us), _) => ("µs", us),
            (None, Some(g)) => ("GB/s", g),
            (None, None) => ("µs", f64::NAN),
        };
        out.push(
            result(&c.id, CaseKind::AllToAll, metric, measured, p)
                .cited(&c.source, c.assumption.as_ref()),
        );
    }
    out
}

/// Median and worst absolute relative error of the cases of one kind that have predictions.
pub fn summary(results: &[CaseResult], kind: CaseKind) -> Option<(f64, f64)> {
    let mut errs: Vec<f64> = results
        .iter()
        .filter(|r| r.kind == kind && r.predicted.is_finite())
        .map(|r| r.error().abs())
        .collect();
    if errs.is_empty() {
        return None;
    }
    errs.sort_by(f64::total_cmp);
    Some((median(&errs), errs[errs.len() - 1]))
}

/// The median of sorted, non-empty `v` (the mean of the middle two for an even count).
pub fn median(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Vec<CaseResult> {
        let cat = Catalog::builtin().unwrap();
        let m = builtin().unwrap();
        validate(&cat, &m, &Efficiency::default())
    }

    #[test]
    fn every_case_cites_a_declared_source() {
        let sets = [Some(builtin()), builtin_holdout()];
        for m in sets.into_iter().flatten() {
            let m = m.unwrap();
            let keys: Vec<&str> = m.source.iter().map(|s| s.id.as_str()).collect();
            let cat = Catalog::builtin().unwrap();
            for r in validate(&cat, &m, &Efficiency::default()) {
                assert!(
                    keys.contains(&r.source.as_str()),
                    "{} cites undeclared source `{}`",
                    r.id,
                    r.source
                );
            }
        }
    }

    #[test]
    fn every_case_has_a_prediction() {
        for r in run() {
            assert!(r.failure.is_none(), "{}: {:?}", r.id, r.failure);
            assert!(
                r.predicted.is_finite() && r.predicted > 0.0,
                "{}: {}",
                r.id,
                r.predicted
            );
        }
    }

    /// The gate: the median absolute error of the inference cases stays under 15%.
    #[test]
    fn inference_median_error_under_15_percent() {
        let (median, worst) = summary(&run(), CaseKind::Inference).unwrap();
        assert!(
            median < 0.15,
            "median {:.1}% (worst {:.1}%)",
            median * 100.0,
            worst * 100.0
        );
    }

    /// Microbenchmarks pin the efficiency parameters: each kind within 15% at the median.
    #[test]
    fn microbenchmarks_are_matched() {
        let r = run();
        for kind in [CaseKind::Gemm, CaseKind::Memory, CaseKind::AllReduce] {
            let (median, _) = summary(&r, kind).unwrap();
            assert!(
                median < 0.15,
                "{}: median {:.1}%",
                kind.as_str(),
                median * 100.0
            );
        }
    }
}
