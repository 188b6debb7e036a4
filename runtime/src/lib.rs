//! Compile-time checked Prometheus instrumentation.
//!
//! Annotate a fn with [`instrument_metric`] and get a duration histogram, an
//! error counter, a call counter or an in-flight gauge, the call timed and its
//! errors classified, every label combination exported at 0 from start — and,
//! at compile time, an error on the offending token for any metric name that
//! breaks Prometheus conventions or any label whose values are not a bounded
//! set.
//!
//! ```
//! use metricate::{instrument_metric, LabelValue};
//!
//! #[derive(Clone, Copy, LabelValue)]
//! enum CvFormat { Pdf, Docx, PlainText }
//!
//! #[derive(Debug, LabelValue)]
//! enum CvError { Empty, TooLarge { size: usize } }
//!
//! /// Parses an uploaded CV into sections.
//! #[instrument_metric(
//!     histogram = "doc_cv_parse_duration_seconds",
//!     errors = "doc_cv_parse_errors_total",
//!     labels(format = format),
//! )]
//! fn parse_cv(format: CvFormat, body: &[u8]) -> Result<usize, CvError> {
//!     match body.len() {
//!         0 => Err(CvError::Empty),
//!         size if size > 1 << 20 => Err(CvError::TooLarge { size }),
//!         size => Ok(size),
//!     }
//! }
//!
//! assert!(parse_cv(CvFormat::Pdf, b"").is_err());
//! let text = metricate::render();
//! assert!(text.contains(r#"doc_cv_parse_errors_total{error_type="empty",format="pdf"} 1"#));
//! assert!(text.contains(r#"doc_cv_parse_errors_total{error_type="too_large",format="docx"} 0"#));
//! ```
//!
//! # Guides
//!
//! - **[The guide](_guide)**: the attribute's keys, what each call records,
//!   [`LabelValue`](trait@LabelValue), where each check runs, and the error
//!   catalogue: every compile error with its message and fix.
//! - **[The runtime guide](_runtime)**: the catalogue and [`init`], the
//!   [`counter!`], [`gauge!`] and [`histogram!`] macros, the HTTP layer and
//!   `/metrics` route, process metrics, computed gauges, `build_info`,
//!   [`problems`], and the exposition formats.
//!
//! Every example in both guides is a doctest.
//!
//! # Concepts
//!
//! | concept | what it is |
//! |---|---|
//! | site | an annotated fn, or a `counter!`, `gauge!` or `histogram!` call. Each emits a `static` declaration of its metrics next to the code |
//! | family | one metric name, with its kind, label names and buckets. Sites that agree on these share the family; sites that disagree are a [`Conflict`] |
//! | label value | a value of a type that implements [`LabelValue`](trait@LabelValue): a closed set known at compile time, so every label combination can be created at 0 and their number checked against a budget (default 1000) at compile time |
//! | typed label | `labels(tier: Tier = self.tier)`, `counter!(.., model: Model = model)`: the type written where the macro cannot name it, so the values are known at start |
//! | catalogue | every declaration in the binary, collected by the linker: [`catalog()`](catalog()) lists the families and instrumented fns, and [`Catalog::validate`] finds conflicts without running anything |
//! | store | where metricate keeps every family it exports: those of the macros, computed gauges, `build_info`, the HTTP layer's and the `process_*` metrics. [`init`] creates every known series at 0; [`render`] writes them, then the collectors registered by hand in [`registry`] |
//! | problem | what only run time can see, as a typed [`Problem`]: a conflict, a family known only at first use, a name taken by a hand-registered metric, a site over budget. [`problems`] returns them; nothing is printed |
//!
//! # Feature flags
//!
//! No feature is on by default.
//!
//! | feature | what it adds |
//! |---|---|
//! | `axum` | the module `metricate::http`: `HttpMetricsLayer`, the tower layer that records the HTTP metrics of an axum 0.8 app per route template, and `MetricsEndpoint`, a ready `/metrics` route (format negotiation, gzip, bearer token, an async refresh before each scrape) |
//! | `prometheus` | [`registry()`](crate::registry): the `prometheus` crate's default registry, whose collectors (registered by hand or by other libraries) [`render`] writes after metricate's own families. Off by default: metricate keeps its own store and writes every format itself, so a service that never touches that registry does not compile `prometheus` (nor its protobuf code) |
//! | `metrics` | `metricate::facade`: metricate as the recorder of the `metrics` crate (0.24), so `metrics::counter!`, `gauge!` and `histogram!` calls (older code, dependencies) are exported on the same `/metrics`, their names and labels checked at first use, each family capped |
//! | `tokio` | `metricate::tokio_runtime`: a tokio runtime's workers, alive tasks, global queue depth and per-worker busy time and parks, read at each scrape |
//! | `push` | `metricate::push`: every family pushed to a Prometheus Pushgateway, for batch jobs (through `ureq`, plain HTTP) |
//!
//! The operations files generated from the catalogue (Prometheus recording
//! rules and alerts, including burn-rate alerts from `objective(..)`, a
//! Grafana dashboard, the metric reference, runbooks, and the Prometheus and
//! Alertmanager configuration) are the crate `metricate-ops`, which reads
//! [`catalog()`](catalog()) and the fixed names of [`names`].

