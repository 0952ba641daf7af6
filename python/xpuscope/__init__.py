"""xpuscope: what will this AI accelerator deliver for my model, how does it compare, what does it
cost, and may I buy it?

Every function is one `xpuscope` command on the same Rust core, with the CLI's flags as keyword
arguments (``--kv-cache`` is ``kv_cache=``) and the same defaults, and returns the fields of
``--format json`` as dicts and lists; field names carry their unit (``ttft_s``,
``memory_per_chip_bytes``, ``output_tokens_per_s``). Errors raise :class:`XpuscopeError`
(a :class:`ValueError`) subclasses with the CLI's one-sentence message.

>>> import xpuscope
>>> r = xpuscope.infer("h20", "llama-3.1-8b", input_len=1024, output_len=256, batch=32)
>>> r["tpot_s"] > 0
True

``catalog=DIR`` on any function adds or overrides catalogue entries, as ``--catalog DIR``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Union

from ._xpuscope import (
    CatalogError,
    InvalidInputError,
    NoAnswerError,
    UnknownIdError,
    XpuscopeError,
    __version__,
    _sweep_plan,
    chip,
    chips,
    compare,
    export,
    infer,
    model,
    models,
    plan,
    serve,
    train,
)

__all__ = [
    "CatalogError",
    "InvalidInputError",
    "NoAnswerError",
    "UnknownIdError",
    "XpuscopeError",
    "__version__",
    "chip",
    "chips",
    "compare",
    "distributed",
    "export",
    "infer",
    "model",
    "models",
    "plan",
    "serve",
    "sweep",
    "train",
]


def _frame(rows: List[Dict[str, Any]], columns: List[str]) -> Any:
    """The rows as a pandas DataFrame with the CLI's CSV columns, or the rows themselves when
    pandas is not installed."""
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame.from_records(rows, columns=columns)


def sweep(chip: Union[str, List[str]], model: Union[str, List[str]], **options: Any) -> Any:
    """Evaluate every combination of the given values on all cores: one row per point, with the
    fields of ``xpuscope sweep --format json``.

    Returns a pandas DataFrame (columns in the CLI's CSV order) when pandas is installed, else a
    list of dicts (a field without a value is left out, as in the JSON lines). A point that has
    no answer is a row with its ``error``, not an exception.

    ``chip`` and ``model`` are one id or a list (a model may be a config.json path). Every list
    keyword takes one value or a list; defaults are the CLI's:

    - ``kind``: ``"infer"`` (TTFT, TPOT, throughput), ``"train"`` (the best layout per chip count)
      or ``"serve"`` (a continuous-batching run per concurrency). Default ``"infer"``.
    - inference and serving: ``tp``, ``dp``, ``ep`` (degrees, default 1), ``pp`` (stages,
      inference, default 1), ``batch`` (sequences or ``"max"``, inference, default 1),
      ``input_len`` (prompt tokens, default 1024), ``output_len`` (generated tokens, default
      256), ``weights`` (formats, default ``"bf16"``), ``kv_cache`` (one format, default
      ``"bf16"``), ``engine`` (profile, default ``"modern"``).
    - serving: ``concurrency`` (requests in flight, default 64), ``serve_engine`` (``"vllm"``,
      ``"sglang"`` or ``"trtllm"``, default ``"vllm"``).
    - training: ``chip_count`` (chips, default 64), ``seq_len`` (tokens per sequence, default
      4096), ``global_batch`` (sequences per step, default 512), ``precision`` (default
      ``"bf16"``).
    - ``catalog``: a catalogue directory or a list of them, as ``--catalog``.

    >>> df = xpuscope.sweep(["h20", "h100-sxm"], "llama-3.1-8b", kind="serve",
    ...                     concurrency=[1, 8, 64])
    """
    plan = _sweep_plan(chip, model, **options)
    return _frame(plan.rows(), plan.columns)


from . import distributed  # noqa: E402  (it imports `_frame` and `_sweep_plan` from here)
