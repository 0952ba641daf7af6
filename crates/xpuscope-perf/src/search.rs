//! Search over training layouts: every valid TP, PP, VP, CP, EP, ZeRO stage, recomputation and
//! micro-batch for a chip count and global batch, evaluated in parallel.
//!
//! A layout's micro-batch forward depends only on (tp, pp, dp, cp, ep, micro-batch); ZeRO stage,
//! recomputation and virtual stages only change how it is combined. The search costs that forward
//! once per group and evaluates the 4 x 3 x |vp| variants from it, with no allocation per layout.
//! Groups run on all cores with rayon; each keeps its own top ten, merged at the end.
//!
//! The search only enumerates and ranks; every number comes from `train`. It does not choose
//! between chips or price anything in dollars.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::layout::Layout;
use crate::train::{Recompute, TrainConfig, TrainResult, Trainer};
use crate::PerfError;
use xpuscope_model::chip::Precision;

/// Constraints on the search: `None` means "search it".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Fixed {
    /// Tensor parallelism.
    pub tp: Option<u32>,
    /// Pipeline stages.
    pub pp: Option<u32>,
    /// Virtual stages.
    pub vp: Option<u32>,
    /// Context parallelism.
    pub cp: Option<u32>,
    /// Expert parallelism.
    pub ep: Option<u32>,
    /// ZeRO stage.
    pub zero: Option<u8>,
    /// Recomputation.
    pub recompute: Option<Recompute>,
    /// Micro-batch.
    pub micro_batch: Option<u64>,
}

/// What to search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Space {
    /// Chips.
    pub chips: u32,
    /// Tokens per sequence.
    pub seq_len: u64,
    /// Sequences per step.
    pub global_batch: u64,
    /// Training precision.
    pub precision: Precision,
    /// Usable memory fraction (usually [`crate::USABLE_MEMORY_FRACTION`]).
    pub usable_fraction: f64,
    /// Dimensions the user fixed.
    pub fixed: Fixed,
}

impl Space {
    /// Checks that the chip count, sequence length, batch and fixed degrees are usable.
    pub fn check(&self) -> Result<(), PerfError> {
        let bad = |s: String| Err(PerfError::Layout(s));
        if self.chips == 0 {
            return bad("the chip count must be at least 1".into());
        }
        if self.seq_len == 0 || self.seq_len > MAX_TOKENS {
            return bad(format!(
                "sequence length {} is not between 1 and {MAX_TOKENS}",
                self.seq_len
            ));
        }
        if self.global_batch == 0 || self.global_batch > MAX_TOKENS {
            return bad(format!(
                "global batch {} is not between 1 and {MAX_TOKENS}",
                self.global_batch
            ));
        }
        let f = &self.fixed;
        for (name, v) in [
            ("tp", f.tp),
            ("pp", f.pp),
            ("vp", f.vp),
            ("cp", f.cp),
            ("ep", f.ep),
        ] {
            if v == Some(0) {
                return bad(format!("{name} must be at least 1"));
            }
        }
        if f.micro_batch == Some(0) {
            return bad("micro-batch must be at least 1".into());
        }
        Ok(())
    }
}

pub use crate::train::MAX_TOKENS;

/// Context-parallel degrees tried: powers of two up to 32, past the 16 of Llama 3's 128k-context
/// run (Dubey et al. 2024); beyond it the K/V ring no longer hides under attention.
const CP_CHOICES: [u32; 6] = [1, 2, 4, 8, 16, 32];
/// Micro-batches tried (sequences per replica): powers of two up to 16; larger ones only add
/// activation memory once the GEMMs are large.
const MICRO_BATCH_CHOICES: [u64; 5] = [1, 2, 4, 8, 16];
/// The most virtual stages per chip tried (interleaved 1F1B): Megatron-LM's runs use up to 8,
/// and more shrinks the bubble less than it adds pipeline transfers.
const MAX_VP: u32 = 8;
/// ZeRO stages tried: all four.
const ZERO_CHOICES: [u8; 4] = [0, 1, 2, 3];

