//! `chip ID`: an accelerator's spec sheet as a view (every value in the unit its key names, with
//! its provenance), and the sheet as text.
//!
//! It deliberately judges nothing: values are the catalogue's as they were sourced, and a value
//! the catalogue does not have is absent from the JSON, not zero.

use std::collections::BTreeMap;

use serde::Serialize;
use xpuscope_model::chip::{Chip, Precision, ScaleUp};
use xpuscope_model::units::BytesPerSecond;

use super::sheet::{FactRow, ProvenanceView, Sheet, SourceView};
use crate::table::{num, sig, Align, Table};

/// The scale-up fabric, as far as the catalogue knows it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScaleUpView {
    /// The fabric's name (NVLink 4, Infinity Fabric, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Aggregate bandwidth in both directions, in bytes per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bidirectional_bytes_per_s: Option<f64>,
    /// Bandwidth one chip sends at once, in bytes per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_direction_bytes_per_s: Option<f64>,
    /// Chips that reach each other over the fabric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain_size: Option<u32>,
    /// Whether a switch connects every chip to every other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switched: Option<bool>,
    /// Whether the switch reduces in the network (NVLink SHARP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_network_reduction: Option<bool>,
}

impl ScaleUpView {
    /// Whether the catalogue knows nothing about the fabric (then the JSON has no `scale_up`).
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.bidirectional_bytes_per_s.is_none()
            && self.per_direction_bytes_per_s.is_none()
            && self.domain_size.is_none()
            && self.switched.is_none()
            && self.in_network_reduction.is_none()
    }
}

/// One accelerator's spec sheet (`xpuscope chip ID`, and each entry of `xpuscope chips`).
///
/// A value the catalogue does not have is left out; `provenance` has one entry per value present,
/// under the catalogue file's dotted field name (`memory_bandwidth_gbs`, `dense.bf16`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChipView {
    /// Chip id.
    pub id: String,
    /// Full marketing name.
    pub name: String,
    /// Maker.
    pub vendor: String,
    /// The maker's home country, an ISO 3166-1 alpha-2 code (`US`, `CN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Why the cost model cannot price this chip; absent for every chip it prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmodelled: Option<String>,
    /// Micro-architecture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Release or announcement date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released: Option<String>,
    /// Manufacturing process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// Total logic die area.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub die_area_mm2: Option<f64>,
    /// Logic dies in the package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub die_count: Option<u32>,
    /// Memory technology.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_type: Option<String>,
    /// Memory capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_capacity_bytes: Option<f64>,
    /// Peak memory bandwidth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_bandwidth_bytes_per_s: Option<f64>,
    /// Precision name to dense peak throughput, in FLOP/s (OP/s for integers); absent when the
    /// catalogue has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dense_flops_per_s: Option<BTreeMap<&'static str, f64>>,
    /// The scale-up fabric; absent when the catalogue knows nothing of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_up: Option<ScaleUpView>,
    /// Scale-out network bandwidth per chip, per direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_out_bytes_per_s: Option<f64>,
    /// Host link name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_link: Option<String>,
    /// Host link bandwidth per direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_link_bytes_per_s: Option<f64>,
    /// Thermal design power.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tdp_w: Option<f64>,
    /// The board power a power-limited chip is held to (its compute peaks scale by the cube root
    /// of the limit over the TDP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_limit_w: Option<f64>,
    /// Form factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form_factor: Option<String>,
    /// Designed or marketed for datacenters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<bool>,
    /// Price per chip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<f64>,
    /// When the price was quoted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_date: Option<String>,
    /// Dotted catalogue field name to where its value came from.
    pub provenance: BTreeMap<String, ProvenanceView>,
    /// Every source cited, declared or written out on a value, sorted and without repeats.
    pub sources: Vec<SourceView>,
    /// Free text from the catalogue (`null` when none).
    pub notes: Option<String>,
    /// The file the entry was defined in.
    pub catalog_file: String,
    /// The spec sheet's lines, in catalogue order.
    #[serde(skip)]
    rows: Vec<FactRow>,
    /// The sources the entry declares by key (including those only its notes cite).
    #[serde(skip)]
    declared_sources: Vec<(String, String)>,
    /// Dense 16-bit peak (BF16, else FP16) in FLOP/s, for the catalogue table.
    #[serde(skip)]
    pub(super) peak_16bit_flops_per_s: Option<f64>,
    /// Scale-up bandwidth in both directions, derived from the per-direction figure when only that
    /// is known, for the catalogue table.
    #[serde(skip)]
    pub(super) scale_up_both_directions_bytes_per_s: Option<f64>,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn gbs(b: f64) -> String {
    format!("{} GB/s", num(b / 1e9, 0))
}

