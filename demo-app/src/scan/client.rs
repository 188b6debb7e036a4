//! The feed client: reqwest with a timeout per request and bounded retries;
//! each request timed and counted under its source as `api_name`.

use crate::db::jobs::Posting;
use metricate::LabelValue;
use serde::Deserialize;
use std::time::Duration;

/// The job boards the scans read: the `api_name` of the external API families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum JobSource {
    /// Remote jobs.
    RemoteBoard,
    /// Start-ups.
    StartupJobs,
    /// Jobs by city.
    CityJobs,
}

impl JobSource {
    /// Every source.
    pub const ALL: [JobSource; 3] = [
        JobSource::RemoteBoard,
        JobSource::StartupJobs,
        JobSource::CityJobs,
    ];

    /// Its name on the feed.
    pub fn name(self) -> &'static str {
        self.label_value()
    }
}

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// Retries of a page after a failure, each after a longer pause.
const RETRIES: u32 = 2;
/// A source has at most this many pages.
const MAX_PAGES: usize = 20;

/// Why the feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// No answer in time, or no connection.
    #[error("the feed did not answer: {0}")]
    Unreachable(String),
    /// An answer with an error status.
    #[error("the feed answered {0}")]
    Status(u16),
    /// An answer that is not a page of postings.
    #[error("the feed answered something that is not a page of postings: {0}")]
    Malformed(String),
}

impl FeedError {
    fn retryable(&self) -> bool {
        match self {
            FeedError::Unreachable(_) => true,
            FeedError::Status(status) => *status >= 500 || *status == 429,
            FeedError::Malformed(_) => false,
        }
    }
}

#[derive(Deserialize)]
struct Page {
    jobs: Vec<Posting>,
    next_page: Option<usize>,
}

/// A client of the feed at a base URL.
#[derive(Clone)]
pub struct FeedClient {
    http: reqwest::Client,
    base: String,
}

impl FeedClient {
    /// A client of the feed at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Result<FeedClient, FeedError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| FeedError::Unreachable(error.to_string()))?;
        Ok(FeedClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// One page of `source`: one request.
    #[metricate::instrument_metric(
        histogram = "external_api_duration_seconds",
        calls = "external_api_requests_total",
        outcome = "status",
        labels(api_name = source),
        buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0],
    )]
    async fn fetch_page(
        &self,
        source: JobSource,
        page: usize,
    ) -> Result<(Vec<Posting>, Option<usize>), FeedError> {
        let url = format!("{}/sources/{}/jobs?page={page}", self.base, source.name());
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|error| FeedError::Unreachable(error.to_string()))?;
        if !response.status().is_success() {
            return Err(FeedError::Status(response.status().as_u16()));
        }
        let page: Page = response
            .json()
            .await
            .map_err(|error| FeedError::Malformed(error.to_string()))?;
        Ok((page.jobs, page.next_page))
    }

    /// Every posting of `source`, page by page, each page retried after a
    /// transient failure.
    pub async fn fetch_all(&self, source: JobSource) -> Result<Vec<Posting>, FeedError> {
        let mut postings = Vec::new();
        let mut page = Some(1);
        while let Some(number) = page.filter(|number| *number <= MAX_PAGES) {
            let mut attempt = 0;
            let (jobs, next) = loop {
                match self.fetch_page(source, number).await {
                    Ok(found) => break found,
                    Err(error) if error.retryable() && attempt < RETRIES => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                    }
                    Err(error) => return Err(error),
                }
            };
            postings.extend(jobs);
            page = next;
        }
        Ok(postings)
    }
}
