//! Attention data-parallel ranks that meet in every MoE layer: the simulated rank stands in for
//! the others, and a step waits for whichever of them runs a prefill chunk.

use std::ops::Deref;

use xpuscope_model::model::Model;
use xpuscope_model::units::Seconds;

use super::{Params, State};

/// What the simulated rank learns of the others' prefills, when attention is data-parallel and
/// the experts are shared through an all-to-all: every layer waits for the slowest rank, so a
/// step in which another rank runs a prefill chunk lasts about as long as one in which this
/// rank does. The others see the same traffic, so the simulated rank's own record stands in for
/// theirs: the share of its steps with a prefill chunk (`p`), and what a chunk adds to a step
/// (priced by pricing the step again without it). A step of this rank without a chunk then
/// waits `(1 - (1 - p)^(ranks - 1))` times the mean addition. Nothing is fitted.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RankSync {
    pub(super) prefill_steps: u64,
    pub(super) added_sum: f64,
}

/// How long this step waits for the other ranks' prefill chunks ([`RankSync`]); records what
/// this rank's own chunk added when it has one. `forward` is the wall time of the step's
/// forward pass, launch floor included (`EngineSettings::kernel_wall`).
pub(super) fn rank_wait<M: Deref<Target = Model>>(
    p: &Params<M>,
    st: &mut State,
    forward: Seconds,
    has_prefill: bool,
) -> Seconds {
    if p.sync_ranks <= 1 {
        return Seconds::ZERO;
    }
    if has_prefill {
        // What the chunks added: the step's forward against the same step without them, each
        // at its wall time (a step without a prefill may replay a graph where this one may not).
        let w = &st.without_prefill;
        let base = if w.is_empty() {
            0.0
        } else {
            let kernels = p.evaluator.step(w);
            p.engine
                .kernel_wall(&kernels, w.sequences(), w.tokens(), false)
                .get()
        };
        st.sync.prefill_steps += 1;
        st.sync.added_sum += (forward.get() - base).max(0.0);
        return Seconds::ZERO;
    }
    if st.sync.prefill_steps == 0 {
        return Seconds::ZERO;
    }
    let share = st.sync.prefill_steps as f64 / (st.steps + 1) as f64;
    let mean_added = st.sync.added_sum / st.sync.prefill_steps as f64;
    Seconds::new(others_wait(share, p.sync_ranks, mean_added))
}

/// The expected wait of a rank without a prefill chunk for `ranks - 1` others, each with a chunk
/// in a `share` of steps that adds `mean_added` seconds: the chance that any has one, times it.
fn others_wait(share: f64, ranks: u32, mean_added: f64) -> f64 {
    let others = ranks.saturating_sub(1).min(i32::MAX as u32) as i32;
    (1.0 - (1.0 - share.clamp(0.0, 1.0)).powi(others)) * mean_added
}

#[cfg(test)]
mod tests {
    use super::others_wait;

    #[test]
    fn a_rank_waits_when_any_other_prefills() {
        assert_eq!(others_wait(0.3, 1, 2.0), 0.0, "alone, nobody to wait for");
        assert_eq!(others_wait(0.0, 8, 2.0), 0.0, "nobody prefills");
        assert_eq!(others_wait(1.0, 8, 2.0), 2.0, "somebody always prefills");
        // One in ten steps per rank: with 7 others, 1 - 0.9^7 = 52% of steps wait.
        assert!((others_wait(0.1, 8, 1.0) - (1.0 - 0.9f64.powi(7))).abs() < 1e-12);
        assert!(others_wait(0.1, 16, 1.0) > others_wait(0.1, 8, 1.0));
    }
}
