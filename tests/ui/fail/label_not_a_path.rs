use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Tier {
    Free,
    Pro,
}

fn tier_of(body: &str) -> Tier {
    if body.is_empty() {
        Tier::Free
    } else {
        Tier::Pro
    }
}

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(tier = tier_of(body)))]
fn parse_cv(body: &str) -> usize {
    body.len()
}

fn main() {}
