//! The one error type a front end sees: a user's mistake in the options, or a library's answer
//! that there is no answer.
//!
//! Every variant displays as one sentence naming the value and the fix; [`Error::field`] says
//! which input was at fault where one was, so an HTTP API can point at it. It deliberately does
//! not know about exit codes or status codes: the front ends map it.

use xpuscope_model::catalog::UnknownId;

/// Why a front end's request has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An input that is out of range, malformed or inconsistent with another.
    #[error("{message}")]
    Invalid {
        /// The input at fault, as the CLI spells its flag without dashes (`max_batch`).
        field: &'static str,
        /// One sentence naming the value and the fix.
        message: String,
    },
    /// An id the catalogue does not know (with the closest match).
    #[error(transparent)]
    Unknown(#[from] UnknownId),
    /// The performance model cannot answer (a missing spec, a layout that does not divide, a model
    /// that does not fit).
    #[error(transparent)]
    Perf(#[from] xpuscope_perf::PerfError),
    /// The serving simulator cannot answer.
    #[error(transparent)]
    Serve(#[from] xpuscope_serve::ServeError),
    /// The export rules cannot answer.
    #[error(transparent)]
    Export(#[from] xpuscope_export::ExportError),
    /// The question is well-formed but has no answer (no layout fits), with what would.
    #[error("{0}")]
    NoAnswer(String),
    /// An analysis cannot answer (a cost assumption out of range, a malformed claims file).
    #[error("{0}")]
    Analysis(String),
}

impl Error {
    /// An invalid input.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The input at fault, where one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Results of the report layer.
pub type Result<T> = std::result::Result<T, Error>;
