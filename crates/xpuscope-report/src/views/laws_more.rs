//! The same laws as `laws` for the commands that compare, chart, sweep and classify: random valid
//! flag combinations give a real answer (every JSON number finite and non-negative) or an error,
//! never a panic.

use std::sync::atomic::AtomicU64;

use proptest::prelude::*;
use xpuscope_model::chip::Date;

use super::laws::{cat, finite, numbers_are_real, CHIPS, MODELS, WEIGHTS};
use super::{compare, export, roofline, sweep};
use crate::options::{BatchOption, CompareOptions, RooflineOptions};

/// A chip id from the whole catalogue, unmodelled ones included.
fn any_chip(i: usize) -> &'static xpuscope_model::chip::Chip {
    let chips = cat().chips();
    &chips[i % chips.len()]
}

/// The what-if keys `export --set` takes, with values in their physical range.
const SETS: &[&str] = &[
    "bf16_tflops=150",
    "fp8_tflops=2000",
    "int8_tops=990",
    "die_area_mm2=600",
    "memory_bandwidth_gbs=4000",
    "scale_up_gbs=900",
    "datacenter=false",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn roofline_answers_are_real_or_errors(
        a in 0..CHIPS.len(), b in 0..CHIPS.len(), model in 0..MODELS.len(), w in 0..WEIGHTS.len(),
        tp in prop::sample::select(vec![1u32, 2, 8]), batch in 1u64..512,
        input in 1u64..16_000, output in 1u64..2_000,
    ) {
        let chips = [cat().chip(CHIPS[a]).unwrap(), cat().chip(CHIPS[b]).unwrap()];
        let m = cat().model(MODELS[model]).unwrap();
        let o = RooflineOptions {
            tp: Some(tp),
            weights: Some(WEIGHTS[w].into()),
            batch: Some(batch),
            input_len: Some(input),
            output_len: Some(output),
        };
        if let Ok(v) = roofline::roofline(&chips, m, &o) {
            let j = serde_json::to_value(&v).unwrap();
            prop_assert!(numbers_are_real(&j, "roofline").is_ok(), "{:?}", numbers_are_real(&j, "roofline"));
            prop_assert!(v.svg().contains("<svg"));
        }
    }

    #[test]
    fn export_answers_are_real_or_errors(
        chip in 0usize..1000, days in 0i64..2200, picks in prop::collection::vec(0..SETS.len(), 0..3),
        area in 1.0f64..2_000.0, dc in any::<bool>(), bw in prop::option::of(0.0f64..10_000.0),
    ) {
        let chip = any_chip(chip);
        // 2021-01-01 plus up to six years.
        let date = export::date_from_unix_days(18_628 + days);
        let date_text = format!("{date}");
        let mut set: Vec<String> = picks.iter().map(|&i| SETS[i].to_string()).collect();
        set.dedup();
        let o = export::ExportOptions { date: Some(date_text.clone()), set };
        let today = Date::parse("2026-12-01").unwrap();
        match o.resolve(today) {
            Ok(q) => {
                for j in [
                    export::classification(chip, &q).map(|v| serde_json::to_value(&v).unwrap()),
                    export::timeline(chip, &q).map(|v| serde_json::to_value(&v).unwrap()),
                ]
                .into_iter()
                .flatten()
                {
                    prop_assert!(finite(&j, "export", &["margin"]).is_ok(), "{}: {:?}", chip.id, finite(&j, "export", &["margin"]));
                }
            }
            // Only a key given twice is refused, and `set` was deduplicated by value.
            Err(e) => prop_assert!(e.to_string().contains("twice"), "{e}"),
        }
        let d = export::DesignOptions {
            date: Some(date_text),
            die_area_mm2: Some(area),
            datacenter: Some(dc),
            memory_bandwidth_gbs: bw,
        };
        let spec = d.resolve(today).unwrap();
        if let Ok(v) = export::design(&spec) {
            let j = serde_json::to_value(&v).unwrap();
            prop_assert!(finite(&j, "design", &["margin"]).is_ok(), "{:?}", finite(&j, "design", &["margin"]));
        }
    }

    #[test]
    fn sweep_rows_are_real_or_the_sweep_is_refused(
        chips in prop::collection::vec(0..CHIPS.len(), 1..3), model in 0..MODELS.len(),
        tps in prop::collection::vec(prop::sample::select(vec![1u32, 2, 4, 8]), 1..3),
        batches in prop::collection::vec(1u64..300, 1..4), w in 0..WEIGHTS.len(), max in any::<bool>(),
        input in 1u64..8_000,
    ) {
        let chips: Vec<_> = chips.iter().map(|&i| cat().chip(CHIPS[i]).unwrap()).collect();
        let models = vec![cat().model(MODELS[model]).unwrap().clone()];
        let mut batch: Vec<BatchOption> = batches.into_iter().map(BatchOption::Count).collect();
        if max {
            batch.push(BatchOption::Word("max".into()));
        }
        let o = sweep::SweepOptions {
            tp: tps,
            batch,
            input_len: vec![input],
            weights: vec![WEIGHTS[w].into()],
            ..sweep::SweepOptions::default()
        };
        if let Ok(job) = sweep::SweepJob::new(&chips, &models, &o) {
            let rows = job.run(&AtomicU64::new(0));
            for line in rows.json_lines().lines() {
                let j: serde_json::Value = serde_json::from_str(line).unwrap();
                prop_assert!(numbers_are_real(&j, "sweep").is_ok(), "{:?}", numbers_are_real(&j, "sweep"));
            }
        }
    }
}

