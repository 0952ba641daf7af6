//! Error bars: how far the model has been from measurements of the same kind, as the spread of
//! measured / predicted over the calibration cases of each regime.
//!
//! A regime is a kind of prediction and what shapes its error: `serving/<engine>/<dense|moe>` for
//! the serving family (`calibration/serving.toml`), `inference/<engine>/<dense|moe>` for the
//! static-batch cases and `training/<dense|moe>` for the training cases (`calibration/public.toml`),
//! each also pooled without its last part. The hold-out (`calibration/modern.toml`) is left out:
//! it judges the model and the intervals alike. A result takes the most specific regime with at
//! least [`MIN_CASES`] cases and carries its 10th and 90th percentile of measured / predicted (by
//! nearest rank, taken outward): the range at least four in five of its cases fell in.
//!
//! Computing them runs every calibration case (a fraction of a second in a release build), so the
//! values are kept as data (`catalog/calibration/intervals.toml`) that a test recomputes and
//! compares; `XPUSCOPE_WRITE_INTERVALS=1 cargo test -p xpuscope-analysis intervals` rewrites it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use xpuscope_model::catalog::Catalog;
use xpuscope_perf::Efficiency;

use super::{serving, CaseKind};

/// Fewest cases a regime needs to give an interval.
pub const MIN_CASES: usize = 3;
/// The data file under `catalog/`.
pub const FILE: &str = "calibration/intervals.toml";

/// One regime's spread of measured / predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// The regime, e.g. `serving/vllm/dense`.
    pub group: String,
    /// Cases behind it.
    pub cases: usize,
    /// 10th percentile of measured / predicted.
    pub low: f64,
    /// Median of measured / predicted.
    pub median: f64,
    /// 90th percentile of measured / predicted.
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    interval: Vec<Interval>,
}

/// Every regime's interval.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Intervals {
    groups: Vec<Interval>,
}

/// The value at quantile `q` of sorted `v`, interpolating between ranks.
fn quantile(v: &[f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos.fract());
    if i + 1 < v.len() {
        v[i] * (1.0 - f) + v[i + 1] * f
    } else {
        v[i]
    }
}

/// The 10th and 90th percentiles of sorted `v` by nearest rank, taken outward (the lowest value
/// at or below the 10th, the highest at or above the 90th), so that at least 80% of the cases
/// lie between them however few there are (with under ten cases, the smallest and largest).
fn outer_decile_range(v: &[f64]) -> (f64, f64) {
    let n = v.len();
    let lo = (0.1 * n as f64).floor() as usize;
    let hi = ((0.9 * n as f64).ceil() as usize).clamp(1, n) - 1;
    (v[lo.min(hi)], v[hi])
}

fn moe_word(cat: &Catalog, model: &str) -> &'static str {
    match cat.model(model) {
        Ok(m) if m.moe.is_some() => "moe",
        _ => "dense",
    }
}

/// The regime keys of a prediction, most specific first.
pub fn keys(kind: &str, engine: Option<&str>, moe: bool) -> Vec<String> {
    let family = if moe { "moe" } else { "dense" };
    let mut v = Vec::new();
    match engine {
        Some(e) => {
            v.push(format!("{kind}/{e}/{family}"));
            v.push(format!("{kind}/{e}"));
        }
        None => v.push(format!("{kind}/{family}")),
    }
    v.push(kind.to_string());
    v
}

impl Intervals {
    /// Runs every calibration case of `cat`'s built-in sets and groups the ratios.
    pub fn compute(cat: &Catalog) -> Result<Intervals, String> {
        let mut ratios: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut add = |keys: Vec<String>, r: f64| {
            if r.is_finite() && r > 0.0 {
                for k in keys {
                    ratios.entry(k).or_default().push(r);
                }
            }
        };
        let m = super::builtin()?;
        let results = super::validate(cat, &m, &Efficiency::default());
        for c in &m.inference {
            if let Some(r) = results.iter().find(|r| r.id == c.id) {
                let moe = moe_word(cat, &c.model) == "moe";
                let engine = c.engine.as_deref().unwrap_or("modern");
                add(
                    keys("inference", Some(engine), moe),
                    r.measured / r.predicted,
                );
            }
        }
        for c in &m.training {
            if let Some(r) = results
                .iter()
                .find(|r| r.id == c.id && r.kind == CaseKind::Training)
            {
                // A cost (GPU-hours) runs against throughput: its ratio is turned round so that
                // every ratio is measured / predicted of a rate.
                let ratio = if r.metric == "MFU" {
                    r.measured / r.predicted
                } else {
                    r.predicted / r.measured
                };
                add(
                    keys("training", None, moe_word(cat, &c.model) == "moe"),
                    ratio,
                );
            }
        }
        if let Some(cases) = serving::builtin() {
            let cases = cases.map_err(|e| e.0.join("; "))?;
            for r in serving::validate(cat, &cases) {
                if let Some(f) = r.scored() {
                    let moe = moe_word(cat, &r.case.model) == "moe";
                    add(
                        keys("serving", Some(r.case.engine.as_str()), moe),
                        f.measured / f.predicted,
                    );
                }
            }
        }
        let groups = ratios
            .into_iter()
            .map(|(group, mut v)| {
                v.sort_by(f64::total_cmp);
                let (low, high) = outer_decile_range(&v);
                Interval {
                    group,
                    cases: v.len(),
                    low,
                    median: quantile(&v, 0.5),
                    high,
                }
            })
            .collect();
        Ok(Intervals { groups })
    }

