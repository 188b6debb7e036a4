//! The recording rules and alerts, planned from the model: one group of
//! operation rules, one of objective (SLO) rules, one of alerts. The YAML
//! ([`crate::rules_file`]) and the runbooks ([`crate::runbooks`]) are written from
//! the same plan.

use crate::model::{Model, Operation, Promise, Slo};
use crate::promql::{self, equalities, Scope};
use crate::{camel, duration, Settings};
use metricate::names::{
    HTTP_REQUESTS_TOTAL, HTTP_REQUEST_DURATION_SECONDS, PROCESS_RESIDENT_MEMORY_BYTES,
    TOKIO_GLOBAL_QUEUE_DEPTH,
};
use std::time::Duration;

/// The windows of the objectives' failure ratios.
const SLO_WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// The multi-window, multi-burn-rate alerts of the SRE workbook: each pair
/// of windows (long, short) and how many times the sustainable burn rate
/// both must exceed; the first two page, the last two make tickets.
const BURN_RATES: [(&str, &str, f64, Severity); 4] = [
    ("1h", "5m", 14.4, Severity::Page),
    ("6h", "30m", 6.0, Severity::Page),
    ("1d", "2h", 3.0, Severity::Ticket),
    ("3d", "6h", 1.0, Severity::Ticket),
];

/// How soon someone must act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Severity {
    /// Now: wakes someone up.
    Page,
    /// Within working hours.
    Ticket,
}

impl Severity {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

/// A recording rule.
pub(crate) struct Record {
    pub(crate) name: String,
    pub(crate) expr: String,
}

/// What the runbook of an alert says.
pub(crate) struct Runbook {
    /// What firing means.
    pub(crate) meaning: String,
    /// Who notices, and how.
    pub(crate) impact: String,
    /// Where to look first, most likely first.
    pub(crate) diagnosis: Vec<String>,
    /// What to do.
    pub(crate) mitigation: Vec<String>,
}

/// An alerting rule and its runbook.
pub(crate) struct Alert {
    pub(crate) name: String,
    pub(crate) expr: String,
    pub(crate) pending: Duration,
    pub(crate) severity: Severity,
    pub(crate) summary: String,
    pub(crate) description: String,
    /// The dashboard panel that shows it, by its key.
    pub(crate) panel: Option<String>,
    pub(crate) runbook: Runbook,
}

/// A rule group.
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) records: Vec<Record>,
    pub(crate) alerts: Vec<Alert>,
}

/// The three groups.
pub(crate) struct Plan {
    pub(crate) groups: Vec<Group>,
}

impl Plan {
    pub(crate) fn alerts(&self) -> impl Iterator<Item = &Alert> {
        self.groups.iter().flat_map(|group| &group.alerts)
    }

    pub(crate) fn records(&self) -> impl Iterator<Item = &Record> {
        self.groups.iter().flat_map(|group| &group.records)
    }
}

/// `job_format` of `["job", "format"]`: the level of a recording rule's name.
fn level(by: &[&str]) -> String {
    by.join("_")
}

fn grouping<'a>(operation: &'a Operation<'_>) -> Vec<&'a str> {
    std::iter::once("job")
        .chain(operation.labels.iter().copied())
        .collect()
}

/// The recorded names of an operation's signals.
pub(crate) struct OperationRecords {
    pub(crate) calls: String,
    pub(crate) errors: String,
    pub(crate) ratio: String,
}

pub(crate) fn operation_records(operation: &Operation<'_>) -> OperationRecords {
    let level = level(&grouping(operation));
    OperationRecords {
        calls: format!("{level}:{}_calls:rate5m", operation.name),
        errors: format!("{level}:{}_errors:rate5m", operation.name),
        ratio: format!("{level}:{}_errors:ratio_rate5m", operation.name),
    }
}

/// The recorded failure ratio of an objective over `window`.
pub(crate) fn slo_record(slo: &Slo, window: &str) -> String {
    format!("job:{}_failures:ratio_rate{window}", slo.name)
}

