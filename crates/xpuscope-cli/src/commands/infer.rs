//! `infer`: one inference configuration, with what bounds each operator.

use anyhow::{bail, Result};
use serde_json::json;
use xpuscope_perf::{Batch, Efficiency, InferConfig, Layout, Precisions};

use super::{breakdown, json, Ctx};
use crate::cli::{Format, InferArgs};
use xpuscope_report::table::{bytes, duration, num, sig};

/// Turns flags into a validated configuration.
pub fn config(a: &InferArgs) -> Result<InferConfig> {
    let batch = match a.batch.as_str() {
        "max" => Batch::Max,
        s => match s.parse::<u64>() {
            Ok(b) if b > 0 => Batch::Fixed(b),
            _ => bail!("--batch `{s}` is not a positive whole number or `max`"),
        },
    };
    if a.max_batch == 0 {
        bail!("--max-batch must be at least 1");
    }
    if !(a.memory_fraction > 0.0 && a.memory_fraction <= 1.0) {
        bail!("--memory-fraction {} must be in (0, 1]", a.memory_fraction);
    }
    let mut precisions = Precisions::for_weights(a.weights.get());
    if let Some(act) = a.activations {
        precisions.activations = act.get();
    }
    precisions.kv_cache = a.kv_cache.get();
    Ok(InferConfig {
        layout: Layout {
            tp: a.tp,
            pp: a.pp,
            dp: a.dp,
            ep: a.ep,
            cp: 1,
        },
        precisions,
        input_len: a.input_len,
        output_len: a.output_len,
        batch,
        max_batch: a.max_batch,
        usable_fraction: a.memory_fraction,
        engine: a.engine.get(),
    })
}

/// `xpuscope infer`.
pub fn run(ctx: &Ctx, a: &InferArgs) -> Result<String> {
    let chip = ctx.catalog.chip(&a.chip)?;
    let model = crate::load::model(&ctx.catalog, &a.model)?;
    let cfg = config(a)?;
    let r = xpuscope_perf::infer(chip, &model, &cfg, &Efficiency::default())?;
    let p = &r.plan;
    if ctx.format == Format::Json {
        return json(&json!({
            "chip": chip.id,
            "model": model.id,
            "engine": cfg.engine.as_str(),
            "chips": r.chips,
            "layout": {"tp": cfg.layout.tp, "pp": cfg.layout.pp, "dp": cfg.layout.dp, "ep": cfg.layout.ep},
            "batch": r.batch,
            "input_len": cfg.input_len,
            "output_len": cfg.output_len,
            "ttft_s": r.ttft.get(),
            "tpot_s": r.tpot.get(),
            "e2e_s": r.e2e.get(),
            "output_tokens_per_s": r.output_tokens_per_s,
            "output_tokens_per_s_per_chip": r.output_tokens_per_s / f64::from(r.chips),
            "memory_per_chip_bytes": r.memory.total().get(),
            "memory": {
                "weights_bytes": r.memory.weights.get(),
                "kv_cache_bytes": r.memory.kv_cache.get(),
                "activations_bytes": r.memory.activations.get(),
                "usable_bytes": r.memory.usable.get(),
                "capacity_bytes": r.memory.capacity.get(),
            },
            "fits": r.fits,
            "max_batch_that_fits": r.max_fitting_batch,
            "precision": {
                "weights": p.storage.weights.as_str(),
                "activations": p.storage.activations.as_str(),
                "kv_cache": p.storage.kv_cache.as_str(),
                "gemm_compute": p.gemm.as_str(),
            },
            "breakdown": {
                "prefill": breakdown::to_json(&r.prefill),
                "decode_step": breakdown::to_json(&r.decode),
            },
            "notes": r.notes,
        }));
    }
    let mut out = format!(
        "{} on {} x {} (tp {}, pp {}, dp {}, ep {}), batch {}, {} in + {} out tokens\n",
        model.id,
        r.chips,
        chip.id,
        cfg.layout.tp,
        cfg.layout.pp,
        cfg.layout.dp,
        cfg.layout.ep,
        r.batch,
        cfg.input_len,
        cfg.output_len
    );
    out.push_str(&format!(
        "precision: weights {}, activations {}, KV cache {}; GEMMs compute in {}\n\n",
        p.storage.weights, p.storage.activations, p.storage.kv_cache, p.gemm
    ));
    out.push_str(&format!(
        "  TTFT        {}   prefill of {} tokens, {}-bound\n",
        duration(r.ttft.get()),
        num(r.batch as f64 * cfg.input_len as f64, 0),
        r.prefill.bound().as_str()
    ));
    out.push_str(&format!(
        "  TPOT        {}   mean decode step, {}-bound\n",
        duration(r.tpot.get()),
        r.decode.bound().as_str()
    ));
    out.push_str(&format!("  end to end  {}\n", duration(r.e2e.get())));
    out.push_str(&format!(
        "  throughput  {} output tokens/s ({} per chip)\n",
        num(r.output_tokens_per_s, 0),
        sig(r.output_tokens_per_s / f64::from(r.chips))
    ));
    out.push_str(&format!(
        "  memory      {} per chip of {} usable: weights {}, KV cache {}, activations {} ({})\n",
        bytes(r.memory.total().get()),
        bytes(r.memory.usable.get()),
        bytes(r.memory.weights.get()),
        bytes(r.memory.kv_cache.get()),
        bytes(r.memory.activations.get()),
        if r.fits {
            format!("fits; up to batch {}", r.max_fitting_batch)
        } else {
            format!(
                "DOES NOT FIT; largest batch that fits: {}",
                r.max_fitting_batch
            )
        }
    ));
    out.push_str(&format!("\nprefill ({})\n", duration(r.ttft.get())));
    out.push_str(&breakdown::to_text(&r.prefill));
    out.push_str(&format!("\ndecode step ({})\n", duration(r.tpot.get())));
    out.push_str(&breakdown::to_text(&r.decode));
    if !r.notes.is_empty() {
        out.push_str("\nnotes:\n");
        for n in &r.notes {
            out.push_str(&format!("  - {n}\n"));
        }
    }
    Ok(out)
}
