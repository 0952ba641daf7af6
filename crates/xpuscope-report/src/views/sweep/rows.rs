//! The rows of a sweep: one typed row per point, and their CSV and JSON-lines forms.
//!
//! CSV and JSON lines serialise the same row, so every number is written the same way in both.
//! It deliberately evaluates nothing.

use serde::Serialize;

/// A batch as a sweep row writes it: a count, or `"max"` where the point failed before finding
/// the largest batch that fits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum BatchValue {
    /// A number of sequences.
    Count(u64),
    /// The word `max`.
    Max(&'static str),
}

/// One inference point.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct InferRow {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Data-parallel replicas.
    pub dp: u32,
    /// Expert-parallel degree.
    pub ep: u32,
    /// Weight format.
    pub weights: &'static str,
    /// Sequences (the largest that fits, for `max`).
    pub batch: BatchValue,
    /// Prompt tokens.
    pub input_len: u64,
    /// Generated tokens.
    pub output_len: u64,
    /// Chips.
    pub chips: u32,
    /// Whether it fits in memory (false where it failed).
    pub fits: bool,
    /// Time to first token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttft_s: Option<f64>,
    /// Mean time per output token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tpot_s: Option<f64>,
    /// End-to-end time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e2e_s: Option<f64>,
    /// Output tokens per second of the deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens_per_s: Option<f64>,
    /// The same per chip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens_per_s_per_chip: Option<f64>,
    /// Everything the fullest chip holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_per_chip_bytes: Option<f64>,
    /// What bounds the prefill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill_bound: Option<&'static str>,
    /// What bounds the decode step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_bound: Option<&'static str>,
    /// Why the point has no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// CSV columns of an inference sweep, in order; each is an [`InferRow`] field.
pub const INFER_COLUMNS: &[&str] = &[
    "chip",
    "model",
    "tp",
    "pp",
    "dp",
    "ep",
    "weights",
    "batch",
    "input_len",
    "output_len",
    "chips",
    "fits",
    "ttft_s",
    "tpot_s",
    "e2e_s",
    "output_tokens_per_s",
    "output_tokens_per_s_per_chip",
    "memory_per_chip_bytes",
    "prefill_bound",
    "decode_bound",
    "error",
];

/// One training point: the best layout at a chip count.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TrainRow {
    /// Chip id.
    pub chip: String,
    /// Model id.
    pub model: String,
    /// Chips.
    pub chips: u32,
    /// Tokens per sequence.
    pub seq_len: u64,
    /// Sequences per step.
    pub global_batch: u64,
    /// GEMM precision.
    pub precision: &'static str,
    /// Layouts the search evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layouts_evaluated: Option<u64>,
    /// The best layout, as a label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// Its step time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_time_s: Option<f64>,
    /// Its tokens per second, all chips.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_s: Option<f64>,
    /// The same per chip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_per_s_per_chip: Option<f64>,
    /// Its model FLOPs utilisation, 0-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfu: Option<f64>,
    /// Its memory per chip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_per_chip_bytes: Option<f64>,
    /// The best layout's MFU and layout, for the heat map's tooltip.
    #[serde(skip)]
    pub mfu_detail: Option<(String, f64)>,
    /// Why the point has no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// CSV columns of a training sweep, in order; each is a [`TrainRow`] field.
pub const TRAIN_COLUMNS: &[&str] = &[
    "chip",
    "model",
    "chips",
    "seq_len",
    "global_batch",
    "precision",
    "layouts_evaluated",
    "layout",
    "step_time_s",
    "tokens_per_s",
    "tokens_per_s_per_chip",
    "mfu",
    "memory_per_chip_bytes",
    "error",
];

/// The rows of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepRows {
    /// Inference points.
    Infer(Vec<InferRow>),
    /// Training points.
    Train(Vec<TrainRow>),
    /// Serving points.
    Serve(Vec<super::ServeRow>),
}

impl SweepRows {
    /// The rows as CSV with a header line.
    pub fn csv(&self) -> String {
        self.csv_header() + &self.csv_rows()
    }

