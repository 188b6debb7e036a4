use metricate::instrument_metric;

#[instrument_metric(histogram = "fetch_duration_seconds", outcome = "status")]
fn fetch() {}

#[instrument_metric(calls = "store_calls_total", errors = "store_errors_total", outcome = "error_type")]
fn store() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
