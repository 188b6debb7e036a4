//! The HTTP API: JSON in and out, errors as `{"error": "<message>"}` with a
//! 4xx (503 when the database is busy), never a 500 on bad input.

mod admin;
pub mod body;
mod cvs;
mod error;
mod extract;
mod jobs;
mod matching;
mod webhooks;

pub use error::ApiError;

use crate::db::Database;
use crate::matching::Corpus;
use crate::scan::FeedClient;
use metricate::http::routing::{get, post, Router};
use std::sync::{Arc, RwLock};

metricate::preset! {
    /// A handler: its calls by `handler` (its fn's name), and its errors by
    /// `ApiError` variant.
    pub(crate) HANDLER(
        calls = "api_handler_calls_total",
        errors = "api_handler_errors_total",
        fn_label = "handler",
    );
}

/// What every handler shares.
pub struct App {
    /// The database.
    pub database: Database,
    /// The job feed's client.
    pub feed: FeedClient,
    /// The TF-IDF corpus of the stored jobs, rebuilt after each scan.
    pub corpus: RwLock<Arc<Corpus>>,
    /// `X-Admin-Token` of the admin routes.
    pub admin_token: String,
    /// The secret payment webhooks are signed with.
    pub webhook_secret: Vec<u8>,
    /// Held while a scan runs: one at a time.
    pub scanning: tokio::sync::Mutex<()>,
    /// How long reading one CV may take (`--parse-timeout`).
    pub parse_timeout: std::time::Duration,
}

/// The API served with `app`: axum's router, its routes declared to the HTTP
/// metrics as [`routes`] adds them.
pub fn router(app: Arc<App>) -> axum::Router {
    routes().with_state(app).into_inner()
}

/// The API's routes, without their state: metricate's router learns each as
/// it is added, so their HTTP series exist at 0 from start.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/health", get(admin::health))
        .route("/ready", get(admin::ready))
        .route("/api/cvs", post(cvs::upload_cv))
        .route("/api/cvs/{id}", get(cvs::get_cv))
        .route("/api/jobs", get(jobs::search_jobs))
        .route(
            "/api/jobs/{id}",
            get(jobs::get_job).patch(jobs::set_job_status),
        )
        .route("/api/match", post(matching::match_cv))
        .route("/api/tailor", post(matching::tailor_cv))
        .route("/webhooks/paypal", post(webhooks::paypal_webhook))
        .route("/admin/run-scan", post(admin::run_scan))
        .fallback(|| async { ApiError::NotFound("no such route".to_owned()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::extract::DefaultBodyLimit::max(
            extract::MAX_BODY_BYTES,
        ))
}

/// CPU-heavy work (parsing, matching, tailoring) running at once: more waits
/// for a permit, so the async workers stay free for every other request and a
/// burst of heavy calls queues instead of oversubscribing the cores.
static CPU_PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Runs `work` on the blocking pool, at most [`CPU_PERMITS`] at once, off the
/// async workers.
pub(crate) async fn cpu_bound<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = CPU_PERMITS
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable("the service is stopping".to_owned()))?;
    let trace = crate::trace::current();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || crate::trace::within(trace, span, work))
        .await
        .map_err(|error| {
            tracing::error!(%error, "blocking work failed");
            ApiError::Internal
        })
}

/// Compares without an early exit: the time taken does not tell how much of a
/// guessed token was right.
pub(crate) fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |difference, (l, r)| difference | (l ^ r))
            == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_router_learns_every_route_once() {
        let mut routes: Vec<String> = super::routes().routes().collect();
        assert_eq!(routes.len(), 11);
        routes.sort_unstable();
        routes.dedup();
        assert_eq!(routes.len(), 11);
        assert!(routes.iter().any(|route| route == "PATCH /api/jobs/{id}"));
        assert!(super::constant_time_eq(b"t0ken", b"t0ken"));
        assert!(!super::constant_time_eq(b"t0ken", b"t0kem"));
        assert!(!super::constant_time_eq(b"t0ken", b"t0ke"));
    }
}
