//! Command-line flags, as clap parses them. Commands turn these into validated options before any
//! work runs.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use xpuscope_analysis::compare::CompareConfig;
use xpuscope_analysis::cost::CostAssumptions;
use xpuscope_report::options::defaults;

/// Output format shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned tables for a person.
    #[default]
    Text,
    /// JSON for programs (a stable contract; field names carry their unit).
    Json,
    /// Comma-separated values with unit-suffixed headers, one row per item (`chips`; `sweep`'s
    /// text output is already CSV).
    Csv,
}

/// What an AI accelerator delivers for your model, how chips compare, what they cost, and how US
/// export rules classify them.
#[derive(Debug, Parser)]
#[command(
    name = "xpuscope",
    version,
    about = "What will this AI accelerator deliver for my model, how does it compare, what does it cost, and may I buy it?",
    max_term_width = 100
)]
pub struct Args {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Extra catalogue directory: every *.toml under it adds or overrides chips and models
    /// (may be repeated; also read from XPUSCOPE_CATALOG).
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// Filters of `xpuscope chips`.
#[derive(Debug, clap::Args, Default)]
pub struct ChipsArgs {
    /// Only this maker's chips, case-insensitive: the name or some of its words (`huawei`,
    /// `moore threads`).
    #[arg(long)]
    pub vendor: Option<String>,
    /// Only chips whose maker is from this country: an ISO code (`CN`, `US`) or its English
    /// name, case-insensitive.
    #[arg(long)]
    pub country: Option<String>,
    /// Only chips designed or marketed for datacenters.
    #[arg(long)]
    pub datacenter: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the accelerators in the catalogue (all of them, or those the filters keep).
    Chips(ChipsArgs),
    /// Show one accelerator's spec sheet, each value with its source and grade.
    Chip {
        /// Chip id (see `xpuscope chips`).
        id: String,
    },
    /// List the models in the catalogue.
    Models,
    /// Show one model's architecture and parameter counts.
    Model {
        /// Model id, or a path to a Hugging Face config.json.
        id: String,
    },
    /// Predict every public measurement and print measured, predicted and error.
    Validate,
    /// Inference performance: TTFT, TPOT, throughput and memory for a static batch.
    Infer(InferArgs),
    /// Training performance: step time, MFU, memory, time and cost to train; `--search` finds
    /// the best parallel layout.
    Train(TrainArgs),
    /// Serving under load: a step-level simulation of continuous batching as vLLM, SGLang or
    /// TensorRT-LLM schedules it; TTFT/TPOT/ITL/E2E percentiles, throughput, goodput.
    Serve(ServeArgs),
    /// The cheapest fleet that carries a traffic under a TTFT/TPOT SLO: chips, counts, layouts,
    /// engine caps, aggregated or disaggregated pools, cost, the Pareto frontier, and the launch
    /// command; `--buyable-in CN --date D` keeps the chips the export rules let a buyer obtain.
    Plan(PlanArgs),
    /// Chips side by side on a workload suite: value, ratio to the first chip, cost.
    Compare(CompareArgs),
    /// Evaluate every combination of chips, models, layouts, batches and lengths; one row per point
    /// as CSV (`--format text`) or JSON lines (`--format json`); `--svg FILE` draws a heat map.
    Sweep(SweepArgs),
    /// Each chip's compute and bandwidth ceilings with the model's prefill and decode operators
    /// placed on them; `--svg FILE` draws the chart.
    Roofline(RooflineArgs),
    /// Check a TOML file of claims about chips and give a verdict per claim.
    Claims {
        /// The claims file (see examples/claims/).
        file: std::path::PathBuf,
    },
    /// US export controls (EAR 3A090): a chip's classification on a date and why, its timeline,
    /// what-if on its specs, and design to threshold. Informational, not legal advice.
    Export(ExportArgs),
    /// The web UI and the JSON HTTP API on the same numbers: chips, compare, serve, export
    /// (`/api/openapi.json` lists the endpoints). Stops on Ctrl-C or SIGTERM.
    Web(WebArgs),
}

/// `xpuscope web` flags.
#[derive(Debug, clap::Args)]
pub struct WebArgs {
    /// Address to listen on. The default answers this machine only; binding wider lets anyone
    /// who can reach the port run simulations on it (there is no authentication).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub bind: std::net::SocketAddr,
}

/// The name a flag value is written with (`trtllm-0.5`), which is the name the options layer
/// parses.
pub trait FlagName {
    /// The value as written on the command line.
    fn name(&self) -> String;
}

impl<T: ValueEnum> FlagName for T {
    fn name(&self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// A precision name as a flag value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    Bf16,
    Fp16,
    Fp8,
    Int8,
    Int4,
    Fp4,
}

/// A KV-cache precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KvArg {
    Bf16,
    Fp16,
    Fp8,
    Int8,
}

/// Where and how a model is deployed, shared by `infer` and `serve`.
#[derive(Debug, clap::Args)]
pub struct DeploymentArgs {
    /// Chip id.
    #[arg(long)]
    pub chip: String,
    /// Model id, or a path to a Hugging Face config.json.
    #[arg(long)]
    pub model: String,
    /// Tensor-parallel degree.
    #[arg(long, default_value_t = 1)]
    pub tp: u32,
    /// Pipeline-parallel stages.
    #[arg(long, default_value_t = 1)]
    pub pp: u32,
    /// Expert-parallel degree (MoE layers; spans the tp x dp chips of a stage).
    #[arg(long, default_value_t = 1)]
    pub ep: u32,
    /// Data-parallel replicas (the batch or the traffic is split over them; attention-DP is
    /// --tp 1 --dp N --ep N).
    #[arg(long, default_value_t = 1)]
    pub dp: u32,
    /// Weight precision.
    #[arg(long, value_enum, default_value = defaults::WEIGHTS)]
    pub weights: PrecisionArg,
    /// KV-cache precision.
    #[arg(long = "kv-cache", value_enum, default_value = defaults::KV_CACHE)]
    pub kv_cache: KvArg,
}

/// `xpuscope infer` flags.
#[derive(Debug, clap::Args)]
// A negative number reaches the value checks ("must be at least 1"), not clap's "unexpected
// argument '-1'".
#[command(allow_negative_numbers = true)]
pub struct InferArgs {
    #[command(flatten)]
    pub deploy: DeploymentArgs,
    /// Activation precision (default: fp8 with fp8 weights, fp4 with fp4, else bf16).
    #[arg(long, value_enum)]
    pub activations: Option<PrecisionArg>,
    /// Prompt tokens per sequence.
    #[arg(long)]
    pub input_len: u64,
    /// Generated tokens per sequence.
    #[arg(long)]
    pub output_len: u64,
    /// Concurrent sequences across the deployment, or `max` for the largest that fits.
    #[arg(long, default_value_t = defaults::BATCH.to_string())]
    pub batch: String,
    /// Cap for `--batch max`.
    #[arg(long, default_value_t = xpuscope_perf::DEFAULT_MAX_BATCH)]
    pub max_batch: u64,
    /// Fraction of memory usable for weights, KV cache and activations.
    #[arg(long, default_value_t = xpuscope_perf::USABLE_MEMORY_FRACTION)]
    pub memory_fraction: f64,
    /// Serving-engine behaviour: `modern` (vLLM, SGLang, TensorRT-LLM >= 0.7) or `trtllm-0.5`.
    #[arg(long, value_enum, default_value = defaults::ENGINE)]
    pub engine: EngineArg,
}

/// A serving-engine profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Modern,
    #[value(name = "trtllm-0.5")]
    TrtLlm05,
}

