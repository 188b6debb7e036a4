//! `demo-app scan`: the scheduled scan as a process of its own, a batch job.
//! A process that ends before any scrape pushes its metrics instead: after
//! each scan (with `--push-gateway`), however the scan ended, through
//! metricate's `Pushgateway::push_after`.

use super::{run_scan, FeedClient, ScanError, ScanReport};
use crate::app::{self, StartError};
use crate::cli::ScanArgs;
use crate::db::Database;
use crate::matching::Corpus;
use std::sync::{Arc, RwLock};

/// Why a scan job failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanJobError {
    /// The database or the feed could not be reached.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The scan failed.
    #[error("the scan failed: {0}")]
    Scan(#[from] ScanError),
    /// The metrics could not be pushed.
    #[error("the metrics could not be pushed: {0}")]
    Push(#[from] metricate::push::PushError),
}

/// One scan, on its own database connections and feed client.
async fn scan_once(args: &ScanArgs) -> Result<ScanReport, ScanJobError> {
    let database = Database::open(&args.data_dir, args.durability, 2)
        .await
        .map_err(StartError::from)?;
    let feed_url = match &args.feed_url {
        Some(url) => url.clone(),
        None => app::start_feed().await.map_err(StartError::from)?,
    };
    let client = FeedClient::new(&feed_url).map_err(StartError::from)?;
    let corpus = RwLock::new(Arc::new(Corpus::default()));
    let report = run_scan(&database, &client, &corpus).await;
    database.close().await;
    Ok(report?)
}

/// One scan, then one push when a Pushgateway is given (also when the scan
/// failed: the failure is in the metrics pushed).
fn scan_and_push(
    runtime: &tokio::runtime::Runtime,
    args: &ScanArgs,
) -> Result<ScanReport, ScanJobError> {
    let scan = || runtime.block_on(scan_once(args));
    match &args.push_gateway {
        None => scan(),
        Some(url) => {
            let gateway = metricate::push::Pushgateway::new(url.as_str(), args.job.as_str());
            let (report, pushed) = gateway.push_after(scan);
            let report = report?;
            pushed?;
            Ok(report)
        }
    }
}

/// Runs `demo-app scan`: once with `--once` (the report printed as JSON), else
/// every `--every` until the process is stopped, each failure logged.
pub fn run(runtime: &tokio::runtime::Runtime, args: &ScanArgs) -> Result<(), ScanJobError> {
    if args.once {
        let report = scan_and_push(runtime, args)?;
        println!(
            "{}",
            serde_json::to_string(&report).unwrap_or_else(|error| error.to_string())
        );
        return Ok(());
    }
    loop {
        match scan_and_push(runtime, args) {
            Ok(report) => tracing::info!(found = report.found, new = report.new, "scan done"),
            Err(error) => tracing::warn!(%error, "scan failed"),
        }
        std::thread::sleep(args.every);
    }
}
