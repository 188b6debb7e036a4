use metricate::instrument_metric;

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(plan = s))]
fn parse_cv(s: String) -> usize {
    s.len()
}

fn main() {}
