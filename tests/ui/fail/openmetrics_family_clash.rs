use metricate::instrument_metric;

#[instrument_metric(calls = "jobs_scanned_total", in_flight = "jobs_scanned")]
fn scan() {}

fn main() {}
