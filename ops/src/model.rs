//! The service as the generators see it, read from the catalogue once: the
//! instrumented operations (families an annotation declares together), their
//! objectives, and the families of each other sort the rules and panels treat
//! alike (gauges, timestamps, connection pools, the HTTP layer's, the
//! process's).

use metricate::names::{
    ERROR_TYPE, HTTP_REQUESTS_TOTAL, HTTP_REQUEST_DURATION_SECONDS, PROCESS_RESIDENT_MEMORY_BYTES,
    TOKIO_GLOBAL_QUEUE_DEPTH, TOKIO_WORKER_BUSY_SECONDS_TOTAL,
};
use metricate::{Catalog, FamilyInfo, FunctionInfo, LatencyObjective, MetricKind};

/// Families an annotation declares together, and the fns that share them.
pub(crate) struct Operation<'c> {
    /// The name rules and panels use: the families' common stem (`cv_parse`
    /// of `cv_parse_duration_seconds` and `cv_parse_errors_total`).
    pub(crate) name: String,
    /// The HELP of the first fn.
    pub(crate) help: &'c str,
    pub(crate) histogram: Option<&'c FamilyInfo>,
    pub(crate) errors: Option<&'c FamilyInfo>,
    pub(crate) calls: Option<&'c FamilyInfo>,
    pub(crate) in_flight: Option<&'c FamilyInfo>,
    /// The label of `calls` that says how a call ended (`ok` or not).
    pub(crate) outcome: Option<&'static str>,
    /// The labels its series are split by, but `error_type` and the outcome.
    pub(crate) labels: Vec<&'static str>,
    /// The `error_type` values that are the caller's fault, of every fn in it:
    /// not failures of the operation.
    pub(crate) client_errors: Vec<&'static str>,
}

impl Operation<'_> {
    /// The families it declares.
    pub(crate) fn families(&self) -> impl Iterator<Item = &FamilyInfo> {
        [self.histogram, self.errors, self.calls, self.in_flight]
            .into_iter()
            .flatten()
    }

    /// Whether its failures can be counted: an `errors` counter, or `calls`
    /// split by outcome.
    pub(crate) fn counts_errors(&self) -> bool {
        self.errors.is_some() || (self.calls.is_some() && self.outcome.is_some())
    }

    /// Whether its calls can be counted.
    pub(crate) fn counts_calls(&self) -> bool {
        self.histogram.is_some() || self.calls.is_some()
    }
}

/// What an objective promises.
#[derive(Clone, Copy)]
pub(crate) enum Promise {
    /// This share of calls succeeds.
    Success(f64),
    /// This share of calls is at most this fast.
    Latency(LatencyObjective),
}

impl Promise {
    /// The share of calls that may fail the promise: the error budget.
    pub(crate) fn budget(self) -> f64 {
        let budget = match self {
            Promise::Success(target) => 1.0 - target,
            Promise::Latency(latency) => 1.0 - latency.percentile,
        };
        // To nine decimals: `0.01`, not `0.010000000000000009`.
        (budget * 1e9).round() / 1e9
    }
}

/// One promise of one annotated fn.
pub(crate) struct Slo {
    /// `match_cv_latency`: the fn's name and what is promised.
    pub(crate) name: String,
    /// The operation whose families measure it.
    pub(crate) operation: usize,
    /// The series of that fn among the operation's: its labels of one value.
    pub(crate) selector: Vec<(&'static str, &'static str)>,
    pub(crate) promise: Promise,
    /// The fn, for the runbook.
    pub(crate) function: String,
}

/// A `<prefix>_active` and `<prefix>_idle` gauge pair: a pool.
pub(crate) struct Pool<'c> {
    pub(crate) prefix: &'c str,
    pub(crate) active: &'c FamilyInfo,
    pub(crate) idle: &'c FamilyInfo,
}

/// Everything the generators read.
pub(crate) struct Model<'c> {
    pub(crate) operations: Vec<Operation<'c>>,
    pub(crate) slos: Vec<Slo>,
    /// Counters no annotation declares (`counter!`), but the HTTP layer's and
    /// the process's.
    pub(crate) counters: Vec<&'c FamilyInfo>,
    /// Gauges neither an annotation's in-flight gauge nor the HTTP layer's
    /// nor the process's nor a timestamp nor half of a pool nor an `_info`
    /// gauge (whose labels are its value).
    pub(crate) gauges: Vec<&'c FamilyInfo>,
    /// Histograms no annotation declares, but the HTTP layer's.
    pub(crate) histograms: Vec<&'c FamilyInfo>,
    /// Gauges named `*_timestamp_seconds`: when something last happened.
    pub(crate) timestamps: Vec<&'c FamilyInfo>,
    pub(crate) pools: Vec<Pool<'c>>,
    /// Whether the HTTP layer's families are there.
    pub(crate) http: bool,
    /// Whether the process families are there (`init` declares them).
    pub(crate) process: bool,
    /// Whether the tokio runtime's families are there (feature `tokio`,
    /// `metricate::tokio_runtime::register`).
    pub(crate) tokio: bool,
}

