//! Proptest strategies and checks shared by the fuzz-like tests of every parser of untrusted text
//! (catalogue TOML, config.json, rule files, claims files, serving traces).
//!
//! The cargo-fuzz targets in `fuzz/` (one per parser: `cargo +nightly fuzz run catalog_toml`)
//! need a nightly toolchain for libFuzzer's coverage instrumentation, which CI does not have, so
//! the same idea runs on stable through proptest here: each parser is fed arbitrary text and
//! mutations of a real, valid input, and must neither panic nor answer with a message a user
//! could not read.
//!
//! Compiled only with the `fuzz-like` feature, which the crates turn on for their tests.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::catalog::CatalogError;

/// Arbitrary text: any Unicode string, arbitrary bytes read as lossy UTF-8, or a soup of the
/// characters TOML, JSON and CSV are built from (which reaches deeper into the parsers than
/// random Unicode does).
pub fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<u8>(), 0..512)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[\\[\\]{}=\",.:#a-z0-9_ \n\t-]{0,300}",
    ]
}

/// A point in a sequence as a fraction of its length (`u32::MAX` is just before the end), so that
/// one value means something in a text of any length.
#[derive(Debug, Clone, Copy)]
struct Index(u32);

impl Index {
    /// The position this stands for in a sequence of `n` (`0..n`; 0 when `n` is 0).
    fn index(self, n: usize) -> usize {
        ((n as u64 * u64::from(self.0)) >> 32) as usize
    }
}

fn index() -> impl Strategy<Value = Index> {
    any::<u32>().prop_map(Index)
}

/// One edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    /// Cut the text at a point.
    Truncate(Index),
    /// Replace one character.
    Flip(Index, char),
    /// Insert one character.
    Insert(Index, char),
    /// Delete one character.
    Delete(Index),
    /// Repeat one line right after itself.
    DuplicateLine(Index),
}

/// A character to put in: half the time one that means something to TOML, JSON or CSV, else any.
fn edit_char() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::sample::select(vec![
            '[', ']', '{', '}', '=', '"', '\'', ',', '.', ':', '#', '\n', '-', '0', '9', 'e', ' ',
        ]),
        any::<char>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        index().prop_map(Edit::Truncate),
        (index(), edit_char()).prop_map(|(i, c)| Edit::Flip(i, c)),
        (index(), edit_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
        index().prop_map(Edit::Delete),
        index().prop_map(Edit::DuplicateLine),
    ]
}

/// The byte offset of the `i`th character boundary of `s` (its end included).
fn boundary(s: &str, i: Index) -> usize {
    let n = s.chars().count();
    let k = i.index(n + 1);
    s.char_indices().nth(k).map_or(s.len(), |(b, _)| b)
}

fn apply(s: &mut String, e: &Edit) {
    match e {
        Edit::Truncate(i) => {
            let b = boundary(s, *i);
            s.truncate(b);
        }
        Edit::Flip(i, _) | Edit::Delete(i) if !s.is_empty() => {
            let k = i.index(s.chars().count());
            let b = s.char_indices().nth(k).map_or(s.len(), |(b, _)| b);
            s.remove(b);
            if let Edit::Flip(_, c) = e {
                s.insert(b, *c);
            }
        }
        Edit::Flip(..) | Edit::Delete(_) => {}
        Edit::Insert(i, c) => {
            let b = boundary(s, *i);
            s.insert(b, *c);
        }
        Edit::DuplicateLine(i) => {
            let lines: Vec<&str> = s.split_inclusive('\n').collect();
            if lines.is_empty() {
                return;
            }
            let k = i.index(lines.len());
            let mut out = String::with_capacity(s.len() + lines[k].len() + 1);
            for (j, l) in lines.iter().enumerate() {
                out.push_str(l);
                if j == k {
                    if !l.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(l);
                }
            }
            *s = out;
        }
    }
}

/// A valid input after one to four random edits (truncation, a flipped, inserted or deleted
/// character, a duplicated line).
pub fn mutated(valid: &str) -> impl Strategy<Value = String> {
    let valid = valid.to_string();
    proptest::collection::vec(edit(), 1..5).prop_map(move |edits| {
        let mut s = valid.clone();
        for e in &edits {
            apply(&mut s, e);
        }
        s
    })
}

/// How many lines a position in `text` may name: one per `\n`, plus the line after the last.
pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// Checks an error message a parser gave for `text`: not empty, one line or a list of lines with
/// none blank, and, when `file` is given, every line names the file and any `file:N` position has
/// `N` between 1 and the text's line count.
pub fn check_message(msg: &str, file: Option<&str>, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!msg.trim().is_empty(), "empty error message");
    let max = line_count(text);
    for line in msg.lines() {
        prop_assert!(!line.trim().is_empty(), "blank line in error:\n{msg}");
        let Some(file) = file else { continue };
        let at = line.find(file);
        prop_assert!(at.is_some(), "line does not name `{file}`: {line:?}");
        let rest = &line[at.unwrap_or(0) + file.len()..];
        if let Some(pos) = rest.strip_prefix(':') {
            let digits: String = pos.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<usize>() {
                prop_assert!(
                    (1..=max).contains(&n),
                    "line {n} is outside the text's {max} lines: {line:?}"
                );
            }
        }
    }
    Ok(())
}

/// Checks a catalogue-style error (catalogue and rule files) for `text` read as `path`: at least
/// one issue, each naming the file, on a line of the text where it gives one, and one sentence.
pub fn check_catalog_error(e: &CatalogError, path: &str, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!e.issues.is_empty(), "an error with no issues");
    for issue in &e.issues {
        prop_assert_eq!(&issue.file, path);
        if let Some(l) = issue.line {
            prop_assert!((1..=line_count(text)).contains(&l), "line {l}: {issue}");
        }
        let shown = issue.to_string();
        prop_assert!(!shown.contains('\n'), "issue spans lines: {shown:?}");
        prop_assert!(!issue.message.trim().is_empty(), "empty message: {shown}");
        check_message(&shown, Some(path), text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_char_boundaries_and_do_what_they_say() {
        let mut s = "ab\ncd".to_string();
        apply(&mut s, &Edit::DuplicateLine(Index(0)));
        assert_eq!(s, "ab\nab\ncd");
        let mut s = "é€x".to_string();
        apply(&mut s, &Edit::Delete(Index(1 << 31)));
        assert_eq!(s, "éx");
        let mut s = "abc".to_string();
        apply(&mut s, &Edit::Truncate(Index(1 << 31)));
        assert_eq!(s, "ab");
    }

    #[test]
    fn messages_out_of_range_or_unnamed_are_caught() {
        let text = "a\nb\n";
        assert!(check_message("f:2: bad", Some("f"), text).is_ok());
        assert!(check_message("f:3: bad", Some("f"), text).is_ok());
        assert!(check_message("f:4: bad", Some("f"), text).is_err());
        assert!(check_message("f:0: bad", Some("f"), text).is_err());
        assert!(check_message("g:1: bad", Some("f"), text).is_err());
        assert!(check_message("f: a\n\nf: b", Some("f"), text).is_err());
        assert!(check_message("", None, text).is_err());
    }
}
