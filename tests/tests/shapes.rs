//! The fn shapes real services write, each counted exactly: generic fns with
//! two instantiations, hand-boxed and returned futures, axum-style pattern
//! parameters, typed labels read through `self`, `Option`/`Box`/`Arc` labels
//! and errors, and the HELP text. Every test uses metric names of its own.

// Label enums list values that some tests never construct.
#![allow(dead_code)]

use metricate::{instrument_metric, LabelValue};
use metricate_tests::{help, sample, sample_in, series_count};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

// --- 1. Generic fns: each instantiation counted under its own type's values.

#[derive(Debug, LabelValue)]
enum FetchError {
    Timeout,
    Refused,
}

#[derive(Debug, LabelValue)]
enum ParseError {
    Empty,
    BadUtf8,
    TooLong,
}

/// Retries an operation.
#[instrument_metric(
    errors = "shapes_retry_errors_total",
    calls = "shapes_retry_calls_total"
)]
fn retry<E: LabelValue>(attempt: impl Fn() -> Result<u8, E>) -> Result<u8, E> {
    attempt()
}

#[test]
fn a_generic_error_type_is_counted_under_each_instantiations_values() {
    let _ = retry(|| Err(FetchError::Refused));
    let _ = retry(|| Err(ParseError::TooLong));
    let _ = retry(|| Err(ParseError::TooLong));
    let _ = retry(|| Ok::<u8, ParseError>(1));
    let errors = |error_type| sample("shapes_retry_errors_total", &[("error_type", error_type)]);
    assert_eq!(errors("refused"), Some(1.0));
    assert_eq!(errors("too_long"), Some(2.0));
    // Each type's other values exist at 0 once the type is known.
    assert_eq!(errors("timeout"), Some(0.0));
    assert_eq!(errors("empty"), Some(0.0));
    assert_eq!(errors("bad_utf8"), Some(0.0));
    // `panic` is shared by both instantiations: one series, their sum.
    assert_eq!(errors("panic"), Some(0.0));
    assert_eq!(series_count("shapes_retry_errors_total"), 6);
    assert_eq!(sample("shapes_retry_calls_total", &[]), Some(4.0));
}

#[derive(Clone, Copy, LabelValue)]
enum Region {
    Eu,
    Us,
}

#[derive(Clone, Copy, LabelValue)]
enum Board {
    Public,
    Partner,
    Internal,
}

fn count_found<L: LabelValue>(source: L, found: u32) {
    metricate::counter!("shapes_found_total", source = source).inc_by(found);
}

#[test]
fn an_inferred_counter_label_in_a_generic_fn_keeps_each_types_values() {
    count_found(Region::Us, 2);
    count_found(Board::Internal, 5);
    count_found(Board::Internal, 1);
    let found = |source| sample("shapes_found_total", &[("source", source)]);
    assert_eq!(found("us"), Some(2.0));
    assert_eq!(found("internal"), Some(6.0));
    assert_eq!(found("eu"), Some(0.0));
    assert_eq!(found("partner"), Some(0.0));
    assert_eq!(series_count("shapes_found_total"), 5);
}

// --- 2. Hand-boxed futures are not `#[async_trait]`'s.

/// Sums 1..=n by recursion, each step a boxed future.
#[instrument_metric(
    calls = "shapes_sum_to_calls_total",
    in_flight = "shapes_sum_to_in_flight"
)]
fn sum_to(n: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    if n == 0 {
        return Box::pin(async { 0 });
    }
    let rest = n - 1;
    Box::pin(async move { n + sum_to(rest).await })
}

/// A body that is one `if`/`else` expression of boxed futures.
#[instrument_metric(calls = "shapes_pick_calls_total")]
fn pick(fast: bool) -> Pin<Box<dyn Future<Output = &'static str> + Send>> {
    if fast {
        Box::pin(async { "fast" })
    } else {
        Box::pin(async { "slow" })
    }
}

