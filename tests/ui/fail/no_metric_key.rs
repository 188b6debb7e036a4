use metricate::instrument_metric;

#[instrument_metric()]
fn parse_cv() {}

fn main() {}
