//! Extractors whose rejections are [`ApiError`]s, so malformed input gets a
//! JSON error with a message: bodies, query strings, path ids and the account.

use super::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// A JSON body: malformed JSON is a 400, the wrong shape a 422, another
/// content type a 415.
pub(super) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::JsonSyntaxError(error)) => Err(ApiError::BadRequest(format!(
                "malformed JSON: {}",
                error.body_text()
            ))),
            Err(JsonRejection::JsonDataError(error)) => {
                Err(ApiError::Unprocessable(error.body_text()))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".to_owned(),
            )),
            Err(JsonRejection::BytesRejection(error)) => Err(body_error(&error)),
            Err(error) => Err(ApiError::BadRequest(error.body_text())),
        }
    }
}

/// Bodies of JSON and webhooks are at most this long.
pub(super) const MAX_BODY_BYTES: usize = 64 * 1024;

/// Whether `error` or one of its sources is a body over its length limit:
/// axum answers 413 for it only when no layer boxed the body's error on the
/// way, and the body timeout layer does.
fn over_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error.is::<http_body_util::LengthLimitError>()
            || error.to_string().contains("length limit exceeded")
        {
            return true;
        }
        next = error.source();
    }
    false
}

/// A body that could not be read: too long, too slow, or cut off.
fn body_error(error: &BytesRejection) -> ApiError {
    if super::body::timed_out(error) || error.status() == StatusCode::REQUEST_TIMEOUT {
        ApiError::Timeout
    } else if error.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(error) {
        ApiError::PayloadTooLarge(format!("a body is at most {MAX_BODY_BYTES} bytes"))
    } else {
        ApiError::BadRequest(error.body_text())
    }
}

/// A raw body of at most [`MAX_BODY_BYTES`] (the router's `DefaultBodyLimit`):
/// longer is a 413, cut off a 400.
pub(super) struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|error: BytesRejection| body_error(&error))
    }
}

/// A query string: values that do not parse are a 422.
pub(super) struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| QueryParams(value))
            .map_err(|error: QueryRejection| ApiError::Unprocessable(error.body_text()))
    }
}

/// The id of `/api/.../{id}`: anything but a positive integer (`../../etc`,
/// `1; DROP TABLE`) names nothing, so it is a 404.
pub(super) struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::NotFound("no such id".to_owned()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Id)
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "no such id: {}",
                    raw.chars().take(64).collect::<String>()
                ))
            })
    }
}

/// The account a request acts for: `X-Account-Id`, 1 to 64 letters, digits,
/// `-` or `_`; the demo account when absent.
pub(super) struct Account(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Account {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("x-account-id") else {
            return Ok(Account(crate::db::DEMO_ACCOUNT.to_owned()));
        };
        let account = value.to_str().unwrap_or("");
        let valid = (1..=64).contains(&account.len())
            && account
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if valid {
            Ok(Account(account.to_owned()))
        } else {
            Err(ApiError::BadRequest(
                "X-Account-Id is 1 to 64 letters, digits, - or _".to_owned(),
            ))
        }
    }
}
