//! Correctness, round two: each test here pins a case that used to record a
//! wrong number with no error (a call returning during another panic's unwind
//! counted as a panic, an out-of-range `LabelValue` counted under another
//! series, a boxed future returned early counted as cancelled), or that did not
//! compile once annotated (a label in a fn a `macro_rules!` writes, an
//! `#[async_trait]` method reading a pattern's bindings, `?` and `.await` in a
//! `counter!` label), or that exported invalid output (one OpenMetrics name
//! for two families, one label value twice from a computed gauge).

#![allow(dead_code)]

use async_trait::async_trait;
use metricate::{instrument_metric, LabelValue, Problem};
use metricate_tests::{block_on, python_parse, sample};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};

#[derive(Debug, LabelValue)]
enum RollbackError {
    Conflict,
}

// --- 1. A call that returns while another panic unwinds returned. ---

/// Rolls back, in place.
#[instrument_metric(
    histogram = "cr_rollback_in_place_duration_seconds",
    calls = "cr_rollback_in_place_calls_total"
)]
fn rollback_in_place() {}

/// Rolls back, classified.
#[instrument_metric(
    histogram = "cr_rollback_checked_duration_seconds",
    errors = "cr_rollback_checked_errors_total",
    calls = "cr_rollback_checked_calls_total",
    outcome = "outcome"
)]
fn rollback_checked() -> Result<(), RollbackError> {
    Ok(())
}

/// Rolls back, async.
#[instrument_metric(
    histogram = "cr_rollback_async_duration_seconds",
    errors = "cr_rollback_async_errors_total"
)]
async fn rollback_async() -> Result<(), RollbackError> {
    Ok(())
}

/// Rolls back, in a returned future.
#[instrument_metric(
    histogram = "cr_rollback_later_duration_seconds",
    errors = "cr_rollback_later_errors_total"
)]
fn rollback_later() -> impl Future<Output = Result<(), RollbackError>> + Send {
    async { Ok(()) }
}

/// A transaction that rolls back when dropped, as one unwinding would.
struct Transaction;

impl Drop for Transaction {
    fn drop(&mut self) {
        assert!(std::thread::panicking());
        rollback_in_place();
        rollback_checked().expect("the rollback succeeds");
        block_on(rollback_async()).expect("the rollback succeeds");
        block_on(rollback_later()).expect("the rollback succeeds");
    }
}

#[test]
fn a_call_returning_while_another_panic_unwinds_is_recorded_as_returned() {
    let unwound = std::panic::catch_unwind(|| {
        let _transaction = Transaction;
        panic!("the request failed");
    });
    assert!(unwound.is_err());
    for histogram in [
        "cr_rollback_in_place_duration_seconds_count",
        "cr_rollback_checked_duration_seconds_count",
        "cr_rollback_async_duration_seconds_count",
        "cr_rollback_later_duration_seconds_count",
    ] {
        assert_eq!(sample(histogram, &[]), Some(1.0), "{histogram}");
    }
    assert_eq!(sample("cr_rollback_in_place_calls_total", &[]), Some(1.0));
    let outcome = |outcome| sample("cr_rollback_checked_calls_total", &[("outcome", outcome)]);
    assert_eq!(outcome("ok"), Some(1.0));
    assert_eq!(outcome("panic"), Some(0.0));
    for errors in [
        "cr_rollback_checked_errors_total",
        "cr_rollback_async_errors_total",
        "cr_rollback_later_errors_total",
    ] {
        assert_eq!(
            sample(errors, &[("error_type", "panic")]),
            Some(0.0),
            "{errors}"
        );
    }
    assert_eq!(
        sample(
            "cr_rollback_async_errors_total",
            &[("error_type", "cancelled")]
        ),
        Some(0.0)
    );
}

/// Waits for a reply that never comes.
#[instrument_metric(errors = "cr_waits_errors_total")]
async fn waits() -> Result<(), RollbackError> {
    std::future::pending::<()>().await;
    Ok(())
}

/// Panics inside the call.
#[instrument_metric(errors = "cr_explodes_errors_total")]
async fn explodes(now: bool) -> Result<(), RollbackError> {
    if now {
        panic!("inside the call");
    }
    Ok(())
}

