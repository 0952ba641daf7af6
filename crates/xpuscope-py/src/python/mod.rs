//! The PyO3 glue: the `xpuscope._xpuscope` extension module, its exception classes, and the
//! conversions of arguments (paths, lists, batches) and of views (to dicts and lists through
//! [`convert`], so every field is the one `--format json` writes).
//!
//! It deliberately holds no defaults of its own beyond the ones the CLI's flags show, each taken
//! from the same constant, and does no work while attached to the interpreter: every call runs
//! detached (`Python::detach`), so other Python threads go on while it computes.

mod commands;
mod convert;
mod sweep;

use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};
use serde::Serialize;
use xpuscope_report::options::BatchOption;

use crate::calls::{Failure, Kind};

create_exception!(
    xpuscope,
    XpuscopeError,
    PyValueError,
    "Base class of every xpuscope error: a question with no answer, with one sentence saying why."
);
create_exception!(
    xpuscope,
    InvalidInputError,
    XpuscopeError,
    "An argument out of range, malformed or inconsistent with another; `field` names it."
);
create_exception!(
    xpuscope,
    UnknownIdError,
    XpuscopeError,
    "A chip or model id the catalogue does not know; the message suggests the closest ids."
);
create_exception!(
    xpuscope,
    NoAnswerError,
    XpuscopeError,
    "A well-formed question the model cannot answer: a missing spec, a layout that does not divide, a model that does not fit."
);
create_exception!(
    xpuscope,
    CatalogError,
    XpuscopeError,
    "A catalogue directory, config.json or trace that cannot be read or is malformed."
);

/// The exception a failure raises: its class by kind, its message the CLI's sentence, and
/// `field` the argument at fault (or None).
fn raise(py: Python<'_>, f: Failure) -> PyErr {
    let message = f.to_string();
    let err = match f.kind() {
        Kind::Invalid => InvalidInputError::new_err(message),
        Kind::Unknown => UnknownIdError::new_err(message),
        Kind::NoAnswer => NoAnswerError::new_err(message),
        Kind::Catalog => CatalogError::new_err(message),
    };
    if let Err(e) = err.value(py).setattr("field", f.field()) {
        return e;
    }
    err
}

/// A call's result as Python objects: the view through [`convert`], or the failure raised.
fn answer<'py, T: Serialize>(
    py: Python<'py>,
    r: crate::calls::Result<T>,
) -> PyResult<Bound<'py, PyAny>> {
    match r {
        Ok(view) => convert::to_python(py, &view),
        Err(f) => Err(raise(py, f)),
    }
}

/// A call's result with only the top-level `fields` (all of them with None).
fn answer_fields<'py, T: Serialize>(
    py: Python<'py>,
    r: crate::calls::Result<T>,
    fields: Option<&[String]>,
) -> PyResult<Bound<'py, PyAny>> {
    match (r, fields) {
        (Ok(view), Some(keep)) => convert::to_python_fields(py, &view, keep),
        (r, _) => answer(py, r),
    }
}

/// The `fields=` argument checked against the result's fields before any work is done.
fn checked<T: schemars::JsonSchema + 'static>(
    py: Python<'_>,
    command: &str,
    fields: Option<Many<String>>,
) -> PyResult<Option<Vec<String>>> {
    let Some(Many(fields)) = fields else {
        return Ok(None);
    };
    crate::fields::check::<T>(command, &fields).map_err(|f| raise(py, f))?;
    Ok(Some(fields))
}

/// A chip or model id, or a path (a `str` or any `os.PathLike`) to a config.json.
pub(crate) struct IdOrPath(pub String);

impl<'py> FromPyObject<'_, 'py> for IdOrPath {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyString>() {
            return Ok(IdOrPath(obj.extract()?));
        }
        let p: PathBuf = obj.extract()?;
        Ok(IdOrPath(p.display().to_string()))
    }
}

/// One value or a list of them (`tp=2` or `tp=[1, 2, 4]`), as a sweep's list flags take.
pub(crate) struct Many<T>(pub Vec<T>);

impl<'py, T> FromPyObject<'_, 'py> for Many<T>
where
    T: for<'a> FromPyObject<'a, 'py>,
{
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        // A string is one value, never a list of characters.
        if obj.is_instance_of::<PyString>() {
            return Ok(Many(vec![extract_one(&obj)?]));
        }
        if let Ok(one) = obj.extract::<T>() {
            return Ok(Many(vec![one]));
        }
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(extract_one(&item?)?);
        }
        Ok(Many(out))
    }
}

fn extract_one<'py, T>(obj: &Bound<'py, PyAny>) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py>,
{
    obj.extract::<T>().map_err(|_| {
        PyTypeError::new_err(format!(
            "cannot use {} here",
            obj.repr()
                .map_or_else(|_| "this value".into(), |r| r.to_string())
        ))
    })
}

/// A batch: a whole number or `"max"`. A negative or zero number reaches the report layer's
/// check, so it gets the CLI's sentence.
pub(crate) struct BatchArg(pub BatchOption);

impl<'py> FromPyObject<'_, 'py> for BatchArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyInt>() {
            return Ok(BatchArg(match obj.extract::<u64>() {
                Ok(n) => BatchOption::Count(n),
                Err(_) => BatchOption::Word(obj.str()?.extract()?),
            }));
        }
        if obj.is_instance_of::<PyString>() {
            return Ok(BatchArg(BatchOption::Word(obj.extract()?)));
        }
        Err(PyTypeError::new_err(
            "batch must be a whole number or \"max\"",
        ))
    }
}

/// The `catalog=` argument: None, one directory, or a list of them (`str` or `os.PathLike`).
pub(crate) fn catalog_dirs(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PathBuf>> {
    let Some(obj) = obj else {
        return Ok(Vec::new());
    };
    if obj.is_none() {
        return Ok(Vec::new());
    }
    if let Ok(one) = obj.extract::<PathBuf>() {
        return Ok(vec![one]);
    }
    let mut out = Vec::new();
    for item in obj.try_iter()? {
        out.push(item?.extract::<PathBuf>()?);
    }
    Ok(out)
}

/// xpuscope: what an AI accelerator delivers for a model, how chips compare, what they cost,
/// and how US export rules classify them. Every function returns the fields of the CLI's
/// `--format json`; field names carry their unit (`ttft_s`, `memory_per_chip_bytes`).
#[pymodule]
fn _xpuscope(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("XpuscopeError", py.get_type::<XpuscopeError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("UnknownIdError", py.get_type::<UnknownIdError>())?;
    m.add("NoAnswerError", py.get_type::<NoAnswerError>())?;
    m.add("CatalogError", py.get_type::<CatalogError>())?;
    commands::register(m)?;
    sweep::register(m)?;
    Ok(())
}
