//! Serving engines as their schedulers see them: the caps on a step (sequences, tokens), the KV
//! cache's page size and memory share, how a step is formed, and what the host adds per step.
//!
//! Defaults are each engine's own, with the source beside each. This module holds settings and
//! the host-overhead formula; it does not schedule (see `sim`) or price kernels (see
//! `xpuscope-perf`).

use xpuscope_model::chip::Chip;
use xpuscope_model::model::Model;
use xpuscope_model::units::{Bytes, Seconds};
use xpuscope_perf::{Breakdown, Layout};

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
                    // vllm/config/compilation.py (v0.11): piecewise graphs captured up to
                    // max_cudagraph_capture_size = min(2 x max_num_seqs, 512) tokens, mixed
                    // prefill-decode steps included.
                    graphs: CudaGraphs {
                        max: (2 * seqs.min(tokens)).min(512),
                        by_sequences: false,
                        prefill: true,
                    },
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
                    // cuda_graph_runner: decode batches up to cuda_graph_max_bs replay a graph;
                    // extend (prefill) batches run eagerly (piecewise graphs are opt-in).
                    graphs: CudaGraphs {
                        max: graph_bs,
                        by_sequences: true,
                        prefill: false,
                    },
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
                // Generation batches replay graphs (any batch up to max_batch_size); context steps
                // are launched from C++, whose per-launch cost the kernel overhead already holds
                // (eager_launch is zero).
                graphs: CudaGraphs {
                    max: 2048,
                    by_sequences: true,
                    prefill: false,
                },
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
    /// Host time to launch one kernel of a step that runs without a CUDA graph (Python and
    /// PyTorch dispatch, `cudaLaunchKernel`): such a step lasts at least its launches times
    /// this, however short its kernels.
    pub eager_launch: Seconds,
}

/// Host time per modelled kernel of a step launched outside a CUDA graph, in the Python engines
/// (vLLM, SGLang): PyTorch's dispatch and `cudaLaunchKernel` for each operator, and the small
/// operators (casts, residual adds, rotary, quantisation) the cost model folds into its kernel
/// counts (about 10-15 per layer against 25-40 real launches), so it is several real launches'
/// worth.
///
/// Fitted to the six SGLang 0.5.6 cookbook runs at concurrency 16-100 in
/// `catalog/calibration/serving.toml` (marked `fitted = "EAGER_LAUNCH"`): gpt-oss-120b and
/// Qwen3-Next-80B-A3B on 8 B200s, Llama-3.1-70B on 8 A100s. Their mean ITL is up to twice the
/// median (gpt-oss-120b at 100: 11.0 against 5.75 ms) because SGLang runs each prefill batch
/// without CUDA graphs and the decodes wait for it. The median |TPOT error| over the six is 30%
/// at 20 us, 22% at 40-50 us and 26% at 60 us; 45 us. gpt-oss-120b's launch-bound prefills set
/// it (-53% at none, +2% at 45 us); Llama-3.1-70B's prefills are compute-bound on the A100 and do
/// not move (-30%); Qwen3-Next stays low (-69% at none, -47% at 45 us; -41% once its chunked
/// linear-attention prefill counts flash-linear-attention's eight kernels, and its other small
/// launches are still not counted).
pub const EAGER_LAUNCH: Seconds = Seconds::new(45.0e-6);

/// The simulator's parameters fitted to serving measurements, by name (a serving case's
/// `fitted` field names one of them).
pub const FITTED_PARAMETERS: [&str; 1] = ["EAGER_LAUNCH"];

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
        eager_launch: EAGER_LAUNCH,
    };

    /// SGLang: the overlap scheduler, on by default, prepares the next batch while the GPU runs
    /// the current one (its v0.4 post: no GPU idle time across decode batches, 1.1x
    /// throughput). Estimate of the same size as vLLM's host work, hidden behind the kernels;
    /// not fitted.
    pub const SGLANG: HostOverhead = HostOverhead {
        fixed: Seconds::new(1.0e-3),
        per_sequence: Seconds::new(5.0e-6),
        overlapped: true,
        eager_launch: EAGER_LAUNCH,
    };

    /// TensorRT-LLM: a C++ executor with its overlap scheduler on by default and CUDA graphs for
    /// decode batches. Its docs give no timings; estimate: half of vLLM's, hidden behind the
    /// kernels; not fitted.
    pub const TRTLLM: HostOverhead = HostOverhead {
        fixed: Seconds::new(0.5e-3),
        per_sequence: Seconds::new(3.0e-6),
        overlapped: true,
        eager_launch: Seconds::ZERO,
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
    /// Which steps replay a captured CUDA graph; the others launch their kernels one by one.
    pub graphs: CudaGraphs,
}

/// Which engine steps run as a captured CUDA graph. A step outside it launches every kernel from
/// the host, paying [`HostOverhead::eager_launch`] for each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CudaGraphs {
    /// The largest step captured, in tokens (vLLM's `max_cudagraph_capture_size`) or in
    /// sequences (SGLang's `cuda_graph_max_bs`).
    pub max: u64,
    /// Whether `max` counts sequences rather than tokens.
    pub by_sequences: bool,
    /// Whether a step carrying prefill tokens can run in a graph (vLLM's piecewise graphs can;
    /// SGLang captures decode batches only).
    pub prefill: bool,
}

impl CudaGraphs {
    /// Whether a step of `sequences` sequences and `tokens` tokens, `prefill` among them,
    /// launches its kernels one by one.
    #[inline]
    pub fn eager(&self, sequences: u64, tokens: u64, prefill: bool) -> bool {
        let size = if self.by_sequences { sequences } else { tokens };
        size > self.max || (prefill && !self.prefill)
    }

    /// Which steps [`CudaGraphs::eager`] picks, in words.
    pub fn describe(&self) -> String {
        let unit = if self.by_sequences {
            "sequences"
        } else {
            "tokens"
        };
        let prefill = if self.prefill {
            ""
        } else {
            "any step with a prefill, or "
        };
        format!("{prefill}over {} {unit}", self.max)
    }
}

impl EngineSettings {
    /// Sets the sequence cap as a user does (`--max-num-seqs`, `max_running_requests`,
    /// `max_batch_size`): no longer derived from the pool, and under vLLM the CUDA graphs then
    /// captured follow it (`max_cudagraph_capture_size = min(2 x max_num_seqs, 512)`).
    pub fn set_max_num_seqs(&mut self, n: u64) {
        self.max_num_seqs = n;
        self.derive_max_seqs = false;
        if self.kind == EngineKind::Vllm {
            self.graphs.max = (2 * n).min(512);
        }
    }

    /// The wall time of a step's kernels (`kernels` over `sequences` sequences and `tokens`
    /// tokens, `prefill` among them): their own time, or on a step outside the CUDA graphs at
    /// least the host's time to launch them one by one ([`HostOverhead::eager_launch`]).
    #[inline]
    pub fn kernel_wall(
        &self,
        kernels: &Breakdown,
        sequences: u64,
        tokens: u64,
        prefill: bool,
    ) -> Seconds {
        let gpu = kernels.total();
        if self.graphs.eager(sequences, tokens, prefill) {
            Seconds::new(
                gpu.get()
                    .max(self.host.eager_launch.get() * kernels.launches()),
            )
        } else {
            gpu
        }
    }
}