proptest! {
    // A comparison runs a training search and a serving simulation per chip: few cases.
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn compare_answers_are_real_or_errors(
        a in 0..CHIPS.len(), b in 0..CHIPS.len(), model in 0..2usize,
        n in prop::sample::select(vec![1u32, 8]), w in 0..2usize,
    ) {
        let chips = [cat().chip(CHIPS[a]).unwrap(), cat().chip(CHIPS[b]).unwrap()];
        let m = cat().model(MODELS[model]).unwrap();
        let o = CompareOptions {
            chips: Some(n),
            weights: Some(["bf16", "fp8"][w].into()),
            ..CompareOptions::default()
        };
        if let Ok(v) = compare::compare(&chips, m, &o) {
            let j = serde_json::to_value(&v).unwrap();
            prop_assert!(numbers_are_real(&j, "compare").is_ok(), "{:?}", numbers_are_real(&j, "compare"));
        }
    }
}

/// The property above may draw only refused pairs; the headline pair must answer, in full.
#[test]
fn the_headline_comparison_is_real() {
    let chips = [cat().chip("h100-sxm").unwrap(), cat().chip("h20").unwrap()];
    let m = cat().model("llama-3.1-8b").unwrap();
    let o = CompareOptions {
        chips: Some(1),
        weights: Some("fp8".into()),
        ..CompareOptions::default()
    };
    let v = compare::compare(&chips, m, &o).expect("h100-sxm vs h20 compares");
    let j = serde_json::to_value(&v).unwrap();
    assert!(
        numbers_are_real(&j, "compare").is_ok(),
        "{:?}",
        numbers_are_real(&j, "compare")
    );
    // Every workload value carries its interval: a rate's is value x factors, a time's the
    // inverse (a step x times longer gives x times fewer tokens per second).
    for row in &v.rows {
        for (id, value) in &row.values {
            let Some(value) = value else { continue };
            let e = row
                .error_bar
                .get(id)
                .unwrap_or_else(|| panic!("{} / {id}: no error bar", row.id));
            let (low, high) = if row.unit == "s" {
                (value / e.high_factor, value / e.low_factor)
            } else {
                (value * e.low_factor, value * e.high_factor)
            };
            assert!(
                (e.low - low).abs() <= 1e-12 * low && (e.high - high).abs() <= 1e-12 * high,
                "{} / {id}",
                row.id
            );
            assert!(e.low <= e.high && e.cases >= 3, "{} / {id}: {e:?}", row.id);
        }
    }
    assert!(
        v.specs.iter().all(|r| r.error_bar.is_empty()),
        "datasheet rows have no error bar"
    );
}

proptest! {
    // A plan screens every configuration of its chips and simulates the best: few cases.
    #![proptest_config(ProptestConfig::with_cases(3))]

    #[test]
    fn plan_answers_are_real_or_errors(
        a in 0..CHIPS.len(), b in 0..CHIPS.len(), rate in 0.5f64..40.0,
        input in 64u64..4_000, output in 16u64..1_000, tpot_ms in 20.0f64..200.0,
        disaggregate in any::<bool>(),
    ) {
        let m = std::sync::Arc::new(cat().model("llama-3.1-8b").unwrap().clone());
        let o = super::plan::PlanOptions {
            chips: Some(vec![CHIPS[a].into(), CHIPS[b].into()]),
            input_len: Some(input),
            output_len: Some(output),
            request_rate: Some(rate),
            slo_ttft: Some(2.0),
            slo_tpot: Some(tpot_ms / 1e3),
            max_chips: Some(64),
            disaggregate: Some(disaggregate),
            requests_per_rank: Some(60),
            max_simulations: Some(20),
            ..super::plan::PlanOptions::default()
        };
        if let Ok(job) = super::plan::PlanJob::new(cat(), m, &o) {
            if let Ok(v) = job.run(None) {
                let j = serde_json::to_value(&v).unwrap();
                prop_assert!(finite(&j, "plan", &[]).is_ok(), "{:?}", finite(&j, "plan", &[]));
            }
        }
    }
}

/// The random plans may all be refused; a plain one must answer, with finite numbers.
#[test]
fn a_plain_plan_answers_with_real_numbers() {
    let m = std::sync::Arc::new(cat().model("llama-3.1-8b").unwrap().clone());
    let o = super::plan::PlanOptions {
        chips: Some(vec!["h100-sxm".into(), "h20".into()]),
        input_len: Some(1000),
        output_len: Some(200),
        request_rate: Some(5.0),
        slo_ttft: Some(2.0),
        slo_tpot: Some(0.1),
        max_chips: Some(16),
        requests_per_rank: Some(60),
        max_simulations: Some(20),
        ..super::plan::PlanOptions::default()
    };
    let v = super::plan::PlanJob::new(cat(), m, &o)
        .and_then(|j| j.run(None))
        .expect("a plain plan answers");
    let j = serde_json::to_value(&v).unwrap();
    assert!(
        finite(&j, "plan", &[]).is_ok(),
        "{:?}",
        finite(&j, "plan", &[])
    );
}
