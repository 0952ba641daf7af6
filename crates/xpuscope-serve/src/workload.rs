//! Where requests come from and how long they are: a closed loop at a concurrency, an open loop
//! of Poisson (or bursty gamma) arrivals at a rate, everything at once (offline), or a replayed
//! trace; lengths fixed or drawn uniformly from `[range x L, L]`.
//!
//! Everything random comes from one seeded generator owned by the run, so the same inputs give
//! the same requests on any machine. It deliberately knows nothing of engines or kernels.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma};
use rand_pcg::Pcg64Mcg;

use crate::ServeError;

/// How requests arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrivals {
    /// A new request as soon as one finishes, this many in flight (`vllm bench serve
    /// --max-concurrency` with an infinite rate).
    Closed {
        /// Requests in flight.
        concurrency: u64,
    },
    /// Arrivals at a mean rate, optionally capped in flight (`--request-rate` with
    /// `--max-concurrency`). Gaps are gamma-distributed with shape `burstiness` (1 is Poisson;
    /// below 1 is burstier).
    Open {
        /// Requests per second.
        rate: f64,
        /// Gamma shape of the gaps (1 = Poisson).
        burstiness: f64,
        /// Most requests in flight, if capped.
        concurrency: Option<u64>,
    },
    /// Every request at time zero (trtllm-bench's max-load throughput).
    Offline,
    /// A replayed trace's arrival times (the requests come with the configuration), optionally
    /// capped in flight.
    Trace {
        /// Most requests in flight, if capped.
        concurrency: Option<u64>,
    },
}

/// One request to serve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// Arrival time in seconds (for a closed loop: 0 for the first wave; later ones arrive when
    /// one finishes, which the simulator decides).
    pub arrival: f64,
    /// Prompt tokens.
    pub input: u32,
    /// Tokens to generate.
    pub output: u32,
    /// Prompt tokens already in this engine's KV cache on arrival (a disaggregated decode pool
    /// receives the whole prompt's cache, and the first token with it); 0 otherwise.
    pub cached: u32,
    /// Which request this is, across pools (its place in the original send order).
    pub id: u64,
}

/// Request lengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lengths {
    /// Prompt tokens (the largest, with a range).
    pub input: u32,
    /// Output tokens (the largest, with a range).
    pub output: u32,
    /// Each length is drawn uniformly from `[range x L, L]`; 1 keeps them fixed (vLLM's
    /// `--random-range-ratio`).
    pub range: f64,
}

/// The seeded generator of a run's requests.
pub struct Generator {
    rng: Pcg64Mcg,
    lengths: Lengths,
}

impl Generator {
    /// A generator for `lengths` with `seed`.
    pub fn new(lengths: Lengths, seed: u64) -> Result<Generator, ServeError> {
        if lengths.input == 0 || lengths.output == 0 {
            return Err(ServeError::Input(
                "input and output lengths must be at least 1 token".into(),
            ));
        }
        if !(lengths.range > 0.0 && lengths.range <= 1.0) {
            return Err(ServeError::Input(format!(
                "--length-range {} must be in (0, 1]: lengths are drawn from [range x L, L]",
                lengths.range
            )));
        }
        Ok(Generator {
            rng: Pcg64Mcg::seed_from_u64(seed),
            lengths,
        })
    }

    fn length(&mut self, l: u32) -> u32 {
        if self.lengths.range >= 1.0 {
            return l;
        }
        let lo = ((f64::from(l) * self.lengths.range).floor() as u32).max(1);
        self.rng.random_range(lo..=l)
    }

    /// The next request's lengths, arriving at `arrival`.
    pub fn request(&mut self, arrival: f64) -> Request {
        let input = self.length(self.lengths.input);
        let output = self.length(self.lengths.output);
        Request {
            arrival,
            input,
            output,
            cached: 0,
            id: 0,
        }
    }

    /// `n` arrival times for `arrivals` (all zero for closed and offline runs: a closed loop's
    /// later arrivals are decided by completions).
    pub fn arrival_times(&mut self, arrivals: &Arrivals, n: usize) -> Result<Vec<f64>, ServeError> {
        match *arrivals {
            Arrivals::Closed { .. } | Arrivals::Offline | Arrivals::Trace { .. } => {
                Ok(vec![0.0; n])
            }
            Arrivals::Open {
                rate, burstiness, ..
            } => {
                if !(rate.is_finite() && rate > 0.0) {
                    return Err(ServeError::Input(format!(
                        "--request-rate {rate} must be a positive number of requests per second"
                    )));
                }
                if !(burstiness.is_finite() && burstiness > 0.0) {
                    return Err(ServeError::Input(format!(
                        "--burstiness {burstiness} must be positive (1 is Poisson)"
                    )));
                }
                // Gaps of mean 1/rate: gamma with shape k and scale 1/(k rate).
                let gaps = Gamma::new(burstiness, 1.0 / (burstiness * rate))
                    .map_err(|e| ServeError::Input(format!("arrival gaps: {e}")))?;
                let mut t = 0.0;
                Ok((0..n)
                    .map(|_| {
                        let now = t;
                        t += gaps.sample(&mut self.rng);
                        now
                    })
                    .collect())
            }
        }
    }
}
