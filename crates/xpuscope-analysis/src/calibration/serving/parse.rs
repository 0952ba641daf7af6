//! Reading `catalog/calibration/serving.toml`: raw structs as written (unknown fields refused),
//! checked into [`ServingCase`]s with every problem reported at once, naming the case and field.
//!
//! It deliberately predicts nothing (see `predict`).

use serde::Deserialize;

use xpuscope_model::chip::Precision;
use xpuscope_model::units::Seconds;
use xpuscope_perf::{Layout, Precisions};
use xpuscope_serve::EngineKind;

/// The file, as it is compiled in.
const FILE: &str = "calibration/serving.toml";

/// Largest relative gap between the stated system and per-chip throughputs (the sources round).
const PER_CHIP_TOLERANCE: f64 = 0.01;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    serving: Vec<RawCase>,
}

/// One serving measurement as written; every field is checked in [`parse`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    /// Unique case id.
    id: Option<String>,
    /// Where the figures were read (a path in a repository, or a URL).
    source: Option<String>,
    /// How the published figures became this configuration.
    assumptions: Option<String>,
    /// `vllm`, `sglang` or `trtllm`.
    engine: Option<String>,
    /// Chip id.
    chip: Option<String>,
    /// Model id.
    model: Option<String>,
    /// Tensor-parallel degree (default 1).
    tp: Option<u32>,
    /// Pipeline stages (default 1).
    pp: Option<u32>,
    /// Data-parallel replicas (default 1).
    dp: Option<u32>,
    /// Expert-parallel degree (default 1).
    ep: Option<u32>,
    /// Weight precision.
    weights: Option<String>,
    /// Activation precision (default: the usual pairing for the weights).
    activations: Option<String>,
    /// KV-cache precision (default bf16).
    kv_cache: Option<String>,
    /// `offline`, `poisson` (at the measured rate) or `closed`.
    arrivals: Option<String>,
    /// Requests in flight of a closed loop, for the whole system.
    concurrency: Option<u64>,
    /// Requests to serve, for the whole system (default: derived, see [`requests`]).
    requests: Option<u64>,
    /// Prompt tokens per request.
    input_len: Option<u32>,
    /// Output tokens per request.
    output_len: Option<u32>,
    /// Lengths drawn uniformly from `[length_range x L, L]` for `L` the two lengths above
    /// (`--random-range-ratio`); default 1, fixed lengths.
    length_range: Option<f64>,
    /// Most sequences per step per replica, as the source configured it.
    max_num_seqs: Option<u64>,
    /// Most tokens per step, as the source configured it.
    max_num_tokens: Option<u64>,
    /// Share of memory for the KV cache, as the source configured it (TensorRT-LLM's
    /// `kv_cache_free_gpu_mem_fraction`, vLLM's `gpu_memory_utilization`, SGLang's
    /// `mem_fraction_static`; each engine reads it as it does its own default).
    memory_fraction: Option<f64>,
    /// Whether the measured chips only decode, prompts prefilled elsewhere (disaggregated
    /// serving): requests arrive with their prompt's cache and first token.
    decode_only: Option<bool>,
    /// The named parameter this case was used to fit (`EAGER_LAUNCH`), if any: such a case is
    /// shown marked and left out of the not-fitted summary.
    fitted: Option<String>,
    /// Measured output tokens per second of the whole system.
    output_tokens_per_s: Option<f64>,
    /// The same per chip, where the source states it.
    output_tokens_per_s_per_chip: Option<f64>,
    /// Measured mean time to first token, milliseconds.
    ttft_ms: Option<f64>,
    /// Measured mean time per output token, milliseconds.
    tpot_ms: Option<f64>,
    /// Measured mean inter-token latency, milliseconds.
    itl_ms: Option<f64>,
}

/// How a case's requests arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CaseArrivals {
    /// Every request at once (MLPerf Offline, `--request-rate inf`).
    Offline,
    /// Poisson at the rate the run sustained: measured output tokens/s over output tokens per
    /// request (MLPerf Server).
    Poisson,
    /// A closed loop with this many requests in flight across the system.
    Closed {
        /// Requests in flight.
        concurrency: u64,
    },
}

/// What a case measured; at least one figure is present.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Measured {
    /// Output tokens per second of the whole system.
    pub output_tokens_per_s: Option<f64>,
    /// Mean time to first token.
    pub ttft: Option<Seconds>,
    /// Mean time per output token.
    pub tpot: Option<Seconds>,
    /// Mean inter-token latency.
    pub itl: Option<Seconds>,
}

