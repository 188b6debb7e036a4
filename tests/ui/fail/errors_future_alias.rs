use metricate::{instrument_metric, LabelValue};
use std::future::Future;
use std::pin::Pin;

#[derive(Debug, LabelValue)]
enum FetchError {
    Timeout,
}

type Fetching = Pin<Box<dyn Future<Output = Result<u32, FetchError>> + Send>>;

#[instrument_metric(errors = "fetch_errors_total")]
fn fetch() -> Fetching {
    Box::pin(async { Ok(1) })
}

fn main() {}
