//! `validate`: every public measurement, predicted, with the error per case and per kind; then
//! the hold-out set of current-engine measurements that no parameter was fitted to.

use anyhow::{anyhow, Result};
use serde_json::{json, Value};
use xpuscope_analysis::calibration::{self, CaseKind, CaseResult};
use xpuscope_perf::Efficiency;

use super::{json, Ctx};
use crate::cli::Format;
use xpuscope_report::table::{sig, Align, Table};

const KINDS: [CaseKind; 6] = [
    CaseKind::Inference,
    CaseKind::Training,
    CaseKind::Gemm,
    CaseKind::Memory,
    CaseKind::AllReduce,
    CaseKind::AllToAll,
];

fn set_json(results: &[CaseResult]) -> Value {
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
                "source": r.source,
                "assumption": r.assumption,
            })
        })
        .collect();
    let summary: Vec<_> = KINDS
        .iter()
        .filter_map(|&k| {
            calibration::summary(results, k).map(|(median, worst)| {
                json!({"kind": k.as_str(), "median_abs_error": median, "worst_abs_error": worst})
            })
        })
        .collect();
    json!({"cases": cases, "summary": summary})
}

fn set_text(results: &[CaseResult], prefix: &str) -> String {
    let mut out = String::new();
    for kind in KINDS {
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
        let mut failures = Vec::new();
        for r in rows {
            let (pred, err) = match &r.failure {
                Some(f) => {
                    failures.push(format!("  {}: {f}", r.id));
                    ("failed".to_string(), String::new())
                }
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
        out.push_str(&format!("{prefix}{}\n", kind.as_str()));
        out.push_str(&t.render());
        for f in failures {
            out.push_str(&f);
            out.push('\n');
        }
        if let Some((median, worst)) = calibration::summary(results, kind) {
            out.push_str(&format!(
                "  median |error| {:.1}%, worst {:.1}%\n",
                median * 100.0,
                worst * 100.0
            ));
        }
        out.push('\n');
    }
    out
}

/// `xpuscope validate`.
pub fn run(ctx: &Ctx) -> Result<String> {
    let eff = Efficiency::default();
    let m = calibration::builtin().map_err(|e| anyhow!(e))?;
    let public = calibration::validate(&ctx.catalog, &m, &eff);
    let holdout = match calibration::builtin_holdout() {
        Some(h) => Some(calibration::validate(
            &ctx.catalog,
            &h.map_err(|e| anyhow!(e))?,
            &eff,
        )),
        None => None,
    };
    if ctx.format == Format::Json {
        let mut v = set_json(&public);
        if let Some(h) = &holdout {
            v["holdout"] = set_json(h);
        }
        return json(&v);
    }
    let mut out = set_text(&public, "");
    out.push_str("Measurements and sources: catalog/calibration/public.toml. Fitted parameters: crates/xpuscope-core/src/perf/efficiency.rs.\n");
    if let Some(h) = &holdout {
        out.push_str("\nhold-out: current engines, not used to fit anything (catalog/calibration/modern.toml)\n\n");
        out.push_str(&set_text(h, "hold-out "));
    }
    Ok(out)
}
