//! `#[instrument_metric]` sites: what each annotated fn declares, its table of
//! series (one row per label combination), and the guard that records a call.

use crate::arena::{bucket_of, Arena, HistogramCells};
use crate::clock;
use crate::exemplars::{self, ExemplarCells, Exemplars};
use crate::instances::Instances;
use crate::label::LabelValue;
use crate::native::NativeCells;
use crate::slots::{self, Slot};
use crate::store::{self, Declaration, Joined, Source};
use crate::vocabulary::{FunctionInfo, LabelInfo, MetricKind, SiteInfo};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::OnceLock;

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

/// One annotated fn: its description, its label and error values when they are
/// known at compile time, and its tables: one, built at start, when the values
/// are known; else one per distinct set of values met at the calls.
pub struct Site {
    pub(crate) desc: SiteDesc,
    /// Each label's values, when every label's type can be named outside the fn.
    pub(crate) label_values: Option<&'static [&'static [&'static str]]>,
    /// The `error_type` values of the error type, when it can be named outside the fn.
    pub(crate) error_values: Option<&'static [&'static str]>,
    /// The `error_type` values that are the caller's fault, when known at start.
    pub(crate) client_errors: &'static [&'static str],
    known: OnceLock<Table>,
    instances: Instances<Table>,
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

impl Site {
    /// A site; `None` values are known only at its calls.
    pub const fn new(
        desc: SiteDesc,
        label_values: Option<&'static [&'static [&'static str]]>,
        error_values: Option<&'static [&'static str]>,
        client_errors: &'static [&'static str],
    ) -> Self {
        Site {
            desc,
            label_values,
            error_values,
            client_errors,
            known: OnceLock::new(),
            instances: Instances::new(),
        }
    }

    /// Whether the values are known without a call, so the table is built at start.
    pub(crate) fn known_at_start(&self) -> bool {
        self.label_values.is_some() && self.error_values.is_some()
    }

    /// Builds the table now, if the values are known without a call.
    pub(crate) fn prebuild(&'static self) {
        if self.known_at_start() {
            self.table();
        }
    }

    /// The table of a site whose values are known at compile time.
    #[inline]
    pub fn table(&'static self) -> &'static Table {
        self.known.get_or_init(|| {
            Table::build(
                &self.desc,
                self.label_values.unwrap_or_default(),
                self.error_values.unwrap_or_default(),
            )
        })
    }

    /// The table for the values a call found: the labels' value sets and the
    /// error type's values.
    #[inline]
    pub fn table_for(
        &'static self,
        label_values: &[&'static [&'static str]],
        error_values: &'static [&'static str],
    ) -> &'static Table {
        self.instances.get_or_build(label_values, error_values, || {
            Table::build(&self.desc, label_values, error_values)
        })
    }
}

impl Site {
    /// The fn as the catalogue lists it.
    pub(crate) fn function_info(&self) -> FunctionInfo {
        let desc = &self.desc;
        let mut labels = label_infos(desc.label_names, self.label_values);
        labels.extend(desc.const_labels.iter().map(|(name, value)| LabelInfo {
            name,
            values: Some(vec![*value]),
        }));
        FunctionInfo {
            site: desc.site_info(),
            help: desc.help,
            histogram: desc.histogram,
            errors: desc.errors,
            calls: desc.calls,
            in_flight: desc.in_flight,
            outcome: desc.outcome,
            labels,
            client_errors: self.client_errors.to_vec(),
            objective: desc.objective,
            native_schema: desc.native_schema,
        }
    }
}

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

/// The cells of every label combination of one site, and where each metric's
/// cells sit in a row. Rows are in mixed radix of the labels' ordinals.
pub struct Table {
    arena: &'static Arena,
    rows: usize,
    /// Words per row.
    width: usize,
    /// The histogram's cells in row 0, and its bounds in clock ticks (inclusive).
    histogram: Option<(HistogramCells, Box<[u64]>)>,
    /// The native histogram's cells in row 0.
    native: Option<NativeCells>,
    /// The first `calls` cell: one, or one per outcome.
    calls: Option<usize>,
    outcomes: Option<Outcomes>,
    in_flight: Option<usize>,
    /// The first `errors` cell; one per `error_type` value.
    errors: Option<usize>,
    error_count: usize,
    panic_index: usize,
    cancelled_index: Option<usize>,
    /// The latest exemplar of each histogram bucket and error series: per row,
    /// the buckets (`+Inf` last), then the `error_type` values.
    exemplars: &'static Exemplars,
    exemplars_per_row: usize,
    ticks_per_second: f64,
}

