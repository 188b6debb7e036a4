use metricate::Counter;

const TOKENS: &Counter = metricate::counter!("tokens_total");

static SEEN: &Counter = metricate::counter!("seen_total");

const fn scans() -> &'static Counter {
    metricate::counter!("scans_total")
}

fn main() {}
