//! `validate`: every public measurement predicted, with the error per case and per kind, then the
//! hold-out set of current-engine measurements that no parameter was fitted to.
//!
//! It deliberately predicts nothing itself: cases, predictions and summaries are the analysis
//! crate's calibration; this module only lays them out.

use serde::Serialize;
use xpuscope_analysis::calibration::{self, CaseKind, CaseResult};
use xpuscope_model::Catalog;
use xpuscope_perf::Efficiency;

use crate::error::{Error, Result};
use crate::table::{sig, Align, Table};

/// The kinds in the order the text shows them.
const KINDS: [CaseKind; 6] = [
    CaseKind::Inference,
    CaseKind::Training,
    CaseKind::Gemm,
    CaseKind::Memory,
    CaseKind::AllReduce,
    CaseKind::AllToAll,
];

/// One measurement against its prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseView {
    /// Case id.
    pub id: String,
    /// `inference`, `training`, `gemm`, `memory`, `all-reduce` or `all-to-all`.
    pub kind: &'static str,
    /// What was measured, with its unit.
    pub metric: &'static str,
    /// The published value, in the metric's unit.
    pub measured: f64,
    /// The prediction, in the same unit; `null` when it failed.
    pub predicted: Option<f64>,
    /// Signed relative error, predicted / measured - 1; `null` when the prediction failed.
    pub error: Option<f64>,
    /// Why there is no prediction, if there is none.
    pub failure: Option<String>,
    /// The case's source key.
    pub source: String,
    /// How the published figure became a configuration, where that took assumptions.
    pub assumption: Option<String>,
}

/// The error over the cases of one kind that have predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KindSummaryView {
    /// The kind.
    pub kind: &'static str,
    /// Median absolute relative error (0.1 = 10%).
    pub median_abs_error: f64,
    /// Worst absolute relative error.
    pub worst_abs_error: f64,
}

/// One set of measurements: every case, and a summary per kind that has predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetView {
    /// Every case, in file order.
    pub cases: Vec<CaseView>,
    /// Per kind, in the text's order; kinds without a prediction are left out.
    pub summary: Vec<KindSummaryView>,
}

impl SetView {
    /// The view of one validated set.
    pub fn new(results: &[CaseResult]) -> SetView {
        SetView {
            cases: results
                .iter()
                .map(|r| CaseView {
                    id: r.id.clone(),
                    kind: r.kind.as_str(),
                    metric: r.metric,
                    measured: r.measured,
                    predicted: r.predicted.is_finite().then_some(r.predicted),
                    error: r.predicted.is_finite().then(|| r.error()),
                    failure: r.failure.clone(),
                    source: r.source.clone(),
                    assumption: r.assumption.clone(),
                })
                .collect(),
            summary: KINDS
                .iter()
                .filter_map(|&k| {
                    calibration::summary(results, k).map(|(median, worst)| KindSummaryView {
                        kind: k.as_str(),
                        median_abs_error: median,
                        worst_abs_error: worst,
                    })
                })
                .collect(),
        }
    }

    /// One table per kind, each heading prefixed with `prefix`.
    pub fn text(&self, prefix: &str) -> String {
        let mut out = String::new();
        for kind in KINDS.map(CaseKind::as_str) {
            let rows: Vec<&CaseView> = self.cases.iter().filter(|r| r.kind == kind).collect();
            if rows.is_empty() {
                continue;
            }
            let mut t = Table::new(&[
                ("case", Align::Left),
                ("metric", Align::Left),
                ("measured", Align::Right),
                ("predicted", Align::Right),
                ("error", Align::Right),
            ]);
            let mut failures = Vec::new();
            for r in rows {
                let (pred, err) = match &r.failure {
                    Some(f) => {
                        failures.push(format!("  {}: {f}", r.id));
                        ("failed".to_string(), String::new())
                    }
                    None => (
                        sig(r.predicted.unwrap_or(f64::NAN)),
                        format!("{:+.1}%", r.error.unwrap_or(f64::NAN) * 100.0),
                    ),
                };
                t.row(vec![
                    r.id.clone(),
                    r.metric.to_string(),
                    sig(r.measured),
                    pred,
                    err,
                ]);
            }
            out.push_str(&format!("{prefix}{kind}\n"));
            out.push_str(&t.render());
            for f in failures {
                out.push_str(&f);
                out.push('\n');
            }
            if let Some(s) = self.summary.iter().find(|s| s.kind == kind) {
                out.push_str(&format!(
                    "  median |error| {:.1}%, worst {:.1}%\n",
                    s.median_abs_error * 100.0,
                    s.worst_abs_error * 100.0
                ));
            }
            out.push('\n');
        }
        out
    }
}

/// `xpuscope validate`: the public set's cases and summary, and the hold-out set under `holdout`
/// when it is compiled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidateView {
    /// The public measurements the efficiency parameters were fitted to.
    #[serde(flatten)]
    pub public: SetView,
    /// Current-engine measurements no parameter was fitted to; absent when not compiled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<SetView>,
}

/// Predicts every built-in measurement with the default efficiencies.
pub fn validate(catalog: &Catalog) -> Result<ValidateView> {
    let eff = Efficiency::default();
    let m = calibration::builtin().map_err(Error::Analysis)?;
    let public = SetView::new(&calibration::validate(catalog, &m, &eff));
    let holdout = match calibration::builtin_holdout() {
        Some(h) => Some(SetView::new(&calibration::validate(
            catalog,
            &h.map_err(Error::Analysis)?,
            &eff,
        ))),
        None => None,
    };
    Ok(ValidateView { public, holdout })
}

impl ValidateView {
    /// The tables for people, public set first.
    pub fn text(&self) -> String {
        let mut out = self.public.text("");
        out.push_str("Measurements and sources: catalog/calibration/public.toml. Fitted parameters: crates/xpuscope-perf/src/efficiency.rs.\n");
        if let Some(h) = &self.holdout {
            out.push_str("\nhold-out: current engines, not used to fit anything (catalog/calibration/modern.toml)\n\n");
            out.push_str(&h.text("hold-out "));
        }
        out
    }
}
