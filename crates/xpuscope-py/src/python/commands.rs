//! One Python function per CLI command (catalogue, export, infer, serve, train, plan, compare): the
//! keyword arguments are the CLI's flags with `_` for `-`, with the defaults `--help` shows
//! (taken from the same constants), filled into the report layer's raw options.
//!
//! It deliberately checks nothing the report layer checks: a bad value reaches `resolve` and
//! comes back as the CLI's sentence.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use xpuscope_analysis::compare::CompareConfig;
use xpuscope_analysis::cost::CostAssumptions;
use xpuscope_perf::{DEFAULT_MAX_BATCH, USABLE_MEMORY_FRACTION};
use xpuscope_report::options::{
    defaults, BatchOption, CompareOptions, CostOptions, InferOptions, TrainOptions,
};
use xpuscope_report::views::export::{DesignOptions, ExportOptions};
use xpuscope_report::views::plan::{defaults as plan_defaults, PlanOptions};
use xpuscope_report::views::serve::{ServeOptions, DEFAULT_REQUESTS};

use xpuscope_report::views::infer::InferView;
use xpuscope_report::views::serve::ServeView;
use xpuscope_report::views::train::TrainView;

use super::{answer, answer_fields, catalog_dirs, checked, raise, BatchArg, IdOrPath, Many};
use crate::calls::{self, ExportQuestion};

/// Registers the functions of this module.
pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(chips, m)?)?;
    m.add_function(wrap_pyfunction!(chip, m)?)?;
    m.add_function(wrap_pyfunction!(models, m)?)?;
    m.add_function(wrap_pyfunction!(model, m)?)?;
    m.add_function(wrap_pyfunction!(export, m)?)?;
    m.add_function(wrap_pyfunction!(infer, m)?)?;
    m.add_function(wrap_pyfunction!(serve, m)?)?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    Ok(())
}

/// The catalogue of a call, or the failure raised.
fn catalog(
    py: Python<'_>,
    dirs: Option<&Bound<'_, PyAny>>,
) -> PyResult<std::borrow::Cow<'static, xpuscope_model::Catalog>> {
    let dirs = catalog_dirs(dirs)?;
    py.detach(|| calls::catalog(&dirs))
        .map_err(|f| raise(py, f))
}

/// Every accelerator in the catalogue: a list of spec sheets (`xpuscope chips --format json`),
/// each with `id`, `name`, `vendor`, its numbers with unit-suffixed names and `sources`.
///
/// `catalog` is a directory (or a list of them) whose `*.toml` files add or override entries,
/// as `--catalog DIR`; `XPUSCOPE_CATALOG` is read too.
#[pyfunction]
#[pyo3(signature = (*, catalog=None))]
fn chips<'py>(py: Python<'py>, catalog: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    answer(py, Ok(calls::chips(&cat)))
}

/// One accelerator's spec sheet (`xpuscope chip ID --format json`): every value with its
/// source and grade. Raises UnknownIdError with the closest ids for an unknown one.
#[pyfunction]
#[pyo3(signature = (id, *, catalog=None))]
fn chip<'py>(
    py: Python<'py>,
    id: &str,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    answer(py, calls::chip(&cat, id))
}

/// Every model in the catalogue (`xpuscope models --format json`), each with `id`,
/// `parameters` and `active_parameters` (counts, computed from the architecture).
#[pyfunction]
#[pyo3(signature = (*, catalog=None))]
fn models<'py>(
    py: Python<'py>,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    answer(py, Ok(calls::models(&cat)))
}

/// One model's architecture and parameter counts (`xpuscope model ID --format json`), by
/// catalogue id or from a Hugging Face config.json (a path, or a folder holding one).
#[pyfunction]
#[pyo3(signature = (id_or_path, *, catalog=None))]
fn model<'py>(
    py: Python<'py>,
    id_or_path: IdOrPath,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    let r = py.detach(|| calls::model(&cat, &id_or_path.0));
    answer(py, r)
}

