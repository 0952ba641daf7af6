"""Long calls release the GIL, and a sweep spread over Ray equals the local sweep row for row."""

from __future__ import annotations

import threading
import time

import pytest

import xpuscope
import xpuscope.distributed


def _largest_gap_while(call) -> tuple:
    """Runs `call` in a thread and returns (its duration, the longest pause of this thread's
    loop meanwhile): a call holding the GIL stops this thread for its whole duration."""
    done = threading.Event()
    span = {}

    def work():
        t0 = time.perf_counter()
        call()
        span["s"] = time.perf_counter() - t0
        done.set()

    t = threading.Thread(target=work)
    # The loop runs from before the thread starts, so time this thread spends waiting for the
    # GIL anywhere (even before its first iteration) is a gap.
    gap, last = 0.0, time.perf_counter()
    t.start()
    while not done.is_set():
        now = time.perf_counter()
        gap, last = max(gap, now - last), now
    # The pause up to the check that saw the call done (the whole call, if it never let go).
    gap = max(gap, time.perf_counter() - last)
    t.join()
    return span["s"], gap


@pytest.mark.parametrize(
    "call",
    [
        lambda: xpuscope.serve("h20", "llama-3.1-8b", input_len=1024, output_len=256, concurrency=64, requests=150000),
        lambda: xpuscope.sweep(["h20", "h100-sxm", "h200-sxm"], ["llama-3.1-8b", "llama-3.1-70b"], tp=[1, 2, 4, 8],
                               batch=list(range(1, 1000)), weights=["bf16", "fp8"]),
    ],
)
def test_long_calls_release_the_gil(call):
    duration, gap = _largest_gap_while(call)
    # Sized to take about half a second on a 2-core machine; shorter calls cannot tell.
    assert duration > 0.2, f"the call took {duration:.3f} s, too short to tell"
    assert gap < duration / 3, (duration, gap)


GRID = {
    "chip": ["h20", "h100-sxm", "h800-sxm"],
    "model": ["llama-3.1-8b", "qwen3-30b-a3b"],
    "tp": [1, 2, 4],
    "ep": [1, 2],
    "batch": [1, 16, 128, "max"],
    "weights": ["bf16", "fp8"],
}


def test_without_ray_the_distributed_sweep_runs_locally(hide):
    hide("ray")
    local = xpuscope.sweep(**GRID)
    got = xpuscope.distributed.sweep(GRID)
    _assert_same(got, local)
    with pytest.raises(ImportError, match="needs Ray"):
        xpuscope.distributed.sweep(GRID, address="auto")


def _assert_same(got, want):
    """The same rows in the same order (DataFrames with pandas, lists of dicts without)."""
    try:
        import pandas
    except ImportError:
        assert got == want
        return
    pandas.testing.assert_frame_equal(got, want)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_a_ray_sweep_equals_the_local_sweep_row_for_row(local_ray):
    local = xpuscope.sweep(**GRID)
    # Small chunks, so rows from many tasks come back and must be put in order.
    got = xpuscope.distributed.sweep(GRID, chunk_size=17)
    assert len(got) == 3 * 2 * 3 * 2 * 4 * 2
    _assert_same(got, local)
    serve = {"chip": ["h20", "h100-sxm"], "model": "llama-3.1-8b", "kind": "serve", "concurrency": [1, 8, 32],
             "input_len": 512, "output_len": 64}
    _assert_same(xpuscope.distributed.sweep(serve), xpuscope.sweep(**serve))


def test_a_bad_grid_fails_before_any_task_runs(local_ray):
    with pytest.raises(xpuscope.UnknownIdError, match="did you mean"):
        xpuscope.distributed.sweep({"chip": "h2O", "model": "llama-3.1-8b"})
