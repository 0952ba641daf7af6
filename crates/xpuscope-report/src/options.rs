//! The options layer: raw inputs from any front end turned into validated configurations, with one
//! set of defaults.
//!
//! A raw options struct has every field optional and is what a front end fills: the CLI from its
//! flags, the HTTP API from a JSON body or query string, Python from keyword arguments (each is
//! `Deserialize` with `deny_unknown_fields`, so a misspelt key is an error, not a silent
//! default). `resolve` checks every value and fills the defaults, which come from the library's
//! own `Default`s and constants so that no front end states them a second time.
//!
//! It deliberately does not look anything up in the catalogue or read files: ids stay strings for
//! the caller to resolve, and what it returns is pure configuration.

use serde::Deserialize;
use xpuscope_analysis::compare::CompareConfig;
use xpuscope_analysis::cost::CostAssumptions;
use xpuscope_model::chip::Precision;
use xpuscope_model::units::Dollars;
use xpuscope_perf::search::Fixed;
use xpuscope_perf::train::{Recompute, TrainConfig};
use xpuscope_perf::{Batch, Engine, InferConfig, Layout, Precisions};

use crate::error::{Error, Result};

/// Defaults that are this layer's own (not a library's): the shapes a bare command evaluates.
pub mod defaults {
    /// Sequences in an `infer` batch.
    pub const BATCH: u64 = 1;
    /// Weight format of `infer` (the format checkpoints are published in).
    pub const WEIGHTS: &str = "bf16";
    /// KV-cache format of `infer`.
    pub const KV_CACHE: &str = "bf16";
    /// Engine profile.
    pub const ENGINE: &str = "modern";
    /// The engine whose scheduler `serve` runs: the most used open-source engine.
    pub const SERVE_ENGINE: &str = "vllm";
    /// Training precision.
    pub const TRAIN_PRECISION: &str = "bf16";
    /// The model `compare` and `roofline` evaluate: a dense 70B model is what most fleets serve.
    pub const MODEL: &str = "llama-3.1-70b";
    /// Prompt tokens of a sweep point.
    pub const SWEEP_INPUT_LEN: u64 = 1024;
    /// Generated tokens of a sweep point.
    pub const SWEEP_OUTPUT_LEN: u64 = 256;
    /// Chips of a training sweep point.
    pub const SWEEP_TRAIN_CHIPS: u32 = 64;
    /// Tokens per sequence of a training sweep point.
    pub const SWEEP_SEQ_LEN: u64 = 4096;
    /// Sequences per step of a training sweep point.
    pub const SWEEP_GLOBAL_BATCH: u64 = 512;
    /// Requests in flight of a serving sweep point.
    pub const SWEEP_CONCURRENCY: u64 = 64;
    /// Weight format of `roofline`: FP8 puts the compute ceiling where current engines run.
    pub const ROOFLINE_WEIGHTS: &str = "fp8";
    /// Sequences of `roofline`: a mid-sized batch puts prefill right of the ridge and decode left
    /// of it on every current chip.
    pub const ROOFLINE_BATCH: u64 = 8;
    /// Prompt tokens of `roofline`.
    pub const ROOFLINE_INPUT_LEN: u64 = 2048;
    /// Generated tokens of `roofline`.
    pub const ROOFLINE_OUTPUT_LEN: u64 = 256;
}

/// A batch as a front end gives it: a count, or the word `max`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum BatchOption {
    /// This many sequences.
    Count(u64),
    /// `"max"` (or a number written as text, as a query string carries it).
    Word(String),
}

impl BatchOption {
    /// Parses `max` or a positive whole number.
    pub fn resolve(&self, field: &'static str) -> Result<Batch> {
        let bad = |s: &str| {
            Error::invalid(
                field,
                format!(
                    "--{} `{s}` is not a positive whole number or `max`",
                    flag(field)
                ),
            )
        };
        match self {
            BatchOption::Count(0) => Err(bad("0")),
            BatchOption::Count(n) => fixed(field, *n),
            BatchOption::Word(w) if w == "max" => Ok(Batch::Max),
            BatchOption::Word(w) => match w.parse::<u64>() {
                Ok(n) if n > 0 => fixed(field, n),
                _ => Err(bad(w)),
            },
        }
    }
}

/// The most sequences a batch may name: ten million is beyond any deployment's memory, and
/// bigger counts only produce absurd times.
pub const MAX_BATCH_INPUT: u64 = 10_000_000;

