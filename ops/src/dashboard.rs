//! The Grafana dashboard: a data source and `job`/`instance` variables every
//! query filters by, a row per golden signal (traffic, errors, latency,
//! saturation) with a panel per instrumented family and per gauge, and a row
//! of error budgets, one per objective.

use crate::grafana::{self, DataSource, GridPos, Variable};
use crate::model::{Model, Promise};
use crate::promql::{self, equalities, series, Scope};
use crate::Settings;
use metricate::names::{
    HTTP_REQUESTS_IN_PROGRESS, HTTP_REQUESTS_TOTAL, HTTP_REQUEST_DURATION_SECONDS,
    PROCESS_CPU_SECONDS_TOTAL, PROCESS_MAX_FDS, PROCESS_OPEN_FDS, PROCESS_RESIDENT_MEMORY_BYTES,
    PROCESS_START_TIME_SECONDS, TOKIO_ALIVE_TASKS, TOKIO_GLOBAL_QUEUE_DEPTH,
    TOKIO_WORKER_BUSY_SECONDS_TOTAL, TOKIO_WORKER_PARKS_TOTAL,
};
use metricate::FamilyInfo;
use std::collections::BTreeMap;

/// The Grafana dashboard schema the JSON follows.
const SCHEMA_VERSION: u32 = 39;
/// Every query's label filter, from the dashboard's variables.
const FILTER: &str = r#"job=~"$job",instance=~"$instance""#;
/// Every query's rate window.
const WINDOW: &str = "$__rate_interval";
/// Panels per row of the grid, and their height.
const PER_ROW: u32 = 3;
const HEIGHT: u32 = 8;

/// The panel ids by key, for the alerts' links.
pub(crate) type PanelIds = BTreeMap<String, u32>;

/// One query of a panel.
pub(crate) struct Query {
    pub(crate) expr: String,
    pub(crate) legend: String,
}

/// How a panel draws.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Lines over time.
    Timeseries,
    /// One big number.
    Stat,
}

/// One panel.
pub(crate) struct Panel {
    /// What alerts and the reference call it: `op:cv_parse:errors`.
    pub(crate) key: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) unit: &'static str,
    pub(crate) kind: Kind,
    pub(crate) queries: Vec<Query>,
}

/// A row of panels.
pub(crate) struct Row {
    pub(crate) title: &'static str,
    pub(crate) panels: Vec<Panel>,
}

/// The rows, in order.
pub(crate) struct Plan {
    pub(crate) rows: Vec<Row>,
}

impl Plan {
    /// Each panel's id: rows and panels numbered in order from 1.
    pub(crate) fn panel_ids(&self) -> PanelIds {
        let mut ids = PanelIds::new();
        let mut next = 1;
        for row in &self.rows {
            next += 1;
            for panel in &row.panels {
                ids.insert(panel.key.clone(), next);
                next += 1;
            }
        }
        ids
    }

    /// Every panel.
    pub(crate) fn panels(&self) -> impl Iterator<Item = &Panel> {
        self.rows.iter().flat_map(|row| &row.panels)
    }
}

/// The dashboard's uid: `metricate-<job>`, in the characters and length
/// Grafana takes.
pub(crate) fn uid(job: &str) -> String {
    let cleaned: String = job
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("metricate-{cleaned}").chars().take(40).collect()
}

/// The unit of a family's values, from its name.
fn unit_of(name: &str) -> &'static str {
    let base = name.trim_end_matches("_total");
    if base.ends_with("_seconds") {
        "s"
    } else if base.ends_with("_bytes") {
        "bytes"
    } else if base.ends_with("_ratio") {
        "percentunit"
    } else if base.ends_with("_dollars") {
        "currencyUSD"
    } else {
        "short"
    }
}

/// The unit of a counter's rate.
fn rate_unit(name: &str) -> &'static str {
    match unit_of(name) {
        "s" => "percentunit",
        "bytes" => "Bps",
        "currencyUSD" => "currencyUSD",
        _ => "ops",
    }
}

