//! What generated code calls into. Not part of the public API: names and
//! signatures here change without notice.

use crate::family::{self, Declaration, Kind, Resolved, Vector};
use crate::LabelValue;
use prometheus::{Histogram, IntCounter, IntGauge};
use std::sync::OnceLock;
use std::time::Instant;

/// What one annotated fn declares; a constant the macro writes.
pub struct SiteDesc {
    pub function: &'static str,
    pub module_path: &'static str,
    pub file: &'static str,
    pub line: u32,
    pub help: &'static str,
    pub histogram: Option<&'static str>,
    pub errors: Option<&'static str>,
    pub calls: Option<&'static str>,
    pub in_flight: Option<&'static str>,
    pub buckets: Option<&'static [f64]>,
    pub label_names: &'static [&'static str],
    pub const_labels: &'static [(&'static str, &'static str)],
}

/// One annotated fn: its description and, once the first call built it, the table
/// of pre-resolved handles, one row per label combination.
pub struct Site {
    desc: SiteDesc,
    table: OnceLock<Table>,
}

/// The handles of one label combination.
struct Series {
    histogram: Option<Histogram>,
    calls: Option<IntCounter>,
    in_flight: Option<IntGauge>,
    /// One counter per `error_type` value, in [`Table::error_values`] order.
    errors: Box<[IntCounter]>,
}

struct Table {
    series: Box<[Series]>,
    panic_index: usize,
    cancelled_index: usize,
}

/// `error_type` values for calls that did not return.
const PANIC: &str = "panic";
const CANCELLED: &str = "cancelled";

/// The default duration buckets: Prometheus' own, 5 ms to 10 s.
const DEFAULT_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// No site may build more rows than the compile-time cap allows, whatever a
/// hand-written `LabelValue` claims.
const MAX_ROWS: usize = 10_000;

impl Site {
    pub const fn new(desc: SiteDesc) -> Self {
        Site {
            desc,
            table: OnceLock::new(),
        }
    }

    #[inline]
    fn table(
        &'static self,
        label_values: &[&'static [&'static str]],
        error_values: &'static [&'static str],
    ) -> &'static Table {
        self.table
            .get_or_init(|| Table::build(&self.desc, label_values, error_values))
    }
}

impl SiteDesc {
    fn location(&self) -> String {
        format!(
            "{}:{} (`{}::{}`)",
            self.file, self.line, self.module_path, self.function
        )
    }
}

impl Table {
    /// Registers (or joins) the site's families and resolves a handle for every
    /// combination of label values, so every series exists, at 0, from here on.
    #[cold]
    fn build(
        desc: &SiteDesc,
        label_values: &[&'static [&'static str]],
        error_values: &'static [&'static str],
    ) -> Table {
        let rows = label_values
            .iter()
            .try_fold(1usize, |rows, values| rows.checked_mul(values.len()))
            .filter(|rows| *rows <= MAX_ROWS)
            .unwrap_or(0);
        let mut error_types: Vec<&'static str> = error_values.to_vec();
        for extra in [PANIC, CANCELLED] {
            if !error_types.contains(&extra) {
                error_types.push(extra);
            }
        }
        let position = |value: &str| error_types.iter().position(|v| *v == value).unwrap_or(0);
        let (panic_index, cancelled_index) = (position(PANIC), position(CANCELLED));

        let mut names: Vec<&str> = desc.label_names.to_vec();
        names.extend(desc.const_labels.iter().map(|(name, _)| *name));
        let mut error_names = names.clone();
        error_names.push("error_type");
        let buckets = desc.buckets.unwrap_or(DEFAULT_BUCKETS);
        let site = desc.location();
        let family = |name: Option<&'static str>, kind: Kind, help: String, label_names: &[&str]| {
            let name = name?;
            let (resolved, problem) = family::resolve(&Declaration {
                name,
                kind,
                help: &help,
                label_names,
                buckets,
                site: site.clone(),
            });
            if let Some(problem) = problem {
                crate::report_problem(problem);
            }
            resolved
        };
        let histogram = family(desc.histogram, Kind::Histogram, desc.help.to_owned(), &names);
        let calls = family(desc.calls, Kind::Counter, format!("{} Calls that ended.", desc.help), &names);
        let in_flight = family(desc.in_flight, Kind::Gauge, format!("{} Calls in progress.", desc.help), &names);
        let errors = family(
            desc.errors,
            Kind::Counter,
            format!("{} Calls that failed, by error_type.", desc.help),
            &error_names,
        );

        let mut series = Vec::with_capacity(rows);
        let mut values: Vec<&str> = Vec::with_capacity(error_names.len());
        for row in 0..rows {
            values.clear();
            push_row_values(row, label_values, &mut values);
            values.extend(desc.const_labels.iter().map(|(_, value)| *value));
            let errors = match &errors {
                Some(resolved) => error_types
                    .iter()
                    .filter_map(|error_type| {
                        values.push(error_type);
                        let counter = counter(resolved, &values);
                        values.pop();
                        counter
                    })
                    .collect(),
                None => Box::default(),
            };
            series.push(Series {
                histogram: histogram.as_ref().and_then(|resolved| match &resolved.vector {
                    Vector::Histogram(vector) => vector.get_metric_with_label_values(&child_values(resolved, &values)).ok(),
                    _ => None,
                }),
                calls: calls.as_ref().and_then(|resolved| counter(resolved, &values)),
                in_flight: in_flight.as_ref().and_then(|resolved| match &resolved.vector {
                    Vector::Gauge(vector) => vector.get_metric_with_label_values(&child_values(resolved, &values)).ok(),
                    _ => None,
                }),
                errors,
            });
        }
        Table {
            series: series.into_boxed_slice(),
            panic_index,
            cancelled_index,
        }
    }
}