mod arena;
mod bridge;
mod catalog;
mod clock;
mod computed;
pub mod exemplars;
mod expose;
#[cfg(feature = "metrics")]
pub mod facade;
#[cfg(feature = "axum")]
pub mod http;
mod instances;
mod label;
pub mod names;
mod native;
mod problems;
mod process;
#[cfg(feature = "push")]
pub mod push;
mod site;
mod slots;
mod start;
mod store;
#[cfg(feature = "tokio")]
pub mod tokio_runtime;
mod value;
mod value_site;
mod vocabulary;

#[doc(hidden)]
#[allow(missing_docs, unreachable_pub)]
pub mod __private;

#[cfg(feature = "prometheus")]
pub use bridge::registry;
pub use catalog::{catalog, Catalog, CatalogError};
pub use computed::{register_computed_gauge, Reading};
pub use expose::{render_with, Format};
pub use label::LabelValue;
pub use start::init;
pub use value::{Counter, CounterIncrement, Gauge, Histogram};
pub use vocabulary::{
    Conflict, FacadeName, FamilyInfo, FunctionInfo, KnownAtFirstUse, LabelInfo, LatencyObjective,
    MetricKind, Objective, Problem, SiteInfo,
};

/// Derives [`LabelValue`](trait@LabelValue) for an enum: each variant is one value,
/// the snake_case of its name unless `#[label(rename = "...")]` says otherwise.
pub use metricate_macros::LabelValue;

