//! Chips side by side on a suite of workloads, with ratios to the first chip and cost.
//!
//! The suite answers "is chip X really N% of chip Y?" workload by workload: a training step,
//! a long prefill, decoding at batch 1 and 64, decoding at the largest batch that fits, and a
//! long-context decode. Each row holds the value per chip, its ratio to the first chip (oriented
//! so that > 1 is better, for times and rates alike), what bounds it, and for throughput rows the
//! dollars per million tokens. Spec rows put the datasheet numbers beside them.

use crate::cost::{per_million_tokens, run_cost, CostAssumptions};
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::model::Model;
use xpuscope_model::units::Seconds;
use xpuscope_perf::efficiency::Efficiency;
use xpuscope_perf::engine::Engine;
use xpuscope_perf::infer::{Batch, InferConfig, InferResult};
use xpuscope_perf::layout::Layout;
use xpuscope_perf::precision::Precisions;
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

/// One chip's entry in a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The value, in the row's unit; `None` when it cannot be computed (see `note`).
    pub value: Option<f64>,
    /// Performance relative to the first chip (> 1 is better).
    pub ratio: Option<f64>,
    /// What bounds it (compute, memory, communication, overhead), for workload rows.
    pub bound: Option<&'static str>,
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
    /// Unit suffix for JSON.
    pub unit: &'static str,
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

/// The inference layout on `n` chips: the largest TP that divides both `n` and the heads (and
/// suits the KV heads), data parallelism for the rest, and experts split over the largest divisor
/// of `n` that divides them.
fn infer_layout(model: &Model, n: u32) -> Layout {
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

struct Infer<'a> {
    model: &'a Model,
    cfg: &'a CompareConfig,
    eff: &'a Efficiency,
    layout: Layout,
}

