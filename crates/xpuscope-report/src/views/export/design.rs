//! Design to threshold (`xpuscope export --design`): the most dense throughput per precision that
//! stays outside each paragraph, as a view and as text.
//!
//! It deliberately computes no ceiling: targets and what binds them are the export crate's
//! [`Design`].

use std::collections::BTreeMap;

use serde::Serialize;
use xpuscope_export::{Ceiling, Design, DISCLAIMER};
use xpuscope_model::chip::Precision;
use xpuscope_model::units::BytesPerSecond;

use super::{section, trimmed, wrap, RuleView};
use crate::table::{num, Align, Table};

/// One goal and the most throughput that meets it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TargetView {
    /// Stable key (`outside-3a090`, `outside-3a090a`, `case-by-case`).
    pub key: String,
    /// The goal, in words.
    pub goal: String,
    /// Whether any TPP meets the goal with this spec.
    pub reachable: bool,
    /// The TPP the part must stay below, where reachable.
    pub tpp_below: Option<f64>,
    /// Which gate sets the ceiling, and why the others do not.
    pub binding: String,
    /// Precision name to the dense rate it must stay below, in FLOP/s (OP/s for integers).
    pub dense_flops_per_s_below: BTreeMap<&'static str, f64>,
}

/// The answer for one design spec (`xpuscope export --design`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DesignView {
    /// The date whose rules apply, `YYYY-MM-DD`.
    pub date: String,
    /// The 3A090 rule in force on the date.
    pub rule: RuleView,
    /// Total logic die area.
    pub die_area_mm2: f64,
    /// Designed or marketed for datacenters.
    pub datacenter: bool,
    /// DRAM bandwidth, if decided.
    pub memory_bandwidth_bytes_per_s: Option<f64>,
    /// One row per goal.
    pub targets: Vec<TargetView>,
    /// Letters, policies and caveats that the ceilings do not capture.
    pub notes: Vec<String>,
    /// Informational only, not legal advice.
    pub disclaimer: &'static str,
}

impl DesignView {
    /// The view of one design answer.
    pub fn new(d: &Design) -> DesignView {
        DesignView {
            date: d.spec.date.to_string(),
            rule: RuleView::new(&d.rule),
            die_area_mm2: d.spec.die_area.get(),
            datacenter: d.spec.datacenter,
            memory_bandwidth_bytes_per_s: d.spec.memory_bandwidth.map(BytesPerSecond::get),
            targets: d
                .targets
                .iter()
                .map(|t| TargetView {
                    key: t.key.clone(),
                    goal: t.goal.clone(),
                    reachable: matches!(t.ceiling, Ceiling::Below(_)),
                    tpp_below: match t.ceiling {
                        Ceiling::Below(x) => Some(x.get()),
                        Ceiling::Unreachable => None,
                    },
                    binding: t.binding.clone(),
                    dense_flops_per_s_below: t
                        .dense_below
                        .iter()
                        .map(|(p, r)| (p.as_str(), r.get()))
                        .collect(),
                })
                .collect(),
            notes: d.notes.clone(),
            disclaimer: DISCLAIMER,
        }
    }

    /// The ceilings for people: one column per bit length, what binds each goal, the notes.
    pub fn text(&self) -> String {
        let mut out = format!(
            "Design to threshold on {}, under the {}\ndie: {} mm² of logic, {}; memory bandwidth: {}\n\n",
            self.date,
            self.rule.cited,
            trimmed(self.die_area_mm2),
            if self.datacenter { "for datacenters" } else { "not for datacenters" },
            self.memory_bandwidth_bytes_per_s
                .map_or("not given".into(), |b| format!("{} GB/s", num(b / 1e9, 0)))
        );
        // One column per bit length: the precisions that share it share the limit.
        let groups: [(&str, &[Precision]); 5] = [
            ("fp64", &[Precision::Fp64]),
            ("tf32/fp32", &[Precision::Tf32, Precision::Fp32]),
            ("bf16/fp16", &[Precision::Bf16, Precision::Fp16]),
            ("fp8/int8", &[Precision::Fp8, Precision::Int8]),
            ("fp4/int4", &[Precision::Fp4, Precision::Int4]),
        ];
        let mut cols: Vec<(&str, Align)> = vec![("goal", Align::Left), ("TPP below", Align::Right)];
        cols.extend(groups.iter().map(|(n, _)| (*n, Align::Right)));
        let mut t = Table::new(&cols);
        for target in &self.targets {
            let mut row = vec![target.goal.clone()];
            match target.tpp_below {
                Some(x) => {
                    row.push(num(x, 0));
                    for (_, ps) in &groups {
                        let r = target
                            .dense_flops_per_s_below
                            .get(ps[0].as_str())
                            .map(|r| r / 1e12);
                        row.push(r.map_or("-".into(), trimmed));
                    }
                }
                None => {
                    row.push("unreachable".into());
                    row.extend(groups.iter().map(|_| "-".to_string()));
                }
            }
            t.row(row);
        }
        out.push_str(&t.render());
        out.push_str("\nDense TFLOPS (TOPS for integers) each precision must stay below.\n");
        let why: Vec<String> = self
            .targets
            .iter()
            .map(|t| format!("{}: {}.", t.goal, t.binding))
            .collect();
        section(&mut out, "what binds", &why);
        section(&mut out, "notes", &self.notes);
        out.push('\n');
        out.push_str(&wrap(self.disclaimer, 0, 100));
        out
    }
}
