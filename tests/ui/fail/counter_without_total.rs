use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum CvError {
    Empty,
}

#[instrument_metric(errors = "cv_parse_errors")]
fn parse_cv() -> Result<(), CvError> {
    Err(CvError::Empty)
}

fn main() {}
