use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Tier {
    Free,
    Pro,
}

#[instrument_metric(
    histogram = "cv_parse_duration",
    errors = "cv_parse_errors",
    labels(le = t, user_id = t),
    buckets = [0.5, 0.1],
    hlep = "Parses a CV.",
)]
fn parse_cv(t: Tier) -> Result<(), std::io::Error> {
    let _ = t;
    Ok(())
}

fn main() {}
