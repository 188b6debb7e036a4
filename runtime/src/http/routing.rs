//! A router that learns its routes as they are added, so the HTTP series of
//! every route exist at 0 from start without a second list of them.
//!
//! [`Router`] and the method routers ([`get`], [`post`], ...) wrap axum's own,
//! call for call: routing is axum's. Each `route(..)` remembers its template
//! and methods; `nest` prefixes what the nested router learnt and `merge` adds
//! it; [`Router::into_inner`] (or `axum::Router::from`) declares them all,
//! once the paths are final.

use super::rows;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter as AxumMethodRouter;
use std::convert::Infallible;
use tower_layer::Layer;
use tower_service::Service;

/// A `"METHOD /template"` the router serves.
type RouteKey = (Method, String);

/// axum's [`Router`](axum::Router), learning each route it is given. Build it
/// as you would axum's, with this module's [`get`], [`post`], ...; hand
/// [`into_inner`](Router::into_inner) to `axum::serve`.
///
/// ```
/// use metricate::http::routing::{get, post, Router};
/// use metricate::http::HttpMetricsLayer;
///
/// let api = Router::new()
///     .route("/jobs/{id}", get(|| async { "a job" }).patch(|| async { "moved" }))
///     .route("/cvs", post(|| async { "stored" }));
/// let app: axum::Router = Router::new()
///     .route("/health", get(|| async { "ok" }))
///     .nest("/routing-doc", api)
///     .layer(HttpMetricsLayer::new())
///     .into_inner();
///
/// let text = metricate::render();
/// assert!(text.contains(r#"http_requests_in_progress{method="PATCH",route="/routing-doc/jobs/{id}"} 0"#));
/// assert!(text.contains(r#"http_requests_in_progress{method="POST",route="/routing-doc/cvs"} 0"#));
/// # drop(app);
/// ```
#[must_use = "a router does nothing until it serves: hand `into_inner()` to `axum::serve`"]
pub struct Router<S = ()> {
    inner: axum::Router<S>,
    routes: Vec<RouteKey>,
}

impl<S> std::fmt::Debug for Router<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> Default for Router<S> {
    fn default() -> Self {
        Router::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Router<S> {
    /// A router with no routes.
    pub fn new() -> Self {
        Router {
            inner: axum::Router::new(),
            routes: Vec::new(),
        }
    }

    /// Serves `path` with `method_router` ([`get`], [`post`], ... or axum's
    /// own, whose methods are then learnt from their first request), as
    /// [`axum::Router::route`] does, and remembers it.
    pub fn route(mut self, path: &str, method_router: impl Into<MethodRouter<S>>) -> Self {
        let method_router = method_router.into();
        self.routes.extend(
            method_router
                .methods
                .iter()
                .map(|method| (method.clone(), path.to_owned())),
        );
        self.inner = self.inner.route(path, method_router.inner);
        self
    }

    /// Serves `router`'s routes under `path`, as [`axum::Router::nest`] does;
    /// what it learnt is remembered with the prefix.
    pub fn nest(mut self, path: &str, router: impl Into<Router<S>>) -> Self {
        let router = router.into();
        self.routes.extend(
            router
                .routes
                .into_iter()
                .map(|(method, template)| (method, nested(path, &template))),
        );
        self.inner = self.inner.nest(path, router.inner);
        self
    }

    /// Serves `router`'s routes too, as [`axum::Router::merge`] does. An
    /// `axum::Router` merges as it is, its routes learnt from their first
    /// request.
    pub fn merge(mut self, router: impl Into<Router<S>>) -> Self {
        let router = router.into();
        self.routes.extend(router.routes);
        self.inner = self.inner.merge(router.inner);
        self
    }

    /// Wraps every route and the fallback in `layer`, as
    /// [`axum::Router::layer`] does: add [`HttpMetricsLayer`](super::HttpMetricsLayer) here.
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: Service<axum::extract::Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<axum::extract::Request>>::Response:
            axum::response::IntoResponse + 'static,
        <L::Service as Service<axum::extract::Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<axum::extract::Request>>::Future: Send + 'static,
    {
        self.inner = self.inner.layer(layer);
        self
    }

    /// Wraps the routes (not the fallback) in `layer`, as
    /// [`axum::Router::route_layer`] does.
    pub fn route_layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: Service<axum::extract::Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<axum::extract::Request>>::Response:
            axum::response::IntoResponse + 'static,
        <L::Service as Service<axum::extract::Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<axum::extract::Request>>::Future: Send + 'static,
    {
        self.inner = self.inner.route_layer(layer);
        self
    }

    /// Answers requests no route matches with `handler`, as
    /// [`axum::Router::fallback`] does.
    pub fn fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.inner = self.inner.fallback(handler);
        self
    }

    /// Answers requests whose route matches but whose method does not with
    /// `handler`, as [`axum::Router::method_not_allowed_fallback`] does.
    pub fn method_not_allowed_fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.inner = self.inner.method_not_allowed_fallback(handler);
        self
    }

