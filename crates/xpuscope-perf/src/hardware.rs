//! A chip as the performance model sees it: resolved peaks, bandwidths and links, with the
//! efficiency parameters applied once.
//!
//! Resolving up front keeps the inner loops free of lookups and `Option`s, and turns a missing
//! catalogue value into one clear error naming the field and how to supply it. It does not
//! choose compute precisions (see `precision`) or price operators (see `ops`).

use crate::efficiency::Efficiency;
use crate::PerfError;
use xpuscope_model::chip::{AllReduceCurve, Chip, Precision};
use xpuscope_model::units::{Bytes, BytesPerSecond, FlopsPerSecond};

/// What the cost model needs to know about a chip.
#[derive(Debug, Clone)]
pub struct Hardware {
    /// Chip id (for messages).
    pub id: String,
    /// Dense peak per precision, zero where the chip has no native support.
    pub peak: [FlopsPerSecond; 9],
    /// Peak memory bandwidth.
    pub bandwidth: BytesPerSecond,
    /// Memory capacity.
    pub capacity: Bytes,
    /// Per-direction bandwidth between chips of one scale-up domain (the host link for PCIe cards).
    pub link: BytesPerSecond,
    /// Chips in one scale-up domain (1 for a card without a fabric: the box's PCIe is its domain).
    pub domain: u32,
    /// Whether the chips talk over a real fabric (NVLink, Infinity Fabric, ICI, ...) rather than
    /// the host's PCIe.
    pub fabric: bool,
    /// Whether the fabric's switch reduces in the network (NVLink SHARP).
    pub in_network_reduction: bool,
    /// The catalogue names a fabric but gives no bandwidth for it.
    pub link_missing: bool,
    /// A card with no link figure at all, taken to talk over [`PCIE_GEN4_X16`].
    pub link_assumed: bool,
    /// Per-direction scale-out bandwidth per chip. When the catalogue has no figure: the host
    /// link for cards bridged in small groups (traffic beyond the bridge crosses PCIe), else
    /// [`DEFAULT_NETWORK`], never faster than either.
    pub network: BytesPerSecond,
    /// Whether the network figure is from the catalogue.
    pub network_known: bool,
    /// Fraction of peak a large 16-bit GEMM reaches on this vendor's chips.
    pub gemm_efficiency: f64,
    /// Whether the chip is NVIDIA's (whose engines' all-reduce the measured tables describe).
    pub nvidia: bool,
    /// Whether that fraction is fitted to this vendor's measurements.
    pub gemm_calibrated: bool,
    /// The chip's own measured GEMM figures by compute precision ([`Precision::index`]), where
    /// the catalogue has them: they replace the vendor fraction, the streaming bandwidth and the
    /// per-kernel time for GEMMs in that precision.
    pub gemm_measured: [Option<MeasuredGemm>; 9],
    /// Share of peak bandwidth a streaming kernel reaches: the chip's measured figure
    /// (`catalog/kernels/stream.toml`) or the fitted [`Efficiency::memory`].
    pub memory_fraction: f64,
    /// Whether `memory_fraction` was measured on this chip.
    pub memory_measured: bool,
    /// The power limit and TDP (W) of a power-limited chip, whose peaks are already scaled by
    /// [`Chip::clock_fraction`].
    pub power_limit: Option<(f64, f64)>,
    /// The share of the rated compute clock it runs at (1 without a power limit).
    pub clock: f64,
    /// An inference engine's measured all-reduce over 2, 4, 8 and 16 chips of one node
    /// (`catalog/kernels/allreduce.toml`), where the catalogue has it.
    pub allreduce_measured: [Option<AllReduceCurve>; 4],
}

/// The group sizes measured all-reduce figures are kept for, in `Hardware::allreduce_measured`.
const ALLREDUCE_GROUPS: [u32; 4] = [2, 4, 8, 16];

/// A chip's measured GEMM figures in one precision (`catalog/kernels/gemm.toml`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredGemm {
    /// Achieved over dense peak on compute-bound shapes.
    pub compute: f64,
    /// Achieved over peak bandwidth on weight-streaming shapes.
    pub memory: f64,
    /// Time per launch beyond the roofline.
    pub fixed: xpuscope_model::units::Seconds,
}

/// PCIe 4.0 x16 per direction: 16 GT/s x 16 lanes with 128b/130b coding, about 31.5 GB/s (PCI-SIG
/// PCIe 4.0 base specification), rounded to 32: what a card without any link figure is taken to
/// use, and said so.
pub const PCIE_GEN4_X16: BytesPerSecond = BytesPerSecond::new(32e9);

