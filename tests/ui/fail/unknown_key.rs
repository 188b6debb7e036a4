use metricate::instrument_metric;

#[instrument_metric(histgram = "cv_parse_duration_seconds")]
fn parse_cv() {}

fn main() {}
