use metricate::instrument_metric;

#[instrument_metric(calls = "downloaded_kb_total")]
fn download() {}

#[instrument_metric(in_flight = "uploads_in_flight_mb")]
fn upload() {}

fn main() {
    metricate::gauge!("cache_size_mb").set(1.0);
    metricate::gauge!("cache_kilobytes").set(1.0);
    metricate::counter!("jobs_counter_total").inc();
}
