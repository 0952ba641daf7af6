//! What a run measured: per-request latencies as percentiles, token gaps in a log histogram (a
//! run can produce hundreds of millions of them), and counters of what the engine did.
//!
//! It deliberately knows nothing of schedulers: the simulator feeds it times.

/// Mean and percentiles of a latency, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// The value at quantile `q` of sorted `v` (nearest rank), 0 for an empty list.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let rank = (q * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

impl Summary {
    /// The summary of `v` (sorted in place).
    pub fn of(v: &mut [f64]) -> Summary {
        if v.is_empty() {
            return Summary::default();
        }
        v.sort_by(f64::total_cmp);
        Summary {
            mean: v.iter().sum::<f64>() / v.len() as f64,
            p50: quantile(v, 0.5),
            p90: quantile(v, 0.9),
            p99: quantile(v, 0.99),
        }
    }
}

/// Bins per factor of ten: each bin is about 0.58% wide, so a percentile read from the
/// histogram is within 0.6% of the exact one.
const BINS_PER_DECADE: f64 = 400.0;
/// The smallest gap the histogram resolves (smaller ones fall in the first bin): 1 us.
const HIST_MIN_S: f64 = 1e-6;
/// Decades covered: 1 us to 10^5 s.
const HIST_DECADES: f64 = 11.0;

/// A log-binned histogram of token gaps with an exact mean.
#[derive(Debug, Clone)]
pub struct GapHistogram {
    counts: Vec<u64>,
    sum: f64,
    n: u64,
}

impl Default for GapHistogram {
    fn default() -> Self {
        GapHistogram {
            counts: vec![0; (BINS_PER_DECADE * HIST_DECADES) as usize + 1],
            sum: 0.0,
            n: 0,
        }
    }
}

impl GapHistogram {
    /// Adds `count` gaps of `gap` seconds.
    #[inline]
    pub fn add(&mut self, gap: f64, count: u64) {
        let i = ((gap / HIST_MIN_S).max(1.0).log10() * BINS_PER_DECADE) as usize;
        let last = self.counts.len() - 1;
        self.counts[i.min(last)] += count;
        self.sum += gap * count as f64;
        self.n += count;
    }

    /// Gaps recorded.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether none were recorded.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn quantile(&self, q: f64) -> f64 {
        let rank = ((q * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                // The bin's geometric middle.
                return HIST_MIN_S * 10f64.powf((i as f64 + 0.5) / BINS_PER_DECADE);
            }
        }
        0.0
    }

    /// Mean (exact) and percentiles (to the bin width).
    pub fn summary(&self) -> Summary {
        if self.n == 0 {
            return Summary::default();
        }
        Summary {
            mean: self.sum / self.n as f64,
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p99: self.quantile(0.99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&mut v);
        assert_eq!((s.p50, s.p90, s.p99), (50.0, 90.0, 99.0));
        assert!((s.mean - 50.5).abs() < 1e-12);
        assert_eq!(Summary::of(&mut []), Summary::default());
    }

    #[test]
    fn the_histogram_is_within_its_bin_width() {
        let mut h = GapHistogram::default();
        for i in 1..=1000 {
            h.add(f64::from(i) * 1e-3, 1);
        }
        let s = h.summary();
        assert!((s.mean - 0.5005).abs() < 1e-12);
        for (got, want) in [(s.p50, 0.5), (s.p90, 0.9), (s.p99, 0.99)] {
            assert!((got / want - 1.0).abs() < 0.006, "{got} vs {want}");
        }
    }
}
