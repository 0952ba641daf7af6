//! `train`: one layout, or `--search` over every valid layout.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Value};
use xpuscope_analysis::cost::{run_cost, CostAssumptions};
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_perf::search::{self, Fixed, Space};
use xpuscope_perf::train::{Recompute, TrainConfig, TrainResult, Trainer};
use xpuscope_perf::{Efficiency, Layout};

use super::{cost, json, Ctx};
use crate::cli::{Format, RecomputeArg, TrainArgs, TrainPrecisionArg};
use xpuscope_report::table::{bytes, duration, num, sig, Align, Table};

fn precision(a: TrainPrecisionArg) -> Precision {
    match a {
        TrainPrecisionArg::Bf16 => Precision::Bf16,
        TrainPrecisionArg::Fp16 => Precision::Fp16,
        TrainPrecisionArg::Fp8 => Precision::Fp8,
    }
}

fn recompute(a: RecomputeArg) -> Recompute {
    match a {
        RecomputeArg::None => Recompute::None,
        RecomputeArg::Selective => Recompute::Selective,
        RecomputeArg::Full => Recompute::Full,
    }
}

/// The layout as one short string: `tp8 pp16 vp2 cp1 dp64 ep1 zero1 recompute:none mb1`.
pub fn layout_label(c: &TrainConfig) -> String {
    let l = c.layout;
    let mut s = format!("tp{} pp{}", l.tp, l.pp);
    if c.vp > 1 {
        s.push_str(&format!(" vp{}", c.vp));
    }
    if l.cp > 1 {
        s.push_str(&format!(" cp{}", l.cp));
    }
    s.push_str(&format!(" dp{}", l.dp));
    if l.ep > 1 {
        s.push_str(&format!(" ep{}", l.ep));
    }
    s.push_str(&format!(
        " zero{} rc:{} mb{}",
        c.zero,
        c.recompute.as_str(),
        c.micro_batch
    ));
    s
}

/// One result as JSON.
pub fn result_json(r: &TrainResult) -> Value {
    let c = &r.config;
    let p = &r.parts;
    json!({
        "layout": {
            "tp": c.layout.tp, "pp": c.layout.pp, "vp": c.vp, "cp": c.layout.cp, "dp": c.layout.dp,
            "ep": c.layout.ep, "zero": c.zero, "recompute": c.recompute.as_str(), "micro_batch": c.micro_batch,
        },
        "chips": c.chips,
        "step_time_s": r.step_time.get(),
        "tokens_per_s": r.tokens_per_s,
        "tokens_per_s_per_chip": r.tokens_per_s / f64::from(c.chips),
        "mfu": r.mfu,
        "hfu": r.hfu,
        "micro_batches": r.micro_batches,
        "bubble_fraction": r.bubble_fraction,
        "memory_per_chip_bytes": r.memory.total().get(),
        "memory": {
            "weights_bytes": r.memory.weights.get(),
            "gradients_bytes": r.memory.gradients.get(),
            "optimizer_bytes": r.memory.optimizer.get(),
            "activations_bytes": r.memory.activations.get(),
            "usable_bytes": r.memory.usable.get(),
        },
        "fits": r.memory.fits(),
        "step_parts_s": {
            "compute": p.compute.get(), "recompute": p.recompute.get(), "tp_comm": p.tp_comm.get(),
            "ep_comm": p.ep_comm.get(), "cp_comm": p.cp_comm.get(), "pp_comm": p.pp_comm.get(),
            "bubble": p.bubble.get(), "dp_comm": p.dp_comm.get(), "optimizer": p.optimizer.get(),
        },
    })
}

fn fixed(a: &TrainArgs) -> Fixed {
    Fixed {
        tp: a.tp,
        pp: a.pp,
        vp: a.vp,
        cp: a.cp,
        ep: a.ep,
        zero: a.zero,
        recompute: a.recompute.map(recompute),
        micro_batch: a.micro_batch,
    }
}

/// The single configuration the flags describe (without `--search`).
fn single(a: &TrainArgs) -> Result<TrainConfig> {
    let tp = a.tp.unwrap_or(1);
    let pp = a.pp.unwrap_or(1);
    let cp = a.cp.unwrap_or(1);
    let used = tp * pp * cp;
    if used == 0 || a.chips % used != 0 {
        bail!(
            "tp {tp} x pp {pp} x cp {cp} = {used} does not divide the {} chips; the rest would be data-parallel replicas",
            a.chips
        );
    }
    Ok(TrainConfig {
        chips: a.chips,
        layout: Layout {
            tp,
            pp,
            dp: a.chips / used,
            ep: a.ep.unwrap_or(1),
            cp,
        },
        vp: a.vp.unwrap_or(1),
        zero: a.zero.unwrap_or(1),
        recompute: a.recompute.map_or(Recompute::None, recompute),
        precision: precision(a.precision),
        seq_len: a.seq_len,
        global_batch: a.global_batch,
        micro_batch: a.micro_batch.unwrap_or(1),
        usable_fraction: a.memory_fraction,
    })
}

