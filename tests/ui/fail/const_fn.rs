use metricate::instrument_metric;

#[instrument_metric(calls = "answer_calls_total")]
const fn answer() -> u32 {
    42
}

fn main() {}
