use metricate::instrument_metric;

#[instrument_metric(histogram = "cv_parse_duration_seconds")]
struct Parser {
    strict: bool,
}

fn main() {}
