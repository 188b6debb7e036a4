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
//! ```
//! use axum::{routing::get, Router};
//! use metricate::http::{HttpMetricsLayer, MetricsEndpoint};
//!
//! let app: Router = Router::new()
//!     .route("/api/jobs/{id}", get(|| async { "a job" }))
//!     .merge(MetricsEndpoint::new().router())
//!     .layer(HttpMetricsLayer::new());
//! # drop(app);
//! ```

use axum::body::{Body, Bytes};
use axum::extract::MatchedPath;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use http_body::{Body as HttpBody, Frame, SizeHint};
use pin_project_lite::pin_project;
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{ready, Context, Poll};
use std::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

/// The `route` of requests that no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";
/// The `method` of requests whose method is not one of the standard nine.
pub const OTHER_METHOD: &str = "other";

const SIZE_BUCKETS: &[f64] = &[
    64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0,
];

struct HttpFamilies {
    requests: IntCounterVec,
    duration: HistogramVec,
    in_progress: IntGaugeVec,
    request_size: HistogramVec,
    response_size: HistogramVec,
}

static FAMILIES: LazyLock<Option<HttpFamilies>> = LazyLock::new(|| {
    let families = HttpFamilies::new();
    if let Err(error) = &families {
        crate::problems::report(crate::Problem::NotRegistered {
            what: "the HTTP metrics",
            reason: error.to_string(),
        });
    }
    families.ok()
});

impl HttpFamilies {
    fn new() -> prometheus::Result<Self> {
        let route = &["method", "route"];
        let families = HttpFamilies {
            requests: IntCounterVec::new(
                Opts::new(
                    "http_requests_total",
                    "HTTP requests answered, by method, route template and status code.",
                ),
                &["method", "route", "status"],
            )?,
            duration: HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Time until the response head was ready, in seconds.",
                ),
                route,
            )?,
            in_progress: IntGaugeVec::new(
                Opts::new("http_requests_in_progress", "HTTP requests being handled."),
                route,
            )?,
            request_size: HistogramVec::new(
                HistogramOpts::new(
                    "http_request_size_bytes",
                    "Size of request bodies in bytes.",
                )
                .buckets(SIZE_BUCKETS.to_vec()),
                route,
            )?,
            response_size: HistogramVec::new(
                HistogramOpts::new(
                    "http_response_size_bytes",
                    "Size of response bodies in bytes.",
                )
                .buckets(SIZE_BUCKETS.to_vec()),
                route,
            )?,
        };
        let registry = crate::registry();
        registry.register(Box::new(families.requests.clone()))?;
        registry.register(Box::new(families.duration.clone()))?;
        registry.register(Box::new(families.in_progress.clone()))?;
        registry.register(Box::new(families.request_size.clone()))?;
        registry.register(Box::new(families.response_size.clone()))?;
        Ok(families)
    }
}

/// A [`tower_layer::Layer`] that records the HTTP metrics of every request that
/// passes through it. Add it with `Router::layer`, after the routes, so that the
/// matched route is known.
///
/// ```
/// use metricate::http::HttpMetricsLayer;
///
/// // Count the metrics route too, but not the health check.
/// let layer = HttpMetricsLayer::new().include("/metrics").exclude("/healthz");
/// # drop(layer);
/// ```
#[derive(Clone, Debug)]
pub struct HttpMetricsLayer {
    excluded: Arc<[String]>,
}

impl Default for HttpMetricsLayer {
    fn default() -> Self {
        HttpMetricsLayer::new()
    }
}

impl HttpMetricsLayer {
    /// Records every request but those to `/metrics`.
    pub fn new() -> Self {
        LazyLock::force(&FAMILIES);
        HttpMetricsLayer {
            excluded: Arc::from(vec!["/metrics".to_owned()]),
        }
    }

    /// Does not record requests whose path or matched route is `path`.
    pub fn exclude(self, path: impl Into<String>) -> Self {
        let mut excluded = self.excluded.to_vec();
        excluded.push(path.into());
        HttpMetricsLayer {
            excluded: excluded.into(),
        }
    }

    /// Records requests to `path` after all, such as the `/metrics` route.
    pub fn include(self, path: &str) -> Self {
        let excluded: Vec<String> = self
            .excluded
            .iter()
            .filter(|p| *p != path)
            .cloned()
            .collect();
        HttpMetricsLayer {
            excluded: excluded.into(),
        }
    }
}

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetrics {
            inner,
            excluded: Arc::clone(&self.excluded),
        }
    }
}