/// A recomputation choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecomputeArg {
    None,
    Selective,
    Full,
}

/// A training precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrainPrecisionArg {
    Bf16,
    Fp16,
    Fp8,
}

/// `xpuscope train` flags.
#[derive(Debug, clap::Args)]
// A negative number reaches the value checks ("must be at least 1"), not clap's "unexpected
// argument '-1'".
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    /// Chip id.
    #[arg(long)]
    pub chip: String,
    /// Number of chips.
    #[arg(long)]
    pub chips: u32,
    /// Model id, or a path to a Hugging Face config.json.
    #[arg(long)]
    pub model: String,
    /// GEMM precision (FP8 falls back to BF16 on chips without it).
    #[arg(long, value_enum, default_value = defaults::TRAIN_PRECISION)]
    pub precision: TrainPrecisionArg,
    /// Tensor-parallel degree (default 1, or searched).
    #[arg(long)]
    pub tp: Option<u32>,
    /// Pipeline stages (default 1, or searched).
    #[arg(long)]
    pub pp: Option<u32>,
    /// Virtual stages per pipeline stage, interleaved 1F1B (default 1, or searched).
    #[arg(long)]
    pub vp: Option<u32>,
    /// Context-parallel degree (default 1, or searched).
    #[arg(long)]
    pub cp: Option<u32>,
    /// Expert-parallel degree, MoE models (default 1, or searched).
    #[arg(long)]
    pub ep: Option<u32>,
    /// ZeRO stage, 3 = FSDP (default 1, or searched).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub zero: Option<u8>,
    /// Activation recomputation (default none, or searched).
    #[arg(long, value_enum)]
    pub recompute: Option<RecomputeArg>,
    /// Tokens per sequence.
    #[arg(long)]
    pub seq_len: u64,
    /// Sequences per optimizer step.
    #[arg(long)]
    pub global_batch: u64,
    /// Sequences per micro-batch per replica (default 1, or searched).
    #[arg(long)]
    pub micro_batch: Option<u64>,
    /// Tokens to train on, for time and cost (e.g. 15e12).
    #[arg(long)]
    pub tokens: Option<f64>,
    /// Search every valid layout and report the best and the top ten.
    #[arg(long)]
    pub search: bool,
    /// Fraction of memory usable.
    #[arg(long, default_value_t = xpuscope_perf::USABLE_MEMORY_FRACTION)]
    pub memory_fraction: f64,
    #[command(flatten)]
    pub cost: CostArgs,
}

