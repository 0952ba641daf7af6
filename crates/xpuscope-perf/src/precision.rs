//! Which precision each part of the work runs in, on a given chip.
//!
//! Weights, activations and KV cache each have a storage precision. A GEMM computes in the wider of
//! its weight and activation formats when the chip supports that natively. When it does not (FP8 on
//! an A100 or an Ascend 910B, FP4 on a Hopper), the work falls back the way real engines do:
//! weight-only kernels that read the narrow weights and compute in 16 bits. Every fallback leaves a
//! note for the output. It chooses formats and rates; it does not price anything.

use crate::efficiency::Efficiency;
use crate::hardware::Hardware;
use crate::PerfError;
use xpuscope_model::chip::Precision;
use xpuscope_model::units::{BytesPerSecond, FlopsPerSecond, Seconds};

/// Storage precisions chosen by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precisions {
    /// Linear-layer weights.
    pub weights: Precision,
    /// Activations entering the GEMMs.
    pub activations: Precision,
    /// KV cache.
    pub kv_cache: Precision,
}

impl Precisions {
    /// BF16 everywhere.
    pub const BF16: Precisions = Precisions {
        weights: Precision::Bf16,
        activations: Precision::Bf16,
        kv_cache: Precision::Bf16,
    };

    /// The usual pairing for a weight format: FP8 and FP4 weights run with activations in the same
    /// format (W8A8, W4A4); integer formats are weight-only (activations BF16); KV cache in BF16.
    pub fn for_weights(weights: Precision) -> Precisions {
        let activations = match weights {
            Precision::Fp8 | Precision::Fp4 => weights,
            Precision::Fp16 => Precision::Fp16,
            _ => Precision::Bf16,
        };
        Precisions {
            weights,
            activations,
            kv_cache: Precision::Bf16,
        }
    }

    /// Checks that each is a format the model knows how to store.
    pub fn validate(&self) -> Result<(), PerfError> {
        let bad = |what: &'static str, p: Precision, allowed: &'static str| PerfError::Precision {
            what,
            precision: p.as_str().to_string(),
            allowed,
        };
        if !matches!(
            self.weights,
            Precision::Bf16
                | Precision::Fp16
                | Precision::Fp8
                | Precision::Int8
                | Precision::Int4
                | Precision::Fp4
        ) {
            return Err(bad(
                "weights",
                self.weights,
                "bf16, fp16, fp8, int8, int4, fp4",
            ));
        }
        if !matches!(
            self.activations,
            Precision::Bf16 | Precision::Fp16 | Precision::Fp8 | Precision::Int8 | Precision::Fp4
        ) {
            return Err(bad(
                "activations",
                self.activations,
                "bf16, fp16, fp8, int8, fp4",
            ));
        }
        if !matches!(
            self.kv_cache,
            Precision::Bf16 | Precision::Fp16 | Precision::Fp8 | Precision::Int8
        ) {
            return Err(bad("kv-cache", self.kv_cache, "bf16, fp16, fp8, int8"));
        }
        Ok(())
    }
}

/// How the work actually runs on one chip.
#[derive(Debug, Clone)]
pub struct ComputePlan {
    /// Storage precisions.
    pub storage: Precisions,
    /// The precision the linear layers compute in.
    pub gemm: Precision,
    /// Achievable GEMM rate: dense peak in `gemm` times the chip's measured GEMM efficiency, or
    /// the vendor's fitted one where the chip has no table.
    pub gemm_rate: FlopsPerSecond,
    /// Bandwidth a weight-streaming GEMM reaches: the chip's measured figure, or the streaming
    /// efficiency every kernel uses.
    pub gemm_bandwidth: BytesPerSecond,
    /// Fixed time per GEMM launch: the chip's measured figure, or the per-kernel overhead.
    pub gemm_overhead: Seconds,
    /// Whether the three GEMM figures come from the chip's own measured table.
    pub gemm_measured: bool,
    /// Bytes per weight element.
    pub weight_bytes: f64,
    /// Bytes per activation element at GEMM inputs.
    pub act_bytes: f64,
    /// Bytes per KV-cache element.
    pub kv_bytes: f64,
    /// Fallbacks taken, in words.
    pub notes: Vec<String>,
}

fn bits(p: Precision) -> u32 {
    p.bit_length()
}

impl ComputePlan {
    /// Chooses compute precisions for `storage` on `hw`.
    pub fn new(hw: &Hardware, storage: Precisions, eff: &Efficiency) -> ComputePlan {
        let mut notes = Vec::new();
        let w = storage.weights;
        let a = storage.activations;
        // A GEMM computes in the wider of its two inputs.
        let wanted = if bits(w) >= bits(a) { w } else { a };
        let wanted = match (w, a) {
            // Integer weights with float activations dequantise to the activation format.
            (Precision::Int8 | Precision::Int4, act) if !matches!(act, Precision::Int8) => act,
            _ => wanted,
        };
        let sixteen = if a == Precision::Fp16 {
            Precision::Fp16
        } else {
            Precision::Bf16
        };
        let gemm = if hw.supports(wanted) {
            wanted
        } else {
            // Weights keep their narrow format in memory and are widened inside the kernel
            // (Marlin-style weight-only GEMMs for FP8 on Ampere, MXFP4 on Hopper).
            notes.push(format!(
                "`{}` has no native {wanted} compute in the catalogue (none, or none published): {w} weights run as weight-only kernels with {sixteen} compute, as engines do",
                hw.id
            ));
            sixteen
        };
        if matches!(w, Precision::Int4 | Precision::Int8) && gemm != Precision::Int8 {
            notes.push(format!(
                "{w} weights are weight-only: dequantised to {gemm} inside the GEMM"
            ));
        }
        let low_precision = bits(gemm) <= 8;
        let factor = if low_precision {
            eff.fp8_gemm_factor
        } else {
            1.0
        };
        let measured = hw.measured_gemm(gemm);
        let (gemm_rate, gemm_bandwidth, gemm_overhead) = match measured {
            Some(m) => (hw.peak(gemm) * m.compute, hw.bandwidth * m.memory, m.fixed),
            None => (
                hw.peak(gemm) * (hw.gemm_efficiency * factor),
                hw.bandwidth * hw.memory_fraction,
                eff.kernel_overhead,
            ),
        };
        if measured.is_none() && !hw.gemm_calibrated {
            notes.push(format!(
                "no public GEMM measurement for `{}`'s vendor: its GEMM efficiency is the cross-vendor prior {:.2}",
                hw.id, hw.gemm_efficiency
            ));
        }
        ComputePlan {
            storage,
            gemm,
            gemm_rate,
            gemm_bandwidth,
            gemm_overhead,
            gemm_measured: measured.is_some(),
            weight_bytes: w.bytes(),
            // Without native low-precision compute the activations stay in 16 bits.
            act_bytes: if bits(gemm) >= 16 {
                a.bytes().max(2.0)
            } else {
                a.bytes()
            },
            kv_bytes: storage.kv_cache.bytes(),
            notes,
        }
    }
}
