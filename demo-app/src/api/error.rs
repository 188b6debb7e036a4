//! The API's errors: each a status and `{"error": "<message>"}`, and an
//! `error_type` of `api_handler_errors_total`.

use crate::db::DbError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use metricate::LabelValue;

/// What went wrong with a request, and whose doing it was: the 4xx variants
/// are the caller's (`#[label(client_error)]`), so the generated error-ratio
/// alerts and objectives count only the service's own faults (503, 500).
#[derive(Debug, thiserror::Error, LabelValue)]
pub enum ApiError {
    /// 400: the request does not parse.
    #[label(client_error)]
    #[error("{0}")]
    BadRequest(String),
    /// 401: no credentials, or credentials that do not check.
    #[label(client_error)]
    #[error("{0}")]
    Unauthorized(String),
    /// 403: credentials that are not the right ones.
    #[label(client_error)]
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing there.
    #[label(client_error)]
    #[error("{0}")]
    NotFound(String),
    /// 405: a route that does not take this method.
    #[label(client_error)]
    #[error("this route does not take this method")]
    MethodNotAllowed,
    /// 408: the request body did not arrive in time.
    #[label(client_error)]
    #[error("the request body did not arrive in time")]
    Timeout,
    /// 413: a body over its limit.
    #[label(client_error)]
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: a content type the route does not take.
    #[label(client_error)]
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: a request that parses but cannot be acted on.
    #[label(client_error)]
    #[error("{0}")]
    Unprocessable(String),
    /// 503 with `Retry-After`: the database is busy, or a dependency is down.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a fault of the service's own.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Timeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Busy => {
                ApiError::Unavailable("the database is busy: retry shortly".to_owned())
            }
            DbError::Full => ApiError::Unavailable(
                "the disk is full: nothing was stored, retry later".to_owned(),
            ),
            DbError::Other(error) => {
                tracing::error!(%error, "database error");
                ApiError::Internal
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