/// Row `row` in mixed radix, the last label varying fastest: the same order the
/// generated code computes the row from the labels' ordinals.
fn push_row_values(row: usize, label_values: &[&'static [&'static str]], out: &mut Vec<&'static str>) {
    let start = out.len();
    let mut rest = row;
    for values in label_values.iter().rev() {
        let count = values.len().max(1);
        out.push(values.get(rest % count).copied().unwrap_or(""));
        rest /= count;
    }
    out[start..].reverse();
}

/// The site's label values in the order of the family's labels.
fn child_values<'v>(resolved: &Resolved, values: &[&'v str]) -> Vec<&'v str> {
    resolved
        .order
        .iter()
        .map(|&position| values.get(position).copied().unwrap_or(""))
        .collect()
}

fn counter(resolved: &Resolved, values: &[&str]) -> Option<IntCounter> {
    match &resolved.vector {
        Vector::Counter(vector) => vector
            .get_metric_with_label_values(&child_values(resolved, values))
            .ok(),
        _ => None,
    }
}

/// Records one call: created by [`Guard::start`], consumed by [`Guard::finish`]
/// when the call returns, dropped unfinished when it panics or its future is
/// dropped. Either way the in-flight gauge comes back down.
pub struct Guard {
    series: Option<&'static Series>,
    table: &'static Table,
    started: Instant,
    is_async: bool,
}

impl Guard {
    #[inline]
    pub fn start(
        site: &'static Site,
        label_values: &[&'static [&'static str]],
        row: usize,
        error_values: &'static [&'static str],
        is_async: bool,
    ) -> Guard {
        let table = site.table(label_values, error_values);
        let series = table.series.get(row);
        if let Some(gauge) = series.and_then(|series| series.in_flight.as_ref()) {
            gauge.inc();
        }
        Guard {
            series,
            table,
            started: Instant::now(),
            is_async,
        }
    }

    /// The call returned; `error` is the `error_type` index when it returned `Err`.
    #[inline]
    pub fn finish(self, error: Option<usize>) {
        if let Some(series) = self.series {
            if let Some(histogram) = &series.histogram {
                histogram.observe(self.started.elapsed().as_secs_f64());
            }
            series.end(error);
        }
        core::mem::forget(self);
    }
}

