use metricate::{instrument_metric, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Tier {
    Free,
    Pro,
}

struct Wrapper<T> {
    inner: T,
    tier: Tier,
}

// The field's type is `T`: each instantiation could label with another type.
#[instrument_metric(calls = "unwrap_calls_total", labels(kind = wrapper.inner))]
fn unwrap<T: LabelValue>(wrapper: Wrapper<T>) -> T {
    wrapper.inner
}

// Written types must be concrete too.
#[instrument_metric(calls = "peek_calls_total", labels(kind: T = wrapper.inner))]
fn peek<T: LabelValue + Copy>(wrapper: &Wrapper<T>) -> T {
    wrapper.inner
}

fn main() {}
