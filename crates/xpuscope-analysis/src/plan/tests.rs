//! The planner's laws, its screen against its simulator, the export filter and the launch
//! templates.

use std::sync::Arc;

use proptest::prelude::*;
use xpuscope_export::RuleSet;
use xpuscope_model::catalog::Catalog;
use xpuscope_model::chip::Date;
use xpuscope_serve::EngineKind;

use super::buy::{decide, Destination};
use super::frontier::{pareto, FrontierPoint};
use super::launch::{hub_repo, launch, Role};
use super::*;

fn catalog() -> &'static Catalog {
    static CAT: std::sync::LazyLock<Catalog> =
        std::sync::LazyLock::new(|| Catalog::builtin().expect("built-in catalogue"));
    &CAT
}

fn chips(ids: &[&str]) -> Vec<&'static Chip> {
    ids.iter()
        .map(|id| catalog().chip(id).expect("chip"))
        .collect()
}

/// A small question that plans in about a second in a debug build.
fn small(rate: f64, ttft: f64, tpot: f64) -> PlanRequest {
    PlanRequest {
        model: Arc::new(catalog().model("llama-3.1-8b").expect("model").clone()),
        input_len: 1000,
        output_len: 200,
        request_rate: rate,
        slo: PlanSlo {
            ttft_s: ttft,
            tpot_s: tpot,
            percentile: 90.0,
        },
        max_chips: 64,
        engines: vec![EngineKind::Vllm],
        disaggregate: true,
        heterogeneous: true,
        cost: CostAssumptions::default(),
        max_power_kw: None,
        budget_usd: None,
        seed: 0,
        requests_per_rank: 120,
        max_simulations: 400,
    }
}

fn best_cost(req: &PlanRequest, ids: &[&str]) -> Option<f64> {
    let p = plan(req, &chips(ids), None).expect("plan");
    p.best().and_then(|b| b.costs.usd_per_hour)
}

#[test]
fn every_returned_candidate_was_simulated_and_the_best_meets_the_slo() {
    let req = small(8.0, 1.0, 0.03);
    let p = plan(&req, &chips(&["h100-sxm", "a100-sxm-80gb"]), None).expect("plan");
    let best = p.best().expect("an H100 fleet meets this");
    let s = best.simulated.expect("simulated");
    assert!(s.ttft_s <= 1.0 && s.tpot_s <= 0.03, "{s:?}");
    assert!(p.candidates.iter().all(|c| c.simulated.is_some()));
    // Ranked: meeting candidates first, cheapest first.
    let costs: Vec<f64> = p
        .candidates
        .iter()
        .filter(|c| c.meets_slo())
        .filter_map(|c| c.costs.usd_per_hour)
        .collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1] + 1e-9), "{costs:?}");
    assert!(p.counts.simulated >= p.candidates.len() as u64);
    assert!(!p.counts.capped);
    assert!(p.binding.is_empty());
}

#[test]
fn the_fleet_grows_with_the_rate_until_the_simulation_meets_the_slo() {
    let low = plan(&small(2.0, 1.0, 0.03), &chips(&["h100-sxm"]), None).expect("plan");
    let high = plan(&small(150.0, 1.0, 0.03), &chips(&["h100-sxm"]), None).expect("plan");
    let (l, h) = (low.best().expect("low"), high.best().expect("high"));
    assert!(h.chips() > l.chips(), "{} vs {}", h.chips(), l.chips());
}

#[test]
fn an_impossible_tpot_says_it_binds_and_what_would_do() {
    // One H100 token of Llama-3.1-70B takes milliseconds; 0.1 ms per token is impossible.
    let mut req = small(1.0, 2.0, 1e-4);
    req.model = Arc::new(catalog().model("llama-3.1-70b").expect("model").clone());
    let p = plan(&req, &chips(&["h100-sxm"]), None).expect("plan");
    assert!(p.best().is_none());
    let b = p.binding.first().expect("a binding");
    assert_eq!(b.constraint, "tpot");
    assert!(b.relaxation > 10.0, "{b:?}");
    assert!(b.suggestion.contains("--slo-tpot"), "{}", b.suggestion);
}

