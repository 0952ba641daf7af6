//! Serving engines as their schedulers see them: the caps on a step (sequences, tokens), the KV
//! cache's page size and memory share, how a step is formed, and what the host adds per step.
//!
//! Defaults are each engine's own, with the source beside each. This module holds settings and
//! the host-overhead formula; it does not schedule (see `sim`) or price kernels (see
//! `xpuscope-perf`).

use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_model::units::{Bytes, Seconds};
use xpuscope_perf::Layout;

/// Which engine's scheduler runs the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineKind {
    /// vLLM's V1 engine: decodes of running requests first, then waiting requests' prefills
    /// (chunked) fill the token budget; preemption by recomputation when KV blocks run out.
    Vllm,
    /// SGLang: a prefill batch, when one can be formed, runs before decodes (prefill-first);
    /// long prompts are chunked; decodes run when no prefill batch forms; requests are retracted
    /// (recomputed later) when decoding runs out of memory.
    Sglang,
    /// TensorRT-LLM's in-flight batching with the GUARANTEED_NO_EVICT capacity scheduler: a
    /// request is admitted only when KV blocks for its whole length can be reserved, so nothing
    /// is preempted; generation and context requests share a step up to the token cap.
    Trtllm,
}

impl EngineKind {
    /// Every engine.
    pub const ALL: [EngineKind; 3] = [EngineKind::Vllm, EngineKind::Sglang, EngineKind::Trtllm];

    /// Name in flags and output.
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Vllm => "vllm",
            EngineKind::Sglang => "sglang",
            EngineKind::Trtllm => "trtllm",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Option<EngineKind> {
        EngineKind::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The engine's default settings for `chip` (GiB of memory per chip, name) serving a model
    /// with an MLA cache (`mla`) at tensor x pipeline degree `tp_pp` (sources:
    /// docs/research/engine-schedulers.md, which quotes each engine's code).
    pub fn defaults(
        self,
        memory_gib: f64,
        chip_name: &str,
        mla: bool,
        tp_pp: u32,
    ) -> EngineSettings {
        match self {
            EngineKind::Vllm => {
                // vllm/engine/arg_utils.py, EngineArgs._set_default_args (v0.11): GPUs of at
                // least 70 GiB other than the A100 get 8192 tokens and 1024 sequences for the
                // API server; every other GPU 2048 and 256 ("Setting large
                // max_num_batched_tokens for A100 reduces throughput, see PR #17885").
                let large = memory_gib >= 70.0 && !chip_name.to_ascii_lowercase().contains("a100");
                let (tokens, seqs) = if large { (8192, 1024) } else { (2048, 256) };
                EngineSettings {
                    kind: self,
                    // ... clamped to the token budget (`min(default_max_num_seqs, tokens)`).
                    max_num_seqs: seqs.min(tokens),
                    derive_max_seqs: false,
                    max_num_tokens: tokens,
                    // V1 forces chunked prefill on for generative models.
                    chunked_prefill: true,
                    // vllm/platforms/cuda.py: block_size 16; FlashMLA backends force 64.
                    block_size: if mla { 64 } else { 16 },
                    // vllm/config/cache.py (v0.8-v0.11): gpu_memory_utilization 0.9.
                    memory_fraction: 0.9,
                    memory_of_free: false,
                    host: HostOverhead::VLLM,
                }
            }
            EngineKind::Sglang => {
                // sglang server_args (0.5.x): chunked_prefill_size by GPU memory: 2048 under
                // 35 GiB, 4096 under 60, 8192 under 160, 16384 above.
                let chunk: u64 = if memory_gib < 35.0 {
                    2048
                } else if memory_gib < 60.0 {
                    4096
                } else if memory_gib < 160.0 {
                    8192
                } else {
                    16384
                };
                // cuda_graph_max_bs: 256 below TP 4, 512 from TP 4 (H100/H200 defaults).
                let graph_bs: u64 = if tp_pp < 4 { 256 } else { 512 };
                // mem_fraction_static = (memory - reserved) / memory, reserved = 512 + 1.5 x
                // chunk + 2 x cuda_graph_max_bs + 128 x tp x pp MiB, at least 10 GiB on GPUs
                // above 60 GiB.
                let mib = memory_gib * 1024.0;
                let mut reserved =
                    512.0 + 1.5 * chunk as f64 + 2.0 * graph_bs as f64 + 128.0 * f64::from(tp_pp);
                if memory_gib > 60.0 {
                    reserved = reserved.max(10.0 * 1024.0);
                }
                EngineSettings {
                    kind: self,
                    // max_running_requests is derived from the KV pool when unset (see
                    // `sglang_max_running`, applied once the pool is known); batches past the
                    // CUDA-graph cap still run, without graphs.
                    max_num_seqs: graph_bs,
                    derive_max_seqs: true,
                    max_num_tokens: chunk,
                    chunked_prefill: true,
                    // page_size 1.
                    block_size: 1,
                    memory_fraction: ((mib - reserved) / mib).clamp(0.05, 1.0),
                    memory_of_free: false,
                    host: HostOverhead::SGLANG,
                }
            }
            EngineKind::Trtllm => EngineSettings {
                kind: self,
                // tensorrt_llm BuildConfig / trtllm-serve: max_batch_size 2048,
                // max_num_tokens 8192.
                max_num_seqs: 2048,
                derive_max_seqs: false,
                max_num_tokens: 8192,
                // trtllm-serve: enable_chunked_prefill False.
                chunked_prefill: false,
                // KvCacheConfig: tokens_per_block 32.
                block_size: 32,
                // KvCacheConfig: free_gpu_memory_fraction 0.9 of the memory free after weights
                // and buffers.
                memory_fraction: 0.9,
                memory_of_free: true,
                host: HostOverhead::TRTLLM,
            },
        }
    }

    /// The engine's defaults for a deployment of `model` on `chip` with `layout`.
    pub fn defaults_for(self, chip: &Chip, model: &Model, layout: &Layout) -> EngineSettings {
        let gib = chip.capacity().map_or(0.0, Bytes::gib);
        self.defaults(gib, &chip.name, model.mla.is_some(), layout.tp * layout.pp)
    }

    /// SGLang's `max_running_requests` when unset: `min(max_total_tokens / 2, pool)` with the
    /// request pool `min(max(total / context_len x 512, 2048), 4096)`.
    pub fn sglang_max_running(kv_tokens: u64, context_len: u64) -> u64 {
        let pool =
            (kv_tokens as f64 / context_len.max(1) as f64 * 512.0).clamp(2048.0, 4096.0) as u64;
        (kv_tokens / 2).min(pool).max(1)
    }
}

/// What the host adds to each engine step beyond the kernels: scheduling, input preparation,
/// sampling, detokenisation and launch, `fixed + per_sequence x sequences`.
///
/// Where the engine overlaps the next step's scheduling with the current step's kernels
/// (`overlapped`), a step takes the longer of the two; otherwise they add up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostOverhead {
    /// Per step, whatever its size.
    pub fixed: Seconds,
    /// Per sequence in the step.
    pub per_sequence: Seconds,
    /// Whether host work overlaps the kernels.
    pub overlapped: bool,
}

