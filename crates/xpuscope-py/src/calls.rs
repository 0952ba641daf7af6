//! The calls the Python functions make, in plain Rust: the catalogue a call uses, ids resolved
//! against it, one report-layer function per command, and what kind of failure an error is.
//!
//! It exists apart from the PyO3 glue so that the workspace builds and tests it without Python,
//! and so the glue only converts arguments and results. It deliberately computes nothing and
//! builds no output: every view is the report layer's, exactly as the CLI gets it.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use xpuscope_io::LoadError;
use xpuscope_model::chip::Chip;
use xpuscope_model::{Catalog, Model};
use xpuscope_report::options::{CompareOptions, InferOptions, TrainOptions};
use xpuscope_report::views::catalog::{ChipView, ChipsView, ModelView, ModelsView};
use xpuscope_report::views::compare::CompareView;
use xpuscope_report::views::export::{
    self, ClassificationView, DesignOptions, DesignView, ExportOptions, TimelineView,
};
use xpuscope_report::views::infer::InferView;
use xpuscope_report::views::plan::{PlanJob, PlanOptions, PlanView};
use xpuscope_report::views::serve::{ServeJob, ServeOptions, ServeView, TraceText};
use xpuscope_report::views::sweep::{SweepJob, SweepOptions, SweepRows};
use xpuscope_report::views::train::{TrainJob, TrainView};

/// Why a call has no answer: the report layer's error, a file that could not be loaded, or a
/// combination of arguments the CLI's parser would refuse.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The report layer's answer.
    #[error(transparent)]
    Report(#[from] xpuscope_report::Error),
    /// A catalogue directory, config.json or trace that could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Arguments that do not go together (one sentence, as the CLI's parser would refuse them).
    #[error("{message}")]
    Usage {
        /// The argument at fault.
        field: &'static str,
        /// One sentence naming it and the fix.
        message: String,
    },
}

/// The Python exception class a failure raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An argument out of range, malformed or inconsistent with another.
    Invalid,
    /// An id the catalogue does not know.
    Unknown,
    /// A well-formed question the model cannot answer (a missing spec, a layout that does not
    /// divide, a model that does not fit).
    NoAnswer,
    /// A catalogue directory, config.json or trace that could not be read or is malformed.
    Catalog,
}

impl From<xpuscope_model::catalog::UnknownId> for Failure {
    fn from(e: xpuscope_model::catalog::UnknownId) -> Failure {
        Failure::Report(e.into())
    }
}

impl Failure {
    /// Arguments that do not go together.
    pub fn usage(field: &'static str, message: impl Into<String>) -> Failure {
        Failure::Usage {
            field,
            message: message.into(),
        }
    }

    /// Which exception class this is.
    pub fn kind(&self) -> Kind {
        use xpuscope_report::Error as E;
        match self {
            Failure::Report(E::Invalid { .. }) | Failure::Usage { .. } => Kind::Invalid,
            Failure::Report(E::Unknown(_)) | Failure::Load(LoadError::Unknown(_)) => Kind::Unknown,
            Failure::Report(
                E::Perf(_) | E::Serve(_) | E::Export(_) | E::NoAnswer(_) | E::Analysis(_),
            ) => Kind::NoAnswer,
            Failure::Load(_) => Kind::Catalog,
        }
    }

    /// The argument at fault, where one is (as the CLI spells its flag without dashes).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Failure::Report(e) => e.field(),
            Failure::Usage { field, .. } => Some(field),
            Failure::Load(_) => None,
        }
    }
}

/// Results of a call.
pub type Result<T> = std::result::Result<T, Failure>;

/// The built-in catalogue, parsed once per process: most calls use nothing else, and parsing it
/// costs far more than an evaluation.
fn builtin() -> Result<&'static Catalog> {
    static BUILTIN: OnceLock<std::result::Result<Catalog, LoadError>> = OnceLock::new();
    match BUILTIN.get_or_init(|| xpuscope_io::catalog(&[])) {
        Ok(c) => Ok(c),
        Err(e) => Err(Failure::usage("catalog", e.to_string())),
    }
}

