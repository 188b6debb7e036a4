use metricate::instrument_metric;

#[instrument_metric(errors = "cv_parse_errors_total")]
fn parse_cv(body: &str) -> Result<usize, String> {
    if body.is_empty() {
        return Err("empty".to_owned());
    }
    Ok(body.len())
}

fn main() {}

#[instrument_metric(errors = "cv_load_errors_total")]
fn load_cv(body: &str) -> Result<usize, Box<dyn std::error::Error>> {
    Ok(body.len())
}