/// `TOPS` for integer formats, `TFLOPS` for the others.
pub fn rate_unit(p: Precision) -> &'static str {
    if matches!(p, Precision::Int8 | Precision::Int4) {
        "TOPS"
    } else {
        "TFLOPS"
    }
}

impl ChipView {
    /// The spec sheet of one chip.
    pub fn new(c: &Chip) -> ChipView {
        let mut s = Sheet::default();
        // The lines of the sheet come in the order the fields are visited here.
        let architecture = s.text("architecture", "architecture", &c.architecture);
        let released = s.fact(
            "released",
            "released",
            &c.released,
            ToString::to_string,
            ToString::to_string,
        );
        let process = s.text("process", "process", &c.process);
        let die_area_mm2 = s.fact(
            "die_area_mm2",
            "logic die area",
            &c.die_area,
            |a| format!("{} mm²", num(a.get(), 1)),
            |a| a.get(),
        );
        let die_count = s.fact(
            "die_count",
            "logic dies",
            &c.die_count,
            ToString::to_string,
            |n| *n,
        );
        let memory_type = s.text("memory_type", "memory type", &c.memory_type);
        let memory_capacity_bytes = s.fact(
            "memory_capacity_gib",
            "memory capacity",
            &c.memory_capacity,
            |b| format!("{} GiB", sig(b.gib())),
            |b| b.get(),
        );
        let memory_bandwidth_bytes_per_s = s.fact(
            "memory_bandwidth_gbs",
            "memory bandwidth",
            &c.memory_bandwidth,
            |b| gbs(b.get()),
            |b| b.get(),
        );
        let mut dense = BTreeMap::new();
        for p in Precision::ALL {
            let unit = rate_unit(p);
            if let Some(v) = s.fact(
                &format!("dense.{p}"),
                &format!("dense {p}"),
                &c.dense[p.index()],
                |v| format!("{} {unit}", sig(v.tflops())),
                |v| v.get(),
            ) {
                dense.insert(p.as_str(), v);
            }
        }
        let scale_up = c.scale_up.as_ref().map(|su| ScaleUpView {
            name: s.text("scale_up.name", "scale-up fabric", &su.name),
            bidirectional_bytes_per_s: s.fact(
                "scale_up.bidirectional_gbs",
                "scale-up, bidirectional",
                &su.bidirectional,
                |b| gbs(b.get()),
                |b| b.get(),
            ),
            per_direction_bytes_per_s: s.fact(
                "scale_up.per_direction_gbs",
                "scale-up, per direction",
                &su.per_direction,
                |b| gbs(b.get()),
                |b| b.get(),
            ),
            domain_size: s.fact(
                "scale_up.domain_size",
                "scale-up domain",
                &su.domain_size,
                |n| format!("{n} chips"),
                |n| *n,
            ),
            switched: s.fact(
                "scale_up.switched",
                "scale-up switched",
                &su.switched,
                |b| yes_no(*b),
                |b| *b,
            ),
            in_network_reduction: s.fact(
                "scale_up.in_network_reduction",
                "in-network reduction",
                &su.in_network_reduction,
                |b| if *b { "yes (SHARP)" } else { "no" }.into(),
                |b| *b,
            ),
        });
        let scale_out_bytes_per_s = s.fact(
            "scale_out_gbs",
            "scale-out network",
            &c.scale_out,
            |b| format!("{} per direction", gbs(b.get())),
            |b| b.get(),
        );
        let host_link = s.text("host_link", "host link", &c.host_link);
        let host_link_bytes_per_s = s.fact(
            "host_link_gbs",
            "host link bandwidth",
            &c.host_link_bandwidth,
            |b| format!("{} per direction", gbs(b.get())),
            |b| b.get(),
        );
        let tdp_w = s.fact(
            "tdp_w",
            "TDP",
            &c.tdp,
            |w| format!("{} W", num(w.get(), 0)),
            |w| w.get(),
        );
        let power_limit_w = s.fact(
            "power_limit_w",
            "power limit",
            &c.power_limit,
            |w| {
                format!(
                    "{} W (compute at {:.1}% of peak)",
                    num(w.get(), 0),
                    c.clock_fraction() * 100.0
                )
            },
            |w| w.get(),
        );
        let form_factor = s.text("form_factor", "form factor", &c.form_factor);
        let datacenter = s.fact(
            "datacenter",
            "for datacenters",
            &c.datacenter,
            |b| yes_no(*b),
            |b| *b,
        );
        let price_usd = s.fact(
            "price_usd",
            "price",
            &c.price,
            |d| format!("${}", num(d.get(), 0)),
            |d| d.get(),
        );
        let price_date = s.text("price_date", "price date", &c.price_date);

        // Every declared source, and any written out in full on a value.
        let mut sources = s.sources;
        sources.extend(c.sources.iter().map(|(k, v)| SourceView {
            key: Some(k.clone()),
            location: v.clone(),
        }));
        sources.sort();
        sources.dedup();
        ChipView {
            id: c.id.clone(),
            name: c.name.clone(),
            vendor: c.vendor.clone(),
            country: c.country.clone(),
            unmodelled: c.unmodelled.clone(),
            architecture,
            released,
            process,
            die_area_mm2,
            die_count,
            memory_type,
            memory_capacity_bytes,
            memory_bandwidth_bytes_per_s,
            dense_flops_per_s: (!dense.is_empty()).then_some(dense),
            scale_up: scale_up.filter(|v| !v.is_empty()),
            scale_out_bytes_per_s,
            host_link,
            host_link_bytes_per_s,
            tdp_w,
            power_limit_w,
            form_factor,
            datacenter,
            price_usd,
            price_date,
            provenance: s.provenance,
            sources,
            notes: c.notes.clone(),
            catalog_file: c.origin.file.clone(),
            rows: s.rows,
            declared_sources: c
                .sources
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            peak_16bit_flops_per_s: c.peak_16bit().map(|(_, f)| f.get()),
            scale_up_both_directions_bytes_per_s: c
                .scale_up
                .as_ref()
                .and_then(ScaleUp::bidirectional_bandwidth)
                .map(BytesPerSecond::get),
        }
    }