#[test]
fn too_few_chips_says_how_many_would_do() {
    let mut req = small(60.0, 1.0, 0.03);
    req.max_chips = 1;
    req.disaggregate = false;
    let p = plan(&req, &chips(&["h100-sxm"]), None).expect("plan");
    assert!(p.best().is_none());
    let b = p
        .binding
        .iter()
        .find(|b| b.constraint == "chips")
        .expect("chips bind");
    let needed: u32 = b
        .suggestion
        .trim_start_matches("--max-chips ")
        .parse()
        .expect("a chip count");
    assert!(needed > 1, "{b:?}");
}

#[test]
fn a_power_cap_removes_fleets_that_draw_more() {
    let mut req = small(20.0, 1.0, 0.03);
    let free = plan(&req, &chips(&["h100-sxm"]), None).expect("plan");
    let kw = free
        .best()
        .expect("best")
        .costs
        .power_kw
        .expect("tdp known");
    req.max_power_kw = Some(kw * 0.5);
    let capped = plan(&req, &chips(&["h100-sxm"]), None).expect("plan");
    for c in capped.candidates.iter().filter(|c| c.meets_slo()) {
        assert!(c.costs.power_kw.expect("known") <= kw * 0.5 + 1e-9);
    }
}

#[test]
fn heterogeneous_pools_put_prefill_and_decode_on_their_own_chips_only_when_asked() {
    let mixed = |heterogeneous: bool| {
        let mut req = small(8.0, 1.0, 0.03);
        req.heterogeneous = heterogeneous;
        let ranks: Vec<screen::Rank<'_>> = chips(&["h100-sxm", "l40s"])
            .into_iter()
            .flat_map(|c| space::configs(c, &req.model, &req.engines))
            .filter_map(|c| screen::Rank::new(c, &req.model, req.input_len, req.output_len).ok())
            .collect();
        fleet::size_all(&req, &ranks)
            .candidates
            .iter()
            .filter(|c| match c.deployment {
                Deployment::Disaggregated {
                    prefill, decode, ..
                } => prefill.config.chip.id != decode.config.chip.id,
                Deployment::Aggregated(_) => false,
            })
            .count()
    };
    assert!(mixed(true) > 0);
    assert_eq!(mixed(false), 0);
}