#[test]
fn a_future_dropped_by_another_panic_is_cancelled_and_its_own_panic_is_a_panic() {
    let unwound = std::panic::catch_unwind(|| {
        let mut pending = Box::pin(waits());
        let mut context = Context::from_waker(Waker::noop());
        assert!(pending.as_mut().poll(&mut context).is_pending());
        panic!("the handler failed while the call was pending");
    });
    assert!(unwound.is_err());
    let waits = |error_type| sample("cr_waits_errors_total", &[("error_type", error_type)]);
    assert_eq!(waits("cancelled"), Some(1.0));
    assert_eq!(waits("panic"), Some(0.0));

    assert!(std::panic::catch_unwind(|| block_on(explodes(true))).is_err());
    let explodes = |error_type| sample("cr_explodes_errors_total", &[("error_type", error_type)]);
    assert_eq!(explodes("panic"), Some(1.0));
    assert_eq!(explodes("cancelled"), Some(0.0));
}

// --- 2. An ordinal out of range is not recorded, and is reported. ---

#[derive(Clone, Copy, LabelValue)]
enum Tier {
    Free,
    Pro,
}

/// A hand-written `LabelValue` whose `index()` may lie.
#[derive(Clone, Copy)]
struct Shard(usize);

impl LabelValue for Shard {
    const VALUES: &'static [&'static str] = &["a", "b"];
    fn index(&self) -> usize {
        self.0
    }
}

/// Syncs a shard, its label inferred.
#[instrument_metric(calls = "cr_shard_syncs_total", labels(tier = tier, shard = shard))]
fn sync_shard(tier: Tier, shard: Shard) {
    let _ = (tier, shard);
}

/// Syncs a shard, its label typed.
#[instrument_metric(calls = "cr_shard_typed_syncs_total", labels(tier: Tier = tier, shard: Shard = shard))]
fn sync_shard_typed(tier: Tier, shard: Shard) {
    let _ = (tier, shard);
}

fn out_of_range_reported(index: usize) -> bool {
    metricate::problems().iter().any(|problem| {
        matches!(problem, Problem::LabelOutOfRange { label_type, index: reported, values: 2 }
            if label_type.ends_with("Shard") && *reported == index)
    })
}

#[test]
fn an_ordinal_out_of_range_is_not_recorded_under_another_series_and_is_reported() {
    sync_shard(Tier::Free, Shard(2));
    sync_shard_typed(Tier::Free, Shard(2));
    metricate::counter!("cr_shard_typed_total", tier: Tier = Tier::Free, shard: Shard = Shard(3))
        .inc();
    metricate::counter!(
        "cr_shard_inferred_total",
        tier = Tier::Free,
        shard = Shard(4)
    )
    .inc();
    for family in [
        "cr_shard_syncs_total",
        "cr_shard_typed_syncs_total",
        "cr_shard_typed_total",
        "cr_shard_inferred_total",
    ] {
        for (tier, shard) in [("free", "a"), ("free", "b"), ("pro", "a"), ("pro", "b")] {
            assert_eq!(
                sample(family, &[("tier", tier), ("shard", shard)]).unwrap_or(0.0),
                0.0,
                "{family}{{tier={tier},shard={shard}}}"
            );
        }
    }
    assert!(out_of_range_reported(2));
    assert!(out_of_range_reported(3));
    assert!(out_of_range_reported(4));
    let reports = metricate::problems()
        .iter()
        .filter(|problem| matches!(problem, Problem::LabelOutOfRange { index: 2, .. }))
        .count();
    assert_eq!(reports, 1, "reported once");
    // In range, the same sites record where they should.
    sync_shard(Tier::Pro, Shard(1));
    assert_eq!(
        sample("cr_shard_syncs_total", &[("tier", "pro"), ("shard", "b")]),
        Some(1.0)
    );
}

// --- 3. A boxed future returned early is timed and classified. ---

#[derive(Debug, LabelValue)]
enum FetchError {
    Empty,
}

/// Returns early from inside a macro call, where the attribute cannot see it.
macro_rules! bail {
    ($error:expr) => {
        return Box::pin(async move { Err($error) })
    };
}

/// Fetches a page.
#[instrument_metric(
    histogram = "cr_fetch_duration_seconds",
    errors = "cr_fetch_errors_total"
)]
fn fetch(page: u32) -> Pin<Box<dyn Future<Output = Result<u32, FetchError>> + Send>> {
    if page == 0 {
        bail!(FetchError::Empty);
    }
    if page == 1 {
        return Box::pin(async { Ok(1) });
    }
    Box::pin(async move { Ok(page) })
}

