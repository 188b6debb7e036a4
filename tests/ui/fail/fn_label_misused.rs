use metricate::instrument_metric;

// `only` and `skip` choose the methods of an impl block.
#[instrument_metric(calls = "get_job_calls_total", skip(get_job))]
fn get_job() {}

// The label's name follows the label name rules.
#[instrument_metric(calls = "put_job_calls_total", fn_label = "instance")]
fn put_job() {}

fn main() {}
