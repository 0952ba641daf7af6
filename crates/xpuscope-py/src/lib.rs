//! xpuscope-py: the `xpuscope` Python module, PyO3 bindings over the report layer, built by
//! maturin (`pyproject.toml` at the repository root; `pip install .`).
//!
//! [`calls`] is the plain-Rust half: the catalogue a call uses, ids resolved, one report-layer
//! function per command and the class of each failure; the workspace builds and tests it without
//! Python. The PyO3 half (behind the `python` feature, which maturin turns on) only turns keyword
//! arguments into the report layer's raw options, releases the GIL while the call runs, and turns
//! the typed view it gets back into dicts and lists with the same fields as `--format json`.
//! It deliberately computes nothing and writes no output of its own. [`fields`] checks the
//! `fields=` argument that keeps a result to the fields a caller reads.

pub mod calls;
pub mod fields;

#[cfg(feature = "python")]
mod python;
