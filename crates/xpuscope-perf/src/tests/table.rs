//! Whole answers as text, one row per configuration: `check(input, expect)` in the manner of
//! rust-analyzer, so a change to the cost model shows up as a diff of the numbers a reader sees.
//! `UPDATE_EXPECT=1 cargo test -p xpuscope-perf` rewrites the expectations after a deliberate
//! change.
//!
//! An inference row reads `chip model layout weights input/output batch`, with the layout as
//! `tp8`, `tp1-dp8-ep8`, ... and the batch as `b32` or `max`. A training row reads
//! `chip model layout seqN gbN mbN zeroN recompute`.

use expect_test::{expect, Expect};

use super::*;
use crate::train::{Recompute, TrainConfig, Trainer};

fn layout(s: &str) -> Layout {
    let mut l = Layout::SINGLE;
    for part in s.split('-') {
        let (name, n) = part.split_at(2);
        let n: u32 = n.parse().unwrap();
        match name {
            "tp" => l.tp = n,
            "pp" => l.pp = n,
            "dp" => l.dp = n,
            "ep" => l.ep = n,
            "cp" => l.cp = n,
            _ => panic!("unknown degree `{part}`"),
        }
    }
    l
}

fn check(input: &str, expect: Expect) {
    let w: Vec<&str> = input.split_whitespace().collect();
    let [chip, model, lay, weights, lengths, batch] = w[..] else {
        panic!("bad row `{input}`")
    };
    let (i, o) = lengths.split_once('/').unwrap();
    let c = InferConfig {
        layout: layout(lay),
        precisions: Precisions::for_weights(Precision::parse(weights).unwrap()),
        batch: match batch {
            "max" => Batch::Max,
            b => Batch::Fixed(b.trim_start_matches('b').parse().unwrap()),
        },
        ..InferConfig::new(i.parse().unwrap(), o.parse().unwrap())
    };
    let cat = cat();
    let out = match infer(
        cat.chip(chip).unwrap(),
        cat.model(model).unwrap(),
        &c,
        &Efficiency::default(),
    ) {
        Ok(r) => format!(
            "batch {}: ttft {:.3} ms ({}), tpot {:.3} ms ({}), {:.0} tok/s, {:.2} GiB of {:.2}",
            r.batch,
            r.ttft.ms(),
            r.prefill.bound().as_str(),
            r.tpot.ms(),
            r.decode.bound().as_str(),
            r.output_tokens_per_s.get(),
            r.memory.total().gib(),
            r.memory.usable.gib(),
        ),
        Err(e) => format!("error: {e}"),
    };
    expect.assert_eq(&out);
}

fn check_train(input: &str, expect: Expect) {
    let w: Vec<&str> = input.split_whitespace().collect();
    let [chip, model, lay, seq, gb, mb, zero, recompute] = w[..] else {
        panic!("bad row `{input}`")
    };
    let num = |s: &str, p: &str| -> u64 { s.trim_start_matches(p).parse().unwrap() };
    let l = layout(lay);
    let cfg = TrainConfig {
        chips: l.chips(),
        layout: l,
        vp: 1,
        zero: num(zero, "zero") as u8,
        recompute: *Recompute::ALL
            .iter()
            .find(|r| r.as_str() == recompute)
            .unwrap(),
        precision: Precision::Bf16,
        seq_len: num(seq, "seq"),
        global_batch: num(gb, "gb"),
        micro_batch: num(mb, "mb"),
        usable_fraction: USABLE_MEMORY_FRACTION,
    };
    let cat = cat();
    let t = Trainer::new(
        cat.chip(chip).unwrap(),
        cat.model(model).unwrap(),
        Precision::Bf16,
        cfg.seq_len,
        &Efficiency::default(),
    )
    .unwrap();
    let out = match t.check(&cfg) {
        Ok(()) => {
            let r = t.evaluate(&cfg);
            format!(
                "step {:.3} s ({}), MFU {:.1}%, bubble {:.1}%, {:.1} GiB of {:.1}",
                r.step_time.get(),
                r.parts.bound().as_str(),
                r.mfu * 100.0,
                r.bubble_fraction * 100.0,
                r.memory.total().gib(),
                r.memory.usable.gib(),
            )
        }
        Err(e) => format!("error: {e}"),
    };
    expect.assert_eq(&out);
}