/// The service [`HttpMetricsLayer`] wraps around each route.
#[derive(Clone, Debug)]
pub struct HttpMetrics<S> {
    inner: S,
    excluded: Arc<[String]>,
}

impl<S> Service<Request<Body>> for HttpMetrics<S>
where
    S: Service<Request<Body>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(|matched| matched.as_str().to_owned());
        let excluded = self
            .excluded
            .iter()
            .any(|path| path == request.uri().path() || route.as_deref() == Some(path.as_str()));
        let families = FAMILIES.as_ref();
        let (request, in_flight) = match (excluded, families) {
            (false, Some(families)) => {
                let method = method_label(request.method());
                let route = route.unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
                let labels = [method, route.as_str()];
                let request_size = families.request_size.with_label_values(&labels);
                let request = request.map(|body| counted(body, request_size));
                let gauge = families.in_progress.with_label_values(&labels);
                gauge.inc();
                (
                    request,
                    Some(InFlight {
                        method,
                        route,
                        started: Instant::now(),
                        gauge,
                    }),
                )
            }
            _ => (request, None),
        };
        ResponseFuture {
            inner: self.inner.call(request),
            in_flight,
        }
    }
}

fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::CONNECT,
        Method::OPTIONS,
        Method::TRACE,
        Method::PATCH,
    ];
    STANDARD
        .iter()
        .find(|standard| *standard == method)
        .map_or(OTHER_METHOD, Method::as_str)
}

/// A request being handled; its gauge comes back down however the request ends.
struct InFlight {
    method: &'static str,
    route: String,
    started: Instant,
    gauge: IntGauge,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

pin_project! {
    /// The response future of [`HttpMetrics`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        in_flight: Option<InFlight>,
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let (Some(in_flight), Some(families)) = (this.in_flight.take(), FAMILIES.as_ref()) else {
            return Poll::Ready(result);
        };
        let labels = [in_flight.method, in_flight.route.as_str()];
        families
            .duration
            .with_label_values(&labels)
            .observe(in_flight.started.elapsed().as_secs_f64());
        Poll::Ready(result.map(|response| {
            families
                .requests
                .with_label_values(&[labels[0], labels[1], response.status().as_str()])
                .inc();
            let response_size = families.response_size.with_label_values(&labels);
            response.map(|body| counted(body, response_size))
        }))
    }
}

/// The body, with its size observed in `histogram`: at once when the size is
/// known up front, or as it streams.
fn counted(body: Body, histogram: Histogram) -> Body {
    match body.size_hint().exact() {
        Some(size) => {
            histogram.observe(size as f64);
            body
        }
        None => Body::new(CountingBody {
            inner: body,
            size: ObservedSize {
                bytes: 0,
                histogram: Some(histogram),
            },
        }),
    }
}

pin_project! {
    struct CountingBody<B> {
        #[pin]
        inner: B,
        size: ObservedSize,
    }
}

/// Bytes seen so far; observed once, when the body ends or is dropped.
struct ObservedSize {
    bytes: u64,
    histogram: Option<Histogram>,
}

impl ObservedSize {
    fn observe(&mut self) {
        if let Some(histogram) = self.histogram.take() {
            histogram.observe(self.bytes as f64);
        }
    }
}

impl Drop for ObservedSize {
    fn drop(&mut self) {
        self.observe();
    }
}

impl<B: HttpBody<Data = Bytes>> HttpBody for CountingBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    this.size.bytes += data.len() as u64;
                }
            }
            None => this.size.observe(),
            Some(Err(_)) => {}
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A ready `/metrics` route: the text format 0.0.4 with its content type, gzip
/// when the scraper accepts it, and optional bearer-token protection.
///
/// ```
/// use axum::Router;
/// use metricate::http::MetricsEndpoint;
///
/// let app: Router = Router::new().merge(
///     MetricsEndpoint::new()
///         .path("/internal/metrics")
///         .bearer_token("s3cret")
///         .router(),
/// );
/// # drop(app);
/// ```
#[derive(Clone)]
pub struct MetricsEndpoint {
    path: String,
    bearer_token: Option<Arc<str>>,
    before_scrape: Option<Refresh>,
}

/// An async refresh run before each render.
type Refresh = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

