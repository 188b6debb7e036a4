use metricate::instrument_metric;

#[instrument_metric(histogram = "cv_parse_duration_seconds", buckets = [0.0, 0.5])]
fn parse_cv() {}

fn main() {}
