//! Chips side by side on a suite of workloads, with ratios to the first chip and cost.
//!
//! The suite answers "is chip X really N% of chip Y?" workload by workload: a training step,
//! a long prefill, decoding at batch 1 and 64, decoding at the largest batch that fits, and a
//! long-context decode. Each row holds the value per chip, its ratio to the first chip (oriented
//! so that > 1 is better, for times and rates alike), what bounds it, and for throughput rows the
//! dollars per million tokens. Spec rows put the datasheet numbers beside them.
//!
//! `suite` holds the inference workloads and the layout they run on, `specs` the datasheet rows.

mod specs;
mod suite;

pub use specs::spec_rows;

use crate::cost::{per_million_tokens, run_cost, CostAssumptions};
use suite::{infer_layout, inference_suite, Infer, Measure};
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::model::Model;
use xpuscope_model::units::TokensPerSecond;
use xpuscope_perf::breakdown::Bound;
use xpuscope_perf::efficiency::Efficiency;
use xpuscope_perf::engine::Engine;
use xpuscope_perf::infer::{Batch, InferConfig};
use xpuscope_perf::search::{self, Fixed, Space};
use xpuscope_perf::train::Trainer;

/// What the suite runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareConfig {
    /// Chips serving inference (one node by default: 8).
    pub infer_chips: u32,
    /// Chips for the training step (default 64).
    pub train_chips: u32,
    /// Weight precision for inference (default FP8; chips without it fall back).
    pub weights: Precision,
    /// Training precision (default BF16).
    pub train_precision: Precision,
    /// Tokens of the training run priced on the train row (default 1e12).
    pub train_tokens: f64,
    /// Serving-engine behaviour.
    pub engine: Engine,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            infer_chips: 8,
            train_chips: 64,
            weights: Precision::Fp8,
            train_precision: Precision::Bf16,
            train_tokens: 1e12,
            engine: Engine::Modern,
        }
    }
}

/// Whether larger values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Rates, capacities.
    Higher,
    /// Times, prices.
    Lower,
}

/// The unit of a row's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Seconds (TTFT, TPOT).
    Seconds,
    /// Output tokens per second of the deployment.
    TokensPerSecond,
    /// Training tokens per second per chip.
    TokensPerSecondPerChip,
    /// Dense TFLOPS.
    Tflops,
    /// GiB of memory.
    Gib,
    /// GB/s (decimal).
    GbPerSecond,
    /// Watts.
    Watts,
    /// US dollars.
    Usd,
}

impl Unit {
    /// The unit as a JSON field suffix (`s`, `tokens_per_s`, `gb_per_s`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::TokensPerSecond => "tokens_per_s",
            Unit::TokensPerSecondPerChip => "tokens_per_s_per_chip",
            Unit::Tflops => "tflops",
            Unit::Gib => "gib",
            Unit::GbPerSecond => "gb_per_s",
            Unit::Watts => "w",
            Unit::Usd => "usd",
        }
    }
}

/// What a row measures, which decides what its cost means and which notes a reader needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// The training row: its cost is the whole run's, its note the best layout.
    Train,
    /// A latency (TTFT or TPOT): its cost is per million output tokens; notes only explain a
    /// missing value.
    Latency,
    /// Throughput at the largest batch that fits: cost per million output tokens, note the batch.
    Throughput,
    /// A datasheet figure: notes say where a figure is missing or stands in for another.
    Spec,
}

impl RowKind {
    /// Whether a cell's note is worth showing beside a value (it always is beside a missing one).
    pub fn notes_matter(self) -> bool {
        !matches!(self, RowKind::Latency)
    }
}

/// One chip's entry in a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The value, in the row's unit; `None` when it cannot be computed (see `note`).
    pub value: Option<f64>,
    /// Performance relative to the first chip (> 1 is better).
    pub ratio: Option<f64>,
    /// What bounds it, for workload rows.
    pub bound: Option<Bound>,
    /// Dollars per million output tokens (decode rows) or per training run (train row).
    pub cost: Option<f64>,
    /// Why there is no value, or a caveat.
    pub note: Option<String>,
}

/// One workload or spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Stable id (`train`, `prefill`, `decode-bs1`, ...; `spec:bf16`, ...).
    pub id: String,
    /// What a person reads.
    pub workload: String,
    /// The metric and its unit.
    pub metric: String,
    /// The unit of the values.
    pub unit: Unit,
    /// What the row measures.
    pub kind: RowKind,
    /// Orientation.
    pub better: Better,
    /// One per chip, in the order given.
    pub cells: Vec<Cell>,
    /// The setting used (layout, lengths), for a person.
    pub setting: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Chip ids, first is the reference.
    pub chips: Vec<String>,
    /// Model id.
    pub model: String,
    /// Workload rows.
    pub workloads: Vec<Row>,
    /// Spec rows.
    pub specs: Vec<Row>,
    /// Fallbacks and priors behind the rows (precision fallbacks, uncalibrated vendors, missing
    /// network figures), prefixed with the chip id.
    pub notes: Vec<String>,
    /// Whether the model is a mixture of experts (the regime its error bars come from).
    pub moe: bool,
}

