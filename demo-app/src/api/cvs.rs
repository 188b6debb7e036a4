//! `POST /api/cvs` and `GET /api/cvs/{id}`.

use super::extract::{Account, Id};
use super::{cpu_bound, ApiError, App};
use crate::cv::{self, CvError, CvFormat, PdfReader, MAX_CV_BYTES};
use crate::db;
use crate::usage::{self, Feature};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use metricate::instrument_metric;
use std::sync::Arc;
use std::time::Instant;

/// How much of a body over [`MAX_CV_BYTES`] is read (and dropped) so that its
/// client, still sending, gets the 413 rather than a reset connection. A body
/// declared larger is refused unread, and its connection closed.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!("a CV is at most {MAX_CV_BYTES} bytes"))
}

/// The body, when it is at most [`MAX_CV_BYTES`]; a 413 otherwise.
async fn read_cv(body: Body, declared: Option<usize>) -> Result<Vec<u8>, ApiError> {
    use http_body_util::BodyExt;
    if declared.is_some_and(|length| length > DRAIN_LIMIT) {
        return Err(too_large());
    }
    let mut body = body;
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(MAX_CV_BYTES));
    let mut received = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            if super::body::timed_out(&*error.into_inner()) {
                ApiError::Timeout
            } else {
                ApiError::BadRequest("the body could not be read".to_owned())
            }
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received = received.saturating_add(data.len());
        if received <= MAX_CV_BYTES {
            bytes.extend_from_slice(&data);
        } else if received > DRAIN_LIMIT {
            break;
        }
    }
    if received > MAX_CV_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Parses and stores an uploaded CV.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn upload_cv(
    State(app): State<Arc<App>>,
    Account(account): Account,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let format = CvFormat::from_content_type(content_type).ok_or_else(|| {
    ApiError::UnsupportedMediaType(
        "send a CV as application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, text/markdown or text/plain".to_owned(),
    )
})?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let bytes = read_cv(body, declared).await?;
    // The parse stops at the deadline (it is not left running detached),
    // the wait for a CPU permit included. A PDF is read by a child
    // process with hard limits, killed at the deadline; it holds its CPU
    // permit while it runs, so at most as many run at once.
    let deadline = Instant::now() + app.parse_timeout;
    let parsed = cpu_bound(move || cv::parse_cv(format, &bytes, deadline, PdfReader::Isolated))
        .await?
        .map_err(|error| match error {
            CvError::Empty => ApiError::BadRequest(error.to_string()),
            CvError::TooLarge { .. } => too_large(),
            CvError::Unreadable { .. }
            | CvError::NoText
            | CvError::TextTooLong
            | CvError::Timeout => ApiError::Unprocessable(error.to_string()),
        })?;
    let id = db::cvs::insert(&app.database, &account, &parsed).await?;
    usage::record(&app.database, &account, Feature::CvUpload).await;
    let body = serde_json::json!({
        "id": id,
        "format": parsed.format.name(),
        "sections": parsed.sections,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A stored CV of the account asking: another account's is a 404.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn get_cv(
    State(app): State<Arc<App>>,
    Account(account): Account,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let cv = db::cvs::get(&app.database, &account, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no CV {id}")))?;
    Ok(Json(serde_json::json!({
        "id": cv.id,
        "format": cv.format,
        "sections": cv.sections,
    }))
    .into_response())
}
