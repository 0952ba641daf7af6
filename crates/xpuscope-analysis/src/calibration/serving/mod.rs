//! The serving family: public measurements of continuous-batching engines under load
//! (`catalog/calibration/serving.toml`), each predicted by the serving simulator.
//!
//! A case is a deployment (chip, model, layout, precisions), the engine that ran it, how requests
//! arrived and how long they were, and what was measured: output tokens per second for the whole
//! system, and mean TTFT, TPOT or ITL where the source gives them. [`parse`] turns the file into
//! validated [`ServingCase`]s, reporting every problem at once; [`validate`] predicts each case
//! once with `xpuscope_serve::simulate` and [`summaries`] gives the error per engine.
//!
//! What it deliberately does not do: fit or tune anything. The simulator's host time per step is
//! its own unfitted estimate and each engine runs with its defaults, overridden only where a
//! source states what it configured (`max_num_seqs`, `max_num_tokens`). Every run is seeded, so
//! the same catalogue gives the same predictions.
//!
//! `parse.rs` reads and checks the file; `predict.rs` runs each case and scores it.

mod parse;
mod predict;

pub use parse::{builtin, parse, CaseArrivals, InvalidServing, Measured, ServingCase};
pub use predict::{
    requests, summaries, validate, EngineSummary, ServingFigure, ServingMetric, ServingResult,
};

#[cfg(test)]
mod tests {
    use super::*;
    use xpuscope_model::catalog::Catalog;
    use xpuscope_model::chip::Precision;
    use xpuscope_serve::EngineKind;

    fn cases() -> Vec<ServingCase> {
        builtin()
            .expect("calibration/serving.toml is compiled in")
            .unwrap()
    }

    /// Every case parses, names its source and assumptions, resolves (chip, model, layout) and
    /// predicts a positive throughput; every engine is represented.
    #[test]
    fn every_case_resolves_and_predicts() {
        let cases = cases();
        assert!(cases.len() >= 10, "{} cases", cases.len());
        for c in &cases {
            assert!(!c.source.is_empty(), "{} declares no source", c.id);
            assert!(!c.assumptions.is_empty(), "{} states no assumptions", c.id);
        }
        for kind in EngineKind::ALL {
            assert!(
                cases.iter().any(|c| c.engine == kind),
                "no {} case",
                kind.as_str()
            );
        }
        let cat = Catalog::builtin().unwrap();
        let results = validate(&cat, &cases);
        for r in &results {
            assert!(r.failure.is_none(), "{}: {:?}", r.case.id, r.failure);
            let scored = r.scored().expect("one scored figure");
            assert!(
                scored.predicted.is_finite() && scored.predicted > 0.0,
                "{}: {scored:?}",
                r.case.id
            );
            for f in &r.figures {
                assert!(
                    f.predicted > 0.0,
                    "{} {}: {f:?}",
                    r.case.id,
                    f.metric.as_str()
                );
            }
        }
        let s = summaries(&results);
        let all = s.iter().find(|s| s.engine.is_none() && !s.unfitted_only);
        assert_eq!(all.map(|s| s.cases), Some(results.len()));
        // The not-fitted summary counts exactly the cases without `fitted`.
        let unfitted = results.iter().filter(|r| r.case.fitted.is_none()).count();
        let not_fitted = s
            .iter()
            .find(|s| s.unfitted_only)
            .map_or(results.len(), |s| s.cases);
        assert_eq!(not_fitted, unfitted);
        assert!(
            unfitted < results.len(),
            "the EAGER_LAUNCH cases are marked"
        );
    }

    fn check_err(text: &str, expect: &[&str]) {
        let e = parse(text).expect_err("the file is invalid").to_string();
        for x in expect {
            assert!(e.contains(x), "`{x}` not in:\n{e}");
        }
    }

    #[test]
    fn problems_name_the_case_and_field_all_at_once() {
        check_err(
            r#"
[[serving]]
id = "a"
source = "s"
engine = "tensorflow"
chip = "h100-sxm"
model = "llama-2-70b"
weights = "fp7"
arrivals = "closed"
input_len = 10
output_len = 10
output_tokens_per_s = 100

[[serving]]
id = "b"
source = ""
assumptions = "x"
engine = "vllm"
chip = "h100-sxm"
model = "llama-2-70b"
weights = "fp8"
arrivals = "poisson"
dp = 8
input_len = 10
output_len = 10
tpot_ms = 20
fitted = "EAGER_LUNCH"
"#,
            &[
                "case `a`, field `assumptions`",
                "case `a`, field `engine`: `tensorflow`",
                "case `a`, field `weights`: unknown precision `fp7`",
                "case `a`, field `concurrency`",
                "case `b`, field `source`",
                "case `b`, field `output_tokens_per_s`: a Poisson case",
                "case `b`, field `fitted`: `EAGER_LUNCH` is not a fitted serving parameter; the simulator fits EAGER_LAUNCH",
            ],
        );
        check_err(
            "[[serving]]\nid = \"a\"\nwho = 1\n",
            &["unknown field `who`"],
        );
    }

    #[test]
    fn per_chip_throughput_must_match_the_layout() {
        let text = r#"
[[serving]]
id = "a"
source = "s"
assumptions = "none"
engine = "trtllm"
chip = "h200-sxm"
model = "llama-2-70b"
weights = "fp8"
dp = 8
arrivals = "offline"
input_len = 300
output_len = 300
output_tokens_per_s = 8000
output_tokens_per_s_per_chip = 8000
"#;
        check_err(text, &["case `a`, field `output_tokens_per_s_per_chip`"]);
        let fixed = text.replace("per_chip = 8000", "per_chip = 1000");
        let c = parse(&fixed).unwrap();
        assert_eq!(c[0].layout.chips(), 8);
        assert_eq!(c[0].precisions.kv_cache, Precision::Bf16);
    }
}
