# Type stubs of the Rust extension module. Keyword names are the CLI's flags with `_` for `-`,
# defaults are the ones `xpuscope <command> --help` shows (python/tests/test_signatures.py checks
# both), and every returned dict has the fields of `--format json`, each name carrying its unit:
# `_s` seconds, `_bytes` bytes, `_per_s` per second, `_gbs` GB/s, `_tflops` TFLOP/s, `_mm2` mm²,
# `_w` watts, `_usd` dollars; `mfu` and fractions are 0-1.

import os
from typing import Any, Dict, List, Literal, Optional, Sequence, Union

__version__: str

_Path = Union[str, "os.PathLike[str]"]
_Catalog = Optional[Union[_Path, Sequence[_Path]]]
_Json = Dict[str, Any]

class XpuscopeError(ValueError):
    """Base class of every xpuscope error: a question with no answer, with one sentence saying why."""

    field: Optional[str]
    """The argument at fault (as the CLI spells its flag, without dashes), or None."""

class InvalidInputError(XpuscopeError):
    """An argument out of range, malformed or inconsistent with another; `field` names it."""

class UnknownIdError(XpuscopeError):
    """A chip or model id the catalogue does not know; the message suggests the closest ids."""

class NoAnswerError(XpuscopeError):
    """A well-formed question the model cannot answer: a missing spec, a layout that does not
    divide, a model that does not fit."""

class CatalogError(XpuscopeError):
    """A catalogue directory, config.json or trace that cannot be read or is malformed."""

def chips(*, catalog: _Catalog = None) -> List[_Json]:
    """Every accelerator: a list of spec sheets, each with `id`, `name`, `vendor`, its numbers
    with unit-suffixed names (`memory_capacity_gib`, `memory_bandwidth_gbs`, `bf16_tflops`,
    `tdp_w`, ...) and `sources`."""

def chip(id: str, *, catalog: _Catalog = None) -> _Json:
    """One accelerator's spec sheet, every value with its source and grade."""

def models(*, catalog: _Catalog = None) -> List[_Json]:
    """Every model, each with `id`, `parameters` and `active_parameters` (counts)."""

def model(id_or_path: _Path, *, catalog: _Catalog = None) -> _Json:
    """One model's architecture and parameter counts, by id or from a Hugging Face config.json
    (a path, or a folder holding one)."""

def export(
    chip: Optional[str] = None,
    date: Optional[str] = None,
    *,
    timeline: bool = False,
    set: Sequence[str] = (),
    design: bool = False,
    die_area_mm2: Optional[float] = None,
    datacenter: Optional[bool] = None,
    memory_bandwidth_gbs: Optional[float] = None,
    catalog: _Catalog = None,
) -> _Json:
    """US export rules (EAR 3A090) for `chip` on `date` (`YYYY-MM-DD`, default today, UTC):
    `tpp`, `performance_density` (TPP per mm² of die), `eccn`, `reasons`, licence notes.
    `timeline=True`: the status at every rule change. `set`: what-if overrides `"KEY=VALUE"`.
    `design=True` with `die_area_mm2` (mm²), `datacenter` (default True) and
    `memory_bandwidth_gbs` (GB/s): design to threshold, without a chip. Informational, not legal
    advice."""

def infer(
    chip: str,
    model: _Path,
    *,
    input_len: int,
    output_len: int,
    tp: int = 1,
    pp: int = 1,
    ep: int = 1,
    dp: int = 1,
    weights: str = "bf16",
    activations: Optional[str] = None,
    kv_cache: str = "bf16",
    batch: Union[int, Literal["max"]] = 1,
    max_batch: int = 2048,
    memory_fraction: float = 0.9,
    engine: str = "modern",
    fields: Union[str, Sequence[str], None] = None,
    catalog: _Catalog = None,
) -> _Json:
    """A static batch: `ttft_s`, `tpot_s`, `e2e_s` (seconds), `output_tokens_per_s` (whole
    deployment, tokens/s), `memory_per_chip_bytes`, `fits`, and the breakdown by phase and
    operator with what bounds each. `input_len`/`output_len` are tokens per sequence; `batch`
    sequences across the deployment, or `"max"` (capped at `max_batch`); `memory_fraction` the
    usable share of memory, (0, 1]. `fields` (a name or a list) keeps only those top-level
    fields, the rest never built: a loop reading two numbers runs several times faster."""

