//! The catalogue: chips and models read from TOML text, validated, and looked up by id.
//!
//! The core never touches the file system: callers hand it [`CatalogFile`]s (a name and its text).
//! The built-in catalogue is compiled in from `catalog/` by the build script ([`builtin_files`]).
//! Loading reports every problem in every file at once ([`CatalogError`]); later files override
//! earlier entries with the same id, which is how `--catalog DIR` extends the built-in set.

mod raw;
mod validate;

pub mod hf;
mod kernels;

use std::fmt;

use crate::chip::{Chip, Origin};
use crate::model::Model;

pub use validate::{line_of, ValidationContext};

/// One catalogue file's name and text.
#[derive(Debug, Clone)]
pub struct CatalogFile {
    /// Path for messages (relative to the catalogue root for built-in files).
    pub path: String,
    /// The TOML text.
    pub text: String,
    /// Whether the file is part of the compiled-in catalogue.
    pub builtin: bool,
}

/// One problem in a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogIssue {
    /// The file.
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// The entry's id, where known.
    pub entry: Option<String>,
    /// The field, dotted (`dense.bf16`), where the problem is in one.
    pub field: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for CatalogIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        f.write_str(": ")?;
        if let Some(e) = &self.entry {
            write!(f, "`{e}`: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field `{field}` ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found while loading a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    /// The problems, in file order.
    pub issues: Vec<CatalogIssue>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.issues.len();
        writeln!(
            f,
            "{n} problem{} in the catalogue:",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {issue}")?;
        }
        Ok(())
    }
}

/// What kind of entry a lookup was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An accelerator.
    Chip,
    /// A model.
    Model,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Chip => "chip",
            Kind::Model => "model",
        })
    }
}

/// An id that is not in the catalogue, with the closest ids that are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownId {
    /// Chip or model.
    pub kind: Kind,
    /// What the user asked for.
    pub id: String,
    /// The closest ids, best first (at most three).
    pub suggestions: Vec<String>,
}

impl fmt::Display for UnknownId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no {} `{}`", self.kind, self.id)?;
        match self.suggestions.as_slice() {
            [] => write!(f, "; `xpuscope {}s` lists them", self.kind),
            [one] => write!(f, "; did you mean `{one}`?"),
            many => {
                let list: Vec<String> = many.iter().map(|s| format!("`{s}`")).collect();
                write!(f, "; did you mean one of {}?", list.join(", "))
            }
        }
    }
}

/// The closest ids to `wanted`: prefix matches first, then small edit distances.
pub fn suggest<'a>(wanted: &str, ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let w = wanted.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = ids
        .filter_map(|id| {
            let d = strsim::levenshtein(&w, id);
            let limit = 2.max(w.len() / 3);
            if id.starts_with(&w) || w.starts_with(id) && !id.is_empty() {
                Some((0, id))
            } else if d <= limit {
                Some((d, id))
            } else {
                None
            }
        })
        .collect();
    scored.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.len().cmp(&b.1.len()))
            .then(a.1.cmp(b.1))
    });
    // Only the closest tier: `h2O` should suggest `h20`, not every two-letter id as well.
    let best = scored.first().map_or(0, |s| s.0);
    scored
        .into_iter()
        .take_while(|s| s.0 == best)
        .take(3)
        .map(|(_, id)| id.to_string())
        .collect()
}

/// A validated set of chips and models.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    chips: Vec<Chip>,
    models: Vec<Model>,
}

