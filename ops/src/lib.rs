//! Operations files generated from the [`catalog`](metricate::catalog()): Prometheus
//! recording rules and alerts, a Grafana dashboard, the metric reference, the
//! runbooks the alerts link to, and the Prometheus and Alertmanager
//! configuration that loads them. Every family the binary declares is known
//! at start, so every panel and rule names series that exist, at 0 if need be.
//!
//! What is generated, from what:
//!
//! | from the catalogue | rules | dashboard |
//! |---|---|---|
//! | an `#[instrument_metric]` fn | rate, error ratio, p50/p95/p99 recorded per `job` and label; an alert when its error ratio passes [`Settings::error_ratio`] | its rate, error ratio, latency and in-flight panels |
//! | `objective(..)` | the failure ratio over seven windows; multi-window, multi-burn-rate alerts (page: 1h/5m at 14.4× and 6h/30m at 6×; ticket: 1d/2h at 3× and 3d/6h at 1×) | the error budget left over 30 days |
//! | a `*_timestamp_seconds` gauge | an alert when it is older than [`Settings::stale_after`] | its age |
//! | a `*_active`/`*_idle` gauge pair | an alert when more than [`Settings::pool_saturation`] is in use | the pool's use |
//! | the HTTP layer's families | request rate, 5xx ratio (per job and per instance) and p95 per route; alerts on each | the four golden signals per route |
//! | the process families | a memory alert over [`Settings::memory_bytes`] | memory, CPU, open files, uptime |
//! | the tokio runtime's families (`metricate::tokio_runtime`) | an alert when the global queue stays over [`Settings::tokio_queue_depth`] for a minute, held for [`Settings::alert_for`] | a runtime saturation row: worker busy ratio, global queue depth, alive tasks, parks |
//! | `up` | a service-down alert | targets up |
//!
//! Every file is built from typed models: the rules and the dashboard are
//! planned from the catalogue, then written through `serde` models of
//! Prometheus's rule file and configuration, Alertmanager's configuration
//! (YAML, by a small writer of this crate that quotes every string and writes
//! PromQL as literal blocks) and Grafana's dashboard JSON (`serde_json`). The
//! HTTP and process families are found by the constants of
//! [`metricate::names`], the names the runtime declares them with. This crate
//! uses nothing but metricate's public API.
//!
//! Any binary can hand them out with one call; `demo-app emit` is this:
//!
//! ```
//! use metricate_ops::{Artifact, Settings};
//!
//! #[derive(Debug, metricate::LabelValue)]
//! enum ParseError { Empty }
//!
//! /// Parses an uploaded CV.
//! #[metricate::instrument_metric(
//!     histogram = "doc_ops_parse_duration_seconds",
//!     errors = "doc_ops_parse_errors_total",
//!     objective(latency = "250ms", percentile = 99),
//! )]
//! fn parse(body: &str) -> Result<usize, ParseError> {
//!     if body.is_empty() { Err(ParseError::Empty) } else { Ok(body.len()) }
//! }
//! # let _ = parse("");
//!
//! let settings = Settings::new("cv-service");
//! let rules = metricate_ops::generate(Artifact::Rules, &metricate::catalog(), &settings);
//! assert!(rules.contains("record: \"job:doc_ops_parse_calls:rate5m\""));
//! assert!(rules.contains("alert: \"ParseLatencyBudgetBurnFast\""));
//! let artifact: Artifact = "dashboard".parse().unwrap();
//! assert_eq!(artifact.file_name(), "dashboard.json");
//! ```

mod config;
mod dashboard;
mod grafana;
mod model;
mod promql;
mod reference;
mod rules;
mod rules_file;
mod runbooks;
mod yaml;

