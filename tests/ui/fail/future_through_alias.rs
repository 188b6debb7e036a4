#![deny(deprecated)]

use metricate::instrument_metric;
use std::future::Future;
use std::pin::Pin;

type Fetching = Pin<Box<dyn Future<Output = u32> + Send>>;

#[instrument_metric(histogram = "fetch_duration_seconds")]
fn fetch() -> Fetching {
    Box::pin(async { 1 })
}

fn main() {}