/// How US export rules (EAR 3A090) classify a chip on a date, and why
/// (`xpuscope export CHIP --format json`): `tpp`, `performance_density` (TPP per mm²), `eccn`,
/// `reasons` with the margin to every threshold, and licence notes. Informational, not legal
/// advice.
///
/// `date` is `YYYY-MM-DD` (default today, UTC). `timeline=True` gives the status at every rule
/// change instead. `set` is a list of what-if overrides `"KEY=VALUE"` (e.g.
/// `"bf16_tflops=200"`). `design=True` with `die_area_mm2` (mm²), `datacenter` (default True)
/// and `memory_bandwidth_gbs` (GB/s) gives design to threshold instead, without a chip.
#[pyfunction]
#[pyo3(signature = (chip=None, date=None, *, timeline=false, set=Vec::new(), design=false, die_area_mm2=None, datacenter=None, memory_bandwidth_gbs=None, catalog=None))]
#[allow(clippy::too_many_arguments)]
fn export<'py>(
    py: Python<'py>,
    chip: Option<String>,
    date: Option<String>,
    timeline: bool,
    set: Vec<String>,
    design: bool,
    die_area_mm2: Option<f64>,
    datacenter: Option<bool>,
    memory_bandwidth_gbs: Option<f64>,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    let q = ExportQuestion {
        chip,
        timeline,
        design,
        options: ExportOptions { date, set },
        design_options: DesignOptions {
            date: None,
            die_area_mm2,
            datacenter,
            memory_bandwidth_gbs,
        },
    };
    let r = py.detach(|| calls::export(&cat, &q));
    answer(py, r)
}

/// Inference for a static batch (`xpuscope infer --format json`): `ttft_s`, `tpot_s`, `e2e_s`
/// (seconds), `output_tokens_per_s` (whole deployment), `memory_per_chip_bytes`, `fits`, and a
/// breakdown by phase and operator with what bounds each.
///
/// `chip` and `model` are ids (`model` may be a config.json path); `input_len` and
/// `output_len` are tokens per sequence. Layout: `tp`, `pp`, `ep`, `dp` (chips = tp x pp x dp).
/// Formats: `weights` (bf16, fp16, fp8, int8, int4, fp4), `activations` (default: fp8 with fp8
/// weights, fp4 with fp4, else bf16), `kv_cache` (bf16, fp16, fp8, int8). `batch` is the
/// sequences across the deployment, or `"max"` for the largest that fits (capped at
/// `max_batch`). `memory_fraction` is the usable share of memory (0-1]; `engine` is `modern`
/// or `trtllm-0.5`.
///
/// `fields` (a name or a list of them) keeps only those top-level fields of the result; the
/// rest are never turned into Python objects, which for a loop that reads a few numbers is
/// most of the cost. A name that is not a field raises InvalidInputError.
#[pyfunction]
#[pyo3(signature = (chip, model, *, input_len, output_len, tp=1, pp=1, ep=1, dp=1, weights=defaults::WEIGHTS.to_string(), activations=None, kv_cache=defaults::KV_CACHE.to_string(), batch=BatchArg(BatchOption::Count(defaults::BATCH)), max_batch=DEFAULT_MAX_BATCH, memory_fraction=USABLE_MEMORY_FRACTION, engine=defaults::ENGINE.to_string(), fields=None, catalog=None))]
#[allow(clippy::too_many_arguments)]
fn infer<'py>(
    py: Python<'py>,
    chip: String,
    model: IdOrPath,
    input_len: u64,
    output_len: u64,
    tp: u32,
    pp: u32,
    ep: u32,
    dp: u32,
    weights: String,
    activations: Option<String>,
    kv_cache: String,
    batch: BatchArg,
    max_batch: u64,
    memory_fraction: f64,
    engine: String,
    fields: Option<Many<String>>,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    let o = InferOptions {
        tp: Some(tp),
        pp: Some(pp),
        ep: Some(ep),
        dp: Some(dp),
        weights: Some(weights),
        activations,
        kv_cache: Some(kv_cache),
        input_len: Some(input_len),
        output_len: Some(output_len),
        batch: Some(batch.0),
        max_batch: Some(max_batch),
        memory_fraction: Some(memory_fraction),
        engine: Some(engine),
    };
    let fields = checked::<InferView>(py, "infer", fields)?;
    let r = py.detach(|| calls::infer(&cat, &chip, &model.0, &o));
    answer_fields(py, r, fields.as_deref())
}

