//! The command line: `serve` (the default), `feed` and `load`, each
//! option with an environment fallback.

use crate::db::Durability;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The job-scout and CV-tailoring service, instrumented only through metricate.
#[derive(Debug, Parser)]
#[command(
    name = "demo-app",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to run; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `serve`'s options, for when the command is omitted.
    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Command {
    /// The worker threads its runtime runs, when the command names them.
    pub fn workers(&self) -> Option<usize> {
        match self {
            Command::Serve(args) => args.workers,
            _ => None,
        }
    }
}

impl Cli {
    /// The command to run: `serve` with the top-level options when none is named.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve(ServeArgs),
    /// Serve the job-board feed the scans read.
    Feed(FeedArgs),
    /// Drive realistic mixed traffic against a running service.
    Load(LoadArgs),
    /// Print or write the operations files generated from the service's
    /// metric catalogue: rules, dashboard, reference, runbooks, configs.
    Emit(EmitArgs),
    /// Scan the job boards as a process of its own (a batch job), pushing its
    /// metrics to a Pushgateway after each scan: `--once` for one scan.
    Scan(ScanArgs),
    /// Internal: read a PDF on stdin, write its text as JSON on stdout,
    /// within hard limits. What the service runs for every PDF uploaded.
    #[command(name = "parse-pdf", hide = true)]
    ParsePdf(ParsePdfArgs),
}

/// `demo-app parse-pdf` (hidden).
#[derive(Debug, Clone, Args)]
pub struct ParsePdfArgs {
    /// The milliseconds the parse may take.
    #[arg(long)]
    pub deadline_ms: u64,
}

/// `demo-app serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where to listen (`127.0.0.1:0`: any free port, printed first).
    #[arg(long, env = "DEMO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Where the database lives.
    #[arg(long, env = "DEMO_DATA_DIR", default_value = "demo-data")]
    pub data_dir: PathBuf,
    /// How often the job boards are scanned (`60s`, `5m`).
    #[arg(long, env = "DEMO_SCAN_EVERY", default_value = "60s", value_parser = parse_duration)]
    pub scan_every: Duration,
    /// The admin token (`X-Admin-Token`); generated and printed when absent.
    #[arg(long, env = "DEMO_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// The payment webhooks' signing secret; generated and printed when absent.
    #[arg(long, env = "DEMO_WEBHOOK_SECRET")]
    pub webhook_secret: Option<String>,
    /// The job feed; a feed is started on loopback when absent.
    #[arg(long, env = "DEMO_FEED_URL")]
    pub feed_url: Option<String>,
    /// How durable a commit is: `full` (fsync on every commit) or `normal`.
    #[arg(long, env = "DEMO_DURABILITY", value_enum, default_value = "full")]
    pub durability: Durability,
    /// How long a whole request body may take to arrive (one deadline from
    /// its head, not reset by each chunk) before a 408.
    #[arg(long, env = "DEMO_BODY_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub body_timeout: Duration,
    /// How long a connection may take to send a request head, its first or
    /// the next one kept alive: slowloris and idle connections are closed
    /// after it.
    #[arg(long, env = "DEMO_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// How long reading one CV may take; the parse stops then (a PDF's child
    /// process is killed), and the upload is a 422.
    #[arg(long, env = "DEMO_PARSE_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub parse_timeout: Duration,
    /// Connections open at once (at most 1 048 576). At the cap, the
    /// connection idle the longest is closed to make room for a new one; the
    /// new one is refused only when every connection is serving a request.
    /// Keep it under the file descriptor limit, less what the database and
    /// the feed client use.
    #[arg(long, env = "DEMO_MAX_CONNECTIONS", default_value_t = 512)]
    pub max_connections: usize,
    /// Database connections in the pool.
    #[arg(long, env = "DEMO_CONNECTIONS", default_value_t = 8)]
    pub connections: u32,
    /// The async runtime's worker threads (1 to 1 024); one per core when
    /// absent. Each has its own `tokio_worker_*` series.
    #[arg(long, env = "DEMO_WORKERS", value_parser = parse_workers)]
    pub workers: Option<usize>,
}

/// `demo-app scan`.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Scan once and exit (failing when the scan or the push failed), instead
    /// of every `--every`.
    #[arg(long)]
    pub once: bool,
    /// How often to scan without `--once`.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub every: Duration,
    /// The Pushgateway to push to after each scan, `http://host:9091`; no push
    /// when absent.
    #[arg(long, env = "DEMO_PUSH_GATEWAY")]
    pub push_gateway: Option<String>,
    /// The job name the metrics are pushed under.
    #[arg(long, default_value = "demo_app_scan")]
    pub job: String,
    /// Where the database lives.
    #[arg(long, env = "DEMO_DATA_DIR", default_value = "demo-data")]
    pub data_dir: PathBuf,
    /// The job feed; one is started on loopback when absent.
    #[arg(long, env = "DEMO_FEED_URL")]
    pub feed_url: Option<String>,
    /// How durable a commit is: `full` (fsync on every commit) or `normal`.
    #[arg(long, env = "DEMO_DURABILITY", value_enum, default_value = "full")]
    pub durability: Durability,
}