    /// The CSV header line.
    pub fn csv_header(&self) -> String {
        let columns = self.columns();
        columns.join(",") + "\n"
    }

    /// The rows as CSV lines, without the header (for streaming chunk by chunk).
    pub fn csv_rows(&self) -> String {
        match self {
            SweepRows::Infer(r) => csv(r, INFER_COLUMNS),
            SweepRows::Train(r) => csv(r, TRAIN_COLUMNS),
            SweepRows::Serve(r) => csv(r, super::SERVE_COLUMNS),
        }
    }

    /// The columns of these rows, in CSV order (a DataFrame's columns, for Python).
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            SweepRows::Infer(_) => INFER_COLUMNS,
            SweepRows::Train(_) => TRAIN_COLUMNS,
            SweepRows::Serve(_) => super::SERVE_COLUMNS,
        }
    }

    /// The rows as JSON lines, one object per point.
    pub fn json_lines(&self) -> String {
        match self {
            SweepRows::Infer(r) => json_lines(r),
            SweepRows::Train(r) => json_lines(r),
            SweepRows::Serve(r) => json_lines(r),
        }
    }
}

/// One CSV field: empty for a missing value, quoted where it holds a comma, quote or newline.
fn csv_cell(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::new(),
        Value::String(s) if s.contains([',', '"', '\n']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Rows as CSV: each row serialised once, its fields written in `columns` order, so CSV and JSON
/// lines write every number the same way.
fn csv<T: Serialize>(rows: &[T], columns: &[&str]) -> String {
    let mut out = String::new();
    for r in rows {
        let v = serde_json::to_value(r).unwrap_or_default();
        let cells: Vec<String> = columns
            .iter()
            .map(|c| csv_cell(v.get(*c).unwrap_or(&serde_json::Value::Null)))
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn json_lines<T: Serialize>(rows: &[T]) -> String {
    let mut out = String::new();
    for r in rows {
        out.push_str(&serde_json::to_string(r).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_csv_column_is_a_row_field() {
        let row = InferRow {
            chip: "c".into(),
            model: "m".into(),
            tp: 1,
            pp: 1,
            dp: 1,
            ep: 1,
            weights: "bf16",
            batch: BatchValue::Count(1),
            input_len: 1,
            output_len: 1,
            chips: 1,
            fits: true,
            ttft_s: Some(1.0),
            tpot_s: Some(1.0),
            e2e_s: Some(1.0),
            output_tokens_per_s: Some(1.0),
            output_tokens_per_s_per_chip: Some(1.0),
            memory_per_chip_bytes: Some(1.0),
            prefill_bound: Some("compute"),
            decode_bound: Some("memory"),
            error: Some("e".into()),
        };
        let v = serde_json::to_value(&row).unwrap();
        let fields: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(fields.len(), INFER_COLUMNS.len());
        for c in INFER_COLUMNS {
            assert!(v.get(*c).is_some(), "{c}");
        }
        let t = TrainRow {
            chip: "c".into(),
            model: "m".into(),
            chips: 1,
            seq_len: 1,
            global_batch: 1,
            precision: "bf16",
            layouts_evaluated: Some(1),
            layout: Some("tp1".into()),
            step_time_s: Some(1.0),
            tokens_per_s: Some(1.0),
            tokens_per_s_per_chip: Some(1.0),
            mfu: Some(0.5),
            memory_per_chip_bytes: Some(1.0),
            mfu_detail: None,
            error: Some("e".into()),
        };
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v.as_object().unwrap().len(), TRAIN_COLUMNS.len());
        for c in TRAIN_COLUMNS {
            assert!(v.get(*c).is_some(), "{c}");
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_cell(&serde_json::json!("a,b")), "\"a,b\"");
        assert_eq!(
            csv_cell(&serde_json::json!("say \"x\"")),
            "\"say \"\"x\"\"\""
        );
        assert_eq!(csv_cell(&serde_json::Value::Null), "");
        assert_eq!(csv_cell(&serde_json::json!(0.5)), "0.5");
    }
}
