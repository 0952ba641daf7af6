//! `chips`: the whole chip catalogue, one line per chip for people and every spec sheet in JSON.
//!
//! It deliberately adds nothing to the sheets: the table reads the headline figures off them.

use serde::Serialize;
use xpuscope_model::chip::{Chip, Precision};

use super::ChipView;
use crate::table::{num, Align, Table};

/// Bytes in a gibibyte, as the catalogue's `_gib` fields count them.
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The whole chip catalogue (`xpuscope chips`): in JSON, the list of spec sheets.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct ChipsView {
    /// One spec sheet per chip, in catalogue order.
    pub chips: Vec<ChipView>,
}

fn opt_num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".into(), |v| num(v, decimals))
}

impl ChipsView {
    /// The view of these chips.
    pub fn new(chips: &[Chip]) -> ChipsView {
        ChipsView {
            chips: chips.iter().map(ChipView::new).collect(),
        }
    }

    /// One line per chip with the headline figures.
    pub fn text(&self) -> String {
        let mut t = Table::new(&[
            ("id", Align::Left),
            ("vendor", Align::Left),
            ("memory GiB", Align::Right),
            ("mem GB/s", Align::Right),
            ("bf16 TFLOPS", Align::Right),
            ("fp8 TFLOPS", Align::Right),
            ("scale-up GB/s", Align::Right),
            ("TDP W", Align::Right),
            ("name", Align::Left),
        ]);
        for c in &self.chips {
            t.row(vec![
                c.id.clone(),
                c.vendor.clone(),
                opt_num(c.memory_capacity_bytes.map(|b| b / GIB), 0),
                opt_num(c.memory_bandwidth_bytes_per_s.map(|b| b / 1e9), 0),
                opt_num(c.peak_16bit_flops_per_s.map(|f| f / 1e12), 0),
                opt_num(c.dense(Precision::Fp8).map(|f| f / 1e12), 0),
                opt_num(c.scale_up_both_directions_bytes_per_s.map(|b| b / 1e9), 0),
                opt_num(c.tdp_w, 0),
                c.name.clone(),
            ]);
        }
        format!(
            "{}\n{} chips. Dense peak figures; scale-up is bidirectional. `xpuscope chip ID` shows sources.\n",
            t.render(),
            self.chips.len()
        )
    }
}