/// A fixed batch of `n`, refused above [`MAX_BATCH_INPUT`].
fn fixed(field: &'static str, n: u64) -> Result<Batch> {
    if n > MAX_BATCH_INPUT {
        return Err(Error::invalid(
            field,
            format!(
                "--{} {n} is more sequences than any deployment runs; at most {MAX_BATCH_INPUT}",
                flag(field)
            ),
        ));
    }
    Ok(Batch::Fixed(n))
}

/// A token count as the serving simulator stores it (32 bits), refused when it does not fit.
pub fn tokens_u32(field: &'static str, v: u64) -> Result<u32> {
    u32::try_from(v).map_err(|_| {
        Error::invalid(
            field,
            format!("--{} {v} is more tokens than any model takes", flag(field)),
        )
    })
}

/// The CLI spelling of a field (`max_batch` -> `max-batch`), for messages.
fn flag(field: &str) -> String {
    field.replace('_', "-")
}

/// Parses a precision name for a role, naming the allowed ones when it is not one.
pub fn precision(field: &'static str, s: &str) -> Result<Precision> {
    Precision::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Precision::ALL.iter().map(|p| p.as_str()).collect();
        Error::invalid(
            field,
            format!(
                "--{} `{s}` is not a precision; use one of {}",
                flag(field),
                names.join(", ")
            ),
        )
    })
}

/// Parses an engine profile name.
pub fn engine(s: &str) -> Result<Engine> {
    Engine::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Engine::ALL.iter().map(|e| e.as_str()).collect();
        Error::invalid(
            "engine",
            format!(
                "--engine `{s}` is not an engine profile; use one of {}",
                names.join(", ")
            ),
        )
    })
}

/// Parses a recomputation choice.
pub fn recompute(s: &str) -> Result<Recompute> {
    Recompute::ALL
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| {
            Error::invalid(
                "recompute",
                format!("--recompute `{s}` is not one of none, selective, full"),
            )
        })
}

/// Checks a memory fraction.
fn memory_fraction(f: f64) -> Result<f64> {
    if f > 0.0 && f <= 1.0 {
        Ok(f)
    } else {
        Err(Error::invalid(
            "memory_fraction",
            format!("--memory-fraction {f} must be in (0, 1]"),
        ))
    }
}

/// Raw `infer` options (the chip and the model are resolved by the caller).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct InferOptions {
    /// Tensor-parallel degree (default 1).
    pub tp: Option<u32>,
    /// Pipeline stages (default 1).
    pub pp: Option<u32>,
    /// Expert-parallel degree (default 1).
    pub ep: Option<u32>,
    /// Data-parallel replicas (default 1).
    pub dp: Option<u32>,
    /// Weight format (default bf16).
    pub weights: Option<String>,
    /// Activation format (default: fp8 with fp8 weights, fp4 with fp4, else bf16).
    pub activations: Option<String>,
    /// KV-cache format (default bf16).
    pub kv_cache: Option<String>,
    /// Prompt tokens per sequence (required).
    pub input_len: Option<u64>,
    /// Generated tokens per sequence (required).
    pub output_len: Option<u64>,
    /// Concurrent sequences, or `max` (default 1).
    pub batch: Option<BatchOption>,
    /// Cap for `batch = max` (default [`xpuscope_perf::DEFAULT_MAX_BATCH`]).
    pub max_batch: Option<u64>,
    /// Fraction of memory usable (default [`xpuscope_perf::USABLE_MEMORY_FRACTION`]).
    pub memory_fraction: Option<f64>,
    /// Engine profile (default `modern`).
    pub engine: Option<String>,
}

