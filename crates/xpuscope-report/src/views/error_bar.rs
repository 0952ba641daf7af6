//! The error bar every prediction carries: the spread of measured / predicted over the
//! calibration cases of the same regime (`xpuscope_analysis::calibration::intervals`), applied to
//! the predicted value, with the regime and how many cases stand behind it.

use serde::Serialize;
use xpuscope_analysis::calibration::intervals::{keys, Intervals};

use crate::table::sig;

/// An interval around one predicted value.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ErrorBarView {
    /// The field it bounds (e.g. `output_tokens_per_s`).
    pub metric: &'static str,
    /// The regime the interval comes from, e.g. `serving/trtllm/dense`.
    pub group: String,
    /// Calibration cases behind it.
    pub cases: usize,
    /// 10th percentile of measured / predicted in the regime.
    pub low_factor: f64,
    /// 90th percentile of measured / predicted in the regime.
    pub high_factor: f64,
    /// The prediction times `low_factor`.
    pub low: f64,
    /// The prediction times `high_factor`.
    pub high: f64,
}

impl ErrorBarView {
    /// The interval for a `kind` prediction (`inference`, `serving`, `training`) by `engine`
    /// of a dense or MoE model, around `value` of `metric`; `None` where no regime has enough
    /// cases.
    pub fn new(
        kind: &str,
        engine: Option<&str>,
        moe: bool,
        metric: &'static str,
        value: f64,
    ) -> Option<ErrorBarView> {
        let i = Intervals::builtin().lookup(&keys(kind, engine, moe))?;
        Some(ErrorBarView {
            metric,
            group: i.group.clone(),
            cases: i.cases,
            low_factor: i.low,
            high_factor: i.high,
            low: value * i.low,
            high: value * i.high,
        })
    }

    /// The interval for a time (a TTFT, a TPOT) predicted as `value`: the inverse of the rate's,
    /// since a step that takes x times longer gives x times fewer tokens per second. The
    /// factors stay those of measured / predicted rate; `low` and `high` are times.
    pub fn for_time(
        kind: &str,
        engine: Option<&str>,
        moe: bool,
        metric: &'static str,
        value: f64,
    ) -> Option<ErrorBarView> {
        let mut e = ErrorBarView::new(kind, engine, moe, metric, value)?;
        (e.low, e.high) = (value / e.high_factor, value / e.low_factor);
        Some(e)
    }

    /// One line for people.
    pub fn text(&self) -> String {
        format!(
            "error bar: in {} calibration cases of `{}`, 80% of measurements fell within {}x to {}x of the prediction: {} {} to {}",
            self.cases,
            self.group,
            sig(self.low_factor),
            sig(self.high_factor),
            self.metric,
            sig(self.low),
            sig(self.high)
        )
    }
}
