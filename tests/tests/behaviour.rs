//! Behaviour of `#[instrument_metric]` through the `metricate` facade only: each
//! key, each fn shape, panics, cancellation, in-flight gauges, shared families and
//! the zero series. Every test uses metric names of its own: the registry is
//! process-wide and tests run in parallel.

// Label enums list values that some tests never construct, and error variants
// carry data that only their `Debug` output reads.
#![allow(dead_code)]

use metricate::{instrument_metric, LabelValue};
use metricate_tests::{help, sample, series_count};
use std::future::Future;
use std::time::Duration;

#[derive(Clone, Copy, Debug, LabelValue)]
enum Format {
    Pdf,
    Docx,
    PlainText,
}

#[derive(Debug, LabelValue)]
enum ParseError {
    Empty,
    TooLarge { size: usize },
    Corrupt(String),
}

fn parse(body: &str) -> Result<usize, ParseError> {
    match body.len() {
        0 => Err(ParseError::Empty),
        size if size > 10 => Err(ParseError::TooLarge { size }),
        _ if body.contains('!') => Err(ParseError::Corrupt(body.to_owned())),
        size => Ok(size),
    }
}

/// Parses a CV body.
#[instrument_metric(
    histogram = "bt_parse_duration_seconds",
    errors = "bt_parse_errors_total",
    calls = "bt_parse_calls_total",
    labels(format = format)
)]
fn parse_cv(format: Format, body: &str) -> Result<usize, ParseError> {
    parse(body)
}

#[test]
fn histogram_errors_and_calls_are_recorded_per_label() {
    assert_eq!(parse_cv(Format::Pdf, "abc").ok(), Some(3));
    assert!(parse_cv(Format::Pdf, "").is_err());
    assert!(parse_cv(Format::Docx, "far too long").is_err());
    assert!(parse_cv(Format::Docx, "a!").is_err());

    let pdf = [("format", "pdf")];
    assert_eq!(sample("bt_parse_duration_seconds_count", &pdf), Some(2.0));
    assert_eq!(sample("bt_parse_calls_total", &pdf), Some(2.0));
    assert_eq!(
        sample("bt_parse_calls_total", &[("format", "docx")]),
        Some(2.0)
    );
    let errors = |format, error_type| {
        sample(
            "bt_parse_errors_total",
            &[("format", format), ("error_type", error_type)],
        )
    };
    assert_eq!(errors("pdf", "empty"), Some(1.0));
    assert_eq!(errors("docx", "too_large"), Some(1.0));
    assert_eq!(errors("docx", "corrupt"), Some(1.0));
    assert_eq!(errors("pdf", "too_large"), Some(0.0));
    // The combinations never called exist at 0.
    assert_eq!(
        sample("bt_parse_calls_total", &[("format", "plain_text")]),
        Some(0.0)
    );
    assert_eq!(
        sample(
            "bt_parse_duration_seconds_count",
            &[("format", "plain_text")]
        ),
        Some(0.0)
    );
    assert_eq!(errors("plain_text", "panic"), Some(0.0));
    // A sync call cannot be cancelled: no series that could never move.
    assert_eq!(errors("plain_text", "cancelled"), None);
    // 3 formats x (3 variants + panic).
    assert_eq!(series_count("bt_parse_errors_total"), 12);
    assert_eq!(
        help("bt_parse_duration_seconds").as_deref(),
        Some("Parses a CV body.")
    );
}

#[derive(Clone, Copy, LabelValue)]
enum Plan {
    Free,
    Pro,
}

struct User {
    plan: Plan,
    beta: bool,
}

#[instrument_metric(calls = "bt_field_path_calls_total", labels(plan = user.plan, beta = user.beta), help = "Custom help.")]
fn field_path_labels(user: &User) -> u8 {
    7
}

#[test]
fn labels_read_field_paths_and_help_overrides_the_doc() {
    let user = User {
        plan: Plan::Pro,
        beta: true,
    };
    assert_eq!(field_path_labels(&user), 7);
    assert_eq!(
        sample(
            "bt_field_path_calls_total",
            &[("plan", "pro"), ("beta", "true")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            "bt_field_path_calls_total",
            &[("plan", "free"), ("beta", "false")]
        ),
        Some(0.0)
    );
    assert_eq!(series_count("bt_field_path_calls_total"), 4);
    assert_eq!(
        help("bt_field_path_calls_total").as_deref(),
        Some("Custom help. Calls that ended.")
    );
}

#[instrument_metric(histogram = "bt_buckets_duration_seconds", buckets = [0.01, 0.5, 2])]
fn with_buckets() {}

#[test]
fn custom_buckets_are_used() {
    with_buckets();
    let text = metricate::render();
    let bounds: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("bt_buckets_duration_seconds_bucket"))
        .filter_map(|line| line.split("le=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(bounds, ["0.01", "0.5", "2", "+Inf"]);
}

#[instrument_metric(
    errors = "bt_panic_errors_total",
    calls = "bt_panic_calls_total",
    in_flight = "bt_panic_in_flight",
    histogram = "bt_panic_duration_seconds"
)]
fn may_panic(explode: bool) -> Result<(), ParseError> {
    assert!(!explode, "boom from the user's code");
    Ok(())
}

