use metricate::instrument_metric;

struct User {
    email: String,
    plan: String,
}

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(plan = user.plan))]
fn parse_cv(user: &User) -> usize {
    user.email.len() + user.plan.len()
}

fn main() {}