impl HostOverhead {
    /// vLLM V1: scheduling and output processing run between steps (`async_scheduling` is
    /// False by default). No source gives a per-step time in milliseconds: vLLM's v0.6.0 post
    /// measured 62% of a Llama-3-8B H100 run outside GPU execution (before V1), and the V1 post
    /// gives GPU steps "as low as ~5ms" for that model. Estimate: 1 ms + 5 us per sequence;
    /// not fitted.
    pub const VLLM: HostOverhead = HostOverhead {
        fixed: Seconds::new(1.0e-3),
        per_sequence: Seconds::new(5.0e-6),
        overlapped: false,
    };

    /// SGLang: the overlap scheduler, on by default, prepares the next batch while the GPU runs
    /// the current one (its v0.4 post: no GPU idle time across decode batches, 1.1x
    /// throughput). Estimate of the same size as vLLM's host work, hidden behind the kernels;
    /// not fitted.
    pub const SGLANG: HostOverhead = HostOverhead {
        fixed: Seconds::new(1.0e-3),
        per_sequence: Seconds::new(5.0e-6),
        overlapped: true,
    };

    /// TensorRT-LLM: a C++ executor with its overlap scheduler on by default and CUDA graphs for
    /// decode batches. Its docs give no timings; estimate: half of vLLM's, hidden behind the
    /// kernels; not fitted.
    pub const TRTLLM: HostOverhead = HostOverhead {
        fixed: Seconds::new(0.5e-3),
        per_sequence: Seconds::new(3.0e-6),
        overlapped: true,
    };

    /// The host's time for a step of `sequences` sequences.
    pub fn host_time(&self, sequences: u64) -> Seconds {
        self.fixed + self.per_sequence * sequences as f64
    }

    /// A step's wall time given its kernels' time.
    pub fn step_time(&self, kernels: Seconds, sequences: u64) -> Seconds {
        let host = self.host_time(sequences);
        if self.overlapped {
            Seconds::new(kernels.get().max(host.get()))
        } else {
            kernels + host
        }
    }
}

/// An engine's scheduler settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineSettings {
    /// Which engine.
    pub kind: EngineKind,
    /// Most sequences in one step (`--max-num-seqs`, `max_running_requests`, `max_batch_size`).
    pub max_num_seqs: u64,
    /// Whether the cap is derived from the KV pool once its size is known (SGLang's
    /// `max_running_requests` when unset); a user's value turns this off.
    pub derive_max_seqs: bool,
    /// Most tokens in one step (`--max-num-batched-tokens`, `chunked_prefill_size`,
    /// `max_num_tokens`).
    pub max_num_tokens: u64,
    /// Whether a prompt longer than the step's remaining budget is split across steps.
    pub chunked_prefill: bool,
    /// Tokens per KV-cache block (page).
    pub block_size: u64,
    /// Share of each chip's memory for weights, activations and the KV cache, or with
    /// `memory_of_free` the share of what weights and activations leave for the KV cache.
    pub memory_fraction: f64,
    /// Whether `memory_fraction` is of the memory left after weights and activations
    /// (TensorRT-LLM's `free_gpu_memory_fraction`) rather than of the whole chip.
    pub memory_of_free: bool,
    /// Host time per step.
    pub host: HostOverhead,
}