impl Catalog {
    /// Parses and validates files in order; an entry overrides an earlier one with the same id.
    /// Every problem in every file is reported together.
    pub fn from_files(files: &[CatalogFile]) -> Result<Catalog, CatalogError> {
        let mut issues = Vec::new();
        let mut cat = Catalog::default();
        let mut gemms: Vec<(&CatalogFile, raw::RawFile)> = Vec::new();
        for file in files {
            let Some(mut raw) = parse_file(file, &mut issues) else {
                continue;
            };
            if !raw.gemm.is_empty() || !raw.stream.is_empty() || !raw.allreduce.is_empty() {
                gemms.push((
                    file,
                    raw::RawFile {
                        gemm: std::mem::take(&mut raw.gemm),
                        stream: std::mem::take(&mut raw.stream),
                        allreduce: std::mem::take(&mut raw.allreduce),
                        ..Default::default()
                    },
                ));
            }
            let origin = Origin {
                file: file.path.clone(),
                builtin: file.builtin,
            };
            let mut ids_here: Vec<(String, Kind)> = Vec::new();
            for c in &raw.chip {
                let mut ctx = validate::ValidationContext {
                    file: &file.path,
                    text: &file.text,
                    entry: None,
                    entry_line: line_of(&file.text, c.span().start),
                    issues: &mut issues,
                };
                if let Some(chip) = validate::chip(&mut ctx, c.get_ref(), origin.clone()) {
                    if ids_here.contains(&(chip.id.clone(), Kind::Chip)) {
                        issues.push(CatalogIssue {
                            file: file.path.clone(),
                            line: Some(line_of(&file.text, c.span().start)),
                            entry: Some(chip.id.clone()),
                            field: Some("id".into()),
                            message: "is defined twice in this file".into(),
                        });
                        continue;
                    }
                    if let Some(other) = cat
                        .chip(&chip.id)
                        .ok()
                        .filter(|o| !o.origin.builtin && !file.builtin)
                    {
                        // A user file overrides a built-in entry; two user files naming one
                        // chip leave it to the order the directories were read in.
                        issues.push(CatalogIssue {
                            file: file.path.clone(),
                            line: Some(line_of(&file.text, c.span().start)),
                            entry: Some(chip.id.clone()),
                            field: Some("id".into()),
                            message: format!(
                                "is also defined in `{}`; keep one",
                                other.origin.file
                            ),
                        });
                        continue;
                    }
                    ids_here.push((chip.id.clone(), Kind::Chip));
                    cat.insert_chip(chip);
                }
            }
            for m in &raw.model {
                let mut ctx = validate::ValidationContext {
                    file: &file.path,
                    text: &file.text,
                    entry: None,
                    entry_line: line_of(&file.text, m.span().start),
                    issues: &mut issues,
                };
                if let Some(model) = validate::model(&mut ctx, m.get_ref(), origin.clone()) {
                    if ids_here.contains(&(model.id.clone(), Kind::Model)) {
                        issues.push(CatalogIssue {
                            file: file.path.clone(),
                            line: Some(line_of(&file.text, m.span().start)),
                            entry: Some(model.id.clone()),
                            field: Some("id".into()),
                            message: "is defined twice in this file".into(),
                        });
                        continue;
                    }
                    if let Some(other) = cat
                        .model(&model.id)
                        .ok()
                        .filter(|o| !o.origin.builtin && !file.builtin)
                    {
                        issues.push(CatalogIssue {
                            file: file.path.clone(),
                            line: Some(line_of(&file.text, m.span().start)),
                            entry: Some(model.id.clone()),
                            field: Some("id".into()),
                            message: format!(
                                "is also defined in `{}`; keep one",
                                other.origin.file
                            ),
                        });
                        continue;
                    }
                    ids_here.push((model.id.clone(), Kind::Model));
                    cat.insert_model(model);
                }
            }
        }
        // Kernel figures name chips that any file may define, so they attach once all are read.
        kernels::attach(&mut cat.chips, &gemms, &mut issues);
        // Report in reading order: by file as given, then by line.
        issues.sort_by_key(|i| {
            let file_pos = files
                .iter()
                .position(|f| f.path == i.file)
                .unwrap_or(usize::MAX);
            (file_pos, i.line.unwrap_or(0))
        });
        if issues.is_empty() {
            Ok(cat)
        } else {
            Err(CatalogError { issues })
        }
    }

    /// The compiled-in catalogue.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Catalog::from_files(&builtin_files())
    }

    /// The compiled-in catalogue, parsed once per test binary and shared by every test that only
    /// reads it (a debug-build parse takes tens of milliseconds, and proptest runs hundreds of
    /// cases). Panics with the full report if the built-in files do not load.
    #[cfg(test)]
    pub(crate) fn builtin_shared() -> &'static Catalog {
        static BUILTIN_CATALOG: std::sync::LazyLock<Catalog> =
            std::sync::LazyLock::new(|| match Catalog::builtin() {
                Ok(c) => c,
                Err(e) => panic!("built-in catalogue does not load:\n{e}"),
            });
        &BUILTIN_CATALOG
    }

    /// Adds or replaces a chip.
    pub fn insert_chip(&mut self, chip: Chip) {
        match self.chips.iter_mut().find(|c| c.id == chip.id) {
            Some(slot) => *slot = chip,
            None => self.chips.push(chip),
        }
    }

    /// Adds or replaces a model.
    pub fn insert_model(&mut self, model: Model) {
        match self.models.iter_mut().find(|m| m.id == model.id) {
            Some(slot) => *slot = model,
            None => self.models.push(model),
        }
    }

    /// All chips, in load order.
    pub fn chips(&self) -> &[Chip] {
        &self.chips
    }

    /// All models, in load order.
    pub fn models(&self) -> &[Model] {
        &self.models
    }

    /// A chip by id (case-insensitive), or the closest ids.
    pub fn chip(&self, id: &str) -> Result<&Chip, UnknownId> {
        self.chips
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| UnknownId {
                kind: Kind::Chip,
                id: id.to_string(),
                suggestions: suggest(id, self.chips.iter().map(|c| c.id.as_str())),
            })
    }

    /// A model by id (case-insensitive), or the closest ids.
    pub fn model(&self, id: &str) -> Result<&Model, UnknownId> {
        self.models
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| UnknownId {
                kind: Kind::Model,
                id: id.to_string(),
                suggestions: suggest(id, self.models.iter().map(|m| m.id.as_str())),
            })
    }
}

