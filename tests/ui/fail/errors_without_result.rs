use metricate::instrument_metric;

#[instrument_metric(errors = "f_errors_total")]
fn f() -> u32 {
    0
}

fn main() {}
