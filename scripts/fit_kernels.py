#!/usr/bin/env python3
"""Fits per-chip GEMM figures from NVIDIA AIConfigurator's measured kernel tables.

AIConfigurator (https://github.com/ai-dynamo/aiconfigurator, Apache-2.0) ships GEMM latencies
measured on each system it supports inside its `aiconfigurator-core` wheel on PyPI. This script
downloads a pinned version, reads the TensorRT-LLM GEMM table of every system that maps to a
catalogue chip, and reduces each (chip, precision) table to the three figures the cost model
prices a GEMM with (crates/xpuscope-perf/src/ops: `max(flops / rate, bytes / bandwidth) +
fixed`):

- compute: achieved FLOP/s over the catalogue's dense peak, median over compute-bound shapes
  (m, n, k all >= 2048);
- memory: achieved bytes/s over the catalogue's memory bandwidth, median over weight-streaming
  shapes (m <= 16, at least 16 Mi weight elements) after the fixed time;
- fixed_us: median time of tiny shapes (m <= 16, at most 1 Mi weight elements) beyond their
  bandwidth time.

It then scores that three-figure model on every row of the table with n, k >= 256 (median and
p90 of |predicted / measured - 1|) and writes catalog/kernels/gemm.toml. The tables themselves
are not copied into the repository: run this script to regenerate the figures.

It also reduces TensorRT-LLM's all-reduce tables (`comm/trtllm/*/custom_allreduce_perf.parquet`,
BF16, 2-16 GPUs of one NVLink node) to the three figures the cost model prices an engine's
all-reduce with on that chip and GPU count (`AllReduceCurve::time` in
crates/xpuscope-model/src/chip.rs):

- small_us: the median time of messages of 64 KiB or less (the one-shot kernels' floor);
- latency_us and bandwidth_gbs: a least-squares fit in log time of `latency + bytes / bandwidth`
  over messages of 256 KiB to 256 MiB, the sizes a step's hidden states take;

an all-reduce then takes `small` up to 64 KiB, the fitted line from 256 KiB, and the geometric
interpolation between. It writes them, with that curve's median and largest |error| over every
message up to 256 MiB, to catalog/kernels/allreduce.toml.

With --moe it also fits, and prints, the two model-wide expert-width parameters of
crates/xpuscope-perf/src/efficiency.rs from the grouped-GEMM (MoE) tables.

Usage: python3 scripts/fit_kernels.py [--wheel PATH] [--moe]   (needs pandas, pyarrow, scipy)
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile

import numpy as np
import pandas as pd

VERSION = "0.12.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "catalog", "kernels", "gemm.toml")
OUT_ALLREDUCE = os.path.join(ROOT, "catalog", "kernels", "allreduce.toml")
# Message sizes (bytes) below which an all-reduce takes the small-message time, and from which
# it follows the fitted line (the Rust side holds the same two numbers).
SMALL_MESSAGE, LINE_FROM = 2**16, 2**18
# PCIe systems' all-reduce tables time that host's PCIe topology, not the chip: the L40S table
# gives 3 GB/s over 4 GPUs, which cannot give TensorRT-LLM 0.17's 1,209 tokens/s for Llama 3.1
# 70B at TP 4 on L40S (catalog/calibration/modern.toml). They are not written.
PCIE_SYSTEMS = {"l40s", "l4", "rtx_pro_6000_server", "a100_pcie", "h100_pcie"}

# AIConfigurator system name -> catalogue chip id (only systems the catalogue holds).
SYSTEMS = {
    "a100_sxm": "a100-sxm-80gb",
    "a100_pcie": "a100-pcie-80gb",
    "h100_sxm": "h100-sxm",
    "h100_pcie": "h100-pcie",
    "h200_sxm": "h200-sxm",
    "b200_sxm": "b200",
    "b300_sxm": "b300",
    "gb200": "gb200",
    "gb300": "gb300",
    "l40s": "l40s",
    "l4": "l4",
    "rtx_pro_6000_server": "rtx-pro-6000-blackwell",
}
# Table dtype -> (catalogue precision, bytes per input element). Per-tensor FP8 is what the cost
# model's FP8 means; block-scaled FP8 (DeepSeek-style) is a different kernel and not used.
DTYPES = {"bfloat16": ("bf16", 2.0), "fp8": ("fp8", 1.0), "nvfp4": ("fp4", 0.5)}
# Precisions whose figures are written. The FP8 and NVFP4 tables are fitted and printed, but not
# written: they time the PyTorch flow's linear layer, activation quantisation included, and
# their compute-bound shapes sit below what the public measurements show those formats reach.
# H100 FP8 at 8192^3 is 1,073 TFLOPS from the table's figure against 1,290 measured with
# cuBLASLt (M1 in catalog/calibration/public.toml, -17%), and B200 NVFP4 at 0.34 of peak cannot
# give MLPerf v5.1's 101,527 tokens/s for Llama 2 70B on 8 B200s (the serving family predicts
# -32% with it). The 16-bit tables agree with the public microbenchmarks (A100 FP16 8192^3:
# 0.83 of peak here, 0.81 in M3).
WRITTEN = {"bf16"}


def wheel(path):
    if path:
        return path
    tmp = tempfile.mkdtemp()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
         f"aiconfigurator-core=={VERSION}"],
        check=True,
    )
    return glob.glob(os.path.join(tmp, "*.whl"))[0]


def catalogue_chip(chip_id):
    with open(os.path.join(ROOT, "catalog", "chips", chip_id + ".toml"), "rb") as f:
        chip = tomllib.load(f)["chip"][0]
    value = lambda v: v["value"] if isinstance(v, dict) else v
    peaks = {k: value(v) * 1e12 for k, v in chip.get("dense", {}).items()}
    return peaks, value(chip["memory_bandwidth_gbs"]) * 1e9


def fit(g, peak, bw, wb):
    m, n, k = (g[c].to_numpy(float) for c in ("m", "n", "k"))
    t = g["latency"].to_numpy(float) * 1e-3  # the tables are in milliseconds
    flops = 2 * m * n * k
    weight = n * k
    data = (weight + m * k) * wb + m * n * 2.0  # inputs in the GEMM format, 16-bit output
    big = (m >= 2048) & (n >= 2048) & (k >= 2048)
    stream = (m <= 16) & (weight >= 2**24)
    tiny = (m <= 16) & (weight <= 2**20)
    compute = float(np.median(flops[big] / t[big] / peak))
    fixed, memory = 0.0, 0.8
    for _ in range(5):  # the two small-m figures depend on each other; this converges in a few
        memory = float(np.median(data[stream] / np.maximum(t[stream] - fixed, 1e-9) / bw))
        fixed = float(max(np.median(t[tiny] - data[tiny] / (bw * memory)), 0.0))
    pred = np.maximum(flops / (peak * compute), data / (bw * memory)) + fixed
    err = np.abs(pred / t - 1)
    return {
        "compute": compute,
        "memory": memory,
        "fixed_us": fixed * 1e6,
        "rows": int(len(t)),
        "median_error": float(np.median(err)),
        "p90_error": float(np.percentile(err, 90)),
    }


# Systems whose TensorRT-LLM MoE tables fix the expert-width parameters, with the catalogue chip.
MOE_SYSTEMS = {"h100_sxm": "h100-sxm", "h200_sxm": "h200-sxm", "b200_sxm": "b200"}
MOE_VERSION = "1.3.0rc20"


def fit_moe(systems):
    """Fits the half-rate expert widths of crates/xpuscope-perf/src/efficiency.rs
    (`expert_width_compute`, `expert_width_memory`): per configuration of a grouped-GEMM table
    (balanced routing, one EP rank, gated experts), the achieved fraction of peak at 512 or more
    tokens per expert and of bandwidth at 1-4 tokens per expert, fitted as
    A(precision) x w / (w + w0) over the expert's per-rank width w. Prints w0 per chip and the
    geometric mean, which is what the Rust constants hold."""
    from scipy.optimize import least_squares

    found = {"compute": [], "memory": []}
    for system, chip_id in MOE_SYSTEMS.items():
        table = os.path.join(systems, "data", system, "moe", "trtllm", MOE_VERSION, "moe_perf.parquet")
        if not os.path.exists(table):
            print(f"{system}: no MoE table for TensorRT-LLM {MOE_VERSION}", file=sys.stderr)
            continue
        peaks, bw = catalogue_chip(chip_id)
        d = pd.read_parquet(table)
        d = d[(d.distribution == "balanced") & d.moe_dtype.isin(["bfloat16", "fp8"])]
        d = d[(d.moe_ep_size == 1) & (d.topk < 20)]  # topk 22 rows time non-gated experts
        rows = []
        for (dt, h, inter, k, e, tp), x in d.groupby(
            ["moe_dtype", "hidden_size", "inter_size", "topk", "num_experts", "moe_tp_size"]
        ):
            wb, peak = (2.0, peaks["bf16"]) if dt == "bfloat16" else (1.0, peaks["fp8"])
            n = x.num_tokens.to_numpy(float)
            t = x.latency.to_numpy(float) * 1e-3
            w = inter / tp
            per_tok = n * k / e
            flops = 2 * n * k * 3 * h * w
            weights = e * (1 - (1 - k / e) ** n) * 3 * h * w * wb
            big, few = per_tok >= 512, (per_tok >= 1) & (per_tok <= 4)
            if big.any() and few.any():
                rows.append((dt, w, float(np.median(flops[big] / t[big] / peak)),
                             float(np.median(weights[few] / t[few] / bw))))
        r = pd.DataFrame(rows, columns=["dt", "w", "compute", "memory"])
        for col in ("compute", "memory"):
            groups = sorted(r.dt.unique())

            def res(p):
                a = np.array([dict(zip(groups, p[1:]))[g] for g in r.dt])
                return np.log(r[col].to_numpy()) - np.log(a * r.w / (r.w + p[0]))

            s = least_squares(res, [300.0] + [0.8] * len(groups),
                              bounds=([1.0] + [0.01] * len(groups), [5000.0] + [2.0] * len(groups)))
            err = np.abs(np.exp(s.fun) - 1)
            found[col].append(s.x[0])
            print(f"{chip_id:10s} experts {col:7s}: half-rate width {s.x[0]:6.0f} columns, "
                  f"median |error| {np.median(err):.1%} over {len(r)} configurations")
    for col, w0 in found.items():
        if w0:
            print(f"expert_width_{col} = {np.exp(np.mean(np.log(w0))):.0f} (geometric mean)")


def allreduce_time(size, small, lat, bw):
    """The cost model's all-reduce curve (see the module docstring)."""
    line = lambda b: lat + b / bw
    x = np.clip(np.log(size / SMALL_MESSAGE) / np.log(LINE_FROM / SMALL_MESSAGE), 0.0, 1.0)
    between = small ** (1 - x) * line(LINE_FROM) ** x
    return np.where(size <= SMALL_MESSAGE, small, np.where(size >= LINE_FROM, line(size), between))


