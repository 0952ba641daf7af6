//! `chips`: the chip catalogue (or the part a filter keeps), one line per chip for people, one
//! CSV row per chip for spreadsheets, and every spec sheet in JSON.
//!
//! It deliberately adds nothing to the sheets: the table and the CSV read their figures off them.

use serde::Serialize;
use xpuscope_model::chip::{Chip, Precision};

use super::filter::ChipFilter;
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

    /// The view of the chips a filter keeps, in catalogue order.
    pub fn filtered(chips: &[Chip], filter: &ChipFilter) -> ChipsView {
        ChipsView {
            chips: filter.apply(chips).into_iter().map(ChipView::new).collect(),
        }
    }

    /// One CSV row per chip under a header of unit-suffixed column names (the catalogue's own
    /// units: GiB, GB/s, TFLOPS or TOPS, W, USD); a value the catalogue does not have is empty.
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        for c in &self.chips {
            // Serialising plain numbers and strings into memory cannot fail.
            if w.serialize(CsvRow::new(c)).is_err() {
                break;
            }
        }
        if self.chips.is_empty() {
            // serde writes the header with the first row; an empty list still gets one.
            let _ = w.write_record(CSV_COLUMNS);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// One line per chip with the headline figures.
    pub fn text(&self) -> String {
        let mut t = Table::new(&[
            ("id", Align::Left),
            ("vendor", Align::Left),
            ("country", Align::Left),
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
                c.country.clone().unwrap_or_else(|| "-".into()),
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
            "{}\n{} chips. Dense peak figures; scale-up is bidirectional. `xpuscope chip ID` shows sources.{}\n",
            t.render(),
            self.chips.len(),
            unmodelled_note(&self.chips)
        )
    }
}

/// The footnote naming the listed chips the cost model does not price, if any.
fn unmodelled_note(chips: &[ChipView]) -> String {
    let ids: Vec<&str> = chips
        .iter()
        .filter(|c| c.unmodelled.is_some())
        .map(|c| c.id.as_str())
        .collect();
    if ids.is_empty() {
        String::new()
    } else {
        format!(
            "\nNot priced by the cost model (listed for their specifications; `xpuscope chip ID` says why): {}.",
            ids.join(", ")
        )
    }
}

/// Rounds to four decimals, so a figure read back from bytes or FLOP/s prints as written.
fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

/// The CSV columns, in the order of [`CsvRow`]'s fields.
const CSV_COLUMNS: [&str; 38] = [
    "id",
    "name",
    "vendor",
    "country",
    "architecture",
    "released",
    "process",
    "die_area_mm2",
    "die_count",
    "memory_type",
    "memory_capacity_gib",
    "memory_bandwidth_gbs",
    "fp64_tflops",
    "fp32_tflops",
    "tf32_tflops",
    "bf16_tflops",
    "fp16_tflops",
    "fp8_tflops",
    "int8_tops",
    "fp4_tflops",
    "int4_tops",
    "scale_up_name",
    "scale_up_bidirectional_gbs",
    "scale_up_per_direction_gbs",
    "scale_up_domain_chips",
    "scale_up_switched",
    "scale_up_in_network_reduction",
    "scale_out_gbs",
    "host_link",
    "host_link_gbs",
    "tdp_w",
    "form_factor",
    "datacenter",
    "price_usd",
    "price_date",
    "unmodelled",
    "catalog_file",
    "notes",
];

/// One chip as a CSV row: the spec sheet's values in the catalogue's units, empty when unknown.
#[derive(Serialize, schemars::JsonSchema)]
struct CsvRow<'a> {
    id: &'a str,
    name: &'a str,
    vendor: &'a str,
    country: Option<&'a str>,
    architecture: Option<&'a str>,
    released: Option<&'a str>,
    process: Option<&'a str>,
    die_area_mm2: Option<f64>,
    die_count: Option<u32>,
    memory_type: Option<&'a str>,
    memory_capacity_gib: Option<f64>,
    memory_bandwidth_gbs: Option<f64>,
    fp64_tflops: Option<f64>,
    fp32_tflops: Option<f64>,
    tf32_tflops: Option<f64>,
    bf16_tflops: Option<f64>,
    fp16_tflops: Option<f64>,
    fp8_tflops: Option<f64>,
    int8_tops: Option<f64>,
    fp4_tflops: Option<f64>,
    int4_tops: Option<f64>,
    scale_up_name: Option<&'a str>,
    scale_up_bidirectional_gbs: Option<f64>,
    scale_up_per_direction_gbs: Option<f64>,
    scale_up_domain_chips: Option<u32>,
    scale_up_switched: Option<bool>,
    scale_up_in_network_reduction: Option<bool>,
    scale_out_gbs: Option<f64>,
    host_link: Option<&'a str>,
    host_link_gbs: Option<f64>,
    tdp_w: Option<f64>,
    form_factor: Option<&'a str>,
    datacenter: Option<bool>,
    price_usd: Option<f64>,
    price_date: Option<&'a str>,
    unmodelled: Option<&'a str>,
    catalog_file: &'a str,
    notes: Option<&'a str>,
}

