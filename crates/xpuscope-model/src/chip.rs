//! Accelerators: the validated, typed form of a catalogue `[[chip]]` entry.
//!
//! A [`Chip`] holds what is known about one accelerator, each fact a [`Sourced`] value in typed
//! units. Unknown facts are `None`; the code that needs one (`perf::hardware::Hardware::from_chip`,
//! the export classifier) says which field is missing and how to supply it. This module knows
//! nothing of TOML (see `catalog`) or of performance (see `perf`).

use std::fmt;

use crate::sourced::Sourced;
use crate::units::{Bytes, BytesPerSecond, Dollars, FlopsPerSecond, SquareMm, Watts};

/// A numeric format a chip computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// IEEE double precision.
    Fp64,
    /// IEEE single precision.
    Fp32,
    /// NVIDIA TensorFloat-32 (19-bit, stored as 32).
    Tf32,
    /// bfloat16.
    Bf16,
    /// IEEE half precision.
    Fp16,
    /// 8-bit floating point (E4M3/E5M2).
    Fp8,
    /// 8-bit integer.
    Int8,
    /// 4-bit floating point (FP4/MXFP4/NVFP4).
    Fp4,
    /// 4-bit integer.
    Int4,
}

impl Precision {
    /// Every precision, in catalogue order.
    pub const ALL: [Precision; 9] = [
        Precision::Fp64,
        Precision::Fp32,
        Precision::Tf32,
        Precision::Bf16,
        Precision::Fp16,
        Precision::Fp8,
        Precision::Int8,
        Precision::Fp4,
        Precision::Int4,
    ];

    /// The name used in catalogue files, flags and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp64 => "fp64",
            Precision::Fp32 => "fp32",
            Precision::Tf32 => "tf32",
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
            Precision::Fp8 => "fp8",
            Precision::Int8 => "int8",
            Precision::Fp4 => "fp4",
            Precision::Int4 => "int4",
        }
    }

    /// Parses a precision name.
    pub fn parse(s: &str) -> Option<Precision> {
        let s = s.to_ascii_lowercase();
        Precision::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The bit length of one operand, as EAR 3A090 counts it (TF32 counts as 32).
    pub fn bit_length(self) -> u32 {
        match self {
            Precision::Fp64 => 64,
            Precision::Fp32 | Precision::Tf32 => 32,
            Precision::Bf16 | Precision::Fp16 => 16,
            Precision::Fp8 | Precision::Int8 => 8,
            Precision::Fp4 | Precision::Int4 => 4,
        }
    }

    /// Bytes one element occupies in memory.
    pub fn bytes(self) -> f64 {
        match self {
            Precision::Tf32 => 4.0,
            p => f64::from(p.bit_length()) / 8.0,
        }
    }

    /// The index of this precision in [`Precision::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar date as precise as the source gives it (year, month, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month 1-12, or `None` when only the year is known.
    pub month: Option<u8>,
    /// Day 1-31, or `None` when only the month is known.
    pub day: Option<u8>,
}

