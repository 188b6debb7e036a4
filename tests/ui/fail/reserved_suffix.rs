use metricate::instrument_metric;

#[instrument_metric(calls = "x_count")]
fn parse_cv() {}

fn main() {}
