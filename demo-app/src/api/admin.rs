//! `GET /health`, `GET /ready` and `POST /admin/run-scan`.

use super::{constant_time_eq, ApiError, App};
use crate::db::Writable;
use crate::scan::{self, ScanError};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use metricate::instrument_metric;
use std::sync::Arc;

/// 200 when the database answers, 503 otherwise.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn health(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    if app.database.ping().await {
        Ok(Json(serde_json::json!({ "status": "ok" })).into_response())
    } else {
        Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "unavailable" })),
        )
            .into_response())
    }
}

/// 200 when the database takes writes (room on its disk for the largest,
/// and a probe write went through); 503 with `Retry-After` and the reason
/// otherwise. `/health` says the process is alive; this, whether to send
/// it writes.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn ready(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let status = match app.database.writable().await {
        Writable::Yes => return Ok(Json(serde_json::json!({ "status": "ready" })).into_response()),
        Writable::DiskFull => "disk_full",
        Writable::Busy => "busy",
        Writable::Down => "unavailable",
    };
    Ok((
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        Json(serde_json::json!({ "status": status, "database": "unwritable" })),
    )
        .into_response())
}

/// Scans the job boards now: `X-Admin-Token` missing is a 401, wrong a 403.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn run_scan(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = headers
        .get("x-admin-token")
        .ok_or_else(|| ApiError::Unauthorized("X-Admin-Token is required".to_owned()))?;
    if !constant_time_eq(token.as_bytes(), app.admin_token.as_bytes()) {
        return Err(ApiError::Forbidden("the admin token is wrong".to_owned()));
    }
    let _scanning = app.scanning.lock().await;
    let report = scan::run_scan(&app.database, &app.feed, &app.corpus)
        .await
        .map_err(|error| match error {
            ScanError::FeedDown(reason) => {
                ApiError::Unavailable(format!("the scan failed: {reason}"))
            }
            ScanError::Database(error) => ApiError::from(error),
        })?;
    Ok(Json(report).into_response())
}
