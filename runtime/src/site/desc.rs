//! What an annotated fn declares: its descriptor, built by generated code
//! through a `const` builder, and the families it declares from it.

use crate::store::Declaration;
use crate::vocabulary::{LabelInfo, MetricKind, SiteInfo};

/// What one annotated fn declares. Generated code builds it with
/// [`SiteDesc::new`] and one `const` method per key it sets, never naming a
/// field, so this layout is the runtime's alone.
#[derive(Clone, Copy)]
pub struct SiteDesc {
    /// The annotated fn's name.
    pub(crate) function: &'static str,
    /// `module_path!()` where it is.
    pub(crate) module_path: &'static str,
    /// The file and line of its name.
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    /// The HELP text.
    pub(crate) help: &'static str,
    /// The names of its four metrics, those it declares.
    pub(crate) histogram: Option<&'static str>,
    pub(crate) errors: Option<&'static str>,
    pub(crate) calls: Option<&'static str>,
    pub(crate) in_flight: Option<&'static str>,
    /// The histogram's bucket bounds, when not the default.
    pub(crate) buckets: Option<&'static [f64]>,
    /// The names of its labels read from the call, in order.
    pub(crate) label_names: &'static [&'static str],
    /// Its fixed labels, name and value.
    pub(crate) const_labels: &'static [(&'static str, &'static str)],
    /// The label that splits `calls` by how each call ended.
    pub(crate) outcome: Option<&'static str>,
    /// A call is a future's run, which can be cancelled.
    pub(crate) is_async: bool,
    /// A call produces a `Result`, so it can end in `error`.
    pub(crate) returns_result: bool,
    /// What to write so the values are known at start, when they are not.
    pub(crate) first_use_fix: &'static str,
    /// What the fn promises.
    pub(crate) objective: Option<crate::vocabulary::Objective>,
    /// The native histogram's schema, when the histogram is also native.
    pub(crate) native_schema: Option<i8>,
}

impl SiteDesc {
    /// A site of fn `function`, where it is, with its HELP text; it declares
    /// nothing until a key is set.
    pub const fn new(
        function: &'static str,
        module_path: &'static str,
        file: &'static str,
        line: u32,
        help: &'static str,
    ) -> SiteDesc {
        SiteDesc {
            function,
            module_path,
            file,
            line,
            help,
            histogram: None,
            errors: None,
            calls: None,
            in_flight: None,
            buckets: None,
            label_names: &[],
            const_labels: &[],
            outcome: None,
            is_async: false,
            returns_result: false,
            first_use_fix: "",
            objective: None,
            native_schema: None,
        }
    }

    /// `histogram = ".."`.
    pub const fn histogram(mut self, name: &'static str) -> Self {
        self.histogram = Some(name);
        self
    }

    /// `errors = ".."`.
    pub const fn errors(mut self, name: &'static str) -> Self {
        self.errors = Some(name);
        self
    }

    /// `calls = ".."`.
    pub const fn calls(mut self, name: &'static str) -> Self {
        self.calls = Some(name);
        self
    }

    /// `in_flight = ".."`.
    pub const fn in_flight(mut self, name: &'static str) -> Self {
        self.in_flight = Some(name);
        self
    }

    /// `buckets = [..]`.
    pub const fn bucket_bounds(mut self, bounds: &'static [f64]) -> Self {
        self.buckets = Some(bounds);
        self
    }

    /// The names of `labels(..)`.
    pub const fn labels(mut self, names: &'static [&'static str]) -> Self {
        self.label_names = names;
        self
    }

    /// `const_labels(..)`.
    pub const fn const_labels(mut self, labels: &'static [(&'static str, &'static str)]) -> Self {
        self.const_labels = labels;
        self
    }

    /// `outcome = ".."`.
    pub const fn outcome(mut self, label: &'static str) -> Self {
        self.outcome = Some(label);
        self
    }

    /// A call is a future's run.
    pub const fn future(mut self) -> Self {
        self.is_async = true;
        self
    }

    /// A call produces a `Result`.
    pub const fn result(mut self) -> Self {
        self.returns_result = true;
        self
    }

    /// What to write so the values are known at start.
    pub const fn first_use_fix(mut self, fix: &'static str) -> Self {
        self.first_use_fix = fix;
        self
    }

    /// `objective(latency = .., percentile = ..)`: the threshold (a bucket
    /// bound) and the share of calls under it.
    pub const fn latency_objective(mut self, threshold_seconds: f64, percentile: f64) -> Self {
        let latency = Some(crate::vocabulary::LatencyObjective {
            threshold_seconds,
            percentile,
        });
        self.objective = Some(match self.objective {
            Some(objective) => crate::vocabulary::Objective {
                latency,
                success: objective.success,
            },
            None => crate::vocabulary::Objective {
                latency,
                success: None,
            },
        });
        self
    }

    /// `objective(success = "..%")`: the share of calls that succeed.
    pub const fn success_objective(mut self, ratio: f64) -> Self {
        self.objective = Some(match self.objective {
            Some(objective) => crate::vocabulary::Objective {
                latency: objective.latency,
                success: Some(ratio),
            },
            None => crate::vocabulary::Objective {
                latency: None,
                success: Some(ratio),
            },
        });
        self
    }

    /// `native(schema = ..)`.
    pub const fn native(mut self, schema: i8) -> Self {
        self.native_schema = Some(schema);
        self
    }
}

