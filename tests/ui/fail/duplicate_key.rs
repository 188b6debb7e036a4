use metricate::instrument_metric;

#[instrument_metric(
    histogram = "cv_parse_duration_seconds",
    histogram = "cv_parse_seconds"
)]
fn parse_cv() {}

fn main() {}
