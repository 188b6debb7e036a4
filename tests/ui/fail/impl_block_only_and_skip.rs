use metricate::instrument_metric;

struct Cache;

// `only` names the methods instrumented, `skip` those left bare: one of them.
#[instrument_metric(calls = "cache_calls_total", fn_label = "method", only(get), skip(put))]
impl Cache {
    fn get(&self) {}
    fn put(&self) {}
}

fn main() {}