fn ratio(better: Better, first: Option<f64>, v: Option<f64>) -> Option<f64> {
    match (first, v) {
        (Some(f), Some(v)) if f > 0.0 && v > 0.0 => Some(match better {
            Better::Higher => v / f,
            Better::Lower => f / v,
        }),
        _ => None,
    }
}

fn finish(mut row: Row) -> Row {
    let first = row.cells.first().and_then(|c| c.value);
    for c in &mut row.cells {
        c.ratio = ratio(row.better, first, c.value);
    }
    row
}

fn cell(value: Option<f64>, bound: Option<Bound>, cost: Option<f64>, note: Option<String>) -> Cell {
    Cell {
        value,
        ratio: None,
        bound,
        cost,
        note,
    }
}

/// Requests in flight in the serving row: a busy interactive deployment.
const SERVE_CONCURRENCY: u64 = 64;
/// Requests the serving row serves: ten per slot, enough for a steady state.
const SERVE_REQUESTS: u64 = 10 * SERVE_CONCURRENCY;
/// Prompt and output tokens of the serving row (as the decode max-throughput row).
const SERVE_LENGTH: u32 = 1024;

/// Output tokens per second of the deployment under continuous batching: vLLM's scheduler, a
/// closed loop at [`SERVE_CONCURRENCY`], 1k in and 1k out.
fn serving_row(
    chips: &[&Chip],
    model: &Model,
    cfg: &CompareConfig,
    layout: xpuscope_perf::layout::Layout,
    costs: &CostAssumptions,
    lay: &str,
) -> Row {
    use xpuscope_serve::{simulate, Arrivals, EngineKind, Lengths, ServeConfig};
    let shared = std::sync::Arc::new(model.clone());
    let cells = chips
        .iter()
        .map(|chip| {
            let sc = ServeConfig::new(
                InferConfig {
                    layout,
                    precisions: xpuscope_perf::precision::Precisions::for_weights(cfg.weights),
                    engine: cfg.engine,
                    ..InferConfig::new(u64::from(SERVE_LENGTH), u64::from(SERVE_LENGTH))
                },
                EngineKind::Vllm.defaults_for(chip, model, &layout),
                Arrivals::Closed {
                    concurrency: SERVE_CONCURRENCY,
                },
                Lengths {
                    input: SERVE_LENGTH,
                    output: SERVE_LENGTH,
                    range: 1.0,
                },
                SERVE_REQUESTS,
            );
            match simulate(chip, std::sync::Arc::clone(&shared), &sc) {
                Ok(r) => {
                    // Host-bound time counts as overhead: the kernels wait on fixed costs.
                    let bound = r.replica.bound_time.dominant().unwrap_or(Bound::Overhead);
                    let cost = costs.chip_hour(chip).ok().map(|h| {
                        per_million_tokens(&h, layout.chips(), r.output_tokens_per_s).get()
                    });
                    cell(
                        Some(r.output_tokens_per_s.get()),
                        Some(bound),
                        cost,
                        Some(format!(
                            "TTFT p50 {:.0} ms, TPOT p50 {:.1} ms, {} preemptions",
                            r.replica.ttft.p50 * 1e3,
                            r.replica.tpot.p50 * 1e3,
                            r.replica.preemptions
                        )),
                    )
                }
                Err(e) => cell(None, None, None, Some(e.to_string())),
            }
        })
        .collect();
    Row {
        id: "serve-c64".into(),
        workload: format!("serving, concurrency {SERVE_CONCURRENCY} (vLLM)"),
        metric: "output tokens/s per node".into(),
        unit: Unit::TokensPerSecond,
        kind: RowKind::Throughput,
        better: Better::Higher,
        cells,
        setting: format!(
            "{lay}, {SERVE_LENGTH} in / {SERVE_LENGTH} out, closed loop of {SERVE_CONCURRENCY}, {SERVE_REQUESTS} requests, vLLM V1 scheduler and defaults"
        ),
    }
}