/// Cost assumptions, shared by `train` and `compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct CostArgs {
    /// Years over which the chip's price is depreciated.
    #[arg(long, default_value_t = CostAssumptions::default().depreciation_years)]
    pub depreciation_years: f64,
    /// Average power draw as a fraction of TDP.
    #[arg(long, default_value_t = CostAssumptions::default().utilisation)]
    pub utilisation: f64,
    /// Power usage effectiveness of the datacenter.
    #[arg(long, default_value_t = CostAssumptions::default().pue)]
    pub pue: f64,
    /// Electricity price, $ per kWh.
    #[arg(long, default_value_t = CostAssumptions::default().electricity_per_kwh)]
    pub electricity: f64,
    /// Colocation (space, cooling, network), $ per kW of TDP per month.
    #[arg(long, default_value_t = CostAssumptions::default().hosting_per_kw_month)]
    pub hosting_per_kw_month: f64,
    /// Override: rent per chip-hour in dollars (replaces the ownership cost model).
    #[arg(long)]
    pub chip_hour_price: Option<f64>,
}

/// `xpuscope plan` flags.
#[derive(Debug, clap::Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = "Examples:
  xpuscope plan --model llama-3.1-70b --chip h100-sxm,h20,mi300x --input-len 2000 --output-len 500 --request-rate 10 --slo-ttft 2 --slo-tpot 0.05
  xpuscope plan --model deepseek-r1 --chip h20,h200-sxm,h100-sxm,ascend-910c,mi308x --input-len 2000 --output-len 1000 --request-rate 20 --slo-ttft 2 --slo-tpot 0.05 --buyable-in CN --date 2025-08-01 --svg pareto.svg")]