/// Times, counts and classifies the calls of a fn, with every name and label
/// checked at compile time.
///
/// Works on sync and `async` fns, sync fns returning a future (timed while the
/// future runs), methods (`&self`, `&mut self`, `self`), associated fns, generic
/// fns, `unsafe fn`, fns in trait impls and `#[async_trait]` methods (in either
/// attribute order). Other attributes and the visibility are kept, and the body
/// keeps its meaning: the same returns coerce and the same borrows check. See
/// [the guide](crate::_guide#how-the-body-runs).
///
/// # Arguments
///
/// At least one metric key is required.
///
/// | key | meaning |
/// |---|---|
/// | `histogram = "NAME_seconds"` | duration of each completed call, in seconds |
/// | `errors = "NAME_total"` | calls that ended in `Err`, a panic, or (futures only) cancellation, by `error_type`: the error's [`LabelValue`](trait@LabelValue), `"panic"`, `"cancelled"`; the fn must return `Result<_, E>` |
/// | `calls = "NAME_total"` | every call that ended, however it ended |
/// | `in_flight = "NAME"` | calls in progress; back down after panics and drops |
/// | `labels(name = expr, ...)` | `expr` is a parameter, a binding of a parameter's pattern (`Path(region): Path<Region>`), or a field path on one (`user.plan`), whose type implements [`LabelValue`](trait@LabelValue) |
/// | `labels(name: Type = expr, ...)` | the typed form: the label's type written (without the fn's generics or `Self`), so its values are known at start wherever `expr` reads (`self.tier`) |
/// | `const_labels(name = "value", ...)` | fixed labels; fns may share a family when their label names agree |
/// | `buckets = [f64, ...]` | histogram bounds in seconds, positive and strictly increasing (default 5 ms to 10 s) |
/// | `help = "..."` | the HELP text; default: the first paragraph of the doc comment |
/// | `max_series = N` | the cardinality budget: the product of the label types' value counts, default 1000, at most 10 000 |
/// | `error_type = "..."` | count every error under this one value, for error types that are not a `LabelValue` |
/// | `outcome = "LABEL"` | label `calls` by how each call ended: `ok`, `error` (for a `Result`), `panic`, `cancelled` (for futures) |
/// | `objective(latency = "250ms", percentile = 95, success = "99.5%")` | what the fn promises, checked at compile time and listed by [`Catalog::functions`] |
/// | `native(schema = N)` | the histogram is also a native histogram (schema -4 to 5, `native()` for 3) |
/// | `fn_label = "LABEL"` | a constant label whose value is the fn's name (`fn get_job` gives `LABEL="get_job"`) |
/// | `preset = path::NAME` | the keys of a [`preset!`], declared once; the site adds the label values it leaves open |
/// | `only(a, b)`, `skip(c)` | on an `impl` block: the methods it instruments, or those it leaves bare |
///
/// # On an `impl` block
///
/// On an `impl` block (inherent, or of a trait), the annotation instruments
/// every method with a body, as if written on each, sync and `async` alike;
/// `only(..)` or `skip(..)` choose among them, and a method with its own
/// annotation keeps it. The methods share the block's families, so
/// `fn_label` is required: it gives each method's series its own name.
///
/// ```
/// use metricate::instrument_metric;
///
/// struct Store;
///
/// #[instrument_metric(calls = "doc_store_calls_total", fn_label = "method", skip(new))]
/// impl Store {
///     fn new() -> Store { Store }
///     fn get(&self, key: u32) -> Option<u32> { key.checked_sub(1) }
///     async fn put(&self, _key: u32) {}
/// }
///
/// let store = Store::new();
/// assert_eq!(store.get(3), Some(2));
/// let text = metricate::render();
/// assert!(text.contains(r#"doc_store_calls_total{method="get"} 1"#));
/// assert!(text.contains(r#"doc_store_calls_total{method="put"} 0"#));
/// assert!(!text.contains(r#"method="new""#));
/// ```
///
/// # Compiled out
///
/// With metricate's `off` feature, every annotation is checked as usual and
/// then gives back its fn (or block) as written: the same code as without the
/// annotation. See [the guide](crate::_guide).
///
/// # Generated metrics
///
/// Every metric of one annotation carries the same labels (`errors` adds
/// `error_type`, `outcome` adds its label to `calls`). At [`init`] (or the
/// first scrape), every combination of label values is created at 0, for every
/// annotated fn, called or not, so dashboards and alerts see the series before
/// anything happens. Only a family whose label type is found through `Self`
/// without being written, or whose error type is `Self`'s or generic, waits
/// for the first call; [`problems`] and [`Catalog::validate`] report it. A call
/// costs no allocation, lock or hash: its labels' ordinals index a table of
/// cells. Cancelled futures and panicked calls are counted in `errors` and
/// `calls` but not observed in the histogram; a sync fn has no `cancelled`
/// series.
///
/// # Compile-time rules
///
/// Metric names are lower snake_case; counters end in `_total`, gauges and
/// histograms do not; duration histograms end in `_seconds`; `_count`, `_sum`
/// and `_bucket` are reserved; label names are valid, not `le`, `quantile` or
/// `__*`, not duplicated, and not unbounded by nature (`user_id`, `email`, `ip`,
/// `url`, any `*_id`, …); label values are not empty; label types implement
/// `LabelValue`, do not depend on the fn's generics, and the product of their
/// value counts is within budget; `outcome`, `objective` and `native` go with
/// the metrics they measure. Each error points at the offending token and says
/// how to fix it; [the guide's error catalogue](crate::_guide#6-error-catalogue)
/// lists them all.
///
/// # Example
///
/// ```
/// use metricate::{instrument_metric, LabelValue};
///
/// #[derive(Clone, Copy, LabelValue)]
/// enum Plan { Free, Pro }
///
/// struct User { plan: Plan }
///
/// /// Matches a CV against the open jobs.
/// #[instrument_metric(
///     histogram = "doc_match_duration_seconds",
///     calls = "doc_match_calls_total",
///     in_flight = "doc_match_in_flight",
///     labels(plan = user.plan),
///     const_labels(model = "v3_0"),
///     buckets = [0.01, 0.1, 1.0],
/// )]
/// async fn match_jobs(user: &User) -> usize {
///     3
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert_eq!(match_jobs(&User { plan: Plan::Pro }).await, 3);
/// # });
/// let text = metricate::render();
/// assert!(text.contains(r#"doc_match_calls_total{model="v3_0",plan="pro"} 1"#));
/// assert!(text.contains(r#"doc_match_calls_total{model="v3_0",plan="free"} 0"#));
/// assert!(text.contains(r#"doc_match_in_flight{model="v3_0",plan="pro"} 0"#));
/// ```
pub use metricate_macros::instrument_metric;