#[test]
fn a_boxed_future_returned_early_is_timed_and_its_error_classified() {
    assert!(block_on(fetch(0)).is_err());
    assert_eq!(block_on(fetch(1)).ok(), Some(1));
    assert_eq!(block_on(fetch(2)).ok(), Some(2));
    let errors = |error_type| sample("cr_fetch_errors_total", &[("error_type", error_type)]);
    assert_eq!(errors("empty"), Some(1.0));
    assert_eq!(errors("cancelled"), Some(0.0));
    assert_eq!(sample("cr_fetch_duration_seconds_count", &[]), Some(3.0));
}

// --- 6. A fn a `macro_rules!` writes, its label a parameter the macro names. ---

#[derive(Clone, Copy, LabelValue)]
enum Format {
    Pdf,
    Docx,
}

struct Upload {
    format: Format,
}

macro_rules! upload_handler {
    ($name:ident, $family:literal, $upload:ident, $format:ident) => {
        /// Handles an upload.
        #[instrument_metric(calls = $family, labels(format = $upload.format))]
        fn $name($upload: &Upload) {}

        /// Handles a format.
        #[instrument_metric(calls = "cr_macro_formats_total", labels(format = $format))]
        fn formats($format: Format) {}
    };
}

upload_handler!(handle_upload, "cr_macro_uploads_total", upload, format);

#[test]
fn labels_resolve_in_fns_a_macro_rules_writes() {
    handle_upload(&Upload {
        format: Format::Docx,
    });
    formats(Format::Pdf);
    assert_eq!(
        sample("cr_macro_uploads_total", &[("format", "docx")]),
        Some(1.0)
    );
    assert_eq!(
        sample("cr_macro_uploads_total", &[("format", "pdf")]),
        Some(0.0)
    );
    assert_eq!(
        sample("cr_macro_formats_total", &[("format", "pdf")]),
        Some(1.0)
    );
}

// --- 7. `#[async_trait]` with labels read from a pattern's bindings. ---

#[derive(Clone, Copy, LabelValue)]
enum Region {
    Eu,
    Us,
}

#[derive(Clone, Copy, LabelValue)]
enum Plan {
    Free,
    Team,
}

/// An extractor, as axum's `Path`.
struct Path<T>(T);

#[async_trait]
trait Billing {
    async fn quote(&self, path: Path<(Region, Plan)>, seats: u32) -> u32;
}

struct Prices;

#[async_trait]
impl Billing for Prices {
    /// Quotes a price.
    #[instrument_metric(calls = "cr_quotes_total", labels(region = region, plan = plan))]
    async fn quote(&self, Path((region, plan)): Path<(Region, Plan)>, seats: u32) -> u32 {
        let per_seat = match (region, plan) {
            (_, Plan::Free) => 0,
            (Region::Eu, Plan::Team) => 8,
            (Region::Us, Plan::Team) => 9,
        };
        per_seat * seats
    }
}

#[test]
fn async_trait_methods_read_labels_from_pattern_bindings() {
    assert_eq!(
        block_on(Prices.quote(Path((Region::Us, Plan::Team)), 3)),
        27
    );
    let quotes = |region, plan| sample("cr_quotes_total", &[("region", region), ("plan", plan)]);
    assert_eq!(quotes("us", "team"), Some(1.0));
    assert_eq!(quotes("eu", "free"), Some(0.0));
}

// --- 8. `?` and `.await` in a `counter!` label. ---

#[derive(Clone, Copy, Debug, LabelValue)]
enum Kind {
    Cv,
    Letter,
}

#[derive(Debug)]
struct UnknownKind;

fn kind_of(name: &str) -> Result<Kind, UnknownKind> {
    match name {
        "cv" => Ok(Kind::Cv),
        "letter" => Ok(Kind::Letter),
        _ => Err(UnknownKind),
    }
}

fn count_document(name: &str) -> Result<(), UnknownKind> {
    metricate::counter!("cr_documents_total", kind: Kind = kind_of(name)?).inc();
    metricate::counter!("cr_documents_inferred_total", kind = kind_of(name)?).inc();
    Ok(())
}

async fn kind_later(name: &str) -> Kind {
    std::future::ready(kind_of(name).unwrap_or(Kind::Cv)).await
}

async fn count_later(name: &str) {
    metricate::counter!("cr_documents_later_total", kind = kind_later(name).await).inc();
}

