//! Numbers as people read them: thousands separators and fixed decimals ("15,831.2"). Shared by
//! the export explanations and the command-line tables so both write numbers the same way. It does
//! not choose a unit or a precision for a quantity: callers say how many decimals they want.

/// A number with thousands separators and `decimals` places: 15831.2 with 1 decimal -> "15,831.2".
pub fn group(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let negative = v < 0.0
        && format!("{:.*}", decimals, v.abs())
            .chars()
            .any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_rounds() {
        assert_eq!(group(15831.2, 1), "15,831.2");
        assert_eq!(group(999.0, 0), "999");
        assert_eq!(group(-1234567.0, 0), "-1,234,567");
        assert_eq!(group(-0.2, 0), "0");
        assert_eq!(group(f64::NAN, 0), "-");
    }
}
