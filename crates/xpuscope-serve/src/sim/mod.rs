//! The simulator: one engine replica stepping through time. Each step the engine's scheduler
//! picks decodes and prefill chunks under its caps and the free KV blocks, the step is priced by
//! the cost model (`Evaluator::step` on the step's [`StepShape`]) plus the host's time, and the
//! clock advances by that much.
//!
//! All state is in [`State`]; [`step`] takes the parameters and the state explicitly, and one
//! seeded generator (in `workload`) decides every random draw, so a run is reproducible. The
//! loop allocates nothing per step beyond the growth of its per-request records.
//!
//! It deliberately simulates one data-parallel replica: replicas of a data-parallel deployment
//! see independent shares of the traffic, and the caller scales the result (see `lib.rs`).

use std::collections::VecDeque;
use std::ops::Deref;

use xpuscope_model::model::Model;
use xpuscope_model::units::Seconds;
use xpuscope_perf::{Bound, Evaluator, StepShape};

use crate::engine::EngineSettings;
use crate::stats::{GapHistogram, Summary};
use crate::workload::{Arrivals, Generator, Request};
use crate::ServeError;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

mod coast;
mod ranks;
mod schedule;

/// Share of the remaining output tokens of running requests that SGLang keeps free before it
/// admits a new prefill (its `new_token_ratio`, which starts at 0.7 and decays while nothing is
/// retracted; the starting value is used here, which admits conservatively).
const SGLANG_NEW_TOKEN_RATIO: f64 = 0.7;

/// Distinguishes the acceptance draws' stream from the requests' (any fixed odd constant).
const ACCEPT_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// The most future tokens SGLang reserves for one request (`min(max_new_tokens, 4096)`).
const SGLANG_RESERVE_CAP_TOKENS: u32 = 4096;

/// One request's progress.
#[derive(Debug, Clone, Copy)]
struct Seq {
    /// When the client sent it.
    sent: f64,
    input: u32,
    output: u32,
    /// Tokens to prefill before the next token can be sampled: the prompt, or after a
    /// preemption the prompt and every token generated so far.
    prefill_len: u32,
    /// Tokens whose KV is in the cache.
    computed: u32,
    /// Output tokens produced.
    generated: u32,
    first_token: f64,
    last_token: f64,
    /// KV blocks held.
    blocks: u64,
    /// KV blocks reserved for its whole length (TensorRT-LLM's no-evict admission).
    reserved: u64,
    /// Which request it is, across pools.
    id: u64,
}

impl Seq {
    fn prefill_remaining(&self) -> u32 {
        self.prefill_len.saturating_sub(self.computed)
    }
}

/// When one request was sent, got its first token and finished (seconds from the start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestRecord {
    /// Which request (its place in the send order).
    pub id: u64,
    /// When the client sent it.
    pub sent: f64,
    /// When its first token came out.
    pub first_token: f64,
    /// When its last token came out.
    pub finished: f64,
    /// Its prompt tokens.
    pub input: u32,
    /// Its output tokens.
    pub output: u32,
}

/// What a step did, for the timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRecord {
    /// When the step ended, seconds from the start.
    pub time_s: f64,
    /// Sequences in the step.
    pub batch: u64,
    /// Prompt tokens prefilled.
    pub prefill_tokens: u64,
    /// Decode tokens.
    pub decode_tokens: u64,
    /// The step's wall time.
    pub step_s: f64,
    /// Share of the KV cache in use after the step.
    pub kv_used: f64,
}

/// Fixed parameters of a run.
pub struct Params<'a, M: Deref<Target = Model>> {
    /// The cost model for one replica's chips.
    pub evaluator: &'a Evaluator<M>,
    /// The engine's scheduler settings.
    pub engine: EngineSettings,
    /// KV-cache blocks of the replica.
    pub kv_blocks: u64,
    /// How requests arrive (for this replica).
    pub arrivals: Arrivals,
    /// Requests to serve (for this replica).
    pub requests: u64,
    /// Seed of the run (the acceptance draws use their own stream of it).
    pub seed: u64,
    /// The replica's requests from a replayed trace, instead of generated ones.
    pub trace: Option<&'a [Request]>,
    /// Keep a per-step record (for `--timeline`), at most this many steps.
    pub timeline_steps: usize,
    /// Requests sent first whose latencies are left out of the percentiles (warm-up).
    pub warmup: u64,
    /// Counts completed requests as the run goes, for a progress bar.
    pub progress: Option<&'a std::sync::atomic::AtomicU64>,
    /// Speculative decoding, if the engine runs it.
    pub speculative: Option<crate::Speculative>,
    /// Data-parallel attention ranks that meet in every MoE layer's all-to-all (1 when they do
    /// not): a step lasts as long as its slowest rank's (see `ranks`).
    pub sync_ranks: u32,
}

