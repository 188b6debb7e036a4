//! `demo-app load`: realistic mixed traffic over every endpoint, good and bad,
//! from a number of workers for a time; then requests by endpoint and status,
//! throughput and latency percentiles.

mod summary;
mod traffic;

pub use summary::Summary;

use crate::cli::LoadArgs;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why the load could not run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The HTTP client could not be made.
    #[error("the HTTP client could not be made: {0}")]
    Client(#[from] reqwest::Error),
    /// The summary could not be written.
    #[error("the summary could not be written: {0}")]
    Write(#[from] std::io::Error),
}

/// Drives `args.target` for `args.duration`; the summary.
pub async fn run(args: LoadArgs) -> Result<Summary, LoadError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let target = args.target.trim_end_matches('/').to_owned();
    let shared = Arc::new(traffic::Shared::prepare(&client, &target, &args).await);
    let summary = Arc::new(Mutex::new(Summary::new()));
    let started = Instant::now();
    let deadline = started + args.duration;
    let pause = (args.rate > 0)
        .then(|| Duration::from_secs_f64(args.concurrency as f64 / args.rate as f64));
    let progress = progress(args.duration);
    let workers: Vec<_> = (0..args.concurrency.max(1))
        .map(|worker| {
            let (client, target, shared, summary) = (
                client.clone(),
                target.clone(),
                Arc::clone(&shared),
                Arc::clone(&summary),
            );
            let seed = args
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(worker as u64);
            tokio::spawn(async move {
                let mut traffic = traffic::Worker::new(client, target, shared, seed);
                while Instant::now() < deadline {
                    let next = pause.map(|pause| Instant::now() + pause);
                    let (endpoint, status, latency) = traffic.next_request().await;
                    if let Ok(mut summary) = summary.lock() {
                        summary.record(endpoint, status, latency);
                    }
                    if let Some(next) = next {
                        tokio::time::sleep_until(next.into()).await;
                    }
                }
            })
        })
        .collect();
    let reporter = tokio::spawn({
        let summary = Arc::clone(&summary);
        async move {
            let mut ticks = tokio::time::interval(Duration::from_millis(500));
            let mut last_line = Instant::now();
            loop {
                ticks.tick().await;
                let (requests, errors) = summary
                    .lock()
                    .map(|summary| (summary.requests(), summary.server_errors()))
                    .unwrap_or_default();
                let elapsed = started.elapsed();
                match &progress {
                    Some(bar) => {
                        bar.set_position(elapsed.as_secs().min(bar.length().unwrap_or(0)));
                        bar.set_message(format!("{requests} requests, {errors} 5xx or unanswered"));
                    }
                    None if last_line.elapsed() >= Duration::from_secs(5) => {
                        println!(
                            "{:>5.1}s  {requests} requests, {errors} 5xx or unanswered",
                            elapsed.as_secs_f64()
                        );
                        last_line = Instant::now();
                    }
                    None => {}
                }
            }
        }
    });
    for worker in workers {
        let _ = worker.await;
    }
    reporter.abort();
    let mut summary = Arc::try_unwrap(summary)
        .map(|summary| {
            summary
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
        .unwrap_or_else(|shared| {
            shared
                .lock()
                .map(|summary| summary.clone())
                .unwrap_or_else(|_| Summary::new())
        });
    summary.finish(started.elapsed());
    if let Some(path) = &args.json {
        std::fs::write(path, summary.to_json())?;
    }
    Ok(summary)
}

/// A progress bar when stdout is a terminal; plain lines otherwise.
fn progress(duration: Duration) -> Option<ProgressBar> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(duration.as_secs());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len}s {msg}") {
        bar.set_style(style);
    }
    Some(bar)
}
