//! `GET /api/jobs`, `GET /api/jobs/{id}` and `PATCH /api/jobs/{id}`.

use super::extract::{Account, Id, JsonBody, QueryParams};
use super::{ApiError, App};
use crate::db::{self, jobs::Filter, jobs::JobStatus};
use crate::usage::{self, Feature};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use metricate::instrument_metric;
use serde::Deserialize;
use std::sync::Arc;

/// The longest `q`, in characters: a search is a few words. (SQLite refuses
/// LIKE patterns over 50 000 bytes; far less is plenty.)
pub(super) const MAX_QUERY_CHARS: usize = 200;
/// The longest `source`, in characters.
pub(super) const MAX_SOURCE_CHARS: usize = 64;
/// The largest `offset`.
pub(super) const MAX_OFFSET: i64 = 100_000;

/// Every query parameter within its bounds, or a 422 naming the first that is
/// not: no query string reaches the database unbounded.
fn check(filter: &Filter) -> Result<(), ApiError> {
    let too_long = |name: &str, value: Option<&str>, max: usize| match value {
        Some(value) if value.chars().count() > max => Err(ApiError::Unprocessable(format!(
            "{name} is at most {max} characters"
        ))),
        _ => Ok(()),
    };
    too_long("q", filter.q.as_deref(), MAX_QUERY_CHARS)?;
    too_long("source", filter.source.as_deref(), MAX_SOURCE_CHARS)?;
    // `limit` is bounded by clamping it to 1..=100, as it always was.
    if let Some(offset) = filter.offset {
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(ApiError::Unprocessable(format!(
                "offset is from 0 to {MAX_OFFSET}"
            )));
        }
    }
    Ok(())
}

/// The jobs a filter selects: status, words (matched literally), source,
/// limit and offset.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn search_jobs(
    State(app): State<Arc<App>>,
    Account(account): Account,
    QueryParams(filter): QueryParams<Filter>,
) -> Result<Response, ApiError> {
    check(&filter)?;
    let (jobs, total) = db::jobs::search(&app.database, &filter).await?;
    usage::record(&app.database, &account, Feature::JobSearch).await;
    Ok(Json(serde_json::json!({ "jobs": jobs, "total": total })).into_response())
}

/// One job.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn get_job(State(app): State<Arc<App>>, Id(id): Id) -> Result<Response, ApiError> {
    let job = db::jobs::get(&app.database, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no job {id}")))?;
    Ok(Json(job).into_response())
}

/// `{"status": "new" | "saved" | "applied"}`.
#[derive(Deserialize)]
pub(super) struct StatusChange {
    status: String,
}

/// Moves a job to another status.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn set_job_status(
    State(app): State<Arc<App>>,
    Id(id): Id,
    JsonBody(change): JsonBody<StatusChange>,
) -> Result<Response, ApiError> {
    let status = JobStatus::parse(&change.status).ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "unknown status {:?}: it is new, saved or applied",
            change.status.chars().take(32).collect::<String>()
        ))
    })?;
    let job = db::jobs::set_status(&app.database, id, status)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no job {id}")))?;
    Ok(Json(job).into_response())
}
