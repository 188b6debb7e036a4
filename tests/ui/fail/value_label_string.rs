fn record(plan: String) {
    metricate::counter!("feature_usage_total", plan = plan).inc();
}

fn typed(plan: String) {
    metricate::counter!("feature_usage_typed_total", plan: String = plan).inc();
}

fn main() {
    record("pro".to_owned());
    typed("pro".to_owned());
}
