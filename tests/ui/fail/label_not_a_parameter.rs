use metricate::{instrument_metric, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Tier {
    Free,
    Pro,
}

const DEFAULT_TIER: Tier = Tier::Free;

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(tier = tier))]
fn parse_cv(body: &str) -> usize {
    let _ = DEFAULT_TIER;
    body.len()
}

fn main() {}