/// Declares, once, the keys many annotated fns share: their families, the
/// names of their labels, buckets, outcome, objective. Each site then names the
/// preset by path and adds only what differs: `#[instrument_metric(preset =
/// crate::metrics::HANDLER)]`. Everything is checked at compile time: the
/// preset's keys where the preset is written; at each site, that the labels the
/// preset leaves open get a value and that the site changes nothing that shapes
/// the families (so every site of a preset exports the same families, with the
/// same labels).
///
/// `preset! { VISIBILITY NAME(keys); ... }`. The keys are those of
/// [`instrument_metric`], except that `labels(..)` and `const_labels(..)` may
/// list names without values (`const_labels(operation, table = "jobs")`):
/// each site gives those. A site may add `help`, `error_type` and `objective`
/// when the preset does not set them. The families are the preset's, so their
/// help is the preset's `help`, else the first paragraph of the preset's doc
/// comment (not the doc of whichever site is first). A preset is a macro
/// underneath, reached by path within its crate: at most `pub(crate)`.
///
/// ```
/// mod metrics {
///     metricate::preset! {
///         /// A database query: timed, and counted by status.
///         pub(crate) QUERY(
///             histogram = "doc_query_duration_seconds",
///             calls = "doc_queries_total",
///             outcome = "status",
///             const_labels(operation, table),
///         );
///         /// An HTTP handler, named by its fn.
///         pub(crate) HANDLER(calls = "doc_handler_calls_total", fn_label = "handler");
///     }
/// }
///
/// #[metricate::instrument_metric(preset = metrics::QUERY, const_labels(operation = "select", table = "jobs"))]
/// fn find_job(id: u32) -> Result<u32, std::fmt::Error> {
///     Ok(id)
/// }
///
/// #[metricate::instrument_metric(preset = metrics::HANDLER)]
/// fn get_job() -> u32 {
///     find_job(7).unwrap_or(0)
/// }
///
/// assert_eq!(get_job(), 7);
/// let text = metricate::render();
/// assert!(text.contains(r#"doc_queries_total{operation="select",status="ok",table="jobs"} 1"#));
/// assert!(text.contains(r#"doc_handler_calls_total{handler="get_job"} 1"#));
/// assert!(text.contains("# HELP doc_handler_calls_total An HTTP handler, named by its fn. Calls that ended."));
/// ```
pub use metricate_macros::preset;

/// A counter series for values that are not a call's duration: tokens used,
/// bytes sent, jobs found. Returns a [`Counter`] handle, resolved once per call
/// site and label combination: no hashing or lookup after the first use.
///
/// `counter!("NAME_total", help = "...", label = value, label: Type = value, ...)`
///
/// The name must end in `_total`. Each label value's type must implement
/// [`LabelValue`](trait@LabelValue). Write the type (`model: Model = model`) and
/// its series exist at 0 from start, listed in the [`catalog`] even when the site
/// never runs, and the cardinality budget (1000 series) is checked by
/// `cargo check`; without it, the values are known from the first use and the
/// budget is enforced then. The HELP text defaults to the name.
///
/// ```
/// use metricate::LabelValue;
///
/// #[derive(Clone, Copy, LabelValue)]
/// enum Model { V3_0, V5_1 }
///
/// fn record_tokens(model: Model, tokens: u32) {
///     metricate::counter!("doc_ai_tokens_total", help = "Tokens sent to the model.", model: Model = model)
///         .inc_by(tokens);
/// }
///
/// record_tokens(Model::V5_1, 120);
/// let text = metricate::render();
/// assert!(text.contains(r#"doc_ai_tokens_total{model="v5_1"} 120"#));
/// assert!(text.contains(r#"doc_ai_tokens_total{model="v3_0"} 0"#));
/// ```
pub use metricate_macros::counter;

/// A gauge series: a value that goes up and down, or a timestamp. Returns a
/// [`Gauge`] handle. Same arguments and rules as [`counter!`], except that the
/// name must not end in `_total`.
///
/// ```
/// metricate::gauge!("doc_last_scan_timestamp_seconds").set_to_current_time();
/// assert!(metricate::gauge!("doc_last_scan_timestamp_seconds").get() > 1.0e9);
/// ```
pub use metricate_macros::gauge;

