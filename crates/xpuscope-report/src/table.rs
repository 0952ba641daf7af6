//! Aligned text tables for people. Numbers align right, text left; no colours, no borders.

use std::fmt::Write as _;

/// Column alignment.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: flush left.
    Left,
    /// Numbers: flush right.
    Right,
}

/// A table built row by row and rendered with two spaces between columns.
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(cols: &[(&str, Align)]) -> Table {
        Table {
            header: cols.iter().map(|(h, _)| (*h).to_string()).collect(),
            align: cols.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; missing cells are blank.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders with a header line, or without one when every header is empty.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut widths = vec![0usize; n];
        let show_header = self.header.iter().any(|h| !h.is_empty());
        let all = std::iter::once(&self.header)
            .filter(|_| show_header)
            .chain(self.rows.iter());
        for row in all {
            for (i, cell) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |row: &[String]| {
            let mut s = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                let pad = width.saturating_sub(cell.chars().count());
                let last = i + 1 == n;
                match self.align[i] {
                    Align::Right => {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(cell);
                    }
                    Align::Left => {
                        s.push_str(cell);
                        if !last {
                            s.push_str(&" ".repeat(pad));
                        }
                    }
                }
                if !last {
                    s.push_str("  ");
                }
            }
            let _ = writeln!(out, "{}", s.trim_end());
        };
        if show_header {
            line(&self.header);
        }
        for r in &self.rows {
            line(r);
        }
        out
    }
}

/// A number with thousands separators and `decimals` places: 15831.2 -> "15,831.2".
pub fn num(v: f64, decimals: usize) -> String {
    xpuscope_model::numfmt::group(v, decimals)
}

/// A number with about three significant figures, for values across many magnitudes.
pub fn sig(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let a = v.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else if a >= 0.1 {
        3
    } else {
        4
    };
    num(v, decimals)
}

/// Seconds in the most readable unit.
pub fn duration(s: f64) -> String {
    if !s.is_finite() {
        "-".into()
    } else if s >= 86400.0 * 2.0 {
        format!("{} days", sig(s / 86400.0))
    } else if s >= 3600.0 * 2.0 {
        format!("{} h", sig(s / 3600.0))
    } else if s >= 1.0 {
        format!("{} s", sig(s))
    } else if s >= 1e-3 {
        format!("{} ms", sig(s * 1e3))
    } else {
        format!("{} µs", sig(s * 1e6))
    }
}

/// Bytes in GiB (or MiB for small amounts).
pub fn bytes(b: f64) -> String {
    let gib = b / (1u64 << 30) as f64;
    if gib >= 1.0 {
        format!("{} GiB", sig(gib))
    } else {
        format!("{} MiB", sig(b / (1u64 << 20) as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(num(15831.2, 1), "15,831.2");
        assert_eq!(num(999.0, 0), "999");
        assert_eq!(num(-1234567.0, 0), "-1,234,567");
        assert_eq!(sig(0.01234), "0.0123");
        assert_eq!(duration(0.0153), "15.3 ms");
    }

    #[test]
    fn columns_align() {
        let mut t = Table::new(&[("name", Align::Left), ("value", Align::Right)]);
        t.row(vec!["a".into(), "1".into()]);
        t.row(vec!["bbb".into(), "1,000".into()]);
        assert_eq!(t.render(), "name  value\na         1\nbbb   1,000\n");
    }
}