#[test]
fn inference_rows() {
    check("h100-sxm llama-3.1-8b tp1 bf16 128/128 b1", expect!["batch 1: ttft 7.184 ms (memory), tpot 6.631 ms (memory), 151 tok/s, 15.01 GiB of 72.00"]);
    check("h100-sxm llama-2-7b tp1 bf16 2048/256 b1", expect!["batch 1: ttft 40.446 ms (compute), tpot 6.373 ms (memory), 154 tok/s, 13.91 GiB of 72.00"]);
    check("h20 llama-3.1-70b tp1 fp8 2048/256 b1", expect!["batch 1: ttft 1537.228 ms (compute), tpot 24.344 ms (memory), 33 tok/s, 68.93 GiB of 86.40"]);
    check("h100-sxm llama-3.1-70b tp1 fp8 2048/256 b1", expect!["batch 1: ttft 245.831 ms (compute), tpot 28.366 ms (memory), 34 tok/s, 68.93 GiB of 72.00"]);
    check("h100-sxm llama-3.1-70b tp8 fp8 2048/256 b32", expect!["batch 32: ttft 1992.875 ms (communication), tpot 10.774 ms (memory), 1728 tok/s, 11.99 GiB of 72.00"]);
    check("l40s llama-3.1-70b tp8 fp8 2048/128 b16", expect!["batch 16: ttft 7427.778 ms (communication), tpot 21.299 ms (memory), 202 tok/s, 10.51 GiB of 43.20"]);
    check("a100-sxm-80gb llama-3.1-8b tp1 fp8 512/64 b1", expect!["batch 1: ttft 31.174 ms (compute), tpot 6.563 ms (memory), 144 tok/s, 8.60 GiB of 72.00"]);
    check("h100-sxm llama-3.1-8b tp1 fp8 2048/2048 max", expect!["batch 124: ttft 3326.782 ms (compute), tpot 22.071 ms (memory), 5235 tok/s, 71.64 GiB of 72.00"]);
    check("h200-sxm deepseek-v3 tp1-dp8-ep8 fp8 4096/1024 max", expect!["batch 728: ttft 41845.417 ms (compute), tpot 51.132 ms (memory), 7918 tok/s, 126.77 GiB of 126.90"]);
    check("h100-sxm mixtral-8x7b tp8-ep8 bf16 1024/64 b8", expect!["batch 8: ttft 75.823 ms (compute), tpot 5.714 ms (memory), 1175 tok/s, 13.01 GiB of 72.00"]);
    check("mi300x qwen3-30b-a3b tp1 bf16 1024/256 b64", expect!["batch 64: ttft 864.444 ms (compute), tpot 21.355 ms (memory), 2596 tok/s, 64.91 GiB of 172.80"]);
    check("b200 gpt-oss-120b tp2 fp4 1024/1024 b128", expect!["batch 128: ttft 325.307 ms (compute), tpot 8.272 ms (memory), 14916 tok/s, 33.36 GiB of 162.00"]);
    check("h100-sxm mistral-7b tp1-pp2 bf16 8192/512 b4", expect!["batch 4: ttft 734.378 ms (compute), tpot 7.099 ms (memory), 470 tok/s, 8.87 GiB of 72.00"]);
    check("h100-sxm llama-3.1-405b tp2 bf16 128/128 b1", expect!["error: `llama-3.1-405b` does not fit on `h100-sxm` with this layout: it needs 378.1 GiB per chip but 72.0 GiB is usable (306.1 GiB short); the smallest tensor-parallel degree that fits is --tp 16"]);
}

#[test]
fn training_rows() {
    check_train(
        "h100-sxm llama-3.1-70b tp8-pp2-dp4 seq4096 gb256 mb1 zero1 none",
        expect!["step 16.837 s (compute), MFU 42.6%, bubble 1.5%, 39.5 GiB of 72.0"],
    );
    check_train(
        "h20 llama-3.1-70b tp8-pp4-dp32 seq8192 gb1024 mb1 zero1 selective",
        expect!["step 54.315 s (compute), MFU 45.8%, bubble 8.6%, 27.9 GiB of 86.4"],
    );
    check_train(
        "h100-sxm mixtral-8x7b tp1-dp8-ep8 seq4096 gb64 mb1 zero1 none",
        expect!["step 5.617 s (compute), MFU 47.0%, bubble 0.0%, 121.6 GiB of 72.0"],
    );
    check_train(
        "h100-sxm llama-3.1-8b tp8-cp4-dp2 seq131072 gb16 mb1 zero3 full",
        expect!["step 18.058 s (compute), MFU 27.2%, bubble 0.0%, 4.8 GiB of 72.0"],
    );
    check_train(
        "l40s llama-3.1-8b tp8-dp4 seq4096 gb128 mb1 zero1 none",
        expect!["step 15.489 s (communication), MFU 14.1%, bubble 0.0%, 8.9 GiB of 43.2"],
    );
}
