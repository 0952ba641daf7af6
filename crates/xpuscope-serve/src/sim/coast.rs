//! Coasting: a run of steps in which every running request decodes one token and nothing else
//! can happen (no request finishes, none arrives or can be admitted, the cache has the blocks)
//! is priced step by step, as `step` would, but the requests are brought up to date once at
//! its end instead of every step.
//!
//! Each coasted step prices the same [`StepShape`] as a full step (the decodes' contexts as one
//! sum, one longer each step) and goes through the same accounting (`State::advance`), so a run
//! gives the same figures with or without coasting; `--timeline`, which wants every step's KV
//! use, turns it off while it records.

use std::ops::Deref;

use xpuscope_model::model::{LocalKind, Model};

use super::{Params, State};
use crate::engine::{EngineKind, EngineSettings};

impl State {
    /// Whether the engine would admit no waiting request into a step that already holds
    /// `budget` fewer tokens than its cap of decodes, now and for as long as no request
    /// finishes: every test below either stays as it is or (free blocks only fall while
    /// decoding) only gets harder to pass.
    fn admission_blocked(&self, e: &EngineSettings, budget: u64) -> bool {
        let Some(&i) = self.waiting.front() else {
            return true;
        };
        // SGLang's reserve for the running requests' future tokens shrinks as they decode, so
        // a waiting request may fit later: no coasting past it.
        if e.kind == EngineKind::Sglang {
            return false;
        }
        if budget == 0 || self.running.len() as u64 >= e.max_num_seqs {
            return true;
        }
        let s = &self.seqs[i];
        let remaining = s.prefill_remaining();
        if !e.chunked_prefill && u64::from(remaining) > budget {
            return true;
        }
        let need = match remaining {
            0 => self.decode_need(s),
            r => r.min(u32::try_from(budget).unwrap_or(u32::MAX)),
        };
        if u64::from(need) > budget {
            return true;
        }
        if e.kind == EngineKind::Trtllm {
            let whole = State::blocks_for(s.input + s.output + self.decode_width - 1, e.block_size);
            if whole > self.free_reserve {
                return true;
            }
        }
        let tokens = s.computed + need;
        u64::from(tokens) > s.blocks * e.block_size
            && State::blocks_for(tokens, e.block_size) - s.blocks > self.free_blocks
    }

    /// Tokens every running request can still add to the blocks it holds.
    fn block_room(&self, block: u64) -> u32 {
        self.running
            .iter()
            .map(|&i| {
                let s = &self.seqs[i];
                (s.blocks * block).saturating_sub(u64::from(s.computed))
            })
            .min()
            .map_or(0, |r| u32::try_from(r).unwrap_or(u32::MAX))
    }

    /// Blocks the running requests need beyond what they hold to cache `extra` more tokens each.
    fn blocks_to_grow(&self, extra: u32, block: u64) -> u64 {
        self.running
            .iter()
            .map(|&i| {
                let s = &self.seqs[i];
                State::blocks_for(s.computed + extra, block).saturating_sub(s.blocks)
            })
            .sum()
    }
}

/// Runs as many pure-decode steps as can be told in advance (see the module), after a full
/// step; does nothing when the next step may differ from one.
pub(super) fn coast<M: Deref<Target = Model>>(p: &Params<M>, st: &mut State) {
    let e = &p.engine;
    let n = st.running.len() as u64;
    if n == 0
        || p.speculative.is_some()
        || st.decode_width != 1
        || st.timeline.len() < p.timeline_steps
        || n > e.max_num_tokens
        || !st.admission_blocked(e, e.max_num_tokens - n)
    {
        return;
    }
    // Every running request must have decoded (or finished its prefill) in the step just run,
    // so that each of the next steps schedules all of them and nobody else.
    let now = st.now;
    let mut left = u32::MAX;
    let mut context = 0u64;
    for &i in &st.running {
        let s = &st.seqs[i];
        if s.prefill_remaining() > 0 || s.last_token != now || s.generated >= s.output {
            return;
        }
        left = left.min(s.output - s.generated);
        context += u64::from(s.computed) + 1;
    }
    // The step in which the first of them finishes runs in full; so does any step whose blocks
    // the cache does not have (it preempts or retracts).
    let mut k = left - 1;
    if k > 0 && st.blocks_to_grow(k, e.block_size) > st.free_blocks {
        // The most steps whose blocks the cache has, between as far as every request's last
        // block has room (no block needed) and `k` (too many).
        let (mut fits, mut too_many) = (st.block_room(e.block_size).min(k), k);
        while too_many - fits > 1 {
            let mid = fits + (too_many - fits) / 2;
            if st.blocks_to_grow(mid, e.block_size) > st.free_blocks {
                too_many = mid;
            } else {
                fits = mid;
            }
        }
        k = fits;
    }
    if k == 0 {
        return;
    }
    // The steps' shapes: the decodes' contexts as sums, each one token longer every step. A
    // layer with a sliding window (or a top-k) reads at most the window: every step it reads one
    // token more for each request still short of it, and `drops` holds after how many steps
    // each request that gets there within the run does. A chunked window resets: no coasting.
    let mut shape = p.evaluator.step_shape();
    let window = match shape.window() {
        None => None,
        Some(w) if w.kind == LocalKind::Sliding => Some(w.window),
        Some(_) => return,
    };
    let (mut bounded, mut inside) = (context, n);
    st.drops.clear();
    if let Some(w) = window {
        bounded = 0;
        for &i in &st.running {
            let c = u64::from(st.seqs[i].computed) + 1;
            bounded += shape.bounded(c);
            if c >= w {
                inside -= 1;
            } else if w - c <= u64::from(k) {
                st.drops.push(w - c);
            }
        }
        st.drops.sort_unstable();
    }
    shape.add_decode_sums(n, context, bounded);
    let mut dropped = 0;
    let cap = State::cap(&p.arrivals);
    let mut ran = 0u32;
    let mut last = now;
    while ran < k {
        // A request the client can send now ends the run: the next step admits it.
        if st.in_flight < cap && st.pending.front().is_some_and(|r| r.arrival <= st.now) {
            break;
        }
        let kernels = p.evaluator.step(&shape);
        let forward = kernels.total();
        st.advance(p, &kernels, forward, n, 0, n);
        st.gaps.add(st.now - last, n);
        last = st.now;
        ran += 1;
        // Each context is one token longer in the next step.
        while st.drops.get(dropped).is_some_and(|&d| d < u64::from(ran)) {
            inside -= 1;
            dropped += 1;
        }
        shape.add_decode_sums(0, n, inside);
    }
    if ran == 0 {
        return;
    }
    st.coasted += u64::from(ran);
    for k in 0..st.running.len() {
        let i = st.running[k];
        let s = &mut st.seqs[i];
        s.computed += ran;
        s.generated += ran;
        s.last_token = last;
        let tokens = s.computed;
        let grown = st.grow(i, tokens, e.block_size);
        debug_assert!(grown, "the blocks were counted before coasting");
    }
    st.peak_blocks = st.peak_blocks.max(p.kv_blocks - st.free_blocks);
}
