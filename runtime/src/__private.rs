//! What generated code calls into. Not part of the public API: names and
//! signatures here change without notice.

use crate::clock;
use crate::family::Kind;
use crate::store::{self, Arena, Declaration, Reading, Slot};
use crate::LabelValue;
use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;

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

/// One annotated fn: its description, the label and error values when they are
/// known at compile time, and, once built, the table of pre-resolved handles, one
/// row per label combination.
pub struct Site {
    pub(crate) desc: SiteDesc,
    /// Each label's values, when every label's type can be named outside the fn.
    pub(crate) label_values: Option<&'static [&'static [&'static str]]>,
    /// The `error_type` values of the error type, when it can be named outside the fn.
    pub(crate) error_values: Option<&'static [&'static str]>,
    table: OnceLock<Table>,
}

/// The cells of every label combination of one site, and where each metric's
/// cells sit in a row. Rows are in mixed radix of the labels' ordinals.
struct Table {
    arena: &'static Arena,
    rows: usize,
    /// Words per row.
    width: usize,
    /// The histogram's first bucket, its bounds in clock ticks (inclusive).
    histogram: Option<(usize, Box<[u64]>)>,
    calls: Option<usize>,
    in_flight: Option<usize>,
    /// The first `errors` counter; one per `error_type` value.
    errors: Option<usize>,
    error_count: usize,
    panic_index: usize,
    cancelled_index: usize,
}

/// `error_type` values for calls that did not return.
const PANIC: &str = "panic";
const CANCELLED: &str = "cancelled";

/// The default duration buckets: Prometheus' own, 5 ms to 10 s.
const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// No site may build more rows than the compile-time cap allows, whatever a
/// hand-written `LabelValue` claims.
const MAX_ROWS: usize = 10_000;

impl Site {
    /// A site whose values are only known from its first call.
    pub const fn new(desc: SiteDesc) -> Self {
        Site::with_values(desc, None, None)
    }

    /// A site whose label and error values are known at compile time, so
    /// [`init`](crate::init) can create its series before any call.
    pub const fn with_values(
        desc: SiteDesc,
        label_values: Option<&'static [&'static [&'static str]]>,
        error_values: Option<&'static [&'static str]>,
    ) -> Self {
        Site {
            desc,
            label_values,
            error_values,
            table: OnceLock::new(),
        }
    }

