//! `validate`: every public measurement, predicted, with the error per case and per kind.

use anyhow::{anyhow, Result};
use serde_json::json;
use xpuscope_core::calibration::{self, CaseKind};
use xpuscope_core::perf::Efficiency;

use super::{json, Ctx};
use crate::cli::Format;
use crate::table::{sig, Align, Table};

/// `xpuscope validate`.
pub fn run(ctx: &Ctx) -> Result<String> {
    let m = calibration::builtin().map_err(|e| anyhow!(e))?;
    let eff = Efficiency::default();
    let results = calibration::validate(&ctx.catalog, &m, &eff);
    let kinds = [
        CaseKind::Inference,
        CaseKind::Training,
        CaseKind::Gemm,
        CaseKind::Memory,
        CaseKind::AllReduce,
        CaseKind::AllToAll,
    ];
    if ctx.format == Format::Json {
        let cases: Vec<_> = results
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "kind": r.kind.as_str(),
                    "metric": r.metric,
                    "measured": r.measured,
                    "predicted": r.predicted.is_finite().then_some(r.predicted),
                    "error": r.predicted.is_finite().then(|| r.error()),
                    "failure": r.failure,
                })
            })
            .collect();
        let summary: Vec<_> = kinds
            .iter()
            .filter_map(|&k| {
                calibration::summary(&results, k).map(|(median, worst)| {
                    json!({"kind": k.as_str(), "median_abs_error": median, "worst_abs_error": worst})
                })
            })
            .collect();
        return json(&json!({"cases": cases, "summary": summary}));
    }
    let mut out = String::new();
    for kind in kinds {
        let rows: Vec<_> = results.iter().filter(|r| r.kind == kind).collect();
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
        for r in rows {
            let (pred, err) = match &r.failure {
                Some(f) => (format!("failed: {f}"), String::new()),
                None => (sig(r.predicted), format!("{:+.1}%", r.error() * 100.0)),
            };
            t.row(vec![
                r.id.clone(),
                r.metric.to_string(),
                sig(r.measured),
                pred,
                err,
            ]);
        }
        out.push_str(&format!("{}\n", kind.as_str()));
        out.push_str(&t.render());
        if let Some((median, worst)) = calibration::summary(&results, kind) {
            out.push_str(&format!(
                "  median |error| {:.1}%, worst {:.1}%\n",
                median * 100.0,
                worst * 100.0
            ));
        }
        out.push('\n');
    }
    out.push_str("Measurements and sources: catalog/calibration/public.toml. Fitted parameters: crates/xpuscope-core/src/perf/efficiency.rs.\n");
    Ok(out)
}
