//! `sweep`: a grid of the CLI's sweep flags resolved once into a [`SweepPlan`], whose rows a
//! caller takes whole or a range at a time (`xpuscope.distributed` hands ranges to Ray tasks).
//!
//! It deliberately builds no DataFrame: the Python side does that from the rows and the
//! columns, so pandas stays an optional extra.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use xpuscope_report::options::{defaults, BatchOption};
use xpuscope_report::views::sweep::{SweepKind, SweepOptions, SweepRows};

use super::{catalog_dirs, convert, raise, BatchArg, IdOrPath, Many};
use crate::calls;

/// Registers the sweep's class and function.
pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SweepPlan>()?;
    m.add_function(wrap_pyfunction!(sweep_plan, m)?)?;
    Ok(())
}

/// A sweep resolved: its chips and models looked up and its options checked, ready to run
/// whole or in ranges of the cross product's order.
#[pyclass(frozen, module = "xpuscope")]
pub struct SweepPlan {
    sweep: calls::Sweep,
    len: usize,
    columns: &'static [&'static str],
}

#[pymethods]
impl SweepPlan {
    /// Points in the sweep.
    fn __len__(&self) -> usize {
        self.len
    }

    /// The columns of a row, in the CLI's CSV order.
    #[getter]
    fn columns(&self) -> Vec<&'static str> {
        self.columns.to_vec()
    }

    /// The rows of points `start` to `end` (default: all), one dict per point with the fields of
    /// `xpuscope sweep --format json` (a field without a value is left out, as there). Runs on
    /// `threads` cores (default: all), with the GIL released.
    #[pyo3(signature = (start=0, end=None, threads=None))]
    fn rows<'py>(
        &self,
        py: Python<'py>,
        start: usize,
        end: Option<usize>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let end = end.unwrap_or(self.len).min(self.len);
        let start = start.min(end);
        let run = || self.sweep.run(start..end);
        let rows = py.detach(|| match threads {
            None => Ok(run()),
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map(|pool| pool.install(run))
                .map_err(|e| e.to_string()),
        });
        let rows = match rows {
            Ok(Ok(rows)) => rows,
            Ok(Err(f)) => return Err(raise(py, f)),
            Err(e) => {
                return Err(PyValueError::new_err(format!(
                    "cannot start {threads:?} threads: {e}"
                )))
            }
        };
        Ok(match &rows {
            SweepRows::Infer(r) => convert::to_python(py, r)?,
            SweepRows::Train(r) => convert::to_python(py, r)?,
            SweepRows::Serve(r) => convert::to_python(py, r)?,
        })
    }
}

/// The sweep's kind, as `--kind` spells it.
fn kind(s: &str) -> Result<SweepKind, calls::Failure> {
    match s {
        "infer" => Ok(SweepKind::Infer),
        "train" => Ok(SweepKind::Train),
        "serve" => Ok(SweepKind::Serve),
        other => Err(calls::Failure::usage(
            "kind",
            format!("--kind `{other}` is not one of infer, train, serve"),
        )),
    }
}

/// Resolves a sweep grid (the CLI's `sweep` flags; every list flag takes one value or a list)
/// into a [`SweepPlan`]. `xpuscope.sweep` and `xpuscope.distributed.sweep` call it; see their
/// docstrings for the keywords.
#[pyfunction]
#[pyo3(name = "_sweep_plan", signature = (chip, model, *, kind="infer".to_string(), tp=Many(vec![1]), pp=Many(vec![1]), ep=Many(vec![1]), dp=Many(vec![1]), batch=Many(vec![BatchArg(BatchOption::Count(defaults::BATCH))]), input_len=Many(vec![defaults::SWEEP_INPUT_LEN]), output_len=Many(vec![defaults::SWEEP_OUTPUT_LEN]), weights=Many(vec![defaults::WEIGHTS.to_string()]), kv_cache=defaults::KV_CACHE.to_string(), engine=defaults::ENGINE.to_string(), chip_count=Many(vec![defaults::SWEEP_TRAIN_CHIPS]), seq_len=Many(vec![defaults::SWEEP_SEQ_LEN]), global_batch=Many(vec![defaults::SWEEP_GLOBAL_BATCH]), precision=defaults::TRAIN_PRECISION.to_string(), concurrency=Many(vec![defaults::SWEEP_CONCURRENCY]), serve_engine=defaults::SERVE_ENGINE.to_string(), catalog=None))]
#[allow(clippy::too_many_arguments)]
fn sweep_plan<'py>(
    py: Python<'py>,
    chip: Many<String>,
    model: Many<IdOrPath>,
    kind: String,
    tp: Many<u32>,
    pp: Many<u32>,
    ep: Many<u32>,
    dp: Many<u32>,
    batch: Many<BatchArg>,
    input_len: Many<u64>,
    output_len: Many<u64>,
    weights: Many<String>,
    kv_cache: String,
    engine: String,
    chip_count: Many<u32>,
    seq_len: Many<u64>,
    global_batch: Many<u64>,
    precision: String,
    concurrency: Many<u64>,
    serve_engine: String,
    catalog: Option<&Bound<'py, PyAny>>,
) -> PyResult<SweepPlan> {
    let dirs = catalog_dirs(catalog)?;
    let models: Vec<String> = model.0.into_iter().map(|m| m.0).collect();
    let r = py.detach(|| {
        let o = SweepOptions {
            kind: self::kind(&kind)?,
            tp: tp.0,
            pp: pp.0,
            ep: ep.0,
            dp: dp.0,
            batch: batch.0.into_iter().map(|b| b.0).collect(),
            input_len: input_len.0,
            output_len: output_len.0,
            weights: weights.0,
            kv_cache: Some(kv_cache),
            engine: Some(engine),
            chip_count: chip_count.0,
            seq_len: seq_len.0,
            global_batch: global_batch.0,
            precision: Some(precision),
            concurrency: concurrency.0,
            serve_engine: Some(serve_engine),
        };
        let cat = calls::catalog(&dirs)?;
        let sweep = calls::Sweep::new(&cat, &chip.0, &models, o)?;
        let len = sweep.points()?;
        let columns = sweep.run(0..0)?.columns();
        Ok(SweepPlan {
            sweep,
            len,
            columns,
        })
    });
    r.map_err(|f| raise(py, f))
}
