mod metrics {
    metricate::preset! {
        pub(crate) HANDLER(calls = "api_handler_calls_total", help = "Handler calls.", fn_label = "handler");
    }
}

#[metricate::instrument_metric(preset = metrics::HANDLER, help = "Calls of get_job.")]
fn get_job() {}

fn main() {}
