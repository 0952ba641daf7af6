//! Everything that touches the file system: user catalogue directories and config.json files.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xpuscope_model::catalog::{builtin_files, hf, CatalogFile};
use xpuscope_model::{Catalog, Model};

/// The largest catalogue, config.json or claims file read: the biggest real ones are a few
/// kilobytes, and `/dev/zero` must not grow memory without end.
pub const TEXT_LIMIT_BYTES: u64 = 16 << 20;

/// The environment variable naming an extra catalogue directory.
pub const CATALOG_ENV: &str = "XPUSCOPE_CATALOG";

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read catalogue directory `{}`", dir.display()))?;
    for entry in entries {
        let p = entry?.path();
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
            bail!(
                "`{}` is a file; --catalog (and {CATALOG_ENV}) takes a directory, and reads every *.toml under it",
                dir.display()
            );
        }
        if !dir.is_dir() {
            bail!(
                "catalogue directory `{}` does not exist (from --catalog or {CATALOG_ENV})",
                dir.display()
            );
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

/// A model by catalogue id, or read from a Hugging Face config.json path.
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
pub fn text_file(path: &Path, limit: u64, what: &str) -> Result<String> {
    use std::io::Read;
    let f = std::fs::File::open(path)
        .with_context(|| format!("cannot read {what} `{}`", path.display()))?;
    let mut text = String::new();
    f.take(limit + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {what} `{}` as UTF-8 text", path.display()))?;
    if text.len() as u64 > limit {
        bail!(
            "{what} `{}` is larger than {} MiB, more than any {what} needs; check the path",
            path.display(),
            limit >> 20
        );
    }
    Ok(text)
}
