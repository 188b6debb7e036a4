mod metrics {
    metricate::preset! {
        pub(crate) PARSE(calls = "ps_parses_total", labels(format: u8, mode: u8 = mode));
        pub(crate) OTHER(calls = "ps_other_calls_total");
    }
}

// One preset per site.
#[metricate::instrument_metric(preset = metrics::PARSE, preset = metrics::OTHER, labels(format = format))]
fn parse_twice(format: u8, mode: u8) -> u8 {
    format + mode
}

// `format` is left to each site: missing here.
#[metricate::instrument_metric(preset = metrics::PARSE)]
fn parse_without_format(format: u8, mode: u8) -> u8 {
    format + mode
}

// `mode` has its value in the preset; `size` is not a label of it.
#[metricate::instrument_metric(preset = metrics::PARSE, labels(format = format, mode = format, size = format))]
fn parse_with_more(format: u8, mode: u8) -> u8 {
    format + mode
}

// Buckets, the outcome, native histograms, the series cap and the fn's
// label shape the families every site shares.
#[metricate::instrument_metric(preset = metrics::OTHER, buckets = [0.1, 1.0], outcome = "status", native(schema = 3), max_series = 10, fn_label = "handler")]
fn reshaped() {}

fn main() {}
