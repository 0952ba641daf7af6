//! Everything that touches the file system: user catalogue directories, config.json files and
//! text files. `xpuscope-io` reads them (the Python module shares it, so both front ends read
//! through the same limits and say the same sentences); these wrappers give the commands
//! `anyhow` results.

use std::path::{Path, PathBuf};

use anyhow::Result;
use xpuscope_model::{Catalog, Model};

pub use xpuscope_io::{catalog_dirs, today, TEXT_LIMIT_BYTES, TRACE_LIMIT_BYTES};

/// The built-in catalogue plus every `*.toml` under the user's directories, later ones overriding.
pub fn catalog(dirs: &[PathBuf]) -> Result<Catalog> {
    Ok(xpuscope_io::catalog(dirs)?)
}

/// A model by catalogue id, or read from a Hugging Face config.json path.
pub fn model(catalog: &Catalog, arg: &str) -> Result<Model> {
    Ok(xpuscope_io::model(catalog, arg)?)
}

/// A text file of at most `limit` bytes (`what` names it in errors).
pub fn text_file(path: &Path, limit: u64, what: &'static str) -> Result<String> {
    Ok(xpuscope_io::text_file(path, limit, what)?)
}
