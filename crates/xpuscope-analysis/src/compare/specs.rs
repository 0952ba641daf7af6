//! The datasheet rows of a comparison: dense BF16 and FP8, memory, bandwidth, scale-up, TDP,
//! price and the cost of a chip-hour.
//!
//! It deliberately reads figures only: a missing one is a cell without a value and a note.

use super::{cell, finish, Better, Row, RowKind, Unit};
use crate::cost::CostAssumptions;
use xpuscope_model::chip::{Chip, Precision};

/// Where a spec row's value comes from: the chip's datasheet, or the cost model.
enum SpecValue {
    /// A catalogue figure (`None` when the catalogue has no source for it).
    Sheet(fn(&Chip) -> Option<f64>),
    /// The 16-bit dense peak: BF16, or FP16 where the catalogue has no BF16 figure.
    Peak16,
    /// The cost of a chip-hour under the assumptions.
    ChipHour,
}

/// Datasheet rows: dense BF16 and FP8, memory, bandwidth, scale-up, TDP, price, $/chip-hour.
pub fn spec_rows(chips: &[&Chip], costs: &CostAssumptions) -> Vec<Row> {
    use SpecValue::{ChipHour, Peak16, Sheet};
    let rows: [(&str, &str, &str, Unit, Better, SpecValue); 8] = [
        (
            "spec:bf16",
            "dense BF16",
            "TFLOPS",
            Unit::Tflops,
            Better::Higher,
            Peak16,
        ),
        (
            "spec:fp8",
            "dense FP8",
            "TFLOPS",
            Unit::Tflops,
            Better::Higher,
            Sheet(|c| {
                c.peak(Precision::Fp8)
                    .map(xpuscope_model::units::FlopsPerSecond::tflops)
            }),
        ),
        (
            "spec:memory",
            "memory capacity",
            "GiB",
            Unit::Gib,
            Better::Higher,
            Sheet(|c| c.capacity().map(xpuscope_model::units::Bytes::gib)),
        ),
        (
            "spec:bandwidth",
            "memory bandwidth",
            "GB/s",
            Unit::GbPerSecond,
            Better::Higher,
            Sheet(|c| {
                c.bandwidth()
                    .map(xpuscope_model::units::BytesPerSecond::gbs)
            }),
        ),
        (
            "spec:scale-up",
            "scale-up bandwidth (bidirectional)",
            "GB/s",
            Unit::GbPerSecond,
            Better::Higher,
            Sheet(|c| {
                c.scale_up
                    .as_ref()
                    .and_then(xpuscope_model::chip::ScaleUp::bidirectional_bandwidth)
                    .map(xpuscope_model::units::BytesPerSecond::gbs)
            }),
        ),
        (
            "spec:tdp",
            "TDP",
            "W",
            Unit::Watts,
            Better::Lower,
            Sheet(|c| c.tdp.as_ref().map(|t| t.value.get())),
        ),
        (
            "spec:price",
            "price",
            "$",
            Unit::Usd,
            Better::Lower,
            Sheet(|c| c.price.as_ref().map(|p| p.value.get())),
        ),
        (
            "spec:chip-hour",
            "cost per chip-hour",
            "$",
            Unit::Usd,
            Better::Lower,
            ChipHour,
        ),
    ];
    rows.iter()
        .map(|(id, name, unit_text, unit, better, value)| {
            let cells = chips
                .iter()
                .map(|c| match value {
                    ChipHour => match costs.chip_hour(c) {
                        Ok(h) => cell(Some(h.total().get()), None, None, None),
                        Err(e) => cell(None, None, None, Some(e.to_string())),
                    },
                    Peak16 => match c.peak_16bit() {
                        Some((p, f)) => cell(
                            Some(f.tflops()),
                            None,
                            None,
                            (p == Precision::Fp16)
                                .then(|| "FP16 figure: no BF16 figure in the catalogue".into()),
                        ),
                        None => cell(None, None, None, Some("unknown (no source)".into())),
                    },
                    Sheet(get) => {
                        let v = get(c);
                        let note = v.is_none().then(|| "unknown (no source)".to_string());
                        cell(v, None, None, note)
                    }
                })
                .collect();
            finish(Row {
                id: (*id).into(),
                workload: (*name).into(),
                metric: (*unit_text).into(),
                unit: *unit,
                kind: RowKind::Spec,
                better: *better,
                cells,
                setting: String::new(),
            })
        })
        .collect()
}