impl InferOptions {
    /// The validated configuration.
    pub fn resolve(&self) -> Result<InferConfig> {
        let input_len = self
            .input_len
            .ok_or_else(|| Error::invalid("input_len", "--input-len is required"))?;
        let output_len = self
            .output_len
            .ok_or_else(|| Error::invalid("output_len", "--output-len is required"))?;
        let base = InferConfig::new(input_len, output_len);
        let batch = match &self.batch {
            Some(b) => b.resolve("batch")?,
            None => Batch::Fixed(defaults::BATCH),
        };
        let max_batch = self.max_batch.unwrap_or(base.max_batch);
        if max_batch == 0 {
            return Err(Error::invalid(
                "max_batch",
                "--max-batch must be at least 1",
            ));
        }
        let usable_fraction =
            memory_fraction(self.memory_fraction.unwrap_or(base.usable_fraction))?;
        let weights = precision(
            "weights",
            self.weights.as_deref().unwrap_or(defaults::WEIGHTS),
        )?;
        let mut precisions = Precisions::for_weights(weights);
        if let Some(a) = &self.activations {
            precisions.activations = precision("activations", a)?;
        }
        precisions.kv_cache = precision(
            "kv_cache",
            self.kv_cache.as_deref().unwrap_or(defaults::KV_CACHE),
        )?;
        Ok(InferConfig {
            layout: Layout {
                tp: self.tp.unwrap_or(1),
                pp: self.pp.unwrap_or(1),
                dp: self.dp.unwrap_or(1),
                ep: self.ep.unwrap_or(1),
                cp: 1,
            },
            precisions,
            batch,
            max_batch,
            usable_fraction,
            engine: engine(self.engine.as_deref().unwrap_or(defaults::ENGINE))?,
            ..base
        })
    }
}

/// Raw cost assumptions; each default is [`CostAssumptions::default`]'s.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CostOptions {
    /// Years over which the price is depreciated.
    pub depreciation_years: Option<f64>,
    /// Average power draw as a fraction of TDP.
    pub utilisation: Option<f64>,
    /// Power usage effectiveness.
    pub pue: Option<f64>,
    /// Electricity, $ per kWh.
    pub electricity: Option<f64>,
    /// Hosting, $ per kW of TDP per month.
    pub hosting_per_kw_month: Option<f64>,
    /// Rent per chip-hour in dollars (replaces the ownership model).
    pub chip_hour_price: Option<f64>,
}

impl CostOptions {
    /// The validated assumptions.
    pub fn resolve(&self) -> Result<CostAssumptions> {
        let d = CostAssumptions::default();
        let c = CostAssumptions {
            depreciation_years: self.depreciation_years.unwrap_or(d.depreciation_years),
            utilisation: self.utilisation.unwrap_or(d.utilisation),
            pue: self.pue.unwrap_or(d.pue),
            electricity_per_kwh: self.electricity.unwrap_or(d.electricity_per_kwh),
            hosting_per_kw_month: self.hosting_per_kw_month.unwrap_or(d.hosting_per_kw_month),
            rent_per_hour: self.chip_hour_price.map(Dollars::new).or(d.rent_per_hour),
        };
        c.validate().map_err(|e| Error::Analysis(e.to_string()))?;
        Ok(c)
    }
}

/// Raw `train` options (chip and model resolved by the caller).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TrainOptions {
    /// Number of chips (required).
    pub chips: Option<u32>,
    /// GEMM precision (default bf16).
    pub precision: Option<String>,
    /// Tensor-parallel degree (default 1, or searched).
    pub tp: Option<u32>,
    /// Pipeline stages (default 1, or searched).
    pub pp: Option<u32>,
    /// Virtual stages per pipeline stage (default 1, or searched).
    pub vp: Option<u32>,
    /// Context-parallel degree (default 1, or searched).
    pub cp: Option<u32>,
    /// Expert-parallel degree (default 1, or searched).
    pub ep: Option<u32>,
    /// ZeRO stage 0-3 (default 1, or searched).
    pub zero: Option<u8>,
    /// Recomputation: none, selective or full (default none, or searched).
    pub recompute: Option<String>,
    /// Tokens per sequence (required).
    pub seq_len: Option<u64>,
    /// Sequences per optimizer step (required).
    pub global_batch: Option<u64>,
    /// Sequences per micro-batch per replica (default 1, or searched).
    pub micro_batch: Option<u64>,
    /// Tokens to train on, for time and cost.
    pub tokens: Option<f64>,
    /// Search every valid layout (default false).
    pub search: Option<bool>,
    /// Fraction of memory usable (default [`xpuscope_perf::USABLE_MEMORY_FRACTION`]).
    pub memory_fraction: Option<f64>,
    /// Cost assumptions.
    pub cost: CostOptions,
}

/// A training question, validated: one layout, or a search with some degrees fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainPlan {
    /// Chips.
    pub chips: u32,
    /// GEMM precision.
    pub precision: Precision,
    /// Tokens per sequence.
    pub seq_len: u64,
    /// Sequences per step.
    pub global_batch: u64,
    /// Usable memory fraction.
    pub usable_fraction: f64,
    /// Tokens to train on, for time and cost.
    pub tokens: Option<f64>,
    /// Cost assumptions.
    pub costs: CostAssumptions,
    /// What to evaluate.
    pub what: TrainWhat,
}

