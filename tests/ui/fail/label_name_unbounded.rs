use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Tier {
    Free,
    Pro,
}

#[instrument_metric(calls = "feature_usage_total", labels(user_id = t))]
fn use_feature(t: Tier) {
    let _ = t;
}

fn main() {}
