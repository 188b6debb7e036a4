use metricate::instrument_metric;

struct Store;

// The methods share the block's families: `fn_label` tells them apart.
#[instrument_metric(calls = "store_calls_total")]
impl Store {
    fn get(&self) {}
}

struct Cache;

#[instrument_metric(calls = "cache_calls_total", fn_label = "method", only(gett, put))]
impl Cache {
    fn get(&self) {}
    fn put(&self) {}
}

fn main() {}
