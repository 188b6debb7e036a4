use metricate::instrument_metric;

#[instrument_metric(histogram = "cv_parse_duration_seconds", buckets = [0.5, 0.1])]
fn parse_cv() {}

fn main() {}