use metricate::Catalog;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// What the generated files assume about where they run, and the thresholds
/// of the alerts that are not objectives. [`Settings::new`] gives the
/// defaults; change a field to change one.
///
/// ```
/// let mut settings = metricate_ops::Settings::new("cv-service");
/// settings.targets = vec!["10.0.0.5:8080".into(), "10.0.0.6:8080".into()];
/// settings.error_ratio = 0.01;
/// assert_eq!(settings.job, "cv-service");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// The Prometheus `job` of the service: the generated scrape config names
    /// it, the service-down alert selects it.
    pub job: String,
    /// The instances to scrape, `host:port`.
    pub targets: Vec<String>,
    /// The Alertmanagers Prometheus sends alerts to, `host:port`.
    pub alertmanagers: Vec<String>,
    /// Where Prometheus also sends every sample (`remote_write`): a
    /// long-term store such as Thanos Receive, Mimir or another Prometheus.
    pub remote_write: Vec<String>,
    /// Where Alertmanager delivers alerts (a webhook receiver).
    pub webhook_url: String,
    /// Where `runbooks.md` is served; each alert's `runbook_url` is this with
    /// the alert's anchor.
    pub runbook_url: String,
    /// Where Grafana serves the dashboard (`https://grafana/d/<uid>`); each
    /// alert links its panel as this with `?viewPanel=<id>`.
    pub dashboard_url: String,
    /// How often Prometheus scrapes, and evaluates the rules.
    pub scrape_interval: Duration,
    /// How long a threshold alert's condition holds before it fires.
    pub alert_for: Duration,
    /// How long Alertmanager waits to group a new alert's first notification.
    pub group_wait: Duration,
    /// The error ratio of an operation, or of HTTP 5xx, that alerts.
    pub error_ratio: f64,
    /// The fewest failed calls in the ratio's 5 minutes for it to alert: at a
    /// few calls a minute, two unlucky failures are already over any ratio,
    /// and a page must mean more than chance.
    pub min_failures: u32,
    /// The HTTP p95 latency, in seconds, that alerts.
    pub latency_seconds: f64,
    /// How old a `*_timestamp_seconds` gauge may get before it alerts.
    pub stale_after: Duration,
    /// The share of a pool in use that alerts.
    pub pool_saturation: f64,
    /// The resident memory, in bytes, that alerts.
    pub memory_bytes: u64,
    /// The depth of the tokio runtime's global queue that alerts when it never
    /// drains below it for a minute, held for `alert_for`.
    pub tokio_queue_depth: f64,
}

impl Settings {
    /// The defaults for the service scraped as `job`: one instance on
    /// `127.0.0.1:8080`, Alertmanager on `127.0.0.1:9093`, 15 s scrapes,
    /// alerts after 5 minutes at a 5 % error ratio (of at least 5 failed calls
    /// in 5 minutes) or a 2 s p95, a timestamp
    /// stale after 24 hours, a pool alert at 80 %, memory at 1 GiB, a tokio
    /// global queue that stays over 100 tasks.
    pub fn new(job: impl Into<String>) -> Settings {
        let job = job.into();
        Settings {
            targets: vec!["127.0.0.1:8080".to_owned()],
            alertmanagers: vec!["127.0.0.1:9093".to_owned()],
            remote_write: Vec::new(),
            webhook_url: "http://127.0.0.1:5001/alerts".to_owned(),
            runbook_url: "runbooks.md".to_owned(),
            dashboard_url: format!("http://127.0.0.1:3000/d/{}", dashboard::uid(&job)),
            scrape_interval: Duration::from_secs(15),
            alert_for: Duration::from_secs(5 * 60),
            group_wait: Duration::from_secs(30),
            error_ratio: 0.05,
            min_failures: 5,
            latency_seconds: 2.0,
            stale_after: Duration::from_secs(24 * 3600),
            pool_saturation: 0.8,
            memory_bytes: 1 << 30,
            tokio_queue_depth: 100.0,
            job,
        }
    }
}

/// One generated file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Artifact {
    /// Prometheus recording rules and alerts, `rules.yml`.
    Rules,
    /// A Grafana dashboard, `dashboard.json`.
    Dashboard,
    /// The metric reference, `metrics.md`.
    Reference,
    /// What to do when each alert fires, `runbooks.md`.
    Runbooks,
    /// Prometheus's configuration, `prometheus.yml`.
    PrometheusConfig,
    /// Alertmanager's configuration, `alertmanager.yml`.
    AlertmanagerConfig,
    /// A fleet's scrape job, its targets found by `file_sd` in
    /// `targets.json`: `scrape.yml`, what vmagent reads with
    /// `-promscrape.config` (its `-remoteWrite.url` says where it writes).
    ScrapeConfig,
    /// `scrape.yml` with a `remote_write` section ([`Settings::remote_write`],
    /// or a VictoriaMetrics on `127.0.0.1:8428` when empty): `agent.yml`,
    /// for Prometheus in agent mode.
    AgentConfig,
    /// [`Settings::targets`] as a `file_sd` file, `targets.json`.
    Targets,
}

impl Artifact {
    /// Every artifact.
    pub const ALL: [Artifact; 9] = [
        Artifact::Rules,
        Artifact::Dashboard,
        Artifact::Reference,
        Artifact::Runbooks,
        Artifact::PrometheusConfig,
        Artifact::AlertmanagerConfig,
        Artifact::ScrapeConfig,
        Artifact::AgentConfig,
        Artifact::Targets,
    ];