impl Series {
    #[inline]
    fn end(&self, error: Option<usize>) {
        if let Some(calls) = &self.calls {
            calls.inc();
        }
        if let Some(counter) = error.and_then(|index| self.errors.get(index)) {
            counter.inc();
        }
        if let Some(gauge) = &self.in_flight {
            gauge.dec();
        }
    }
}

impl Drop for Guard {
    /// The call did not return: it panicked, or (async) its future was dropped.
    /// Not observed in the histogram: only completed calls have a duration.
    fn drop(&mut self) {
        if let Some(series) = self.series {
            // A sync call cannot be cancelled, so only async calls ask.
            let cancelled = self.is_async && !std::thread::panicking();
            let index = if cancelled {
                self.table.cancelled_index
            } else {
                self.table.panic_index
            };
            series.end(Some(index));
        }
    }
}

/// How a call's `Err` becomes an `error_type` index.
pub struct ErrorClassifier<E> {
    values: &'static [&'static str],
    index: fn(&E) -> usize,
}

impl<E> ErrorClassifier<E> {
    /// No `errors` metric.
    pub fn none() -> Self {
        ErrorClassifier {
            values: &[],
            index: |_| 0,
        }
    }

    /// `error_type = "..."`: every error counts under one value.
    pub fn fixed(value: &'static [&'static str; 1]) -> Self {
        ErrorClassifier {
            values: value,
            index: |_| 0,
        }
    }

    /// Errors labelled by their own `LabelValue`.
    pub fn by_label_value() -> Self
    where
        E: LabelValue,
    {
        ErrorClassifier {
            values: E::VALUES,
            index: E::index,
        }
    }

    #[inline]
    pub fn values(&self) -> &'static [&'static str] {
        self.values
    }
}

/// A call's return value that may be an error.
#[diagnostic::on_unimplemented(
    message = "`errors` needs a fn returning `Result<_, E>`, but this fn returns `{Self}`",
    label = "not a `Result`",
    note = "return a `Result`, or remove `errors = \"...\"`"
)]
pub trait Outcome {
    type Error;
    fn error(&self) -> Option<&Self::Error>;
}

impl<T, E> Outcome for Result<T, E> {
    type Error = E;

    #[inline]
    fn error(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

#[inline]
pub fn classify<R: Outcome>(classifier: &ErrorClassifier<R::Error>, outcome: &R) -> Option<usize> {
    outcome.error().map(classifier.index)
}

/// A label value on its way to an ordinal. Method calls on `&Probe` pick
/// [`ViaLabelValue`] when the value's type implements [`LabelValue`] and
/// [`ViaFallback`] otherwise, so a wrong type is reported once, by the
/// compile-time check, instead of a second time here.
pub struct Probe<'a, T: ?Sized>(pub &'a T);

pub trait ViaLabelValue {
    fn label_values(&self) -> &'static [&'static str];
    fn label_index(&self) -> usize;
}

impl<T: LabelValue + ?Sized> ViaLabelValue for Probe<'_, T> {
    #[inline]
    fn label_values(&self) -> &'static [&'static str] {
        T::VALUES
    }

    #[inline]
    fn label_index(&self) -> usize {
        self.0.index()
    }
}

pub trait ViaFallback {
    fn label_values(&self) -> &'static [&'static str];
    fn label_index(&self) -> usize;
}

impl<T: ?Sized> ViaFallback for &Probe<'_, T> {
    fn label_values(&self) -> &'static [&'static str] {
        &[]
    }

    fn label_index(&self) -> usize {
        0
    }
}

/// The value count of the type a closure projects a parameter to: names a
/// label's type in a constant, without a value.
pub const fn cardinality_of<P: ?Sized, T: LabelValue + ?Sized, F: Fn(&P) -> &T>(projection: F) -> usize {
    core::mem::forget(projection);
    T::VALUES.len()
}

/// Fails compilation (in a constant) when the product of the labels' value counts
/// exceeds the budget.
pub const fn check_cardinality(cardinalities: &[usize], max_series: usize, message: &'static str) {
    let mut product = 1usize;
    let mut index = 0;
    while index < cardinalities.len() {
        product = product.saturating_mul(cardinalities[index]);
        index += 1;
    }
    if product > max_series {
        panic!("{}", message);
    }
}