impl std::fmt::Debug for MetricsEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsEndpoint")
            .field("path", &self.path)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .field("before_scrape", &self.before_scrape.is_some())
            .finish()
    }
}

impl Default for MetricsEndpoint {
    fn default() -> Self {
        MetricsEndpoint::new()
    }
}

/// The content type of the Prometheus text format 0.0.4.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

impl MetricsEndpoint {
    /// `GET /metrics`, open to anyone who can reach it.
    pub fn new() -> Self {
        MetricsEndpoint {
            path: "/metrics".to_owned(),
            bearer_token: None,
            before_scrape: None,
        }
    }

    /// Serves at `path` instead of `/metrics`.
    pub fn path(self, path: impl Into<String>) -> Self {
        MetricsEndpoint {
            path: path.into(),
            ..self
        }
    }

    /// Answers `401 Unauthorized` unless the request carries
    /// `Authorization: Bearer <token>`.
    pub fn bearer_token(self, token: impl Into<String>) -> Self {
        MetricsEndpoint {
            bearer_token: Some(Arc::from(token.into())),
            ..self
        }
    }

    /// Runs `refresh` before each render (after the token check), for values
    /// read from an async source at scrape time: rows in a table by status,
    /// from a database pool, set with [`gauge!`](crate::gauge). Keep it quick:
    /// the scrape waits for it, within the scraper's timeout.
    ///
    /// ```
    /// use metricate::http::MetricsEndpoint;
    /// use metricate::LabelValue;
    ///
    /// #[derive(Clone, Copy, LabelValue)]
    /// enum JobStatus { New, Saved, Applied }
    ///
    /// async fn count_jobs(status: JobStatus) -> u32 {
    ///     // e.g. SELECT COUNT(*) FROM jobs WHERE status = ?
    ///     status as u32
    /// }
    ///
    /// let endpoint = MetricsEndpoint::new().before_scrape(|| async {
    ///     for status in [JobStatus::New, JobStatus::Saved, JobStatus::Applied] {
    ///         let jobs = count_jobs(status).await;
    ///         metricate::gauge!("doc_jobs", help = "Jobs by status.", status: JobStatus = status)
    ///             .set(f64::from(jobs));
    ///     }
    /// });
    /// # let _: axum::Router = endpoint.router();
    /// ```
    pub fn before_scrape<F, R>(self, refresh: F) -> Self
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: Future<Output = ()> + Send + 'static,
    {
        MetricsEndpoint {
            before_scrape: Some(Arc::new(move || Box::pin(refresh()))),
            ..self
        }
    }

    /// A router with the one route, to `merge` into the application's.
    pub fn router<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        let token = self.bearer_token;
        let before_scrape = self.before_scrape;
        Router::new().route(
            &self.path,
            axum::routing::get(move |headers: HeaderMap| {
                let token = token.clone();
                let before_scrape = before_scrape.clone();
                async move {
                    if let Some(refusal) = refused(&headers, token.as_deref()) {
                        return refusal;
                    }
                    if let Some(refresh) = before_scrape {
                        refresh().await;
                    }
                    scrape(&headers)
                }
            }),
        )
    }
}

/// The 401 a request without the bearer token gets, when one is required.
fn refused(headers: &HeaderMap, token: Option<&str>) -> Option<Response<Body>> {
    let token = token?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if presented.is_some_and(|presented| constant_time_eq(presented.as_bytes(), token.as_bytes())) {
        return None;
    }
    Some(
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            "a bearer token is required\n",
        )
            .into_response(),
    )
}

/// Answers one scrape.
fn scrape(headers: &HeaderMap) -> Response<Body> {
    crate::init();
    let text = crate::render();
    let content_type = (header::CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT));
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    if accepts_gzip(headers) {
        if let Some(compressed) = gzip(text.as_bytes()) {
            let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            return ([content_type, vary, encoding], compressed).into_response();
        }
    }
    ([content_type, vary], text).into_response()
}

/// Whether `Accept-Encoding` lists `gzip` (or `*`) with a non-zero quality.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|parameter| {
                parameter
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Compares without an early exit, so the time taken does not reveal how much of
/// a guessed token was right.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |diff, (l, r)| diff | (l ^ r))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_negotiated_with_quality_values() {
        let accepts = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(accepts("gzip"));
        assert!(accepts("br, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn methods_outside_the_standard_set_share_one_value() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"PURGE").unwrap()),
            OTHER_METHOD
        );
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
