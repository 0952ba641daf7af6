//! `train`: one training layout, or the search over every valid layout, as a view and its text.
//!
//! [`TrainJob`] resolves the options and prepares the evaluation, so a front end can size a
//! progress bar before it runs; [`TrainJob::run`] returns the view or why nothing fits. It
//! deliberately does no physics: step times, memory and MFU are the library's.

use std::sync::atomic::AtomicU64;

use serde::Serialize;
use xpuscope_analysis::cost::{CostAssumptions, RunBudget};
use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_perf::search::{self, Space};
use xpuscope_perf::train::{TrainResult, Trainer};
use xpuscope_perf::Efficiency;

use super::cost::describe;
use super::error_bar::ErrorBarView;
use crate::error::{Error, Result};
use crate::options::{TrainOptions, TrainPlan, TrainWhat};
use crate::table::{bytes, duration, num, sig, Align, Table};

/// Parallel degrees and memory-saving choices of a training layout.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrainLayoutView {
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Virtual stages per pipeline stage.
    pub vp: u32,
    /// Context-parallel degree.
    pub cp: u32,
    /// Data-parallel replicas.
    pub dp: u32,
    /// Expert-parallel degree.
    pub ep: u32,
    /// ZeRO stage.
    pub zero: u8,
    /// Recomputation.
    pub recompute: &'static str,
    /// Sequences per micro-batch per replica.
    pub micro_batch: u64,
}

/// Memory per chip during training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrainMemoryView {
    /// 16-bit weights.
    pub weights_bytes: f64,
    /// Gradients.
    pub gradients_bytes: f64,
    /// FP32 master weights and optimizer moments.
    pub optimizer_bytes: f64,
    /// Stored activations.
    pub activations_bytes: f64,
    /// Capacity times the usable fraction.
    pub usable_bytes: f64,
}

/// Where a step's time goes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StepPartsView {
    /// Forward and backward compute.
    pub compute: f64,
    /// Recomputation.
    pub recompute: f64,
    /// Tensor-parallel collectives.
    pub tp_comm: f64,
    /// Expert-parallel all-to-all.
    pub ep_comm: f64,
    /// Exposed context-parallel exchange.
    pub cp_comm: f64,
    /// Pipeline transfers.
    pub pp_comm: f64,
    /// Pipeline bubble.
    pub bubble: f64,
    /// Exposed data-parallel synchronisation.
    pub dp_comm: f64,
    /// Optimizer step.
    pub optimizer: f64,
}

/// One evaluated training layout.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrainResultView {
    /// The layout.
    pub layout: TrainLayoutView,
    /// Chips.
    pub chips: u32,
    /// Time of one optimizer step.
    pub step_time_s: f64,
    /// Training tokens per second, all chips.
    pub tokens_per_s: f64,
    /// The same per chip.
    pub tokens_per_s_per_chip: f64,
    /// Model FLOPs utilisation against dense BF16 peak, 0-1.
    pub mfu: f64,
    /// Hardware FLOPs utilisation (recomputation included), 0-1.
    pub hfu: f64,
    /// Micro-batches per replica per step.
    pub micro_batches: u64,
    /// Share of the step the pipeline idles, 0-1.
    pub bubble_fraction: f64,
    /// Everything one chip holds.
    pub memory_per_chip_bytes: f64,
    /// What it holds.
    pub memory: TrainMemoryView,
    /// Whether it fits in the usable memory.
    pub fits: bool,
    /// Where the step's time goes, in seconds.
    pub step_parts_s: StepPartsView,
    /// The layout as a label.
    #[serde(skip)]
    pub label: String,
    /// Bytes over the usable memory, where it does not fit.
    #[serde(skip)]
    pub overflow_bytes: f64,
    /// Share of the step in exposed communication.
    #[serde(skip)]
    pub comm_share: f64,
}

