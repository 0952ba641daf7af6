//! The Pareto frontier per chip: output tokens per second per chip against output tokens per
//! second per user, over every aggregated configuration and batch the screen priced. A point
//! is on the frontier when no other point of the chip is at least as good on both axes and
//! better on one.

use xpuscope_model::chip::Chip;

use super::fleet::config_label;
use super::screen::Rank;

/// One operating point.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierPoint {
    /// The configuration, in words.
    pub config: String,
    /// Decoding sequences per rank.
    pub batch: u64,
    /// Output tokens per second per chip.
    pub tokens_per_s_per_chip: f64,
    /// Output tokens per second each user sees (1 / TPOT).
    pub tokens_per_s_per_user: f64,
}

/// A chip's frontier, fastest per user first.
#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    /// Chip id.
    pub chip: String,
    /// Its Pareto points.
    pub points: Vec<FrontierPoint>,
}

/// The Pareto points of `points`, fastest per user first.
pub fn pareto(mut points: Vec<FrontierPoint>) -> Vec<FrontierPoint> {
    points.sort_by(|a, b| {
        b.tokens_per_s_per_user
            .total_cmp(&a.tokens_per_s_per_user)
            .then(b.tokens_per_s_per_chip.total_cmp(&a.tokens_per_s_per_chip))
    });
    let mut best = f64::NEG_INFINITY;
    points
        .into_iter()
        .filter(|p| {
            let keep = p.tokens_per_s_per_chip > best;
            if keep {
                best = p.tokens_per_s_per_chip;
            }
            keep
        })
        .collect()
}

/// The frontier of each chip in `chips` over the aggregated configurations in `ranks`.
pub fn frontiers(ranks: &[Rank<'_>], chips: &[&Chip]) -> Vec<Frontier> {
    chips
        .iter()
        .map(|chip| {
            let points: Vec<FrontierPoint> = ranks
                .iter()
                .filter(|r| r.config.chip.id == chip.id)
                .flat_map(|r| {
                    let label = config_label(&r.config);
                    let per_chip = f64::from(r.config.rank_chips());
                    r.curve()
                        .into_iter()
                        .map(move |(b, rank_tps, user_tps)| FrontierPoint {
                            config: label.clone(),
                            batch: b,
                            tokens_per_s_per_chip: rank_tps / per_chip,
                            tokens_per_s_per_user: user_tps,
                        })
                })
                .collect();
            Frontier {
                chip: chip.id.clone(),
                points: pareto(points),
            }
        })
        .filter(|f| !f.points.is_empty())
        .collect()
}
