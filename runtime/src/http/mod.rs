//! HTTP metrics for axum and tower, and a ready `/metrics` endpoint.
//!
//! [`HttpMetricsLayer`] records, for every request:
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `http_requests_total` | counter | `method`, `route`, `status` |
//! | `http_request_duration_seconds` | histogram | `method`, `route` |
//! | `http_requests_in_progress` | gauge | `method`, `route` |
//! | `http_request_size_bytes` | histogram | `method`, `route` |
//! | `http_response_size_bytes` | histogram | `method`, `route` |
//!
//! `route` is the matched route template (`/api/jobs/{id}`), never the raw path,
//! so a thousand ids make one series; requests no route matched share the value
//! `unmatched`; methods outside the standard nine share `other`. The duration runs
//! until the response head is ready; body sizes are counted as the bodies stream.
//!
//! The layer records into metricate's own store, like `#[instrument_metric]`:
//! each route template and method has a row of cells, resolved once and written
//! per thread, with no hashing or lock per request. Hand it the routes the
//! router serves and their series exist at 0 from start, and the catalogue
//! lists their families:
//!
//! ```
//! use axum::{routing::get, Router};
//! use metricate::http::{HttpMetricsLayer, MetricsEndpoint};
//!
//! let app: Router = Router::new()
//!     .route("/api/jobs/{id}", get(|| async { "a job" }))
//!     .merge(MetricsEndpoint::new().router())
//!     .layer(HttpMetricsLayer::new().routes(["GET /api/jobs/{id}"]));
//!
//! let text = metricate::render();
//! assert!(text.contains(r#"http_request_duration_seconds_count{method="GET",route="/api/jobs/{id}"} 0"#));
//! # drop(app);
//! ```

mod endpoint;
mod layer;
pub mod routing;
mod rows;

pub use endpoint::{MetricsEndpoint, TEXT_FORMAT};
pub use layer::{HttpMetrics, HttpMetricsLayer, ResponseFuture};
pub use rows::{OTHER_METHOD, UNMATCHED_ROUTE};
