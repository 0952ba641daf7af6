//! Replayed traces: rows of arrival time, prompt tokens and output tokens, in JSON lines or CSV,
//! found by column name so the traces users have load as they are: the Azure LLM inference
//! traces (`TIMESTAMP,ContextTokens,GeneratedTokens`, timestamps as date-times), the Mooncake
//! traces (`timestamp` in ms, `input_length`, `output_length`), or plain `arrival_s`,
//! `input_tokens`, `output_tokens`.
//!
//! It deliberately reads text, not files: the front end reads the file (and limits its size).

use crate::workload::Request;
use crate::ServeError;

/// How a column's time is written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TimeUnit {
    Seconds,
    Milliseconds,
    /// `YYYY-MM-DD HH:MM:SS[.fraction]`.
    DateTime,
}

/// Column names accepted for each field, with how the time is written.
const TIME_COLUMNS: &[(&str, TimeUnit)] = &[
    ("arrival_s", TimeUnit::Seconds),
    ("arrival_time", TimeUnit::Seconds),
    ("timestamp_s", TimeUnit::Seconds),
    ("timestamp", TimeUnit::Milliseconds),
    ("TIMESTAMP", TimeUnit::DateTime),
];
const INPUT_COLUMNS: &[&str] = &["input_tokens", "input_length", "input_len", "ContextTokens"];
const OUTPUT_COLUMNS: &[&str] = &[
    "output_tokens",
    "output_length",
    "output_len",
    "GeneratedTokens",
];

fn bad(file: &str, line: usize, msg: impl std::fmt::Display) -> ServeError {
    ServeError::Input(format!("{file}:{line}: {msg}"))
}

/// Seconds since the epoch of a `YYYY-MM-DD HH:MM:SS[.f]` date-time (UTC, proleptic Gregorian).
fn datetime_s(s: &str) -> Option<f64> {
    let s = s.trim().trim_matches('"');
    let (date, time) = s.split_once([' ', 'T'])?;
    let mut d = date.split('-').map(str::parse::<i64>);
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.trim_end_matches('Z').split(':');
    let (hh, mm) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let ss: f64 = t.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss >= 61.0 {
        return None;
    }
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + (hh * 3600 + mm * 60) as f64 + ss)
}

/// A token count: a whole number of at least `min`.
fn count(v: &str, file: &str, line: usize, col: &str, min: u64) -> Result<u32, ServeError> {
    let v = v.trim().trim_matches('"');
    let n: u64 = v.parse().map_err(|_| {
        bad(
            file,
            line,
            format!("`{col}` is `{v}`, not a whole number of tokens"),
        )
    })?;
    if n < min {
        return Err(bad(
            file,
            line,
            format!("`{col}` is {n}; it must be at least {min}"),
        ));
    }
    u32::try_from(n).map_err(|_| {
        bad(
            file,
            line,
            format!("`{col}` is {n}, more tokens than any model takes"),
        )
    })
}

fn time(v: &str, unit: TimeUnit, file: &str, line: usize, col: &str) -> Result<f64, ServeError> {
    let t = match unit {
        TimeUnit::DateTime => datetime_s(v),
        TimeUnit::Seconds => v.trim().trim_matches('"').parse::<f64>().ok(),
        TimeUnit::Milliseconds => v
            .trim()
            .trim_matches('"')
            .parse::<f64>()
            .ok()
            .map(|ms| ms / 1e3),
    };
    match t {
        Some(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(bad(
            file,
            line,
            format!("`{col}` is `{}`, not a time", v.trim()),
        )),
    }
}

/// Reads a trace (JSON lines when the first non-empty line starts with `{`, else CSV with a
/// header). Arrival times are shifted so the first request arrives at 0 and sorted.
pub fn parse(file: &str, text: &str) -> Result<Vec<Request>, ServeError> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut rows = if first.trim_start().starts_with('{') {
        parse_jsonl(file, text)?
    } else {
        parse_csv(file, text)?
    };
    if rows.is_empty() {
        return Err(ServeError::Input(format!(
            "{file}: the trace has no requests"
        )));
    }
    rows.sort_by(|a, b| a.arrival.total_cmp(&b.arrival));
    let t0 = rows[0].arrival;
    for (k, r) in rows.iter_mut().enumerate() {
        r.arrival -= t0;
        r.id = k as u64;
    }
    Ok(rows)
}