impl Infer<'_> {
    fn run(
        &self,
        chip: &Chip,
        input: u64,
        output: u64,
        batch: Batch,
    ) -> Result<InferResult, String> {
        let dp = u64::from(self.layout.dp);
        let batch = match batch {
            Batch::Fixed(b) => Batch::Fixed(b.div_ceil(dp) * dp),
            b => b,
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

fn cell(
    value: Option<f64>,
    bound: Option<&'static str>,
    cost: Option<f64>,
    note: Option<String>,
) -> Cell {
    Cell {
        value,
        ratio: None,
        bound,
        cost,
        note,
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
                    usable_fraction: 0.9,
                    fixed: Fixed::default(),
                };
                let out = search::search(&t, &space, None);
                match out.best() {
                    Some(b) => {
                        let per_chip = b.tokens_per_s / f64::from(cfg.train_chips);
                        let run = costs.chip_hour(chip).ok().map(|h| {
                            run_cost(
                                &h,
                                cfg.train_chips,
                                Seconds::new(cfg.train_tokens / b.tokens_per_s),
                            )
                            .get()
                        });
                        let bound = if b.parts.comm() > b.parts.compute {
                            "communication"
                        } else {
                            "compute"
                        };
                        let l = b.config.layout;
                        cell(
                            Some(per_chip),
                            Some(bound),
                            run,
                            Some(format!(
                                "tp{} pp{} dp{} cp{} ep{}, MFU {:.0}%",
                                l.tp,
                                l.pp,
                                l.dp,
                                l.cp,
                                l.ep,
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
        unit: "tokens_per_s_per_chip",
        better: Better::Higher,
        cells: train_cells,
        setting: format!(
            "{} chips, seq {seq}, {gb} sequences per step, {}; cost is for {:.0e} tokens",
            cfg.train_chips, cfg.train_precision, cfg.train_tokens
        ),
    }));

    // Inference rows.
    struct Spec {
        id: &'static str,
        name: String,
        input: u64,
        output: u64,
        batch: Batch,
        ttft: bool,
    }
    let specs = [
        Spec {
            id: "prefill",
            name: "prefill (8k prompt, TTFT)".into(),
            input: 8192,
            output: 1,
            batch: Batch::Fixed(1),
            ttft: true,
        },
        Spec {
            id: "decode-bs1",
            name: "decode bs1 (TPOT)".into(),
            input: 1024,
            output: 256,
            batch: Batch::Fixed(1),
            ttft: false,
        },
        Spec {
            id: "decode-bs64",
            name: "decode bs64 (TPOT)".into(),
            input: 1024,
            output: 256,
            batch: Batch::Fixed(64),
            ttft: false,
        },
        Spec {
            id: "decode-long",
            name: format!("long-context decode ({}k, bs8, TPOT)", long_ctx / 1024),
            input: long_ctx,
            output: 256,
            batch: Batch::Fixed(8),
            ttft: false,
        },
    ];
    for s in &specs {
        let mut cells = Vec::new();
        for chip in chips {
            let c = match inf.run(chip, s.input, s.output, s.batch) {
                Ok(r) => {
                    notes.extend(r.notes.iter().map(|n| format!("{}: {n}", chip.id)));
                    let (v, bound) = if s.ttft {
                        (r.ttft.get(), r.prefill.bound().as_str())
                    } else {
                        (r.tpot.get(), r.decode.bound().as_str())
                    };
                    let tokens_per_s = r.batch as f64 / r.tpot.get();
                    let cost = (!s.ttft)
                        .then(|| {
                            costs
                                .chip_hour(chip)
                                .ok()
                                .map(|h| per_million_tokens(&h, n, tokens_per_s).get())
                        })
                        .flatten();
                    cell(Some(v), Some(bound), cost, None)
                }
                Err(e) => cell(None, None, None, Some(e)),
            };
            cells.push(c);
        }
        workloads.push(finish(Row {
            id: s.id.into(),
            workload: s.name.clone(),
            metric: if s.ttft {
                "TTFT (s)".into()
            } else {
                "TPOT (s)".into()
            },
            unit: "s",
            better: Better::Lower,
            cells,
            setting: format!("{lay}, {} in / {} out", s.input, s.output),
        }));
        if s.id == "decode-bs64" {
            // Throughput at the largest batch that fits, right after the fixed-batch rows.
            let mut cells = Vec::new();
            for chip in chips {
                let c = match inf.run(chip, 1024, 1024, Batch::Max) {
                    Ok(r) => {
                        notes.extend(r.notes.iter().map(|n| format!("{}: {n}", chip.id)));
                        let cost = costs
                            .chip_hour(chip)
                            .ok()
                            .map(|h| per_million_tokens(&h, n, r.output_tokens_per_s).get());
                        cell(
                            Some(r.output_tokens_per_s),
                            Some(r.decode.bound().as_str()),
                            cost,
                            Some(format!("batch {}", r.batch)),
                        )
                    }
                    Err(e) => cell(None, None, None, Some(e)),
                };
                cells.push(c);
            }
            workloads.push(finish(Row {
                id: "decode-max".into(),
                workload: "decode max-throughput".into(),
                metric: "output tokens/s per node".into(),
                unit: "tokens_per_s",
                better: Better::Higher,
                cells,
                setting: format!("{lay}, 1024 in / 1024 out, batch up to 2048"),
            }));
        }
    }

    // Fallbacks and priors the rows rest on, once each, in the order met.
    let mut seen = std::collections::BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    Comparison {
        chips: chips.iter().map(|c| c.id.clone()).collect(),
        model: model.id.clone(),
        workloads,
        specs: spec_rows(chips, costs),
        notes,
    }
}

/// Datasheet rows: dense BF16 and FP8, memory, bandwidth, scale-up, TDP, price, $/chip-hour.
pub fn spec_rows(chips: &[&Chip], costs: &CostAssumptions) -> Vec<Row> {
    type Get = fn(&Chip) -> Option<f64>;
    let rows: [(&str, &str, &str, &'static str, Better, Get); 8] = [
        (
            "spec:bf16",
            "dense BF16",
            "TFLOPS",
            "tflops",
            Better::Higher,
            |c| {
                c.peak(Precision::Bf16)
                    .or(c.peak(Precision::Fp16))
                    .map(|f| f.tflops())
            },
        ),
        (
            "spec:fp8",
            "dense FP8",
            "TFLOPS",
            "tflops",
            Better::Higher,
            |c| c.peak(Precision::Fp8).map(|f| f.tflops()),
        ),
        (
            "spec:memory",
            "memory capacity",
            "GiB",
            "gib",
            Better::Higher,
            |c| c.capacity().map(|b| b.gib()),
        ),
        (
            "spec:bandwidth",
            "memory bandwidth",
            "GB/s",
            "gb_per_s",
            Better::Higher,
            |c| c.bandwidth().map(|b| b.gbs()),
        ),
        (
            "spec:scale-up",
            "scale-up bandwidth (bidirectional)",
            "GB/s",
            "gb_per_s",
            Better::Higher,
            |c| {
                c.scale_up
                    .as_ref()
                    .and_then(|s| s.bidirectional_bandwidth())
                    .map(|b| b.gbs())
            },
        ),
        ("spec:tdp", "TDP", "W", "w", Better::Lower, |c| {
            c.tdp.as_ref().map(|t| t.value.get())
        }),
        ("spec:price", "price", "$", "usd", Better::Lower, |c| {
            c.price.as_ref().map(|p| p.value.get())
        }),
        (
            "spec:chip-hour",
            "cost per chip-hour",
            "$",
            "usd",
            Better::Lower,
            |_| None,
        ),
    ];
    rows.iter()
        .map(|(id, name, unit_text, unit, better, get)| {
            let cells = chips
                .iter()
                .map(|c| {
                    if *id == "spec:chip-hour" {
                        match costs.chip_hour(c) {
                            Ok(h) => cell(Some(h.total().get()), None, None, None),
                            Err(e) => cell(None, None, None, Some(e.to_string())),
                        }
                    } else {
                        let v = get(c);
                        let note = if v.is_none() {
                            Some("unknown (no source)".to_string())
                        } else if *id == "spec:bf16" && c.peak(Precision::Bf16).is_none() {
                            Some("FP16 figure: no BF16 figure in the catalogue".to_string())
                        } else {
                            None
                        };
                        cell(v, None, None, note)
                    }
                })
                .collect();
            finish(Row {
                id: (*id).into(),
                workload: (*name).into(),
                metric: (*unit_text).into(),
                unit,
                better: *better,
                cells,
                setting: String::new(),
            })
        })
        .collect()
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
            Some("memory" | "overhead")
        ));
        // At batch 64 an H100 still streams weights, but the H20's ridge point (~56 FLOP/byte
        // achievable) is below a batch-64 FP8 GEMM's intensity (128): it turns compute-bound.
        assert_ne!(row(&c, "decode-bs64").cells[0].bound, Some("compute"));
        assert_eq!(row(&c, "decode-bs64").cells[1].bound, Some("compute"));
        assert_eq!(row(&c, "prefill").cells[1].bound, Some("compute"));
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
        // 405B in FP8 does not fit one 8 x 64 GiB node for long contexts, say so rather than a number.
        let long = &row(&c, "decode-long").cells[1];
        assert!(long.value.is_some() || long.note.is_some());
    }
}