/// Everything that changes during a run.
pub struct State {
    now: f64,
    seqs: Vec<Seq>,
    /// Requests the client has not sent yet (open loop: their arrival times).
    pending: VecDeque<Request>,
    waiting: VecDeque<usize>,
    running: Vec<usize>,
    /// Scheduled this step: (sequence, tokens).
    batch: Vec<(usize, u32)>,
    shape: StepShape,
    /// The decodes of the step alone, to price a draft model's passes.
    draft_shape: StepShape,
    /// The step's shape without its prefill chunks (kept only when attention ranks sync).
    without_prefill: StepShape,
    /// Tokens a decode processes in one step: 1, or 1 + the draft tokens it verifies.
    decode_width: u32,
    /// Draws how many draft tokens each verify step accepts.
    accept: Pcg64Mcg,
    free_blocks: u64,
    free_reserve: u64,
    in_flight: u64,
    /// When the client last had every slot busy and one freed (requests that arrived while all
    /// were busy are sent then).
    slot_free_at: f64,
    /// What this rank knows of the other ranks' prefills.
    sync: ranks::RankSync,
    // Counters.
    steps: u64,
    coasted: u64,
    preemptions: u64,
    batch_sum: u64,
    tokens_sum: u64,
    peak_blocks: u64,
    bound_time: BoundTimes,
    gaps: GapHistogram,
    /// Per completed request: TTFT, TPOT (none for one-token outputs), end to end, and its
    /// place in the send order.
    latencies: Vec<(f64, Option<f64>, f64, usize)>,
    /// Scratch list of the requests a step completed.
    done: Vec<usize>,
    /// Scratch list for coasting: after how many steps requests reach the attention's window.
    drops: Vec<u64>,
    /// Per completed request, when it was sent, got its first token and finished.
    records: Vec<RequestRecord>,
    input_tokens: u64,
    output_tokens: u64,
    timeline: Vec<StepRecord>,
}

/// A run's time by what bounded it: each step's kernels are charged to what bounds them
/// (`Breakdown::bound`), and host time the kernels did not hide to `host`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BoundTimes {
    /// Kernels waiting on arithmetic.
    pub compute: Seconds,
    /// Kernels waiting on memory bandwidth.
    pub memory: Seconds,
    /// Collectives.
    pub communication: Seconds,
    /// Fixed per-kernel time.
    pub kernel_overhead: Seconds,
    /// Host work not hidden behind the kernels.
    pub host: Seconds,
}

impl BoundTimes {
    fn charge(&mut self, b: Bound, t: Seconds) {
        let slot = match b {
            Bound::Compute => &mut self.compute,
            Bound::Memory => &mut self.memory,
            Bound::Communication => &mut self.communication,
            Bound::Overhead => &mut self.kernel_overhead,
        };
        *slot += t;
    }

    /// The whole run.
    pub fn total(&self) -> Seconds {
        self.compute + self.memory + self.communication + self.kernel_overhead + self.host
    }

    /// What bounded the run most of the time: a kernel bound, or `None` for the host.
    pub fn dominant(&self) -> Option<Bound> {
        let kernels = [
            (Bound::Compute, self.compute),
            (Bound::Memory, self.memory),
            (Bound::Communication, self.communication),
            (Bound::Overhead, self.kernel_overhead),
        ];
        let (b, t) = kernels
            .into_iter()
            .fold((Bound::Compute, Seconds::ZERO), |m, x| {
                if x.1 > m.1 {
                    x
                } else {
                    m
                }
            });
        (t >= self.host).then_some(b)
    }
}

