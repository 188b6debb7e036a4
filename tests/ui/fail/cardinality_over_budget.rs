use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Eleven {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    I,
    J,
    K,
}

#[instrument_metric(histogram = "cv_parse_duration_seconds", labels(x = x, y = y, z = z))]
fn parse_cv(x: Eleven, y: Eleven, z: Eleven) {
    let _ = (x, y, z);
}

fn main() {}