def fit_allreduce(systems):
    """Per (chip, GPU count): the figures of TensorRT-LLM's custom all-reduce (see the module)."""
    from scipy.optimize import least_squares

    rows = []
    for system, chip_id in SYSTEMS.items():
        if system in PCIE_SYSTEMS:
            continue
        tables = sorted(glob.glob(os.path.join(systems, "data", system, "comm", "trtllm", "*",
                                               "custom_allreduce_perf.parquet")))
        if not tables:
            continue
        table = tables[-1]
        version = table.split(os.sep)[-2]
        d = pd.read_parquet(table)
        d = d[d.allreduce_dtype == "bfloat16"]
        for n, g in d.groupby("num_gpus"):
            size = g.message_size.to_numpy(float) * 2.0  # the tables count BF16 elements
            t = g.latency.to_numpy(float) * 1e-3  # milliseconds
            small = float(np.median(t[size <= SMALL_MESSAGE]))
            mid = (size >= LINE_FROM) & (size <= 2**28)
            fitted = least_squares(
                lambda p: np.log((p[0] * 1e-6 + size[mid] / (p[1] * 1e9)) / t[mid]),
                [10.0, 200.0], bounds=([0.0, 0.1], [1000.0, 10000.0]))
            lat, bw = fitted.x[0] * 1e-6, fitted.x[1] * 1e9
            scored = size <= 2**28
            err = np.abs(allreduce_time(size[scored], small, lat, bw) / t[scored] - 1)
            rows.append(dict(chip=chip_id, gpus=int(n), small_us=small * 1e6, latency_us=lat * 1e6,
                             bandwidth_gbs=bw / 1e9, system=system, version=version,
                             sizes=int(scored.sum()), median_error=float(np.median(err)),
                             max_error=float(err.max())))
            print(f"{chip_id:24s} all-reduce x{n}: {small * 1e6:4.1f} us small, {lat * 1e6:5.1f} us "
                  f"+ bytes / {bw / 1e9:5.0f} GB/s  median |error| {np.median(err):.1%} "
                  f"max {err.max():.1%}")
    with open(OUT_ALLREDUCE, "w") as f:
        f.write(
            "# Per-chip all-reduce figures, fitted from NVIDIA AIConfigurator's measured TensorRT-LLM\n"
            f"# custom all-reduce tables (PyPI aiconfigurator-core {VERSION}, Apache-2.0;\n"
            "# https://github.com/ai-dynamo/aiconfigurator). Generated by scripts/fit_kernels.py: do\n"
            "# not edit by hand, run the script. The tables are not copied here.\n"
            "#\n"
            "# An all-reduce of `bytes` (BF16) over `gpus` chips of one node takes small_us up to\n"
            "# 64 KiB, latency_us + bytes / bandwidth_gbs (algorithm bandwidth; a log-space\n"
            "# least-squares fit over 256 KiB to 256 MiB) from 256 KiB, and the geometric\n"
            "# interpolation between; median_error and max_error are of that curve over every\n"
            "# message up to 256 MiB.\n"
        )
        for r in rows:
            f.write(
                f"\n[[allreduce]]\nchip = \"{r['chip']}\"\ngpus = {r['gpus']}\n"
                f"small_us = {r['small_us']:.1f}\nlatency_us = {r['latency_us']:.1f}\n"
                f"bandwidth_gbs = {r['bandwidth_gbs']:.0f}\ngrade = \"derived\"\n"
                f"source = \"aiconfigurator-core {VERSION}: systems/data/{r['system']}/comm/trtllm/"
                f"{r['version']}/custom_allreduce_perf.parquet, bfloat16\"\n"
                f"sizes = {r['sizes']}\nmedian_error = {r['median_error']:.3f}\n"
                f"max_error = {r['max_error']:.3f}\n"
            )
    print(f"wrote {OUT_ALLREDUCE}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", help="a downloaded aiconfigurator_core wheel")
    ap.add_argument("--moe", action="store_true",
                    help="also fit the expert-width parameters from the MoE tables (printed only)")
    args = ap.parse_args()
    whl = wheel(args.wheel)
    rows = []
    with zipfile.ZipFile(whl) as z, tempfile.TemporaryDirectory() as tmp:
        z.extractall(tmp, [n for n in z.namelist() if "/systems/" in n])
        systems = os.path.join(tmp, "aiconfigurator_core", "systems")
        if args.moe:
            fit_moe(systems)
        fit_allreduce(systems)
        for system, chip_id in SYSTEMS.items():
            tables = sorted(glob.glob(os.path.join(systems, "data", system, "gemm", "trtllm", "*",
                                                   "gemm_perf.parquet")))
            if not tables:
                print(f"{system}: no TensorRT-LLM GEMM table", file=sys.stderr)
                continue
            table = tables[-1]
            version = table.split(os.sep)[-2]
            peaks, bw = catalogue_chip(chip_id)
            d = pd.read_parquet(table)
            d = d[(d.n >= 256) & (d.k >= 256)]
            for dtype, (precision, wb) in DTYPES.items():
                g = d[d.gemm_dtype == dtype]
                if g.empty or precision not in peaks:
                    continue
                r = fit(g, peaks[precision], bw, wb)
                r.update(chip=chip_id, precision=precision, system=system, version=version)
                rows.append(r)
                print(f"{chip_id:24s} {precision:5s} compute {r['compute']:.3f} memory "
                      f"{r['memory']:.3f} fixed {r['fixed_us']:5.1f} us  median |error| "
                      f"{r['median_error']:.1%} p90 {r['p90_error']:.1%} ({r['rows']} shapes)")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(
            "# Per-chip GEMM figures, fitted from NVIDIA AIConfigurator's measured GEMM tables\n"
            f"# (PyPI aiconfigurator-core {VERSION}, Apache-2.0; https://github.com/ai-dynamo/aiconfigurator).\n"
            "# Generated by scripts/fit_kernels.py: do not edit by hand, run the script. The tables\n"
            "# are not copied here; the figures are fractions of this catalogue's own peaks.\n"
            "#\n"
            "# compute: achieved / dense peak on compute-bound shapes (m, n, k >= 2048), median\n"
            "# memory: achieved / memory bandwidth on weight-streaming shapes (m <= 16), median\n"
            "# fixed_us: time of tiny shapes beyond their bandwidth time, per launch, median\n"
            "# median_error, p90_error: of max(compute, memory) + fixed over every shape with n, k >= 256\n"
            "# Only 16-bit figures are written (they also serve FP16); the script says why FP8 and\n"
            "# NVFP4 are not.\n"
        )
        for r in (r for r in rows if r["precision"] in WRITTEN):
            f.write(
                f"\n[[gemm]]\nchip = \"{r['chip']}\"\nprecision = \"{r['precision']}\"\n"
                f"compute = {r['compute']:.3f}\nmemory = {r['memory']:.3f}\n"
                f"fixed_us = {r['fixed_us']:.1f}\ngrade = \"derived\"\n"
                f"source = \"aiconfigurator-core {VERSION}: systems/data/{r['system']}/gemm/trtllm/"
                f"{r['version']}/gemm_perf.parquet, dtype {[k for k, v in DTYPES.items() if v[0] == r['precision']][0]}\"\n"
                f"shapes = {r['rows']}\nmedian_error = {r['median_error']:.3f}\n"
                f"p90_error = {r['p90_error']:.3f}\n"
            )
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