impl State {
    /// The state at time zero: the first wave of requests (closed loop, offline) or every
    /// request's arrival time (open loop) drawn from `gen`.
    pub fn new<M: Deref<Target = Model>>(
        p: &Params<M>,
        mut gen: Generator,
    ) -> Result<State, ServeError> {
        let n = usize::try_from(p.requests)
            .map_err(|_| ServeError::Input(format!("{} requests is too many", p.requests)))?;
        let pending = match p.trace {
            Some(t) => t.iter().copied().collect(),
            None => {
                let times = gen.arrival_times(&p.arrivals, n)?;
                times
                    .into_iter()
                    .enumerate()
                    .map(|(k, t)| Request {
                        id: k as u64,
                        ..gen.request(t)
                    })
                    .collect()
            }
        };
        Ok(State {
            now: 0.0,
            seqs: Vec::with_capacity(n),
            pending,
            waiting: VecDeque::new(),
            running: Vec::new(),
            batch: Vec::new(),
            shape: p.evaluator.step_shape(),
            draft_shape: p.evaluator.step_shape(),
            without_prefill: p.evaluator.step_shape(),
            decode_width: p.speculative.map_or(1, |sp| 1 + sp.tokens),
            accept: Pcg64Mcg::seed_from_u64(p.seed ^ ACCEPT_STREAM),
            free_blocks: p.kv_blocks,
            free_reserve: p.kv_blocks,
            in_flight: 0,
            slot_free_at: 0.0,
            sync: ranks::RankSync::default(),
            steps: 0,
            coasted: 0,
            preemptions: 0,
            batch_sum: 0,
            tokens_sum: 0,
            peak_blocks: 0,
            bound_time: BoundTimes::default(),
            gaps: GapHistogram::default(),
            latencies: Vec::with_capacity(n),
            done: Vec::new(),
            drops: Vec::new(),
            records: Vec::with_capacity(n),
            input_tokens: 0,
            output_tokens: 0,
            timeline: Vec::new(),
        })
    }

    /// Requests the client may have in flight.
    fn cap(arrivals: &Arrivals) -> u64 {
        match *arrivals {
            Arrivals::Closed { concurrency } => concurrency,
            Arrivals::Open { concurrency, .. } | Arrivals::Trace { concurrency } => {
                concurrency.unwrap_or(u64::MAX)
            }
            Arrivals::Offline => u64::MAX,
        }
    }

    /// Sends every request whose time has come, while the client has a free slot.
    fn admit_arrivals(&mut self, arrivals: &Arrivals) {
        let cap = State::cap(arrivals);
        while self.in_flight < cap {
            let Some(r) = self.pending.front() else { break };
            if r.arrival > self.now {
                break;
            }
            let r = self.pending.pop_front().expect("checked above");
            let i = self.seqs.len();
            let sent = r.arrival.max(self.slot_free_at);
            // A request handed over with its prompt's cache (and its first token) decodes at
            // once: it counts its first token at the handover.
            let handed = r.cached > 0;
            self.seqs.push(Seq {
                sent,
                input: r.input,
                output: r.output,
                prefill_len: r.input,
                computed: r.cached.min(r.input),
                generated: u32::from(handed),
                first_token: if handed { sent } else { f64::NAN },
                last_token: sent,
                blocks: 0,
                reserved: 0,
                id: r.id,
            });
            self.waiting.push_back(i);
            self.in_flight += 1;
        }
    }

    fn blocks_for(tokens: u32, block: u64) -> u64 {
        u64::from(tokens).div_ceil(block)
    }

    /// Tokens a decode of `s` processes this step: its last token and the drafts to verify, no
    /// more than it has left to generate.
    fn decode_need(&self, s: &Seq) -> u32 {
        self.decode_width
            .min(s.output.saturating_sub(s.generated).max(1))
    }

    /// Grows sequence `i`'s blocks to hold `tokens` tokens, if the cache has them.
    #[inline]
    fn grow(&mut self, i: usize, tokens: u32, block: u64) -> bool {
        let s = &mut self.seqs[i];
        // Most steps add a token inside a block already held: no division needed.
        if u64::from(tokens) <= s.blocks * block {
            return true;
        }
        let want = State::blocks_for(tokens, block);
        let extra = want - s.blocks;
        if extra > self.free_blocks {
            return false;
        }
        self.free_blocks -= extra;
        s.blocks = want;
        true
    }

