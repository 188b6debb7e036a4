use metricate::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Plan {
    Free,
    Pro,
}

fn main() {
    let plan = Plan::Pro;
    metricate::counter!("feature_usage_total", user_id = plan).inc();
}