/// The catalogue of a call: the built-in one plus the directories in `XPUSCOPE_CATALOG` and
/// `dirs`, as the CLI's `--catalog`. User directories are read afresh on every call, so an edit
/// to a catalogue file shows in the next call.
pub fn catalog(dirs: &[PathBuf]) -> Result<Cow<'static, Catalog>> {
    let dirs = xpuscope_io::catalog_dirs(dirs);
    if dirs.is_empty() {
        return Ok(Cow::Borrowed(builtin()?));
    }
    Ok(Cow::Owned(xpuscope_io::catalog(&dirs)?))
}

/// `chips()`.
pub fn chips(cat: &Catalog) -> ChipsView {
    ChipsView::new(cat.chips())
}

/// `chip(id)`.
pub fn chip(cat: &Catalog, id: &str) -> Result<ChipView> {
    Ok(ChipView::new(cat.chip(id)?))
}

/// `models()`.
pub fn models(cat: &Catalog) -> ModelsView {
    ModelsView::new(cat.models())
}

/// `model(id_or_path)`.
pub fn model(cat: &Catalog, id_or_path: &str) -> Result<ModelView> {
    Ok(ModelView::new(&xpuscope_io::model(cat, id_or_path)?))
}

/// One chip's classification or timeline, or a design to threshold.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum ExportAnswer {
    /// `export(chip, date)`.
    Classification(Box<ClassificationView>),
    /// `export(chip, timeline=True)`.
    Timeline(Box<TimelineView>),
    /// `export(design=True, die_area_mm2=...)`.
    Design(Box<DesignView>),
}

/// What `export` asks, as the CLI's flags give it.
#[derive(Debug, Clone, Default)]
pub struct ExportQuestion {
    /// The chip (none with `design`).
    pub chip: Option<String>,
    /// Every rule change instead of one date.
    pub timeline: bool,
    /// Design to threshold instead of a chip.
    pub design: bool,
    /// Date and what-if overrides.
    pub options: ExportOptions,
    /// The design's die, bandwidth and market (its date is `options.date`).
    pub design_options: DesignOptions,
}

/// `export(...)`: the argument combinations the CLI's parser enforces, then the report layer.
pub fn export(cat: &Catalog, q: &ExportQuestion) -> Result<ExportAnswer> {
    let today = xpuscope_io::today();
    if q.design {
        if q.chip.is_some() || q.timeline || !q.options.set.is_empty() {
            return Err(Failure::usage(
                "design",
                "`design` sizes a new part: give no chip, `timeline` or `set` with it",
            ));
        }
        let spec = DesignOptions {
            date: q.options.date.clone(),
            ..q.design_options.clone()
        }
        .resolve(today)?;
        return Ok(ExportAnswer::Design(Box::new(export::design(&spec)?)));
    }
    let query = q.options.resolve(today)?;
    let Some(id) = &q.chip else {
        return Err(Failure::usage(
            "chip",
            "give a chip id, or --design with --die-area-mm2",
        ));
    };
    let chip = cat.chip(id)?;
    if q.timeline {
        if q.options.date.is_some() {
            return Err(Failure::usage(
                "timeline",
                "`timeline` shows every rule change; give no `date` with it",
            ));
        }
        return Ok(ExportAnswer::Timeline(Box::new(export::timeline(
            chip, &query,
        )?)));
    }
    Ok(ExportAnswer::Classification(Box::new(
        export::classification(chip, &query)?,
    )))
}

/// `infer(...)`.
pub fn infer(cat: &Catalog, chip: &str, model: &str, o: &InferOptions) -> Result<InferView> {
    let chip = cat.chip(chip)?;
    let model = xpuscope_io::model(cat, model)?;
    Ok(xpuscope_report::views::infer::infer(chip, &model, o)?)
}

/// The largest trace read: the public Azure and Mooncake traces are tens of megabytes.
pub const TRACE_LIMIT_BYTES: u64 = xpuscope_io::TRACE_LIMIT_BYTES;

/// A resolved `serve(...)`, ready to run without the catalogue borrowed.
pub struct Serve {
    chip: Chip,
    model: Arc<Model>,
    options: ServeOptions,
}