    /// Frees a sequence's blocks and reservation.
    fn release(&mut self, i: usize) {
        let s = &mut self.seqs[i];
        self.free_blocks += s.blocks;
        self.free_reserve += s.reserved;
        s.blocks = 0;
        s.reserved = 0;
    }

    /// Preempts the most recently admitted running request (recomputation).
    fn preempt_last(&mut self) -> Option<usize> {
        let i = self.running.pop()?;
        self.retract(i);
        Some(i)
    }

    /// Frees a request's cache and queues it first to prefill its prompt and outputs again.
    fn retract(&mut self, i: usize) {
        self.release(i);
        let s = &mut self.seqs[i];
        s.prefill_len = s.input + s.generated;
        s.computed = 0;
        self.waiting.push_front(i);
        self.preemptions += 1;
    }

    /// Prices a step whose kernels are `kernels` (`forward` without a draft model's passes)
    /// over `seqs` sequences, charges its time to what bounded it, advances the clock and counts
    /// it; returns its wall time.
    fn advance<M: Deref<Target = Model>>(
        &mut self,
        p: &Params<M>,
        kernels: &xpuscope_perf::Breakdown,
        forward: Seconds,
        seqs: u64,
        prefill_tokens: u64,
        decode_tokens: u64,
    ) -> Seconds {
        let gpu = kernels.total();
        let on_gpu = p.engine.kernel_wall(
            kernels,
            seqs,
            prefill_tokens + decode_tokens,
            prefill_tokens > 0,
        );
        let dt = p.engine.host.step_time(on_gpu, seqs);
        let host = p.engine.host.host_time(seqs);
        if p.engine.host.overlapped && host.get() >= on_gpu.get() {
            self.bound_time.host += dt;
        } else {
            // Launch time the kernels did not hide counts as host time.
            self.bound_time.charge(kernels.bound(), gpu);
            self.bound_time.host += Seconds::new(dt.get() - gpu.get());
        }
        // Waiting for other attention ranks' prefill chunks happens in the all-to-all. The
        // forward's wall time is the step's own unless a draft model added passes to it.
        let forward_wall = if p.speculative.is_none() {
            on_gpu
        } else {
            forward
        };
        let wait = ranks::rank_wait(p, self, forward_wall, prefill_tokens > 0);
        self.bound_time.communication += wait;
        let dt = dt + wait;
        self.now += dt.get();
        self.steps += 1;
        self.batch_sum += seqs;
        self.tokens_sum += prefill_tokens + decode_tokens;
        self.peak_blocks = self.peak_blocks.max(p.kv_blocks - self.free_blocks);
        dt
    }
}