/// Time, chip-hours and cost to train `tokens`.
fn budget(
    chip: &Chip,
    r: &TrainResult,
    tokens: Option<f64>,
    costs: &CostAssumptions,
) -> (Value, String) {
    let Some(tokens) = tokens else {
        return (Value::Null, String::new());
    };
    let seconds = tokens / r.tokens_per_s;
    let chip_hours = seconds / 3600.0 * f64::from(r.config.chips);
    let (cost, cost_text) = match costs.chip_hour(chip) {
        Ok(h) => {
            let c = run_cost(
                &h,
                r.config.chips,
                xpuscope_model::units::Seconds::new(seconds),
            );
            (
                json!(c.get()),
                format!(
                    "${} at ${:.2} per chip-hour",
                    num(c.get(), 0),
                    h.total().get()
                ),
            )
        }
        Err(e) => (Value::Null, format!("unknown: {e}")),
    };
    (
        json!({"tokens": tokens, "time_s": seconds, "days": seconds / 86400.0, "chip_hours": chip_hours, "cost_usd": cost}),
        format!(
            "to train {} tokens: {} days, {} chip-hours, cost {}\n",
            sig(tokens / 1e12) + "T",
            sig(seconds / 86400.0),
            num(chip_hours, 0),
            cost_text
        ),
    )
}

fn describe(r: &TrainResult) -> String {
    let p = &r.parts;
    let step = r.step_time.get();
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
        if v.get() > 0.0 {
            t.row(vec![
                name.to_string(),
                duration(v.get()),
                format!("{:.1}%", 100.0 * v.get() / step),
            ]);
        }
    }
    let m = &r.memory;
    let mut out = format!(
        "  step time   {}   ({} micro-batches per replica)\n  throughput  {} tokens/s ({} per chip)\n  MFU         {:.1}% of dense BF16 peak (HFU {:.1}%)\n  memory      {} per chip of {} usable: weights {}, gradients {}, optimizer {}, activations {} ({})\n\n",
        duration(step),
        r.micro_batches,
        num(r.tokens_per_s, 0),
        num(r.tokens_per_s / f64::from(r.config.chips), 0),
        r.mfu * 100.0,
        r.hfu * 100.0,
        bytes(m.total().get()),
        bytes(m.usable.get()),
        bytes(m.weights.get()),
        bytes(m.gradients.get()),
        bytes(m.optimizer.get()),
        bytes(m.activations.get()),
        if m.fits() { "fits".to_string() } else { format!("DOES NOT FIT by {}", bytes((m.total() - m.usable).get())) }
    );
    out.push_str(&t.render());
    let comm = r.parts.comm().get() / step;
    if comm > 0.4 {
        out.push_str(&format!(
            "\ncommunication dominates: {:.0}% of the step is exposed transfer time\n",
            comm * 100.0
        ));
    }
    out
}

/// Runs the search with a progress bar on a terminal.
fn run_search(t: &Trainer, space: &Space) -> search::Outcome {
    let total = search::group_count(t, space);
    let done = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let show = std::io::stderr().is_terminal();
    let bar = show.then(|| {
        let done = Arc::clone(&done);
        let finished = Arc::clone(&finished);
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut drawn = false;
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if start.elapsed() < Duration::from_secs(1) {
                    continue;
                }
                let d = done.load(Ordering::Relaxed);
                let width = 30usize;
                let filled = (d as usize * width)
                    .checked_div(total as usize)
                    .unwrap_or(width);
                eprint!(
                    "\rsearching layouts [{}{}] {d}/{total}",
                    "#".repeat(filled),
                    " ".repeat(width - filled.min(width))
                );
                drawn = true;
            }
            if drawn {
                eprint!("\r{}\r", " ".repeat(60));
            }
        })
    });
    let outcome = search::search(t, space, Some(&done));
    finished.store(true, Ordering::Relaxed);
    if let Some(h) = bar {
        let _ = h.join();
    }
    outcome
}

