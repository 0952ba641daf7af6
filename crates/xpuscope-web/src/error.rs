//! Errors as the API returns them: a status and a JSON body with one sentence and the field at
//! fault.
//!
//! A user's mistake is always a 4xx; 503 means the server is busy or the time limit ran out, and
//! 500 is kept for a bug (a panic caught before it reaches the connection).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use xpuscope_report::Error;

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    /// One sentence naming the value and the fix.
    pub error: String,
    /// The input at fault (an option as the CLI spells it without dashes, `chip`, `model`, a
    /// body path such as `options.input_len`, or `query`), where one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}", status, body.error)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What the client reads.
    pub body: ErrorBody,
    /// Seconds to wait before retrying (503 only).
    pub retry_after_s: Option<u64>,
}

/// Results of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a status, a sentence and maybe a field.
    pub fn new(status: StatusCode, message: impl Into<String>, field: Option<&str>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: message.into(),
                field: field.map(str::to_string),
            },
            retry_after_s: None,
        }
    }

    /// A request the server cannot answer (422) for a reason in `field`.
    pub fn invalid(message: impl Into<String>, field: &str) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message, Some(field))
    }

    /// The server is busy or out of time: 503 with `Retry-After`.
    pub fn busy(message: impl Into<String>, retry_after_s: u64) -> ApiError {
        ApiError {
            retry_after_s: Some(retry_after_s),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message, None)
        }
    }

    /// A bug: never a user's mistake.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message, None)
    }

    /// The report layer's error, with `field` for the id it was resolving where it was one.
    pub fn report(e: Error, id_field: &str) -> ApiError {
        let field = match &e {
            Error::Unknown(_) => Some(id_field),
            other => other.field(),
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), field)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let field = e.field();
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), field)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body)).into_response();
        if let Some(s) = self.retry_after_s {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}
