//! The `/metrics` route: the exposition with its content type, gzip when the
//! scraper accepts it, an optional bearer token, and an async refresh before
//! each render.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::expose::{self, Format};

/// A ready `/metrics` route: the text format 0.0.4, or OpenMetrics when the
/// scraper's `Accept` header prefers it, with its content type; gzip when the
/// scraper accepts it; optional bearer-token protection.
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
/// Answers one scrape in the format the scraper's `Accept` header prefers.
fn scrape(headers: &HeaderMap) -> Response<Body> {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let format = Format::negotiate(&accept);
    let body = expose::render_with(format);
    let content_type = (
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let vary = (
        header::VARY,
        HeaderValue::from_static("accept, accept-encoding"),
    );
    if accepts_gzip(headers) {
        if let Some(compressed) = gzip(&body) {
            let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            return ([content_type, vary, encoding], compressed).into_response();
        }
    }
    ([content_type, vary], body).into_response()
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
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
