//! `GET /api/jobs`, `GET /api/jobs/{id}` and `PATCH /api/jobs/{id}`.

use super::extract::{Account, Id, JsonBody, QueryParams};
use super::{handler, ApiError, App};
use crate::db::{self, jobs::Filter, jobs::JobStatus};
use crate::usage::{self, Feature};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;

handler!(
    "search_jobs",
    /// The jobs a filter selects: status, words (matched literally), source,
    /// limit and offset.
    pub(super) async fn search(
        State(app): State<Arc<App>>,
        Account(account): Account,
        QueryParams(filter): QueryParams<Filter>,
    ) -> Result<Response, ApiError> {
        let (jobs, total) = db::jobs::search(&app.database, &filter).await?;
        usage::record(&app.database, &account, Feature::JobSearch).await;
        Ok(Json(serde_json::json!({ "jobs": jobs, "total": total })).into_response())
    }
);

handler!(
    "get_job",
    /// One job.
    pub(super) async fn get(State(app): State<Arc<App>>, Id(id): Id) -> Result<Response, ApiError> {
        let job = db::jobs::get(&app.database, id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no job {id}")))?;
        Ok(Json(job).into_response())
    }
);

/// `{"status": "new" | "saved" | "applied"}`.
#[derive(Deserialize)]
pub(super) struct StatusChange {
    status: String,
}

handler!(
    "set_job_status",
    /// Moves a job to another status.
    pub(super) async fn set_status(
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
);