impl TrainResultView {
    /// The view of one result.
    pub fn new(r: &TrainResult) -> TrainResultView {
        let c = &r.config;
        let p = &r.parts;
        let m = &r.memory;
        TrainResultView {
            layout: TrainLayoutView {
                tp: c.layout.tp,
                pp: c.layout.pp,
                vp: c.vp,
                cp: c.layout.cp,
                dp: c.layout.dp,
                ep: c.layout.ep,
                zero: c.zero,
                recompute: c.recompute.as_str(),
                micro_batch: c.micro_batch,
            },
            chips: c.chips,
            step_time_s: r.step_time.get(),
            tokens_per_s: r.tokens_per_s.get(),
            tokens_per_s_per_chip: r.tokens_per_s_per_chip().get(),
            mfu: r.mfu,
            hfu: r.hfu,
            micro_batches: r.micro_batches,
            bubble_fraction: r.bubble_fraction,
            memory_per_chip_bytes: m.total().get(),
            memory: TrainMemoryView {
                weights_bytes: m.weights.get(),
                gradients_bytes: m.gradients.get(),
                optimizer_bytes: m.optimizer.get(),
                activations_bytes: m.activations.get(),
                usable_bytes: m.usable.get(),
            },
            fits: m.fits(),
            step_parts_s: StepPartsView {
                compute: p.compute.get(),
                recompute: p.recompute.get(),
                tp_comm: p.tp_comm.get(),
                ep_comm: p.ep_comm.get(),
                cp_comm: p.cp_comm.get(),
                pp_comm: p.pp_comm.get(),
                bubble: p.bubble.get(),
                dp_comm: p.dp_comm.get(),
                optimizer: p.optimizer.get(),
            },
            label: c.label(),
            overflow_bytes: (m.total() - m.usable).get(),
            comm_share: r.parts.comm().get() / r.step_time.get(),
        }
    }

    /// The step, its memory and where its time goes, for people.
    fn text(&self) -> String {
        let p = &self.step_parts_s;
        let step = self.step_time_s;
        let mut t = Table::new(&[
            ("part of the step", Align::Left),
            ("time", Align::Right),
            ("share", Align::Right),
        ]);
        for (name, v) in [
            ("forward + backward compute", p.compute),
            ("recomputation", p.recompute),
            ("tensor-parallel collectives", p.tp_comm),
            ("expert-parallel all-to-all", p.ep_comm),
            ("context-parallel exchange (exposed)", p.cp_comm),
            ("pipeline transfers", p.pp_comm),
            ("pipeline bubble", p.bubble),
            ("data-parallel sync (exposed)", p.dp_comm),
            ("optimizer", p.optimizer),
        ] {
            if v > 0.0 {
                t.row(vec![
                    name.to_string(),
                    duration(v),
                    format!("{:.1}%", 100.0 * v / step),
                ]);
            }
        }
        let m = &self.memory;
        let mut out = format!(
            "  step time   {}   ({} micro-batches per replica)\n  throughput  {} tokens/s ({} per chip)\n  MFU         {:.1}% of dense BF16 peak (HFU {:.1}%)\n  memory      {} per chip of {} usable: weights {}, gradients {}, optimizer {}, activations {} ({})\n\n",
            duration(step),
            self.micro_batches,
            num(self.tokens_per_s, 0),
            num(self.tokens_per_s_per_chip, 0),
            self.mfu * 100.0,
            self.hfu * 100.0,
            bytes(self.memory_per_chip_bytes),
            bytes(m.usable_bytes),
            bytes(m.weights_bytes),
            bytes(m.gradients_bytes),
            bytes(m.optimizer_bytes),
            bytes(m.activations_bytes),
            if self.fits { "fits".to_string() } else { format!("DOES NOT FIT by {}", bytes(self.overflow_bytes)) }
        );
        out.push_str(&t.render());
        if self.comm_share > 0.4 {
            out.push_str(&format!(
                "\ncommunication dominates: {:.0}% of the step is exposed transfer time\n",
                self.comm_share * 100.0
            ));
        }
        out
    }
}