/// Scale-out bandwidth assumed for a chip whose catalogue entry has none: one 200 Gb/s NIC
/// (HDR InfiniBand or 200 GbE) per chip, 25 GB/s per direction, the A100-generation norm. A
/// conservative prior, not a fit; outputs say when a collective leaves the domain on it.
pub const DEFAULT_NETWORK: BytesPerSecond = BytesPerSecond::new(25e9);

/// The per-box size of PCIe servers: eight cards share a host, which is what a domain means for
/// chips without a fabric (an "8-GPU PCIe box").
pub const PCIE_BOX: u32 = 8;

impl Hardware {
    /// Resolves a catalogue chip. Fails when the catalogue marks the chip `unmodelled` (its
    /// architecture is outside what the cost model describes), or when memory capacity, memory
    /// bandwidth or 16-bit throughput is unknown, naming the field.
    pub fn from_chip(chip: &Chip, eff: &Efficiency) -> Result<Hardware, PerfError> {
        if let Some(reason) = &chip.unmodelled {
            return Err(PerfError::Unmodelled {
                chip: chip.id.clone(),
                reason: reason.clone(),
            });
        }
        let missing = |field: &'static str| PerfError::MissingSpec {
            chip: chip.id.clone(),
            field,
        };
        let capacity = chip
            .capacity()
            .ok_or_else(|| missing("memory_capacity_gib"))?;
        let bandwidth = chip
            .bandwidth()
            .ok_or_else(|| missing("memory_bandwidth_gbs"))?;
        let mut peak = [FlopsPerSecond::ZERO; 9];
        // A power-limited chip computes at a lower clock; its memory and links do not slow.
        let clock = chip.clock_fraction();
        for p in Precision::ALL {
            if let Some(v) = chip.peak(p) {
                peak[p.index()] = v * clock;
            }
        }
        // A chip listing only FP16 runs BF16 work at its FP16 rate and vice versa (same units).
        let (bf16, fp16) = (Precision::Bf16.index(), Precision::Fp16.index());
        let sixteen = chip.peak_16bit().map_or(FlopsPerSecond::ZERO, |(_, f)| f);
        if peak[bf16].get() == 0.0 {
            peak[bf16] = sixteen;
        }
        if peak[fp16].get() == 0.0 {
            peak[fp16] = peak[bf16];
        }
        if peak[bf16].get() == 0.0 {
            return Err(missing("dense.bf16"));
        }
        let fabric = chip.has_fabric() && !is_pcie(chip);
        // A fabric the catalogue names without a bandwidth is unknown, not absent: multi-chip
        // layouts refuse it (see `require_link`).
        let declared = chip
            .scale_up
            .as_ref()
            .is_some_and(|s| s.name.is_some() || s.domain_size.is_some());
        let link_missing = declared && !is_pcie(chip) && !fabric;
        let host_known = chip.host_link_bandwidth.is_some();
        let link = chip.scale_up_bandwidth().unwrap_or(PCIE_GEN4_X16);
        let domain = if fabric {
            chip.domain_size().max(1)
        } else {
            PCIE_BOX
        };
        let memory_fraction = chip.stream.as_ref().map_or(eff.memory, |m| m.fraction);
        let network = chip.scale_out.as_ref().map(|s| s.value);
        let host = chip.host_link_bandwidth.as_ref().map(|s| s.value);
        let fallback = host.map_or(DEFAULT_NETWORK, |h| h.min(DEFAULT_NETWORK));
        Ok(Hardware {
            id: chip.id.clone(),
            peak,
            bandwidth,
            capacity,
            link,
            domain,
            fabric,
            link_missing,
            link_assumed: !fabric
                && !link_missing
                && !host_known
                && chip.scale_up_bandwidth().is_none(),
            in_network_reduction: fabric
                && chip
                    .scale_up
                    .as_ref()
                    .and_then(|s| s.in_network_reduction.as_ref())
                    .is_some_and(|s| s.value),
            network: network.unwrap_or(fallback).min(link),
            network_known: network.is_some(),
            gemm_efficiency: eff.gemm_for_vendor(&chip.vendor),
            gemm_calibrated: Efficiency::vendor_is_calibrated(&chip.vendor),
            nvidia: chip.vendor.to_ascii_lowercase().starts_with("nvidia"),
            memory_fraction,
            memory_measured: chip.stream.is_some(),
            power_limit: chip
                .power_limit
                .as_ref()
                .zip(chip.tdp.as_ref())
                .map(|(l, t)| (l.value.get(), t.value.get())),
            clock,
            allreduce_measured: ALLREDUCE_GROUPS
                .map(|n| chip.allreduce_figures(n).map(|a| a.curve)),
            gemm_measured: Precision::ALL.map(|p| {
                // FP16 and BF16 run on the same tensor units at the same rate: a table of either
                // serves both.
                let other = match p {
                    Precision::Fp16 => Some(Precision::Bf16),
                    Precision::Bf16 => Some(Precision::Fp16),
                    _ => None,
                };
                let found = chip
                    .gemm_figures(p)
                    .or_else(|| other.and_then(|o| chip.gemm_figures(o)));
                found.map(|g| MeasuredGemm {
                    compute: g.compute,
                    memory: g.memory.unwrap_or(memory_fraction),
                    fixed: g.fixed.unwrap_or(eff.kernel_overhead),
                })
            }),
        })
    }

    /// Dense peak in a precision (zero when unsupported).
    #[inline]
    pub fn peak(&self, p: Precision) -> FlopsPerSecond {
        self.peak[p.index()]
    }

    /// The datasheet's dense peak in a precision, before any power limit: what MFU is against.
    #[inline]
    pub fn rated_peak(&self, p: Precision) -> FlopsPerSecond {
        self.peak[p.index()] * (1.0 / self.clock)
    }

    /// The chip's measured all-reduce over `n` chips of one scale-up domain, if any.
    #[inline]
    pub fn measured_allreduce(&self, n: u32) -> Option<AllReduceCurve> {
        if n > self.domain {
            return None;
        }
        let i = ALLREDUCE_GROUPS.iter().position(|&g| g == n)?;
        self.allreduce_measured[i]
    }

    /// The chip's measured GEMM figures in a compute precision, if any.
    #[inline]
    pub fn measured_gemm(&self, p: Precision) -> Option<MeasuredGemm> {
        self.gemm_measured[p.index()]
    }

    /// Whether the chip computes natively in a precision.
    #[inline]
    pub fn supports(&self, p: Precision) -> bool {
        self.peak[p.index()].get() > 0.0
    }

    /// Fails when a layout that moves data between chips needs a fabric bandwidth the catalogue
    /// does not have.
    pub fn require_link(&self) -> Result<(), PerfError> {
        if self.link_missing {
            return Err(PerfError::MissingSpec {
                chip: self.id.clone(),
                field: "scale_up.bidirectional_gbs",
            });
        }
        Ok(())
    }

    /// A note when the link figure is an assumption rather than the catalogue's.
    pub fn link_note(&self) -> Option<String> {
        self.link_assumed.then(|| {
            format!(
                "`{}` has no chip-to-chip or host-link bandwidth in the catalogue: taken as PCIe 4.0 x16, 32 GB/s per direction (`host_link_gbs` sets it)",
                self.id
            )
        })
    }

    /// A note when the chip runs under a power limit, saying how far its compute is slowed.
    pub fn power_note(&self) -> Option<String> {
        self.power_limit.map(|(limit, tdp)| {
            let clock = self.clock;
            format!(
                "`{}` is held to {limit:.0} W of its {tdp:.0} W TDP: compute peaks at {:.1}% (the clock as the cube root of the power), memory and links at full rate",
                self.id,
                clock * 100.0
            )
        })
    }

    /// A note for outputs when traffic among `span` chips leaves the scale-up domain and the
    /// network figure is the fallback prior rather than the catalogue's.
    pub fn network_note(&self, span: u32) -> Option<String> {
        (span > self.domain && !self.network_known).then(|| {
            format!(
                "`{}` has no scale-out bandwidth in the catalogue: traffic beyond its {}-chip domain assumes {:.0} GB/s per chip (`scale_out_gbs` sets it)",
                self.id,
                self.domain,
                self.network.gbs()
            )
        })
    }

    /// Bandwidth between two chips `span` apart: the scale-up link inside a domain, the network
    /// beyond it.
    #[inline]
    pub fn link_for(&self, span: u32) -> BytesPerSecond {
        if span <= self.domain {
            self.link
        } else {
            self.network
        }
    }
}

/// Whether the chip's only chip-to-chip path is PCIe (a scale-up table that just names PCIe).
fn is_pcie(chip: &Chip) -> bool {
    chip.scale_up
        .as_ref()
        .and_then(|s| s.name.as_ref())
        .is_some_and(|n| n.value.to_ascii_lowercase().starts_with("pcie"))
}