fn legend(labels: &[&str]) -> String {
    if labels.is_empty() {
        "{{instance}}".to_owned()
    } else {
        labels
            .iter()
            .map(|label| format!("{{{{{label}}}}}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn label_names(family: &FamilyInfo) -> Vec<&'static str> {
    family.labels.iter().map(|label| label.name).collect()
}

fn panel(
    key: String,
    title: String,
    description: &str,
    unit: &'static str,
    queries: Vec<Query>,
) -> Panel {
    Panel {
        key,
        title,
        description: description.to_owned(),
        unit,
        kind: Kind::Timeseries,
        queries,
    }
}

fn query(expr: String, legend: String) -> Query {
    Query { expr, legend }
}

fn traffic(model: &Model<'_>) -> Row {
    let mut panels = vec![Panel {
        kind: Kind::Stat,
        ..panel(
            "service:up".to_owned(),
            "Targets up".to_owned(),
            "1 for each instance Prometheus scraped at its last attempt, 0 for each it could not.",
            "short",
            vec![query(format!("up{{{FILTER}}}"), "{{instance}}".to_owned())],
        )
    }];
    if model.http {
        panels.push(panel(
            "http:rate".to_owned(),
            "HTTP requests".to_owned(),
            "Requests answered per second, by method and route template.",
            "reqps",
            vec![query(
                format!(
                    "sum by (method, route) (rate({HTTP_REQUESTS_TOTAL}{{{FILTER}}}[{WINDOW}]))"
                ),
                "{{method}} {{route}}".to_owned(),
            )],
        ));
    }
    for operation in &model.operations {
        let by = &operation.labels;
        let scope = Scope {
            filter: FILTER,
            by,
            window: WINDOW,
        };
        if let Some(calls) = operation.calls_rate(scope, &[]) {
            panels.push(panel(
                format!("op:{}:rate", operation.name),
                format!("{} calls", operation.name),
                operation.help,
                "ops",
                vec![query(calls, legend(by))],
            ));
        }
    }
    for counter in &model.counters {
        let by = label_names(counter);
        panels.push(panel(
            format!("counter:{}", counter.name),
            counter.name.to_owned(),
            &counter.help,
            rate_unit(counter.name),
            vec![query(
                format!(
                    "sum by ({}) (rate({}[{WINDOW}]))",
                    by.join(", "),
                    series(counter.name, FILTER, &[])
                ),
                legend(&by),
            )],
        ));
    }
    Row {
        title: "Traffic",
        panels,
    }
}

fn errors(model: &Model<'_>) -> Row {
    let mut panels = Vec::new();
    if model.http {
        panels.push(panel(
            "http:errors".to_owned(),
            "HTTP 5xx ratio".to_owned(),
            "The share of requests answered with a server error.",
            "percentunit",
            vec![query(
                promql::server_error_ratio(
                    HTTP_REQUESTS_TOTAL,
                    Scope {
                        filter: FILTER,
                        by: &["job"],
                        window: WINDOW,
                    },
                ),
                "{{job}}".to_owned(),
            )],
        ));
    }
    for operation in &model.operations {
        let scope = Scope {
            filter: FILTER,
            by: &operation.labels,
            window: WINDOW,
        };
        if let Some(ratio) = operation.error_ratio(scope, &[]) {
            panels.push(panel(
                format!("op:{}:errors", operation.name),
                format!("{} error ratio", operation.name),
                operation.help,
                "percentunit",
                vec![query(ratio, legend(&operation.labels))],
            ));
        }
    }
    Row {
        title: "Errors",
        panels,
    }
}

fn quantiles(histogram: &str, by: &[&str]) -> Vec<Query> {
    let scope = Scope {
        filter: FILTER,
        by,
        window: WINDOW,
    };
    [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)]
        .into_iter()
        .map(|(name, quantile)| {
            query(
                promql::histogram_quantile(histogram, quantile, scope, &[]),
                name.to_owned(),
            )
        })
        .collect()
}

fn latency(model: &Model<'_>) -> Row {
    let mut panels = Vec::new();
    if model.http {
        panels.push(panel(
            "http:latency".to_owned(),
            "HTTP p95 latency".to_owned(),
            "The 95th percentile of the time to answer, by method and route template.",
            "s",
            vec![query(
                promql::histogram_quantile(
                    HTTP_REQUEST_DURATION_SECONDS,
                    0.95,
                    Scope {
                        filter: FILTER,
                        by: &["method", "route"],
                        window: WINDOW,
                    },
                    &[],
                ),
                "{{method}} {{route}}".to_owned(),
            )],
        ));
    }
    for operation in &model.operations {
        if let Some(histogram) = operation.histogram {
            panels.push(panel(
                format!("op:{}:latency", operation.name),
                format!("{} latency", operation.name),
                operation.help,
                "s",
                quantiles(histogram.name, &[]),
            ));
        }
    }
    for histogram in &model.histograms {
        panels.push(panel(
            format!("histogram:{}", histogram.name),
            histogram.name.to_owned(),
            &histogram.help,
            unit_of(histogram.name),
            quantiles(histogram.name, &[]),
        ));
    }
    Row {
        title: "Latency",
        panels,
    }
}

fn saturation(model: &Model<'_>) -> Row {
    let mut panels = Vec::new();
    if model.http {
        panels.push(panel(
            "http:in_progress".to_owned(),
            "HTTP requests in progress".to_owned(),
            "Requests being answered, by route template.",
            "short",
            vec![query(
                format!("sum by (route) ({HTTP_REQUESTS_IN_PROGRESS}{{{FILTER}}})"),
                "{{route}}".to_owned(),
            )],
        ));
    }
    for operation in &model.operations {
        if let Some(in_flight) = operation.in_flight {
            panels.push(panel(
                format!("op:{}:in_flight", operation.name),
                format!("{} in flight", operation.name),
                operation.help,
                "short",
                vec![query(
                    format!(
                        "sum by ({}) ({})",
                        operation.labels.join(", "),
                        series(in_flight.name, FILTER, &[])
                    ),
                    legend(&operation.labels),
                )],
            ));
        }
    }
    for pool in &model.pools {
        let (active, idle) = (
            series(pool.active.name, FILTER, &[]),
            series(pool.idle.name, FILTER, &[]),
        );
        panels.push(panel(
            format!("pool:{}", pool.prefix),
            format!("{} pool in use", pool.prefix),
            &pool.active.help,
            "percentunit",
            vec![query(
                format!("sum by (instance) ({active})\n/\n(sum by (instance) ({active}) + sum by (instance) ({idle}))"),
                "{{instance}}".to_owned(),
            )],
        ));
    }
    for gauge in &model.gauges {
        let by = label_names(gauge);
        let expr = if by.is_empty() {
            series(gauge.name, FILTER, &[])
        } else {
            format!(
                "sum by ({}) ({})",
                by.join(", "),
                series(gauge.name, FILTER, &[])
            )
        };
        panels.push(panel(
            format!("gauge:{}", gauge.name),
            gauge.name.to_owned(),
            &gauge.help,
            unit_of(gauge.name),
            vec![query(expr, legend(&by))],
        ));
    }
    for timestamp in &model.timestamps {
        panels.push(panel(
            format!("age:{}", timestamp.name),
            format!(
                "{} (age)",
                timestamp.name.trim_end_matches("_timestamp_seconds")
            ),
            &timestamp.help,
            "s",
            vec![query(
                format!(
                    "time() - max by (instance) ({})",
                    series(timestamp.name, FILTER, &[])
                ),
                "{{instance}}".to_owned(),
            )],
        ));
    }
    if model.process {
        let process: [(&str, &str, &str, &'static str, String); 4] = [
            (
                "memory",
                "Resident memory",
                "The process's resident set size.",
                "bytes",
                series(PROCESS_RESIDENT_MEMORY_BYTES, FILTER, &[]),
            ),
            (
                "cpu",
                "CPU",
                "CPU time used per second: 1 is one core busy.",
                "percentunit",
                format!(
                    "rate({}[{WINDOW}])",
                    series(PROCESS_CPU_SECONDS_TOTAL, FILTER, &[])
                ),
            ),
            (
                "fds",
                "Open files",
                "Open file descriptors as a share of the limit.",
                "percentunit",
                format!(
                    "{} / {}",
                    series(PROCESS_OPEN_FDS, FILTER, &[]),
                    series(PROCESS_MAX_FDS, FILTER, &[])
                ),
            ),
            (
                "uptime",
                "Uptime",
                "Time since the process started.",
                "s",
                format!(
                    "time() - {}",
                    series(PROCESS_START_TIME_SECONDS, FILTER, &[])
                ),
            ),
        ];
        for (key, title, description, unit, expr) in process {
            panels.push(panel(
                format!("process:{key}"),
                title.to_owned(),
                description,
                unit,
                vec![query(expr, "{{instance}}".to_owned())],
            ));
        }
    }
    Row {
        title: "Saturation",
        panels,
    }
}

/// The tokio runtime's saturation: how busy its workers are, and the work
/// waiting for them.
fn runtime_saturation(model: &Model<'_>) -> Row {
    let mut panels = Vec::new();
    if model.tokio {
        let runtime: [(&str, &str, &str, &'static str, String, &str); 4] = [
            (
                "busy",
                "Worker busy ratio",
                "The share of time each tokio worker spends polling tasks: near 1 on every worker, the runtime is saturated.",
                "percentunit",
                format!(
                    "rate({}[{WINDOW}])",
                    series(TOKIO_WORKER_BUSY_SECONDS_TOTAL, FILTER, &[])
                ),
                "{{instance}} worker {{worker}}",
            ),
            (
                "queue",
                "Global queue depth",
                "Tasks waiting in the runtime's global queue for a free worker: it should drain to 0 between bursts.",
                "short",
                format!(
                    "max by (instance) ({})",
                    series(TOKIO_GLOBAL_QUEUE_DEPTH, FILTER, &[])
                ),
                "{{instance}}",
            ),
            (
                "tasks",
                "Alive tasks",
                "Tasks spawned and not yet finished.",
                "short",
                format!(
                    "sum by (instance) ({})",
                    series(TOKIO_ALIVE_TASKS, FILTER, &[])
                ),
                "{{instance}}",
            ),
            (
                "parks",
                "Worker parks",
                "Times per second the workers went idle, having no task to run: falls toward 0 as the runtime saturates.",
                "ops",
                format!(
                    "sum by (instance) (rate({}[{WINDOW}]))",
                    series(TOKIO_WORKER_PARKS_TOTAL, FILTER, &[])
                ),
                "{{instance}}",
            ),
        ];
        for (key, title, description, unit, expr, legend) in runtime {
            panels.push(panel(
                format!("tokio:{key}"),
                title.to_owned(),
                description,
                unit,
                vec![query(expr, legend.to_owned())],
            ));
        }
    }
    Row {
        title: "Runtime saturation",
        panels,
    }
}

fn objectives(model: &Model<'_>) -> Row {
    let mut panels = Vec::new();
    for slo in &model.slos {
        let operation = &model.operations[slo.operation];
        let scope = Scope {
            filter: FILTER,
            by: &[],
            window: "30d",
        };
        let selector = equalities(&slo.selector);
        let failures = match slo.promise {
            Promise::Success(_) => operation.error_ratio(scope, &selector),
            Promise::Latency(latency) => {
                operation.slow_ratio(latency.threshold_seconds, scope, &selector)
            }
        };
        let Some(failures) = failures else { continue };
        panels.push(Panel {
            kind: Kind::Stat,
            ..panel(
                format!("slo:{}", slo.name),
                format!("{} budget left (30 days)", slo.name),
                &format!(
                    "The share of the error budget of `{}` not yet spent in the last 30 days.",
                    slo.function
                ),
                "percentunit",
                vec![query(
                    format!("1 - (\n{failures}\n) / {}", slo.promise.budget()),
                    slo.name.clone(),
                )],
            )
        });
    }
    Row {
        title: "Objectives",
        panels,
    }
}

/// Every panel the model calls for.
pub(crate) fn plan(model: &Model<'_>, _settings: &Settings) -> Plan {
    let rows = [
        traffic(model),
        errors(model),
        latency(model),
        saturation(model),
        runtime_saturation(model),
        objectives(model),
    ];
    Plan {
        rows: rows
            .into_iter()
            .filter(|row| !row.panels.is_empty())
            .collect(),
    }
}

fn query_variable(name: &'static str, query: &str, current: grafana::Selection) -> Variable {
    Variable::Query(grafana::QueryVariable {
        all_value: ".+",
        current,
        datasource: DataSource::PROMETHEUS,
        definition: query.to_owned(),
        hide: 0,
        include_all: true,
        label: name,
        multi: true,
        name,
        options: [],
        query: grafana::VariableQuery {
            qry_type: 1,
            query: query.to_owned(),
            ref_id: "PrometheusVariableQueryEditor-VariableQuery",
        },
        refresh: 2,
        regex: "",
        sort: 1,
        kind: "query",
    })
}

fn variables(settings: &Settings) -> Vec<Variable> {
    vec![
        Variable::DataSource(grafana::DataSourceVariable {
            current: grafana::Empty {},
            hide: 0,
            label: "Data source",
            name: "datasource",
            options: [],
            query: "prometheus",
            refresh: 1,
            regex: "",
            kind: "datasource",
        }),
        query_variable(
            "job",
            "label_values(up, job)",
            grafana::Selection {
                selected: true,
                text: vec![settings.job.clone()],
                value: vec![settings.job.clone()],
            },
        ),
        query_variable(
            "instance",
            "label_values(up{job=~\"$job\"}, instance)",
            grafana::Selection {
                selected: true,
                text: vec!["All".to_owned()],
                value: vec!["$__all".to_owned()],
            },
        ),
    ]
}

fn graph_panel(panel: &Panel, id: u32, x: u32, y: u32) -> grafana::Panel {
    let targets = panel
        .queries
        .iter()
        .zip('A'..)
        .map(|(query, ref_id)| grafana::Target {
            datasource: DataSource::PROMETHEUS,
            expr: query.expr.clone(),
            instant: false,
            legend_format: query.legend.clone(),
            range: true,
            ref_id: ref_id.to_string(),
        })
        .collect();
    let (kind, options) = match panel.kind {
        Kind::Timeseries => (
            "timeseries",
            grafana::Options::Timeseries(grafana::TimeseriesOptions {
                legend: grafana::Legend {
                    display_mode: "list",
                    placement: "bottom",
                    show_legend: true,
                },
                tooltip: grafana::Tooltip {
                    mode: "multi",
                    sort: "desc",
                },
            }),
        ),
        Kind::Stat => (
            "stat",
            grafana::Options::Stat(grafana::StatOptions {
                color_mode: "value",
                graph_mode: "area",
                justify_mode: "auto",
                orientation: "auto",
                reduce_options: grafana::ReduceOptions {
                    calcs: vec!["lastNotNull"],
                    fields: "",
                    values: false,
                },
                text_mode: "auto",
            }),
        ),
    };
    grafana::Panel::Graph(Box::new(grafana::GraphPanel {
        datasource: DataSource::PROMETHEUS,
        description: panel.description.clone(),
        field_config: grafana::FieldConfig {
            defaults: grafana::FieldDefaults { unit: panel.unit },
            overrides: [],
        },
        grid_pos: GridPos {
            h: HEIGHT,
            w: 24 / PER_ROW,
            x,
            y,
        },
        id,
        options,
        targets,
        title: panel.title.clone(),
        kind,
    }))
}

/// The dashboard of `plan`, as Grafana's JSON model.
fn dashboard(plan: &Plan, settings: &Settings) -> grafana::Dashboard {
    let mut panels = Vec::new();
    let mut id = 1;
    let mut y = 0;
    for row in &plan.rows {
        panels.push(grafana::Panel::Row(grafana::RowPanel {
            collapsed: false,
            grid_pos: GridPos {
                h: 1,
                w: 24,
                x: 0,
                y,
            },
            id,
            panels: [],
            title: row.title,
            kind: "row",
        }));
        id += 1;
        y += 1;
        for chunk in row.panels.chunks(PER_ROW as usize) {
            for (column, panel) in (0..).zip(chunk) {
                panels.push(graph_panel(panel, id, column * (24 / PER_ROW), y));
                id += 1;
            }
            y += HEIGHT;
        }
    }
    grafana::Dashboard {
        annotations: grafana::List {
            list: vec![grafana::Annotation {
                built_in: 1,
                datasource: DataSource {
                    kind: "grafana",
                    uid: "-- Grafana --",
                },
                enable: true,
                hide: true,
                icon_color: "rgba(0, 211, 255, 1)",
                name: "Annotations & Alerts",
                kind: "dashboard",
            }],
        },
        description: format!("Generated by metricate from the metric catalogue of {}. Regenerate it with the binary's emit command rather than editing it.", settings.job),
        editable: true,
        graph_tooltip: 1,
        links: [],
        panels,
        refresh: "30s",
        schema_version: SCHEMA_VERSION,
        tags: vec!["metricate".to_owned(), settings.job.clone()],
        templating: grafana::List {
            list: variables(settings),
        },
        time: grafana::TimeRange {
            from: "now-1h",
            to: "now",
        },
        timezone: "browser",
        title: format!("{} (metricate)", settings.job),
        uid: uid(&settings.job),
        version: 1,
    }
}

/// `dashboard.json`.
pub(crate) fn render(plan: &Plan, settings: &Settings) -> String {
    let mut text = serde_json::to_string_pretty(&dashboard(plan, settings))
        .expect("the dashboard model has string keys and finite numbers only");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_names() {
        assert_eq!(unit_of("db_query_duration_seconds"), "s");
        assert_eq!(rate_unit("ai_match_cost_dollars_total"), "currencyUSD");
        assert_eq!(rate_unit("ai_match_tokens_total"), "ops");
        assert_eq!(rate_unit("process_cpu_seconds_total"), "percentunit");
        assert_eq!(unit_of("http_response_size_bytes"), "bytes");
        assert_eq!(uid("demo app"), "metricate-demo-app");
        assert_eq!(legend(&[]), "{{instance}}");
        assert_eq!(legend(&["format", "model"]), "{{format}} {{model}}");
    }
}
