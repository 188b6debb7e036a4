use metricate::instrument_metric;

#[derive(Debug, metricate::LabelValue)]
enum FetchError {
    Timeout,
}

// Not a duration, and a percentage out of range.
#[instrument_metric(histogram = "a_duration_seconds", objective(latency = "2", success = "100%"))]
fn a() {}

// 2 s is not one of the default bounds.
#[instrument_metric(histogram = "b_duration_seconds", objective(latency = "2s"))]
fn b() {}

// No histogram to measure latency on; no errors to measure success on.
#[instrument_metric(calls = "c_calls_total", objective(latency = "1s", success = "99%"))]
fn c() {}

// A misspelt key; a percentile without a latency.
#[instrument_metric(errors = "d_errors_total", calls = "d_calls_total", objective(sucess = "99%"))]
fn d() -> Result<(), FetchError> {
    Ok(())
}

#[instrument_metric(errors = "e_errors_total", calls = "e_calls_total", objective(percentile = 95, success = "99%"))]
fn e() -> Result<(), FetchError> {
    Ok(())
}

fn main() {}
