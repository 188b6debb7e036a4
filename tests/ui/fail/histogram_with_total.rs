use metricate::instrument_metric;

#[instrument_metric(histogram = "cv_parse_duration_seconds_total")]
fn parse_cv() {}

fn main() {}
