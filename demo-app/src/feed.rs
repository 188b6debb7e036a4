//! The job-board feed the scans read: several sources of fixture postings over
//! real HTTP, in pages of 20, with latency and occasional failures. Each source
//! starts with 40 postings and gains one a minute (up to 200), so successive
//! scans find new ones.
//!
//! `GET /sources` lists the sources; `GET /sources/{source}/jobs?page=N`
//! answers `{"jobs": [...], "next_page": N + 1 or null}`.

use crate::fixtures::{self, Rng};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Postings per page.
pub const PAGE_SIZE: usize = 20;

/// How the feed behaves.
#[derive(Clone, Debug)]
pub struct FeedConfig {
    /// The latency of every page.
    pub latency: Duration,
    /// The share of pages that fail with 503; half as many again are ten times slower.
    pub fail_rate: f64,
    /// The seed of the postings and of the failures.
    pub seed: u64,
}

struct Feed {
    config: FeedConfig,
    started: Instant,
    requests: AtomicU64,
}

impl Feed {
    /// How many postings `source` has now.
    fn postings(&self) -> usize {
        let minutes = self.started.elapsed().as_secs() / 60;
        (40 + minutes as usize).min(200)
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

/// The feed's routes.
pub fn router(config: FeedConfig) -> Router {
    let feed = Arc::new(Feed {
        config,
        started: Instant::now(),
        requests: AtomicU64::new(0),
    });
    Router::new()
        .route("/sources", get(|| async { Json(fixtures::SOURCES) }))
        .route("/sources/{source}/jobs", get(page))
        .with_state(feed)
}

async fn page(
    State(feed): State<Arc<Feed>>,
    Path(source): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let request = feed.requests.fetch_add(1, Ordering::Relaxed);
    let mut rng = Rng::new(feed.config.seed.wrapping_mul(31).wrapping_add(request));
    let roll = rng.unit();
    let slow = roll >= feed.config.fail_rate && roll < feed.config.fail_rate * 1.5;
    let latency = if slow {
        feed.config.latency * 10
    } else {
        feed.config.latency
    };
    tokio::time::sleep(latency).await;
    if roll < feed.config.fail_rate {
        return (StatusCode::SERVICE_UNAVAILABLE, "the board is overloaded").into_response();
    }
    if !fixtures::SOURCES.contains(&source.as_str()) {
        return (StatusCode::NOT_FOUND, "no such source").into_response();
    }
    let page = query.page.unwrap_or(1).max(1);
    let total = feed.postings();
    let first = (page - 1) * PAGE_SIZE;
    let jobs: Vec<_> = (first..(first + PAGE_SIZE).min(total))
        .map(|index| fixtures::posting(feed.config.seed, &source, index))
        .collect();
    let next_page = (first + PAGE_SIZE < total).then_some(page + 1);
    Json(serde_json::json!({ "jobs": jobs, "next_page": next_page })).into_response()
}

/// Serves the feed on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: FeedConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(config))
        .with_graceful_shutdown(shutdown)
        .await
}

/// `demo-app feed`: serves the feed on `args.addr` until SIGINT or SIGTERM.
pub async fn run(args: crate::cli::FeedArgs) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let config = FeedConfig {
        latency: args.latency,
        fail_rate: args.fail_rate.clamp(0.0, 1.0),
        seed: args.seed,
    };
    serve(listener, config, crate::server::shutdown_signal()).await
}