/// One layout, or a search.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainWhat {
    /// The layout the options name.
    Single(TrainConfig),
    /// Every valid layout, with these degrees fixed.
    Search(Fixed),
}

impl TrainOptions {
    /// The validated training question.
    pub fn resolve(&self) -> Result<TrainPlan> {
        let chips = self
            .chips
            .ok_or_else(|| Error::invalid("chips", "--chips is required"))?;
        if chips == 0 {
            return Err(Error::invalid("chips", "--chips must be at least 1"));
        }
        let seq_len = self
            .seq_len
            .ok_or_else(|| Error::invalid("seq_len", "--seq-len is required"))?;
        let global_batch = self
            .global_batch
            .ok_or_else(|| Error::invalid("global_batch", "--global-batch is required"))?;
        let precision = precision(
            "precision",
            self.precision
                .as_deref()
                .unwrap_or(defaults::TRAIN_PRECISION),
        )?;
        let costs = self.cost.resolve()?;
        if let Some(t) = self.tokens {
            if !(t.is_finite() && t > 0.0) {
                return Err(Error::invalid(
                    "tokens",
                    format!("--tokens {t} must be a positive number of tokens (e.g. 15e12)"),
                ));
            }
        }
        let usable_fraction = memory_fraction(
            self.memory_fraction
                .unwrap_or(xpuscope_perf::USABLE_MEMORY_FRACTION),
        )?;
        let recompute = self.recompute.as_deref().map(recompute).transpose()?;
        let what = if self.search.unwrap_or(false) {
            TrainWhat::Search(Fixed {
                tp: self.tp,
                pp: self.pp,
                vp: self.vp,
                cp: self.cp,
                ep: self.ep,
                zero: self.zero,
                recompute,
                micro_batch: self.micro_batch,
            })
        } else {
            let tp = self.tp.unwrap_or(1);
            let pp = self.pp.unwrap_or(1);
            let cp = self.cp.unwrap_or(1);
            let used = tp * pp * cp;
            if used == 0 || chips % used != 0 {
                return Err(Error::invalid(
                    "tp",
                    format!(
                        "tp {tp} x pp {pp} x cp {cp} = {used} does not divide the {chips} chips; the rest would be data-parallel replicas"
                    ),
                ));
            }
            TrainWhat::Single(TrainConfig {
                chips,
                layout: Layout {
                    tp,
                    pp,
                    dp: chips / used,
                    ep: self.ep.unwrap_or(1),
                    cp,
                },
                vp: self.vp.unwrap_or(1),
                zero: self.zero.unwrap_or(1),
                recompute: recompute.unwrap_or(Recompute::None),
                precision,
                seq_len,
                global_batch,
                micro_batch: self.micro_batch.unwrap_or(1),
                usable_fraction,
            })
        };
        Ok(TrainPlan {
            chips,
            precision,
            seq_len,
            global_batch,
            usable_fraction,
            tokens: self.tokens,
            costs,
            what,
        })
    }
}

/// Raw `compare` options (chips and model resolved by the caller); each default is
/// [`CompareConfig::default`]'s.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CompareOptions {
    /// Chips serving the inference rows.
    pub chips: Option<u32>,
    /// Chips for the training row.
    pub train_chips: Option<u32>,
    /// Weight format of the inference rows.
    pub weights: Option<String>,
    /// Training precision.
    pub train_precision: Option<String>,
    /// Tokens of the training run priced on the train row.
    pub train_tokens: Option<f64>,
    /// Engine profile.
    pub engine: Option<String>,
    /// Cost assumptions.
    pub cost: CostOptions,
}