#[tokio::test]
async fn hand_boxed_futures_count_every_call_including_early_returns() {
    assert_eq!(sum_to(4).await, 10);
    // 5 calls: n = 4, 3, 2, 1 and the early return at 0.
    assert_eq!(sample("shapes_sum_to_calls_total", &[]), Some(5.0));
    assert_eq!(sample("shapes_sum_to_in_flight", &[]), Some(0.0));
    assert_eq!(pick(true).await, "fast");
    assert_eq!(pick(false).await, "slow");
    assert_eq!(sample("shapes_pick_calls_total", &[]), Some(2.0));
}

// --- 4. Pattern parameters, as axum handlers write them.

struct Path<T>(T);
struct State<T>(T);
struct Json<T>(T);

#[derive(Clone, Copy, LabelValue)]
enum Model {
    V3_0,
    V5_1,
}

struct MatchRequest {
    model: Model,
    job: u32,
}

#[derive(Default)]
struct App {
    requests: std::sync::atomic::AtomicU32,
}

/// Lists the jobs of a region.
#[instrument_metric(calls = "shapes_list_jobs_calls_total", labels(region = region))]
async fn list_jobs(Path(region): Path<Region>, State(app): State<Arc<App>>) -> u32 {
    let _ = region;
    app.requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1
}

/// Matches a CV with the model the request names.
#[instrument_metric(
    histogram = "shapes_match_duration_seconds",
    labels(model = request.model),
)]
async fn match_cv(State(_app): State<Arc<App>>, Json(request): Json<MatchRequest>) -> u32 {
    request.job * 2
}

/// Tuple, struct, nested, `ref` and `mut` patterns.
#[instrument_metric(calls = "shapes_patterns_calls_total", labels(region = region, board = board))]
fn patterns(
    (mut count, ref region): (u32, Region),
    Wrapper {
        inner: Path(board), ..
    }: Wrapper,
) -> u32 {
    count += 1;
    let _ = (region, board);
    count
}

struct Wrapper {
    inner: Path<Board>,
    note: &'static str,
}

#[tokio::test]
async fn labels_read_the_bindings_of_parameter_patterns() {
    // The series exist at start: the binding's type is found from the pattern.
    assert_eq!(
        sample("shapes_list_jobs_calls_total", &[("region", "eu")]),
        Some(0.0)
    );
    let app = Arc::new(App::default());
    list_jobs(Path(Region::Us), State(Arc::clone(&app))).await;
    list_jobs(Path(Region::Us), State(Arc::clone(&app))).await;
    assert_eq!(
        sample("shapes_list_jobs_calls_total", &[("region", "us")]),
        Some(2.0)
    );
    let request = MatchRequest {
        model: Model::V5_1,
        job: 21,
    };
    assert_eq!(match_cv(State(app), Json(request)).await, 42);
    let text = metricate::render();
    let count = |model| {
        sample_in(
            &text,
            "shapes_match_duration_seconds_count",
            &[("model", model)],
        )
    };
    assert_eq!((count("v5_1"), count("v3_0")), (Some(1.0), Some(0.0)));

    let wrapper = Wrapper {
        inner: Path(Board::Partner),
        note: "",
    };
    assert_eq!(patterns((1, Region::Eu), wrapper), 2);
    let calls = |region, board| {
        sample(
            "shapes_patterns_calls_total",
            &[("region", region), ("board", board)],
        )
    };
    assert_eq!(calls("eu", "partner"), Some(1.0));
    assert_eq!(calls("us", "internal"), Some(0.0));
    assert_eq!(series_count("shapes_patterns_calls_total"), 6);
}

// --- 5. A returned future is timed while it runs.

#[derive(Debug, LabelValue)]
enum ScanError {
    FeedDown,
}

