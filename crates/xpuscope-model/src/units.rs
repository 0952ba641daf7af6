//! Physical quantities as types.
//!
//! Every public signature in the core speaks in these types, so adding bytes to seconds does not
//! compile. Each is a thin `f64` wrapper in SI base units (bytes, FLOPs, seconds, watts, dollars);
//! the conversions that make physical sense (`Flops / FlopsPerSecond = Seconds`, ...) are operators.
//! Numbers become plain floats only at the edges, through `.get()` or a named accessor such as
//! [`Bytes::gib`]. Decimal prefixes are powers of ten (1 GB = 1e9 bytes); binary ones are powers of
//! two (1 GiB = 2^30 bytes), as their names say. They carry no provenance (that is `sourced`) and
//! do no formatting for people (that is `numfmt`).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, Sub};

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
        pub struct $name(f64);

        impl $name {
            /// Zero of this quantity.
            pub const ZERO: Self = Self(0.0);

            /// Wraps a value in base units.
            #[inline]
            pub const fn new(value: f64) -> Self {
                Self(value)
            }

            /// The value in base units.
            #[inline]
            pub const fn get(self) -> f64 {
                self.0
            }

            /// The larger of two quantities.
            #[inline]
            pub fn max(self, other: Self) -> Self {
                Self(self.0.max(other.0))
            }

            /// The smaller of two quantities.
            #[inline]
            pub fn min(self, other: Self) -> Self {
                Self(self.0.min(other.0))
            }

            /// The unit symbol used in text output.
            pub const UNIT: &'static str = $unit;
        }

        impl Add for $name {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl AddAssign for $name {
            #[inline]
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl Sub for $name {
            type Output = Self;
            #[inline]
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }

        impl Mul<f64> for $name {
            type Output = Self;
            #[inline]
            fn mul(self, rhs: f64) -> Self {
                Self(self.0 * rhs)
            }
        }

        impl Mul<$name> for f64 {
            type Output = $name;
            #[inline]
            fn mul(self, rhs: $name) -> $name {
                $name(self * rhs.0)
            }
        }

        impl Div<f64> for $name {
            type Output = Self;
            #[inline]
            fn div(self, rhs: f64) -> Self {
                Self(self.0 / rhs)
            }
        }

        /// The ratio of two quantities of the same kind is a plain number.
        impl Div for $name {
            type Output = f64;
            #[inline]
            fn div(self, rhs: Self) -> f64 {
                self.0 / rhs.0
            }
        }

        impl Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|q| q.0).sum())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} {}", self.0, $unit)
            }
        }
    };
}

quantity!(
    /// An amount of memory or data, in bytes.
    Bytes,
    "B"
);
quantity!(
    /// An amount of arithmetic, in floating-point (or integer) operations.
    Flops,
    "FLOP"
);
quantity!(
    /// A duration, in seconds.
    Seconds,
    "s"
);
quantity!(
    /// A data rate, in bytes per second.
    BytesPerSecond,
    "B/s"
);
quantity!(
    /// An arithmetic rate, in operations per second.
    FlopsPerSecond,
    "FLOP/s"
);
quantity!(
    /// Power, in watts.
    Watts,
    "W"
);
quantity!(
    /// Money, in US dollars.
    Dollars,
    "$"
);
quantity!(
    /// A token rate, in tokens per second (generated or processed, as the name using it says).
    TokensPerSecond,
    "tokens/s"
);
quantity!(
    /// Area, in square millimetres (die area).
    SquareMm,
    "mm²"
);

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

impl TokensPerSecond {
    /// The time `tokens` tokens take at this rate.
    #[inline]
    pub fn time_for(self, tokens: f64) -> Seconds {
        Seconds(tokens / self.0)
    }
}

impl Bytes {
    /// From gibibytes (2^30 bytes).
    pub fn from_gib(gib: f64) -> Self {
        Self(gib * GIB)
    }
    /// From gigabytes (1e9 bytes).
    pub fn from_gb(gb: f64) -> Self {
        Self(gb * 1e9)
    }
    /// In gibibytes.
    pub fn gib(self) -> f64 {
        self.0 / GIB
    }
    /// In gigabytes (1e9).
    pub fn gb(self) -> f64 {
        self.0 / 1e9
    }
}

impl BytesPerSecond {
    /// From GB/s (1e9 bytes per second).
    pub fn from_gbs(gbs: f64) -> Self {
        Self(gbs * 1e9)
    }
    /// In GB/s.
    pub fn gbs(self) -> f64 {
        self.0 / 1e9
    }
}

impl FlopsPerSecond {
    /// From TFLOP/s (1e12 per second).
    pub fn from_tflops(tflops: f64) -> Self {
        Self(tflops * 1e12)
    }
    /// In TFLOP/s.
    pub fn tflops(self) -> f64 {
        self.0 / 1e12
    }
}

impl Seconds {
    /// From microseconds.
    pub fn from_us(us: f64) -> Self {
        Self(us * 1e-6)
    }
    /// In milliseconds.
    pub fn ms(self) -> f64 {
        self.0 * 1e3
    }
    /// In microseconds.
    pub fn us(self) -> f64 {
        self.0 * 1e6
    }
    /// In hours.
    pub fn hours(self) -> f64 {
        self.0 / 3600.0
    }
    /// In days.
    pub fn days(self) -> f64 {
        self.0 / 86400.0
    }
}

impl Div<FlopsPerSecond> for Flops {
    type Output = Seconds;
    #[inline]
    fn div(self, rhs: FlopsPerSecond) -> Seconds {
        Seconds(self.0 / rhs.0)
    }
}

impl Div<Seconds> for Flops {
    type Output = FlopsPerSecond;
    #[inline]
    fn div(self, rhs: Seconds) -> FlopsPerSecond {
        FlopsPerSecond(self.0 / rhs.0)
    }
}

impl Div<BytesPerSecond> for Bytes {
    type Output = Seconds;
    #[inline]
    fn div(self, rhs: BytesPerSecond) -> Seconds {
        Seconds(self.0 / rhs.0)
    }
}

impl Div<Seconds> for Bytes {
    type Output = BytesPerSecond;
    #[inline]
    fn div(self, rhs: Seconds) -> BytesPerSecond {
        BytesPerSecond(self.0 / rhs.0)
    }
}

impl Mul<Seconds> for FlopsPerSecond {
    type Output = Flops;
    #[inline]
    fn mul(self, rhs: Seconds) -> Flops {
        Flops(self.0 * rhs.0)
    }
}

impl Mul<Seconds> for BytesPerSecond {
    type Output = Bytes;
    #[inline]
    fn mul(self, rhs: Seconds) -> Bytes {
        Bytes(self.0 * rhs.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_amounts_give_times() {
        let t = Flops::new(2e12) / FlopsPerSecond::from_tflops(1.0);
        assert!((t.get() - 2.0).abs() < 1e-12);
        let t = Bytes::from_gb(3.35) / BytesPerSecond::from_gbs(3350.0);
        assert!((t.ms() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn binary_and_decimal_prefixes_differ() {
        assert_eq!(Bytes::from_gib(1.0).get(), 1_073_741_824.0);
        assert_eq!(Bytes::from_gb(1.0).get(), 1e9);
        assert!((Bytes::from_gib(80.0).gb() - 85.899_345_92).abs() < 1e-6);
    }

    #[test]
    fn same_kind_ratio_is_a_number() {
        let r: f64 = Seconds::new(3.0) / Seconds::new(2.0);
        assert_eq!(r, 1.5);
    }
}