impl Date {
    /// A full date.
    pub fn ymd(year: u16, month: u8, day: u8) -> Date {
        Date {
            year,
            month: Some(month),
            day: Some(day),
        }
    }

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking month and day ranges.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.trim().split('-');
        let year: u16 = parts.next()?.parse().ok()?;
        if !(1900..=2200).contains(&year) {
            return None;
        }
        let month = match parts.next() {
            Some(m) => Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => {
                let d = d.parse::<u8>().ok()?;
                let max = days_in_month(year, month?);
                if !(1..=max).contains(&d) {
                    return None;
                }
                Some(d)
            }
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The date as a comparable day number (missing month or day count as the first).
    pub fn ordinal(self) -> u32 {
        u32::from(self.year) * 400
            + u32::from(self.month.unwrap_or(1)) * 32
            + u32::from(self.day.unwrap_or(1))
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap {
                29
            } else {
                28
            }
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

/// The chip-to-chip fabric inside a scale-up domain (NVLink, Infinity Fabric, ICI, HCCS, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleUp {
    /// The fabric's name.
    pub name: Option<Sourced<String>>,
    /// Aggregate bandwidth in both directions, as EAR 3A090 (2022) measures it.
    pub bidirectional: Option<Sourced<BytesPerSecond>>,
    /// Bandwidth one chip can send (or receive) at once.
    pub per_direction: Option<Sourced<BytesPerSecond>>,
    /// Chips that reach each other over this fabric (8 for HGX, 72 for NVL72).
    pub domain_size: Option<Sourced<u32>>,
    /// Whether a switch connects every chip to every other at full bandwidth.
    pub switched: Option<Sourced<bool>>,
    /// Whether the switch reduces in the network (NVLink SHARP), so an all-reduce sends each
    /// chip's data once instead of around a ring.
    pub in_network_reduction: Option<Sourced<bool>>,
}

impl ScaleUp {
    /// Per-direction bandwidth, from the bidirectional figure when only that is known.
    pub fn per_direction_bandwidth(&self) -> Option<BytesPerSecond> {
        self.per_direction
            .as_ref()
            .map(|s| s.value)
            .or_else(|| self.bidirectional.as_ref().map(|s| s.value / 2.0))
    }

    /// Bidirectional bandwidth, from the per-direction figure when only that is known.
    pub fn bidirectional_bandwidth(&self) -> Option<BytesPerSecond> {
        self.bidirectional
            .as_ref()
            .map(|s| s.value)
            .or_else(|| self.per_direction.as_ref().map(|s| s.value * 2.0))
    }
}

/// Where an entry was defined: the built-in catalogue or a user file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, relative to the catalogue root for built-in entries.
    pub file: String,
    /// Whether it came from the compiled-in catalogue.
    pub builtin: bool,
}

/// One accelerator.
#[derive(Debug, Clone, PartialEq)]
pub struct Chip {
    /// Kebab-case id, unique in the catalogue.
    pub id: String,
    /// Full marketing name.
    pub name: String,
    /// Maker.
    pub vendor: String,
    /// The maker's home country as an ISO 3166-1 alpha-2 code (`US`, `CN`), if given.
    pub country: Option<String>,
    /// Why the cost model cannot price this chip (one sentence), when its architecture falls
    /// outside what the model describes (an SRAM-only wafer, a compiler-scheduled dataflow chip).
    /// `None` for every chip the model prices.
    pub unmodelled: Option<String>,
    /// Micro-architecture (Hopper, CDNA 3, Da Vinci, ...).
    pub architecture: Option<Sourced<String>>,
    /// Release or announcement date.
    pub released: Option<Sourced<Date>>,
    /// Manufacturing process.
    pub process: Option<Sourced<String>>,
    /// Total area of the logic dies (BIS's "applicable die area").
    pub die_area: Option<Sourced<SquareMm>>,
    /// Logic dies in the package.
    pub die_count: Option<Sourced<u32>>,
    /// Memory technology (HBM3, GDDR6, LPDDR5, ...).
    pub memory_type: Option<Sourced<String>>,
    /// Memory capacity.
    pub memory_capacity: Option<Sourced<Bytes>>,
    /// Peak memory bandwidth.
    pub memory_bandwidth: Option<Sourced<BytesPerSecond>>,
    /// Dense peak throughput per precision, indexed by [`Precision::index`].
    pub dense: [Option<Sourced<FlopsPerSecond>>; 9],
    /// Scale-up fabric, if any.
    pub scale_up: Option<ScaleUp>,
    /// Scale-out network bandwidth per chip, per direction.
    pub scale_out: Option<Sourced<BytesPerSecond>>,
    /// Host link name (PCIe Gen5 x16, ...).
    pub host_link: Option<Sourced<String>>,
    /// Host link bandwidth per direction.
    pub host_link_bandwidth: Option<Sourced<BytesPerSecond>>,
    /// Thermal design power.
    pub tdp: Option<Sourced<Watts>>,
    /// The board power the chip is held to below its TDP (`nvidia-smi -pl`, a power-capped
    /// deployment); `None` when it runs at its TDP. The cost model lowers its compute peaks by
    /// [`Chip::clock_fraction`].
    pub power_limit: Option<Sourced<Watts>>,
    /// SXM, OAM, PCIe, ...
    pub form_factor: Option<Sourced<String>>,
    /// Designed or marketed for datacenters (EAR 3A090 Note 2 turns on it).
    pub datacenter: Option<Sourced<bool>>,
    /// Price per chip.
    pub price: Option<Sourced<Dollars>>,
    /// When the price was quoted.
    pub price_date: Option<Sourced<String>>,
    /// Free text shown on the spec sheet.
    pub notes: Option<String>,
    /// Every source the entry declares, by key (including those only its notes cite).
    pub sources: std::collections::BTreeMap<String, String>,
    /// Where the entry was defined.
    pub origin: Origin,
    /// Measured GEMM figures by compute precision, from the chip's own kernel tables
    /// (`catalog/kernels/gemm.toml`); empty where none were measured.
    pub gemm: Vec<GemmFigures>,
    /// The measured share of peak memory bandwidth a streaming kernel reaches on this chip
    /// (`catalog/kernels/stream.toml`), where one was measured.
    pub stream: Option<StreamFigure>,
    /// What an engine's all-reduce inside one node measured on this chip, by GPU count
    /// (`catalog/kernels/allreduce.toml`); empty where none was measured.
    pub allreduce: Vec<AllReduceFigures>,
}

/// What an inference engine's all-reduce of BF16 hidden states over `gpus` chips of one node
/// takes, reduced from a measured table of message sizes: its [`AllReduceCurve`], and where
/// that came from.
#[derive(Debug, Clone, PartialEq)]
pub struct AllReduceFigures {
    /// Chips in the group.
    pub gpus: u32,
    /// The time against message size.
    pub curve: AllReduceCurve,
    /// How far the figures can be trusted (`derived` for a fit to a measured table).
    pub grade: crate::sourced::Grade,
    /// Where the table is.
    pub source: String,
    /// Message sizes fitted, and the formula's median and largest |error| over them.
    pub fit: Option<(u64, f64, f64)>,
}

/// An all-reduce's time against message size ([`AllReduceCurve::time`]): the three figures the
/// cost model keeps per chip and group size (plain values, so the cost model copies them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AllReduceCurve {
    /// The time of small messages (up to [`AllReduceCurve::SMALL_MESSAGE`]): the one-shot
    /// kernels' floor.
    pub small: crate::units::Seconds,
    /// The fixed term of the line fitted over messages of 256 KiB to 256 MiB.
    pub latency: crate::units::Seconds,
    /// That line's algorithm bandwidth (message bytes per second).
    pub bandwidth: BytesPerSecond,
}

