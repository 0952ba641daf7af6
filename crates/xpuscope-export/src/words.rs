//! Numbers in sentences: the few formatting rules the export explanations share, so that every
//! sentence writes "2,368", "2.91", "1.3%" and "4,000 GB/s" the same way. It does not decide what
//! a sentence says; `explain` does.

pub use xpuscope_model::numfmt::group;

/// A gate as the rules write it: whole numbers grouped (4,800), others with their decimals (5.92).
pub fn gate(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        group(v, 0)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A fraction as a percentage with one decimal (0.0133 -> "1.3%"), more for tiny margins.
pub fn pct(fraction: f64) -> String {
    let p = fraction.abs() * 100.0;
    if p >= 0.095 {
        format!("{p:.1}%")
    } else if p >= 0.005 {
        format!("{p:.2}%")
    } else {
        "less than 0.01%".into()
    }
}

/// A list in prose: "a", "a and b", "a, b and c".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A list of alternatives in prose: "a, b or c".
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(group(15831.2, 0), "15,831");
        assert_eq!(group(-0.2, 0), "0");
        assert_eq!(gate(4800.0), "4,800");
        assert_eq!(gate(5.92), "5.92");
        assert_eq!(gate(1.6), "1.6");
        assert_eq!(pct(32.0 / 2400.0), "1.3%");
        assert_eq!(pct(0.0002), "0.02%");
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
