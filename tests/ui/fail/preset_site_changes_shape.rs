mod metrics {
    metricate::preset! {
        pub(crate) HANDLER(calls = "api_handler_calls_total", fn_label = "handler");
    }
}

// A site may not rename a family, nor add one: every site of a preset
// exports the same families.
#[metricate::instrument_metric(preset = metrics::HANDLER, calls = "api_get_job_calls_total", in_flight = "api_get_job_in_flight")]
fn get_job() {}

fn main() {}