pub struct PlanArgs {
    /// Model id, or a path to a Hugging Face config.json.
    #[arg(long)]
    pub model: String,
    /// Chip ids separated by commas, or `all`.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    pub chip: Vec<String>,
    /// Prompt tokens per request.
    #[arg(long)]
    pub input_len: u64,
    /// Output tokens per request.
    #[arg(long)]
    pub output_len: u64,
    /// Requests per second the fleet must carry.
    #[arg(
        long,
        value_name = "R",
        required_unless_present = "output_tokens_per_s",
        conflicts_with = "output_tokens_per_s"
    )]
    pub request_rate: Option<f64>,
    /// Output tokens per second the fleet must carry (instead of --request-rate).
    #[arg(long, value_name = "T")]
    pub output_tokens_per_s: Option<f64>,
    /// Most time to first token, seconds, at the percentile.
    #[arg(long, value_name = "S")]
    pub slo_ttft: f64,
    /// Most time per output token, seconds, at the percentile.
    #[arg(long, value_name = "S")]
    pub slo_tpot: f64,
    /// Percentile of requests that must meet both targets.
    #[arg(long, default_value_t = xpuscope_report::views::plan::defaults::PERCENTILE)]
    pub percentile: f64,
    /// Most chips in a fleet.
    #[arg(long, default_value_t = xpuscope_report::views::plan::defaults::MAX_CHIPS)]
    pub max_chips: u32,
    /// Engines to try, separated by commas.
    #[arg(long, value_delimiter = ',', default_value = "vllm,sglang,trtllm")]
    pub engine: Vec<String>,
    /// Leave out disaggregated prefill/decode pools.
    #[arg(long)]
    pub no_disaggregate: bool,
    /// Leave out disaggregated pools of two chip types.
    #[arg(long)]
    pub no_heterogeneous: bool,
    /// Keep only chips a buyer here may obtain under the export rules (CN: China and Macau).
    #[arg(long, value_name = "COUNTRY", requires = "date")]
    pub buyable_in: Option<String>,
    /// The date of the export filter (YYYY-MM-DD).
    #[arg(long, requires = "buyable_in")]
    pub date: Option<String>,
    /// Most power of the fleet, kW (TDP x PUE).
    #[arg(long)]
    pub max_power_kw: Option<f64>,
    /// Most purchase price of the fleet's chips, dollars.
    #[arg(long, value_name = "USD")]
    pub budget: Option<f64>,
    /// Candidates shown (the best of each chip and mode).
    #[arg(long, default_value_t = xpuscope_report::views::plan::defaults::TOP)]
    pub top: usize,
    /// Seed of the simulations.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Most simulations the search runs (past it, fleets are screened only, and it says so).
    #[arg(long, default_value_t = xpuscope_report::views::plan::defaults::MAX_SIMULATIONS)]
    pub max_simulations: usize,
    /// Write the Pareto frontier per chip as an SVG chart.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub cost: CostArgs,
}

/// `xpuscope compare` flags.
#[derive(Debug, clap::Args)]
// A negative number reaches the value checks ("must be at least 1"), not clap's "unexpected
// argument '-1'".
#[command(allow_negative_numbers = true)]
pub struct CompareArgs {
    /// Chip ids; the first is the reference for ratios.
    #[arg(required = true, num_args = 2..)]
    pub chips: Vec<String>,
    /// Model id or config.json path.
    #[arg(long, default_value = defaults::MODEL)]
    pub model: String,
    /// Chips serving the inference rows (one node).
    #[arg(long = "chips", default_value_t = CompareConfig::default().infer_chips)]
    pub infer_chips: u32,
    /// Chips for the training row.
    #[arg(long, default_value_t = CompareConfig::default().train_chips)]
    pub train_chips: u32,
    /// Weight precision for inference rows.
    #[arg(long, value_enum, default_value = CompareConfig::default().weights.as_str())]
    pub weights: PrecisionArg,
    /// Training precision.
    #[arg(long, value_enum, default_value = defaults::TRAIN_PRECISION)]
    pub train_precision: TrainPrecisionArg,
    /// Tokens of the training run priced on the train row.
    #[arg(long, default_value_t = CompareConfig::default().train_tokens)]
    pub train_tokens: f64,
    /// Serving-engine behaviour.
    #[arg(long, value_enum, default_value = defaults::ENGINE)]
    pub engine: EngineArg,
    /// Write a chart of the ratios per workload to this SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub cost: CostArgs,
}

