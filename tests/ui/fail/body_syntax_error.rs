use metricate::instrument_metric;

#[instrument_metric(calls = "parse_calls_total")]
fn parse(body: &str) -> usize {
    let length = body.len()
    length
}

fn main() {}