/// `xpuscope train`.
pub fn run(ctx: &Ctx, a: &TrainArgs) -> Result<String> {
    let chip = ctx.catalog.chip(&a.chip)?;
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    let eff = Efficiency::default();
    let prec = precision(a.precision);
    let costs = cost::assumptions(&a.cost);
    costs.validate()?;
    if a.chips == 0 {
        bail!("--chips must be at least 1");
    }
    if let Some(t) = a.tokens {
        if !(t.is_finite() && t > 0.0) {
            bail!("--tokens {t} must be a positive number of tokens (e.g. 15e12)");
        }
    }
    if !(a.memory_fraction > 0.0 && a.memory_fraction <= 1.0) {
        bail!("--memory-fraction {} must be in (0, 1]", a.memory_fraction);
    }
    let t = Trainer::new(chip, &model, prec, a.seq_len, &eff)?;
    let header = format!(
        "{} on {} x {}, {} training, seq {}, global batch {} sequences ({} tokens per step)\n",
        model.id,
        a.chips,
        chip.id,
        prec,
        a.seq_len,
        a.global_batch,
        num(a.global_batch as f64 * a.seq_len as f64, 0)
    );
    let mut notes: Vec<String> = t.notes().to_vec();
    notes.extend(t.hardware().network_note(a.chips));
    notes.push("MFU counts 6 x active parameters per token plus 6 x layers x heads x head_dim x seq_len for causal attention, against dense BF16 peak".into());

    if !a.search {
        let cfg = single(a)?;
        t.check(&cfg)?;
        let r = t.evaluate(&cfg);
        let (budget_json, budget_text) = budget(chip, &r, a.tokens, &costs);
        if ctx.format == Format::Json {
            let mut v = result_json(&r);
            v["chip"] = json!(chip.id);
            v["model"] = json!(model.id);
            v["to_train"] = budget_json;
            v["notes"] = json!(notes);
            return json(&v);
        }
        let mut out = header;
        out.push_str(&format!("layout: {}\n\n", layout_label(&cfg)));
        out.push_str(&describe(&r));
        if !budget_text.is_empty() {
            out.push('\n');
            out.push_str(&budget_text);
            out.push_str(&format!("{}\n", cost::describe(&costs)));
        }
        for n in &notes {
            out.push_str(&format!("note: {n}\n"));
        }
        return Ok(out);
    }

    let space = Space {
        chips: a.chips,
        seq_len: a.seq_len,
        global_batch: a.global_batch,
        precision: prec,
        usable_fraction: a.memory_fraction,
        fixed: fixed(a),
    };
    space.check()?;
    if a.chips > 1 {
        t.hardware().require_link()?;
    }
    let start = Instant::now();
    let outcome = run_search(&t, &space);
    let elapsed = start.elapsed().as_secs_f64();
    let Some(best) = outcome.best() else {
        let hint = match search::smallest_fitting_chips(&t, &space, 1 << 20) {
            Some(n) => format!("; the smallest chip count at which a layout fits is {n}"),
            None => String::new(),
        };
        if outcome.evaluated == 0 {
            bail!(
                "no layout of {} chips divides `{}` with global batch {} (heads {}, layers {}); try a global batch that is a multiple of the chip count",
                a.chips, model.id, a.global_batch, model.heads, model.layers
            );
        }
        let least = outcome
            .least_memory
            .map(|r| {
                format!(
                    " (the leanest layout, {}, needs {} per chip of {} usable)",
                    layout_label(&r.config),
                    bytes(r.memory.total().get()),
                    bytes(r.memory.usable.get())
                )
            })
            .unwrap_or_default();
        bail!(
            "`{}` fits on no layout of {} x {}{least}{hint}",
            model.id,
            a.chips,
            chip.id
        );
    };
    let (budget_json, budget_text) = budget(chip, best, a.tokens, &costs);
    if ctx.format == Format::Json {
        return json(&json!({
            "chip": chip.id,
            "model": model.id,
            "chips": a.chips,
            "layouts_evaluated": outcome.evaluated,
            "layouts_fitting": outcome.fitting,
            "search_time_s": elapsed,
            "best": result_json(best),
            "top": outcome.top.iter().map(result_json).collect::<Vec<_>>(),
            "to_train": budget_json,
            "notes": notes,
            "step_time_s": best.step_time.get(),
            "tokens_per_s": best.tokens_per_s,
            "tokens_per_s_per_chip": best.tokens_per_s / f64::from(a.chips),
            "mfu": best.mfu,
            "memory_per_chip_bytes": best.memory.total().get(),
            "fits": true,
        }));
    }
    let mut out = header;
    out.push_str(&format!(
        "searched {} layouts ({} fit) in {} ({} layouts/s)\n\nbest: {}\n",
        num(outcome.evaluated as f64, 0),
        num(outcome.fitting as f64, 0),
        duration(elapsed),
        num(outcome.evaluated as f64 / elapsed.max(1e-9), 0),
        layout_label(&best.config)
    ));
    out.push_str(&describe(best));
    if !budget_text.is_empty() {
        out.push('\n');
        out.push_str(&budget_text);
        out.push_str(&format!("{}\n", cost::describe(&costs)));
    }
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
    for (i, r) in outcome.top.iter().enumerate() {
        tt.row(vec![
            (i + 1).to_string(),
            layout_label(&r.config),
            duration(r.step_time.get()),
            num(r.tokens_per_s / f64::from(a.chips), 0),
            format!("{:.1}%", r.mfu * 100.0),
            bytes(r.memory.total().get()),
            format!("{:.1}%", r.bubble_fraction * 100.0),
        ]);
    }
    out.push_str(&tt.render());
    for n in &notes {
        out.push_str(&format!("note: {n}\n"));
    }
    Ok(out)
}