/// One validated serving measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct ServingCase {
    /// Case id.
    pub id: String,
    /// Where the figures were read.
    pub source: String,
    /// How the published figures became this configuration.
    pub assumptions: String,
    /// The engine that ran it.
    pub engine: EngineKind,
    /// Chip id (resolved against the catalogue when predicted).
    pub chip: String,
    /// Model id (resolved against the catalogue when predicted).
    pub model: String,
    /// The deployment's layout.
    pub layout: Layout,
    /// Storage precisions.
    pub precisions: Precisions,
    /// How requests arrive.
    pub arrivals: CaseArrivals,
    /// Prompt tokens per request.
    pub input_len: u32,
    /// Output tokens per request.
    pub output_len: u32,
    /// Each length is drawn uniformly from `[length_range x L, L]`; 1 keeps them fixed.
    pub length_range: f64,
    /// Requests to serve, where the case fixes them (otherwise derived, see [`requests`]).
    pub requests: Option<u64>,
    /// Most sequences per step per replica, where the source configured it.
    pub max_num_seqs: Option<u64>,
    /// Most tokens per step, where the source configured it.
    pub max_num_tokens: Option<u64>,
    /// The engine's memory share, where the source states it.
    pub memory_fraction: Option<f64>,
    /// The measured chips only decode; their prompts were prefilled on other chips.
    pub decode_only: bool,
    /// What was measured.
    pub measured: Measured,
    /// The named parameter this case was used to fit, if any.
    pub fitted: Option<String>,
}

/// The serving file has problems; each names the file, the case and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct InvalidServing(pub Vec<String>);

/// The built-in serving cases, if `calibration/serving.toml` is compiled in.
pub fn builtin() -> Option<Result<Vec<ServingCase>, InvalidServing>> {
    xpuscope_model::catalog::builtin_text(FILE).map(parse)
}

/// Parses and checks a serving file, reporting every problem at once.
pub fn parse(text: &str) -> Result<Vec<ServingCase>, InvalidServing> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let issue = xpuscope_model::catalog::toml_issue(&format!("catalog/{FILE}"), text, &e);
        InvalidServing(vec![issue.to_string()])
    })?;
    let mut problems = Vec::new();
    let mut cases = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, r) in raw.serving.iter().enumerate() {
        let name = match r.id.as_deref() {
            Some(id) if !id.is_empty() => format!("`{id}`"),
            _ => format!("entry {}", i + 1),
        };
        if let Some(id) = r.id.as_deref() {
            if !seen.insert(id.to_string()) {
                problems.push(format!(
                    "catalog/{FILE}: case {name}, field `id`: `{id}` is used by an earlier case"
                ));
            }
        }
        match check(r) {
            Ok(c) => cases.push(c),
            Err(errs) => problems.extend(errs.into_iter().map(|(field, msg)| {
                format!("catalog/{FILE}: case {name}, field `{field}`: {msg}")
            })),
        }
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(InvalidServing(problems))
    }
}

/// Problems found in one case: the field and what is wrong with it.
type Problems = Vec<(&'static str, String)>;

fn text(errs: &mut Problems, field: &'static str, v: &Option<String>) -> Option<String> {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Some(s.to_string()),
        _ => {
            errs.push((field, "is required and must not be empty".into()));
            None
        }
    }
}

fn precision(errs: &mut Problems, field: &'static str, v: Option<&str>) -> Option<Precision> {
    let s = v?;
    let p = Precision::parse(s);
    if p.is_none() {
        errs.push((field, format!("unknown precision `{s}`")));
    }
    p
}

fn at_least_one<T: Copy + Into<u64>>(
    errs: &mut Problems,
    field: &'static str,
    v: Option<T>,
) -> Option<T> {
    if v.is_some_and(|x| x.into() == 0) {
        errs.push((field, "must be at least 1".into()));
    }
    v
}

fn positive(errs: &mut Problems, field: &'static str, v: Option<f64>) -> Option<f64> {
    if let Some(x) = v {
        if !(x.is_finite() && x > 0.0) {
            errs.push((field, format!("{x} must be a positive number")));
        }
    }
    v
}