def serve(
    chip: str,
    model: _Path,
    *,
    input_len: Optional[int] = None,
    output_len: Optional[int] = None,
    tp: int = 1,
    pp: int = 1,
    ep: int = 1,
    dp: int = 1,
    weights: str = "bf16",
    kv_cache: str = "bf16",
    engine: Literal["vllm", "sglang", "trtllm"] = "vllm",
    max_num_seqs: Optional[int] = None,
    max_num_tokens: Optional[int] = None,
    memory_fraction: Optional[float] = None,
    length_range: Optional[float] = None,
    concurrency: Optional[int] = None,
    request_rate: Optional[float] = None,
    burstiness: Optional[float] = None,
    offline: bool = False,
    trace: Optional[_Path] = None,
    requests: int = 1000,
    warmup: int = 0,
    seed: int = 0,
    slo_ttft: Optional[float] = None,
    slo_tpot: Optional[float] = None,
    speculative_tokens: Optional[int] = None,
    acceptance: Optional[float] = None,
    disaggregate: bool = False,
    prefill_chips: Optional[int] = None,
    decode_chips: Optional[int] = None,
    fields: Union[str, Sequence[str], None] = None,
    catalog: _Catalog = None,
) -> _Json:
    """Continuous batching under load, simulated step by step: `output_tokens_per_s`,
    `output_tokens_per_s_per_chip`, `input_tokens_per_s`, `requests_per_s`, `duration_s`, and
    `ttft_s`, `tpot_s`, `itl_s`, `e2e_s` each with `mean`, `p50`, `p90`, `p99` (seconds); with an
    SLO (`slo_ttft`, `slo_tpot`, seconds) `goodput_requests_per_s`. Traffic: `concurrency`
    (closed loop), `request_rate` (requests/s, Poisson, `burstiness` its gamma shape) or
    `offline`. `length_range` R draws lengths from [R x L, L]; `acceptance` is 0-1. `fields` (a name or a list) keeps only those top-level
    fields, the rest never built: a loop reading two numbers runs several times faster."""

def train(
    chip: str,
    model: _Path,
    *,
    chips: int,
    seq_len: int,
    global_batch: int,
    precision: str = "bf16",
    tp: Optional[int] = None,
    pp: Optional[int] = None,
    vp: Optional[int] = None,
    cp: Optional[int] = None,
    ep: Optional[int] = None,
    zero: Optional[int] = None,
    recompute: Optional[Literal["none", "selective", "full"]] = None,
    micro_batch: Optional[int] = None,
    tokens: Optional[float] = None,
    search: bool = False,
    memory_fraction: float = 0.9,
    depreciation_years: float = 4.0,
    utilisation: float = 0.7,
    pue: float = 1.3,
    electricity: float = 0.1,
    hosting_per_kw_month: float = 150.0,
    chip_hour_price: Optional[float] = None,
    fields: Union[str, Sequence[str], None] = None,
    catalog: _Catalog = None,
) -> _Json:
    """A training step: `step_time_s`, `tokens_per_s`, `tokens_per_s_per_chip`, `mfu` (0-1),
    `memory_per_chip_bytes`, `fits`; with `search=True` also `layouts_evaluated`, `best`, `top`.
    `seq_len` tokens per sequence, `global_batch` sequences per step, `tokens` to train on (for
    time and cost). Cost: `electricity` $/kWh, `hosting_per_kw_month` $ per kW of TDP per month,
    `chip_hour_price` $ per chip-hour (replaces ownership), `utilisation` 0-1 of TDP. `fields` (a name or a list) keeps only those top-level
    fields, the rest never built: a loop reading two numbers runs several times faster."""

