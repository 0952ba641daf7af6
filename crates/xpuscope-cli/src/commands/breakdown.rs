//! Operator breakdowns as tables and JSON, shared by `infer`, `train` and `compare --explain`.

use serde_json::{json, Value};
use xpuscope_perf::{Breakdown, OpClass};

use xpuscope_report::table::{duration, sig, Align, Table};

/// One breakdown as JSON: total, overall bound, and each non-empty class.
pub fn to_json(b: &Breakdown) -> Value {
    let total = b.total().get();
    let ops: Vec<Value> = OpClass::ALL
        .iter()
        .filter_map(|&c| {
            let k = b.class(c);
            (k.time.get() > 0.0).then(|| {
                let t = k.time.get();
                json!({
                    "operator": c.as_str(),
                    "time_s": t,
                    "share": t / total,
                    "bound": k.bound().as_str(),
                    "flops": k.flops.get(),
                    "bytes": k.bytes.get(),
                    "arithmetic_intensity_flops_per_byte": if k.bytes.get() > 0.0 { Some(k.flops.get() / k.bytes.get()) } else { None },
                    "achieved_flops_per_s": k.flops.get() / t,
                    "achieved_bytes_per_s": k.bytes.get() / t,
                    "compute_bound_s": k.compute_time.get(),
                    "memory_bound_s": k.memory_time.get(),
                    "communication_s": k.comm_time.get(),
                    "overhead_s": k.overhead_time.get(),
                })
            })
        })
        .collect();
    json!({
        "time_s": total,
        "bound": b.bound().as_str(),
        "flops": b.flops().get(),
        "memory_bytes": b.memory_bytes().get(),
        "operators": ops,
    })
}

/// One breakdown as a table for people.
pub fn to_text(b: &Breakdown) -> String {
    let total = b.total().get();
    let mut t = Table::new(&[
        ("operator", Align::Left),
        ("time", Align::Right),
        ("share", Align::Right),
        ("bound by", Align::Left),
        ("FLOP/byte", Align::Right),
        ("TFLOP/s", Align::Right),
        ("GB/s", Align::Right),
    ]);
    for c in OpClass::ALL {
        let k = b.class(c);
        let time = k.time.get();
        if time <= 0.0 {
            continue;
        }
        let comm = c.is_comm();
        t.row(vec![
            c.as_str().to_string(),
            duration(time),
            format!("{:.1}%", 100.0 * time / total),
            k.bound().as_str().to_string(),
            if comm || k.bytes.get() == 0.0 {
                "-".into()
            } else {
                sig(k.flops.get() / k.bytes.get())
            },
            if comm {
                "-".into()
            } else {
                sig(k.flops.get() / time / 1e12)
            },
            sig(k.bytes.get() / time / 1e9),
        ]);
    }
    t.render()
}
