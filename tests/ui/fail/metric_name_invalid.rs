use metricate::instrument_metric;

#[instrument_metric(histogram = "Cv-Parse duration_seconds")]
fn parse_cv() {}

fn main() {}