impl<'a> CsvRow<'a> {
    fn new(c: &'a ChipView) -> CsvRow<'a> {
        let gb = |b: Option<f64>| b.map(|b| round4(b / 1e9));
        let tera = |p| c.dense(p).map(|f| round4(f / 1e12));
        let su = c.scale_up.as_ref();
        CsvRow {
            id: &c.id,
            name: &c.name,
            vendor: &c.vendor,
            country: c.country.as_deref(),
            architecture: c.architecture.as_deref(),
            released: c.released.as_deref(),
            process: c.process.as_deref(),
            die_area_mm2: c.die_area_mm2.map(round4),
            die_count: c.die_count,
            memory_type: c.memory_type.as_deref(),
            memory_capacity_gib: c.memory_capacity_bytes.map(|b| round4(b / GIB)),
            memory_bandwidth_gbs: gb(c.memory_bandwidth_bytes_per_s),
            fp64_tflops: tera(Precision::Fp64),
            fp32_tflops: tera(Precision::Fp32),
            tf32_tflops: tera(Precision::Tf32),
            bf16_tflops: tera(Precision::Bf16),
            fp16_tflops: tera(Precision::Fp16),
            fp8_tflops: tera(Precision::Fp8),
            int8_tops: tera(Precision::Int8),
            fp4_tflops: tera(Precision::Fp4),
            int4_tops: tera(Precision::Int4),
            scale_up_name: su.and_then(|s| s.name.as_deref()),
            scale_up_bidirectional_gbs: gb(su.and_then(|s| s.bidirectional_bytes_per_s)),
            scale_up_per_direction_gbs: gb(su.and_then(|s| s.per_direction_bytes_per_s)),
            scale_up_domain_chips: su.and_then(|s| s.domain_size),
            scale_up_switched: su.and_then(|s| s.switched),
            scale_up_in_network_reduction: su.and_then(|s| s.in_network_reduction),
            scale_out_gbs: gb(c.scale_out_bytes_per_s),
            host_link: c.host_link.as_deref(),
            host_link_gbs: gb(c.host_link_bytes_per_s),
            tdp_w: c.tdp_w.map(round4),
            form_factor: c.form_factor.as_deref(),
            datacenter: c.datacenter,
            price_usd: c.price_usd.map(round4),
            price_date: c.price_date.as_deref(),
            unmodelled: c.unmodelled.as_deref(),
            catalog_file: &c.catalog_file,
            notes: c.notes.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xpuscope_model::Catalog;

    #[test]
    fn csv_header_is_the_row_fields_and_an_empty_list_still_has_it() {
        let cat = Catalog::builtin().unwrap();
        let csv = ChipsView::new(cat.chips()).csv();
        let header = csv.lines().next().unwrap();
        assert_eq!(header, CSV_COLUMNS.join(","));
        let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
        assert_eq!(rows, cat.chips().len());
        let empty = ChipsView { chips: Vec::new() }.csv();
        assert_eq!(empty.trim_end(), CSV_COLUMNS.join(","));
    }
}
