//! `POST /api/match` and `POST /api/tailor`.

use super::extract::{Account, JsonBody};
use super::{cpu_bound, ApiError, App};
use crate::db::{self, cvs::StoredCv, jobs::Job};
use crate::matching::{self, JobText, Model};
use crate::tailor;
use crate::usage::{self, Feature};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use metricate::instrument_metric;
use serde::Deserialize;
use std::sync::Arc;

/// `{"cv_id", "job_id", "model"}`.
#[derive(Deserialize)]
pub(super) struct MatchRequest {
    cv_id: i64,
    job_id: i64,
    model: String,
}

/// `{"cv_id", "job_id"}`.
#[derive(Deserialize)]
pub(super) struct TailorRequest {
    cv_id: i64,
    job_id: i64,
}

/// The CV `cv_id` of `account` (another account's is a 404) and the job.
async fn cv_and_job(
    app: &App,
    account: &str,
    cv_id: i64,
    job_id: i64,
) -> Result<(StoredCv, Job), ApiError> {
    let cv = db::cvs::get(&app.database, account, cv_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no CV {cv_id}")))?;
    let job = db::jobs::get(&app.database, job_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no job {job_id}")))?;
    Ok((cv, job))
}

/// Scores a CV against a job with a model.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn match_cv(
    State(app): State<Arc<App>>,
    Account(account): Account,
    JsonBody(request): JsonBody<MatchRequest>,
) -> Result<Response, ApiError> {
    let model = Model::parse(&request.model).ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "unknown model {:?}: it is v3.0 or v5.1",
            request.model.chars().take(32).collect::<String>()
        ))
    })?;
    let (cv, job) = cv_and_job(&app, &account, request.cv_id, request.job_id).await?;
    let corpus = app
        .corpus
        .read()
        .map(|corpus| Arc::clone(&corpus))
        .unwrap_or_default();
    // Off the async workers: a match on a large CV is CPU-bound.
    let (found, elapsed) = cpu_bound(move || {
        let job_text = format!("{} {}", job.title, job.description);
        let cv_skills = cv.sections.skill_list();
        let job_text = JobText {
            text: &job_text,
            skills: &job.skills,
        };
        // Timed around the call alone: the logged duration is the one its
        // histogram observes, and the exemplar carries.
        let started = std::time::Instant::now();
        let found = matching::match_cv(model, &cv.text, &cv_skills, &job_text, &corpus);
        (found, started.elapsed())
    })
    .await?;
    tracing::info!(
        model = found.model,
        score = found.score,
        tokens = found.tokens,
        elapsed_us = elapsed.as_micros() as u64,
        "matched"
    );
    usage::record(&app.database, &account, Feature::Match).await;
    Ok(Json(found).into_response())
}

/// A CV reordered and trimmed toward a job.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn tailor_cv(
    State(app): State<Arc<App>>,
    Account(account): Account,
    JsonBody(request): JsonBody<TailorRequest>,
) -> Result<Response, ApiError> {
    let (cv, job) = cv_and_job(&app, &account, request.cv_id, request.job_id).await?;
    let text = cpu_bound(move || {
        tailor::tailor(
            &cv.sections,
            &format!("{} {}", job.title, job.description),
            &job.skills,
        )
    })
    .await?;
    usage::record(&app.database, &account, Feature::Tailor).await;
    Ok(Json(serde_json::json!({ "text": text })).into_response())
}