#[test]
fn the_screen_and_the_simulator_agree_on_tpot_within_a_factor_of_two() {
    let req = small(8.0, 1.0, 0.03);
    let p = plan(&req, &chips(&["h100-sxm"]), None).expect("plan");
    for c in &p.candidates {
        let s = c.simulated.expect("simulated");
        let r = s.tpot_mean_s / c.estimate_tpot_s;
        assert!(
            (0.5..2.0).contains(&r),
            "{r}: {s:?} vs {}",
            c.estimate_tpot_s
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn a_looser_slo_never_raises_the_best_cost(
        rate in 2.0f64..20.0,
        tpot in 0.012f64..0.04,
        loosen in 1.1f64..2.0,
    ) {
        let strict = best_cost(&small(rate, 1.0, tpot), &["h100-sxm", "a100-sxm-80gb"]);
        let loose = best_cost(&small(rate, loosen, tpot * loosen), &["h100-sxm", "a100-sxm-80gb"]);
        if let Some(s) = strict {
            let l = loose.expect("a looser SLO keeps every fleet that met the strict one");
            prop_assert!(l <= s + 1e-9, "loose {l} > strict {s}");
        }
    }

    #[test]
    fn a_higher_rate_never_lowers_the_chip_count(rate in 1.0f64..30.0, more in 1.2f64..3.0) {
        let at = |r: f64| {
            let p = plan(&small(r, 1.0, 0.03), &chips(&["h100-sxm"]), None).expect("plan");
            p.best().map(Candidate::chips)
        };
        if let (Some(low), Some(high)) = (at(rate), at(rate * more)) {
            prop_assert!(high >= low, "{high} chips at {} < {low} at {rate}", rate * more);
        }
    }

    #[test]
    fn excluding_a_chip_never_improves_the_best(rate in 2.0f64..20.0) {
        let req = small(rate, 1.0, 0.03);
        let all = best_cost(&req, &["h100-sxm", "h20", "l40s"]);
        let fewer = best_cost(&req, &["h20", "l40s"]);
        if let Some(f) = fewer {
            let a = all.expect("more chips keep every fleet of fewer");
            prop_assert!(a <= f + 1e-9, "with the H100 {a} > without {f}");
        }
    }
}

#[test]
fn pareto_keeps_only_undominated_points() {
    let pt = |chip: f64, user: f64| FrontierPoint {
        config: String::new(),
        batch: 1,
        tokens_per_s_per_chip: chip,
        tokens_per_s_per_user: user,
    };
    let kept = pareto(vec![
        pt(100.0, 50.0),
        pt(80.0, 40.0),
        pt(200.0, 20.0),
        pt(150.0, 50.0),
    ]);
    let pairs: Vec<(f64, f64)> = kept
        .iter()
        .map(|p| (p.tokens_per_s_per_chip, p.tokens_per_s_per_user))
        .collect();
    assert_eq!(pairs, vec![(150.0, 50.0), (200.0, 20.0)]);
}

fn date(s: &str) -> Date {
    xpuscope_export::parse_date(s).expect("date")
}

#[test]
fn the_export_filter_excludes_the_h100_and_h200_and_names_the_rule() {
    let rules = RuleSet::builtin().expect("rules");
    for id in ["h100-sxm", "h200-sxm"] {
        let chip = catalog().chip(id).expect("chip");
        let out =
            decide(chip, &rules, date("2025-08-01"), Destination::ChinaMacau).expect("classified");
        let x = out.expect_err("excluded");
        assert!(x.reason.contains("3A090.a"), "{}", x.reason);
        assert!(x.rule.contains("88 FR 73458"), "{}", x.rule);
    }
}

#[test]
fn the_h20_needs_a_licence_in_may_2025_and_is_kept_with_a_warning_in_august() {
    let rules = RuleSet::builtin().expect("rules");
    let h20 = catalog().chip("h20").expect("chip");
    let may = decide(h20, &rules, date("2025-05-01"), Destination::ChinaMacau).expect("ok");
    let x = may.expect_err("no licence policy yet in May 2025");
    assert!(x.reason.contains("2,400"), "{}", x.reason);
    let aug = decide(h20, &rules, date("2025-08-01"), Destination::ChinaMacau).expect("ok");
    let a = aug.expect("licences assured in August 2025");
    assert!(
        a.licence.to_lowercase().contains("licence"),
        "{}",
        a.licence
    );
    assert!(!a.warnings.is_empty());
}

#[test]
fn a_domestic_chip_is_kept_for_a_buyer_in_china() {
    let rules = RuleSet::builtin().expect("rules");
    let ascend = catalog().chip("ascend-910c").expect("chip");
    let out = decide(ascend, &rules, date("2025-08-01"), Destination::ChinaMacau).expect("ok");
    assert!(out.is_ok(), "{out:?}");
}

#[test]
fn launch_commands_carry_the_layout_in_each_engines_flags() {
    let model = catalog().model("deepseek-r1").expect("model");
    let chip = catalog().chip("h200-sxm").expect("chip");
    let layout = xpuscope_perf::Layout {
        tp: 1,
        pp: 1,
        dp: 8,
        ep: 8,
        cp: 1,
    };
    let cfg = |kind: EngineKind| space::Config {
        chip,
        layout,
        precisions: xpuscope_perf::Precisions {
            kv_cache: xpuscope_model::chip::Precision::Fp8,
            ..xpuscope_perf::Precisions::for_weights(xpuscope_model::chip::Precision::Fp8)
        },
        engine: kind.defaults_for(chip, model, &layout),
    };
    assert_eq!(hub_repo(model), "deepseek-ai/DeepSeek-R1");
    let v = launch(&cfg(EngineKind::Vllm), model, Role::Both).expect("vllm");
    assert!(
        v.command
            .starts_with("vllm serve deepseek-ai/DeepSeek-R1 --tensor-parallel-size 1"),
        "{}",
        v.command
    );
    for f in [
        "--data-parallel-size 8",
        "--enable-expert-parallel",
        "--kv-cache-dtype fp8",
        "--quantization fp8",
    ] {
        assert!(v.command.contains(f), "{f} missing: {}", v.command);
    }
    assert!(!v.command.contains("kv-transfer"), "{}", v.command);
    let s = launch(&cfg(EngineKind::Sglang), model, Role::Decode).expect("sglang");
    for f in [
        "--tp 8 ",
        "--dp 8 --enable-dp-attention",
        "--ep-size 8",
        "--disaggregation-mode decode",
    ] {
        assert!(s.command.contains(f), "{f} missing: {}", s.command);
    }
    let t = launch(&cfg(EngineKind::Trtllm), model, Role::Both).expect("trtllm");
    assert!(
        t.command.contains("--tp_size 8") && t.command.contains("--ep_size 8"),
        "{}",
        t.command
    );
    let yaml = t.yaml.expect("trtllm takes a yaml");
    assert!(
        yaml.contains("enable_attention_dp: true") && yaml.contains("dtype: fp8"),
        "{yaml}"
    );
    assert!(!yaml.contains("cache_transceiver"), "{yaml}");
}

#[test]
fn invalid_requests_are_refused_in_one_sentence() {
    let c = chips(&["h100-sxm"]);
    let mut r = small(1.0, 1.0, 0.03);
    r.request_rate = f64::NAN;
    assert!(plan(&r, &c, None).is_err());
    let mut r = small(1.0, 1.0, 0.03);
    r.slo.percentile = 100.0;
    let e = plan(&r, &c, None).expect_err("percentile");
    assert!(e.to_string().contains("--percentile"), "{e}");
    let mut r = small(1.0, 1.0, 0.03);
    r.slo.tpot_s = -1.0;
    assert!(plan(&r, &c, None).is_err());
    assert!(plan(&small(1.0, 1.0, 0.03), &[], None).is_err());
}

#[test]
fn engines_run_only_on_the_vendors_their_templates_list() {
    use super::launch::engines_for;
    let all = EngineKind::ALL.to_vec();
    let on = |id: &str| engines_for(catalog().chip(id).expect("chip"), &all).expect("templates");
    assert_eq!(on("h100-sxm").engines, all);
    assert!(on("h100-sxm").why.is_none());
    // TensorRT-LLM is NVIDIA's alone.
    assert_eq!(
        on("mi300x").engines,
        vec![EngineKind::Vllm, EngineKind::Sglang]
    );
    assert_eq!(
        on("ascend-910c").engines,
        vec![EngineKind::Vllm, EngineKind::Sglang]
    );
    // A vendor no engine lists is planned with vLLM standing in, and says so.
    let k = on("kunlun-r300");
    assert_eq!(k.engines, vec![EngineKind::Vllm]);
    assert!(k.why.expect("a note").contains("standing in"));
    // Only TensorRT-LLM asked for an AMD chip: nothing to try, and the sentence names what runs.
    let t = engines_for(
        catalog().chip("mi300x").expect("chip"),
        &[EngineKind::Trtllm],
    )
    .expect("templates");
    assert!(t.engines.is_empty());
    assert!(
        t.why.as_deref().expect("why").contains("run vllm, sglang"),
        "{t:?}"
    );
}

#[test]
fn every_platform_vendor_is_spelt_as_the_chips_spell_it() {
    let text = xpuscope_model::catalog::builtin_text(super::launch::LAUNCH_FILE).expect("file");
    let v: toml::Value = toml::from_str(text).expect("toml");
    let vendors: std::collections::HashSet<&str> = catalog()
        .chips()
        .iter()
        .map(|c| c.vendor.as_str())
        .collect();
    for e in v["engine"].as_array().expect("engines") {
        for p in e["platforms"].as_array().expect("platforms") {
            let p = p.as_str().expect("a string");
            assert!(vendors.contains(p), "`{p}` is no chip's vendor");
        }
    }
}

#[test]
fn a_chip_no_wanted_engine_runs_on_is_unrunnable_with_the_reason() {
    let mut req = small(2.0, 2.0, 0.05);
    req.engines = vec![EngineKind::Trtllm];
    let p = plan(&req, &chips(&["h100-sxm", "mi300x"]), None).expect("plan");
    assert!(p.candidates.iter().all(|c| c.chip_label() == "h100-sxm"));
    let (id, why) = p
        .unrunnable
        .iter()
        .find(|(id, _)| id == "mi300x")
        .expect("mi300x");
    assert_eq!(id, "mi300x");
    assert!(why.contains("--engine asks for none of them"), "{why}");
}