/// A histogram series of values in a base unit (`_seconds`, `_bytes`, `_ratio`,
/// `_meters`, ...): the name must end in one. Returns a [`Histogram`] handle.
/// Same arguments as [`counter!`], plus `buckets = [...]` (default: powers of 4
/// from 1 to about 4 million).
///
/// ```
/// let sizes = metricate::histogram!("doc_cv_size_bytes", buckets = [1024.0, 1048576.0]);
/// sizes.observe(4096.0);
/// assert!(metricate::render().contains(r#"doc_cv_size_bytes_bucket{le="1048576"} 1"#));
/// ```
pub use metricate_macros::histogram;

/// Registers a gauge computed when Prometheus scrapes, with its name (and label)
/// checked at compile time: `computed_gauge!("NAME", help = "...", label = "LABEL",
/// callback)`. The callback returns a number, an `Option` or `Result` of one, or,
/// with `label`, a `Vec<(L, f64)>` whose `L` is a [`LabelValue`](trait@LabelValue).
/// A callback that errs or panics leaves its gauge out of that scrape and counts
/// in `metricate_callback_failures_total{metric="NAME"}`, in the same scrape;
/// the scrape goes on. The gauge lives in metricate's store and is listed in the
/// [`catalog`], with the macro's call as its site.
/// Evaluates to `Result<(), metricate::Problem>`: registering a name twice is an error.
///
/// ```
/// use metricate::LabelValue;
///
/// #[derive(LabelValue)]
/// enum State { Active, Idle }
///
/// metricate::computed_gauge!("doc_pool_connections", help = "Connections in the pool.", label = "state", || {
///     vec![(State::Active, 3.0), (State::Idle, 5.0)]
/// })
/// .unwrap();
/// metricate::computed_gauge!("doc_broken_reading", || -> Result<f64, String> { Err("database down".into()) }).unwrap();
///
/// let text = metricate::render();
/// assert!(text.contains(r#"doc_pool_connections{state="idle"} 5"#));
/// assert!(!text.contains("doc_broken_reading "));
/// assert!(text.contains(r#"metricate_callback_failures_total{metric="doc_broken_reading"} 1"#));
/// ```
pub use metricate_macros::computed_gauge;

/// Registers the `build_info` gauge of the calling package: 1, labelled with its
/// name and version (from Cargo), the rustc version, and the git commit when the
/// build sets `GIT_COMMIT` (e.g. `GIT_COMMIT=$(git rev-parse HEAD) cargo build`).
/// With `process_start_time_seconds`, uptime is `time() - process_start_time_seconds`.
/// Evaluates to `Result<(), metricate::Problem>`: registering twice is an error.
///
/// ```
/// metricate::register_build_info!().unwrap();
/// let text = metricate::render();
/// assert!(text.contains(r#"git_commit="#) && text.contains(r#"package="metricate""#));
/// ```
#[macro_export]
macro_rules! register_build_info {
    () => {
        $crate::__private::register_build_info(
            ::core::env!("CARGO_PKG_NAME"),
            ::core::env!("CARGO_PKG_VERSION"),
            ::core::option_env!("GIT_COMMIT"),
        )
    };
}

/// Every metric in the Prometheus text format 0.0.4: metricate's families, then
/// those of [`registry`].
///
/// ```
/// let text = metricate::render();
/// assert!(text.ends_with('\n'));
/// ```
pub fn render() -> String {
    String::from_utf8(render_with(Format::Text)).unwrap_or_default()
}

/// The problems found so far, each a typed [`Problem`]: conflicting
/// declarations (naming both sites), families known only from a site's first
/// call (with the typed form to write), names taken by metrics registered by
/// hand in [`registry`], value-macro sites over budget. Most appear at
/// [`init`]; [`Catalog::validate`] finds the first two kinds without running
/// anything. Nothing is printed: log them.
///
/// ```
/// metricate::init();
/// for problem in metricate::problems() {
///     eprintln!("{problem}");
/// }
/// ```
pub fn problems() -> Vec<Problem> {
    problems::reported()
}

#[doc = include_str!("../docs/guide.md")]
pub mod _guide {}

// One example shows the unit test to write; the doctest runs its body instead.
#[allow(clippy::test_attr_in_doctest)]
#[doc = include_str!("../docs/runtime.md")]
pub mod _runtime {}
