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
use axum::routing::{get, post};
use axum::Router;
use std::sync::{Arc, RwLock};

/// Annotates a handler with the handler families: `calls` by handler, and its
/// errors by `ApiError` variant.
macro_rules! handler {
    ($name:literal, $item:item) => {
        #[cfg_attr(
                                                            feature = "metrics",
                                                            metricate::instrument_metric(
                                                                calls = "api_handler_calls_total",
                                                                errors = "api_handler_errors_total",
                                                                const_labels(handler = $name),
                                                            )
                                                        )]
        $item
    };
}
pub(crate) use handler;

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

/// The routes, as `"METHOD /template"`: the router serves them and the HTTP
/// metrics layer has their series at 0 from start.
pub const ROUTES: [&str; 11] = [
    "GET /health",
    "GET /ready",
    "POST /api/cvs",
    "GET /api/cvs/{id}",
    "GET /api/jobs",
    "GET /api/jobs/{id}",
    "PATCH /api/jobs/{id}",
    "POST /api/match",
    "POST /api/tailor",
    "POST /webhooks/paypal",
    "POST /admin/run-scan",
];

/// The API's routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/health", get(admin::health))
        .route("/ready", get(admin::ready))
        .route("/api/cvs", post(cvs::upload))
        .route("/api/cvs/{id}", get(cvs::get))
        .route("/api/jobs", get(jobs::search))
        .route("/api/jobs/{id}", get(jobs::get).patch(jobs::set_status))
        .route("/api/match", post(matching::match_cv))
        .route("/api/tailor", post(matching::tailor))
        .route("/webhooks/paypal", post(webhooks::paypal))
        .route("/admin/run-scan", post(admin::run_scan))
        .fallback(|| async { ApiError::NotFound("no such route".to_owned()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::extract::DefaultBodyLimit::max(
            extract::MAX_BODY_BYTES,
        ))
        .with_state(app)
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
    fn the_route_table_names_every_route_once() {
        let mut routes = super::ROUTES.to_vec();
        routes.sort_unstable();
        routes.dedup();
        assert_eq!(routes.len(), super::ROUTES.len());
        assert!(super::constant_time_eq(b"t0ken", b"t0ken"));
        assert!(!super::constant_time_eq(b"t0ken", b"t0kem"));
        assert!(!super::constant_time_eq(b"t0ken", b"t0ke"));
    }
}