/// Serving under load (`xpuscope serve --format json`): a step-level simulation of continuous
/// batching as vLLM, SGLang or TensorRT-LLM schedules it. Returns `output_tokens_per_s`,
/// `output_tokens_per_s_per_chip`, `input_tokens_per_s`, `requests_per_s`, `duration_s`,
/// `ttft_s`, `tpot_s`, `itl_s`, `e2e_s` (each `mean`, `p50`, `p90`, `p99`, seconds), with an
/// SLO `goodput_requests_per_s`, and what the engine did.
///
/// Traffic: a closed loop at `concurrency`, Poisson arrivals at `request_rate` (requests/s,
/// capped at `concurrency` when both are given, gamma-shaped by `burstiness`), or
/// `offline=True`; `requests` to serve, the first `warmup` left out of the percentiles. Lengths:
/// `input_len`, `output_len` tokens (drawn from [`length_range` x L, L] when given), or a
/// `trace` file (JSON lines or CSV). Engine: `engine`, `max_num_seqs`, `max_num_tokens`,
/// `memory_fraction` (defaults: the engine's for this chip). SLO: `slo_ttft`, `slo_tpot`
/// (seconds). Speculative decoding: `speculative_tokens` with `acceptance` (0-1).
/// Disaggregation: `disaggregate=True` with `prefill_chips` and `decode_chips`.
///
/// `fields` (a name or a list of them) keeps only those top-level fields of the result; the
/// rest are never turned into Python objects, which for a loop that reads a few numbers is
/// most of the cost. A name that is not a field raises InvalidInputError.
#[pyfunction]
#[pyo3(signature = (chip, model, *, input_len=None, output_len=None, tp=1, pp=1, ep=1, dp=1, weights=defaults::WEIGHTS.to_string(), kv_cache=defaults::KV_CACHE.to_string(), engine=defaults::SERVE_ENGINE.to_string(), max_num_seqs=None, max_num_tokens=None, memory_fraction=None, length_range=None, concurrency=None, request_rate=None, burstiness=None, offline=false, trace=None, requests=DEFAULT_REQUESTS, warmup=0, seed=0, slo_ttft=None, slo_tpot=None, speculative_tokens=None, acceptance=None, disaggregate=false, prefill_chips=None, decode_chips=None, fields=None, catalog=None))]
#[allow(clippy::too_many_arguments)]
fn serve<'py>(
    py: Python<'py>,
    chip: String,
    model: IdOrPath,
    input_len: Option<u64>,
    output_len: Option<u64>,
    tp: u32,
    pp: u32,
    ep: u32,
    dp: u32,
    weights: String,
    kv_cache: String,
    engine: String,
    max_num_seqs: Option<u64>,
    max_num_tokens: Option<u64>,
    memory_fraction: Option<f64>,
    length_range: Option<f64>,
    concurrency: Option<u64>,
    request_rate: Option<f64>,
    burstiness: Option<f64>,
    offline: bool,
    trace: Option<PathBuf>,
    requests: u64,
    warmup: u64,
    seed: u64,
    slo_ttft: Option<f64>,
    slo_tpot: Option<f64>,
    speculative_tokens: Option<u32>,
    acceptance: Option<f64>,
    disaggregate: bool,
    prefill_chips: Option<u32>,
    decode_chips: Option<u32>,
    fields: Option<Many<String>>,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    // A trace's lengths replace these, so they only need to be valid, as on the CLI.
    let (input_len, output_len) = match trace {
        Some(_) => (input_len.or(Some(1)), output_len.or(Some(1))),
        None => (input_len, output_len),
    };
    let o = ServeOptions {
        deployment: InferOptions {
            tp: Some(tp),
            pp: Some(pp),
            ep: Some(ep),
            dp: Some(dp),
            weights: Some(weights),
            kv_cache: Some(kv_cache),
            input_len,
            output_len,
            ..InferOptions::default()
        },
        engine: Some(engine),
        max_num_seqs,
        max_num_tokens,
        memory_fraction,
        length_range,
        concurrency,
        request_rate,
        burstiness,
        offline: Some(offline),
        requests: Some(requests),
        seed: Some(seed),
        slo_ttft,
        slo_tpot,
        timeline_steps: None,
        trace: None,
        warmup: Some(warmup),
        speculative_tokens,
        acceptance,
        disaggregate: Some(disaggregate),
        prefill_chips,
        decode_chips,
    };
    let fields = checked::<ServeView>(py, "serve", fields)?;
    let r = py.detach(|| {
        calls::Serve::new(&cat, &chip, &model.0, o, trace.as_deref()).and_then(|s| s.run())
    });
    answer_fields(py, r, fields.as_deref())
}