/// Where each outcome's cell sits among the `calls` cells.
#[derive(Clone, Copy)]
struct Outcomes {
    ok: usize,
    error: Option<usize>,
    panic: usize,
    cancelled: Option<usize>,
}

/// How a call ended.
#[derive(Clone, Copy)]
enum Ending {
    /// It returned after `ticks`; `error` is the `error_type` index of an `Err`.
    Returned {
        ticks: u64,
        error: Option<usize>,
    },
    Panicked,
    Cancelled,
}

impl Table {
    /// Lays out the site's cells, joins (or creates) its families and exports
    /// every combination of label values, so every series exists, at 0, from here on.
    #[cold]
    fn build(
        desc: &SiteDesc,
        label_values: &[&'static [&'static str]],
        error_values: &[&'static str],
    ) -> Table {
        let calibration = clock::calibration();
        let rows = row_count(label_values);
        let error_types = desc.error_types(error_values);
        let outcome_values = desc.outcomes();
        let position = |values: &[&str], value: &str| values.iter().position(|v| *v == value);
        let bounds = desc.buckets();

        // The row: histogram buckets (+Inf last) and sum, calls, in-flight, errors.
        let mut width = 0;
        let mut take = |present: bool, words: usize| {
            present.then(|| {
                width += words;
                width - words
            })
        };
        let histogram_first = take(
            desc.histogram.is_some(),
            HistogramCells::width(bounds.len()),
        );
        let native_schema = desc.native_schema.filter(|_| desc.histogram.is_some());
        let native_first = native_schema.and_then(|schema| take(true, NativeCells::width(schema)));
        let call_cells = if desc.outcome.is_some() {
            outcome_values.len()
        } else {
            1
        };
        let calls = take(desc.calls.is_some(), call_cells);
        let in_flight = take(desc.in_flight.is_some(), 1);
        let errors = take(desc.errors.is_some(), error_types.len());
        let arena = Arena::leaked(rows * width);
        let histogram_cells = histogram_first.map(|first| HistogramCells {
            first,
            bounds: bounds.len(),
        });
        let native_cells = native_first
            .zip(native_schema)
            .map(|(first, schema)| NativeCells { first, schema });
        let bucket_exemplars = if desc.histogram.is_some() {
            bounds.len() + 1
        } else {
            0
        };
        let error_exemplars = if desc.errors.is_some() {
            error_types.len()
        } else {
            0
        };
        let exemplars_per_row = bucket_exemplars + error_exemplars;
        let exemplars: &'static Exemplars =
            Box::leak(Box::new(Exemplars::new(rows * exemplars_per_row)));

        let mut joined: [Option<Joined>; 4] = [None, None, None, None];
        for (role, declaration) in desc.families(Some(label_values), Some(error_values)) {
            joined[role as usize] = store::declare(&declaration);
        }
        let [histogram_family, errors_family, calls_family, in_flight_family] = &joined;
        let mut values: Vec<&str> = Vec::with_capacity(desc.label_names.len() + 4);
        for row in 0..rows {
            values.clear();
            push_row_values(row, label_values, &mut values);
            values.extend(desc.const_labels.iter().map(|(_, value)| *value));
            let base = row * width;
            if let (Some(family), Some(cells)) = (histogram_family, histogram_cells) {
                family.export(
                    &values,
                    Source::Ticks {
                        arena,
                        cells: HistogramCells {
                            first: base + cells.first,
                            ..cells
                        },
                        ticks_per_second: calibration.ticks_per_second,
                        exemplars: Some(ExemplarCells {
                            exemplars,
                            first: row * exemplars_per_row,
                        }),
                        native: native_cells.map(|cells| NativeCells {
                            first: base + cells.first,
                            ..cells
                        }),
                    },
                );
            }
            if let (Some(family), Some(first)) = (calls_family, calls) {
                if desc.outcome.is_some() {
                    for (index, outcome) in outcome_values.iter().enumerate() {
                        values.push(outcome);
                        family.export(
                            &values,
                            Source::Count {
                                arena,
                                word: base + first + index,
                                exemplar: None,
                            },
                        );
                        values.pop();
                    }
                } else {
                    family.export(
                        &values,
                        Source::Count {
                            arena,
                            word: base + first,
                            exemplar: None,
                        },
                    );
                }
            }
            if let (Some(family), Some(word)) = (in_flight_family, in_flight) {
                family.export(
                    &values,
                    Source::Level {
                        arena,
                        word: base + word,
                    },
                );
            }
            if let (Some(family), Some(first)) = (errors_family, errors) {
                for (index, error_type) in error_types.iter().enumerate() {
                    values.push(error_type);
                    family.export(
                        &values,
                        Source::Count {
                            arena,
                            word: base + first + index,
                            exemplar: Some(ExemplarCells {
                                exemplars,
                                first: row * exemplars_per_row + bucket_exemplars + index,
                            }),
                        },
                    );
                    values.pop();
                }
            }
        }
        // Bounds in ticks, so a call compares integers; rounding down keeps a
        // duration exactly on a bound in that bound's bucket.
        let tick_bounds = bounds
            .iter()
            .map(|bound| (bound * calibration.ticks_per_second) as u64)
            .collect();
        let outcomes = desc.outcome.map(|_| Outcomes {
            ok: position(&outcome_values, OK).unwrap_or(0),
            error: position(&outcome_values, ERROR),
            panic: position(&outcome_values, PANIC).unwrap_or(0),
            cancelled: position(&outcome_values, CANCELLED),
        });
        Table {
            arena,
            rows,
            width,
            histogram: histogram_cells.map(|cells| (cells, tick_bounds)),
            native: native_cells,
            calls,
            outcomes,
            in_flight,
            errors,
            error_count: error_types.len(),
            panic_index: position(&error_types, PANIC).unwrap_or(0),
            cancelled_index: position(&error_types, CANCELLED),
            exemplars,
            exemplars_per_row,
            ticks_per_second: calibration.ticks_per_second,
        }
    }

