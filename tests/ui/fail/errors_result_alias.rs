use metricate::instrument_metric;

/// As `anyhow` declares its `Result`: the error is not a bounded enum.
mod anyhow {
    pub struct Error;
    pub type Result<T, E = Error> = std::result::Result<T, E>;
}

#[instrument_metric(errors = "fetch_errors_total")]
fn fetch() -> anyhow::Result<u32> {
    Ok(1)
}

fn main() {}