/// Parses one file, adding an issue for each key the schema does not know (with the line of its
/// first occurrence in the entry), or one issue if the file is not valid TOML.
fn parse_file(file: &CatalogFile, issues: &mut Vec<CatalogIssue>) -> Option<raw::RawFile> {
    let mut unknown: Vec<String> = Vec::new();
    let de = toml::Deserializer::new(&file.text);
    let raw: raw::RawFile =
        match serde_ignored::deserialize(de, |path| unknown.push(path.to_string())) {
            Ok(r) => r,
            Err(e) => {
                issues.push(toml_issue(&file.path, &file.text, &e));
                return None;
            }
        };
    for path in unknown {
        issues.push(unknown_key_issue(file, &raw, &path));
    }
    Some(raw)
}

/// An issue for an unknown key at a serde path such as `chip.0.dense.fp9`.
fn unknown_key_issue(file: &CatalogFile, raw: &raw::RawFile, path: &str) -> CatalogIssue {
    // serde_ignored names the wrapper of spanned values (`$__serde_spanned_private_value`) too.
    let parts: Vec<&str> = path
        .split('.')
        .filter(|p| !p.starts_with("$__") && *p != "?")
        .collect();
    let key = parts.last().copied().unwrap_or(path);
    // The entry the key sits in, if any: its id and the byte range to search for the line.
    let (entry, range) = match parts.as_slice() {
        ["chip", i, ..] => i
            .parse::<usize>()
            .ok()
            .and_then(|i| raw.chip.get(i))
            .map(|c| {
                (
                    c.get_ref().id.as_ref().map(|s| s.get_ref().clone()),
                    c.span(),
                )
            })
            .unwrap_or((None, 0..file.text.len())),
        ["model", i, ..] => i
            .parse::<usize>()
            .ok()
            .and_then(|i| raw.model.get(i))
            .map(|m| {
                (
                    m.get_ref().id.as_ref().map(|s| s.get_ref().clone()),
                    m.span(),
                )
            })
            .unwrap_or((None, 0..file.text.len())),
        _ => (None, 0..file.text.len()),
    };
    // An entry's span may cover only its header: search to the start of the next entry.
    let next = raw
        .chip
        .iter()
        .map(|c| c.span().start)
        .chain(raw.model.iter().map(|m| m.span().start))
        .filter(|&s| s > range.start)
        .min()
        .unwrap_or(file.text.len());
    let line = find_key_line(&file.text, range.start..next.max(range.end), key);
    let field = parts
        .iter()
        .filter(|p| p.parse::<usize>().is_err())
        .skip(1)
        .copied()
        .collect::<Vec<_>>()
        .join(".");
    CatalogIssue {
        file: file.path.clone(),
        line,
        entry,
        field: None,
        message: format!(
            "has an unknown field `{}`; see catalog/README.md for the fields an entry takes",
            if field.is_empty() {
                key.to_string()
            } else {
                field
            }
        ),
    }
}

/// The line of the first `key =` (or `[... .key]` table header) within `range` of `text`.
fn find_key_line(text: &str, range: std::ops::Range<usize>, key: &str) -> Option<usize> {
    let start = range.start.min(text.len());
    let end = range.end.min(text.len());
    let mut offset = start;
    for l in text.get(start..end)?.split_inclusive('\n') {
        let t = l.trim_start();
        let is_key = t
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        let is_table = t.starts_with('[')
            && t.trim_end()
                .trim_end_matches(']')
                .ends_with(&format!(".{key}"));
        if is_key || is_table {
            return Some(line_of(text, offset));
        }
        offset += l.len();
    }
    None
}

/// toml's explanation of a parse error on one line: its full `Display` repeats the location and a
/// source excerpt, and its message alone can still span lines (`invalid array` / `expected ]`).
pub fn toml_message(e: &toml::de::Error) -> String {
    e.message().trim().replace('\n', "; ")
}

/// A TOML parse error as one issue of `path`, on the line where toml found it.
pub fn toml_issue(path: &str, text: &str, e: &toml::de::Error) -> CatalogIssue {
    let line = e.span().map(|s| line_of(text, s.start));
    let message = toml_message(e);
    CatalogIssue {
        file: path.to_string(),
        line,
        entry: None,
        field: None,
        message: format!("is not valid: {message}"),
    }
}

include!(concat!(env!("OUT_DIR"), "/builtin_catalog.rs"));

/// The compiled-in chip, kernel-figure and model files, in a stable order. Other folders (`rules/` for export
/// rules, `calibration/` for measurements) have their own schemas and readers.
pub fn builtin_files() -> Vec<CatalogFile> {
    BUILTIN
        .iter()
        .filter(|(path, _)| {
            path.starts_with("chips/")
                || path.starts_with("kernels/")
                || path.starts_with("models/")
        })
        .map(|(path, text)| CatalogFile {
            path: format!("catalog/{path}"),
            text: (*text).to_string(),
            builtin: true,
        })
        .collect()
}

/// The compiled-in files whose path starts with `prefix` (for example `rules/`).
pub fn builtin_text(path: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;
