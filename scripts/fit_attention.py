#!/usr/bin/env python3
"""Fits per-chip attention figures from NVIDIA AIConfigurator's measured attention tables.

EXPLORATORY: the cost model does not read these figures yet. The output goes to
docs/research/attention-figures.toml for study; the prefill fits are poor (median |error| 30-55%:
prefill efficiency ramps with the sequence length, which one compute fraction cannot hold), so
wiring them in needs a length-dependent prefill term first. See the note on issue 16.

The same wheel as scripts/fit_kernels.py (aiconfigurator-core, Apache-2.0) holds TensorRT-LLM's
attention kernels timed on each system: prefill (`context_attention`, `context_mla`) and decode
(`generation_attention`, `generation_mla`), for grouped-query and multi-head latent attention, with
a BF16 or an FP8 KV cache. For every (chip, attention kind, phase, KV precision) this script
reduces a table to the three figures the cost model prices an attention kernel with
(crates/xpuscope-perf/src/ops/attention.rs: `max(flops / rate, bytes / bandwidth) + fixed`), with
FLOPs and bytes counted exactly as the cost model counts them:

- compute: achieved FLOP/s over the catalogue's dense 16-bit peak, median over compute-bound rows
  (FLOP time at least twice the byte time, at least 10 GFLOP);
- memory (decode only): achieved bytes/s over the catalogue's memory bandwidth after the fixed
  time, median over bandwidth-bound rows (byte time at least twice the FLOP time, 64 MiB or more);
- fixed_us: median time of the smallest rows beyond their roofline time.

It scores the three figures on every row of the table (median and p90 of |predicted / measured -
1|) and writes docs/research/attention-figures.toml. Full attention only (no sliding windows); the
tables are not copied into the repository: run this script to regenerate the figures.

Usage: python3 scripts/fit_attention.py [--wheel PATH]   (needs pandas, pyarrow)
"""
import argparse
import glob
import os
import sys
import tempfile
import zipfile

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fit_kernels import ROOT, SYSTEMS, VERSION, catalogue_chip, wheel  # noqa: E402

OUT = os.path.join(ROOT, "docs", "research", "attention-figures.toml")
KV = {"bfloat16": ("bf16", 2.0), "fp8": ("fp8", 1.0)}
ACT16 = 2.0
# DeepSeek's MLA: latent rank 512, rotary 64 (the cached latent is 576 wide), per-head query/key
# 192 and value 128 when prefill expands the latent.
MLA_RANK, MLA_ROPE, MLA_QK, MLA_V = 512.0, 64.0, 192.0, 128.0


def shapes(kind, phase, d, kvb):
    """FLOPs and bytes of each row, as crates/xpuscope-perf/src/ops/attention.rs counts them."""
    b = d.batch_size.to_numpy(float)
    if kind == "mla":
        heads = (d.num_heads / d.tp_size).to_numpy(float)
        latent = MLA_RANK + MLA_ROPE
        if phase == "prefill":
            s = d.isl.to_numpy(float)
            flops = b * heads * 2 * (MLA_QK + MLA_V) * s * s / 2
            data = b * s * heads * (2 * MLA_QK + 2 * MLA_V) * ACT16 + b * s * latent * kvb
        else:
            s = d.step.to_numpy(float)
            flops = b * heads * 2 * (2 * MLA_RANK + MLA_ROPE) * s
            data = b * s * latent * kvb + b * heads * (latent + MLA_RANK) * ACT16
        return flops, data
    heads = d.num_heads.to_numpy(float)
    kv = d.num_key_value_heads.to_numpy(float)
    hd = d.head_dim.to_numpy(float)
    row = 2 * kv * hd
    if phase == "prefill":
        s = d.isl.to_numpy(float)
        flops = b * heads * 4 * hd * s * s / 2
        data = b * s * (2 * heads * hd + row) * ACT16 + b * s * row * kvb
    else:
        s = d.step.to_numpy(float)
        flops = b * heads * 4 * hd * s
        data = b * s * row * kvb + b * (2 * heads * hd + row) * ACT16
    return flops, data


def fit(flops, data, t, peak, bw, decode):
    ft, bt = flops / peak, data / bw
    compute_rows = (ft >= 2 * bt) & (flops >= 1e10)
    memory_rows = (bt >= 2 * ft) & (data >= 2**26)
    compute = float(np.median(flops[compute_rows] / t[compute_rows] / peak)) if compute_rows.sum() >= 5 else None
    tiny = t <= np.percentile(t, 5)
    fixed, memory = 0.0, None
    for _ in range(5):  # fixed and memory depend on each other; this converges in a few
        if decode and memory_rows.sum() >= 5:
            memory = float(np.median(data[memory_rows] / np.maximum(t[memory_rows] - fixed, 1e-9) / bw))
        c, m = compute or 1.0, memory or 1.0
        roof = np.maximum(flops / (peak * c), data / (bw * m))
        fixed = float(max(np.median(t[tiny] - roof[tiny]), 0.0))
    if compute is None and memory is None:
        return None
    c, m = compute or 1.0, memory or 1.0
    pred = np.maximum(flops / (peak * c), data / (bw * m)) + fixed
    err = np.abs(pred / t - 1)
    return {
        "compute": compute,
        "memory": memory,
        "fixed_us": fixed * 1e6,
        "rows": int(len(t)),
        "median_error": float(np.median(err)),
        "p90_error": float(np.percentile(err, 90)),
    }