impl Serve {
    /// Resolves the ids and reads the trace, if `trace` names one.
    pub fn new(
        cat: &Catalog,
        chip: &str,
        model: &str,
        mut options: ServeOptions,
        trace: Option<&std::path::Path>,
    ) -> Result<Serve> {
        let chip = cat.chip(chip)?.clone();
        let model = Arc::new(xpuscope_io::model(cat, model)?);
        if let Some(path) = trace {
            options.trace = Some(TraceText {
                name: path.display().to_string(),
                text: xpuscope_io::text_file(path, TRACE_LIMIT_BYTES, "trace")?,
            });
        }
        Ok(Serve {
            chip,
            model,
            options,
        })
    }

    /// Runs the simulation.
    pub fn run(&self) -> Result<ServeView> {
        let job = ServeJob::new(&self.chip, Arc::clone(&self.model), &self.options)?;
        Ok(job.run(None)?)
    }
}

/// `train(...)`.
pub fn train(cat: &Catalog, chip: &str, model: &str, o: &TrainOptions) -> Result<TrainView> {
    let chip = cat.chip(chip)?;
    let model = xpuscope_io::model(cat, model)?;
    Ok(TrainJob::new(chip, &model, o)?.run(None)?)
}

/// `plan(...)`: the cheapest fleet for a traffic and an SLO, the model resolved as on the CLI.
pub fn plan(cat: &Catalog, model: &str, o: &PlanOptions) -> Result<PlanView> {
    let model = Arc::new(xpuscope_io::model(cat, model)?);
    Ok(PlanJob::new(cat, model, o)?.run(None)?)
}

/// `compare(...)`: at least two chips, the first the reference, as on the CLI.
pub fn compare(
    cat: &Catalog,
    ids: &[String],
    model: &str,
    o: &CompareOptions,
) -> Result<CompareView> {
    if ids.len() < 2 {
        return Err(Failure::usage(
            "chips",
            "compare needs at least two chip ids; the first is the reference for ratios",
        ));
    }
    let chips: Vec<&Chip> = ids
        .iter()
        .map(|id| cat.chip(id))
        .collect::<std::result::Result<_, _>>()?;
    let model = xpuscope_io::model(cat, model)?;
    Ok(xpuscope_report::views::compare::compare(&chips, &model, o)?)
}

/// A sweep's chips and models, resolved once, for as many ranges of it as a caller runs.
pub struct Sweep {
    chips: Vec<Chip>,
    models: Vec<Model>,
    options: SweepOptions,
}

impl Sweep {
    /// Resolves the ids.
    pub fn new(
        cat: &Catalog,
        chips: &[String],
        models: &[String],
        options: SweepOptions,
    ) -> Result<Sweep> {
        Ok(Sweep {
            chips: chips
                .iter()
                .map(|id| cat.chip(id).cloned())
                .collect::<std::result::Result<_, _>>()?,
            models: models
                .iter()
                .map(|m| xpuscope_io::model(cat, m))
                .collect::<std::result::Result<_, _>>()?,
            options,
        })
    }

    /// Points in the sweep (checks the options).
    pub fn points(&self) -> Result<usize> {
        let chips: Vec<&Chip> = self.chips.iter().collect();
        Ok(SweepJob::new(&chips, &self.models, &self.options)?.len())
    }

