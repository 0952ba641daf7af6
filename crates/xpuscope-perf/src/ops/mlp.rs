//! The MLP block of one layer: a dense (plain or gated) MLP, or a MoE layer's router, shared
//! experts, routed experts and their all-to-all.
//!
//! Everything here depends only on the tokens of the pass, not on what they attend to. Expert
//! weights read per pass follow the experts the pass's tokens touch under uniform routing; the
//! busiest expert-parallel rank sets the pace. This module does not know attention or requests.

use std::ops::Deref;

use super::{kernels, Costs, Sharded, ACT16};
use crate::breakdown::{Breakdown, OpClass};
use crate::comm;
use crate::hardware::Hardware;
use xpuscope_model::model::{MlpKind, Model};
use xpuscope_model::units::Bytes;

/// The busiest expert-parallel rank's load over the mean: the routing skew times the statistical
/// excess of `pairs` token-expert pairs spread over `ep` ranks (balls into bins: the maximum of
/// `ep` counts of mean `n` exceeds it by about `sqrt(2 n ln ep)`).
fn rank_imbalance(ep: f64, pairs: f64, skew: f64) -> f64 {
    if ep <= 1.0 || pairs <= 0.0 {
        return 1.0;
    }
    skew * (1.0 + (2.0 * ep.ln() / pairs).sqrt())
}

impl<M: Deref<Target = Model>> Sharded<M> {
    /// Costs one MLP block over `t` tokens: dense, or router + shared + routed experts for a MoE
    /// layer; `times` layers of it.
    pub(super) fn mlp_block(
        &self,
        b: &mut Breakdown,
        c: &Costs,
        hw: &Hardware,
        t: f64,
        moe_layer: bool,
        times: f64,
    ) {
        if times == 0.0 {
            return;
        }
        let h = self.hidden;
        let m: &Model = &self.model;
        let tp = f64::from(self.layout.tp);
        c.kernel(
            b,
            OpClass::Norm,
            4.0 * t * h,
            2.0 * t * h * ACT16,
            c.gemm,
            kernels::FUSED,
            times,
        );
        let dense = |b: &mut Breakdown, ffn: f64, class: OpClass| {
            let ffn_c = ffn / tp;
            let w = m.mlp_matrices() * h * ffn_c;
            let up_out = (m.mlp_matrices() - 1.0) * ffn_c;
            c.kernel(
                b,
                class,
                2.0 * t * w,
                w * c.wb + t * (h * c.ab + up_out * ACT16 + ffn_c * c.ab + h * ACT16),
                c.gemm,
                kernels::MLP,
                times,
            );
            // The activation function (and the gate product) as an element-wise pass.
            let gate = if m.mlp == MlpKind::Gated { 3.0 } else { 2.0 };
            c.kernel(
                b,
                OpClass::Norm,
                8.0 * t * ffn_c,
                gate * t * ffn_c * ACT16,
                c.gemm,
                kernels::FUSED,
                times,
            );
        };
        match (m.moe, moe_layer) {
            (Some(moe), true) => {
                let e = f64::from(moe.experts);
                let k = f64::from(moe.experts_per_token);
                c.kernel(
                    b,
                    OpClass::Router,
                    2.0 * t * h * e,
                    h * e * ACT16 + t * h * ACT16,
                    c.gemm,
                    kernels::ROUTER,
                    times,
                );
                if moe.shared_experts > 0 {
                    dense(
                        b,
                        f64::from(moe.shared_experts) * moe.shared_expert_ffn as f64,
                        OpClass::Mlp,
                    );
                }
                let ep = f64::from(self.layout.ep.max(1));
                let etp = f64::from(self.layout.expert_tp());
                // Tokens entering this chip's expert group of `ep x etp` chips: each TP group of
                // `tp` chips contributes its `t` tokens.
                let group_tokens = t * ep * etp / tp;
                let pairs = group_tokens * k / ep;
                let ffn = moe.expert_ffn as f64 / etp;
                let per_expert = m.mlp_matrices() * h * ffn;
                // Distinct experts whose weights are read this step: E (1 - (1 - k/E)^T) under
                // uniform routing.
                let touched = e / ep * (1.0 - (1.0 - k / e).powf(group_tokens));
                let flops = 2.0 * pairs * per_expert;
                let bytes = touched * per_expert * c.wb
                    + pairs * (h * c.ab + 2.0 * ffn * ACT16 + h * ACT16);
                // With experts spread over ranks, the busiest rank sets the pace: imbalance slows
                // the rate, not the FLOPs done. Inside one chip a grouped GEMM absorbs it.
                let rate = if self.layout.ep > 1 {
                    c.gemm / rank_imbalance(ep, pairs, c.imbalance)
                } else {
                    c.gemm
                };
                // Narrow experts reach less of the GEMM rate and bandwidth (fitted widths).
                let width = |w0: f64| {
                    if c.narrow_experts_slow {
                        ffn / (ffn + w0)
                    } else {
                        1.0
                    }
                };
                c.gemm_kernel(
                    b,
                    OpClass::Experts,
                    flops,
                    bytes,
                    rate * width(c.eff.expert_width_compute),
                    width(c.eff.expert_width_memory),
                    kernels::EXPERTS,
                    times,
                );
                c.kernel(
                    b,
                    OpClass::Norm,
                    8.0 * pairs * ffn,
                    3.0 * pairs * ffn * ACT16,
                    c.gemm,
                    kernels::FUSED,
                    times,
                );
                if self.layout.needs_all_to_all() {
                    // Dispatch (activations in their GEMM format) and combine (16-bit); the TP
                    // ranks of a replica share the sending.
                    let span = self.layout.ep * self.layout.expert_tp();
                    let groups = (moe.groups > 1).then_some(moe.topk_groups);
                    for width in [c.ab, ACT16] {
                        let x = comm::Exchange {
                            ep: self.layout.ep,
                            span,
                            tokens: t / tp,
                            token_bytes: Bytes::new(h * width),
                            k,
                            topk_groups: groups,
                        };
                        let (time, bytes) = comm::all_to_all(hw, &c.eff, &x);
                        let lat = if span <= hw.domain {
                            c.eff.all_to_all_latency
                        } else {
                            c.eff.network_latency
                        };
                        b.transfer(OpClass::EpComm, bytes, time - lat, lat, times);
                    }
                }
            }
            _ => dense(b, m.ffn as f64, OpClass::Mlp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_imbalance_fades_with_load() {
        assert_eq!(rank_imbalance(1.0, 10.0, 1.2), 1.0);
        let few = rank_imbalance(8.0, 8.0, 1.0);
        let many = rank_imbalance(8.0, 100_000.0, 1.0);
        assert!(few > 1.5 && many < 1.01, "{few} {many}");
        assert!((rank_imbalance(8.0, 100_000.0, 1.2) / many - 1.2).abs() < 1e-12);
    }
}
