//! The three engines' schedulers: which decodes and prefill chunks go into the next step,
//! under the engine's caps and the free KV-cache blocks, and whom to preempt when they run out.
//!
//! Each is a method on the simulator's `State`; they choose, and `step` prices and applies.

use super::{State, SGLANG_NEW_TOKEN_RATIO, SGLANG_RESERVE_CAP_TOKENS};
use crate::engine::{EngineKind, EngineSettings};

impl State {
    pub(super) fn schedule(&mut self, e: &EngineSettings) {
        self.batch.clear();
        match e.kind {
            EngineKind::Vllm => self.schedule_vllm(e),
            EngineKind::Sglang => self.schedule_sglang(e),
            EngineKind::Trtllm => self.schedule_trtllm(e),
        }
    }

    /// vLLM V1: running requests first (a decode token, or the next chunk of a prefill), each
    /// preempting the newest running request when blocks run out; then waiting requests'
    /// prefills, chunked, while tokens, sequences and blocks remain.
    fn schedule_vllm(&mut self, e: &EngineSettings) {
        let mut budget = e.max_num_tokens;
        let preempted_before = self.preemptions;
        let mut k = 0;
        while k < self.running.len() && budget > 0 {
            let i = self.running[k];
            let s = &self.seqs[i];
            let computed = s.computed;
            let need = match s.prefill_remaining() {
                0 => self.decode_need(s),
                r => r.min(u32::try_from(budget).unwrap_or(u32::MAX)),
            };
            if u64::from(need) > budget {
                break; // a verify step wider than what is left of the budget waits
            }
            let mut scheduled = true;
            while !self.grow(i, computed + need, e.block_size) {
                match self.preempt_last() {
                    Some(j) if j == i => {
                        scheduled = false;
                        break;
                    }
                    Some(_) => {}
                    None => {
                        scheduled = false;
                        break;
                    }
                }
            }
            if !scheduled {
                break;
            }
            self.batch.push((i, need));
            budget -= u64::from(need);
            k += 1;
        }
        // vLLM admits no new request in a step that had to preempt one.
        if self.preemptions == preempted_before {
            self.admit_prefills(e, &mut budget, None);
        }
    }

    /// Admits waiting requests into the step while `budget` tokens, sequences and blocks (and,
    /// with a `reserve`, blocks beyond it) remain; chunked where the engine chunks. A reserve
    /// grows by each admitted request's own future tokens (SGLang's `PrefillAdder` reserves
    /// `min(max_new_tokens, 4096)` for it).
    fn admit_prefills(&mut self, e: &EngineSettings, budget: &mut u64, mut reserve: Option<u64>) {
        while *budget > 0 && (self.running.len() as u64) < e.max_num_seqs {
            let Some(&i) = self.waiting.front() else {
                break;
            };
            let s = self.seqs[i];
            let remaining = s.prefill_remaining();
            if !e.chunked_prefill && u64::from(remaining) > *budget {
                break;
            }
            let need = match remaining {
                0 => self.decode_need(&s),
                r => r.min(u32::try_from(*budget).unwrap_or(u32::MAX)),
            };
            if u64::from(need) > *budget {
                break;
            }
            if let Some(r) = reserve {
                if State::blocks_for(s.computed + need, e.block_size) + r > self.free_blocks {
                    break;
                }
            }
            if !self.grow(i, s.computed + need, e.block_size) {
                break;
            }
            self.waiting.pop_front();
            self.running.push(i);
            self.batch.push((i, need));
            *budget -= u64::from(need);
            if let Some(r) = reserve.as_mut() {
                let future = (s.output - s.generated).min(SGLANG_RESERVE_CAP_TOKENS);
                *r += State::blocks_for(future, e.block_size);
            }
        }
    }

