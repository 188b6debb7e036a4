//! `prometheus.yml` and `alertmanager.yml`: what loads the generated rules
//! and delivers the alerts, as typed models of the two configurations
//! written by the [YAML writer](crate::yaml).

use crate::yaml::{self, Flow, Plain, Single};
use crate::{duration, Artifact, Settings};
use serde::Serialize;
use std::time::Duration;

/// The part of Prometheus's configuration the generator writes.
#[derive(Serialize)]
struct PrometheusConfig<'a> {
    global: Global,
    rule_files: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alerting: Option<Alerting<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remote_write: Vec<RemoteWrite<'a>>,
    scrape_configs: Vec<ScrapeConfig<'a>>,
}

#[derive(Serialize)]
struct Global {
    scrape_interval: Plain,
    evaluation_interval: Plain,
}

#[derive(Serialize)]
struct Alerting<'a> {
    alertmanagers: Vec<Alertmanagers<'a>>,
}

#[derive(Serialize)]
struct Alertmanagers<'a> {
    static_configs: Vec<StaticConfig<'a>>,
}

#[derive(Serialize)]
struct StaticConfig<'a> {
    targets: Flow<&'a [String]>,
}

#[derive(Serialize)]
struct RemoteWrite<'a> {
    url: &'a str,
}

#[derive(Serialize)]
struct ScrapeConfig<'a> {
    job_name: &'a str,
    metrics_path: &'a str,
    static_configs: Vec<StaticConfig<'a>>,
}

/// `prometheus.yml`: scrapes the targets, loads `rules.yml`, alerts through
/// the Alertmanagers.
pub(crate) fn prometheus(settings: &Settings) -> String {
    let interval = duration(settings.scrape_interval);
    let config = PrometheusConfig {
        global: Global {
            scrape_interval: Plain(interval.clone()),
            evaluation_interval: Plain(interval),
        },
        rule_files: vec![Artifact::Rules.file_name()],
        alerting: (!settings.alertmanagers.is_empty()).then(|| Alerting {
            alertmanagers: vec![Alertmanagers {
                static_configs: vec![StaticConfig {
                    targets: Flow(&settings.alertmanagers),
                }],
            }],
        }),
        remote_write: settings
            .remote_write
            .iter()
            .map(|url| RemoteWrite { url })
            .collect(),
        scrape_configs: vec![ScrapeConfig {
            job_name: &settings.job,
            metrics_path: "/metrics",
            static_configs: vec![StaticConfig {
                targets: Flow(&settings.targets),
            }],
        }],
    };
    yaml::document("Prometheus configuration", settings, &config, true)
}

/// The part of Alertmanager's configuration the generator writes.
#[derive(Serialize)]
struct AlertmanagerConfig<'a> {
    route: Route<'a>,
    receivers: Vec<Receiver<'a>>,
}

#[derive(Serialize)]
struct Route<'a> {
    receiver: &'a str,
    group_by: Flow<[&'a str; 2]>,
    group_wait: Plain,
    group_interval: Plain,
    repeat_interval: Plain,
    routes: Vec<ChildRoute<'a>>,
}

#[derive(Serialize)]
struct ChildRoute<'a> {
    receiver: &'a str,
    matchers: Flow<[Single<'a>; 1]>,
}

#[derive(Serialize)]
struct Receiver<'a> {
    name: &'a str,
    webhook_configs: Vec<WebhookConfig<'a>>,
}

#[derive(Serialize)]
struct WebhookConfig<'a> {
    url: &'a str,
    send_resolved: bool,
}

/// `alertmanager.yml`: every alert to the webhook, pages and tickets on
/// routes of their own, grouped by alert and job.
pub(crate) fn alertmanager(settings: &Settings) -> String {
    let receiver = |name| Receiver {
        name,
        webhook_configs: vec![WebhookConfig {
            url: &settings.webhook_url,
            send_resolved: true,
        }],
    };
    let config = AlertmanagerConfig {
        route: Route {
            receiver: "tickets",
            group_by: Flow(["alertname", "job"]),
            group_wait: Plain(duration(settings.group_wait)),
            group_interval: Plain(duration(Duration::from_secs(60))),
            repeat_interval: Plain(duration(Duration::from_secs(4 * 3600))),
            routes: vec![
                ChildRoute {
                    receiver: "pages",
                    matchers: Flow([Single(r#"severity="page""#)]),
                },
                ChildRoute {
                    receiver: "tickets",
                    matchers: Flow([Single(r#"severity="ticket""#)]),
                },
            ],
        },
        receivers: vec![receiver("pages"), receiver("tickets")],
    };
    yaml::document("Alertmanager configuration", settings, &config, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_is_written_when_asked_for() {
        let mut settings = Settings::new("cv \"service\"");
        settings.targets = vec!["10.0.0.5:8080".to_owned(), "10.0.0.6:8080".to_owned()];
        settings.remote_write = vec!["http://mimir:9009/api/v1/push".to_owned()];
        settings.scrape_interval = Duration::from_secs(30);
        let text = prometheus(&settings);
        let body = text.split_once("command.\n").map_or("", |(_, body)| body);
        assert_eq!(
            body,
            r#"global:
  scrape_interval: 30s
  evaluation_interval: 30s

rule_files:
  - "rules.yml"

alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:9093"]

remote_write:
  - url: "http://mimir:9009/api/v1/push"

scrape_configs:
  - job_name: "cv \"service\""
    metrics_path: "/metrics"
    static_configs:
      - targets: ["10.0.0.5:8080", "10.0.0.6:8080"]
"#
        );
        settings.alertmanagers.clear();
        assert!(!prometheus(&settings).contains("alerting:"));
        let text = alertmanager(&settings);
        assert!(
            text.contains("      matchers: ['severity=\"page\"']\n"),
            "{text}"
        );
        assert!(text.contains("  group_wait: 30s\n  group_interval: 1m\n  repeat_interval: 4h\n"));
    }
}