/// How many results to keep.
pub const TOP: usize = 10;

/// The outcome of a search.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Layouts evaluated (valid combinations of every dimension).
    pub evaluated: u64,
    /// Of those, how many fit in memory.
    pub fitting: u64,
    /// The fastest layouts that fit, best first (at most [`TOP`]).
    pub top: Vec<TrainResult>,
    /// The layout needing the least memory, when none fits.
    pub least_memory: Option<TrainResult>,
}

impl Outcome {
    /// The best layout that fits.
    pub fn best(&self) -> Option<&TrainResult> {
        self.top.first()
    }
}

fn divisors(n: u64) -> impl Iterator<Item = u64> {
    (1..=n).filter(move |d| n % d == 0)
}

fn choices<T: Copy + PartialEq>(fixed: Option<T>, all: &[T]) -> Vec<T> {
    match fixed {
        Some(v) => vec![v],
        None => all.to_vec(),
    }
}

/// Layout groups that share a micro-batch forward.
fn groups(t: &Trainer, s: &Space) -> Vec<(Layout, u64)> {
    if s.check().is_err() {
        return Vec::new();
    }
    let model = t.model();
    let hw = t.hardware();
    let chips = u64::from(s.chips);
    let heads = model.heads;
    // Tensor parallelism stays inside the scale-up domain: beyond it every layer's all-reduces
    // cross the network, which no published run does.
    let mut tps: Vec<u32> = divisors(heads)
        .filter(|&d| d <= u64::from(hw.domain.max(1)) && chips % d == 0)
        .map(|d| d as u32)
        .collect();
    if let Some(tp) = s.fixed.tp {
        tps = vec![tp];
    }
    let layers = model.layers;
    let mut pps: Vec<u32> = (1..=layers)
        .filter(|&p| layers % p == 0 || p.is_power_of_two())
        .filter(|&p| chips % u64::from(p) == 0)
        .collect();
    if let Some(pp) = s.fixed.pp {
        pps = vec![pp];
    }
    let cps = choices(s.fixed.cp, &CP_CHOICES);
    let mbs = choices(s.fixed.micro_batch, &MICRO_BATCH_CHOICES);
    let mut out = Vec::new();
    for &tp in &tps {
        for &pp in &pps {
            for &cp in &cps {
                let used = u64::from(tp) * u64::from(pp) * u64::from(cp);
                if chips % used != 0 || s.seq_len % u64::from(cp) != 0 {
                    continue;
                }
                let dp = (chips / used) as u32;
                let stage = tp * dp * cp;
                let eps: Vec<u32> = match (model.moe, s.fixed.ep) {
                    (_, Some(ep)) => vec![ep],
                    (Some(m), None) => divisors(u64::from(m.experts))
                        .map(|d| d as u32)
                        .filter(|&e| stage % e == 0)
                        .collect(),
                    (None, None) => vec![1],
                };
                for &ep in &eps {
                    for &mb in &mbs {
                        if s.global_batch % (u64::from(dp) * mb) != 0 {
                            continue;
                        }
                        let layout = Layout { tp, pp, dp, ep, cp };
                        out.push((layout, mb));
                    }
                }
            }
        }
    }
    out
}

/// Whether `a` ranks above `b`: faster, then less memory.
fn better(a: &TrainResult, b: &TrainResult) -> bool {
    a.tokens_per_s > b.tokens_per_s
        || (a.tokens_per_s == b.tokens_per_s && a.memory.total() < b.memory.total())
}

/// Inserts into a best-first list capped at [`TOP`].
fn insert(top: &mut Vec<TrainResult>, r: TrainResult) {
    if top.len() == TOP && !better(&r, &top[TOP - 1]) {
        return;
    }
    let pos = top.iter().position(|x| better(&r, x)).unwrap_or(top.len());
    top.insert(pos, r);
    top.truncate(TOP);
}

#[derive(Default)]
struct Partial {
    evaluated: u64,
    fitting: u64,
    top: Vec<TrainResult>,
    least: Option<TrainResult>,
}

