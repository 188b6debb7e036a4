use metricate::instrument_metric;

#[instrument_metric(histogram = "scan_duration_seconds")]
#[instrument_metric(calls = "scan_calls_total")]
fn scan() {}

fn main() {}
