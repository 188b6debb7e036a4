use metricate::instrument_metric;

#[instrument_metric(calls = "cv_parse_calls_total", buckets = [0.1, 0.5])]
fn parse_cv() {}

fn main() {}