    /// SGLang: a prefill batch when one forms (an unfinished chunked prefill, then waiting
    /// requests while the cache keeps room for the running requests' future tokens); otherwise a
    /// decode step of every running request, retracting the newest when blocks run out.
    fn schedule_sglang(&mut self, e: &EngineSettings) {
        // Requests handed over with their cache join the running decodes directly (SGLang
        // merges its prebuilt batch into the running one) rather than forming a prefill batch.
        while (self.running.len() as u64) < e.max_num_seqs {
            let Some(&i) = self.waiting.front() else {
                break;
            };
            let s = self.seqs[i];
            if s.prefill_remaining() > 0 || !self.grow(i, s.computed, e.block_size) {
                break;
            }
            self.waiting.pop_front();
            self.running.push(i);
        }
        let mut budget = e.max_num_tokens;
        for k in 0..self.running.len() {
            let i = self.running[k];
            let s = self.seqs[i];
            let r = s.prefill_remaining();
            if r > 0 && budget > 0 {
                let need = r.min(u32::try_from(budget).unwrap_or(u32::MAX));
                if self.grow(i, s.computed + need, e.block_size) {
                    self.batch.push((i, need));
                    budget -= u64::from(need);
                }
            }
        }
        let future: f64 = self
            .running
            .iter()
            .map(|&i| {
                let s = &self.seqs[i];
                f64::from((s.output - s.generated).min(SGLANG_RESERVE_CAP_TOKENS))
            })
            .sum();
        let reserve = (future * SGLANG_NEW_TOKEN_RATIO / e.block_size as f64).ceil() as u64;
        self.admit_prefills(e, &mut budget, Some(reserve));
        if !self.batch.is_empty() {
            return;
        }
        // A decode batch of every running request; if the cache cannot take one more token
        // each, retract (recompute later) the request with the fewest output tokens, the
        // longest prompt breaking ties, until it can.
        loop {
            let needed: u64 = self
                .running
                .iter()
                .map(|&i| {
                    let s = &self.seqs[i];
                    if s.prefill_remaining() > 0 {
                        return 0;
                    }
                    State::blocks_for(s.computed + self.decode_need(s), e.block_size)
                        .saturating_sub(s.blocks)
                })
                .sum();
            if needed <= self.free_blocks || self.running.is_empty() {
                break;
            }
            let victim = (0..self.running.len())
                .min_by_key(|&k| {
                    let s = &self.seqs[self.running[k]];
                    (s.generated, std::cmp::Reverse(s.input))
                })
                .expect("running is not empty");
            let i = self.running.remove(victim);
            self.retract(i);
        }
        for k in 0..self.running.len() {
            let i = self.running[k];
            let s = self.seqs[i];
            // SGLang runs no mixed batches by default: an unfinished prefill waits for the next
            // prefill batch.
            let w = self.decode_need(&s);
            if s.prefill_remaining() == 0 && self.grow(i, s.computed + w, e.block_size) {
                self.batch.push((i, w));
            }
        }
    }

    /// TensorRT-LLM, GUARANTEED_NO_EVICT: every running request's next token or context chunk,
    /// then waiting requests whose whole length (prompt and outputs) can be reserved.
    fn schedule_trtllm(&mut self, e: &EngineSettings) {
        let mut budget = e.max_num_tokens;
        for k in 0..self.running.len() {
            let i = self.running[k];
            let s = self.seqs[i];
            let need = match s.prefill_remaining() {
                0 => self.decode_need(&s),
                r if !e.chunked_prefill && u64::from(r) > budget => continue,
                r => r.min(u32::try_from(budget).unwrap_or(u32::MAX)),
            };
            if need == 0
                || u64::from(need) > budget
                || !self.grow(i, s.computed + need, e.block_size)
            {
                continue;
            }
            self.batch.push((i, need));
            budget -= u64::from(need);
        }
        while budget > 0 && (self.running.len() as u64) < e.max_num_seqs {
            let Some(&i) = self.waiting.front() else {
                break;
            };
            let s = self.seqs[i];
            // Its whole length, and the drafts a last verify step may write past it.
            let whole = State::blocks_for(s.input + s.output + self.decode_width - 1, e.block_size);
            if whole > self.free_reserve {
                break;
            }
            let remaining = s.prefill_remaining();
            if !e.chunked_prefill && u64::from(remaining) > budget {
                break;
            }
            let need = match remaining {
                0 => self.decode_need(&s),
                r => r.min(u32::try_from(budget).unwrap_or(u32::MAX)),
            };
            if u64::from(need) > budget {
                break;
            }
            // The reservation covers these blocks: take them from the pool it guarantees.
            self.free_reserve -= whole;
            self.seqs[i].reserved = whole;
            if !self.grow(i, s.computed + need, e.block_size) {
                self.free_reserve += whole;
                self.seqs[i].reserved = 0;
                break;
            }
            self.waiting.pop_front();
            self.running.push(i);
            self.batch.push((i, need));
            budget -= u64::from(need);
        }
    }
}
