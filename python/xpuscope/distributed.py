"""Sweeps too large for one machine, spread over a Ray cluster.

:func:`sweep` checks the grid here (so a misspelt chip fails at once, not on a worker), splits
its points into ranges of the cross product's order, runs each range as a Ray task on the Rust
core, and gathers the rows in order into one DataFrame: the same rows, row for row, as
:func:`xpuscope.sweep` on one machine.

Pointing it at a cluster you already run: every node needs ``xpuscope`` installed in the Python
environment its workers use (``pip install xpuscope`` from a clone, or a Ray ``runtime_env``),
and a ``catalog=`` directory, if the grid names one, must exist on every node. Then either pass
``address="auto"`` (on a node of the cluster), ``address="ray://HEAD:10001"`` (from outside,
through Ray Client), set ``RAY_ADDRESS``, or call ``ray.init(...)`` yourself before calling
:func:`sweep`. Without Ray, or with neither an address nor a running Ray, it runs on all cores of
this machine.
"""

from __future__ import annotations

import math
import os
from typing import Any, Dict, List, Optional

__all__ = ["sweep"]


def _chunk(grid: Dict[str, Any], start: int, end: int) -> List[Dict[str, Any]]:
    """One Ray task: the rows of points ``start`` to ``end``, on the cores Ray gave the task."""
    import ray

    from . import _sweep_plan

    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return _sweep_plan(**grid).rows(start, end, threads=max(1, int(cpus)))


def sweep(
    grid: Dict[str, Any],
    address: Optional[str] = None,
    *,
    chunk_size: Optional[int] = None,
    cpus_per_task: int = 1,
) -> Any:
    """Run :func:`xpuscope.sweep` with the keywords in ``grid`` (``chip`` and ``model``
    included) as Ray tasks, and gather the rows into one DataFrame (a list of dicts without
    pandas), in the same order as the local sweep.

    ``address`` is a Ray address (``"auto"``, ``"ray://HEAD:10001"``); without one, a Ray
    already initialised in this process or named by ``RAY_ADDRESS`` is used, and otherwise the
    sweep runs locally on all cores. ``chunk_size`` is points per task (default: four tasks per
    CPU of the cluster); ``cpus_per_task`` is the CPUs each task asks Ray for and uses.
    """
    from . import _frame, _sweep_plan

    plan = _sweep_plan(**grid)
    n = len(plan)
    try:
        import ray
    except ImportError:
        if address is not None:
            raise ImportError(
                "xpuscope.distributed.sweep needs Ray for a cluster address; "
                "install it with `pip install ray` (or the `ray` extra)"
            ) from None
        ray = None
    use_ray = ray is not None and (
        address is not None or ray.is_initialized() or bool(os.environ.get("RAY_ADDRESS"))
    )
    if not use_ray:
        return _frame(plan.rows(), plan.columns)
    if not ray.is_initialized():
        ray.init(address=address)
    if chunk_size is None:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        chunk_size = max(1, math.ceil(n / (4 * cpus)))
    if chunk_size < 1:
        raise ValueError(f"chunk_size {chunk_size} must be at least 1")
    task = ray.remote(num_cpus=cpus_per_task)(_chunk)
    refs = [task.remote(grid, s, min(s + chunk_size, n)) for s in range(0, n, chunk_size)]
    rows: List[Dict[str, Any]] = []
    for part in ray.get(refs):
        rows.extend(part)
    return _frame(rows, plan.columns)
