//! Collective communication: the all-reduce and all-to-all formulas every model uses.
//!
//! A ring all-reduce of `S` bytes over `n` chips puts `2 (n - 1) / n x S` on each chip's link; a
//! switch that reduces in the network (NVLink SHARP) lets each chip send `S` once and receive the
//! sum once. NCCL picks whichever is faster, and so does this. Inside the scale-up domain the link
//! is the fabric; a group that spans domains runs at the network's bandwidth and latency.
//! It prices single collectives; which collectives a pass needs is for `ops` and `train`.

use crate::efficiency::Efficiency;
use crate::hardware::Hardware;
use xpuscope_model::units::{Bytes, Seconds};

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
    bytes: Bytes,
    latency: Seconds,
    algorithm: Algorithm,
) -> Seconds {
    if n <= 1 {
        return Seconds::ZERO;
    }
    let nf = f64::from(n);
    let bytes = bytes.get();
    let inside = span <= hw.domain;
    let bw = group_bandwidth(hw, n, span);
    let lat = if inside { latency } else { eff.network_latency };
    let ring = Seconds::new(bytes * 2.0 * (nf - 1.0) / nf / (bw * eff.collective));
    let time = if inside && hw.in_network_reduction && algorithm == Algorithm::Best {
        ring.min(Seconds::new(bytes / (bw * eff.in_network_allreduce)))
    } else {
        ring
    };
    time + lat
}

/// Per-chip bandwidth of a collective over `n` chips spanning `span`: the scale-up link inside a
/// domain. Beyond it, the members that share a domain each drive their own network port, and a
/// ring (or NCCL's tree) sends each domain's traffic through all of them while the fabric moves
/// it inside: the bus bandwidth is the sum of those members' ports, capped by the link. With
/// one member per domain (a data-parallel group strided by tensor parallelism) it is one port.
///
/// Measured: 248 nodes of 8 H200 with eight 400 Gb/s NICs each reach about 350 GB/s bus
/// bandwidth on a 512 MB all-reduce (nccl-tests issue #283), 7x one port's 50 GB/s; 24 A100s
/// with four 200 Gb/s NICs per node reach 85-96 GB/s, the node's 100 GB/s of ports, not one
/// port's 25 (issue #119).
pub fn group_bandwidth(hw: &Hardware, n: u32, span: u32) -> f64 {
    if span <= hw.domain {
        return hw.link.get();
    }
    let stride = (span / n.max(1)).max(1);
    let members = if stride >= hw.domain {
        1
    } else {
        (hw.domain / stride).clamp(1, n)
    };
    (hw.network.get() * f64::from(members)).min(hw.link.get())
}

/// One MoE dispatch or combine, as seen by one chip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exchange {
    /// Expert-parallel ranks.
    pub ep: u32,
    /// Chips the ranks span (ep x expert TP): beyond the domain the network carries it.
    pub span: u32,
    /// Tokens this chip sends.
    pub tokens: f64,
    /// Bytes of one token vector.
    pub token_bytes: Bytes,
    /// Experts per token.
    pub k: f64,
    /// Group-limited routing: the most nodes one token may reach.
    pub topk_groups: Option<u32>,
}

/// The time of one exchange and the bytes one chip sends.
///
/// A token goes once to each distinct destination (DeepEP deduplicates per rank, and across nodes
/// per node, forwarding inside the node over the fabric); group-limited routing caps the nodes a
/// token reaches at `topk_groups`.
pub fn all_to_all(hw: &Hardware, eff: &Efficiency, x: &Exchange) -> (Seconds, Bytes) {
    let Exchange {
        ep,
        span,
        tokens,
        token_bytes,
        k,
        topk_groups,
    } = *x;
    if ep <= 1 {
        return (Seconds::ZERO, Bytes::ZERO);
    }
    let epf = f64::from(ep);
    let (dests, bw, lat) = if span <= hw.domain {
        let d = epf * (1.0 - (1.0 - 1.0 / epf).powf(k)) * (epf - 1.0) / epf;
        (d, hw.link.get(), eff.all_to_all_latency)
    } else {
        let nodes = (f64::from(span) / f64::from(hw.domain)).max(1.0);
        let mut d = nodes * (1.0 - (1.0 - 1.0 / nodes).powf(k));
        if let Some(g) = topk_groups {
            d = d.min(f64::from(g));
        }
        (
            d * (nodes - 1.0) / nodes,
            hw.network.min(hw.link).get(),
            eff.network_latency,
        )
    };
    let bytes = tokens * dests * token_bytes.get();
    (
        Seconds::new(bytes / (bw * eff.collective)) + lat,
        Bytes::new(bytes),
    )
}

/// Bytes each chip puts on its link for that all-reduce (for breakdowns).
pub fn all_reduce_wire_bytes(n: u32, bytes: Bytes) -> Bytes {
    let nf = f64::from(n);
    Bytes::new(bytes.get() * 2.0 * (nf - 1.0) / nf)
}