/// Records the rate, error ratio and quantiles of every operation, and the
/// HTTP layer's.
fn operation_group(model: &Model<'_>, settings: &Settings) -> Group {
    let mut records = Vec::new();
    for operation in &model.operations {
        let by = grouping(operation);
        let scope = Scope {
            filter: "",
            by: &by,
            window: "5m",
        };
        let names = operation_records(operation);
        if let Some(calls) = operation.calls_rate(scope, &[]) {
            records.push(Record {
                name: names.calls.clone(),
                expr: calls,
            });
        }
        if let Some(errors) = operation.errors_rate(scope, &[]) {
            records.push(Record {
                name: names.errors.clone(),
                expr: errors,
            });
            if operation.counts_calls() {
                records.push(Record {
                    name: names.ratio,
                    expr: format!("{}\n/\n{}", names.errors, names.calls),
                });
            }
        }
        if let Some(histogram) = operation.histogram {
            for (label, quantile) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
                records.push(Record {
                    name: format!("{}:{}:{label}_rate5m", level(&by), histogram.name),
                    expr: promql::histogram_quantile(histogram.name, quantile, scope, &[]),
                });
            }
        }
    }
    if model.http {
        let by = ["job", "method", "route"];
        let scope = Scope {
            filter: "",
            by: &by,
            window: "5m",
        };
        records.push(Record {
            name: "job_method_route:http_requests:rate5m".to_owned(),
            expr: format!("sum by (job, method, route) (rate({HTTP_REQUESTS_TOTAL}[5m]))"),
        });
        records.push(Record {
            name: "job:http_requests_server_errors:ratio_rate5m".to_owned(),
            expr: promql::server_error_ratio(
                HTTP_REQUESTS_TOTAL,
                Scope {
                    by: &["job"],
                    ..scope
                },
            ),
        });
        // The 5xx count beside the ratio: two unlucky 5xx at a few requests a
        // minute are already over any ratio, and a page must mean more.
        records.push(Record {
            name: "job:http_requests_server_errors:rate5m".to_owned(),
            expr: promql::server_error_rate(
                HTTP_REQUESTS_TOTAL,
                Scope {
                    by: &["job"],
                    ..scope
                },
            ),
        });
        // Per instance too, one series each: in a fleet, one instance
        // answering 5xx is a small share of the job's requests.
        records.push(Record {
            name: "job_instance:http_requests_server_errors:rate5m".to_owned(),
            expr: promql::server_error_rate(
                HTTP_REQUESTS_TOTAL,
                Scope {
                    by: &["job", "instance"],
                    ..scope
                },
            ),
        });
        records.push(Record {
            name: "job_instance:http_requests_server_errors:ratio_rate5m".to_owned(),
            expr: promql::server_error_ratio(
                HTTP_REQUESTS_TOTAL,
                Scope {
                    by: &["job", "instance"],
                    ..scope
                },
            ),
        });
        records.push(Record {
            name: format!("job_method_route:{HTTP_REQUEST_DURATION_SECONDS}:p95_rate5m"),
            expr: promql::histogram_quantile(HTTP_REQUEST_DURATION_SECONDS, 0.95, scope, &[]),
        });
    }
    Group {
        name: format!("{}:operations", settings.job),
        records,
        alerts: Vec::new(),
    }
}

/// Records each objective's failure ratio over every window.
fn slo_group(model: &Model<'_>, settings: &Settings) -> Group {
    let mut records = Vec::new();
    for slo in &model.slos {
        let operation = &model.operations[slo.operation];
        let selector = equalities(&slo.selector);
        for window in SLO_WINDOWS {
            let scope = Scope {
                filter: "",
                by: &["job"],
                window,
            };
            let expr = match slo.promise {
                Promise::Success(_) => operation.error_ratio(scope, &selector),
                Promise::Latency(latency) => {
                    operation.slow_ratio(latency.threshold_seconds, scope, &selector)
                }
            };
            if let Some(expr) = expr {
                records.push(Record {
                    name: slo_record(slo, window),
                    expr,
                });
            }
        }
    }
    Group {
        name: format!("{}:objectives", settings.job),
        records,
        alerts: Vec::new(),
    }
}