    /// Its name on the command line: `rules`, `dashboard`, `reference`,
    /// `runbooks`, `prometheus-config`, `alertmanager-config`,
    /// `scrape-config`, `agent-config`, `targets`.
    pub fn name(self) -> &'static str {
        match self {
            Artifact::Rules => "rules",
            Artifact::Dashboard => "dashboard",
            Artifact::Reference => "reference",
            Artifact::Runbooks => "runbooks",
            Artifact::PrometheusConfig => "prometheus-config",
            Artifact::AlertmanagerConfig => "alertmanager-config",
            Artifact::ScrapeConfig => "scrape-config",
            Artifact::AgentConfig => "agent-config",
            Artifact::Targets => "targets",
        }
    }

    /// The file it is kept in.
    pub fn file_name(self) -> &'static str {
        match self {
            Artifact::Rules => "rules.yml",
            Artifact::Dashboard => "dashboard.json",
            Artifact::Reference => "metrics.md",
            Artifact::Runbooks => "runbooks.md",
            Artifact::PrometheusConfig => "prometheus.yml",
            Artifact::AlertmanagerConfig => "alertmanager.yml",
            Artifact::ScrapeConfig => "scrape.yml",
            Artifact::AgentConfig => "agent.yml",
            Artifact::Targets => config::TARGETS_FILE,
        }
    }
}

impl fmt::Display for Artifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not an [`Artifact`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownArtifact(pub String);

impl fmt::Display for UnknownArtifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Artifact::ALL
            .iter()
            .map(|artifact| artifact.name())
            .collect();
        write!(
            f,
            "`{}` is not a generated file: it is one of {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownArtifact {}

impl FromStr for Artifact {
    type Err = UnknownArtifact;

    fn from_str(name: &str) -> Result<Artifact, UnknownArtifact> {
        Artifact::ALL
            .into_iter()
            .find(|artifact| artifact.name() == name || artifact.file_name() == name)
            .ok_or_else(|| UnknownArtifact(name.to_owned()))
    }
}

/// The text of `artifact` for `catalog`.
pub fn generate(artifact: Artifact, catalog: &Catalog, settings: &Settings) -> String {
    let model = model::Model::of(catalog);
    match artifact {
        Artifact::Rules => {
            let panels = dashboard::plan(&model, settings).panel_ids();
            rules_file::render(&rules::plan(&model, settings), settings, &panels)
        }
        Artifact::Dashboard => dashboard::render(&dashboard::plan(&model, settings), settings),
        Artifact::Reference => reference::render(catalog, &model, settings),
        Artifact::Runbooks => runbooks::render(&rules::plan(&model, settings), settings),
        Artifact::PrometheusConfig => config::prometheus(settings),
        Artifact::AlertmanagerConfig => config::alertmanager(settings),
        Artifact::ScrapeConfig => config::scrape(settings),
        Artifact::AgentConfig => config::agent(settings),
        Artifact::Targets => config::targets(settings),
    }
}

/// Writes every artifact for `catalog` into `dir`; the paths written.
pub fn write_all(
    dir: &Path,
    catalog: &Catalog,
    settings: &Settings,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    Artifact::ALL
        .into_iter()
        .map(|artifact| {
            let path = dir.join(artifact.file_name());
            std::fs::write(&path, generate(artifact, catalog, settings))?;
            Ok(path)
        })
        .collect()
}

/// `Foo`'s `CamelCase` of `snake_case`: alert names.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Whether `c` must be escaped for `text` to stay one printable line: a
/// control character, or what YAML 1.1 readers take for a line break.
fn unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` on one line, for a comment or a heading: each unprintable
/// character written as its escape, so a job named with a line break cannot
/// end the comment it is quoted in.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if unprintable(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The inside of a double-quoted string, with the escapes JSON, YAML and
/// PromQL share: a quote, a backslash, `\n`, `\r`, `\t`, and `\uXXXX` for
/// every other unprintable character.
fn escape_double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str(r"\\"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            c if unprintable(c) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A Prometheus duration: `90s`, `5m`, `24h`, `0s`.
fn duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration.subsec_millis() != 0 {
        format!("{}ms", duration.as_millis())
    } else if seconds != 0 && seconds % 3600 == 0 {
        format!("{}h", seconds / 3600)
    } else if seconds != 0 && seconds % 60 == 0 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_durations_read_as_prometheus_writes_them() {
        assert_eq!(camel("cv_parse_errors"), "CvParseErrors");
        assert_eq!(camel("http__requests"), "HttpRequests");
        assert_eq!(duration(Duration::from_secs(300)), "5m");
        assert_eq!(duration(Duration::from_secs(86_400)), "24h");
        assert_eq!(duration(Duration::from_secs(90)), "90s");
        assert_eq!(duration(Duration::ZERO), "0s");
        assert_eq!(duration(Duration::from_millis(1500)), "1500ms");
        for artifact in Artifact::ALL {
            assert_eq!(artifact.name().parse::<Artifact>(), Ok(artifact));
            assert_eq!(artifact.file_name().parse::<Artifact>(), Ok(artifact));
        }
        assert!("graphs".parse::<Artifact>().is_err());
    }
}