/// The validated case, or every problem with it.
fn check(r: &RawCase) -> Result<ServingCase, Problems> {
    let mut errs = Problems::new();
    let e = &mut errs;
    let id = text(e, "id", &r.id);
    let source = text(e, "source", &r.source);
    let assumptions = text(e, "assumptions", &r.assumptions);
    let chip = text(e, "chip", &r.chip);
    let model = text(e, "model", &r.model);
    let engine = text(e, "engine", &r.engine).and_then(|name| {
        let k = EngineKind::parse(&name);
        if k.is_none() {
            e.push((
                "engine",
                format!("`{name}` is not one of vllm, sglang, trtllm"),
            ));
        }
        k
    });
    let weights = text(e, "weights", &r.weights).and_then(|w| precision(e, "weights", Some(&w)));
    let activations = precision(e, "activations", r.activations.as_deref());
    let kv_cache = precision(e, "kv_cache", r.kv_cache.as_deref());
    let layout = Layout {
        tp: at_least_one(e, "tp", r.tp).unwrap_or(1),
        pp: at_least_one(e, "pp", r.pp).unwrap_or(1),
        dp: at_least_one(e, "dp", r.dp).unwrap_or(1),
        ep: at_least_one(e, "ep", r.ep).unwrap_or(1),
        cp: 1,
    };
    let input_len = at_least_one(e, "input_len", r.input_len);
    let output_len = at_least_one(e, "output_len", r.output_len);
    for (field, v) in [("input_len", input_len), ("output_len", output_len)] {
        if v.is_none() {
            e.push((field, "is required".into()));
        }
    }
    if let Some(f) = r.fitted.as_deref() {
        let known = xpuscope_serve::engine::FITTED_PARAMETERS;
        if !known.contains(&f) {
            e.push((
                "fitted",
                format!(
                    "`{f}` is not a fitted serving parameter; the simulator fits {}",
                    known.join(", ")
                ),
            ));
        }
    }
    if let Some(f) = r.memory_fraction {
        if !(f > 0.0 && f <= 1.0) {
            e.push(("memory_fraction", format!("{f} must be in (0, 1]")));
        }
    }
    let length_range = r.length_range.unwrap_or(1.0);
    if !(length_range > 0.0 && length_range <= 1.0) {
        e.push((
            "length_range",
            format!("{length_range} must be in (0, 1]: lengths are drawn from [range x L, L]"),
        ));
    }
    let requests = at_least_one(e, "requests", r.requests);
    let max_num_seqs = at_least_one(e, "max_num_seqs", r.max_num_seqs);
    let max_num_tokens = at_least_one(e, "max_num_tokens", r.max_num_tokens);
    let throughput = positive(e, "output_tokens_per_s", r.output_tokens_per_s);
    let per_chip = positive(
        e,
        "output_tokens_per_s_per_chip",
        r.output_tokens_per_s_per_chip,
    );
    let ms = |v: Option<f64>| v.map(|x| Seconds::new(x / 1e3));
    let measured = Measured {
        output_tokens_per_s: throughput,
        ttft: ms(positive(e, "ttft_ms", r.ttft_ms)),
        tpot: ms(positive(e, "tpot_ms", r.tpot_ms)),
        itl: ms(positive(e, "itl_ms", r.itl_ms)),
    };
    if measured == Measured::default() {
        e.push((
            "output_tokens_per_s",
            "a case needs at least one measured figure (output_tokens_per_s, ttft_ms, tpot_ms or itl_ms)".into(),
        ));
    }
    if let (Some(total), Some(chip)) = (throughput, per_chip) {
        let implied = total / f64::from(layout.chips());
        if (implied / chip - 1.0).abs() > PER_CHIP_TOLERANCE {
            e.push((
                "output_tokens_per_s_per_chip",
                format!(
                    "{chip} disagrees with {total} over the layout's {} chips ({implied:.0})",
                    layout.chips()
                ),
            ));
        }
    }
    let arrivals = match (text(e, "arrivals", &r.arrivals).as_deref(), r.concurrency) {
        (None, _) => None,
        (Some("offline"), None) => Some(CaseArrivals::Offline),
        (Some("poisson"), None) => {
            if throughput.is_none() {
                e.push((
                    "output_tokens_per_s",
                    "a Poisson case takes its rate from the measured throughput".into(),
                ));
            }
            Some(CaseArrivals::Poisson)
        }
        (Some("closed"), Some(0)) => {
            e.push(("concurrency", "must be at least 1".into()));
            None
        }
        (Some("closed"), Some(concurrency)) => Some(CaseArrivals::Closed { concurrency }),
        (Some("closed"), None) => {
            e.push(("concurrency", "a closed loop needs its concurrency".into()));
            None
        }
        (Some("offline" | "poisson"), Some(_)) => {
            e.push((
                "concurrency",
                "applies to `arrivals = \"closed\"` only".into(),
            ));
            None
        }
        (Some(a), _) => {
            e.push((
                "arrivals",
                format!("`{a}` is not one of offline, poisson, closed"),
            ));
            None
        }
    };
    let precisions = weights.map(|w| {
        let mut p = Precisions::for_weights(w);
        if let Some(a) = activations {
            p.activations = a;
        }
        p.kv_cache = kv_cache.unwrap_or(Precision::Bf16);
        p
    });
    match (
        id,
        source,
        assumptions,
        engine,
        chip,
        model,
        precisions,
        arrivals,
        input_len,
        output_len,
    ) {
        (
            Some(id),
            Some(source),
            Some(assumptions),
            Some(engine),
            Some(chip),
            Some(model),
            Some(precisions),
            Some(arrivals),
            Some(input_len),
            Some(output_len),
        ) if errs.is_empty() => Ok(ServingCase {
            id,
            source,
            assumptions,
            engine,
            chip,
            model,
            layout,
            precisions,
            arrivals,
            input_len,
            output_len,
            length_range,
            requests,
            max_num_seqs,
            max_num_tokens,
            memory_fraction: r.memory_fraction,
            decode_only: r.decode_only.unwrap_or(false),
            measured,
            fitted: r.fitted.clone(),
        }),
        _ => Err(errs),
    }
}