/// Scans a feed, returning the future that does it.
#[instrument_metric(
    histogram = "shapes_scan_duration_seconds",
    errors = "shapes_scan_errors_total",
    in_flight = "shapes_scan_in_flight",
    buckets = [0.01, 0.04, 1.0],
)]
fn scan(fail: bool) -> impl Future<Output = Result<u32, ScanError>> + Send {
    let pause = Duration::from_millis(50);
    async move {
        tokio::time::sleep(pause).await;
        if fail {
            Err(ScanError::FeedDown)
        } else {
            Ok(3)
        }
    }
}

#[tokio::test]
async fn a_returned_future_is_timed_and_classified_while_it_runs() {
    let future = scan(false);
    // Built but pending: in flight, not yet observed.
    assert_eq!(sample("shapes_scan_in_flight", &[]), Some(1.0));
    assert_eq!(future.await.ok(), Some(3));
    assert_eq!(
        scan(true).await.err().map(|e| e.label_value()),
        Some("feed_down")
    );
    let text = metricate::render();
    assert_eq!(sample_in(&text, "shapes_scan_in_flight", &[]), Some(0.0));
    assert_eq!(
        sample_in(&text, "shapes_scan_duration_seconds_count", &[]),
        Some(2.0)
    );
    // 50 ms runs, not the microsecond it takes to build the future.
    assert_eq!(
        sample_in(
            &text,
            "shapes_scan_duration_seconds_bucket",
            &[("le", "0.04")]
        ),
        Some(0.0)
    );
    let sum = sample_in(&text, "shapes_scan_duration_seconds_sum", &[]).unwrap_or(0.0);
    assert!((0.1..5.0).contains(&sum), "{sum}");
    assert_eq!(
        sample_in(
            &text,
            "shapes_scan_errors_total",
            &[("error_type", "feed_down")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample_in(
            &text,
            "shapes_scan_errors_total",
            &[("error_type", "cancelled")]
        ),
        Some(0.0)
    );
}

// --- 6. HELP is the doc comment's first paragraph.

/// Parses an uploaded CV
/// into sections.
///
/// # Errors
///
/// When the body is empty.
#[instrument_metric(histogram = "shapes_help_duration_seconds")]
fn documented() {}

#[test]
fn help_is_the_first_paragraph_of_the_doc_comment() {
    documented();
    assert_eq!(
        help("shapes_help_duration_seconds").as_deref(),
        Some("Parses an uploaded CV into sections.")
    );
}

// --- 7. Option, Box, Arc and Rc as labels and errors.

#[derive(Clone, Copy, LabelValue)]
enum Plan {
    Free,
    Pro,
}

#[derive(Debug, LabelValue)]
enum StoreError {
    Missing,
    Full,
}

/// Stores a job for an account that may have no plan yet.
#[instrument_metric(errors = "shapes_store_errors_total", labels(plan = plan))]
fn store(plan: Option<Plan>, full: bool) -> Result<(), Box<StoreError>> {
    let _ = plan;
    if full {
        Err(Box::new(StoreError::Full))
    } else {
        Ok(())
    }
}

/// Shares a CV with a team.
#[instrument_metric(calls = "shapes_share_calls_total", labels(plan = plan))]
fn share(plan: Arc<Plan>) {}

#[test]
fn option_box_and_arc_are_label_and_error_types() {
    store(None, true).ok();
    store(Some(Plan::Pro), true).ok();
    store(Some(Plan::Pro), false).ok();
    share(Arc::new(Plan::Pro));
    let errors = |plan, error_type| {
        sample(
            "shapes_store_errors_total",
            &[("plan", plan), ("error_type", error_type)],
        )
    };
    assert_eq!(errors("none", "full"), Some(1.0));
    assert_eq!(errors("pro", "full"), Some(1.0));
    assert_eq!(errors("free", "missing"), Some(0.0));
    // 3 plans (free, pro, none) x (2 variants + panic).
    assert_eq!(series_count("shapes_store_errors_total"), 9);
    assert_eq!(
        sample("shapes_share_calls_total", &[("plan", "pro")]),
        Some(1.0)
    );
}

// --- 10. The typed form: every series at start, whatever the value's path.

#[derive(Clone, Copy, LabelValue)]
enum Tier {
    Basic,
    Premium,
}

struct Account {
    tier: Tier,
}

impl Account {
    /// Tailors a CV for this account.
    #[instrument_metric(calls = "shapes_tailor_calls_total", labels(tier: Tier = self.tier))]
    fn tailor(&self) -> usize {
        1
    }
}

struct Generic<T> {
    value: T,
    tier: Tier,
}

/// Reads a tier through a generic wrapper, with its type written.
#[instrument_metric(calls = "shapes_generic_tier_calls_total", labels(tier: Tier = wrapper.tier))]
fn generic_tier<T>(wrapper: &Generic<T>) -> Tier {
    wrapper.tier
}

#[test]
fn typed_labels_exist_at_start_wherever_the_value_comes_from() {
    // Before any call.
    for tier in ["basic", "premium"] {
        assert_eq!(
            sample("shapes_tailor_calls_total", &[("tier", tier)]),
            Some(0.0)
        );
        assert_eq!(
            sample("shapes_generic_tier_calls_total", &[("tier", tier)]),
            Some(0.0)
        );
    }
    Account {
        tier: Tier::Premium,
    }
    .tailor();
    generic_tier(&Generic {
        value: "x",
        tier: Tier::Basic,
    });
    generic_tier(&Generic {
        value: 7_u8,
        tier: Tier::Basic,
    });
    assert_eq!(
        sample("shapes_tailor_calls_total", &[("tier", "premium")]),
        Some(1.0)
    );
    assert_eq!(
        sample("shapes_generic_tier_calls_total", &[("tier", "basic")]),
        Some(2.0)
    );
}

// --- `outcome`: calls split by how each ended.

/// Saves a job.
#[instrument_metric(
    calls = "shapes_db_operations_total",
    outcome = "status",
    const_labels(operation = "insert", table = "jobs")
)]
fn insert_job(fail: bool) -> Result<u32, StoreError> {
    if fail {
        Err(StoreError::Full)
    } else {
        Ok(1)
    }
}