/// Cost keywords shared by `train`, `plan` and `compare`, into the report layer's options.
fn cost(
    depreciation_years: f64,
    utilisation: f64,
    pue: f64,
    electricity: f64,
    hosting_per_kw_month: f64,
    chip_hour_price: Option<f64>,
) -> CostOptions {
    CostOptions {
        depreciation_years: Some(depreciation_years),
        utilisation: Some(utilisation),
        pue: Some(pue),
        electricity: Some(electricity),
        hosting_per_kw_month: Some(hosting_per_kw_month),
        chip_hour_price,
    }
}

/// Training (`xpuscope train --format json`): `step_time_s`, `tokens_per_s`,
/// `tokens_per_s_per_chip`, `mfu` (0-1), `memory_per_chip_bytes`, `fits`; with `search=True`
/// also `layouts_evaluated`, `best` and `top`.
///
/// `chips` chips of `chip`; `seq_len` tokens per sequence; `global_batch` sequences per step;
/// `precision` bf16, fp16 or fp8. Layout degrees `tp`, `pp`, `vp`, `cp`, `ep`, `zero` (0-3),
/// `recompute` (none, selective, full), `micro_batch` (sequences): default 1 (none), or searched
/// with `search=True`. `tokens` to train on gives time and cost. Cost: `depreciation_years`,
/// `utilisation` (of TDP, 0-1), `pue`, `electricity` ($/kWh), `hosting_per_kw_month` ($),
/// `chip_hour_price` ($/chip-hour, replaces ownership).
///
/// `fields` (a name or a list of them) keeps only those top-level fields of the result; the
/// rest are never turned into Python objects, which for a loop that reads a few numbers is
/// most of the cost. A name that is not a field raises InvalidInputError.
#[pyfunction]
#[pyo3(signature = (chip, model, *, chips, seq_len, global_batch, precision=defaults::TRAIN_PRECISION.to_string(), tp=None, pp=None, vp=None, cp=None, ep=None, zero=None, recompute=None, micro_batch=None, tokens=None, search=false, memory_fraction=USABLE_MEMORY_FRACTION, depreciation_years=CostAssumptions::default().depreciation_years, utilisation=CostAssumptions::default().utilisation, pue=CostAssumptions::default().pue, electricity=CostAssumptions::default().electricity_per_kwh, hosting_per_kw_month=CostAssumptions::default().hosting_per_kw_month, chip_hour_price=None, fields=None, catalog=None))]
#[allow(clippy::too_many_arguments)]
fn train<'py>(
    py: Python<'py>,
    chip: String,
    model: IdOrPath,
    chips: u32,
    seq_len: u64,
    global_batch: u64,
    precision: String,
    tp: Option<u32>,
    pp: Option<u32>,
    vp: Option<u32>,
    cp: Option<u32>,
    ep: Option<u32>,
    zero: Option<u8>,
    recompute: Option<String>,
    micro_batch: Option<u64>,
    tokens: Option<f64>,
    search: bool,
    memory_fraction: f64,
    depreciation_years: f64,
    utilisation: f64,
    pue: f64,
    electricity: f64,
    hosting_per_kw_month: f64,
    chip_hour_price: Option<f64>,
    fields: Option<Many<String>>,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    let o = TrainOptions {
        chips: Some(chips),
        precision: Some(precision),
        tp,
        pp,
        vp,
        cp,
        ep,
        zero,
        recompute,
        seq_len: Some(seq_len),
        global_batch: Some(global_batch),
        micro_batch,
        tokens,
        search: Some(search),
        memory_fraction: Some(memory_fraction),
        cost: cost(
            depreciation_years,
            utilisation,
            pue,
            electricity,
            hosting_per_kw_month,
            chip_hour_price,
        ),
    };
    let fields = checked::<TrainView>(py, "train", fields)?;
    let r = py.detach(|| calls::train(&cat, &chip, &model.0, &o));
    answer_fields(py, r, fields.as_deref())
}