    /// Records the end of a call in row `row`.
    #[inline]
    fn end(&self, row: usize, ending: Ending) {
        let slot = slots::current_slot();
        let base = row * self.width;
        let trace = exemplars::current_trace();
        let exemplars_base = row * self.exemplars_per_row;
        if let (Ending::Returned { ticks, .. }, Some((cells, bounds))) = (ending, &self.histogram) {
            let bucket = bucket_of(bounds, ticks);
            self.arena.add(slot, base + cells.bucket(bucket), 1);
            self.arena.add(slot, base + cells.sum(), ticks);
            if let Some(native) = self.native {
                let seconds = ticks as f64 / self.ticks_per_second;
                let row_cells = NativeCells {
                    first: base + native.first,
                    ..native
                };
                row_cells.record(self.arena, slot, seconds);
            }
            if let Some(trace) = trace {
                let seconds = ticks as f64 / self.ticks_per_second;
                self.exemplars
                    .record(exemplars_base + bucket, trace, seconds);
            }
        }
        if let Some(first) = self.calls {
            let cell = match (self.outcomes, ending) {
                (None, _) => Some(0),
                (Some(outcomes), Ending::Returned { error: None, .. }) => Some(outcomes.ok),
                (Some(outcomes), Ending::Returned { error: Some(_), .. }) => {
                    Some(outcomes.error.unwrap_or(outcomes.ok))
                }
                (Some(outcomes), Ending::Panicked) => Some(outcomes.panic),
                (Some(outcomes), Ending::Cancelled) => outcomes.cancelled,
            };
            if let Some(cell) = cell {
                self.arena.add(slot, base + first + cell, 1);
            }
        }
        if let Some(first) = self.errors {
            let index = match ending {
                Ending::Returned { error, .. } => error.filter(|index| *index < self.error_count),
                Ending::Panicked => Some(self.panic_index),
                Ending::Cancelled => self.cancelled_index,
            };
            if let Some(index) = index {
                self.arena.add(slot, base + first + index, 1);
                if let Some(trace) = trace {
                    let buckets = self
                        .histogram
                        .as_ref()
                        .map_or(0, |(cells, _)| cells.bounds + 1);
                    self.exemplars
                        .record(exemplars_base + buckets + index, trace, 1.0);
                }
            }
        }
        if let Some(word) = self.in_flight {
            self.arena.add(slot, base + word, u64::MAX);
        }
    }