/// `x` to nine decimals: `0.144`, not `0.14400000000000013`.
fn round(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

fn percent(ratio: f64) -> String {
    let percent = ratio * 100.0;
    let text = format!("{percent:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} %")
}

fn seconds(value: f64) -> String {
    if value < 1.0 {
        // To nine decimals: `700 ms`, not `700.0000000000001 ms`.
        format!("{} ms", (value * 1e12).round() / 1e9)
    } else {
        format!("{value} s")
    }
}

/// `, not counting ...` for an operation whose errors include the caller's.
fn client_errors_left_out(operation: &Operation<'_>) -> String {
    if operation.client_errors.is_empty() || operation.errors.is_none() {
        return String::new();
    }
    let values: Vec<String> = operation
        .client_errors
        .iter()
        .map(|value| format!("`{value}`"))
        .collect();
    format!(
        " (not counting the callers' errors, `error_type` {}: the dashboard shows them)",
        values.join(", ")
    )
}

fn burn_alerts(model: &Model<'_>, slo: &Slo) -> Vec<Alert> {
    let operation = &model.operations[slo.operation];
    let budget = slo.promise.budget();
    let (what, promise) = match slo.promise {
        Promise::Success(target) => (
            "failed calls",
            format!("{} of calls to `{}` succeed", percent(target), slo.function),
        ),
        Promise::Latency(latency) => (
            "calls slower than the objective",
            format!(
                "{} of calls to `{}` take at most {}",
                percent(latency.percentile),
                slo.function,
                seconds(latency.threshold_seconds)
            ),
        ),
    };
    let name = camel(&slo.name);
    [Severity::Page, Severity::Ticket]
        .into_iter()
        .map(|severity| {
            let conditions: Vec<String> = BURN_RATES
                .iter()
                .filter(|(.., of)| *of == severity)
                .map(|(long, short, factor, _)| {
                    let threshold = round(factor * budget);
                    format!(
                        "(\n  {} > {threshold}\nand\n  {} > {threshold}\n)",
                        slo_record(slo, long),
                        slo_record(slo, short)
                    )
                })
                .collect();
            let (speed, horizon) = match severity {
                Severity::Page => ("Fast", "in hours to days"),
                Severity::Ticket => ("Slow", "within the 30-day window"),
            };
            Alert {
                name: format!("{name}BudgetBurn{speed}"),
                expr: conditions.join("\nor\n"),
                pending: Duration::ZERO,
                severity,
                summary: format!("`{}` is spending its error budget {}", slo.function, speed.to_lowercase()),
                description: format!(
                    "The objective is that {promise}. {{{{ $labels.job }}}} is burning its {} budget of {what} fast enough to exhaust it {horizon}.",
                    percent(budget)
                ),
                panel: Some(format!("slo:{}", slo.name)),
                runbook: Runbook {
                    meaning: format!(
                        "The objective: {promise}. The share of {what} over both windows of one row of the burn-rate table is so many times the budget ({}) that, kept up, the budget is gone {horizon}.",
                        percent(budget)
                    ),
                    impact: format!("Users of `{}` see {what} more often than promised.", slo.function),
                    diagnosis: vec![
                        format!("The failure ratio by window: `{}` and its siblings `{}`…`{}`.", slo_record(slo, "5m"), slo_record(slo, "1h"), slo_record(slo, "3d")),
                        format!("The operation's panels (`{}`): rate, error ratio by `error_type`, latency quantiles.", operation.name),
                        "A deploy or a dependency (database, external API) that changed when the burn began.".to_owned(),
                    ],
                    mitigation: vec![
                        "Roll back a deploy that coincides with the start of the burn.".to_owned(),
                        "If a dependency is failing, shed or degrade the feature that uses it.".to_owned(),
                        "If the objective no longer matches what users need, change it in the annotation, not the alert.".to_owned(),
                    ],
                },
            }
        })
        .collect()
}

fn alert_group(model: &Model<'_>, settings: &Settings) -> Group {
    let job = promql::escape(&settings.job);
    let pending = settings.alert_for;
    let mut alerts = vec![Alert {
        name: "ServiceDown".to_owned(),
        expr: format!(r#"up{{job="{job}"}} == 0"#),
        pending: Duration::from_secs(60).min(pending.max(Duration::from_secs(1))),
        severity: Severity::Page,
        summary: "{{ $labels.instance }} of {{ $labels.job }} is down".to_owned(),
        description: "Prometheus could not scrape {{ $labels.instance }}: the process is gone, hung, or unreachable.".to_owned(),
        panel: Some("service:up".to_owned()),
        runbook: Runbook {
            meaning: "Prometheus's scrape of the instance failed: no answer on /metrics within the scrape timeout.".to_owned(),
            impact: "Requests routed to the instance fail; every other alert on it goes blind.".to_owned(),
            diagnosis: vec![
                "Is the process running? Its supervisor's status and last exit code.".to_owned(),
                "Its last log lines: a panic, an out-of-memory kill, a failed start (database, port).".to_owned(),
                "Can the Prometheus host reach it (`curl http://<instance>/metrics`)?".to_owned(),
            ],
            mitigation: vec![
                "Restart it; if it does not stay up, roll back the last deploy.".to_owned(),
                "If only the network path is broken, fix the route or the firewall rule.".to_owned(),
            ],
        },
    }];
    for operation in &model.operations {
        if !(operation.counts_errors() && operation.counts_calls()) {
            continue;
        }
        let records = operation_records(operation);
        alerts.push(Alert {
            name: format!("{}ErrorsHigh", camel(&operation.name)),
            // A ratio over the threshold, of enough failures to mean more than
            // chance at a low call rate.
            expr: format!(
                "{} > {}\nand\n{} * 300 >= {}",
                records.ratio, settings.error_ratio, records.errors, settings.min_failures
            ),
            pending,
            severity: Severity::Page,
            summary: format!("`{}` fails more than {} of calls", operation.name, percent(settings.error_ratio)),
            description: format!(
                "{{{{ $value | humanizePercentage }}}} of `{}` calls failed over 5 minutes on {{{{ $labels.job }}}} ({}).",
                operation.name,
                label_list(operation)
            ),
            panel: Some(format!("op:{}:errors", operation.name)),
            runbook: Runbook {
                meaning: format!(
                    "More than {} of the calls of `{}` ended in an error, {} or more of them in 5 minutes, for {}{}. {}",
                    percent(settings.error_ratio),
                    operation.name,
                    settings.min_failures,
                    duration(pending),
                    client_errors_left_out(operation),
                    operation.help
                ),
                impact: "The callers of this operation get errors: a feature is broken for some or all users.".to_owned(),
                diagnosis: vec![
                    format!("Which `error_type`: `sum by (error_type) (rate({}[5m]))`.", operation.errors.map_or("<errors>", |family| family.name)),
                    "Whether one label value (a format, a model, a handler) carries all of it.".to_owned(),
                    "The service's logs for the same window.".to_owned(),
                ],
                mitigation: vec![
                    "If the errors are the callers' (bad input, failed authentication), find the caller: a broken client or an attack.".to_owned(),
                    "If they are the service's or a dependency's, roll back or fail over.".to_owned(),
                ],
            },
        });
    }
    for slo in &model.slos {
        alerts.extend(burn_alerts(model, slo));
    }
    if model.http {
        alerts.push(Alert {
            name: "HttpServerErrorsHigh".to_owned(),
            expr: format!(
                "job:http_requests_server_errors:ratio_rate5m > {}\nand\njob:http_requests_server_errors:rate5m * 300 >= {}",
                settings.error_ratio, settings.min_failures
            ),
            pending,
            severity: Severity::Page,
            summary: format!("More than {} of HTTP requests fail with a 5xx", percent(settings.error_ratio)),
            description: "{{ $value | humanizePercentage }} of the requests to {{ $labels.job }} were answered 5xx over 5 minutes.".to_owned(),
            panel: Some("http:errors".to_owned()),
            runbook: Runbook {
                meaning: format!(
                    "The service answers more than {} of its requests with a server error, {} or more of them in 5 minutes, for {}.",
                    percent(settings.error_ratio),
                    settings.min_failures,
                    duration(pending)
                ),
                impact: "Users see failed requests.".to_owned(),
                diagnosis: vec![
                    format!("Which route and status: `sum by (route, status) (rate({HTTP_REQUESTS_TOTAL}{{status=~\"5..\"}}[5m]))`."),
                    "503s with `Retry-After` are a busy dependency; 500s are the service's own faults: read its logs.".to_owned(),
                ],
                mitigation: vec!["Roll back a recent deploy; shed load if a dependency is saturated.".to_owned()],
            },
        });
        alerts.push(Alert {
            name: "HttpInstanceServerErrorsHigh".to_owned(),
            expr: format!(
                "job_instance:http_requests_server_errors:ratio_rate5m > {}\nand\njob_instance:http_requests_server_errors:rate5m * 300 >= {}",
                settings.error_ratio, settings.min_failures
            ),
            pending,
            severity: Severity::Ticket,
            summary: format!("{{{{ $labels.instance }}}} answers more than {} of its HTTP requests with a 5xx", percent(settings.error_ratio)),
            description: "{{ $value | humanizePercentage }} of the requests to {{ $labels.instance }} of {{ $labels.job }} were answered 5xx over 5 minutes.".to_owned(),
            panel: Some("http:errors".to_owned()),
            runbook: Runbook {
                meaning: format!(
                    "One instance answers more than {} of its requests with a server error, {} or more of them in 5 minutes, for {}; among many healthy instances its share of the job's requests may be too small for `HttpServerErrorsHigh`.",
                    percent(settings.error_ratio),
                    settings.min_failures,
                    duration(pending)
                ),
                impact: "The users the load balancer sends to that instance see failed requests.".to_owned(),
                diagnosis: vec![
                    format!("Which route and status on it: `sum by (route, status) (rate({HTTP_REQUESTS_TOTAL}{{instance=\"<instance>\", status=~\"5..\"}}[5m]))`."),
                    "What differs on that instance: its version (`build_info`), its host, its dependencies' reachability; its logs.".to_owned(),
                ],
                mitigation: vec!["Take the instance out of the load balancer, or restart it, while the cause is found.".to_owned()],
            },
        });
        alerts.push(Alert {
            name: "HttpLatencyHigh".to_owned(),
            expr: format!("job_method_route:{HTTP_REQUEST_DURATION_SECONDS}:p95_rate5m > {}", settings.latency_seconds),
            pending,
            severity: Severity::Ticket,
            summary: format!("HTTP p95 latency of {{{{ $labels.method }}}} {{{{ $labels.route }}}} is over {}", seconds(settings.latency_seconds)),
            description: "The 95th percentile of {{ $labels.method }} {{ $labels.route }} on {{ $labels.job }} is {{ $value | humanizeDuration }}.".to_owned(),
            panel: Some("http:latency".to_owned()),
            runbook: Runbook {
                meaning: format!("One route's 95th-percentile latency has been over {} for {}.", seconds(settings.latency_seconds), duration(pending)),
                impact: "Users wait; clients with shorter timeouts fail.".to_owned(),
                diagnosis: vec![
                    "The operations the route calls: their latency panels show which one slowed.".to_owned(),
                    "Saturation: in-flight requests, database connections in use, CPU.".to_owned(),
                ],
                mitigation: vec!["Scale out, or shed the slowest feature, while the cause is found.".to_owned()],
            },
        });
    }
    for timestamp in &model.timestamps {
        let stem = timestamp.name.trim_end_matches("_timestamp_seconds");
        alerts.push(Alert {
            name: format!("{}Stale", camel(stem)),
            expr: format!(
                "time() - max by (job) ({}) > {}",
                timestamp.name,
                settings.stale_after.as_secs()
            ),
            pending,
            severity: Severity::Ticket,
            summary: format!(
                "`{}` is older than {}",
                timestamp.name,
                duration(settings.stale_after)
            ),
            description: format!(
                "{} on {{{{ $labels.job }}}} was last set {{{{ $value | humanizeDuration }}}} ago.",
                timestamp.help
            ),
            panel: Some(format!("age:{}", timestamp.name)),
            runbook: Runbook {
                meaning: format!(
                    "What `{}` marks has not happened for {}. {}",
                    timestamp.name,
                    duration(settings.stale_after),
                    timestamp.help
                ),
                impact: "Whatever depends on it goes stale: data not refreshed, jobs not run."
                    .to_owned(),
                diagnosis: vec![
                    "The operation that sets it: its error ratio and its logs.".to_owned(),
                    "A value of 0 means it never happened since the process started.".to_owned(),
                ],
                mitigation: vec!["Fix what makes it fail, then run it once by hand.".to_owned()],
            },
        });
    }
    for pool in &model.pools {
        let (active, idle) = (pool.active.name, pool.idle.name);
        alerts.push(Alert {
            name: format!("{}PoolSaturated", camel(pool.prefix)),
            expr: format!(
                "sum by (job, instance) ({active})\n/\n(sum by (job, instance) ({active}) + sum by (job, instance) ({idle}))\n> {}",
                settings.pool_saturation
            ),
            pending,
            severity: Severity::Ticket,
            summary: format!("`{}` is more than {} in use", pool.prefix, percent(settings.pool_saturation)),
            description: "{{ $value | humanizePercentage }} of the pool of {{ $labels.instance }} is in use.".to_owned(),
            panel: Some(format!("pool:{}", pool.prefix)),
            runbook: Runbook {
                meaning: format!("Most of the `{}` pool's connections have been busy for {}.", pool.prefix, duration(pending)),
                impact: "Requests queue for a connection; past the pool's timeout they fail with 503.".to_owned(),
                diagnosis: vec![
                    "Slow queries: the query duration panels, by operation and table.".to_owned(),
                    "A burst of traffic: the request rate.".to_owned(),
                ],
                mitigation: vec!["Raise the pool size if the database has headroom; otherwise shed load.".to_owned()],
            },
        });
    }
    if model.process {
        alerts.push(Alert {
            name: "ProcessMemoryHigh".to_owned(),
            expr: format!("{PROCESS_RESIDENT_MEMORY_BYTES}{{job=\"{job}\"}} > {}", settings.memory_bytes),
            pending,
            severity: Severity::Ticket,
            summary: "{{ $labels.instance }} uses more memory than expected".to_owned(),
            description: format!(
                "{{{{ $labels.instance }}}} has {{{{ $value | humanize1024 }}}}B resident, over {} bytes.",
                settings.memory_bytes
            ),
            panel: Some("process:memory".to_owned()),
            runbook: Runbook {
                meaning: format!("The resident memory of the process has been over {} bytes for {}.", settings.memory_bytes, duration(pending)),
                impact: "Left alone, the process is killed when it reaches its limit.".to_owned(),
                diagnosis: vec![
                    "Whether it grows with traffic (a cache, queued work) or with time (a leak).".to_owned(),
                    "The request sizes: uploads buffered in memory.".to_owned(),
                ],
                mitigation: vec!["Restart the instance to buy time; bound the cache or the queue that grows.".to_owned()],
            },
        });
    }
    if model.tokio {
        alerts.push(Alert {
            name: "TokioGlobalQueueBacklog".to_owned(),
            expr: format!(
                "min_over_time({TOKIO_GLOBAL_QUEUE_DEPTH}{{job=\"{job}\"}}[1m]) > {}",
                settings.tokio_queue_depth
            ),
            pending,
            severity: Severity::Ticket,
            summary: "The tokio runtime of {{ $labels.instance }} does not drain its global queue".to_owned(),
            description: format!(
                "{{{{ $labels.instance }}}} has kept at least {{{{ $value }}}} tasks waiting in its global queue for a minute (alerting over {}).",
                settings.tokio_queue_depth
            ),
            panel: Some("tokio:queue".to_owned()),
            runbook: Runbook {
                meaning: format!(
                    "More than {} tasks have waited in the tokio runtime's global queue at every scrape of a minute, for {}: work arrives faster than the workers take it.",
                    settings.tokio_queue_depth,
                    duration(pending)
                ),
                impact: "Every request waits behind the queue before it is even polled: latency rises across all routes, and timeouts follow.".to_owned(),
                diagnosis: vec![
                    "The worker busy ratio: all workers near 1 means too little CPU for the load.".to_owned(),
                    "A task that blocks its worker (synchronous I/O, a long computation without `spawn_blocking`): one worker busy, the others idle, the queue growing.".to_owned(),
                    "A burst of spawned tasks: the alive tasks panel.".to_owned(),
                ],
                mitigation: vec![
                    "Move blocking work to `spawn_blocking`; shed or rate-limit load; add instances or cores.".to_owned(),
                ],
            },
        });
    }
    Group {
        name: format!("{}:alerts", settings.job),
        records: Vec::new(),
        alerts,
    }
}

fn label_list(operation: &Operation<'_>) -> String {
    if operation.labels.is_empty() {
        "all calls".to_owned()
    } else {
        operation
            .labels
            .iter()
            .map(|label| format!("{label}={{{{ $labels.{label} }}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every rule the model calls for.
pub(crate) fn plan(model: &Model<'_>, settings: &Settings) -> Plan {
    Plan {
        groups: vec![
            operation_group(model, settings),
            slo_group(model, settings),
            alert_group(model, settings),
        ],
    }
}
