use metricate::{instrument_metric, LabelValue};

#[derive(LabelValue)]
enum Stage {
    Draft,
    #[label(rename = "")]
    Final,
}

#[instrument_metric(calls = "deploys_total", const_labels(env = ""))]
fn deploy() {}

#[instrument_metric(errors = "uploads_errors_total", error_type = "")]
fn upload() -> Result<(), String> {
    Ok(())
}

fn main() {}