/// Time, chip-hours and cost to train a number of tokens.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BudgetView {
    /// Tokens of the run.
    pub tokens: f64,
    /// Wall time.
    pub time_s: f64,
    /// The same in days.
    pub days: f64,
    /// Chips times hours.
    pub chip_hours: f64,
    /// Dollars, where the chip is priced.
    pub cost_usd: Option<f64>,
    /// The cost in words (or why it is unknown).
    #[serde(skip)]
    cost_text: String,
}

impl BudgetView {
    /// The view of a run budget.
    pub fn new(b: &RunBudget, chips: u32) -> BudgetView {
        let cost = b.cost(chips);
        let cost_text = match (&b.chip_hour, cost) {
            (Ok(h), Some(c)) => format!(
                "${} at ${:.2} per chip-hour",
                num(c.get(), 0),
                h.total().get()
            ),
            (Err(e), _) => format!("unknown: {e}"),
            (Ok(_), None) => "unknown".to_string(),
        };
        BudgetView {
            tokens: b.tokens,
            time_s: b.time.get(),
            days: b.time.days(),
            chip_hours: b.chip_hours,
            cost_usd: cost.map(xpuscope_model::units::Dollars::get),
            cost_text,
        }
    }

    fn text(&self) -> String {
        format!(
            "to train {} tokens: {} days, {} chip-hours, cost {}\n",
            sig(self.tokens / 1e12) + "T",
            sig(self.days),
            num(self.chip_hours, 0),
            self.cost_text
        )
    }
}

/// One training answer (`xpuscope train`, `POST /api/train`): one layout, or a search.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum TrainView {
    /// The layout the options name.
    Layout(LayoutAnswer),
    /// The best layouts of a search.
    Search(SearchAnswer),
}

/// What every training answer carries besides its results.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrainContext {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Time and cost of the run, where `tokens` was given.
    pub to_train: Option<BudgetView>,
    /// Fallbacks, priors and what MFU counts.
    pub notes: Vec<String>,
    /// How far measured training runs of the same kind have been from the model, on the
    /// throughput of the best (or only) layout.
    pub error_bar: Option<ErrorBarView>,
    /// The header line of the text.
    #[serde(skip)]
    header: String,
    /// The cost assumptions, for the text.
    #[serde(skip)]
    costs: CostAssumptions,
}

/// One layout, evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LayoutAnswer {
    /// Chip, model, budget and notes.
    #[serde(flatten)]
    pub context: TrainContext,
    /// The layout's result.
    #[serde(flatten)]
    pub result: TrainResultView,
}

/// What a layout search found. The contract's headline fields describe the best layout.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SearchAnswer {
    /// Chip, model, budget and notes.
    #[serde(flatten)]
    pub context: TrainContext,
    /// Chips.
    pub chips: u32,
    /// Layouts evaluated.
    pub layouts_evaluated: u64,
    /// Layouts that fit in memory.
    pub layouts_fitting: u64,
    /// Wall time of the search.
    pub search_time_s: f64,
    /// The fastest layout that fits.
    pub best: TrainResultView,
    /// The fastest layouts, best first.
    pub top: Vec<TrainResultView>,
    /// The best layout's step time.
    pub step_time_s: f64,
    /// The best layout's tokens per second, all chips.
    pub tokens_per_s: f64,
    /// The same per chip.
    pub tokens_per_s_per_chip: f64,
    /// The best layout's model FLOPs utilisation, 0-1.
    pub mfu: f64,
    /// The best layout's memory per chip.
    pub memory_per_chip_bytes: f64,
    /// Always true: the best layout is the fastest that fits.
    pub fits: bool,
}

/// A resolved training question, ready to run.
pub struct TrainJob<'a> {
    chip: &'a Chip,
    model: &'a Model,
    plan: TrainPlan,
    trainer: Trainer<'a>,
    space: Option<Space>,
}

