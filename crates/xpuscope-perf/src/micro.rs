//! Microbenchmark predictions: one GEMM, a streaming kernel, one all-reduce.
//!
//! These use exactly the formulas of the operator cost model (`ops`), exposed one at a time so
//! `validate` can hold each efficiency parameter against the measurement that fixed it. They
//! predict; they do not read measurements or compute errors (that is `xpuscope-analysis`).

use crate::breakdown::KernelCost;
use crate::comm::{self, Algorithm};
use crate::efficiency::Efficiency;
use crate::hardware::Hardware;
use xpuscope_model::chip::Precision;
use xpuscope_model::units::{Bytes, BytesPerSecond, Flops, FlopsPerSecond, Seconds};

/// Achievable GEMM rate for a precision on a chip.
pub fn gemm_rate(hw: &Hardware, p: Precision, eff: &Efficiency) -> FlopsPerSecond {
    if let Some(m) = hw.measured_gemm(p) {
        return hw.peak(p) * m.compute;
    }
    let factor = if p.bit_length() <= 8 {
        eff.fp8_gemm_factor
    } else {
        1.0
    };
    hw.peak(p) * (hw.gemm_efficiency * factor)
}

/// Predicted throughput of an `m x n x k` GEMM with inputs in `p` and a 16-bit output.
pub fn gemm(
    hw: &Hardware,
    p: Precision,
    m: f64,
    n: f64,
    k: f64,
    eff: &Efficiency,
) -> FlopsPerSecond {
    let flops = 2.0 * m * n * k;
    let bytes = (m * k + k * n) * p.bytes() + m * n * 2.0;
    let (bandwidth, overhead) = match hw.measured_gemm(p) {
        Some(m) => (hw.bandwidth * m.memory, m.fixed),
        None => (hw.bandwidth * hw.memory_fraction, eff.kernel_overhead),
    };
    let t = KernelCost::price_gemm(
        Flops::new(flops),
        Bytes::new(bytes),
        gemm_rate(hw, p, eff),
        bandwidth,
        overhead,
        1.0,
    )
    .time();
    FlopsPerSecond::new(flops / t.get())
}

/// Predicted bandwidth of a large streaming kernel: the chip's measured share where the
/// catalogue has one, else the fitted [`Efficiency::memory`] (already in `hw`).
pub fn stream(hw: &Hardware) -> BytesPerSecond {
    hw.bandwidth * hw.memory_fraction
}

/// Predicted time of an all-reduce of `bytes` over `n` chips of one domain, with NCCL's latency.
pub fn all_reduce_time(
    hw: &Hardware,
    n: u32,
    bytes: Bytes,
    eff: &Efficiency,
    algorithm: Algorithm,
) -> Seconds {
    comm::all_reduce(hw, eff, n, n, bytes, eff.collective_latency, algorithm)
}

/// Predicted bus bandwidth (as nccl-tests reports it) of an all-reduce.
pub fn all_reduce_busbw(
    hw: &Hardware,
    n: u32,
    bytes: Bytes,
    eff: &Efficiency,
    algorithm: Algorithm,
) -> BytesPerSecond {
    let nf = f64::from(n);
    let t = all_reduce_time(hw, n, bytes, eff, algorithm);
    BytesPerSecond::new(bytes.get() * 2.0 * (nf - 1.0) / nf / t.get())
}