    /// The compiled-in intervals (empty when the file is missing or malformed; a test checks it
    /// is present, well-formed and current).
    pub fn builtin() -> &'static Intervals {
        static BUILTIN: LazyLock<Intervals> = LazyLock::new(|| {
            xpuscope_model::catalog::builtin_text(FILE)
                .and_then(|t| Intervals::from_toml(t).ok())
                .unwrap_or_default()
        });
        &BUILTIN
    }

    /// Reads the data file's text.
    pub fn from_toml(text: &str) -> Result<Intervals, String> {
        let f: File = toml::from_str(text).map_err(|e| format!("catalog/{FILE}: {e}"))?;
        Ok(Intervals { groups: f.interval })
    }

    /// The data file's text.
    pub fn to_toml(&self) -> String {
        let head = "# Error bars per regime: the 10th, 50th and 90th percentile of measured / predicted over\n# the calibration cases (public.toml and serving.toml; the hold-out is left out). Generated by\n# `XPUSCOPE_WRITE_INTERVALS=1 cargo test -p xpuscope-analysis intervals`; a test keeps it current.\n\n";
        let body = toml::to_string(&File {
            interval: self.groups.clone(),
        })
        .unwrap_or_default();
        format!("{head}{body}")
    }

    /// Every regime.
    pub fn groups(&self) -> &[Interval] {
        &self.groups
    }

    /// The first of `keys` with at least [`MIN_CASES`] cases.
    pub fn lookup(&self, keys: &[String]) -> Option<&Interval> {
        keys.iter().find_map(|k| {
            self.groups
                .iter()
                .find(|g| &g.group == k && g.cases >= MIN_CASES)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalog {
        Catalog::builtin().expect("catalogue")
    }

    #[test]
    fn intervals_file_is_current() {
        let fresh = Intervals::compute(&cat()).expect("computed");
        let text = fresh.to_toml();
        if std::env::var_os("XPUSCOPE_WRITE_INTERVALS").is_some() {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../catalog")
                .join(FILE);
            std::fs::write(&path, &text).expect("written");
            return;
        }
        let stored = Intervals::builtin();
        assert!(
            !stored.groups().is_empty(),
            "catalog/{FILE} is missing or malformed"
        );
        assert_eq!(
            stored.groups().len(),
            fresh.groups().len(),
            "regenerate catalog/{FILE}"
        );
        for (a, b) in stored.groups().iter().zip(fresh.groups()) {
            assert_eq!(a.group, b.group);
            assert_eq!(a.cases, b.cases, "{}", a.group);
            for (x, y) in [(a.low, b.low), (a.median, b.median), (a.high, b.high)] {
                assert!(
                    (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                    "{}: {x} vs {y}; regenerate catalog/{FILE}",
                    a.group
                );
            }
        }
    }

    #[test]
    fn an_interval_holds_the_measurement_for_at_least_four_cases_in_five_of_its_own() {
        // Each case of the fitted set, scaled by its regime's interval, brackets its measurement
        // for at least 80% of the cases (the interval is the 10th to 90th percentile, so a
        // spread computed wrongly, or a regime given the wrong cases, fails this).
        let cat = cat();
        let iv = Intervals::compute(&cat).expect("computed");
        let m = crate::calibration::builtin().expect("public");
        let results = crate::calibration::validate(&cat, &m, &Efficiency::default());
        let (mut inside, mut total) = (0usize, 0usize);
        for c in &m.inference {
            let r = results.iter().find(|r| r.id == c.id).expect("result");
            let k = keys(
                "inference",
                Some(c.engine.as_deref().unwrap_or("modern")),
                moe_word(&cat, &c.model) == "moe",
            );
            if let Some(i) = iv.lookup(&k) {
                total += 1;
                let (lo, hi) = (r.predicted * i.low, r.predicted * i.high);
                inside +=
                    usize::from(r.measured >= lo * (1.0 - 1e-9) && r.measured <= hi * (1.0 + 1e-9));
            }
        }
        let cases = serving::builtin().expect("serving file").expect("parses");
        for r in serving::validate(&cat, &cases) {
            if let Some(f) = r.scored() {
                let k = keys(
                    "serving",
                    Some(r.case.engine.as_str()),
                    moe_word(&cat, &r.case.model) == "moe",
                );
                if let Some(i) = iv.lookup(&k) {
                    total += 1;
                    let (lo, hi) = (f.predicted * i.low, f.predicted * i.high);
                    inside += usize::from(
                        f.measured >= lo * (1.0 - 1e-9) && f.measured <= hi * (1.0 + 1e-9),
                    );
                }
            }
        }
        assert!(total >= 20, "{total} cases with an interval");
        assert!(inside * 5 >= total * 4, "{inside} of {total} inside");
    }

    #[test]
    fn lookup_falls_back_to_the_pooled_regime() {
        let iv = Intervals {
            groups: vec![
                Interval {
                    group: "serving".into(),
                    cases: 10,
                    low: 0.5,
                    median: 0.8,
                    high: 1.1,
                },
                Interval {
                    group: "serving/vllm".into(),
                    cases: 2,
                    low: 0.9,
                    median: 1.0,
                    high: 1.1,
                },
            ],
        };
        let k = keys("serving", Some("vllm"), true);
        assert_eq!(k, vec!["serving/vllm/moe", "serving/vllm", "serving"]);
        assert_eq!(iv.lookup(&k).expect("pooled").group, "serving");
    }
}