/// What a sweep evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepKind {
    /// Inference points (TTFT, TPOT, throughput).
    Infer,
    /// Training points (best layout per chip count).
    Train,
    /// Serving points: a continuous-batching run per concurrency (--concurrency, --serve-engine).
    Serve,
}

/// `xpuscope sweep` flags. Lists are comma-separated.
#[derive(Debug, clap::Args)]
// A negative number reaches the value checks ("must be at least 1"), not clap's "unexpected
// argument '-1'".
#[command(allow_negative_numbers = true)]
pub struct SweepArgs {
    /// Inference or training points.
    #[arg(long, value_enum, default_value_t = SweepKind::Infer)]
    pub kind: SweepKind,
    /// Chip ids.
    #[arg(long = "chip", value_delimiter = ',', required = true)]
    pub chips: Vec<String>,
    /// Model ids or config.json paths.
    #[arg(long = "model", value_delimiter = ',', required = true)]
    pub models: Vec<String>,
    /// Tensor-parallel degrees (inference).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub tp: Vec<u32>,
    /// Pipeline stages (inference).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub pp: Vec<u32>,
    /// Expert-parallel degrees (inference).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub ep: Vec<u32>,
    /// Data-parallel replicas (inference).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub dp: Vec<u32>,
    /// Batch sizes, or `max`.
    #[arg(long, value_delimiter = ',', default_values_t = [defaults::BATCH.to_string()])]
    pub batch: Vec<String>,
    /// Prompt lengths.
    #[arg(long, value_delimiter = ',', default_values_t = [defaults::SWEEP_INPUT_LEN])]
    pub input_len: Vec<u64>,
    /// Output lengths.
    #[arg(long, value_delimiter = ',', default_values_t = [defaults::SWEEP_OUTPUT_LEN])]
    pub output_len: Vec<u64>,
    /// Weight precisions.
    #[arg(long, value_delimiter = ',', value_enum, default_value = defaults::WEIGHTS)]
    pub weights: Vec<PrecisionArg>,
    /// KV-cache precision.
    #[arg(long = "kv-cache", value_enum, default_value = defaults::KV_CACHE)]
    pub kv_cache: KvArg,
    /// Serving-engine behaviour.
    #[arg(long, value_enum, default_value = defaults::ENGINE)]
    pub engine: EngineArg,
    /// Chip counts (training).
    #[arg(long, value_delimiter = ',', default_values_t = [defaults::SWEEP_TRAIN_CHIPS])]
    pub chip_count: Vec<u32>,
    /// Sequence lengths (training).
    #[arg(long, value_delimiter = ',', default_values_t = [defaults::SWEEP_SEQ_LEN])]
    pub seq_len: Vec<u64>,
    /// Global batch in sequences (training).
    #[arg(long, value_delimiter = ',', default_values_t = [defaults::SWEEP_GLOBAL_BATCH])]
    pub global_batch: Vec<u64>,
    /// Training precision.
    #[arg(long, value_enum, default_value = defaults::TRAIN_PRECISION)]
    pub precision: TrainPrecisionArg,
    /// Requests in flight (serving).
    #[arg(long, value_delimiter = ',', default_values_t = [defaults::SWEEP_CONCURRENCY])]
    pub concurrency: Vec<u64>,
    /// The engine whose scheduler runs serving points.
    #[arg(long, value_enum, default_value = defaults::SERVE_ENGINE)]
    pub serve_engine: ServeEngineArg,
    /// Draw a heat map of the sweep to this SVG file: one row per chip, one column per
    /// combination of the other swept values, coloured by throughput per chip. The rows still go
    /// to stdout.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
}