    /// The dense peak in one precision, in FLOP/s, if the catalogue has it.
    pub(super) fn dense(&self, p: Precision) -> Option<f64> {
        self.dense_flops_per_s
            .as_ref()
            .and_then(|d| d.get(p.as_str()).copied())
    }

    /// The spec sheet for people: every value with its grade, source and note, what is unknown,
    /// and the sources the entry declares.
    pub fn text(&self) -> String {
        let country = self
            .country
            .as_ref()
            .map_or(String::new(), |c| format!(" ({c})"));
        let mut out = format!(
            "{} ({})\nvendor: {}{country}\n",
            self.name, self.id, self.vendor
        );
        if let Some(why) = &self.unmodelled {
            out.push_str(&format!("not priced by the cost model: {why}\n"));
        }
        out.push('\n');
        let mut t = Table::new(&[
            ("field", Align::Left),
            ("value", Align::Right),
            ("grade", Align::Left),
            ("source", Align::Left),
            ("note", Align::Left),
        ]);
        for r in &self.rows {
            t.row(vec![
                r.label.clone(),
                r.value.clone(),
                r.grade.clone(),
                r.source.clone(),
                r.note.clone(),
            ]);
        }
        out.push_str(&t.render());
        let missing: Vec<&str> = [
            ("die_area_mm2", self.die_area_mm2.is_none()),
            ("memory_capacity_gib", self.memory_capacity_bytes.is_none()),
            (
                "memory_bandwidth_gbs",
                self.memory_bandwidth_bytes_per_s.is_none(),
            ),
            ("dense.bf16", self.peak_16bit_flops_per_s.is_none()),
            ("tdp_w", self.tdp_w.is_none()),
            ("datacenter", self.datacenter.is_none()),
            ("price_usd", self.price_usd.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, miss)| miss.then_some(name))
        .collect();
        if !missing.is_empty() {
            out.push_str(&format!(
                "\nunknown (no source found): {}\n",
                missing.join(", ")
            ));
        }
        // Every declared source, including those only the notes cite.
        if !self.declared_sources.is_empty() {
            out.push_str("\nsources\n");
            let mut st = Table::new(&[("", Align::Left), ("", Align::Left)]);
            for (k, loc) in &self.declared_sources {
                st.row(vec![format!("  {k}"), loc.clone()]);
            }
            out.push_str(&st.render());
        }
        if let Some(n) = &self.notes {
            out.push_str(&format!("\nnotes: {n}\n"));
        }
        out.push_str(&format!(
            "\nGrades: vendor = maker's document; reported = press, retailers, benchmarks; derived = arithmetic on sourced values; estimate = reasoned estimate.\nThroughput is dense (no 2:4 sparsity). Defined in {}.\n",
            self.catalog_file
        ));
        out
    }
}