impl AllReduceCurve {
    /// Messages up to this many bytes take the small-message time.
    pub const SMALL_MESSAGE: f64 = 65_536.0;
    /// Messages from this many bytes follow the fitted line.
    pub const LINE_FROM: f64 = 262_144.0;

    /// The time of an all-reduce of `bytes`: the small-message time up to 64 KiB, the fitted
    /// line `latency + bytes / bandwidth` from 256 KiB, and between them the geometric
    /// interpolation of the two in the message size (the engines switch from one-shot kernels
    /// to two-shot ones there). `scripts/fit_kernels.py` scores the same curve.
    pub fn time(&self, bytes: f64) -> crate::units::Seconds {
        let line = |b: f64| self.latency.get() + b / self.bandwidth.get();
        let small = self.small.get();
        let t = if bytes <= Self::SMALL_MESSAGE {
            small
        } else if bytes >= Self::LINE_FROM {
            line(bytes)
        } else {
            let x =
                (bytes / Self::SMALL_MESSAGE).ln() / (Self::LINE_FROM / Self::SMALL_MESSAGE).ln();
            small.powf(1.0 - x) * line(Self::LINE_FROM).powf(x)
        };
        crate::units::Seconds::new(t)
    }
}

/// What a streaming kernel (STREAM, BabelStream, a large copy) measured on one chip reaches, as
/// a share of the catalogue's peak bandwidth.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamFigure {
    /// Achieved over peak memory bandwidth.
    pub fraction: f64,
    /// How far it can be trusted.
    pub grade: crate::sourced::Grade,
    /// Where it was measured.
    pub source: String,
    /// What was measured, and how the fraction was formed.
    pub note: Option<String>,
}

/// What GEMMs in one compute precision reach on one chip, reduced from a measured table of
/// shapes: the three figures the cost model prices a GEMM with,
/// `max(flops / (peak x compute), bytes / (bandwidth x memory)) + fixed`.
#[derive(Debug, Clone, PartialEq)]
pub struct GemmFigures {
    /// The compute precision the table measured.
    pub precision: Precision,
    /// Achieved over dense peak on compute-bound shapes.
    pub compute: f64,
    /// Achieved over peak memory bandwidth on weight-streaming (small-M) shapes, where the
    /// table measured them (otherwise the chip's streaming figure applies).
    pub memory: Option<f64>,
    /// Time per launch beyond the roofline, from the smallest shapes, where measured (otherwise
    /// the fitted per-kernel overhead applies).
    pub fixed: Option<crate::units::Seconds>,
    /// How far the figures can be trusted (`derived` for a fit to a measured table).
    pub grade: crate::sourced::Grade,
    /// Where the table is and how the figures came from it.
    pub source: String,
    /// Shapes in the table, and the three-figure model's median and p90 |error| over them.
    pub fit: Option<(u64, f64, f64)>,
}