#[test]
fn a_panic_counts_as_error_type_panic_and_propagates_unchanged() {
    may_panic(false).ok();
    let payload = std::panic::catch_unwind(|| may_panic(true)).unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"boom from the user's code")
    );
    assert_eq!(
        sample("bt_panic_errors_total", &[("error_type", "panic")]),
        Some(1.0)
    );
    assert_eq!(
        sample("bt_panic_errors_total", &[("error_type", "empty")]),
        Some(0.0)
    );
    assert_eq!(sample("bt_panic_calls_total", &[]), Some(2.0));
    assert_eq!(sample("bt_panic_in_flight", &[]), Some(0.0));
    // Only the completed call has a duration.
    assert_eq!(sample("bt_panic_duration_seconds_count", &[]), Some(1.0));
}

#[instrument_metric(
    histogram = "bt_slow_duration_seconds",
    errors = "bt_slow_errors_total",
    calls = "bt_slow_calls_total",
    in_flight = "bt_slow_in_flight"
)]
async fn slow(wait: Duration) -> Result<(), ParseError> {
    tokio::time::sleep(wait).await;
    Ok(())
}

#[tokio::test]
async fn a_dropped_future_counts_as_cancelled_and_is_not_timed() {
    slow(Duration::ZERO).await.ok();
    let timed_out =
        tokio::time::timeout(Duration::from_millis(20), slow(Duration::from_secs(30))).await;
    assert!(timed_out.is_err());
    assert_eq!(
        sample("bt_slow_errors_total", &[("error_type", "cancelled")]),
        Some(1.0)
    );
    assert_eq!(sample("bt_slow_calls_total", &[]), Some(2.0));
    assert_eq!(sample("bt_slow_duration_seconds_count", &[]), Some(1.0));
    assert_eq!(sample("bt_slow_in_flight", &[]), Some(0.0));
}

#[instrument_metric(in_flight = "bt_waiting_in_flight", labels(plan = plan))]
async fn wait_for(plan: Plan, release: tokio::sync::oneshot::Receiver<()>) {
    release.await.ok();
}

