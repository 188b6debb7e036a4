//! `prometheus.yml` and `alertmanager.yml`: what loads the generated rules
//! and delivers the alerts; and for a fleet, `scrape.yml`, `agent.yml` and
//! `targets.json`: what scrapers (vmagent, Prometheus in agent mode) scrape,
//! found by `file_sd`, and where they write. Typed models of the
//! configurations, written by the [YAML writer](crate::yaml).

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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    static_configs: Vec<StaticConfig<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    file_sd_configs: Vec<FileSdConfig>,
}

/// `file_sd_configs`: the targets read from files the scraper watches, so
/// instances come and go without a restart.
#[derive(Serialize)]
struct FileSdConfig {
    files: Flow<[&'static str; 1]>,
}

/// A scraper's configuration: the scrape job found by `file_sd`, and for
/// Prometheus in agent mode, where it writes. No rules, no alerting: in a
/// fleet they run beside the store (vmalert, Thanos Ruler, Mimir's ruler).
#[derive(Serialize)]
struct ScraperConfig<'a> {
    global: ScrapeGlobal,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remote_write: Vec<RemoteWrite<'a>>,
    scrape_configs: Vec<ScrapeConfig<'a>>,
}

#[derive(Serialize)]
struct ScrapeGlobal {
    scrape_interval: Plain,
}

/// Where the fleet's scrapers find the instances: the `file_sd` file beside
/// `scrape.yml` and `agent.yml`.
pub(crate) const TARGETS_FILE: &str = "targets.json";

/// Where an agent writes when [`Settings::remote_write`] is empty: a
/// single-node VictoriaMetrics on its default port.
pub(crate) const DEFAULT_REMOTE_WRITE: &str = "http://127.0.0.1:8428/api/v1/write";

fn scraper(settings: &Settings, remote_write: Vec<RemoteWrite<'_>>) -> String {
    let config = ScraperConfig {
        global: ScrapeGlobal {
            scrape_interval: Plain(duration(settings.scrape_interval)),
        },
        remote_write,
        scrape_configs: vec![ScrapeConfig {
            job_name: &settings.job,
            metrics_path: "/metrics",
            static_configs: Vec::new(),
            file_sd_configs: vec![FileSdConfig {
                files: Flow([TARGETS_FILE]),
            }],
        }],
    };
    let what = if config.remote_write.is_empty() {
        "Scrape configuration (vmagent -promscrape.config, Prometheus)"
    } else {
        "Prometheus agent configuration (--enable-feature=agent)"
    };
    yaml::document(what, settings, &config, true)
}

/// `scrape.yml`: the scrape job alone, its targets from `targets.json`; what
/// vmagent reads with `-promscrape.config` (which refuses a `remote_write`
/// section: its `-remoteWrite.url` flag says where it writes).
pub(crate) fn scrape(settings: &Settings) -> String {
    scraper(settings, Vec::new())
}

/// `agent.yml`: `scrape.yml` with the `remote_write` section, for
/// Prometheus in agent mode; to [`DEFAULT_REMOTE_WRITE`] when
/// [`Settings::remote_write`] is empty, since an agent keeps nothing itself.
pub(crate) fn agent(settings: &Settings) -> String {
    let remote_write = if settings.remote_write.is_empty() {
        vec![RemoteWrite {
            url: DEFAULT_REMOTE_WRITE,
        }]
    } else {
        settings
            .remote_write
            .iter()
            .map(|url| RemoteWrite { url })
            .collect()
    };
    scraper(settings, remote_write)
}

/// One `file_sd` target group.
#[derive(Serialize)]
struct TargetGroup<'a> {
    targets: &'a [String],
    labels: std::collections::BTreeMap<&'a str, &'a str>,
}

/// `targets.json`: [`Settings::targets`] as one `file_sd` target group; the
/// scrapers give each the `job` of the scrape job and `instance` of its
/// address. Rewrite it (atomically: write beside it, then rename) as
/// instances come and go.
pub(crate) fn targets(settings: &Settings) -> String {
    let groups = [TargetGroup {
        targets: &settings.targets,
        labels: std::collections::BTreeMap::new(),
    }];
    serde_json::to_string_pretty(&groups).map_or_else(|_| String::from("[]\n"), |text| text + "\n")
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
            file_sd_configs: Vec::new(),
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

    #[test]
    fn the_fleet_files_find_targets_by_file_sd_and_only_the_agent_writes() {
        let mut settings = Settings::new("demo-app");
        settings.targets = vec!["10.0.0.5:8080".to_owned(), "10.0.0.6:8080".to_owned()];
        let body = |text: &str| {
            text.split_once("command.\n")
                .map_or("", |(_, body)| body)
                .to_owned()
        };
        let scrape_configs = r#"scrape_configs:
  - job_name: "demo-app"
    metrics_path: "/metrics"
    file_sd_configs:
      - files: ["targets.json"]
"#;
        assert_eq!(
            body(&scrape(&settings)),
            format!("global:\n  scrape_interval: 15s\n\n{scrape_configs}")
        );
        assert_eq!(
            body(&agent(&settings)),
            format!(
                "global:\n  scrape_interval: 15s\n\nremote_write:\n  - url: \"{DEFAULT_REMOTE_WRITE}\"\n\n{scrape_configs}"
            )
        );
        settings.remote_write = vec!["http://vm:8428/api/v1/write".to_owned()];
        assert!(agent(&settings).contains("  - url: \"http://vm:8428/api/v1/write\"\n"));
        assert!(!agent(&settings).contains(DEFAULT_REMOTE_WRITE));
        let groups: serde_json::Value =
            serde_json::from_str(&targets(&settings)).expect("targets.json is JSON");
        assert_eq!(
            groups,
            serde_json::json!([{ "targets": ["10.0.0.5:8080", "10.0.0.6:8080"], "labels": {} }])
        );
    }
}
