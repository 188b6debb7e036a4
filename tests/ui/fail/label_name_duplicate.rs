use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Tier {
    Free,
    Pro,
}

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(tier = a, tier = b))]
fn parse_cv(a: Tier, b: Tier) {
    let _ = (a, b);
}

fn main() {}