/// `demo-app feed`.
#[derive(Debug, Clone, Args)]
pub struct FeedArgs {
    /// Where to listen.
    #[arg(long, env = "DEMO_FEED_ADDR", default_value = "127.0.0.1:8081")]
    pub addr: SocketAddr,
    /// The latency of every page (`50ms`).
    #[arg(long, default_value = "50ms", value_parser = parse_duration)]
    pub latency: Duration,
    /// The share of pages that fail with 503 (half as many again are slow).
    #[arg(long, default_value_t = 0.1)]
    pub fail_rate: f64,
    /// The seed of the postings and failures.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `demo-app load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// The service, `http://127.0.0.1:8080`.
    #[arg(long, env = "DEMO_TARGET")]
    pub target: String,
    /// How long to drive it.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Requests per second, all workers together (0: as fast as they go).
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// The seed of the traffic mix.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The service's admin token, for scans; read from the service's data
    /// directory when absent.
    #[arg(long, env = "DEMO_ADMIN_TOKEN")]
    pub admin_token: Option<String>,
    /// The service's webhook secret, for valid signatures; read from the
    /// service's data directory when absent.
    #[arg(long, env = "DEMO_WEBHOOK_SECRET")]
    pub webhook_secret: Option<String>,
    /// The service's data directory, where its dev secrets are kept.
    #[arg(long, env = "DEMO_DATA_DIR", default_value = "demo-data")]
    pub data_dir: PathBuf,
    /// What to send: `mixed` (every endpoint, good and bad), `valid` (only
    /// requests that should succeed: traffic that must fire no alert) or
    /// `writes` (valid uploads, status changes and webhooks).
    #[arg(long, value_enum, default_value = "mixed")]
    pub mix: Mix,
    /// Write the summary as JSON to this file as well.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// The traffic `demo-app load` sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    /// Every endpoint, good requests and bad ones, attacks included.
    Mixed,
    /// Only requests that should succeed.
    Valid,
    /// Only valid writes: CV uploads, job status changes, webhooks.
    Writes,
}

/// `demo-app emit`.
#[derive(Debug, Clone, Args)]
pub struct EmitArgs {
    /// What to generate: `all` (with `--dir`), `rules`, `dashboard`,
    /// `reference`, `runbooks`, `prometheus-config`, `alertmanager-config`,
    /// and for a fleet `scrape-config`, `agent-config` or `targets`.
    pub what: String,
    /// Write into this directory (every file for `all`) instead of stdout.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The Prometheus job of the service.
    #[arg(long, default_value = "demo-app")]
    pub job: String,
    /// An instance to scrape, `host:port`; repeat for more.
    #[arg(long = "target", default_values_t = ["127.0.0.1:8080".to_owned()])]
    pub targets: Vec<String>,
    /// An Alertmanager, `host:port`; repeat for more.
    #[arg(long = "alertmanager", default_values_t = ["127.0.0.1:9093".to_owned()])]
    pub alertmanagers: Vec<String>,
    /// Where Prometheus also sends every sample (a long-term store); repeat
    /// for more.
    #[arg(long = "remote-write")]
    pub remote_write: Vec<String>,
    /// Where Alertmanager delivers alerts.
    #[arg(long, default_value = "http://127.0.0.1:5001/alerts")]
    pub webhook_url: String,
    /// Where `runbooks.md` is served.
    #[arg(long, default_value = "runbooks.md")]
    pub runbook_url: String,
    /// How often Prometheus scrapes and evaluates.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub scrape_interval: Duration,
    /// How long a threshold alert's condition holds before it fires.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub alert_for: Duration,
    /// How long Alertmanager waits before a new group's first notification.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub group_wait: Duration,
    /// The runtime worker threads each instance runs (`serve --workers`, or
    /// its cores): the reference counts a `tokio_worker_*` series for each,
    /// so the files are the same on every machine that generates them.
    #[arg(long, default_value = "2", value_parser = parse_workers)]
    pub workers: usize,
}

/// A runtime's worker threads: 1 to 1 024 (tokio refuses 0, and more
/// threads than that is a typo, not a machine).
pub fn parse_workers(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(workers @ 1..=1024) => Ok(workers),
        _ => Err(format!("`{text}` is not a worker count from 1 to 1024")),
    }
}

/// `250ms`, `60s`, `5m`, `1h`: a number and a unit.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a duration: write a number and a unit, e.g. 250ms or 60s")
    })?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" | "" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("`{unit}` is not a unit: use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_their_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 weeks").is_err());
    }

    #[test]
    fn the_pdf_child_command_is_hidden_and_named_as_the_service_runs_it() {
        let cli = Cli::try_parse_from([
            "demo-app",
            crate::cv::PDF_CHILD_COMMAND,
            "--deadline-ms",
            "250",
        ]);
        assert!(matches!(
            cli.map(Cli::into_command),
            Ok(Command::ParsePdf(ParsePdfArgs { deadline_ms: 250 }))
        ));
        let mut command = <Cli as clap::CommandFactory>::command();
        let help = command.render_help().to_string();
        assert!(!help.contains("parse-pdf"), "{help}");
    }
}
