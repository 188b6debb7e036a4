use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Tier {
    Free,
    Pro,
}

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(tier = t), max_series = 20000)]
fn parse_cv(t: Tier) {
    let _ = t;
}

fn main() {}