/// The engines `plan` tries unless told otherwise: all of them, as `--engine`'s default.
fn all_engines() -> Many<String> {
    Many(
        xpuscope_serve::EngineKind::ALL
            .iter()
            .map(|e| e.as_str().to_string())
            .collect(),
    )
}

/// The cheapest fleet that carries a traffic within an SLO (`xpuscope plan --format json`):
/// `best` and the ranked `candidates`, each with its `pools` (chip, `chips`, layout, engine
/// settings, launch command), `ttft_s` and `tpot_s` at the percentile (seconds),
/// `output_tokens_per_s_per_chip`, `output_tokens_per_s_per_user`, `usd_per_hour`,
/// `usd_per_million_input_tokens`, `usd_per_million_output_tokens`, `capex_usd` (dollars),
/// `power_kw` (kW); the `frontier` per chip; the chips the export filter leaves out
/// (`excluded`, with the rule and why) or lets in (`admitted`); what binds (`binding`, `unmet`)
/// and the `search`'s counts.
///
/// `chip` is one id, a list, or `"all"`; `model` an id or a config.json path. Traffic:
/// `input_len` and `output_len` tokens per request, and `request_rate` (requests/s) or
/// `output_tokens_per_s` (tokens/s of the whole fleet), one of the two. SLO: `slo_ttft` and
/// `slo_tpot` (seconds) met by `percentile` percent of requests. Search: `max_chips` per
/// fleet, `engine` (vllm, sglang, trtllm), `no_disaggregate`, `no_heterogeneous`,
/// `max_power_kw` (kW, TDP x PUE), `budget` (dollars of chips), `top` candidates, `seed`,
/// `max_simulations`. Export filter: `buyable_in` (`"CN"`) with `date` (`YYYY-MM-DD`). Cost:
/// the keywords of `train`.
#[pyfunction]
#[pyo3(signature = (model, *, chip=Many(vec!["all".to_string()]), input_len, output_len, request_rate=None, output_tokens_per_s=None, slo_ttft, slo_tpot, percentile=plan_defaults::PERCENTILE, max_chips=plan_defaults::MAX_CHIPS, engine=all_engines(), no_disaggregate=false, no_heterogeneous=false, buyable_in=None, date=None, max_power_kw=None, budget=None, top=plan_defaults::TOP, seed=0, max_simulations=plan_defaults::MAX_SIMULATIONS, depreciation_years=CostAssumptions::default().depreciation_years, utilisation=CostAssumptions::default().utilisation, pue=CostAssumptions::default().pue, electricity=CostAssumptions::default().electricity_per_kwh, hosting_per_kw_month=CostAssumptions::default().hosting_per_kw_month, chip_hour_price=None, catalog=None))]
#[allow(clippy::too_many_arguments)]
fn plan<'py>(
    py: Python<'py>,
    model: IdOrPath,
    chip: Many<String>,
    input_len: u64,
    output_len: u64,
    request_rate: Option<f64>,
    output_tokens_per_s: Option<f64>,
    slo_ttft: f64,
    slo_tpot: f64,
    percentile: f64,
    max_chips: u32,
    engine: Many<String>,
    no_disaggregate: bool,
    no_heterogeneous: bool,
    buyable_in: Option<String>,
    date: Option<String>,
    max_power_kw: Option<f64>,
    budget: Option<f64>,
    top: usize,
    seed: u64,
    max_simulations: usize,
    depreciation_years: f64,
    utilisation: f64,
    pue: f64,
    electricity: f64,
    hosting_per_kw_month: f64,
    chip_hour_price: Option<f64>,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = self::catalog(py, catalog)?;
    let o = PlanOptions {
        chips: Some(chip.0),
        input_len: Some(input_len),
        output_len: Some(output_len),
        request_rate,
        output_tokens_per_s,
        slo_ttft: Some(slo_ttft),
        slo_tpot: Some(slo_tpot),
        percentile: Some(percentile),
        max_chips: Some(max_chips),
        engines: Some(engine.0),
        disaggregate: Some(!no_disaggregate),
        heterogeneous: Some(!no_heterogeneous),
        buyable_in,
        date,
        max_power_kw,
        budget,
        top: Some(top),
        seed: Some(seed),
        requests_per_rank: None,
        max_simulations: Some(max_simulations),
        cost: cost(
            depreciation_years,
            utilisation,
            pue,
            electricity,
            hosting_per_kw_month,
            chip_hour_price,
        ),
    };
    let r = py.detach(|| calls::plan(&cat, &model.0, &o));
    answer(py, r)
}

