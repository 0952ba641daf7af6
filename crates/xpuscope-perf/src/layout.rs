//! Parallel layouts: how a deployment or training job splits a model over chips, and the checks
//! that the degrees divide what they split. Nothing here prices anything.

use crate::PerfError;
use xpuscope_model::model::Model;

/// A parallel layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Tensor parallelism: attention heads and dense MLP split this many ways.
    pub tp: u32,
    /// Pipeline stages.
    pub pp: u32,
    /// Data-parallel replicas.
    pub dp: u32,
    /// Expert parallelism: routed experts split this many ways across a stage's `tp x dp` chips.
    pub ep: u32,
    /// Context parallelism (training): each sequence split this many ways.
    pub cp: u32,
}

impl Layout {
    /// One chip.
    pub const SINGLE: Layout = Layout {
        tp: 1,
        pp: 1,
        dp: 1,
        ep: 1,
        cp: 1,
    };

    /// Chips in the deployment.
    pub fn chips(&self) -> u32 {
        self.tp * self.pp * self.dp * self.cp
    }

    /// Chips over which each routed expert's weights are split: `min(tp, tp x dp x cp / ep)`.
    ///
    /// With `ep = 1` experts are split like the dense MLP (`tp`) and replicated on every
    /// data-parallel replica. With `ep > 1` the stage's `tp x dp x cp` chips hold `ep` expert
    /// groups; each expert is split over at most `tp` chips (vLLM's `--tp 8 --ep 8` gives 1,
    /// DeepSeek's attention-DP `--tp 1 --dp 8 --ep 8` gives 1), and groups left over replicate the
    /// experts (expert data parallelism, as in DeepSeek-V3's EP64 over 128 data-parallel ranks).
    pub fn expert_tp(&self) -> u32 {
        let stage = self.tp * self.dp * self.cp;
        self.tp.min((stage / self.ep.max(1)).max(1))
    }

    /// Whether MoE layers move tokens by all-to-all: only when an expert group reaches beyond one
    /// tensor-parallel group. With `--tp 8 --ep 8` every rank already holds every token, computes
    /// its local experts, and the usual all-reduce combines them.
    pub fn needs_all_to_all(&self) -> bool {
        self.ep > 1 && self.ep * self.expert_tp() > self.tp
    }

    /// Every degree as one short string, `tp8 pp2 dp4 cp1 ep1`: the form the comparison's
    /// training cells already print (other outputs add or omit degrees and keep their own).
    pub fn label(&self) -> String {
        format!(
            "tp{} pp{} dp{} cp{} ep{}",
            self.tp, self.pp, self.dp, self.cp, self.ep
        )
    }

    /// Copies of each expert across a stage (expert data parallelism).
    pub fn expert_dp(&self) -> u32 {
        (self.tp * self.dp * self.cp / (self.ep.max(1) * self.expert_tp())).max(1)
    }
}

/// Checks that a layout's degrees divide the model: heads by TP, layers by PP, experts by EP,
/// and that EP divides the chips of a stage.
pub fn check_layout(model: &Model, l: &Layout) -> Result<(), PerfError> {
    check_layout_with(model, l, false)
}

/// As [`check_layout`]; with `uneven_stages`, PP need only be at most the layer count (training
/// frameworks give the first and last stages fewer layers).
pub fn check_layout_with(model: &Model, l: &Layout, uneven_stages: bool) -> Result<(), PerfError> {
    let err = |s: String| Err(PerfError::Layout(s));
    for (name, v) in [
        ("tp", l.tp),
        ("pp", l.pp),
        ("dp", l.dp),
        ("ep", l.ep),
        ("cp", l.cp),
    ] {
        if v == 0 {
            return err(format!("{name} must be at least 1"));
        }
    }
    let id = &model.id;
    if model.heads % u64::from(l.tp) != 0 {
        return err(format!(
            "tp {} does not divide the {} attention heads of `{id}`; use a divisor of {}",
            l.tp, model.heads, model.heads
        ));
    }
    let kv = model.kv_heads;
    let tp = u64::from(l.tp);
    if model.mla.is_none() && ((tp < kv && kv % tp != 0) || (tp > kv && tp % kv != 0)) {
        return err(format!(
            "tp {} does not divide the {kv} KV heads of `{id}` (nor is it a multiple of them)",
            l.tp
        ));
    }
    if uneven_stages && l.pp > model.layers {
        return err(format!(
            "pp {} is more than the {} layers of `{id}`",
            l.pp, model.layers
        ));
    }
    if !uneven_stages && model.layers % l.pp != 0 {
        return err(format!(
            "pp {} does not divide the {} layers of `{id}`",
            l.pp, model.layers
        ));
    }
    if l.ep > 1 {
        let Some(moe) = model.moe else {
            return err(format!(
                "ep {} applies to mixture-of-experts models; `{id}` has no experts",
                l.ep
            ));
        };
        if moe.experts % l.ep != 0 {
            return err(format!(
                "ep {} does not divide the {} experts of `{id}`",
                l.ep, moe.experts
            ));
        }
        let stage = l.tp * l.dp * l.cp;
        if stage % l.ep != 0 {
            return err(format!(
                "ep {} does not divide the {stage} chips of a pipeline stage (tp x dp{} = {stage}); experts are split across them",
                l.ep,
                if l.cp > 1 { " x cp" } else { "" }
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expert_tp_follows_the_contract() {
        // (tp, pp, dp, ep) -> (expert_tp, expert_dp)
        let cases = [
            ((1, 1, 8, 8), (1, 1)),
            ((8, 1, 1, 1), (8, 1)),
            ((4, 1, 2, 4), (2, 1)),
            ((8, 1, 1, 8), (1, 1)),
            // DeepSeek-V3 training: EP64 over 128 data-parallel ranks replicates each expert twice.
            ((1, 16, 128, 64), (1, 2)),
        ];
        for ((tp, pp, dp, ep), want) in cases {
            let l = Layout {
                tp,
                pp,
                dp,
                ep,
                cp: 1,
            };
            assert_eq!((l.expert_tp(), l.expert_dp()), want, "{l:?}");
        }
    }
}
