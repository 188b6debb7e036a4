//! Scans of the job boards: every source's pages read from the feed, the new
//! postings stored, the matcher's corpus rebuilt. They run every
//! `--scan-every` and on `POST /admin/run-scan`, one at a time.

mod client;
pub mod job;

pub use client::{FeedClient, FeedError, JobSource};

use crate::db::{self, Database, DbError};
use crate::matching::Corpus;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// What one scan found, by source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Postings read.
    pub found: u64,
    /// Postings not stored before.
    pub new: u64,
    /// The same, per source, with the error of a source that failed.
    pub sources: BTreeMap<&'static str, SourceReport>,
}

/// What one scan found on one source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// Postings read.
    pub found: u64,
    /// Postings not stored before.
    pub new: u64,
    /// Why the source could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why a scan failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// No source could be read.
    #[error("no job source could be read: {0}")]
    FeedDown(String),
    /// The postings could not be stored.
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Reads every source, stores what is new and rebuilds `corpus`. A scan with
/// at least one source read succeeds; the report says which failed.
#[metricate::instrument_metric(
    histogram = "scan_duration_seconds",
    calls = "iam_scan_runs_total",
    outcome = "status",
    buckets = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0],
    objective(success = "99%"),
)]
pub async fn run_scan(
    database: &Database,
    client: &FeedClient,
    corpus: &RwLock<Arc<Corpus>>,
) -> Result<ScanReport, ScanError> {
    let mut report = ScanReport::default();
    let mut failures = Vec::new();
    for source in JobSource::ALL {
        let entry = report.sources.entry(source.name()).or_default();
        match client.fetch_all(source).await {
            Ok(postings) => {
                let new = db::jobs::insert_new(database, source.name(), &postings).await?;
                entry.found = postings.len() as u64;
                entry.new = new;
            }
            Err(error) => {
                entry.error = Some(error.to_string());
                failures.push(format!("{}: {error}", source.name()));
            }
        }
    }
    if failures.len() == JobSource::ALL.len() {
        return Err(ScanError::FeedDown(failures.join("; ")));
    }
    report.found = report.sources.values().map(|source| source.found).sum();
    report.new = report.sources.values().map(|source| source.new).sum();
    rebuild_corpus(database, corpus).await?;
    metricate::gauge!(
        "iam_last_successful_scan_timestamp_seconds",
        help = "When a scan of the job boards last succeeded, in unix seconds."
    )
    .set_to_current_time();
    metricate::gauge!(
        "iam_scan_jobs_found_last",
        help = "Postings the last successful scan read."
    )
    .set(report.found as f64);
    Ok(report)
}

/// The TF-IDF corpus of every stored job.
pub async fn rebuild_corpus(
    database: &Database,
    corpus: &RwLock<Arc<Corpus>>,
) -> Result<(), DbError> {
    let texts = db::jobs::texts(database).await?;
    let rebuilt = Arc::new(Corpus::new(texts.iter().map(String::as_str)));
    if let Ok(mut current) = corpus.write() {
        *current = rebuilt;
    }
    Ok(())
}