    /// Builds the table now, if the values are known without a call.
    pub(crate) fn prebuild(&'static self) {
        let errors = match (self.desc.errors, self.error_values) {
            (None, _) => Some(&[][..]),
            (Some(_), known) => known,
        };
        let labels = match (self.desc.label_names, self.label_values) {
            ([], _) => Some(&[][..]),
            (_, known) => known,
        };
        if let (Some(label_values), Some(error_values)) = (labels, errors) {
            self.table(label_values, error_values);
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
    /// Lays out the site's cells, joins (or creates) its families and exports
    /// every combination of label values, so every series exists, at 0, from here on.
    #[cold]
    fn build(
        desc: &SiteDesc,
        label_values: &[&'static [&'static str]],
        error_values: &'static [&'static str],
    ) -> Table {
        let calibration = clock::calibration();
        let rows = row_count(label_values);
        let error_types = error_types(error_values);
        let position = |value: &str| error_types.iter().position(|v| *v == value).unwrap_or(0);
        let (panic_index, cancelled_index) = (position(PANIC), position(CANCELLED));
        let bounds = desc.buckets();

        // The row: histogram buckets (+Inf last) and sum, calls, in-flight, errors.
        let mut width = 0;
        let mut take = |present: bool, words: usize| {
            present.then(|| {
                width += words;
                width - words
            })
        };
        let histogram_first = take(desc.histogram.is_some(), bounds.len() + 2);
        let calls = take(desc.calls.is_some(), 1);
        let in_flight = take(desc.in_flight.is_some(), 1);
        let errors = take(desc.errors.is_some(), error_types.len());
        let arena = Arena::leaked(rows * width);

        let names = desc.all_label_names();
        let mut error_names = names.clone();
        error_names.push(ERROR_TYPE);
        let site = desc.location();
        let join = |name: Option<&'static str>,
                    kind: Kind,
                    help: String,
                    label_names: &[&str],
                    bounds: &[f64]| {
            store::join(&Declaration {
                name: name?,
                kind,
                help: &help,
                label_names,
                bounds,
                site: site.clone(),
            })
        };
        let families = [
            join(
                desc.histogram,
                Kind::Histogram,
                desc.help_for(Role::Duration),
                &names,
                bounds,
            ),
            join(
                desc.calls,
                Kind::IntCounter,
                desc.help_for(Role::Calls),
                &names,
                &[],
            ),
            join(
                desc.in_flight,
                Kind::IntGauge,
                desc.help_for(Role::InFlight),
                &names,
                &[],
            ),
            join(
                desc.errors,
                Kind::IntCounter,
                desc.help_for(Role::Errors),
                &error_names,
                &[],
            ),
        ];
        let mut values: Vec<&str> = Vec::with_capacity(error_names.len());
        for row in 0..rows {
            values.clear();
            push_row_values(row, label_values, &mut values);
            values.extend(desc.const_labels.iter().map(|(_, value)| *value));
            let base = row * width;
            let [histogram_family, calls_family, in_flight_family, errors_family] = &families;
            if let (Some(family), Some(first)) = (histogram_family, histogram_first) {
                let ticks_per_second = calibration.ticks_per_second;
                family.export(
                    &values,
                    Reading::Ticks {
                        arena,
                        first: base + first,
                        ticks_per_second,
                    },
                );
            }
            if let (Some(family), Some(word)) = (calls_family, calls) {
                family.export(
                    &values,
                    Reading::Count {
                        arena,
                        word: base + word,
                    },
                );
            }
            if let (Some(family), Some(word)) = (in_flight_family, in_flight) {
                family.export(
                    &values,
                    Reading::Level {
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
                        Reading::Count {
                            arena,
                            word: base + first + index,
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
        Table {
            arena,
            rows,
            width,
            histogram: histogram_first.map(|first| (first, tick_bounds)),
            calls,
            in_flight,
            errors,
            error_count: error_types.len(),
            panic_index,
            cancelled_index,
        }
    }

    /// Records the end of a call in row `row`: its duration when it returned,
    /// the call, the error, and the in-flight gauge back down.
    #[inline]
    fn end(&self, row: usize, duration: Option<u64>, error: Option<usize>) {
        let slot = store::current_slot();
        let base = row * self.width;
        if let (Some(ticks), Some((first, bounds))) = (duration, &self.histogram) {
            let bucket = store::bucket_of(bounds, ticks);
            self.arena.add(slot, base + first + bucket, 1);
            self.arena.add(slot, base + first + bounds.len() + 1, ticks);
        }
        if let Some(word) = self.calls {
            self.arena.add(slot, base + word, 1);
        }
        if let (Some(first), Some(index)) = (self.errors, error) {
            if index < self.error_count {
                self.arena.add(slot, base + first + index, 1);
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

/// The metrics one annotation can declare.
#[derive(Clone, Copy)]
pub(crate) enum Role {
    Duration,
    Errors,
    Calls,
    InFlight,
}

impl SiteDesc {
    /// The HELP text of each metric: the fn's own text, and what is counted.
    pub(crate) fn help_for(&self, role: Role) -> String {
        match role {
            Role::Duration => self.help.to_owned(),
            Role::Errors => format!("{} Calls that failed, by error_type.", self.help),
            Role::Calls => format!("{} Calls that ended.", self.help),
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
}

/// The label `errors` adds.
pub(crate) const ERROR_TYPE: &str = "error_type";

/// The `error_type` values of an `errors` counter: the error type's own, then
/// `panic` and `cancelled` unless it has them already.
pub(crate) fn error_types(error_values: &[&'static str]) -> Vec<&'static str> {
    let mut error_types = error_values.to_vec();
    for extra in [PANIC, CANCELLED] {
        if !error_types.contains(&extra) {
            error_types.push(extra);
        }
    }
    error_types
}

/// The product of the labels' value counts, or 0 past the hard cap.
fn row_count(label_values: &[&[&str]]) -> usize {
    label_values
        .iter()
        .try_fold(1usize, |rows, values| rows.checked_mul(values.len()))
        .filter(|rows| *rows <= MAX_ROWS)
        .unwrap_or(0)
}

/// Row `row` in mixed radix, the last label varying fastest: the same order the
/// generated code computes the row from the labels' ordinals.
fn push_row_values(
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

/// Records one call: created by [`Guard::start`], consumed by [`Guard::finish`]
/// when the call returns, dropped unfinished when it panics or its future is
/// dropped. Either way the in-flight gauge comes back down.
pub struct Guard {
    table: &'static Table,
    /// The call's row, or `usize::MAX` when a hand-written `LabelValue` gave an
    /// ordinal outside its values: the call is then not recorded.
    row: usize,
    started: u64,
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
        let row = if row < table.rows { row } else { usize::MAX };
        if row != usize::MAX && table.in_flight.is_some() {
            table.enter(store::current_slot(), row);
        }
        Guard {
            table,
            row,
            started: clock::now(),
            is_async,
        }
    }

    /// The call returned; `error` is the `error_type` index when it returned `Err`.
    #[inline]
    pub fn finish(self, error: Option<usize>) {
        if self.row != usize::MAX {
            let duration = clock::now().saturating_sub(self.started);
            self.table.end(self.row, Some(duration), error);
        }
        core::mem::forget(self);
    }
}

impl Drop for Guard {
    /// The call did not return: it panicked, or (async) its future was dropped.
    /// Not observed in the histogram: only completed calls have a duration.
    fn drop(&mut self) {
        if self.row != usize::MAX {
            // A sync call cannot be cancelled, so only async calls ask.
            let cancelled = self.is_async && !std::thread::panicking();
            let index = if cancelled {
                self.table.cancelled_index
            } else {
                self.table.panic_index
            };
            self.table.end(self.row, None, Some(index));
        }
    }
}

/// How a call's `Err` becomes an `error_type` index.
pub struct ErrorClassifier<E: ?Sized> {
    values: &'static [&'static str],
    index: fn(&E) -> usize,
}

impl<E: ?Sized> Clone for ErrorClassifier<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: ?Sized> Copy for ErrorClassifier<E> {}

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
    pub const fn by_label_value() -> Self
    where
        E: LabelValue,
    {
        ErrorClassifier {
            values: E::VALUES,
            index: E::index,
        }
    }

    #[inline]
    pub const fn values(&self) -> &'static [&'static str] {
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

/// What a `counter!`, `gauge!` or `histogram!` call site declares.
pub struct ValueSiteDesc {
    pub kind: ValueKind,
    pub name: &'static str,
    pub help: &'static str,
    pub buckets: Option<&'static [f64]>,
    pub label_names: &'static [&'static str],
    pub module_path: &'static str,
    pub file: &'static str,
    pub line: u32,
}

/// The kind of metric a function-like macro declares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ValueKind {
    Counter,
    Gauge,
    Histogram,
}

impl ValueKind {
    pub(crate) fn family_kind(self) -> Kind {
        match self {
            ValueKind::Counter => Kind::Counter,
            ValueKind::Gauge => Kind::Gauge,
            ValueKind::Histogram => Kind::Histogram,
        }
    }
}

/// One `counter!`, `gauge!` or `histogram!` call site and, once built, its
/// handles, one per label combination.
pub struct ValueSite {
    pub(crate) desc: ValueSiteDesc,
    pub(crate) label_values: Option<&'static [&'static [&'static str]]>,
    table: OnceLock<ValueTable>,
}

enum ValueTable {
    Counters(Box<[crate::Counter]>),
    Gauges(Box<[crate::Gauge]>),
    Histograms(Box<[crate::Histogram]>),
}

/// The buckets of a `histogram!` that names none: powers of 4 from 1 to about 4
/// million, a shape that fits sizes and counts; override with `buckets = [...]`.
const DEFAULT_VALUE_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
];

/// The series budget of a `counter!`, `gauge!` or `histogram!` site.
const VALUE_SITE_BUDGET: usize = 1_000;

impl ValueSite {
    pub const fn new(
        desc: ValueSiteDesc,
        label_values: Option<&'static [&'static [&'static str]]>,
    ) -> Self {
        ValueSite {
            desc,
            label_values,
            table: OnceLock::new(),
        }
    }

    pub(crate) fn buckets(&self) -> &'static [f64] {
        match self.desc.kind {
            ValueKind::Histogram => self.desc.buckets.unwrap_or(DEFAULT_VALUE_BUCKETS),
            _ => &[],
        }
    }

    pub(crate) fn location(&self) -> String {
        format!(
            "{}:{} (`{}`)",
            self.desc.file, self.desc.line, self.desc.module_path
        )
    }

    pub(crate) fn prebuild(&'static self) {
        match (self.desc.label_names, self.label_values) {
            ([], _) => drop(self.table(&[])),
            (_, Some(label_values)) => drop(self.table(label_values)),
            (_, None) => {}
        }
    }

    #[inline]
    fn table(&'static self, label_values: &[&'static [&'static str]]) -> &'static ValueTable {
        self.table.get_or_init(|| self.build(label_values))
    }

    #[cold]
    fn build(&self, label_values: &[&'static [&'static str]]) -> ValueTable {
        let mut rows = row_count(label_values);
        if rows > VALUE_SITE_BUDGET
            || (rows == 0 && !label_values.iter().any(|values| values.is_empty()))
        {
            crate::report_problem(format!(
                "`{}` at {} has more label combinations than its budget of {VALUE_SITE_BUDGET} series: it records nothing",
                self.desc.name,
                self.location()
            ));
            rows = 0;
        }
        let bounds = self.buckets();
        let family = store::join(&Declaration {
            name: self.desc.name,
            kind: self.desc.kind.family_kind(),
            help: self.desc.help,
            label_names: self.desc.label_names,
            bounds,
            site: self.location(),
        });
        let mut values = Vec::with_capacity(label_values.len());
        let mut export = |row: usize, reading: Reading| {
            if let Some(family) = &family {
                values.clear();
                push_row_values(row, label_values, &mut values);
                family.export(&values, reading);
            }
        };
        match self.desc.kind {
            ValueKind::Counter => {
                let arena = Arena::leaked(rows);
                for row in 0..rows {
                    export(row, Reading::FloatCount { arena, word: row });
                }
                ValueTable::Counters(
                    (0..rows)
                        .map(|word| crate::Counter::new(arena, word))
                        .collect(),
                )
            }
            ValueKind::Gauge => ValueTable::Gauges(
                (0..rows)
                    .map(|row| {
                        values.clear();
                        push_row_values(row, label_values, &mut values);
                        match &family {
                            Some(family) => crate::Gauge::new(family.gauge_cell(&values)),
                            None => crate::Gauge::new(Box::leak(Box::new(AtomicU64::new(0)))),
                        }
                    })
                    .collect(),
            ),
            ValueKind::Histogram => {
                let width = bounds.len() + 2;
                let arena = Arena::leaked(rows * width);
                for row in 0..rows {
                    export(
                        row,
                        Reading::Values {
                            arena,
                            first: row * width,
                        },
                    );
                }
                ValueTable::Histograms(
                    (0..rows)
                        .map(|row| crate::Histogram::new(arena, row * width, bounds))
                        .collect(),
                )
            }
        }
    }

    #[inline]
    pub fn counter(
        &'static self,
        label_values: &[&'static [&'static str]],
        row: usize,
    ) -> &'static crate::Counter {
        match self.table(label_values) {
            ValueTable::Counters(counters) => counters.get(row).unwrap_or(&DETACHED_COUNTER),
            _ => &DETACHED_COUNTER,
        }
    }

    #[inline]
    pub fn gauge(
        &'static self,
        label_values: &[&'static [&'static str]],
        row: usize,
    ) -> &'static crate::Gauge {
        match self.table(label_values) {
            ValueTable::Gauges(gauges) => gauges.get(row).unwrap_or(&DETACHED_GAUGE),
            _ => &DETACHED_GAUGE,
        }
    }

    #[inline]
    pub fn histogram(
        &'static self,
        label_values: &[&'static [&'static str]],
        row: usize,
    ) -> &'static crate::Histogram {
        match self.table(label_values) {
            ValueTable::Histograms(histograms) => {
                histograms.get(row).unwrap_or(&DETACHED_HISTOGRAM)
            }
            _ => &DETACHED_HISTOGRAM,
        }
    }
}

/// Every `#[instrument_metric]` site in every crate linked into the binary,
/// collected by the linker: each site is itself an element of this slice.
#[linkme::distributed_slice]
#[linkme(crate = linkme)]
pub static FUNCTION_SITES: [Site];

/// Every `counter!`, `gauge!` and `histogram!` site, likewise.
#[linkme::distributed_slice]
#[linkme(crate = linkme)]
pub static VALUE_SITES: [ValueSite];

pub use crate::process::register_build_info;
pub use linkme;
pub use prometheus;

/// The label values a closure projects a parameter to, in a constant.
pub const fn values_of<P: ?Sized, T: LabelValue + ?Sized, F: Fn(&P) -> &T>(
    projection: F,
) -> &'static [&'static str] {
    core::mem::forget(projection);
    T::VALUES
}

/// The values of a type named outright, in a constant.
pub const fn values_of_type<T: LabelValue + ?Sized>() -> &'static [&'static str] {
    T::VALUES
}

/// The `Err` type of a call's output, for naming it in a constant.
pub type ErrorOf<R> = <R as Outcome>::Error;

/// Where a `counter!`-style label's type is inferred: fails type-checking, on the
/// value, unless it is a `LabelValue`.
#[inline(always)]
pub fn require_label_value<T: LabelValue + ?Sized>(_value: &T) {}

/// What a `counter!`, `gauge!` or `histogram!` with a compile error evaluates
/// to, so the code around it still type-checks and the error does not cascade.
pub static DETACHED_COUNTER: crate::Counter = crate::Counter::DETACHED;
pub static DETACHED_GAUGE: crate::Gauge = crate::Gauge::DETACHED;
pub static DETACHED_HISTOGRAM: crate::Histogram = crate::Histogram::DETACHED;

/// The labels' value sets, after checking at compile time (in the `const` item
/// that calls it) that the product of their counts is within the budget. One
/// call rather than an `assert!` item per fn keeps type-checking cheap.
pub const fn within_budget(
    label_values: &'static [&'static [&'static str]],
    max_series: usize,
    message: &'static str,
) -> &'static [&'static [&'static str]] {
    let mut series = 1usize;
    let mut index = 0;
    while index < label_values.len() {
        series = series.saturating_mul(label_values[index].len());
        index += 1;
    }
    if series > max_series {
        panic!("{}", message);
    }
    label_values
}
