//! Serving-engine behaviours that change what the same hardware delivers.
//!
//! The public inference measurements come from TensorRT-LLM 0.5 (October 2023), whose kernels differ
//! from today's engines in two documented ways that the physics alone cannot know. A profile names
//! them; everything else (rates, bandwidths, per-kernel overheads) is shared. A profile does not
//! schedule requests or model batching policy.

use crate::efficiency::Efficiency;
use xpuscope_model::units::Seconds;

/// Small-message latency of the one-shot custom all-reduce kernels of vLLM, SGLang and
/// TensorRT-LLM: they write to peers' buffers directly instead of running NCCL's protocol.
/// Reported, not fitted: PyTorch's one-shot kernel measured about 17 us on 8 GPUs in
/// pytorch/pytorch#131739 (its PR #114001 showed 6-15 us), and NCCL's NVLS about 6 us on 2 H100s
/// under CUDA graphs (NVIDIA/nccl#1259). 12 us sits inside that range. It prices chips of vendors
/// with no measured table; NVIDIA chips without their own figures take
/// [`NVLINK_ALLREDUCE_LATENCY`].
pub const CUSTOM_ALLREDUCE_LATENCY: Seconds = Seconds::new(12e-6);

/// The same on NVIDIA's NVLink chips that have no all-reduce table of their own (H20, H800, ...):
/// measured, not fitted. TensorRT-LLM's all-reduce of 64 KiB or less over 8 GPUs takes 3.5 us on
/// H100 and H200, 4.4-5.7 us on B200, B300 and GB300 and 6.1 us on A100
/// (`catalog/kernels/allreduce.toml`, `small_us`); 5 us is their median.
pub const NVLINK_ALLREDUCE_LATENCY: Seconds = Seconds::new(5e-6);

/// A serving engine's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Engine {
    /// Current engines (vLLM, SGLang, TensorRT-LLM since 0.7): GQA/MQA decode kernels read each KV
    /// head once for its whole query group (TensorRT-LLM's XQA kernel, FlashInfer, FlashAttention
    /// with GQA), and small tensor-parallel all-reduces use one-shot custom kernels.
    #[default]
    Modern,
    /// TensorRT-LLM 0.5: the masked multi-head attention kernel loads K and V once per query head
    /// (a GQA group re-reads its KV head), and all-reduces go through NCCL.
    TrtLlm05,
    /// The training stacks behind the public training runs (Megatron-style, 2024): NCCL
    /// collectives and FlashAttention-2-class attention. Llama 3 405B at 128k context (P3), where
    /// attention is over half the FLOPs, is matched with it; with current fused kernels the same
    /// run is predicted 15% faster than measured.
    Training,
}

impl Engine {
    /// All profiles.
    pub const ALL: [Engine; 3] = [Engine::Modern, Engine::TrtLlm05, Engine::Training];

    /// Name in flags and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Modern => "modern",
            Engine::TrtLlm05 => "trtllm-0.5",
            Engine::Training => "training",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Whether decode attention reads a shared KV head once per query group.
    pub fn shares_kv_across_group(self) -> bool {
        !matches!(self, Engine::TrtLlm05)
    }

    /// Whether its grouped expert GEMMs slow down with narrow experts
    /// ([`Efficiency::expert_width_compute`], fitted to TensorRT-LLM's MoE kernels; SGLang's and
    /// vLLM's tables in the same package show the same effect, with half-rate widths of 140-320
    /// columns). The training profile does not: DeepSeek-V3's training run (P4, DeepGEMM-class
    /// grouped kernels on 2,048-column experts) is predicted 11.5% slow without it and 20.5%
    /// with it.
    pub fn narrow_experts_slow(self) -> bool {
        !matches!(self, Engine::Training)
    }

    /// Whether its tensor-parallel all-reduces are the chip's measured ones where the catalogue
    /// has them (`catalog/kernels/allreduce.toml`: TensorRT-LLM's custom all-reduce): current
    /// engines. vLLM's and SGLang's, timed in the same package on 8 H100s under CUDA graphs, agree
    /// within about 10% (3.7-5.1 us for small messages against 3.5, 178-198 us for 32 MiB against
    /// 197). TensorRT-LLM 0.5 and the training stacks use NCCL, which the formula with its fitted
    /// figures prices.
    pub fn measured_allreduce(self) -> bool {
        matches!(self, Engine::Modern)
    }

    /// Fraction of 16-bit peak its attention kernels reach.
    pub fn attention_efficiency(self, eff: &Efficiency) -> f64 {
        match self {
            Engine::Modern => eff.attention_fused,
            Engine::TrtLlm05 | Engine::Training => eff.attention_fa2,
        }
    }

    /// Latency of one small all-reduce inside a scale-up domain: NCCL's
    /// ([`Efficiency::collective_latency`], fitted to nccl-tests) for TensorRT-LLM 0.5, and for
    /// engines with one-shot custom all-reduce kernels [`NVLINK_ALLREDUCE_LATENCY`] on NVIDIA
    /// chips (`nvidia`), [`CUSTOM_ALLREDUCE_LATENCY`] on others.
    pub fn allreduce_latency(self, eff: &Efficiency, nvidia: bool) -> Seconds {
        match self {
            Engine::Modern if nvidia => NVLINK_ALLREDUCE_LATENCY,
            Engine::Modern => CUSTOM_ALLREDUCE_LATENCY,
            Engine::TrtLlm05 | Engine::Training => eff.collective_latency,
        }
    }
}
