//! `prometheus.yml` and `alertmanager.yml`: what loads the generated rules
//! and delivers the alerts.

use crate::yaml::{header, quote};
use crate::{duration, Artifact, Settings};
use std::fmt::Write;

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// `prometheus.yml`: scrapes the targets, loads `rules.yml`, alerts through
/// the Alertmanagers.
pub(crate) fn prometheus(settings: &Settings) -> String {
    let mut out = header("Prometheus configuration", settings);
    let interval = duration(settings.scrape_interval);
    let _ = writeln!(
        out,
        "global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n"
    );
    let _ = writeln!(
        out,
        "rule_files:\n  - {}\n",
        quote(Artifact::Rules.file_name())
    );
    if !settings.alertmanagers.is_empty() {
        let _ = writeln!(
            out,
            "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: {}\n",
            list(&settings.alertmanagers)
        );
    }
    if !settings.remote_write.is_empty() {
        out.push_str("remote_write:\n");
        for url in &settings.remote_write {
            let _ = writeln!(out, "  - url: {}", quote(url));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "scrape_configs:\n  - job_name: {}\n    metrics_path: \"/metrics\"\n    static_configs:\n      - targets: {}",
        quote(&settings.job),
        list(&settings.targets)
    );
    out
}

/// `alertmanager.yml`: every alert to the webhook, pages and tickets on
/// routes of their own, grouped by alert and job.
pub(crate) fn alertmanager(settings: &Settings) -> String {
    let mut out = header("Alertmanager configuration", settings);
    let url = quote(&settings.webhook_url);
    let wait = duration(settings.group_wait);
    let _ = write!(
        out,
        "route:
  receiver: \"tickets\"
  group_by: [\"alertname\", \"job\"]
  group_wait: {wait}
  group_interval: 1m
  repeat_interval: 4h
  routes:
    - receiver: \"pages\"
      matchers: ['severity=\"page\"']
    - receiver: \"tickets\"
      matchers: ['severity=\"ticket\"']

receivers:
  - name: \"pages\"
    webhook_configs:
      - url: {url}
        send_resolved: true
  - name: \"tickets\"
    webhook_configs:
      - url: {url}
        send_resolved: true
"
    );
    out
}