impl Chip {
    /// The measured all-reduce figures over `gpus` chips of one node, if the catalogue has them.
    pub fn allreduce_figures(&self, gpus: u32) -> Option<&AllReduceFigures> {
        self.allreduce.iter().find(|a| a.gpus == gpus)
    }

    /// The measured GEMM figures for a compute precision, if the catalogue has them.
    pub fn gemm_figures(&self, p: Precision) -> Option<&GemmFigures> {
        self.gemm.iter().find(|g| g.precision == p)
    }

    /// The share of its TDP-rated compute clock a power-limited chip keeps: `(limit / tdp)^(1/3)`,
    /// 1 without a limit.
    ///
    /// Dynamic power is about `C V^2 f`, and across the DVFS range the voltage rises about in step
    /// with the clock, so power goes as `f^3` and the clock as the cube root of the power. Static
    /// and memory power do not scale, so the law is if anything pessimistic. No parameter is
    /// fitted; MLPerf v4.1 checks it: Llama-2-70B Offline on 8 H200s at 700 W gives 31,303 tok/s
    /// and on the 1,000 W H200-CTS 34,864, a ratio of 0.898 against the law's 0.888. Memory
    /// bandwidth and links keep their rates (HBM and the fabric have clocks of their own).
    pub fn clock_fraction(&self) -> f64 {
        match (&self.power_limit, &self.tdp) {
            (Some(limit), Some(tdp)) if tdp.value.get() > 0.0 => {
                (limit.value.get() / tdp.value.get()).clamp(0.0, 1.0).cbrt()
            }
            _ => 1.0,
        }
    }

    /// The power the board draws at full load: its power limit where one is set (never above
    /// the TDP), otherwise its TDP; `None` without a TDP.
    pub fn board_power(&self) -> Option<Watts> {
        let tdp = self.tdp.as_ref()?.value;
        Some(match &self.power_limit {
            Some(l) if l.value.get() < tdp.get() => l.value,
            _ => tdp,
        })
    }

    /// Dense peak throughput in one precision, if known.
    pub fn peak(&self, p: Precision) -> Option<FlopsPerSecond> {
        self.dense[p.index()].as_ref().map(|s| s.value)
    }

    /// The chip's dense 16-bit peak: BF16, or FP16 where the catalogue has no BF16 figure (the two
    /// run at the same rate on every chip that has both). `None` when it has neither.
    pub fn peak_16bit(&self) -> Option<(Precision, FlopsPerSecond)> {
        self.peak(Precision::Bf16)
            .map(|f| (Precision::Bf16, f))
            .or_else(|| self.peak(Precision::Fp16).map(|f| (Precision::Fp16, f)))
    }

    /// The sourced dense peak in one precision, if known.
    pub fn peak_sourced(&self, p: Precision) -> Option<&Sourced<FlopsPerSecond>> {
        self.dense[p.index()].as_ref()
    }

    /// Memory bandwidth, if known.
    pub fn bandwidth(&self) -> Option<BytesPerSecond> {
        self.memory_bandwidth.as_ref().map(|s| s.value)
    }

    /// Memory capacity, if known.
    pub fn capacity(&self) -> Option<Bytes> {
        self.memory_capacity.as_ref().map(|s| s.value)
    }

    /// Size of the scale-up domain (1 when the chip has no scale-up fabric).
    pub fn domain_size(&self) -> u32 {
        self.scale_up
            .as_ref()
            .and_then(|s| s.domain_size.as_ref())
            .map_or(1, |d| d.value.max(1))
    }

    /// Per-direction bandwidth between chips inside the scale-up domain. Without a fabric, chips
    /// talk over the host link (PCIe), which is what an 8-GPU PCIe box does.
    pub fn scale_up_bandwidth(&self) -> Option<BytesPerSecond> {
        self.scale_up
            .as_ref()
            .and_then(ScaleUp::per_direction_bandwidth)
            .or_else(|| self.host_link_bandwidth.as_ref().map(|s| s.value))
    }

    /// Whether chips in the domain talk over a real fabric rather than the host link.
    pub fn has_fabric(&self) -> bool {
        self.scale_up
            .as_ref()
            .is_some_and(|s| s.per_direction_bandwidth().is_some())
    }

    /// Whether designed or marketed for datacenters, if known.
    pub fn is_datacenter(&self) -> Option<bool> {
        self.datacenter.as_ref().map(|s| s.value)
    }
}