impl<'a> TrainJob<'a> {
    /// Resolves the options and checks the layout (or the search space) before anything runs.
    pub fn new(chip: &'a Chip, model: &'a Model, o: &TrainOptions) -> Result<TrainJob<'a>> {
        let plan = o.resolve()?;
        let trainer = Trainer::new(
            chip,
            model,
            plan.precision,
            plan.seq_len,
            &Efficiency::default(),
        )?;
        let space = match &plan.what {
            TrainWhat::Single(cfg) => {
                trainer.check(cfg)?;
                None
            }
            TrainWhat::Search(fixed) => {
                let s = Space {
                    chips: plan.chips,
                    seq_len: plan.seq_len,
                    global_batch: plan.global_batch,
                    precision: plan.precision,
                    usable_fraction: plan.usable_fraction,
                    fixed: *fixed,
                };
                s.check()?;
                if plan.chips > 1 {
                    trainer.hardware().require_link()?;
                }
                Some(s)
            }
        };
        Ok(TrainJob {
            chip,
            model,
            plan,
            trainer,
            space,
        })
    }

    /// Units of work the run reports through its progress counter (0 without a search).
    pub fn work(&self) -> u64 {
        self.space
            .as_ref()
            .map_or(0, |s| search::group_count(&self.trainer, s))
    }

    /// Runs the evaluation or the search, counting finished work in `progress`.
    pub fn run(&self, progress: Option<&AtomicU64>) -> Result<TrainView> {
        let plan = &self.plan;
        let (model, chip) = (self.model, self.chip);
        let mut notes: Vec<String> = self.trainer.notes().to_vec();
        notes.extend(self.trainer.hardware().network_note(plan.chips));
        notes.extend(self.trainer.hardware().power_note());
        notes.push("MFU counts 6 x active parameters per token plus 6 x layers x heads x head_dim x seq_len for causal attention, against dense BF16 peak".into());
        let header = format!(
            "{} on {} x {}, {} training, seq {}, global batch {} sequences ({} tokens per step)\n",
            model.id,
            plan.chips,
            chip.id,
            plan.precision,
            plan.seq_len,
            plan.global_batch,
            num(plan.global_batch as f64 * plan.seq_len as f64, 0)
        );
        let budget = |r: &TrainResult| {
            plan.tokens.map(|t| {
                BudgetView::new(
                    &RunBudget::new(chip, plan.chips, r.tokens_per_s, t, &plan.costs),
                    plan.chips,
                )
            })
        };
        let context = |r: &TrainResult| TrainContext {
            chip: chip.id.clone(),
            model: model.id.clone(),
            to_train: budget(r),
            notes: notes.clone(),
            error_bar: ErrorBarView::new(
                "training",
                None,
                model.moe.is_some(),
                "tokens_per_s",
                r.tokens_per_s.get(),
            ),
            header: header.clone(),
            costs: plan.costs,
        };
        match (&plan.what, &self.space) {
            (TrainWhat::Single(cfg), _) => {
                let r = self.trainer.evaluate(cfg);
                if !r.memory.fits() {
                    // A step time for a layout that cannot run is not an answer.
                    return Err(Error::NoAnswer(format!(
                        "`{}` on {} x {} with {} does not fit: it needs {} per chip of {} usable ({} short); add --search to find a layout that fits, or raise --tp, --pp or --zero",
                        model.id,
                        plan.chips,
                        chip.id,
                        cfg.label(),
                        bytes(r.memory.total().get()),
                        bytes(r.memory.usable.get()),
                        bytes((r.memory.total() - r.memory.usable).get())
                    )));
                }
                Ok(TrainView::Layout(LayoutAnswer {
                    context: context(&r),
                    result: TrainResultView::new(&r),
                }))
            }
            (TrainWhat::Search(_), Some(space)) => {
                let start = std::time::Instant::now();
                let outcome = search::search(&self.trainer, space, progress);
                let elapsed = start.elapsed().as_secs_f64();
                let Some(best) = outcome.best() else {
                    return Err(self.nothing_fits(space, &outcome));
                };
                Ok(TrainView::Search(SearchAnswer {
                    context: context(best),
                    chips: plan.chips,
                    layouts_evaluated: outcome.evaluated,
                    layouts_fitting: outcome.fitting,
                    search_time_s: elapsed,
                    best: TrainResultView::new(best),
                    top: outcome.top.iter().map(TrainResultView::new).collect(),
                    step_time_s: best.step_time.get(),
                    tokens_per_s: best.tokens_per_s.get(),
                    tokens_per_s_per_chip: best.tokens_per_s.get() / f64::from(plan.chips),
                    mfu: best.mfu,
                    memory_per_chip_bytes: best.memory.total().get(),
                    fits: true,
                }))
            }
            (TrainWhat::Search(_), None) => {
                unreachable!("TrainJob::new gives every search its space")
            }
        }
    }

    /// Why a search found nothing: no layout divides, or none fits (with the leanest one and the
    /// smallest chip count at which one would).
    fn nothing_fits(&self, space: &Space, outcome: &search::Outcome) -> Error {
        let (model, plan) = (self.model, &self.plan);
        if outcome.evaluated == 0 {
            return Error::NoAnswer(format!(
                "no layout of {} chips divides `{}` with global batch {} (heads {}, layers {}); try a global batch that is a multiple of the chip count",
                plan.chips, model.id, plan.global_batch, model.heads, model.layers
            ));
        }
        let hint = match search::smallest_fitting_chips(&self.trainer, space, 1 << 20) {
            Some(n) => format!("; the smallest chip count at which a layout fits is {n}"),
            None => String::new(),
        };
        let least = outcome
            .least_memory
            .as_ref()
            .map(|r| {
                format!(
                    " (the leanest layout, {}, needs {} per chip of {} usable)",
                    r.config.label(),
                    bytes(r.memory.total().get()),
                    bytes(r.memory.usable.get())
                )
            })
            .unwrap_or_default();
        Error::NoAnswer(format!(
            "`{}` fits on no layout of {} x {}{least}{hint}",
            model.id, plan.chips, self.chip.id
        ))
    }
}