    /// Gives the routes their state, as [`axum::Router::with_state`] does.
    pub fn with_state<S2>(self, state: S) -> Router<S2> {
        Router {
            inner: self.inner.with_state(state),
            routes: self.routes,
        }
    }

    /// The routes learnt so far, as `"METHOD /template"`.
    pub fn routes(&self) -> impl Iterator<Item = String> + '_ {
        self.routes
            .iter()
            .map(|(method, template)| format!("{method} {template}"))
    }

    /// axum's router, after declaring every route learnt: their series
    /// exist at 0 from now on, and the catalogue lists their templates.
    pub fn into_inner(self) -> axum::Router<S> {
        rows::declare_routes(self.routes().collect::<Vec<_>>().iter().map(String::as_str));
        self.inner
    }
}

impl<S: Clone + Send + Sync + 'static> From<Router<S>> for axum::Router<S> {
    fn from(router: Router<S>) -> Self {
        router.into_inner()
    }
}

impl<S> From<axum::Router<S>> for Router<S> {
    fn from(inner: axum::Router<S>) -> Self {
        Router {
            inner,
            routes: Vec::new(),
        }
    }
}

/// `template` nested under `prefix`, as axum matches it: `/api` and `/`
/// make `/api`, `/api` and `/jobs` make `/api/jobs`.
fn nested(prefix: &str, template: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    match template {
        "" | "/" => prefix.to_owned(),
        _ => format!("{prefix}{template}"),
    }
}

/// axum's [`MethodRouter`](axum::routing::MethodRouter), knowing its methods.
/// Made by [`get`], [`post`], ... and chained as axum's is.
#[must_use = "a method router does nothing until a `Router::route` serves it"]
pub struct MethodRouter<S = ()> {
    inner: AxumMethodRouter<S, Infallible>,
    methods: Vec<Method>,
}

impl<S> std::fmt::Debug for MethodRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodRouter")
            .field("methods", &self.methods)
            .finish_non_exhaustive()
    }
}

impl<S> From<AxumMethodRouter<S, Infallible>> for MethodRouter<S> {
    fn from(inner: AxumMethodRouter<S, Infallible>) -> Self {
        MethodRouter {
            inner,
            methods: Vec::new(),
        }
    }
}

/// The free fns and chained methods of one HTTP method each, as axum's.
macro_rules! method_routers {
    ($($name:ident => $method:ident),* $(,)?) => {
        $(
            #[doc = concat!("Routes `", stringify!($method), "` requests to `handler`, as [`axum::routing::", stringify!($name), "`] does, and remembers the method.")]
            pub fn $name<H, T, S>(handler: H) -> MethodRouter<S>
            where
                H: Handler<T, S>,
                T: 'static,
                S: Clone + Send + Sync + 'static,
            {
                MethodRouter {
                    inner: axum::routing::$name(handler),
                    methods: vec![Method::$method],
                }
            }
        )*

        impl<S: Clone + Send + Sync + 'static> MethodRouter<S> {
            $(
                #[doc = concat!("Routes `", stringify!($method), "` requests to `handler` too, as axum's `MethodRouter::", stringify!($name), "` does.")]
                pub fn $name<H, T>(mut self, handler: H) -> Self
                where
                    H: Handler<T, S>,
                    T: 'static,
                {
                    self.inner = self.inner.$name(handler);
                    self.methods.push(Method::$method);
                    self
                }
            )*
        }
    };
}

method_routers! {
    delete => DELETE,
    get => GET,
    head => HEAD,
    options => OPTIONS,
    patch => PATCH,
    post => POST,
    put => PUT,
    trace => TRACE,
}

#[cfg(test)]
mod tests {
    use super::nested;

    #[test]
    fn nested_templates_join_as_axum_matches_them() {
        assert_eq!(nested("/api", "/jobs/{id}"), "/api/jobs/{id}");
        assert_eq!(nested("/api/", "/jobs"), "/api/jobs");
        assert_eq!(nested("/api", "/"), "/api");
    }
}