/// Reads a job, slowly.
#[instrument_metric(calls = "shapes_fetch_calls_total", outcome = "status")]
async fn fetch_job(pause: Duration) -> Option<u32> {
    tokio::time::sleep(pause).await;
    Some(1)
}

#[tokio::test]
async fn outcome_labels_calls_by_how_they_ended() {
    insert_job(false).ok();
    insert_job(true).ok();
    insert_job(true).ok();
    let _ = std::panic::catch_unwind(|| -> Result<u32, StoreError> {
        let _ = insert_job(false);
        panic!("after the call: not counted as its panic")
    });
    let status = |value| {
        sample(
            "shapes_db_operations_total",
            &[
                ("operation", "insert"),
                ("table", "jobs"),
                ("status", value),
            ],
        )
    };
    assert_eq!(status("ok"), Some(2.0));
    assert_eq!(status("error"), Some(2.0));
    assert_eq!(status("panic"), Some(0.0));
    // A sync fn cannot be cancelled.
    assert_eq!(status("cancelled"), None);

    assert_eq!(fetch_job(Duration::ZERO).await, Some(1));
    let timed_out =
        tokio::time::timeout(Duration::from_millis(5), fetch_job(Duration::from_secs(5))).await;
    assert!(timed_out.is_err());
    let status = |value| sample("shapes_fetch_calls_total", &[("status", value)]);
    assert_eq!(status("ok"), Some(1.0));
    assert_eq!(status("cancelled"), Some(1.0));
    // An `Option` is not a `Result`: no `error` outcome.
    assert_eq!(status("error"), None);
    assert_eq!(series_count("shapes_fetch_calls_total"), 3);
}