/// `xpuscope roofline` flags.
#[derive(Debug, clap::Args)]
// A negative number reaches the value checks ("must be at least 1"), not clap's "unexpected
// argument '-1'".
#[command(allow_negative_numbers = true)]
pub struct RooflineArgs {
    /// Chip ids.
    #[arg(required = true, num_args = 1..)]
    pub chips: Vec<String>,
    /// Model id or config.json path.
    #[arg(long, default_value = defaults::MODEL)]
    pub model: String,
    /// Tensor-parallel degree.
    #[arg(long, default_value_t = 1)]
    pub tp: u32,
    /// Weight precision (sets which peak is the compute ceiling).
    #[arg(long, value_enum, default_value = defaults::ROOFLINE_WEIGHTS)]
    pub weights: PrecisionArg,
    /// Batch.
    #[arg(long, default_value_t = defaults::ROOFLINE_BATCH)]
    pub batch: u64,
    /// Prompt tokens.
    #[arg(long, default_value_t = defaults::ROOFLINE_INPUT_LEN)]
    pub input_len: u64,
    /// Generated tokens.
    #[arg(long, default_value_t = defaults::ROOFLINE_OUTPUT_LEN)]
    pub output_len: u64,
    /// Write the chart to this SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
}

/// `xpuscope export` flags.
#[derive(Debug, clap::Args)]
// A negative number reaches the value checks ("must be at least 1"), not clap's "unexpected
// argument '-1'".
#[command(allow_negative_numbers = true)]
#[command(after_help = "Examples:
  xpuscope export h20 --date 2025-07-01
  xpuscope export h20 --timeline
  xpuscope export h20 --set bf16_tflops=200 --set fp8_tflops=400
  xpuscope export h100-sxm --set die_area_mm2=1600 --set datacenter=false
  xpuscope export --design --die-area-mm2 814 --memory-bandwidth-gbs 4000

--set keys: fp64_tflops, fp32_tflops, tf32_tflops, bf16_tflops, fp16_tflops, fp8_tflops, int8_tops,
fp4_tflops, int4_tops (dense), die_area_mm2, memory_bandwidth_gbs, scale_up_gbs (both directions),
datacenter (true|false). Informational only, not legal advice.")]
pub struct ExportArgs {
    /// Chip id (see `xpuscope chips`); not used with --design.
    #[arg(required_unless_present = "design", conflicts_with = "design")]
    pub chip: Option<String>,

    /// The date whose rules apply, YYYY-MM-DD [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,

    /// Show the chip's status at every rule change instead of on one date.
    #[arg(long, conflicts_with_all = ["date", "design"])]
    pub timeline: bool,

    /// What-if: override one of the chip's specs, as KEY=VALUE (repeatable; see the keys below).
    #[arg(long = "set", value_name = "KEY=VALUE", conflicts_with = "design")]
    pub set: Vec<String>,

    /// Design to threshold: the most dense throughput per precision that stays outside each
    /// paragraph, for a die of --die-area-mm2.
    #[arg(long, requires = "die_area_mm2")]
    pub design: bool,

    /// With --design: total logic die area in mm².
    #[arg(long, value_name = "MM2", requires = "design")]
    pub die_area_mm2: Option<f64>,

    /// With --design: whether the part is designed or marketed for datacenters [default: true].
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set, requires = "design")]
    pub datacenter: Option<bool>,

    /// With --design: DRAM bandwidth in GB/s (checked against the 2025 letters and 2026 policy).
    #[arg(long, value_name = "GB/S", requires = "design")]
    pub memory_bandwidth_gbs: Option<f64>,
}

/// A serving engine's scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServeEngineArg {
    /// vLLM V1: decodes first, chunked prefills fill the token budget, preemption by recompute.
    Vllm,
    /// SGLang: prefill-first batches, chunked prefill, retraction when decoding runs out.
    Sglang,
    /// TensorRT-LLM: in-flight batching, no-evict admission.
    Trtllm,
}

/// `xpuscope serve` flags.
#[derive(Debug, clap::Args)]
// A negative number reaches the value checks ("must be at least 1"), not clap's "unexpected
// argument '-1'".
#[command(allow_negative_numbers = true)]
#[command(after_help = "Examples:
  xpuscope serve --chip h100-sxm --model llama-3.1-8b --weights fp8 --input-len 1000 --output-len 1000 --concurrency 64
  xpuscope serve --chip h20 --model deepseek-r1 --tp 8 --weights fp8 --input-len 1000 --output-len 1000 --concurrency 64
  xpuscope serve --chip h200-sxm --model llama-3.1-70b --tp 4 --weights fp8 --input-len 2000 --output-len 200 --request-rate 8 --slo-ttft 2 --slo-tpot 0.05")]