/// `error_type` values and outcomes for calls that did not return.
pub(crate) const PANIC: &str = "panic";
pub(crate) const CANCELLED: &str = "cancelled";
/// The outcomes of calls that returned.
pub(crate) const OK: &str = "ok";
pub(crate) const ERROR: &str = "error";
/// The label `errors` adds.
pub(crate) const ERROR_TYPE: &str = crate::names::ERROR_TYPE;

/// The default duration buckets: Prometheus' own, 5 ms to 10 s.
pub(crate) const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// No site may build more rows than the compile-time cap allows, whatever a
/// hand-written `LabelValue` claims.
pub(crate) const MAX_ROWS: usize = 10_000;

/// A site's labels, with their value sets when they are known.
pub(crate) fn label_infos(
    names: &'static [&'static str],
    values: Option<&[&'static [&'static str]]>,
) -> Vec<LabelInfo> {
    names
        .iter()
        .enumerate()
        .map(|(index, name)| LabelInfo {
            name,
            values: values
                .and_then(|values| values.get(index))
                .map(|values| values.to_vec()),
        })
        .collect()
}

impl SiteDesc {
    /// Each family the site declares, with the labels' and `error_type`'s
    /// values where they are known: for the catalogue at start (the values
    /// known at compile time), and for each table (the values of its calls).
    pub(crate) fn families(
        &self,
        label_values: Option<&[&'static [&'static str]]>,
        error_values: Option<&[&'static str]>,
    ) -> Vec<(Role, Declaration)> {
        let mut labels = label_infos(self.label_names, label_values);
        labels.extend(self.const_labels.iter().map(|(name, value)| LabelInfo {
            name,
            values: Some(vec![*value]),
        }));
        self.metrics()
            .into_iter()
            .map(|(name, kind, role, _)| {
                let mut labels = labels.clone();
                match role {
                    Role::Errors => labels.push(LabelInfo {
                        name: ERROR_TYPE,
                        values: error_values.map(|values| self.error_types(values)),
                    }),
                    Role::Calls => labels.extend(self.outcome.map(|name| LabelInfo {
                        name,
                        values: Some(self.outcomes()),
                    })),
                    Role::Duration | Role::InFlight => {}
                }
                let bounds = if kind == MetricKind::Histogram {
                    self.buckets()
                } else {
                    &[]
                };
                let declaration = Declaration {
                    name,
                    kind,
                    help: self.help_for(role),
                    labels,
                    bounds,
                    site: self.site_info(),
                };
                (role, declaration)
            })
            .collect()
    }

    pub(crate) fn site_info(&self) -> SiteInfo {
        SiteInfo {
            file: self.file,
            line: self.line,
            module_path: self.module_path,
            function: Some(self.function),
        }
    }

    /// The HELP text of each metric: the fn's own text, and what is counted.
    pub(crate) fn help_for(&self, role: Role) -> String {
        match role {
            Role::Duration => self.help.to_owned(),
            Role::Errors => format!("{} Calls that failed, by error_type.", self.help),
            Role::Calls => match self.outcome {
                Some(label) => format!("{} Calls that ended, by {label}.", self.help),
                None => format!("{} Calls that ended.", self.help),
            },
            Role::InFlight => format!("{} Calls in progress.", self.help),
        }
    }

    /// The labels every metric of the annotation carries, const labels last.
    pub(crate) fn all_label_names(&self) -> Vec<&'static str> {
        let mut names = self.label_names.to_vec();
        names.extend(self.const_labels.iter().map(|(name, _)| *name));
        names
    }

    pub(crate) fn buckets(&self) -> &'static [f64] {
        self.buckets.unwrap_or(DEFAULT_BUCKETS)
    }

    /// The `error_type` values of the `errors` counter: the error type's own,
    /// then `panic`, and `cancelled` for a future, unless it has them already.
    pub(crate) fn error_types(&self, error_values: &[&'static str]) -> Vec<&'static str> {
        let mut error_types = error_values.to_vec();
        let extras: &[&'static str] = if self.is_async {
            &[PANIC, CANCELLED]
        } else {
            &[PANIC]
        };
        for extra in extras {
            if !error_types.contains(extra) {
                error_types.push(extra);
            }
        }
        error_types
    }

    /// The values of the `outcome` label: `ok`, `error` for a `Result`, `panic`,
    /// and `cancelled` for a future.
    pub(crate) fn outcomes(&self) -> Vec<&'static str> {
        let mut outcomes = vec![OK];
        if self.returns_result {
            outcomes.push(ERROR);
        }
        outcomes.push(PANIC);
        if self.is_async {
            outcomes.push(CANCELLED);
        }
        outcomes
    }

    /// Each metric the site declares: its name, kind, role, label names and buckets.
    pub(crate) fn metrics(&self) -> Vec<(&'static str, MetricKind, Role, Vec<&'static str>)> {
        let names = self.all_label_names();
        let with = |extra: Option<&'static str>| {
            let mut names = names.clone();
            names.extend(extra);
            names
        };
        [
            (
                self.histogram,
                MetricKind::Histogram,
                Role::Duration,
                with(None),
            ),
            (
                self.calls,
                MetricKind::Counter,
                Role::Calls,
                with(self.outcome),
            ),
            (
                self.in_flight,
                MetricKind::Gauge,
                Role::InFlight,
                with(None),
            ),
            (
                self.errors,
                MetricKind::Counter,
                Role::Errors,
                with(Some(ERROR_TYPE)),
            ),
        ]
        .into_iter()
        .filter_map(|(name, kind, role, labels)| Some((name?, kind, role, labels)))
        .collect()
    }
}

/// The metrics one annotation can declare.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Duration,
    Errors,
    Calls,
    InFlight,
}