    /// The rows of the points in `range` of the cross product's order, on all cores of the
    /// current rayon pool.
    pub fn run(&self, range: std::ops::Range<usize>) -> Result<SweepRows> {
        let chips: Vec<&Chip> = self.chips.iter().collect();
        let job = SweepJob::new(&chips, &self.models, &self.options)?;
        let done = std::sync::atomic::AtomicU64::new(0);
        Ok(job.run_range(range, &done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Cow<'static, Catalog> {
        catalog(&[]).unwrap()
    }

    #[test]
    fn failures_raise_the_class_of_their_cause() {
        let e = chip(&cat(), "h2O").unwrap_err();
        assert_eq!(e.kind(), Kind::Unknown);
        assert!(e.to_string().contains("did you mean"), "{e}");
        let o = InferOptions {
            input_len: Some(8),
            output_len: Some(8),
            batch: Some(xpuscope_report::options::BatchOption::Word("lots".into())),
            ..InferOptions::default()
        };
        let e = infer(&cat(), "h20", "llama-3.1-8b", &o).unwrap_err();
        assert_eq!((e.kind(), e.field()), (Kind::Invalid, Some("batch")));
        let o = InferOptions {
            tp: Some(3),
            input_len: Some(8),
            output_len: Some(8),
            ..InferOptions::default()
        };
        let e = infer(&cat(), "h20", "llama-3.1-8b", &o).unwrap_err();
        assert_eq!(e.kind(), Kind::NoAnswer, "{e}");
        let e = model(&cat(), "/nonexistent/config.json").unwrap_err();
        assert_eq!(e.kind(), Kind::Catalog);
        let e = catalog(&[PathBuf::from("/nonexistent")]).unwrap_err();
        assert_eq!(e.kind(), Kind::Catalog);
    }

    #[test]
    fn export_refuses_what_the_cli_parser_refuses() {
        let q = ExportQuestion::default();
        let e = export(&cat(), &q).unwrap_err();
        assert_eq!(
            e.to_string(),
            "give a chip id, or --design with --die-area-mm2"
        );
        let q = ExportQuestion {
            chip: Some("h20".into()),
            timeline: true,
            options: ExportOptions {
                date: Some("2025-07-01".into()),
                set: Vec::new(),
            },
            ..ExportQuestion::default()
        };
        assert_eq!(export(&cat(), &q).unwrap_err().field(), Some("timeline"));
        let q = ExportQuestion {
            chip: Some("h20".into()),
            options: ExportOptions {
                date: Some("2025-07-01".into()),
                set: Vec::new(),
            },
            ..ExportQuestion::default()
        };
        assert!(matches!(
            export(&cat(), &q).unwrap(),
            ExportAnswer::Classification(_)
        ));
    }

    #[test]
    fn a_plan_applies_the_export_filter_and_refuses_a_bad_percentile() {
        let o = PlanOptions {
            chips: Some(vec!["h100-sxm".into(), "h20".into()]),
            input_len: Some(1000),
            output_len: Some(200),
            request_rate: Some(5.0),
            slo_ttft: Some(1.0),
            slo_tpot: Some(0.03),
            engines: Some(vec!["vllm".into()]),
            buyable_in: Some("CN".into()),
            date: Some("2025-08-01".into()),
            ..PlanOptions::default()
        };
        let v = plan(&cat(), "llama-3.1-8b", &o).unwrap();
        let excluded: Vec<&str> = v.excluded.iter().map(|x| x.chip.as_str()).collect();
        assert_eq!(excluded, ["h100-sxm"]);
        assert_eq!(v.best.as_ref().map(|b| b.chip.as_str()), Some("h20"));
        let o = PlanOptions {
            percentile: Some(100.0),
            ..o
        };
        assert_eq!(
            plan(&cat(), "llama-3.1-8b", &o).unwrap_err().kind(),
            Kind::Invalid
        );
        let e = plan(&cat(), "llama-3.1-8", &PlanOptions::default()).unwrap_err();
        assert_eq!(e.kind(), Kind::Unknown);
    }

    #[test]
    fn a_sweep_runs_in_ranges_that_add_up_to_the_whole() {
        let o = SweepOptions {
            tp: vec![1, 2],
            batch: vec![
                xpuscope_report::options::BatchOption::Count(1),
                xpuscope_report::options::BatchOption::Count(8),
            ],
            ..SweepOptions::default()
        };
        let s = Sweep::new(
            &cat(),
            &["h20".into(), "h100-sxm".into()],
            &["llama-3.1-8b".into()],
            o,
        )
        .unwrap();
        assert_eq!(s.points().unwrap(), 8);
        let whole = s.run(0..8).unwrap().json_lines();
        let parts = s.run(0..3).unwrap().json_lines() + &s.run(3..8).unwrap().json_lines();
        assert_eq!(whole, parts);
        assert_eq!(whole.lines().count(), 8);
    }
}