/// The stem of a family name: what remains without its unit and kind suffixes.
fn stem(name: &str) -> &str {
    const SUFFIXES: [&str; 7] = [
        "_duration_seconds",
        "_calls_total",
        "_errors_total",
        "_in_flight",
        "_seconds",
        "_total",
        "_count",
    ];
    SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|stem| !stem.is_empty())
        .unwrap_or(name)
}

/// The HTTP layer's families: requests, their durations and sizes.
fn is_http(name: &str) -> bool {
    name.starts_with("http_request") || name.starts_with("http_response")
}

fn is_process(name: &str) -> bool {
    name.starts_with("process_")
}

/// The tokio runtime's families, which have a row of their own.
fn is_runtime(name: &str) -> bool {
    name.starts_with("tokio_")
}

impl<'c> Model<'c> {
    pub(crate) fn of(catalog: &'c Catalog) -> Model<'c> {
        let family = |name: Option<&'static str>| name.and_then(|name| catalog.family(name));
        let mut operations: Vec<Operation<'c>> = Vec::new();
        let mut slos = Vec::new();
        for function in catalog.functions() {
            let key = (
                function.histogram,
                function.errors,
                function.calls,
                function.in_flight,
            );
            let index = match operations.iter().position(|operation| {
                (
                    operation.histogram.map(|f| f.name),
                    operation.errors.map(|f| f.name),
                    operation.calls.map(|f| f.name),
                    operation.in_flight.map(|f| f.name),
                ) == key
            }) {
                Some(index) => {
                    let operation = &mut operations[index];
                    for value in &function.client_errors {
                        if !operation.client_errors.contains(value) {
                            operation.client_errors.push(value);
                        }
                    }
                    index
                }
                None => {
                    operations.push(operation(function, &family));
                    operations.len() - 1
                }
            };
            if let Some(objective) = function.objective {
                let selector = selector(function, &operations[index]);
                let name = slo_stem(function, catalog.functions());
                if let Some(success) = objective.success {
                    slos.push(Slo {
                        name: format!("{name}_success"),
                        operation: index,
                        selector: selector.clone(),
                        promise: Promise::Success(success),
                        function: qualified(function),
                    });
                }
                if let Some(latency) = objective.latency {
                    slos.push(Slo {
                        name: format!("{name}_latency"),
                        operation: index,
                        selector,
                        promise: Promise::Latency(latency),
                        function: qualified(function),
                    });
                }
            }
        }
        dedupe_names(&mut operations);
        let owned: Vec<&str> = operations
            .iter()
            .flat_map(|operation| operation.families().map(|family| family.name))
            .collect();
        let free = |kind: MetricKind| {
            catalog
                .families()
                .iter()
                .filter(move |family| family.kind == kind)
                .filter(|family| !owned.contains(&family.name))
                .filter(|family| {
                    !is_http(family.name) && !is_process(family.name) && !is_runtime(family.name)
                })
        };
        let mut pools = Vec::new();
        for active in free(MetricKind::Gauge) {
            let Some(prefix) = active.name.strip_suffix("_active") else {
                continue;
            };
            if let Some(idle) = catalog.family(&format!("{prefix}_idle")) {
                pools.push(Pool {
                    prefix,
                    active,
                    idle,
                });
            }
        }
        let pooled = |name: &str| {
            pools
                .iter()
                .any(|pool| pool.active.name == name || pool.idle.name == name)
        };
        let timestamps: Vec<_> = free(MetricKind::Gauge)
            .filter(|family| family.name.ends_with("_timestamp_seconds"))
            .collect();
        let gauges = free(MetricKind::Gauge)
            .filter(|family| !family.name.ends_with("_timestamp_seconds") && !pooled(family.name))
            .filter(|family| !family.name.ends_with("_info"))
            .collect();
        Model {
            counters: free(MetricKind::Counter).collect(),
            histograms: free(MetricKind::Histogram).collect(),
            gauges,
            timestamps,
            pools,
            http: catalog.family(HTTP_REQUEST_DURATION_SECONDS).is_some()
                && catalog.family(HTTP_REQUESTS_TOTAL).is_some(),
            process: catalog.family(PROCESS_RESIDENT_MEMORY_BYTES).is_some(),
            tokio: catalog.family(TOKIO_GLOBAL_QUEUE_DEPTH).is_some()
                && catalog.family(TOKIO_WORKER_BUSY_SECONDS_TOTAL).is_some(),
            operations,
            slos,
        }
    }
}

fn operation<'c>(
    function: &'c FunctionInfo,
    family: &impl Fn(Option<&'static str>) -> Option<&'c FamilyInfo>,
) -> Operation<'c> {
    let histogram = family(function.histogram);
    let errors = family(function.errors);
    let calls = family(function.calls);
    let in_flight = family(function.in_flight);
    let name = [
        function.histogram,
        function.calls,
        function.errors,
        function.in_flight,
    ]
    .into_iter()
    .flatten()
    .next()
    .map_or_else(
        || function.site.function.unwrap_or("fn").to_owned(),
        |name| stem(name).to_owned(),
    );
    let labels = [histogram, calls, errors, in_flight]
        .into_iter()
        .flatten()
        .next()
        .map(|family| {
            family
                .labels
                .iter()
                .map(|label| label.name)
                .filter(|label| *label != ERROR_TYPE && Some(*label) != function.outcome)
                .collect()
        })
        .unwrap_or_default();
    Operation {
        name,
        help: function.help,
        histogram,
        errors,
        calls,
        in_flight,
        outcome: function.outcome,
        labels,
        client_errors: function.client_errors.clone(),
    }
}

