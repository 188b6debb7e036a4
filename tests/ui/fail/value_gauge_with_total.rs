fn main() {
    metricate::gauge!("jobs_queued_total").set(1.0);
}
