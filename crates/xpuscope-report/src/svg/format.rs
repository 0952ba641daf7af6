//! How numbers are written: coordinates to one decimal, values to a number of significant
//! figures, compact SI suffixes, and exact powers of ten for tick labels.
//!
//! Every function returns a short string with no trailing zeros, never "-0", and no "NaN" or
//! "inf": a coordinate that is not a number becomes "0", a value "n/a". It deliberately knows
//! nothing of units or locales; callers append the unit.

/// A coordinate: one decimal, trailing zero dropped, never "-0" or a non-number.
pub(super) fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let s = trim_zeros(format!("{v:.1}"));
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// `v` with `sig` significant digits (at least every integer digit), trailing zeros dropped;
/// exponent notation outside 1e-4..1e6.
pub(super) fn fmt_sig(v: f64, sig: i32) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    let s = if !(1e-4..1e6).contains(&a) {
        let s = format!("{:.*e}", (sig - 1).max(0) as usize, v);
        match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa.to_string())),
            None => s,
        }
    } else {
        let mag = a.log10().floor() as i32;
        let decimals = (sig - 1 - mag).max(0) as usize;
        trim_zeros(format!("{v:.decimals$}"))
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// `m * 10^d` written exactly: "0.02", "5", "100", "1e9".
pub(super) fn fmt_pow(m: u32, d: i64) -> String {
    match d {
        -4..=-1 => format!("0.{}{m}", "0".repeat((-d - 1) as usize)),
        0..=5 => format!("{m}{}", "0".repeat(d as usize)),
        _ => format!("{m}e{d}"),
    }
}
/// `s` without the trailing zeros of its fraction, and without the point when none is left:
/// "1.50" is "1.5", "2.00" is "2"; a string without a point is left alone.
pub(super) fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `v` to three significant figures, with k, M, G or T for thousands and up: "0.0123", "987",
/// "1.23k", "45.6M".
pub(super) fn fmt_si(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    // Round first, so 999.7 becomes "1k" and not "1000".
    let r: f64 = format!("{v:.2e}").parse().unwrap_or(v);
    let a = r.abs();
    for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if (scale..scale * 1e3).contains(&a) {
            return format!("{}{suffix}", fmt_sig(r / scale, 3));
        }
    }
    fmt_sig(r, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::colour::{hex, ramp};
    use crate::svg::document::{esc, wrap};

    #[test]
    fn numbers_are_formatted_compactly() {
        let cases = [
            (fmt_sig(0.15, 2), "0.15"),
            (fmt_sig(1.0, 2), "1"),
            (fmt_sig(0.999, 2), "1"),
            (fmt_sig(12.34, 2), "12"),
            (fmt_sig(0.001234, 2), "0.0012"),
            (fmt_sig(2.5e12, 2), "2.5e12"),
            (fmt_sig(-0.0, 2), "0"),
            (fmt_pow(5, -2), "0.05"),
            (fmt_pow(2, 3), "2000"),
            (fmt_pow(1, -12), "1e-12"),
            (n(-0.01), "0"),
            (n(3.0), "3"),
            (esc("a<b&c\"'\u{1}"), "a&lt;b&amp;c&quot;&apos;"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn heat_map_helpers() {
        let cases = [
            (fmt_si(147.34), "147"),
            (fmt_si(4085.6), "4.09k"),
            (fmt_si(999.7), "1k"),
            (fmt_si(0.012345), "0.0123"),
            (fmt_si(1_234_567.0), "1.23M"),
            (fmt_si(-1500.0), "-1.5k"),
            (fmt_si(0.0), "0"),
            (fmt_si(f64::NAN), "n/a"),
            (hex(ramp(0.0)), "#440154"),
            (hex(ramp(1.0)), "#fde725"),
            (hex(ramp(f64::NAN)), "#440154"),
            (hex(ramp(2.0)), "#fde725"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        assert_eq!(
            wrap("aa bb cc dd ee", 5, 3),
            ["aa bb", "cc dd", "ee"].map(String::from)
        );
        assert_eq!(
            wrap("aa bb cc dd ee ff", 5, 2),
            ["aa bb", "cc d…"].map(String::from)
        );
        assert_eq!(wrap("", 5, 3), Vec::<String>::new());
        assert_eq!(wrap("abcdefgh", 5, 3), ["abcd…"].map(String::from));
    }
}