impl TrainView {
    /// The answer for people.
    pub fn text(&self) -> String {
        let (ctx, best, search) = match self {
            TrainView::Layout(a) => (&a.context, &a.result, None),
            TrainView::Search(s) => (&s.context, &s.best, Some(s)),
        };
        let mut out = ctx.header.clone();
        match search {
            None => out.push_str(&format!("layout: {}\n\n", best.label)),
            Some(s) => out.push_str(&format!(
                "searched {} layouts ({} fit) in {} ({} layouts/s)\n\nbest: {}\n",
                num(s.layouts_evaluated as f64, 0),
                num(s.layouts_fitting as f64, 0),
                duration(s.search_time_s),
                num(s.layouts_evaluated as f64 / s.search_time_s.max(1e-9), 0),
                best.label
            )),
        }
        out.push_str(&best.text());
        if let Some(b) = &ctx.to_train {
            out.push('\n');
            out.push_str(&b.text());
            out.push_str(&format!("{}\n", describe(&ctx.costs)));
        }
        if let Some(s) = search {
            out.push_str("\ntop layouts\n");
            let mut tt = Table::new(&[
                ("#", Align::Right),
                ("layout", Align::Left),
                ("step", Align::Right),
                ("tokens/s/chip", Align::Right),
                ("MFU", Align::Right),
                ("memory/chip", Align::Right),
                ("bubble", Align::Right),
            ]);
            for (i, r) in s.top.iter().enumerate() {
                tt.row(vec![
                    (i + 1).to_string(),
                    r.label.clone(),
                    duration(r.step_time_s),
                    num(r.tokens_per_s_per_chip, 0),
                    format!("{:.1}%", r.mfu * 100.0),
                    bytes(r.memory_per_chip_bytes),
                    format!("{:.1}%", r.bubble_fraction * 100.0),
                ]);
            }
            out.push_str(&tt.render());
        }
        if let Some(e) = &ctx.error_bar {
            out.push_str(&format!("{}\n", e.text()));
        }
        for n in &ctx.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        out
    }
}