TABLES = [
    ("gqa", "prefill", "attention", "context_attention_perf.parquet"),
    ("gqa", "decode", "attention", "generation_attention_perf.parquet"),
    ("mla", "prefill", "mla", "context_mla_perf.parquet"),
    ("mla", "decode", "mla", "generation_mla_perf.parquet"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", help="a downloaded aiconfigurator_core wheel")
    args = ap.parse_args()
    whl = wheel(args.wheel)
    rows = []
    with zipfile.ZipFile(whl) as z, tempfile.TemporaryDirectory() as tmp:
        z.extractall(tmp, [n for n in z.namelist() if "/systems/data/" in n and "attention" in n or "/mla/" in n])
        data_dir = os.path.join(tmp, "aiconfigurator_core", "systems", "data")
        for system, chip_id in SYSTEMS.items():
            peaks, bw = catalogue_chip(chip_id)
            peak = peaks.get("bf16", peaks.get("fp16"))
            if peak is None:
                continue
            for kind, phase, folder, name in TABLES:
                tables = sorted(glob.glob(os.path.join(data_dir, system, folder, "trtllm", "*", name)))
                if not tables:
                    continue
                table = tables[-1]
                version = table.split(os.sep)[-2]
                d = pd.read_parquet(table)
                if "window_size" in d:
                    d = d[d.window_size == 0]
                if "attn_dtype" in d:
                    d = d[d.attn_dtype == "bfloat16"]
                for dtype, (kv, kvb) in KV.items():
                    g = d[d.kv_cache_dtype == dtype]
                    if g.empty:
                        continue
                    flops, data = shapes(kind, phase, g, kvb)
                    t = g.latency.to_numpy(float) * 1e-3  # the tables are in milliseconds
                    r = fit(flops, data, t, peak, bw, phase == "decode")
                    if r is None:
                        continue
                    r.update(chip=chip_id, kind=kind, phase=phase, kv=kv, system=system,
                             version=version, table=name, dtype=dtype)
                    rows.append(r)
                    fmt = lambda x: "  -  " if x is None else f"{x:.3f}"
                    print(f"{chip_id:24s} {kind} {phase:7s} kv {kv:4s} compute {fmt(r['compute'])} "
                          f"memory {fmt(r['memory'])} fixed {r['fixed_us']:5.1f} us  median |error| "
                          f"{r['median_error']:.1%} p90 {r['p90_error']:.1%} ({r['rows']} shapes)")
    with open(OUT, "w") as f:
        f.write(
            "# EXPLORATORY, not read by the cost model (see scripts/fit_attention.py).\n"
            "# Per-chip attention figures, fitted from NVIDIA AIConfigurator's measured TensorRT-LLM\n"
            f"# attention tables (PyPI aiconfigurator-core {VERSION}, Apache-2.0;\n"
            "# https://github.com/ai-dynamo/aiconfigurator). Generated by scripts/fit_attention.py: do\n"
            "# not edit by hand, run the script. The tables are not copied here; the figures are\n"
            "# fractions of this catalogue's own 16-bit peak and memory bandwidth.\n"
            "#\n"
            "# kind: gqa (grouped-query and multi-head) or mla (multi-head latent); phase: prefill or\n"
            "# decode; kv: the KV cache's precision\n"
            "# compute: achieved / dense 16-bit peak on compute-bound rows, median\n"
            "# memory: achieved / memory bandwidth on bandwidth-bound decode rows, median\n"
            "# fixed_us: time of the smallest rows beyond their roofline time, median\n"
            "# median_error, p90_error: of max(compute, memory) + fixed over every row of the table\n"
        )
        for r in rows:
            f.write(f"\n[[attention]]\nchip = \"{r['chip']}\"\nkind = \"{r['kind']}\"\n"
                    f"phase = \"{r['phase']}\"\nkv = \"{r['kv']}\"\n")
            if r["compute"] is not None:
                f.write(f"compute = {r['compute']:.3f}\n")
            if r["memory"] is not None:
                f.write(f"memory = {r['memory']:.3f}\n")
            f.write(
                f"fixed_us = {r['fixed_us']:.1f}\ngrade = \"derived\"\n"
                f"source = \"aiconfigurator-core {VERSION}: systems/data/{r['system']}/"
                f"{'mla' if r['kind'] == 'mla' else 'attention'}/trtllm/{r['version']}/{r['table']}, "
                f"kv_cache_dtype {r['dtype']}\"\n"
                f"shapes = {r['rows']}\nmedian_error = {r['median_error']:.3f}\n"
                f"p90_error = {r['p90_error']:.3f}\n"
            )
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
