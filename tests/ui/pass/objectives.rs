//! Objectives on every default bucket bound (the macro's copy of the runtime's
//! default buckets must agree with it), with custom buckets, and in each form.

use metricate::instrument_metric;

#[derive(Debug, metricate::LabelValue)]
enum FetchError {
    Timeout,
}

macro_rules! on_bound {
    ($($name:ident $metric:literal $latency:literal;)*) => {$(
        #[instrument_metric(histogram = $metric, objective(latency = $latency))]
        fn $name() {}
    )*};
}

on_bound! {
    b5ms "objective_b5ms_duration_seconds" "5ms";
    b10ms "objective_b10ms_duration_seconds" "10ms";
    b25ms "objective_b25ms_duration_seconds" "25ms";
    b50ms "objective_b50ms_duration_seconds" "50ms";
    b100ms "objective_b100ms_duration_seconds" "100ms";
    b250ms "objective_b250ms_duration_seconds" "250ms";
    b500ms "objective_b500ms_duration_seconds" "0.5s";
    b1s "objective_b1s_duration_seconds" "1s";
    b2s "objective_b2s_duration_seconds" "2.5s";
    b5s "objective_b5s_duration_seconds" "5s";
    b10s "objective_b10s_duration_seconds" "10s";
}

/// Fetches a page.
#[instrument_metric(
    histogram = "objective_fetch_duration_seconds",
    errors = "objective_fetch_errors_total",
    buckets = [0.1, 2.0, 30.0],
    objective(latency = "2s", percentile = 99.9, success = "99.5%"),
)]
fn fetch() -> Result<(), FetchError> {
    Ok(())
}

/// Stores a page.
#[instrument_metric(errors = "objective_store_errors_total", calls = "objective_store_calls_total", objective(success = "99%"))]
fn store() -> Result<(), FetchError> {
    Err(FetchError::Timeout)
}

/// Scans a board: failures are the calls whose outcome is not `ok`.
#[instrument_metric(
    histogram = "objective_scan_duration_seconds",
    calls = "objective_scan_runs_total",
    outcome = "status",
    objective(success = "99%"),
)]
fn scan() -> Result<(), FetchError> {
    Ok(())
}

fn main() {
    let _ = scan();
    b5ms();
    b10ms();
    b25ms();
    b50ms();
    b100ms();
    b250ms();
    b500ms();
    b1s();
    b2s();
    b5s();
    b10s();
    fetch().unwrap();
    store().unwrap_err();
    let catalog = metricate::catalog();
    let fetch = catalog
        .functions()
        .iter()
        .find(|function| function.site.function == Some("fetch"))
        .unwrap();
    let latency = fetch.objective.unwrap().latency.unwrap();
    assert_eq!((latency.threshold_seconds, latency.percentile), (2.0, 0.999));
    let family = catalog.family("objective_b10s_duration_seconds").unwrap();
    assert_eq!(
        family.buckets.as_deref(),
        Some(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0][..])
    );
}
