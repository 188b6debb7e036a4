use metricate::instrument_metric;

#[instrument_metric(in_flight = "cv_parse_in_flight_total")]
fn parse_cv() {}

fn main() {}