#[test]
fn counter_labels_evaluate_in_the_callers_context() {
    count_document("letter").unwrap();
    assert!(count_document("invoice").is_err());
    block_on(count_later("letter"));
    for family in [
        "cr_documents_total",
        "cr_documents_inferred_total",
        "cr_documents_later_total",
    ] {
        assert_eq!(sample(family, &[("kind", "letter")]), Some(1.0), "{family}");
    }
    assert_eq!(sample("cr_documents_total", &[("kind", "cv")]), Some(0.0));
}

// --- 9. One OpenMetrics name for two families. ---

fn clash() {
    metricate::gauge!("cr_jobs_open").set(3.0);
    metricate::counter!("cr_jobs_open_total").inc();
}

#[test]
fn a_gauge_and_a_counter_sharing_an_openmetrics_name_are_refused_and_every_format_stays_valid() {
    clash();
    let conflict = |problems: &[Problem]| {
        problems.iter().any(|problem| {
            matches!(problem, Problem::Conflict(conflict)
                if conflict.name == "cr_jobs_open_total" && conflict.difference.contains("`cr_jobs_open`"))
        })
    };
    let validated = metricate::catalog().validate().unwrap_err();
    assert!(conflict(&validated.problems), "{validated}");
    assert!(conflict(&metricate::problems()));
    // The first in source order is exported; the other is not, in any format.
    let text = metricate::render();
    assert!(text.contains("cr_jobs_open 3"));
    assert!(!text.contains("cr_jobs_open_total"));
    let openmetrics =
        String::from_utf8(metricate::render_with(metricate::Format::OpenMetrics)).unwrap();
    assert_eq!(openmetrics.matches("# TYPE cr_jobs_open ").count(), 1);
    if let Some(parsed) = python_parse("openmetrics", &openmetrics) {
        parsed.unwrap();
    }
}

// --- 11. A computed gauge's callback returning one value twice. ---

#[derive(Clone, Copy, LabelValue)]
enum Queue {
    Email,
    Sms,
}

#[test]
fn a_computed_gauge_sums_one_label_value_returned_twice() {
    metricate::computed_gauge!("cr_queued_messages", label = "queue", || {
        vec![(Queue::Email, 2.0), (Queue::Sms, 1.0), (Queue::Email, 3.0)]
    })
    .unwrap();
    let text = metricate::render();
    assert_eq!(
        text.matches("cr_queued_messages{queue=\"email\"}").count(),
        1
    );
    assert_eq!(
        sample("cr_queued_messages", &[("queue", "email")]),
        Some(5.0)
    );
    assert_eq!(sample("cr_queued_messages", &[("queue", "sms")]), Some(1.0));
}

// --- 17. Only what is unknown is reported. ---

trait Store {
    type Error: LabelValue;
}

struct Disk;

#[derive(Debug, LabelValue)]
enum DiskError {
    Full,
}

impl Store for Disk {
    type Error = DiskError;
}

/// Saves through a store.
#[instrument_metric(
    histogram = "cr_save_duration_seconds",
    errors = "cr_save_errors_total",
    calls = "cr_save_calls_total"
)]
fn save<S: Store>(fail: Option<S::Error>) -> Result<(), S::Error> {
    fail.map_or(Ok(()), Err)
}

#[test]
fn a_generic_error_type_reports_its_errors_family_only() {
    let error = metricate::catalog().validate().unwrap_err();
    let reported: Vec<_> = error
        .problems
        .iter()
        .filter_map(|problem| match problem {
            Problem::KnownAtFirstUse(first_use) if first_use.family.starts_with("cr_save") => {
                Some(first_use)
            }
            _ => None,
        })
        .collect();
    let [errors] = reported[..] else {
        panic!("one report, on the errors family: {reported:?}")
    };
    assert_eq!(errors.family, "cr_save_errors_total");
    assert_eq!(errors.unknown, ["error_type"]);
    assert_eq!(
        errors.also,
        ["cr_save_duration_seconds", "cr_save_calls_total"]
    );
    let said = Problem::KnownAtFirstUse(errors.clone()).to_string();
    assert!(said.contains("because the values of the label `error_type` are not known at compile time; the same fn's `cr_save_duration_seconds`, `cr_save_calls_total` wait for that call too."), "{said}");
    assert!(!said.contains("of  are"));
    let catalog = metricate::catalog();
    assert_eq!(
        catalog.family("cr_save_errors_total").unwrap().series(),
        None
    );
    save::<Disk>(Some(DiskError::Full)).unwrap_err();
    assert_eq!(
        sample("cr_save_errors_total", &[("error_type", "full")]),
        Some(1.0)
    );
}