def plan(
    model: _Path,
    *,
    chip: Union[str, Sequence[str]] = "all",
    input_len: int,
    output_len: int,
    request_rate: Optional[float] = None,
    output_tokens_per_s: Optional[float] = None,
    slo_ttft: float,
    slo_tpot: float,
    percentile: float = 90.0,
    max_chips: int = 256,
    engine: Union[str, Sequence[str]] = ("vllm", "sglang", "trtllm"),
    no_disaggregate: bool = False,
    no_heterogeneous: bool = False,
    buyable_in: Optional[str] = None,
    date: Optional[str] = None,
    max_power_kw: Optional[float] = None,
    budget: Optional[float] = None,
    top: int = 12,
    seed: int = 0,
    max_simulations: int = 1000,
    depreciation_years: float = 4.0,
    utilisation: float = 0.7,
    pue: float = 1.3,
    electricity: float = 0.1,
    hosting_per_kw_month: float = 150.0,
    chip_hour_price: Optional[float] = None,
    catalog: _Catalog = None,
) -> _Json:
    """The cheapest fleet that carries a traffic within an SLO: `best` and the ranked
    `candidates`, each with its `pools` (chip, `chips`, layout, engine settings, launch command),
    `ttft_s` and `tpot_s` at the percentile (seconds), `output_tokens_per_s_per_chip`,
    `output_tokens_per_s_per_user` (tokens/s), `usd_per_hour`, `usd_per_million_input_tokens`,
    `usd_per_million_output_tokens`, `capex_usd` (dollars) and `power_kw` (kW); the `frontier`
    per chip; `excluded` (chips the export filter leaves out, with the rule and why) and
    `admitted`; what binds (`binding`, `unmet`) and the `search` counts. `chip`: ids or `"all"`.
    Traffic: `input_len`/`output_len` tokens per request and `request_rate` (requests/s) or
    `output_tokens_per_s` (tokens/s of the fleet), one of the two. SLO: `slo_ttft`, `slo_tpot`
    (seconds) met by `percentile` percent of requests (0-100). `max_power_kw` kW (TDP x PUE),
    `budget` dollars of chips. `buyable_in` (`"CN"`) with `date` (`YYYY-MM-DD`) keeps only the
    chips a buyer there may obtain. Cost keywords as `train`."""

def compare(
    *ids: Union[str, Sequence[str]],
    model: _Path = "llama-3.1-70b",
    chips: int = 8,
    train_chips: int = 64,
    weights: str = "fp8",
    train_precision: str = "bf16",
    train_tokens: float = 1e12,
    engine: str = "modern",
    depreciation_years: float = 4.0,
    utilisation: float = 0.7,
    pue: float = 1.3,
    electricity: float = 0.1,
    hosting_per_kw_month: float = 150.0,
    chip_hour_price: Optional[float] = None,
    catalog: _Catalog = None,
) -> _Json:
    """Chips side by side on the workload suite (at least two ids, the first the reference):
    `rows`, each with `workload`, `metric`, `values` (chip id to value in the row's unit) and
    `ratio` (to the first chip, > 1 better). `chips` serve the inference rows, `train_chips`
    the training row."""

class SweepPlan:
    """A sweep resolved: chips and models looked up, options checked."""

    columns: List[str]
    """The columns of a row, in the CLI's CSV order."""

    def __len__(self) -> int: ...
    def rows(
        self, start: int = 0, end: Optional[int] = None, threads: Optional[int] = None
    ) -> List[_Json]:
        """The rows of points `start` to `end` (default all) on `threads` cores (default all)."""

def _sweep_plan(
    chip: Union[str, Sequence[str]],
    model: Union[_Path, Sequence[_Path]],
    *,
    kind: Literal["infer", "train", "serve"] = "infer",
    tp: Union[int, Sequence[int]] = 1,
    pp: Union[int, Sequence[int]] = 1,
    ep: Union[int, Sequence[int]] = 1,
    dp: Union[int, Sequence[int]] = 1,
    batch: Union[int, str, Sequence[Union[int, str]]] = 1,
    input_len: Union[int, Sequence[int]] = 1024,
    output_len: Union[int, Sequence[int]] = 256,
    weights: Union[str, Sequence[str]] = "bf16",
    kv_cache: str = "bf16",
    engine: str = "modern",
    chip_count: Union[int, Sequence[int]] = 64,
    seq_len: Union[int, Sequence[int]] = 4096,
    global_batch: Union[int, Sequence[int]] = 512,
    precision: str = "bf16",
    concurrency: Union[int, Sequence[int]] = 64,
    serve_engine: Literal["vllm", "sglang", "trtllm"] = "vllm",
    catalog: _Catalog = None,
) -> SweepPlan: ...
