//! Collective communication: the one all-reduce formula every model uses.
//!
//! A ring all-reduce of `S` bytes over `n` chips puts `2 (n - 1) / n x S` on each chip's link; a
//! switch that reduces in the network (NVLink SHARP) lets each chip send `S` once and receive the
//! sum once. NCCL picks whichever is faster, and so does this. Inside the scale-up domain the link
//! is the fabric; a group that spans domains runs at the network's bandwidth and latency.

use crate::perf::efficiency::Efficiency;
use crate::perf::hardware::Hardware;
use crate::units::Seconds;

/// Which algorithms an all-reduce may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Whatever is fastest on this hardware.
    Best,
    /// A ring only (what `NCCL_ALGO=Ring` measures).
    Ring,
}

/// Time of an all-reduce of `bytes` over `n` chips spanning `span` chips of the machine, with
/// `latency` for a group inside one domain.
pub fn all_reduce(
    hw: &Hardware,
    eff: &Efficiency,
    n: u32,
    span: u32,
    bytes: f64,
    latency: Seconds,
    algorithm: Algorithm,
) -> Seconds {
    if n <= 1 {
        return Seconds::ZERO;
    }
    let nf = f64::from(n);
    let inside = span <= hw.domain;
    let bw = hw.link_for(span).get();
    let lat = if inside { latency } else { eff.network_latency };
    let ring = Seconds::new(bytes * 2.0 * (nf - 1.0) / nf / (bw * eff.collective));
    let time = if inside && hw.in_network_reduction && algorithm == Algorithm::Best {
        ring.min(Seconds::new(bytes / (bw * eff.in_network_allreduce)))
    } else {
        ring
    };
    time + lat
}

/// Bytes each chip puts on its link for that all-reduce (for breakdowns).
pub fn all_reduce_wire_bytes(n: u32, bytes: f64) -> f64 {
    let nf = f64::from(n);
    bytes * 2.0 * (nf - 1.0) / nf
}
