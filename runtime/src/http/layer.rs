//! [`HttpMetricsLayer`]: the tower layer that records every request into its
//! route's row.

use super::rows::{self, Row};
use crate::clock;
use crate::slots;
use crate::vocabulary::SiteInfo;
use axum::body::{Body, Bytes};
use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

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
    #[track_caller]
    fn default() -> Self {
        HttpMetricsLayer::new()
    }
}

impl HttpMetricsLayer {
    /// Records every request but those to `/metrics`. The first layer made
    /// declares the HTTP families, with its caller as their site.
    #[track_caller]
    pub fn new() -> Self {
        let location = std::panic::Location::caller();
        rows::declare_families(SiteInfo {
            file: location.file(),
            line: location.line(),
            module_path: "",
            function: None,
        });
        HttpMetricsLayer {
            excluded: Arc::from(vec!["/metrics".to_owned()]),
        }
    }

    /// The routes the router serves, as `"METHOD /template"` (`"POST
    /// /api/cvs"`; a bare template means `GET`): their series exist at 0 from
    /// now on, and the catalogue lists their templates. A route or method not
    /// handed here is still recorded, from its first request.
    ///
    /// ```
    /// use metricate::http::HttpMetricsLayer;
    ///
    /// let layer = HttpMetricsLayer::new().routes(["GET /doc/health", "POST /doc/cvs"]);
    /// assert!(metricate::render().contains(
    ///     r#"http_requests_in_progress{method="POST",route="/doc/cvs"} 0"#
    /// ));
    /// # drop(layer);
    /// ```
    pub fn routes<I, S>(self, routes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let routes: Vec<S> = routes.into_iter().collect();
        rows::declare_routes(routes.iter().map(AsRef::as_ref));
        self
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
            .map(MatchedPath::as_str);
        // Compiled out (`off`): every request passes through unrecorded.
        let excluded = cfg!(feature = "off")
            || self
                .excluded
                .iter()
                .any(|path| path == request.uri().path() || route == Some(path.as_str()));
        if excluded {
            return ResponseFuture {
                inner: self.inner.call(request),
                in_flight: None,
            };
        }
        let row = rows::row(route, request.method());
        row.enter(slots::current_slot());
        let in_flight = InFlight {
            row,
            started: clock::now(),
        };
        let request = request.map(|body| counted(body, row, false));
        ResponseFuture {
            inner: self.inner.call(request),
            in_flight: Some(in_flight),
        }
    }
}

/// A request being handled; its gauge comes back down however the request ends.
struct InFlight {
    row: &'static Row,
    started: u64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.row.leave();
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
        let Some(in_flight) = this.in_flight.take() else {
            return Poll::Ready(result);
        };
        let ticks = clock::now().saturating_sub(in_flight.started);
        let row = in_flight.row;
        Poll::Ready(result.map(|response| {
            row.answered(ticks, response.status().as_u16());
            response.map(|body| counted(body, row, true))
        }))
    }
}

/// The body, with its size observed in `row`: at once when the size is known
/// up front, or as it streams.
fn counted(body: Body, row: &'static Row, response: bool) -> Body {
    match body.size_hint().exact() {
        Some(size) => {
            row.observe_size(response, size);
            body
        }
        None => Body::new(CountingBody {
            inner: body,
            size: ObservedSize {
                bytes: 0,
                row: Some(row),
                response,
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
    row: Option<&'static Row>,
    response: bool,
}

impl ObservedSize {
    fn observe(&mut self) {
        if let Some(row) = self.row.take() {
            row.observe_size(self.response, self.bytes);
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
