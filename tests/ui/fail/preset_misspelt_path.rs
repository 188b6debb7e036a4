mod metrics {
    metricate::preset! {
        pub(crate) HANDLER(calls = "api_handler_calls_total", fn_label = "handler");
    }
}

#[metricate::instrument_metric(preset = metrics::HANDLR)]
fn get_job() {}

fn main() {}
