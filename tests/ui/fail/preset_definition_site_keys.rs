mod metrics {
    metricate::preset! {
        // Keys that belong to one annotation, not to every site of a preset.
        pub(crate) HANDLER(calls = "api_handler_calls_total", fn_label = "handler", only(get), skip(put));
        pub(crate) NESTED(preset = HANDLER, calls = "api_nested_calls_total");
    }
}

fn main() {}
