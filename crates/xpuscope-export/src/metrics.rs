//! The two numbers the October 2023 rule turns on: total processing performance (TPP) and
//! performance density (PD), as types, and how a chip's dense throughput becomes its TPP.
//!
//! TPP is "2 x MacTOPS x bit length of the operation" (Technical Note to 3A090); BIS says that
//! 2 x MacTOPS "may correspond to the reported TOPS or FLOPS on a datasheet", so TPP is the dense
//! datasheet figure in TOPS or TFLOPS times the operand's bit length, the largest over precisions.
//! Sparse figures never count. This module does not decide anything; `classify` does.

use std::fmt;
use std::ops::Div;

use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::units::{FlopsPerSecond, SquareMm};

/// Relative tolerance for comparing a computed value with a gate: 300 TFLOPS x 16 bits is 4,800
/// whether or not the floating-point product lands a hair under it.
const REL_TOLERANCE: f64 = 1e-9;

/// Whether `value` is at least `gate`, allowing for floating-point rounding.
pub(crate) fn at_least(value: f64, gate: f64) -> bool {
    value >= gate || (gate - value).abs() <= REL_TOLERANCE * gate.abs()
}

/// Total processing performance: dense tera-operations per second times bit length.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Tpp(f64);

impl Tpp {
    /// A TPP value.
    pub const fn new(value: f64) -> Tpp {
        Tpp(value)
    }

    /// The number, as the rules write it (4800).
    pub const fn get(self) -> f64 {
        self.0
    }

    /// The TPP of one precision's dense rate.
    pub fn of(rate: FlopsPerSecond, precision: Precision) -> Tpp {
        Tpp(rate.tflops() * f64::from(precision.bit_length()))
    }

    /// The dense rate in `precision` that gives exactly this TPP.
    pub fn rate_in(self, precision: Precision) -> FlopsPerSecond {
        FlopsPerSecond::from_tflops(self.0 / f64::from(precision.bit_length()))
    }
}

impl fmt::Display for Tpp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::words::group(self.0, 0))
    }
}

/// Performance density: TPP per square millimetre of applicable (logic) die area.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct PerformanceDensity(f64);

impl PerformanceDensity {
    /// A PD value.
    pub const fn new(value: f64) -> PerformanceDensity {
        PerformanceDensity(value)
    }

    /// The number, as the rules write it (5.92).
    pub const fn get(self) -> f64 {
        self.0
    }
}

impl fmt::Display for PerformanceDensity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Div<SquareMm> for Tpp {
    type Output = PerformanceDensity;
    fn div(self, area: SquareMm) -> PerformanceDensity {
        PerformanceDensity(self.0 / area.get())
    }
}

/// The TPP at a performance density over a die area (the inverse of `Tpp / SquareMm`).
impl std::ops::Mul<SquareMm> for PerformanceDensity {
    type Output = Tpp;
    fn mul(self, area: SquareMm) -> Tpp {
        Tpp(self.0 * area.get())
    }
}

/// A chip's TPP and the precision that sets it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TppFigure {
    /// The largest TPP over the chip's dense figures.
    pub tpp: Tpp,
    /// The precision that gives it. Ties are common (the H20's 74 TF32, 148 BF16 and 296 FP8 all
    /// give 2,368; the RTX 4090's INT8 and INT4 both give 5,285), and are broken towards the 8-bit
    /// figure that BIS's own example and the press quote, then 16-bit, then the rest.
    pub precision: Precision,
    /// That precision's dense rate.
    pub dense: FlopsPerSecond,
}

/// The order in which tied precisions are preferred (see [`TppFigure::precision`]).
const TIE_ORDER: [Precision; 9] = [
    Precision::Fp8,
    Precision::Int8,
    Precision::Bf16,
    Precision::Fp16,
    Precision::Fp4,
    Precision::Int4,
    Precision::Tf32,
    Precision::Fp32,
    Precision::Fp64,
];

/// The chip's TPP from its dense figures, or `None` when it has none.
pub fn tpp(chip: &Chip) -> Option<TppFigure> {
    let mut best: Option<TppFigure> = None;
    for p in TIE_ORDER {
        let Some(rate) = chip.peak(p) else { continue };
        let t = Tpp::of(rate, p);
        // Strictly larger beyond rounding: an earlier precision in TIE_ORDER keeps a tie.
        let better = best
            .is_none_or(|b| t.0 > b.tpp.0 && (t.0 - b.tpp.0).abs() > REL_TOLERANCE * b.tpp.0.abs());
        if better {
            best = Some(TppFigure {
                tpp: t,
                precision: p,
                dense: rate,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bis_examples_reach_4800() {
        // BIS: 4800 "can be met with 600 tera integer operations at 8 bits or 300 tera FLOPS at 16 bits".
        let int8 = Tpp::of(FlopsPerSecond::from_tflops(600.0), Precision::Int8);
        let fp16 = Tpp::of(FlopsPerSecond::from_tflops(300.0), Precision::Fp16);
        assert!(at_least(int8.get(), 4800.0) && at_least(fp16.get(), 4800.0));
        assert!(!at_least(
            Tpp::of(FlopsPerSecond::from_tflops(299.99), Precision::Bf16).get(),
            4800.0
        ));
    }

    #[test]
    fn density_and_rate_round_trip() {
        let pd = Tpp::new(2368.0) / SquareMm::new(814.0);
        assert!((pd.get() - 2.909).abs() < 1e-3);
        assert!(((pd * SquareMm::new(814.0)).get() - 2368.0).abs() < 1e-9);
        assert!((Tpp::new(2400.0).rate_in(Precision::Bf16).tflops() - 150.0).abs() < 1e-9);
    }
}