/// Chips side by side on a workload suite (`xpuscope compare --format json`): `rows`, each
/// with `workload`, `metric`, `values` (chip id to value, in the row's unit) and `ratio` (to
/// the first chip, > 1 better).
///
/// Chip ids are positional (`compare("h20", "h100-sxm")`, or one list), the first the
/// reference. `chips` is the chips serving the inference rows, `train_chips` those of the
/// training row; `weights`, `train_precision`, `train_tokens` (tokens priced on the train row),
/// `engine`, and the cost keywords of `train`.
#[pyfunction]
#[pyo3(signature = (*ids, model=IdOrPath(defaults::MODEL.to_string()), chips=CompareConfig::default().infer_chips, train_chips=CompareConfig::default().train_chips, weights=CompareConfig::default().weights.as_str().to_string(), train_precision=defaults::TRAIN_PRECISION.to_string(), train_tokens=CompareConfig::default().train_tokens, engine=defaults::ENGINE.to_string(), depreciation_years=CostAssumptions::default().depreciation_years, utilisation=CostAssumptions::default().utilisation, pue=CostAssumptions::default().pue, electricity=CostAssumptions::default().electricity_per_kwh, hosting_per_kw_month=CostAssumptions::default().hosting_per_kw_month, chip_hour_price=None, catalog=None))]
#[allow(clippy::too_many_arguments)]
fn compare<'py>(
    py: Python<'py>,
    ids: &Bound<'py, PyTuple>,
    model: IdOrPath,
    chips: u32,
    train_chips: u32,
    weights: String,
    train_precision: String,
    train_tokens: f64,
    engine: String,
    depreciation_years: f64,
    utilisation: f64,
    pue: f64,
    electricity: f64,
    hosting_per_kw_month: f64,
    chip_hour_price: Option<f64>,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // `compare(["h20", "h100-sxm"])` is the same as `compare("h20", "h100-sxm")`.
    let ids: Vec<String> = match ids.len() {
        1 if !ids.get_item(0)?.is_instance_of::<pyo3::types::PyString>() => {
            ids.get_item(0)?.extract()?
        }
        _ => ids.extract()?,
    };
    let cat = self::catalog(py, catalog)?;
    let o = CompareOptions {
        chips: Some(chips),
        train_chips: Some(train_chips),
        weights: Some(weights),
        train_precision: Some(train_precision),
        train_tokens: Some(train_tokens),
        engine: Some(engine),
        cost: cost(
            depreciation_years,
            utilisation,
            pue,
            electricity,
            hosting_per_kw_month,
            chip_hour_price,
        ),
    };
    let r = py.detach(|| calls::compare(&cat, &ids, &model.0, &o));
    answer(py, r)
}
