fn main() {
    let _ = metricate::computed_gauge!("Jobs Pending", || 1.0);
    let _ = metricate::computed_gauge!("jobs_pending_total", label = "user_id", || 1.0);
}
