use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Tier {
    Free,
    Pro,
}

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(le = t))]
fn parse_cv(t: Tier) {
    let _ = t;
}

fn main() {}