impl Partial {
    fn merge(mut self, o: Partial) -> Partial {
        self.evaluated += o.evaluated;
        self.fitting += o.fitting;
        for r in o.top {
            insert(&mut self.top, r);
        }
        self.least = match (self.least, o.least) {
            (Some(a), Some(b)) => Some(if b.memory.total() < a.memory.total() {
                b
            } else {
                a
            }),
            (a, b) => a.or(b),
        };
        self
    }
}

/// Searches every valid layout. `progress`, if given, counts layout groups done (out of
/// [`group_count`]).
pub fn search(t: &Trainer, s: &Space, progress: Option<&AtomicU64>) -> Outcome {
    let zeros = choices(s.fixed.zero, &ZERO_CHOICES);
    let recomputes = choices(s.fixed.recompute, &Recompute::ALL);
    let gs = groups(t, s);
    let layers = t.model().layers;
    let result = gs
        .par_iter()
        .fold(Partial::default, |mut acc, &(layout, mb)| {
            let base = TrainConfig {
                chips: s.chips,
                layout,
                vp: 1,
                zero: 1,
                recompute: Recompute::None,
                precision: s.precision,
                seq_len: s.seq_len,
                global_batch: s.global_batch,
                micro_batch: mb,
                usable_fraction: s.usable_fraction,
            };
            if t.check(&base).is_ok() {
                let fwd = t.forward(&base);
                let per_stage = layers.div_ceil(layout.pp);
                let max_vp = if layout.pp > 1 {
                    per_stage.min(MAX_VP)
                } else {
                    1
                };
                for vp in 1..=max_vp {
                    if s.fixed.vp.is_some_and(|f| f != vp) || (vp > 1 && per_stage % vp != 0) {
                        continue;
                    }
                    for &zero in &zeros {
                        for &recompute in &recomputes {
                            let cfg = TrainConfig {
                                vp,
                                zero,
                                recompute,
                                ..base
                            };
                            let r = t.evaluate_with(&cfg, &fwd);
                            acc.evaluated += 1;
                            if r.memory.fits() {
                                acc.fitting += 1;
                                insert(&mut acc.top, r);
                            } else if acc
                                .least
                                .is_none_or(|l| r.memory.total() < l.memory.total())
                            {
                                acc.least = Some(r);
                            }
                        }
                    }
                }
            }
            if let Some(p) = progress {
                p.fetch_add(1, Ordering::Relaxed);
            }
            acc
        })
        .reduce(Partial::default, Partial::merge);
    Outcome {
        evaluated: result.evaluated,
        fitting: result.fitting,
        top: result.top,
        least_memory: if result.fitting == 0 {
            result.least
        } else {
            None
        },
    }
}

/// Number of layout groups a search will visit (for a progress bar).
pub fn group_count(t: &Trainer, s: &Space) -> u64 {
    groups(t, s).len() as u64
}

/// The smallest chip count (a power of two times the scale-up domain, up to `limit`) at which some
/// layout fits in memory, for the error when none fits at the asked count.
pub fn smallest_fitting_chips(t: &Trainer, s: &Space, limit: u32) -> Option<u32> {
    let mut chips = s.chips.max(1);
    while chips <= limit {
        chips *= 2;
        let space = Space {
            chips,
            // Keep the per-replica batch feasible as chips grow.
            global_batch: s.global_batch.max(u64::from(chips)),
            ..*s
        };
        let fits = groups(t, &space).into_iter().any(|(layout, mb)| {
            let cfg = TrainConfig {
                chips,
                layout,
                vp: 1,
                zero: 3,
                recompute: Recompute::Full,
                precision: s.precision,
                seq_len: s.seq_len,
                global_batch: space.global_batch,
                micro_batch: mb,
                usable_fraction: s.usable_fraction,
            };
            t.check(&cfg).is_ok() && t.memory(&cfg).fits()
        });
        if fits {
            return Some(chips);
        }
    }
    None
}