#[tokio::test]
async fn in_flight_is_one_while_a_call_runs_and_zero_after() {
    let (release, wait) = tokio::sync::oneshot::channel();
    let call = tokio::spawn(wait_for(Plan::Pro, wait));
    let gauge = || sample("bt_waiting_in_flight", &[("plan", "pro")]);
    for _ in 0..200 {
        if gauge() == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(gauge(), Some(1.0));
    assert_eq!(
        sample("bt_waiting_in_flight", &[("plan", "free")]),
        Some(0.0)
    );
    release.send(()).ok();
    call.await.ok();
    assert_eq!(gauge(), Some(0.0));
}

/// Scores a CV with the old model.
#[instrument_metric(calls = "bt_model_calls_total", const_labels(model = "v3_0"), labels(plan = plan))]
fn score_v3(plan: Plan) -> u32 {
    3
}

/// Scores a CV with the new model.
#[instrument_metric(calls = "bt_model_calls_total", labels(plan = plan), const_labels(model = "v5_1"))]
fn score_v5(plan: Plan) -> u32 {
    5
}

#[test]
fn two_fns_share_a_family_when_label_names_agree() {
    assert_eq!(
        score_v3(Plan::Free) + score_v5(Plan::Pro) + score_v5(Plan::Pro),
        13
    );
    assert_eq!(
        sample(
            "bt_model_calls_total",
            &[("model", "v3_0"), ("plan", "free")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            "bt_model_calls_total",
            &[("model", "v5_1"), ("plan", "pro")]
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            "bt_model_calls_total",
            &[("model", "v5_1"), ("plan", "free")]
        ),
        Some(0.0)
    );
    assert_eq!(series_count("bt_model_calls_total"), 4);
    assert!(metricate::problems()
        .iter()
        .all(|problem| !problem.to_string().contains("bt_model_calls_total")));
}

#[instrument_metric(errors = "bt_string_errors_total", error_type = "rejected")]
fn string_error(fail: bool) -> Result<(), String> {
    if fail {
        Err("no".to_owned())
    } else {
        Ok(())
    }
}

#[instrument_metric(errors = "bt_io_errors_total")]
fn io_error(kind: std::io::ErrorKind) -> std::io::Result<()> {
    Err(kind.into())
}

#[test]
fn errors_of_other_types_use_a_fixed_error_type_and_io_errors_their_kind() {
    string_error(true).ok();
    string_error(false).ok();
    assert_eq!(
        sample("bt_string_errors_total", &[("error_type", "rejected")]),
        Some(1.0)
    );
    io_error(std::io::ErrorKind::TimedOut).ok();
    io_error(std::io::ErrorKind::Other).ok();
    assert_eq!(
        sample("bt_io_errors_total", &[("error_type", "timed_out")]),
        Some(1.0)
    );
    assert_eq!(
        sample("bt_io_errors_total", &[("error_type", "other")]),
        Some(1.0)
    );
    assert_eq!(
        sample("bt_io_errors_total", &[("error_type", "not_found")]),
        Some(0.0)
    );
}

// ---- fn shapes ---------------------------------------------------------------

#[derive(Clone, Copy, LabelValue)]
enum Tier {
    Basic,
    Premium,
}

struct Matcher {
    tier: Tier,
    seen: u32,
}

impl Matcher {
    #[instrument_metric(calls = "bt_shape_ref_calls_total", labels(tier = self.tier))]
    fn by_ref(&self) -> Tier {
        self.tier
    }

    #[instrument_metric(calls = "bt_shape_mut_calls_total")]
    fn by_mut(&mut self) -> u32 {
        self.seen += 1;
        self.seen
    }

    #[instrument_metric(calls = "bt_shape_owned_calls_total", labels(tier = self.tier))]
    fn by_value(self) -> u32 {
        self.seen
    }

    #[instrument_metric(calls = "bt_shape_assoc_calls_total", labels(tier = tier))]
    fn new(tier: Tier) -> Self {
        Matcher { tier, seen: 0 }
    }
}

#[instrument_metric(calls = "bt_shape_generic_calls_total", labels(tier = tier))]
fn generic<T, I>(tier: Tier, items: I, extra: impl Into<u64>) -> u64
where
    T: Into<u64>,
    I: IntoIterator<Item = T>,
{
    items.into_iter().map(Into::into).sum::<u64>() + extra.into()
}

#[instrument_metric(calls = "bt_shape_lifetime_calls_total")]
fn longest<'a>(left: &'a str, right: &'a str) -> &'a str {
    if left.len() >= right.len() {
        left
    } else {
        right
    }
}

/// # Safety
/// `pointer` must be valid for reads.
#[instrument_metric(calls = "bt_shape_unsafe_calls_total")]
unsafe fn read(pointer: *const u32) -> u32 {
    // SAFETY: the caller promises `pointer` is valid.
    unsafe { *pointer }
}

#[instrument_metric(errors = "bt_shape_impl_errors_total")]
fn evens(limit: u32) -> Result<impl Iterator<Item = u32>, ParseError> {
    if limit == 0 {
        return Err(ParseError::Empty);
    }
    Ok((0..limit).filter(|n| n % 2 == 0))
}

#[instrument_metric(errors = "bt_shape_collect_errors_total")]
fn lengths(words: &[&str]) -> Result<Vec<usize>, ParseError> {
    words.iter().map(|word| parse(word)).collect()
}

/// Other attributes and the visibility are kept.
#[inline]
#[must_use]
#[instrument_metric(calls = "bt_shape_attrs_calls_total")]
pub fn keeps_attributes() -> u8 {
    1
}

#[test]
fn every_sync_fn_shape_is_instrumented() {
    let mut matcher = Matcher::new(Tier::Premium);
    assert!(matches!(matcher.by_ref(), Tier::Premium));
    assert_eq!(matcher.by_mut(), 1);
    assert_eq!(matcher.by_value(), 1);
    assert_eq!(generic(Tier::Basic, [1u8, 2], 3u32), 6);
    assert_eq!(longest("ab", "c"), "ab");
    let value = 42;
    // SAFETY: `value` is alive and aligned.
    assert_eq!(unsafe { read(&value) }, 42);
    assert_eq!(evens(5).map(Iterator::count).ok(), Some(3));
    assert!(evens(0).is_err());
    assert_eq!(lengths(&["a", "bb"]).ok(), Some(vec![1, 2]));
    assert!(lengths(&["a", ""]).is_err());
    assert_eq!(keeps_attributes(), 1);

    let premium = [("tier", "premium")];
    assert_eq!(sample("bt_shape_ref_calls_total", &premium), Some(1.0));
    assert_eq!(
        sample("bt_shape_ref_calls_total", &[("tier", "basic")]),
        Some(0.0)
    );
    assert_eq!(sample("bt_shape_mut_calls_total", &[]), Some(1.0));
    assert_eq!(sample("bt_shape_owned_calls_total", &premium), Some(1.0));
    assert_eq!(sample("bt_shape_assoc_calls_total", &premium), Some(1.0));
    assert_eq!(
        sample("bt_shape_generic_calls_total", &[("tier", "basic")]),
        Some(1.0)
    );
    assert_eq!(sample("bt_shape_lifetime_calls_total", &[]), Some(1.0));
    assert_eq!(sample("bt_shape_unsafe_calls_total", &[]), Some(1.0));
    assert_eq!(
        sample("bt_shape_impl_errors_total", &[("error_type", "empty")]),
        Some(1.0)
    );
    assert_eq!(
        sample("bt_shape_collect_errors_total", &[("error_type", "empty")]),
        Some(1.0)
    );
    assert_eq!(sample("bt_shape_attrs_calls_total", &[]), Some(1.0));
}

trait Scanner {
    fn scan(&self, tier: Tier) -> impl Future<Output = Result<u32, ParseError>> + Send;
}

struct JobScanner;

impl Scanner for JobScanner {
    #[instrument_metric(histogram = "bt_shape_trait_duration_seconds", errors = "bt_shape_trait_errors_total", labels(tier = tier))]
    async fn scan(&self, tier: Tier) -> Result<u32, ParseError> {
        tokio::task::yield_now().await;
        match tier {
            Tier::Basic => Ok(1),
            Tier::Premium => Err(ParseError::TooLarge { size: 2 }),
        }
    }
}

#[async_trait::async_trait]
trait Notifier {
    async fn notify(&self, tier: Tier) -> Result<u32, ParseError>;
    async fn notify_later(&self, tier: Tier) -> Result<u32, ParseError>;
}

struct Mailer {
    delay: Duration,
}

#[async_trait::async_trait]
impl Notifier for Mailer {
    // `#[async_trait]` runs first: metricate sees the boxed future and times it.
    #[instrument_metric(histogram = "bt_shape_async_trait_inner_duration_seconds", errors = "bt_shape_async_trait_inner_errors_total", labels(tier = tier))]
    async fn notify(&self, tier: Tier) -> Result<u32, ParseError> {
        tokio::time::sleep(self.delay).await;
        Ok(1)
    }

    async fn notify_later(&self, tier: Tier) -> Result<u32, ParseError> {
        self.notify(tier).await
    }
}

struct Pager;

#[async_trait::async_trait]
impl Notifier for Pager {
    async fn notify(&self, _tier: Tier) -> Result<u32, ParseError> {
        Err(ParseError::Empty)
    }

    #[instrument_metric(errors = "bt_shape_async_trait_outer_errors_total", labels(tier = tier))]
    async fn notify_later(&self, tier: Tier) -> Result<u32, ParseError> {
        self.notify(tier).await
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test]
async fn async_fns_in_trait_impls_are_instrumented_and_stay_send() {
    assert_eq!(
        assert_send(JobScanner.scan(Tier::Basic)).await.ok(),
        Some(1)
    );
    assert!(JobScanner.scan(Tier::Premium).await.is_err());
    assert_eq!(
        sample(
            "bt_shape_trait_duration_seconds_count",
            &[("tier", "basic")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            "bt_shape_trait_errors_total",
            &[("tier", "premium"), ("error_type", "too_large")]
        ),
        Some(1.0)
    );

    let mailer = Mailer {
        delay: Duration::from_millis(30),
    };
    let boxed = assert_send(mailer.notify(Tier::Premium));
    // The future is built but not polled: nothing is timed yet.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(boxed.await.ok(), Some(1));
    let text = metricate::render();
    let count = metricate_tests::sample_in(
        &text,
        "bt_shape_async_trait_inner_duration_seconds_count",
        &[("tier", "premium")],
    );
    let sum = metricate_tests::sample_in(
        &text,
        "bt_shape_async_trait_inner_duration_seconds_sum",
        &[("tier", "premium")],
    );
    assert_eq!(count, Some(1.0));
    // The inner future's 30 ms are timed, not the 400 ms the boxed future waited
    // before its first poll: the gap keeps a loaded machine's late wake-ups apart.
    let sum = sum.unwrap_or_default();
    assert!((0.025..0.4).contains(&sum), "timed {sum} s");

    assert!(Pager.notify_later(Tier::Basic).await.is_err());
    assert_eq!(
        sample(
            "bt_shape_async_trait_outer_errors_total",
            &[("tier", "basic"), ("error_type", "empty")]
        ),
        Some(1.0)
    );
}