fn pick<'a, T: Copy>(names: &[&'a str], have: &[(&'a str, T)]) -> Option<(&'a str, T)> {
    names
        .iter()
        .find_map(|n| have.iter().find(|(h, _)| h == n).copied())
}

fn missing(file: &str, what: &str, names: &[&str]) -> ServeError {
    ServeError::Input(format!(
        "{file}: no {what} column; name it one of {}",
        names.join(", ")
    ))
}

fn parse_csv(file: &str, text: &str) -> Result<Vec<Request>, ServeError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let cols: Vec<&str> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let indexed: Vec<(&str, usize)> = cols.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let time_names: Vec<&str> = TIME_COLUMNS.iter().map(|c| c.0).collect();
    let (tname, ti) =
        pick(&time_names, &indexed).ok_or_else(|| missing(file, "arrival-time", &time_names))?;
    let unit = TIME_COLUMNS
        .iter()
        .find(|c| c.0 == tname)
        .map_or(TimeUnit::Seconds, |c| c.1);
    let (iname, ii) = pick(INPUT_COLUMNS, &indexed)
        .ok_or_else(|| missing(file, "input-tokens", INPUT_COLUMNS))?;
    let (oname, oi) = pick(OUTPUT_COLUMNS, &indexed)
        .ok_or_else(|| missing(file, "output-tokens", OUTPUT_COLUMNS))?;
    let mut out = Vec::new();
    for (n, l) in lines {
        let line = n + 1;
        let f: Vec<&str> = l.split(',').collect();
        let get = |i: usize, col: &str| {
            f.get(i)
                .copied()
                .ok_or_else(|| bad(file, line, format!("no `{col}` value")))
        };
        out.push(Request {
            arrival: time(get(ti, tname)?, unit, file, line, tname)?,
            input: count(get(ii, iname)?, file, line, iname, 1)?,
            output: count(get(oi, oname)?, file, line, oname, 1)?,
            cached: 0,
            id: 0,
        });
    }
    Ok(out)
}

fn parse_jsonl(file: &str, text: &str) -> Result<Vec<Request>, ServeError> {
    let mut out = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let line = n + 1;
        if l.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(l)
            .map_err(|e| bad(file, line, format!("not a JSON object: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad(file, line, "not a JSON object"))?;
        let field = |names: &[&'static str], what: &str| {
            names
                .iter()
                .find_map(|k| obj.get(*k).map(|v| (*k, v)))
                .ok_or_else(|| {
                    bad(
                        file,
                        line,
                        format!("no {what} field; name it one of {}", names.join(", ")),
                    )
                })
        };
        let text_of = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let time_names: Vec<&'static str> = TIME_COLUMNS.iter().map(|c| c.0).collect();
        let (tk, tv) = field(&time_names, "arrival-time")?;
        let unit = TIME_COLUMNS
            .iter()
            .find(|c| c.0 == tk)
            .map_or(TimeUnit::Seconds, |c| c.1);
        let (ik, iv) = field(INPUT_COLUMNS, "input-tokens")?;
        let (ok, ov) = field(OUTPUT_COLUMNS, "output-tokens")?;
        out.push(Request {
            arrival: time(&text_of(tv), unit, file, line, tk)?,
            input: count(&text_of(iv), file, line, ik, 1)?,
            output: count(&text_of(ov), file, line, ok, 1)?,
            cached: 0,
            id: 0,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_mooncake_and_plain_traces_load_by_column_name() {
        let azure = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n";
        let r = parse("azure.csv", azure).unwrap();
        assert_eq!((r[0].input, r[0].output, r[1].output), (374, 44, 109));
        assert!((r[1].arrival - 4.314579).abs() < 1e-6, "{}", r[1].arrival);
        let mooncake = "{\"timestamp\": 27482, \"input_length\": 6955, \"output_length\": 52, \"hash_ids\": [1, 2]}\n{\"timestamp\": 30535, \"input_length\": 6472, \"output_length\": 26}\n";
        let r = parse("mooncake.jsonl", mooncake).unwrap();
        assert_eq!(r[0].arrival, 0.0);
        assert!((r[1].arrival - 3.053).abs() < 1e-9);
        let plain = "arrival_s,input_tokens,output_tokens\n2.5,10,5\n0.5,20,6\n";
        let r = parse("p.csv", plain).unwrap();
        assert_eq!((r[0].input, r[1].arrival), (20, 2.0));
    }

    #[test]
    fn bad_traces_name_the_file_line_and_column() {
        let e = parse("t.csv", "arrival_s,input_tokens\n0,10\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv: no output-tokens column"), "{e}");
        let e = parse("t.csv", "arrival_s,input_tokens,output_tokens\n0,-4,5\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv:2: `input_tokens` is `-4`"), "{e}");
        let e = parse(
            "t.jsonl",
            "{\"timestamp\": 1, \"input_length\": 0, \"output_length\": 1}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("t.jsonl:1: `input_length` is 0"), "{e}");
        let e = parse("t.csv", "arrival_s,input_tokens,output_tokens\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no requests"), "{e}");
        let e = parse("t.csv", "arrival_s,input_tokens,output_tokens\nsoon,1,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a time"), "{e}");
    }
}
