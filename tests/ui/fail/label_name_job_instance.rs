use metricate::{instrument_metric, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Region {
    Eu,
    Us,
}

#[instrument_metric(histogram = "sync_duration_seconds", labels(job = region, instance = region))]
fn sync(region: Region) {
    let _ = region;
}

fn main() {}