impl CompareOptions {
    /// The validated configuration and cost assumptions.
    pub fn resolve(&self) -> Result<(CompareConfig, CostAssumptions)> {
        let d = CompareConfig::default();
        let infer_chips = self.chips.unwrap_or(d.infer_chips);
        let train_chips = self.train_chips.unwrap_or(d.train_chips);
        if infer_chips == 0 || train_chips == 0 {
            return Err(Error::invalid(
                if infer_chips == 0 {
                    "chips"
                } else {
                    "train_chips"
                },
                "--chips and --train-chips must be at least 1",
            ));
        }
        let costs = self.cost.resolve()?;
        let cfg = CompareConfig {
            infer_chips,
            train_chips,
            weights: match &self.weights {
                Some(w) => precision("weights", w)?,
                None => d.weights,
            },
            train_precision: match &self.train_precision {
                Some(p) => precision("train_precision", p)?,
                None => d.train_precision,
            },
            train_tokens: match self.train_tokens {
                Some(t) if !(t.is_finite() && t > 0.0) => {
                    return Err(Error::invalid(
                        "train_tokens",
                        format!(
                            "--train-tokens {t} must be a positive number of tokens (e.g. 1e12)"
                        ),
                    ))
                }
                Some(t) => t,
                None => d.train_tokens,
            },
            engine: match &self.engine {
                Some(e) => engine(e)?,
                None => d.engine,
            },
        };
        Ok((cfg, costs))
    }
}

/// Raw `roofline` options (chips and model resolved by the caller).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RooflineOptions {
    /// Tensor-parallel degree (default 1).
    pub tp: Option<u32>,
    /// Weight format, which sets the compute ceiling (default fp8).
    pub weights: Option<String>,
    /// Sequences (default 8).
    pub batch: Option<u64>,
    /// Prompt tokens (default 2048).
    pub input_len: Option<u64>,
    /// Generated tokens (default 256).
    pub output_len: Option<u64>,
}

impl RooflineOptions {
    /// The inference whose operators the roofline places (defaults in [`defaults`]).
    pub fn resolve(&self) -> Result<InferConfig> {
        let batch = self.batch.unwrap_or(defaults::ROOFLINE_BATCH);
        if batch == 0 {
            return Err(Error::invalid("batch", "--batch must be at least 1"));
        }
        Ok(InferConfig {
            layout: Layout {
                tp: self.tp.unwrap_or(1),
                ..Layout::SINGLE
            },
            precisions: Precisions::for_weights(precision(
                "weights",
                self.weights
                    .as_deref()
                    .unwrap_or(defaults::ROOFLINE_WEIGHTS),
            )?),
            batch: Batch::Fixed(batch),
            ..InferConfig::new(
                self.input_len.unwrap_or(defaults::ROOFLINE_INPUT_LEN),
                self.output_len.unwrap_or(defaults::ROOFLINE_OUTPUT_LEN),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_library() {
        let o = InferOptions {
            input_len: Some(128),
            output_len: Some(16),
            ..InferOptions::default()
        };
        assert_eq!(o.resolve().unwrap(), InferConfig::new(128, 16));
        let (c, k) = CompareOptions::default().resolve().unwrap();
        assert_eq!(c, CompareConfig::default());
        assert_eq!(k, CostAssumptions::default());
    }

    #[test]
    fn bad_values_name_their_field() {
        let o = InferOptions {
            input_len: Some(128),
            output_len: Some(16),
            batch: Some(BatchOption::Word("lots".into())),
            ..InferOptions::default()
        };
        let e = o.resolve().unwrap_err();
        assert_eq!(e.field(), Some("batch"));
        assert!(e.to_string().contains("`lots`"), "{e}");
        let e = InferOptions {
            output_len: Some(1),
            ..InferOptions::default()
        }
        .resolve()
        .unwrap_err();
        assert_eq!(e.field(), Some("input_len"));
        let e = TrainOptions {
            chips: Some(12),
            seq_len: Some(4096),
            global_batch: Some(64),
            tp: Some(8),
            ..TrainOptions::default()
        }
        .resolve()
        .unwrap_err();
        assert!(
            e.to_string().contains("does not divide the 12 chips"),
            "{e}"
        );
    }

    #[test]
    fn a_batch_may_be_a_number_or_max_in_json() {
        let o: InferOptions =
            serde_json::from_str(r#"{"input_len": 10, "output_len": 2, "batch": "max"}"#).unwrap();
        assert_eq!(o.resolve().unwrap().batch, Batch::Max);
        let o: InferOptions =
            serde_json::from_str(r#"{"input_len": 10, "output_len": 2, "batch": 64}"#).unwrap();
        assert_eq!(o.resolve().unwrap().batch, Batch::Fixed(64));
        assert!(serde_json::from_str::<InferOptions>(r#"{"input_lenn": 10}"#).is_err());
    }
}
