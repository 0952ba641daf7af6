//! The search space: for each chip, the deployments of one rank (a tensor x pipeline group of
//! chips, with its data-parallel group for attention-DP) that a planner may try, in the
//! precisions the chip runs natively, under each engine's default caps and with a smaller token
//! budget per step. The sequence cap is the engine's default: at a given traffic the batch is set
//! by the load, and a lower cap only queues requests the fleet could have run.

use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::model::Model;
use xpuscope_perf::{Layout, Precisions};
use xpuscope_serve::{EngineKind, EngineSettings};

/// Most chips in one rank (tp x pp): past this a deployment is several ranks.
const MAX_RANK_CHIPS: u32 = 32;
/// The smaller token budget per step tried beside each engine's default (vLLM's default on
/// GPUs under 70 GiB and on the A100).
pub const SMALL_TOKEN_BUDGET: u64 = 2048;
/// Largest attention-DP group tried for mixture-of-experts models.
const MAX_ATTENTION_DP: u32 = 32;

/// One way to deploy the model on one chip type, before the fleet is sized.
#[derive(Debug, Clone, Copy)]
pub struct Config<'a> {
    /// The chip.
    pub chip: &'a Chip,
    /// Layout of one instance: `dp` is the attention-DP group (1 without it); the fleet repeats
    /// the instance.
    pub layout: Layout,
    /// Storage precisions.
    pub precisions: Precisions,
    /// The engine and its caps.
    pub engine: EngineSettings,
}

impl Config<'_> {
    /// Chips of one rank (a data-parallel replica): tp x pp.
    pub fn rank_chips(&self) -> u32 {
        self.layout.tp * self.layout.pp
    }

    /// Ranks of one instance (the attention-DP group).
    pub fn instance_ranks(&self) -> u32 {
        self.layout.dp
    }
}

/// Weight formats a planner tries on `chip`: 16-bit always, FP8 where the chip has an FP8 rate,
/// FP4 where it has an FP4 rate (formats the chip lacks fall back to slower kernels, which a
/// planner would not choose).
pub fn weight_formats(chip: &Chip) -> Vec<Precision> {
    let sixteen = chip.peak_16bit().map_or(Precision::Bf16, |(p, _)| p);
    let mut v = vec![sixteen];
    for p in [Precision::Fp8, Precision::Fp4] {
        if chip.peak(p).is_some() {
            v.push(p);
        }
    }
    v
}

/// KV-cache formats a planner tries: 16-bit, and FP8 where the chip has an FP8 rate.
pub fn kv_formats(chip: &Chip) -> Vec<Precision> {
    let sixteen = chip.peak_16bit().map_or(Precision::Bf16, |(p, _)| p);
    let mut v = vec![sixteen];
    if chip.peak(Precision::Fp8).is_some() {
        v.push(Precision::Fp8);
    }
    v
}

/// Layouts of one instance for `model` on `chip`: tensor degrees up to the scale-up domain,
/// pipeline stages when a domain is not enough, expert parallelism over the tensor group, and
/// for mixture-of-experts models DeepSeek-style attention-DP with experts across the group
/// (`tp 1, dp k, ep k`). Layouts that do not divide the model are left to the caller's checks.
pub fn layouts(chip: &Chip, model: &Model) -> Vec<Layout> {
    // PCIe cards have no fabric, but eight share a host, which is how they are deployed.
    let domain = chip.domain_size().clamp(8, 16);
    let powers = |limit: u32| {
        std::iter::successors(Some(1u32), |x| x.checked_mul(2)).take_while(move |x| *x <= limit)
    };
    let mut out = Vec::new();
    for tp in powers(domain) {
        for pp in powers(8) {
            if tp * pp > MAX_RANK_CHIPS {
                continue;
            }
            let base = Layout {
                tp,
                pp,
                ..Layout::SINGLE
            };
            out.push(base);
            if model.moe.is_some() && tp > 1 {
                out.push(Layout { ep: tp, ..base });
            }
        }
    }
    if let Some(moe) = &model.moe {
        for k in powers(MAX_ATTENTION_DP).skip(1) {
            if moe.experts % k == 0 {
                for pp in [1, 2] {
                    out.push(Layout {
                        tp: 1,
                        pp,
                        dp: k,
                        ep: k,
                        cp: 1,
                    });
                }
            }
        }
    }
    out
}

/// Every configuration of `model` on `chip` under `engines`.
pub fn configs<'a>(chip: &'a Chip, model: &Model, engines: &[EngineKind]) -> Vec<Config<'a>> {
    let mut v = Vec::new();
    for layout in layouts(chip, model) {
        for &w in &weight_formats(chip) {
            for &kv in &kv_formats(chip) {
                let precisions = Precisions {
                    kv_cache: kv,
                    ..Precisions::for_weights(w)
                };
                for &kind in engines {
                    let e = kind.defaults_for(chip, model, &layout);
                    v.push(Config {
                        chip,
                        layout,
                        precisions,
                        engine: e,
                    });
                    // A smaller token budget per step: shorter prefill chunks beside the
                    // decodes, a lower TPOT for a longer TTFT (where prompts may be chunked).
                    if e.chunked_prefill && e.max_num_tokens > SMALL_TOKEN_BUDGET {
                        v.push(Config {
                            chip,
                            layout,
                            precisions,
                            engine: EngineSettings {
                                max_num_tokens: SMALL_TOKEN_BUDGET,
                                ..e
                            },
                        });
                    }
                }
            }
        }
    }
    v
}
