//! An operator breakdown as a view: the total, what bounds it, and each non-empty operator class
//! with its time, share, FLOPs, bytes and achieved rates. Shared by `infer`, `train` and `serve`.
//!
//! It deliberately computes nothing the cost model did not: rates are the class's own FLOPs and
//! bytes over its own time.

use serde::Serialize;
use xpuscope_perf::{Breakdown, OpClass};

use crate::table::{duration, sig, Align, Table};

/// One operator class of a pass.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OperatorView {
    /// Operator class (`attention`, `mlp`, `tp_comm`, ...).
    pub operator: &'static str,
    /// Wall time.
    pub time_s: f64,
    /// Share of the pass's time, 0-1.
    pub share: f64,
    /// What bounds it: compute, memory, communication or overhead.
    pub bound: &'static str,
    /// Arithmetic done.
    pub flops: f64,
    /// Bytes moved (over links, for communication).
    pub bytes: f64,
    /// FLOPs per byte, where bytes moved.
    pub arithmetic_intensity_flops_per_byte: Option<f64>,
    /// FLOPs over time.
    pub achieved_flops_per_s: f64,
    /// Bytes over time.
    pub achieved_bytes_per_s: f64,
    /// Time in kernels whose roofline is compute.
    pub compute_bound_s: f64,
    /// Time in kernels whose roofline is memory.
    pub memory_bound_s: f64,
    /// Time in communication.
    pub communication_s: f64,
    /// Fixed per-kernel and per-collective time.
    pub overhead_s: f64,
    /// Whether the class is a collective (text shows no FLOP rate for it).
    #[serde(skip)]
    pub is_comm: bool,
}

/// One pass (a prefill, a decode step, a training micro-batch's forward).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BreakdownView {
    /// Wall time of the pass.
    pub time_s: f64,
    /// What bounds the pass as a whole.
    pub bound: &'static str,
    /// Arithmetic done.
    pub flops: f64,
    /// Bytes moved to or from memory (not over links).
    pub memory_bytes: f64,
    /// Non-empty operator classes, in a fixed order.
    pub operators: Vec<OperatorView>,
}

impl BreakdownView {
    /// The view of a breakdown.
    pub fn new(b: &Breakdown) -> BreakdownView {
        let total = b.total().get();
        let operators = OpClass::ALL
            .iter()
            .filter_map(|&c| {
                let k = b.class(c);
                let t = k.time.get();
                (t > 0.0).then(|| OperatorView {
                    operator: c.as_str(),
                    time_s: t,
                    share: t / total,
                    bound: k.bound().as_str(),
                    flops: k.flops.get(),
                    bytes: k.bytes.get(),
                    arithmetic_intensity_flops_per_byte: (k.bytes.get() > 0.0)
                        .then(|| k.flops.get() / k.bytes.get()),
                    achieved_flops_per_s: k.flops.get() / t,
                    achieved_bytes_per_s: k.bytes.get() / t,
                    compute_bound_s: k.compute_time.get(),
                    memory_bound_s: k.memory_time.get(),
                    communication_s: k.comm_time.get(),
                    overhead_s: k.overhead_time.get(),
                    is_comm: c.is_comm(),
                })
            })
            .collect();
        BreakdownView {
            time_s: total,
            bound: b.bound().as_str(),
            flops: b.flops().get(),
            memory_bytes: b.memory_bytes().get(),
            operators,
        }
    }

    /// The breakdown as a table for people.
    pub fn text(&self) -> String {
        let mut t = Table::new(&[
            ("operator", Align::Left),
            ("time", Align::Right),
            ("share", Align::Right),
            ("bound by", Align::Left),
            ("FLOP/byte", Align::Right),
            ("TFLOP/s", Align::Right),
            ("GB/s", Align::Right),
        ]);
        for k in &self.operators {
            t.row(vec![
                k.operator.to_string(),
                duration(k.time_s),
                format!("{:.1}%", 100.0 * k.time_s / self.time_s),
                k.bound.to_string(),
                match k.arithmetic_intensity_flops_per_byte {
                    Some(i) if !k.is_comm => sig(i),
                    _ => "-".into(),
                },
                if k.is_comm {
                    "-".into()
                } else {
                    sig(k.achieved_flops_per_s / 1e12)
                },
                sig(k.achieved_bytes_per_s / 1e9),
            ]);
        }
        t.render()
    }
}
