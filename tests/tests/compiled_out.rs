//! metricate compiled out (its `off` feature): annotated fns, value macros,
//! computed gauges and the HTTP layer behave as if metricate were absent:
//! the same answers, label expressions run once as written, and nothing
//! exported. Run by CI as `cargo test -p metricate-tests --features off
//! --test compiled_out`; without the feature this file is empty.
#![cfg(feature = "off")]
// Test helpers: a failed socket operation should fail the test loudly.
#![allow(clippy::unwrap_used)]

use metricate::instrument_metric;
use metricate_tests::block_on;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, metricate::LabelValue)]
enum Plan {
    Free,
    Pro,
}

#[derive(Debug, PartialEq, metricate::LabelValue)]
enum LookupError {
    Missing,
}

#[instrument_metric(histogram = "off_lookup_duration_seconds", errors = "off_lookup_errors_total", labels(plan = plan))]
fn lookup(plan: Plan, id: u32) -> Result<u32, LookupError> {
    if id == 0 {
        return Err(LookupError::Missing);
    }
    Ok(id * 2)
}

#[instrument_metric(calls = "off_fetch_calls_total", in_flight = "off_fetch_in_flight")]
async fn fetch(id: u32) -> u32 {
    id + 1
}

struct Store;

#[instrument_metric(calls = "off_store_calls_total", fn_label = "method")]
impl Store {
    fn get(&self, id: u32) -> u32 {
        id
    }
}

mod metrics {
    metricate::preset! {
        /// A query, by table.
        pub(crate) QUERY(calls = "off_queries_total", const_labels(table));
    }
}

#[instrument_metric(preset = metrics::QUERY, const_labels(table = "jobs"))]
fn count_jobs() -> usize {
    3
}

/// How often a label's expression ran.
static PLAN_READS: AtomicUsize = AtomicUsize::new(0);

fn plan_of(account: u32) -> Plan {
    PLAN_READS.fetch_add(1, Ordering::SeqCst);
    if account == 1 {
        Plan::Pro
    } else {
        Plan::Free
    }
}

fn no_family_of_this_file(text: &str) {
    assert!(!text.contains("off_"), "{text}");
    assert!(
        !metricate::catalog()
            .families()
            .iter()
            .any(|family| family.name.starts_with("off_")),
        "the catalogue lists a compiled-out family"
    );
}

#[test]
fn annotated_fns_answer_as_written_and_export_nothing() {
    metricate::init();
    assert_eq!(lookup(Plan::Pro, 4), Ok(8));
    assert_eq!(lookup(Plan::Free, 0), Err(LookupError::Missing));
    assert_eq!(block_on(fetch(1)), 2);
    assert_eq!(Store.get(7), 7);
    assert_eq!(count_jobs(), 3);
    no_family_of_this_file(&metricate::render());
}

#[test]
fn value_macros_run_their_labels_once_and_record_nothing() {
    let before = PLAN_READS.load(Ordering::SeqCst);
    metricate::counter!("off_logins_total", plan = plan_of(1)).inc();
    metricate::counter!("off_typed_logins_total", plan: Plan = plan_of(2)).inc_by(3_u32);
    metricate::gauge!("off_sessions", plan = plan_of(1)).set(2.0);
    assert_eq!(PLAN_READS.load(Ordering::SeqCst), before + 3);
    let read = AtomicUsize::new(0);
    let registered = metricate::computed_gauge!("off_queue_depth", || {
        read.fetch_add(1, Ordering::SeqCst);
        5.0
    });
    assert!(registered.is_ok());
    no_family_of_this_file(&metricate::render());
    assert_eq!(
        read.load(Ordering::SeqCst),
        0,
        "a reading compiled out is never taken"
    );
}

#[tokio::test]
async fn the_http_layer_passes_requests_through_and_declares_no_family() {
    use metricate::http::routing::{get, Router};
    let app = Router::new()
        .route("/off/jobs/{id}", get(|| async { "a job" }))
        .into_inner()
        .layer(metricate::http::HttpMetricsLayer::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let (status, body) = tokio::task::spawn_blocking(move || {
        metricate_tests::servers::get(address, "/off/jobs/7").unwrap()
    })
    .await
    .unwrap();
    assert_eq!((status, body.as_str()), (200, "a job"));
    let text = metricate::render();
    assert!(!text.contains("http_request"), "{text}");
    assert!(!text.contains("/off/jobs"), "{text}");
}
