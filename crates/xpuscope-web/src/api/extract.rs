//! Extractors that turn a malformed body or query string into the API's JSON error (one sentence
//! and the path of the field at fault) instead of axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body, deserialised with the path of the field that failed.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::new(
                e.status(),
                format!("cannot read the request body: {}", e.body_text()),
                None,
            )
        })?;
        parse(&bytes).map(Body)
    }
}

/// Parses a JSON body, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        let inner = e.into_inner();
        let message = match &field {
            Some(f) => format!("the request body's `{f}` is invalid: {inner}"),
            None => format!("the request body is not valid JSON for this endpoint: {inner}"),
        };
        ApiError::invalid(message, field.as_deref().unwrap_or("body"))
    })?;
    // Bytes after the value are an error too, not silently ignored.
    de.end().map_err(|e| {
        ApiError::invalid(
            format!("the request body has more after its JSON value: {e}"),
            "body",
        )
    })?;
    Ok(value)
}

/// A query string, deserialised into `T` (whose unknown keys are refused).
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Params(q.0))
            .map_err(|e| {
                let text = e.body_text();
                let text = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                ApiError::invalid(format!("the query string is invalid: {text}"), "query")
            })
    }
}
