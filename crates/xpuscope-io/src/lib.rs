//! xpuscope-io: everything a front end reads from the machine it runs on, shared by the CLI and
//! the Python module so that both read catalogue directories, config.json files and text files
//! through the same limits and say the same sentence when they cannot.
//!
//! The library crates do no I/O; this crate is the one place below the front ends that does. It
//! deliberately knows nothing of flags, exit codes or Python: it returns typed values and a
//! [`LoadError`] whose message is the sentence a user sees.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use xpuscope_model::catalog::hf::{self, HfError};
use xpuscope_model::catalog::{builtin_files, CatalogError, CatalogFile, UnknownId};
use xpuscope_model::chip::Date;
use xpuscope_model::{Catalog, Model};

/// The largest catalogue, config.json or claims file read: the biggest real ones are a few
/// kilobytes, and `/dev/zero` must not grow memory without end.
pub const TEXT_LIMIT_BYTES: u64 = 16 << 20;

/// The largest trace read: the public Azure and Mooncake traces are tens of megabytes.
pub const TRACE_LIMIT_BYTES: u64 = 256 << 20;

/// The environment variable naming an extra catalogue directory.
pub const CATALOG_ENV: &str = "XPUSCOPE_CATALOG";

/// Why a file could not be read or loaded; each displays as one sentence naming the path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file or directory could not be opened or read.
    #[error("cannot read {what} `{path}`: {reason}")]
    Read {
        /// What the file is (`trace`, `model config`, `catalogue directory`).
        what: &'static str,
        /// The path as given.
        path: String,
        /// The operating system's reason (part of the sentence, so not a separate cause that
        /// `anyhow` would print a second time).
        reason: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("cannot read {what} `{path}` as UTF-8 text: {reason}")]
    NotText {
        /// What the file is.
        what: &'static str,
        /// The path as given.
        path: String,
        /// The decoder's reason.
        reason: std::io::Error,
    },
    /// The file is larger than any such file needs to be.
    #[error("{what} `{path}` is larger than {limit_mib} MiB, more than any {what} needs; check the path")]
    TooLarge {
        /// What the file is.
        what: &'static str,
        /// The path as given.
        path: String,
        /// The limit in MiB.
        limit_mib: u64,
    },
    /// A catalogue directory was given as a file.
    #[error("`{0}` is a file; --catalog (and {CATALOG_ENV}) takes a directory, and reads every *.toml under it")]
    CatalogIsFile(String),
    /// A catalogue directory does not exist.
    #[error("catalogue directory `{0}` does not exist (from --catalog or {CATALOG_ENV})")]
    NoCatalogDir(String),
    /// The catalogue's files have problems (every one is listed).
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A config.json could not be read as a model.
    #[error(transparent)]
    Config(#[from] HfError),
    /// A model id the catalogue does not know.
    #[error(transparent)]
    Unknown(#[from] UnknownId),
}

/// Results of loading.
pub type Result<T> = std::result::Result<T, LoadError>;

/// The catalogue directories of a run: the one in [`CATALOG_ENV`], if set, then `given`.
pub fn catalog_dirs(given: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(env) = std::env::var_os(CATALOG_ENV) {
        if !env.is_empty() {
            dirs.push(PathBuf::from(env));
        }
    }
    dirs.extend(given.iter().cloned());
    dirs
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let unreadable = |reason| LoadError::Read {
        what: "catalogue directory",
        path: dir.display().to_string(),
        reason,
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let p = entry.map_err(unreadable)?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The built-in catalogue plus every `*.toml` under the user's directories, later ones overriding.
pub fn catalog(dirs: &[PathBuf]) -> Result<Catalog> {
    let mut files = builtin_files();
    for dir in dirs {
        if dir.is_file() {
            return Err(LoadError::CatalogIsFile(dir.display().to_string()));
        }
        if !dir.is_dir() {
            return Err(LoadError::NoCatalogDir(dir.display().to_string()));
        }
        let mut paths = Vec::new();
        collect(dir, &mut paths)?;
        paths.sort();
        for p in paths {
            let text = text_file(&p, TEXT_LIMIT_BYTES, "catalogue file")?;
            files.push(CatalogFile {
                path: p.display().to_string(),
                text,
                builtin: false,
            });
        }
    }
    Ok(Catalog::from_files(&files)?)
}

/// Whether a model argument names a config.json file rather than a catalogue id.
pub fn is_config_path(arg: &str) -> bool {
    arg.ends_with(".json") || arg.contains('/') || arg.contains('\\')
}

/// A model by catalogue id, or read from a Hugging Face config.json path (a directory means
/// its `config.json`).
pub fn model(catalog: &Catalog, arg: &str) -> Result<Model> {
    if !is_config_path(arg) {
        return Ok(catalog.model(arg)?.clone());
    }
    let path = Path::new(arg);
    let path = if path.is_dir() {
        path.join("config.json")
    } else {
        path.to_path_buf()
    };
    let text = text_file(&path, TEXT_LIMIT_BYTES, "model config")?;
    // `…/Llama-3.1-8B/config.json` is named after its folder; `llama.json` after itself.
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let dir_name = if stem == "config" {
        path.parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_string())
            .filter(|n| !n.is_empty() && n != ".")
            .unwrap_or(stem)
    } else {
        stem
    };
    let id = kebab(&dir_name);
    Ok(hf::parse_config(&path.display().to_string(), &id, &text)?)
}

fn kebab(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// A text file of at most `limit` bytes (`what` names it in errors), read without trusting its
/// reported size (`/dev/zero` and pipes report none).
pub fn text_file(path: &Path, limit: u64, what: &'static str) -> Result<String> {
    use std::io::Read;
    let shown = || path.display().to_string();
    let f = std::fs::File::open(path).map_err(|reason| LoadError::Read {
        what,
        path: shown(),
        reason,
    })?;
    let mut text = String::new();
    f.take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|reason| LoadError::NotText {
            what,
            path: shown(),
            reason,
        })?;
    if text.len() as u64 > limit {
        return Err(LoadError::TooLarge {
            what,
            path: shown(),
            limit_mib: limit >> 20,
        });
    }
    Ok(text)
}

/// Today's date in UTC from the system clock (the library crates never read the clock): the
/// default date of an export question.
pub fn today() -> Date {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    xpuscope_report::views::export::date_from_unix_days(days as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_is_named_after_its_folder_or_its_file() {
        assert_eq!(kebab("Llama-3.1-8B_Instruct"), "llama-3.1-8b-instruct");
        assert!(is_config_path("x/config.json"));
        assert!(is_config_path("llama.json"));
        assert!(!is_config_path("llama-3.1-8b"));
    }

    #[test]
    fn missing_and_oversized_files_say_which() {
        let e = text_file(Path::new("/nonexistent.toml"), 10, "claims file").unwrap_err();
        let m = e.to_string();
        assert!(
            m.starts_with("cannot read claims file `/nonexistent.toml`: "),
            "{m}"
        );
        // The reason is in the sentence and is not also a cause, which `anyhow` would repeat.
        assert!(std::error::Error::source(&e).is_none());
        let e = text_file(Path::new("/dev/zero"), 1 << 20, "trace").unwrap_err();
        assert_eq!(
            e.to_string(),
            "trace `/dev/zero` is larger than 1 MiB, more than any trace needs; check the path"
        );
        let e = catalog(&[PathBuf::from("/nonexistent")]).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    }
}
