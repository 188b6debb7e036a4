use metricate::instrument_metric;

#[instrument_metric(histogram = "cv_parse_duration_milliseconds")]
fn parse_cv() {}

fn main() {}