pub struct ServeArgs {
    #[command(flatten)]
    pub deploy: DeploymentArgs,
    /// The engine whose scheduler runs the steps.
    #[arg(long, value_enum, default_value = defaults::SERVE_ENGINE)]
    pub engine: ServeEngineArg,
    /// Most sequences per step (default: the engine's for this chip).
    #[arg(long)]
    pub max_num_seqs: Option<u64>,
    /// Most tokens per step, the chunked-prefill budget (default: the engine's for this chip).
    #[arg(long)]
    pub max_num_tokens: Option<u64>,
    /// Share of memory for weights, activations and KV cache (default: the engine's).
    #[arg(long)]
    pub memory_fraction: Option<f64>,
    /// Prompt tokens per request (the largest, with --length-range).
    #[arg(long, required_unless_present = "trace")]
    pub input_len: Option<u64>,
    /// Output tokens per request (the largest, with --length-range).
    #[arg(long, required_unless_present = "trace")]
    pub output_len: Option<u64>,
    /// Draw each length uniformly from [R x L, L] (vLLM's --random-range-ratio).
    #[arg(long, value_name = "R")]
    pub length_range: Option<f64>,
    /// Requests in flight: a closed loop, or with --request-rate its cap.
    #[arg(long)]
    pub concurrency: Option<u64>,
    /// Poisson arrivals at this many requests per second (an open loop).
    #[arg(long, value_name = "R")]
    pub request_rate: Option<f64>,
    /// Gamma shape of the arrival gaps (1 is Poisson, below 1 burstier).
    #[arg(long)]
    pub burstiness: Option<f64>,
    /// Send every request at once (trtllm-bench's max-load throughput).
    #[arg(long)]
    pub offline: bool,
    /// Replay a trace: JSON lines or CSV with an arrival time, prompt tokens and output tokens
    /// per request (the Azure LLM inference and Mooncake trace columns are understood).
    /// --input-len and --output-len are then ignored.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<std::path::PathBuf>,
    /// Requests to serve.
    #[arg(long, default_value_t = xpuscope_report::views::serve::DEFAULT_REQUESTS)]
    pub requests: u64,
    /// Requests sent first that are left out of the latency percentiles and goodput
    /// (throughput counts them, as `vllm bench serve` does).
    #[arg(long, default_value_t = 0)]
    pub warmup: u64,
    /// Seed of the run: the same seed gives the same requests and the same answer.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// TTFT target for goodput, seconds.
    #[arg(long, value_name = "S")]
    pub slo_ttft: Option<f64>,
    /// TPOT target for goodput, seconds.
    #[arg(long, value_name = "S")]
    pub slo_tpot: Option<f64>,
    /// Speculative decoding: draft tokens per step (DeepSeek MTP or an EAGLE-style draft,
    /// priced as one layer's pass per draft token).
    #[arg(long, value_name = "K", requires = "acceptance")]
    pub speculative_tokens: Option<u32>,
    /// Probability that a draft token is accepted, given the ones before it were.
    #[arg(long, value_name = "A", requires = "speculative_tokens")]
    pub acceptance: Option<f64>,
    /// Serve prompts and generation in separate pools of chips (with --prefill-chips and
    /// --decode-chips); each pool uses --tp/--pp/--ep, with as many replicas as fill it.
    #[arg(long, requires_all = ["prefill_chips", "decode_chips"])]
    pub disaggregate: bool,
    /// Chips of the prefill pool.
    #[arg(long, value_name = "N", requires = "disaggregate")]
    pub prefill_chips: Option<u32>,
    /// Chips of the decode pool.
    #[arg(long, value_name = "M", requires = "disaggregate")]
    pub decode_chips: Option<u32>,
    /// Write the per-step timeline (time, batch, prefill and decode tokens, step time, KV use)
    /// to this file: an SVG chart if it ends in .svg, CSV otherwise.
    #[arg(long, value_name = "FILE")]
    pub timeline: Option<std::path::PathBuf>,
}
