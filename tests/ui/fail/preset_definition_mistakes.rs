mod metrics {
    metricate::preset! {
        // Checked where it is written, as an annotation's keys are.
        pub(crate) QUERY(calls = "db_operations", outcome = "status", fn_label = "job");
        // A preset is reached by path within its crate.
        pub HANDLER(calls = "api_handler_calls_total");
    }
}

fn main() {}