/// Runs the suite on `chips` (the first is the reference).
pub fn compare(
    chips: &[&Chip],
    model: &Model,
    cfg: &CompareConfig,
    eff: &Efficiency,
    costs: &CostAssumptions,
) -> Comparison {
    let layout = infer_layout(model, cfg.infer_chips);
    let inf = Infer {
        model,
        cfg,
        eff,
        layout,
    };
    // Cost is for the chips the layout uses.
    let n = layout.chips();
    let lay = format!(
        "{n} chips (tp {}, dp {}, ep {}), {} weights",
        layout.tp, layout.dp, layout.ep, cfg.weights
    );
    let long_ctx = 32768.min(model.max_context.saturating_sub(1024)).max(2048);

    let mut workloads = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // Training: the best layout on the same number of chips.
    let (seq, gb) = (4096u64, 4 * u64::from(cfg.train_chips));
    let mut train_cells = Vec::new();
    for chip in chips {
        let c = match Trainer::new(chip, model, cfg.train_precision, seq, eff) {
            Err(e) => cell(None, None, None, Some(e.to_string())),
            Ok(t) if cfg.train_chips > 1 && t.hardware().require_link().is_err() => {
                let e = t.hardware().require_link().unwrap_err();
                cell(None, None, None, Some(e.to_string()))
            }
            Ok(t) => {
                let space = Space {
                    chips: cfg.train_chips,
                    seq_len: seq,
                    global_batch: gb,
                    precision: cfg.train_precision,
                    usable_fraction: xpuscope_perf::USABLE_MEMORY_FRACTION,
                    fixed: Fixed::default(),
                };
                let out = search::search(&t, &space, None);
                match out.best() {
                    Some(b) => {
                        let per_chip = b.tokens_per_s.get() / f64::from(cfg.train_chips);
                        let run = costs.chip_hour(chip).ok().map(|h| {
                            run_cost(
                                &h,
                                cfg.train_chips,
                                b.tokens_per_s.time_for(cfg.train_tokens),
                            )
                            .get()
                        });
                        cell(
                            Some(per_chip),
                            Some(b.parts.bound()),
                            run,
                            Some(format!(
                                "{}, MFU {:.0}%",
                                b.config.layout.label(),
                                b.mfu * 100.0
                            )),
                        )
                    }
                    None => cell(
                        None,
                        None,
                        None,
                        Some(format!("does not fit on {} chips", cfg.train_chips)),
                    ),
                }
            }
        };
        train_cells.push(c);
    }
    workloads.push(finish(Row {
        id: "train".into(),
        workload: "train (best layout)".into(),
        metric: "tokens/s per chip".into(),
        unit: Unit::TokensPerSecondPerChip,
        kind: RowKind::Train,
        better: Better::Higher,
        cells: train_cells,
        setting: format!(
            "{} chips, seq {seq}, {gb} sequences per step, {}; cost is for {:.0e} tokens",
            cfg.train_chips, cfg.train_precision, cfg.train_tokens
        ),
    }));

    // Inference rows, in the order they are shown.
    for w in inference_suite(long_ctx, u64::from(layout.dp)) {
        let mut cells = Vec::new();
        for chip in chips {
            let c = match inf.run(chip, w.input, w.output, w.batch) {
                Ok(r) => {
                    notes.extend(r.notes.iter().map(|n| format!("{}: {n}", chip.id)));
                    let price = |tokens_per_s: TokensPerSecond| {
                        costs
                            .chip_hour(chip)
                            .ok()
                            .map(|h| per_million_tokens(&h, n, tokens_per_s).get())
                    };
                    match w.measure {
                        Measure::Ttft => {
                            cell(Some(r.ttft.get()), Some(r.prefill.bound()), None, None)
                        }
                        Measure::Tpot => cell(
                            Some(r.tpot.get()),
                            Some(r.decode.bound()),
                            price(TokensPerSecond::new(r.batch as f64 / r.tpot.get())),
                            None,
                        ),
                        Measure::Throughput => cell(
                            Some(r.output_tokens_per_s.get()),
                            Some(r.decode.bound()),
                            price(r.output_tokens_per_s),
                            Some(format!("batch {}", r.batch)),
                        ),
                    }
                }
                Err(e) => cell(None, None, None, Some(e)),
            };
            cells.push(c);
        }
        let throughput = w.measure == Measure::Throughput;
        workloads.push(finish(Row {
            id: w.id.into(),
            workload: w.name,
            metric: w.metric.into(),
            unit: if throughput {
                Unit::TokensPerSecond
            } else {
                Unit::Seconds
            },
            kind: if throughput {
                RowKind::Throughput
            } else {
                RowKind::Latency
            },
            better: if throughput {
                Better::Higher
            } else {
                Better::Lower
            },
            cells,
            setting: match w.batch {
                Batch::Max => format!(
                    "{lay}, {} in / {} out, batch up to {}",
                    w.input,
                    w.output,
                    InferConfig::new(w.input, w.output).max_batch
                ),
                Batch::Fixed(_) => format!("{lay}, {} in / {} out", w.input, w.output),
            },
        }));
    }

    // Serving: the same deployment under continuous batching, as vLLM schedules it.
    workloads.push(finish(serving_row(chips, model, cfg, layout, costs, &lay)));

    // Fallbacks and priors the rows rest on, once each, in the order met.
    let mut seen = std::collections::BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    Comparison {
        chips: chips.iter().map(|c| c.id.clone()).collect(),
        model: model.id.clone(),
        workloads,
        specs: spec_rows(chips, costs),
        notes,
        moe: model.moe.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xpuscope_model::catalog::Catalog;

    fn run(ids: &[&str], model: &str) -> Comparison {
        let cat = Catalog::builtin().unwrap();
        let chips: Vec<&Chip> = ids.iter().map(|i| cat.chip(i).unwrap()).collect();
        compare(
            &chips,
            cat.model(model).unwrap(),
            &CompareConfig::default(),
            &Efficiency::default(),
            &CostAssumptions::default(),
        )
    }

    fn row<'a>(c: &'a Comparison, id: &str) -> &'a Row {
        c.workloads
            .iter()
            .chain(c.specs.iter())
            .find(|r| r.id == id)
            .unwrap()
    }

    /// The done-means: far behind on train and prefill (near the compute ratio), at or
    /// ahead on memory-bound decode.
    #[test]
    fn h20_against_h100() {
        let c = run(&["h100-sxm", "h20"], "llama-3.1-70b");
        let r = |id| row(&c, id).cells[1].ratio.unwrap();
        let compute = r("spec:bf16");
        assert!((compute - 0.15).abs() < 0.01, "{compute}");
        assert!(r("train") < 0.3 && r("train") > 0.1, "train {}", r("train"));
        assert!(
            r("prefill") < 0.3 && r("prefill") > 0.1,
            "prefill {}",
            r("prefill")
        );
        assert!(r("decode-bs1") >= 0.95, "decode bs1 {}", r("decode-bs1"));
        // Batch-1 decode on 8 chips is bound by memory or fixed per-kernel time, never compute.
        assert!(matches!(
            row(&c, "decode-bs1").cells[1].bound,
            Some(Bound::Memory | Bound::Overhead)
        ));
        // At batch 64 an H100 still streams weights, but the H20's ridge point (~56 FLOP/byte
        // achievable) is below a batch-64 FP8 GEMM's intensity (128): it turns compute-bound.
        assert_ne!(row(&c, "decode-bs64").cells[0].bound, Some(Bound::Compute));
        assert_eq!(row(&c, "decode-bs64").cells[1].bound, Some(Bound::Compute));
        assert_eq!(row(&c, "prefill").cells[1].bound, Some(Bound::Compute));
        // The first chip is the reference.
        assert!(c
            .workloads
            .iter()
            .all(|w| w.cells[0].ratio.is_none_or(|x| (x - 1.0).abs() < 1e-12)));
    }

    #[test]
    fn the_inference_layout_uses_every_chip_it_prices() {
        let cat = Catalog::builtin().unwrap();
        let m = cat.model("llama-3.1-70b").unwrap();
        for n in [1, 2, 3, 6, 8, 12] {
            let l = infer_layout(m, n);
            assert_eq!(l.chips(), n, "{l:?}");
            assert!(xpuscope_perf::check_layout(m, &l).is_ok(), "{l:?}");
        }
        let moe = cat.model("deepseek-v3").unwrap();
        let l = infer_layout(moe, 8);
        assert_eq!((l.tp, l.ep), (8, 8));
    }

    #[test]
    fn times_and_rates_are_oriented_the_same_way() {
        assert_eq!(ratio(Better::Lower, Some(2.0), Some(1.0)), Some(2.0));
        assert_eq!(ratio(Better::Higher, Some(2.0), Some(1.0)), Some(0.5));
        assert_eq!(ratio(Better::Higher, None, Some(1.0)), None);
    }

    #[test]
    fn missing_prices_and_oversized_models_say_so() {
        let c = run(&["h100-sxm", "ascend-910b"], "llama-3.1-405b");
        let price = &row(&c, "spec:chip-hour").cells[1];
        assert!(price.value.is_none() && price.note.as_deref().unwrap().contains("no price"));
        // 405B in FP8 (405 GB of weights) plus eight 32k-token KV caches (about 136 GB) does not
        // fit one node of 8 x 64 GiB: the row says so rather than giving a number.
        let long = &row(&c, "decode-long").cells[1];
        assert_eq!(long.value, None);
        let note = long.note.as_deref().unwrap();
        assert!(note.contains("does not fit"), "{note}");
    }
}