/// Runs one step: schedule, price, advance the clock, record tokens. Returns false when there is
/// nothing left to do.
pub fn step<M: Deref<Target = Model>>(p: &Params<M>, st: &mut State) -> Result<bool, ServeError> {
    st.admit_arrivals(&p.arrivals);
    if st.running.is_empty() && st.waiting.is_empty() {
        match st.pending.front() {
            // Idle until the next arrival.
            Some(r) if matches!(p.arrivals, Arrivals::Open { .. } | Arrivals::Trace { .. }) => {
                st.now = st.now.max(r.arrival);
                st.admit_arrivals(&p.arrivals);
            }
            _ => return Ok(false),
        }
    }
    st.schedule(&p.engine);
    if st.batch.is_empty() {
        let i = st.waiting.front().copied().or(st.running.first().copied());
        let need = i.map_or(0, |i| u64::from(st.seqs[i].input + st.seqs[i].output));
        return Err(ServeError::KvTooSmall {
            tokens: need,
            capacity: p.kv_blocks * p.engine.block_size,
        });
    }
    // Price the step.
    st.shape = p.evaluator.step_shape();
    let (mut prefill_tokens, mut decode_tokens) = (0u64, 0u64);
    let speculating = st.decode_width > 1;
    if speculating {
        st.draft_shape = p.evaluator.step_shape();
    }
    // With synchronised attention ranks, the step without its prefill chunks too (`ranks`).
    let syncing = p.sync_ranks > 1;
    if syncing {
        st.without_prefill = p.evaluator.step_shape();
    }
    for &(i, n) in &st.batch {
        let s = &st.seqs[i];
        if s.prefill_remaining() > 0 {
            st.shape.add_prefill(u64::from(n), u64::from(s.computed));
            prefill_tokens += u64::from(n);
            continue;
        }
        if speculating {
            // Verification: the last token and the drafts go through the model together, each
            // attending to the cache and the ones before it.
            st.shape.add_prefill(u64::from(n), u64::from(s.computed));
            st.draft_shape.add_decode(u64::from(s.computed) + 1);
            decode_tokens += u64::from(n);
        } else {
            st.shape.add_decode(u64::from(s.computed) + 1);
            decode_tokens += 1;
        }
        if syncing {
            if speculating {
                st.without_prefill
                    .add_prefill(u64::from(n), u64::from(s.computed));
            } else {
                st.without_prefill.add_decode(u64::from(s.computed) + 1);
            }
        }
    }
    let mut kernels = p.evaluator.step(&st.shape);
    let forward = kernels.total();
    if let (Some(sp), false) = (p.speculative, st.draft_shape.is_empty()) {
        // The draft proposes its tokens one after another, each a decode pass of its own size.
        let one = p.evaluator.step(&st.draft_shape);
        kernels.add_scaled(&one, f64::from(sp.tokens) * sp.draft_fraction);
    }
    let seqs = st.batch.len() as u64;
    let dt = st.advance(p, &kernels, forward, seqs, prefill_tokens, decode_tokens);

    // Tokens come out at the end of the step.
    let now = st.now;
    let mut finished = 0u64;
    // Most tokens of a step follow tokens of the previous step, so their gaps are equal: count
    // runs of equal gaps and add each run to the histogram once.
    let (mut gap, mut run) = (f64::NAN, 0u64);
    for k in 0..st.batch.len() {
        let (i, n) = st.batch[k];
        let s = &mut st.seqs[i];
        let was_prefill = s.prefill_remaining() > 0;
        let emitted = if was_prefill {
            s.computed += n;
            if s.prefill_remaining() > 0 {
                continue; // a chunk of a longer prefill: no token yet
            }
            1
        } else {
            // A verify step emits the accepted drafts and one token of its own.
            let mut accepted = 0;
            if let Some(sp) = p.speculative {
                while accepted + 1 < n && st.accept.random::<f64>() < sp.acceptance {
                    accepted += 1;
                }
            }
            let out = (accepted + 1).min(s.output - s.generated);
            s.computed += out;
            out
        };
        if emitted == 0 {
            // Nothing left to generate (a request handed over with all its tokens): it ends.
            if s.generated >= s.output {
                finished += 1;
            }
            continue;
        }
        s.generated += emitted;
        if s.first_token.is_nan() {
            s.first_token = now;
        } else {
            let g = now - s.last_token;
            if g == gap {
                run += 1;
            } else {
                if run > 0 {
                    st.gaps.add(gap, run);
                }
                (gap, run) = (g, 1);
            }
        }
        s.last_token = now;
        if s.generated >= s.output {
            finished += 1;
        }
    }
    if run > 0 {
        st.gaps.add(gap, run);
    }
    if finished > 0 {
        // Completed requests leave in place, so the running list keeps its admission order
        // (preemption takes the newest).
        let mut done = std::mem::take(&mut st.done);
        let seqs_ref = &st.seqs;
        st.running.retain(|&i| {
            let s = &seqs_ref[i];
            let over = s.generated >= s.output;
            if over {
                done.push(i);
            }
            !over
        });
        for &i in &done {
            st.release(i);
            let s = st.seqs[i];
            let ttft = s.first_token - s.sent;
            let e2e = now - s.sent;
            let tpot = (s.output > 1).then(|| (e2e - ttft) / f64::from(s.output - 1));
            st.latencies.push((ttft, tpot, e2e, i));
            st.records.push(RequestRecord {
                id: s.id,
                sent: s.sent,
                first_token: s.first_token,
                finished: now,
                input: s.input,
                output: s.output,
            });
            st.input_tokens += u64::from(s.input);
            st.output_tokens += u64::from(s.output);
            st.in_flight -= 1;
            if st.in_flight + 1 == State::cap(&p.arrivals) {
                // Every slot was busy: waiting requests can be sent from now.
                st.slot_free_at = now;
            }
        }
        if let Some(c) = p.progress {
            c.fetch_add(done.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
        done.clear();
        st.done = done;
    }
    let used = p.kv_blocks - st.free_blocks;
    if st.timeline.len() < p.timeline_steps {
        st.timeline.push(StepRecord {
            time_s: now,
            batch: seqs,
            prefill_tokens,
            decode_tokens,
            step_s: dt.get(),
            kv_used: used as f64 / p.kv_blocks.max(1) as f64,
        });
    }
    coast::coast(p, st);
    Ok(true)
}

/// What one replica's run measured.
#[derive(Debug, Clone)]
pub struct RunStats {
    /// Requests completed.
    pub requests: u64,
    /// From the first arrival to the last completion.
    pub duration_s: f64,
    /// Prompt tokens of the completed requests.
    pub input_tokens: u64,
    /// Output tokens of the completed requests.
    pub output_tokens: u64,
    /// Time to first token (from sending, queueing included).
    pub ttft: Summary,
    /// Time per output token after the first, per request.
    pub tpot: Summary,
    /// Gaps between consecutive tokens.
    pub itl: Summary,
    /// End-to-end latency.
    pub e2e: Summary,
    /// Per-request TTFT and TPOT (none for one-token outputs), for goodput.
    pub latencies: Vec<(f64, Option<f64>)>,
    /// Engine steps.
    pub steps: u64,
    /// Of them, pure-decode steps run without visiting each request (`coast`; the figures are
    /// the same either way).
    pub coasted_steps: u64,
    /// Preemptions (recomputations).
    pub preemptions: u64,
    /// Sequences per step, on average.
    pub mean_batch: f64,
    /// Tokens per step, on average.
    pub mean_tokens_per_step: f64,
    /// Peak share of the KV cache in use.
    pub kv_peak_fraction: f64,
    /// Time by what bounded it.
    pub bound_time: BoundTimes,
    /// Per-step records, if asked for.
    pub timeline: Vec<StepRecord>,
    /// Per completed request, in completion order.
    pub records: Vec<RequestRecord>,
}

/// Runs the simulation to the end.
pub fn run<M: Deref<Target = Model>>(
    p: &Params<M>,
    gen: Generator,
) -> Result<RunStats, ServeError> {
    let mut st = State::new(p, gen)?;
    while step(p, &mut st)? {}
    let n = st.latencies.len();
    // Warm-up requests count towards throughput (the run served them) but not latencies.
    let warm = |l: &&(f64, Option<f64>, f64, usize)| l.3 as u64 >= p.warmup;
    let mut ttft: Vec<f64> = st.latencies.iter().filter(warm).map(|l| l.0).collect();
    let mut tpot: Vec<f64> = st
        .latencies
        .iter()
        .filter(warm)
        .filter_map(|l| l.1)
        .collect();
    let mut e2e: Vec<f64> = st.latencies.iter().filter(warm).map(|l| l.2).collect();
    let pairs = st
        .latencies
        .iter()
        .filter(warm)
        .map(|l| (l.0, l.1))
        .collect();
    Ok(RunStats {
        requests: n as u64,
        duration_s: st.now,
        input_tokens: st.input_tokens,
        output_tokens: st.output_tokens,
        ttft: Summary::of(&mut ttft),
        tpot: Summary::of(&mut tpot),
        itl: st.gaps.summary(),
        e2e: Summary::of(&mut e2e),
        latencies: pairs,
        steps: st.steps,
        coasted_steps: st.coasted,
        preemptions: st.preemptions,
        mean_batch: st.batch_sum as f64 / st.steps.max(1) as f64,
        mean_tokens_per_step: st.tokens_sum as f64 / st.steps.max(1) as f64,
        kv_peak_fraction: st.peak_blocks as f64 / p.kv_blocks.max(1) as f64,
        bound_time: st.bound_time,
        timeline: st.timeline,
        records: st.records,
    })
}