    #[inline]
    fn enter(&self, slot: Slot, row: usize) {
        if let Some(word) = self.in_flight {
            self.arena.add(slot, row * self.width + word, 1);
        }
    }
}

/// The product of the labels' value counts, or 0 past the hard cap.
pub(crate) fn row_count(label_values: &[&[&str]]) -> usize {
    label_values
        .iter()
        .try_fold(1usize, |rows, values| rows.checked_mul(values.len()))
        .filter(|rows| *rows <= MAX_ROWS)
        .unwrap_or(0)
}

/// Row `row` in mixed radix, the last label varying fastest: the same order the
/// generated code computes the row from the labels' ordinals.
pub(crate) fn push_row_values(
    row: usize,
    label_values: &[&'static [&'static str]],
    out: &mut Vec<&'static str>,
) {
    let start = out.len();
    let mut rest = row;
    for values in label_values.iter().rev() {
        let count = values.len().max(1);
        out.push(values.get(rest % count).copied().unwrap_or(""));
        rest /= count;
    }
    out[start..].reverse();
}

/// What a guard dropped without [`Guard::finish`] means, besides a panic of
/// the call itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DropMeans {
    /// The body ran in place and returned: its guard is never finished by hand.
    Returned,
    /// Only a panic: the call always returns through `finish`.
    Panic,
    /// The future was dropped before it completed.
    Cancelled,
}

/// Records one call: created by [`Guard::start`], and either consumed by
/// [`Guard::finish`] when the call returns or dropped. Either way the in-flight
/// gauge comes back down.
///
/// Whether a dropped guard's call unwound is decided by the call itself, never
/// by `std::thread::panicking()` alone: a call made from a `Drop` while another
/// panic unwinds (a rollback) returns normally and is recorded so.
pub struct Guard {
    table: &'static Table,
    /// The call's row, or `usize::MAX` when a hand-written `LabelValue` gave an
    /// ordinal outside its values: the call is then not recorded.
    row: usize,
    started: u64,
    drop_means: DropMeans,
    /// The call's own code is on the stack: from the start to the end of its
    /// sync part, and during each poll of its future ([`polled`]). A guard
    /// dropped while this is set was dropped by the call unwinding.
    running: AtomicBool,
    /// The thread was already unwinding another panic when the call started,
    /// so unwinding at its end is not the call's own panic.
    unwinding_at_start: bool,
}

impl Guard {
    /// A call starts in row `row` of `table`.
    #[inline]
    pub fn start(table: &'static Table, row: usize, drop_means: DropMeans) -> Guard {
        let row = if row < table.rows { row } else { usize::MAX };
        if row != usize::MAX && table.in_flight.is_some() {
            table.enter(slots::current_slot(), row);
        }
        Guard {
            table,
            row,
            started: clock::now(),
            drop_means,
            running: AtomicBool::new(true),
            unwinding_at_start: drop_means == DropMeans::Returned && std::thread::panicking(),
        }
    }

    /// The call returned; `error` is the `error_type` index when it returned `Err`.
    #[inline]
    pub fn finish(self, error: Option<usize>) {
        self.returned(error);
        core::mem::forget(self);
    }

    /// The sync part of a call that returns a future is over: from here the
    /// call runs only while its future is polled.
    #[inline]
    pub fn suspend(&self) {
        self.running.store(false, Relaxed);
    }

    #[inline]
    fn returned(&self, error: Option<usize>) {
        if self.row != usize::MAX {
            let ticks = clock::now().saturating_sub(self.started);
            self.table.end(self.row, Ending::Returned { ticks, error });
        }
    }
}

impl Drop for Guard {
    /// The call ended without `finish`: it unwound, its future was dropped, or
    /// (for a body run in place) it returned.
    fn drop(&mut self) {
        if self.row == usize::MAX {
            return;
        }
        let ending = match self.drop_means {
            DropMeans::Panic => Ending::Panicked,
            DropMeans::Returned if std::thread::panicking() && !self.unwinding_at_start => {
                Ending::Panicked
            }
            DropMeans::Returned => {
                self.returned(None);
                return;
            }
            DropMeans::Cancelled if self.running.load(Relaxed) => Ending::Panicked,
            DropMeans::Cancelled => Ending::Cancelled,
        };
        self.table.end(self.row, ending);
    }
}

