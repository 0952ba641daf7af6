"""Speed of the Python package: `infer` evaluations per second through Python, and a
100,000-point sweep, beside the same work without Python.

    python python/benchmarks/bench.py [--xpuscope target/release/xpuscope]

The Rust figure for one `infer` call is `cargo bench -p xpuscope-py` (criterion), which times
the very call the Python function makes (the same report-layer view, without argument
conversion and without turning the view into dicts). docs/python.md quotes both.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time

import xpuscope

# The criterion benchmark's point: Llama 3.1 405B (126 layers) on 8 H100s, FP8, batch 32.
INFER = dict(input_len=2048, output_len=256, tp=8, weights="fp8", batch=32)

# 5 chips x 4 models x 4 TP degrees x 2 formats x 125 batches x 5 prompt lengths = 100,000.
SWEEP = dict(
    chip=["h20", "h100-sxm", "h200-sxm", "h800-sxm", "a100-sxm-80gb"],
    model=["llama-3.1-8b", "llama-3.1-70b", "qwen3-32b", "mixtral-8x7b"],
    tp=[1, 2, 4, 8],
    weights=["bf16", "fp8"],
    batch=list(range(1, 126)),
    input_len=[512, 1024, 2048, 4096, 8192],
)


def best_of(repeats: int, f) -> float:
    """The fastest of `repeats` runs of `f`, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xpuscope", help="a release `xpuscope` binary, to time the CLI's sweep too")
    ap.add_argument("--calls", type=int, default=20000)
    args = ap.parse_args()

    xpuscope.infer("h100-sxm", "llama-3.1-405b", **INFER)  # parse the catalogue once
    n = args.calls

    def calls() -> None:
        # Each result is dropped before the next call: a list holding 20,000 results of 270
        # dicts and lists each makes Python's cycle collector, not xpuscope, the cost.
        for _ in range(n):
            xpuscope.infer("h100-sxm", "llama-3.1-405b", **INFER)

    t = best_of(3, calls)
    print(f"infer through Python (the full view as dicts): {t / n * 1e6:.1f} µs per call, {n / t:,.0f} per second")

    headline = ["ttft_s", "tpot_s", "output_tokens_per_s", "memory_per_chip_bytes", "fits"]

    def few() -> None:
        for _ in range(n):
            xpuscope.infer("h100-sxm", "llama-3.1-405b", fields=headline, **INFER)

    t = best_of(3, few)
    print(f"infer through Python (fields={headline}): {t / n * 1e6:.1f} µs per call, {n / t:,.0f} per second")

    plan = xpuscope._sweep_plan(**SWEEP)
    points = len(plan)
    assert points == 100_000, points
    t_rows = best_of(3, plan.rows)
    print(f"sweep of {points:,} points, rows as dicts: {t_rows:.2f} s, {points / t_rows:,.0f} points per second")
    t_df = best_of(3, lambda: xpuscope.sweep(**SWEEP))
    print(f"sweep of {points:,} points, as a DataFrame: {t_df:.2f} s, {points / t_df:,.0f} points per second")
    if args.xpuscope:
        flags = [
            "sweep", "--format", "json",
            "--chip", ",".join(SWEEP["chip"]),
            "--model", ",".join(SWEEP["model"]),
            "--tp", ",".join(map(str, SWEEP["tp"])),
            "--weights", ",".join(SWEEP["weights"]),
            "--batch", ",".join(map(str, SWEEP["batch"])),
            "--input-len", ",".join(map(str, SWEEP["input_len"])),
        ]
        run = lambda: subprocess.run([args.xpuscope, *flags], stdout=subprocess.DEVNULL, check=True)
        t_cli = best_of(3, run)
        print(f"the same sweep through the CLI, JSON lines to /dev/null: {t_cli:.2f} s, {points / t_cli:,.0f} points per second")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
