//! Request bodies and query strings: the ids the command line takes as arguments, and the report
//! layer's raw options struct as it is (under `options`), so a field means what the flag means.
//!
//! Options sit under their own key rather than beside the ids because the options structs refuse
//! unknown fields and `compare`'s options have a `chips` of their own (chips per deployment).

use schemars::JsonSchema;
use serde::Deserialize;
use xpuscope_report::options::{CompareOptions, InferOptions, RooflineOptions, TrainOptions};
use xpuscope_report::views::plan::PlanOptions;
use xpuscope_report::views::serve::ServeOptions;

/// `POST /api/infer`: `xpuscope infer --chip CHIP --model MODEL ...`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InferRequest {
    /// Chip id (see `GET /api/chips`).
    pub chip: String,
    /// Model id (see `GET /api/models`).
    pub model: String,
    /// The `infer` options; `input_len` and `output_len` are required.
    #[serde(default)]
    pub options: InferOptions,
}

/// `POST /api/serve`: `xpuscope serve --chip CHIP --model MODEL ...`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServeRequest {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// The `serve` options: the deployment as for `infer`, the engine, how requests arrive.
    #[serde(default)]
    pub options: ServeOptions,
}

/// `POST /api/plan`: `xpuscope plan --model MODEL ...` (the chips, `["all"]` by default, sit in
/// the options as `chips`).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Model id.
    pub model: String,
    /// The `plan` options: the traffic, the SLO, the chips and limits, the export filter.
    #[serde(default)]
    pub options: PlanOptions,
}

/// `POST /api/train`: `xpuscope train --chip CHIP --model MODEL ...`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainRequest {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// The `train` options; `chips`, `seq_len` and `global_batch` are required.
    #[serde(default)]
    pub options: TrainOptions,
}

/// `POST /api/compare`: `xpuscope compare CHIP CHIP... --model MODEL ...`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// Chip ids, 2 to 8; the first is the reference for ratios.
    pub chips: Vec<String>,
    /// Model id (default `llama-3.1-70b`).
    #[serde(default)]
    pub model: Option<String>,
    /// The `compare` options.
    #[serde(default)]
    pub options: CompareOptions,
}

/// `POST /api/roofline`: `xpuscope roofline CHIP... --model MODEL ...`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RooflineRequest {
    /// Chip ids, 1 to 8.
    pub chips: Vec<String>,
    /// Model id (default `llama-3.1-70b`).
    #[serde(default)]
    pub model: Option<String>,
    /// The `roofline` options.
    #[serde(default)]
    pub options: RooflineOptions,
}

/// The query string of `GET /api/export/{chip}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// The date whose rules apply, `YYYY-MM-DD` (default: today, UTC).
    pub date: Option<String>,
}

/// The query string of an endpoint that takes none (any key is refused).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