/// The labels that pick `function`'s series out of the operation's: those
/// of one value in the fn (its `const_labels`) but of more in the family.
fn selector(
    function: &FunctionInfo,
    operation: &Operation<'_>,
) -> Vec<(&'static str, &'static str)> {
    let shared = operation.families().next();
    function
        .labels
        .iter()
        .filter_map(|label| match label.values.as_deref() {
            Some([only]) => Some((label.name, *only)),
            _ => None,
        })
        .filter(|(name, _)| {
            shared.is_some_and(|family| {
                family.labels.iter().any(|label| {
                    label.name == *name
                        && label.values.as_ref().is_none_or(|values| values.len() > 1)
                })
            })
        })
        .collect()
}

/// The stem of a fn's SLO names: its name, or where another fn with an
/// objective has that name, its module path and name (`jobs_list`), and the
/// line of its name last; made a valid Prometheus name whatever the Rust
/// identifier (`délai` is `d_ue9_lai`).
fn slo_stem(function: &FunctionInfo, all: &[FunctionInfo]) -> String {
    let name = function.site.function.unwrap_or("fn");
    let namesakes: Vec<&FunctionInfo> = all
        .iter()
        .filter(|other| other.objective.is_some() && other.site.function == function.site.function)
        .collect();
    let stem = if namesakes.len() <= 1 {
        name.to_owned()
    } else if namesakes
        .iter()
        .filter(|other| other.site.module_path == function.site.module_path)
        .count()
        == 1
    {
        format!("{}_{name}", function.site.module_path.replace("::", "_"))
    } else {
        format!(
            "{}_{name}_l{}",
            function.site.module_path.replace("::", "_"),
            function.site.line
        )
    };
    prometheus_name(&stem)
}

/// `text` with every character a Prometheus name may not hold written as
/// `_u<hex>_`, so two different Rust identifiers never meet in one name.
pub(crate) fn prometheus_name(text: &str) -> String {
    let mut name = String::with_capacity(text.len());
    for (index, c) in text.chars().enumerate() {
        match c {
            'a'..='z' | 'A'..='Z' | '_' => name.push(c),
            '0'..='9' if index > 0 => name.push(c),
            _ => name.push_str(&format!("_u{:x}_", u32::from(c))),
        }
    }
    name
}

fn qualified(function: &FunctionInfo) -> String {
    match function.site.function {
        Some(name) => format!("{}::{name}", function.site.module_path),
        None => function.site.module_path.to_owned(),
    }
}

/// Two operations whose families share a stem get the first family's full name.
fn dedupe_names(operations: &mut [Operation<'_>]) {
    for index in 0..operations.len() {
        let clash = operations
            .iter()
            .enumerate()
            .any(|(other, operation)| other != index && operation.name == operations[index].name);
        if clash {
            let first = operations[index]
                .families()
                .next()
                .map(|family| family.name.to_owned());
            if let Some(first) = first {
                operations[index].name = first;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{prometheus_name, stem};

    #[test]
    fn any_rust_identifier_makes_a_prometheus_name() {
        assert_eq!(prometheus_name("délai"), "d_ue9_lai");
        assert_eq!(prometheus_name("jobs_list"), "jobs_list");
        assert_eq!(prometheus_name("日本"), "_u65e5__u672c_");
    }

    #[test]
    fn stems_drop_the_unit_and_kind() {
        assert_eq!(stem("cv_parse_duration_seconds"), "cv_parse");
        assert_eq!(stem("api_handler_calls_total"), "api_handler");
        assert_eq!(stem("cv_parse_errors_total"), "cv_parse");
        assert_eq!(stem("jobs_in_flight"), "jobs");
        assert_eq!(stem("scan_seconds"), "scan");
        assert_eq!(stem("_total"), "_total");
    }
}