/// Awaits `future` as the timed part of the call `guard` records, marking the
/// call as running during each poll: a poll that unwinds leaves the mark, so
/// the guard dropped then counts a panic, and one dropped between polls counts
/// a cancellation.
pub async fn polled<F: Future>(guard: &Guard, future: F) -> F::Output {
    let mut future = core::pin::pin!(future);
    core::future::poll_fn(|context| {
        guard.running.store(true, Relaxed);
        let poll = future.as_mut().poll(context);
        guard.running.store(false, Relaxed);
        poll
    })
    .await
}

/// How a call's `Err` becomes an `error_type` index.
pub struct ErrorClassifier<E: ?Sized> {
    values: &'static [&'static str],
    client_errors: &'static [&'static str],
    index: fn(&E) -> usize,
}

impl<E: ?Sized> Clone for ErrorClassifier<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: ?Sized> Copy for ErrorClassifier<E> {}

impl<E> ErrorClassifier<E> {
    /// No `errors` metric, and no result to look at.
    pub fn none() -> Self {
        ErrorClassifier {
            values: &[],
            client_errors: &[],
            index: |_| 0,
        }
    }

    /// No `errors` metric, but an `outcome` that tells `Err` from `Ok`.
    pub fn any() -> Self {
        ErrorClassifier::none()
    }

    /// `error_type = "..."`: every error counts under one value.
    pub fn fixed(value: &'static [&'static str; 1]) -> Self {
        ErrorClassifier {
            values: value,
            client_errors: &[],
            index: |_| 0,
        }
    }

    /// Errors labelled by their own `LabelValue`.
    pub const fn by_label_value() -> Self
    where
        E: LabelValue,
    {
        ErrorClassifier {
            values: E::VALUES,
            client_errors: E::CLIENT_ERRORS,
            index: E::index,
        }
    }

    /// The `error_type` values of the error type.
    #[inline]
    pub const fn values(&self) -> &'static [&'static str] {
        self.values
    }

    /// The values that are the caller's fault ([`LabelValue::CLIENT_ERRORS`]).
    #[inline]
    pub const fn client_errors(&self) -> &'static [&'static str] {
        self.client_errors
    }
}

/// A call's return value that may be an error.
#[diagnostic::on_unimplemented(
    message = "`errors` needs a fn returning `Result<_, E>`, but this fn returns `{Self}`",
    label = "not a `Result`",
    note = "return a `Result`, or remove `errors = \"...\"`; a fn returning a future must write the future's type out in its signature (`impl Future<Output = Result<T, E>> + Send`, `Pin<Box<dyn Future<Output = Result<T, E>> + Send>>` or `BoxFuture<'_, Result<T, E>>`) or be `async`: through a type alias, `#[instrument_metric]` cannot see the future"
)]
pub trait CallResult {
    /// The error type.
    type Error;
    /// The error, if the call failed.
    fn error(&self) -> Option<&Self::Error>;
}

impl<T, E> CallResult for Result<T, E> {
    type Error = E;

    #[inline]
    fn error(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

/// The `error_type` index of an `Err`, `None` for `Ok`.
#[inline]
pub fn classify<R: CallResult>(
    classifier: &ErrorClassifier<R::Error>,
    result: &R,
) -> Option<usize> {
    result.error().map(classifier.index)
}

/// The `Err` type of a call's output, for naming it in a constant.
pub type ErrorOf<R> = <R as CallResult>::Error;

/// Runs a sync body moved into a closure. Taking `FnOnce() -> R` with `R` given
/// makes the closure's signature and kind come from the fn's output: its
/// returns coerce to `R`, and it may return reborrows of what it captured.
#[inline(always)]
pub fn call<R, F: FnOnce() -> R>(body: F) -> R {
    body()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_mixed_radix() {
        let labels: &[&'static [&'static str]] = &[&["a", "b"], &["x", "y", "z"]];
        let mut values = Vec::new();
        push_row_values(4, labels, &mut values);
        assert_eq!(values, ["b", "y"]);
        assert_eq!(row_count(labels), 6);
        assert_eq!(row_count(&[]), 1);
        assert_eq!(row_count(&[&[]]), 0);
    }
}
