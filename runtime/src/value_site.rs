//! `counter!`, `gauge!` and `histogram!` sites: what each call site declares,
//! and its handles, one per label combination.

use crate::arena::{Arena, HistogramCells};
use crate::instances::{Declares, Tables};
use crate::problems;
use crate::site::{label_infos, push_row_values, row_count};
use crate::store::{self, Declaration, Source};
use crate::value::{Counter, Gauge, Histogram};
use crate::vocabulary::{MetricKind, Problem, SiteInfo};
use std::sync::atomic::AtomicU64;

/// What a `counter!`, `gauge!` or `histogram!` call site declares.
pub struct ValueSiteDesc {
    /// Which macro.
    pub kind: ValueKind,
    /// The metric name.
    pub name: &'static str,
    /// The HELP text.
    pub help: &'static str,
    /// `buckets = [..]` of a `histogram!`.
    pub buckets: Option<&'static [f64]>,
    /// The labels' names, in order.
    pub label_names: &'static [&'static str],
    /// `module_path!()` of the call.
    pub module_path: &'static str,
    /// `file!()` of the name.
    pub file: &'static str,
    /// `line!()` of the name.
    pub line: u32,
}

/// The kind of metric a function-like macro declares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ValueKind {
    /// `counter!`.
    Counter,
    /// `gauge!`.
    Gauge,
    /// `histogram!`.
    Histogram,
}

impl ValueKind {
    pub(crate) fn metric_kind(self) -> MetricKind {
        match self {
            ValueKind::Counter => MetricKind::Counter,
            ValueKind::Gauge => MetricKind::Gauge,
            ValueKind::Histogram => MetricKind::Histogram,
        }
    }
}

/// One `counter!`, `gauge!` or `histogram!` call site and its handles: one
/// table, built at start, when every label's type is written; else one per
/// distinct set of label types met at the calls.
pub struct ValueSite {
    pub(crate) desc: ValueSiteDesc,
    pub(crate) label_values: Option<&'static [&'static [&'static str]]>,
    tables: Tables<ValueTable>,
}

enum ValueTable {
    Counters(Box<[Counter]>),
    Gauges(Box<[Gauge]>),
    Histograms(Box<[Histogram]>),
}

/// The buckets of a `histogram!` that names none: powers of 4 from 1 to about 4
/// million, a shape that fits sizes and counts; override with `buckets = [...]`.
const DEFAULT_VALUE_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
];

/// The series budget of a `counter!`, `gauge!` or `histogram!` site.
const VALUE_SITE_BUDGET: usize = 1_000;

/// What a site with a compile error evaluates to, so the code around it still
/// type-checks and the error does not cascade; and what an out-of-range row gets.
pub static DETACHED_COUNTER: Counter = Counter::DETACHED;
/// See [`DETACHED_COUNTER`].
pub static DETACHED_GAUGE: Gauge = Gauge::DETACHED;
/// See [`DETACHED_COUNTER`].
pub static DETACHED_HISTOGRAM: Histogram = Histogram::DETACHED;

impl Declares for ValueSite {
    fn site_info(&self) -> SiteInfo {
        SiteInfo {
            file: self.desc.file,
            line: self.desc.line,
            module_path: self.desc.module_path,
            function: None,
        }
    }

    /// Known without a use when every label's type is written.
    fn known_at_start(&self) -> bool {
        self.desc.label_names.is_empty() || self.label_values.is_some()
    }

    fn prebuild(&'static self) {
        if self.known_at_start() {
            self.known_table();
        }
    }
}

impl ValueSite {
    /// A site; `None` label values are known only at its uses.
    pub const fn new(
        desc: ValueSiteDesc,
        label_values: Option<&'static [&'static [&'static str]]>,
    ) -> Self {
        ValueSite {
            desc,
            label_values,
            tables: Tables::new(),
        }
    }

    pub(crate) fn buckets(&self) -> &'static [f64] {
        match self.desc.kind {
            ValueKind::Histogram => self.desc.buckets.unwrap_or(DEFAULT_VALUE_BUCKETS),
            _ => &[],
        }
    }

    /// The family the site declares, with its labels' values where known.
    pub(crate) fn family(&self, label_values: Option<&[&'static [&'static str]]>) -> Declaration {
        Declaration {
            name: self.desc.name,
            kind: self.desc.kind.metric_kind(),
            help: self.desc.help.to_owned(),
            labels: label_infos(self.desc.label_names, label_values),
            bounds: self.buckets(),
            site: self.site_info(),
        }
    }

    #[inline]
    fn known_table(&'static self) -> &'static ValueTable {
        self.tables
            .known(|| self.build(self.label_values.unwrap_or_default()))
    }

    #[inline]
    fn table_for(&'static self, label_values: &[&'static [&'static str]]) -> &'static ValueTable {
        self.tables
            .for_values(label_values, &[], || self.build(label_values))
    }

    #[cold]
    fn build(&self, label_values: &[&'static [&'static str]]) -> ValueTable {
        let mut rows = row_count(label_values);
        if rows > VALUE_SITE_BUDGET
            || (rows == 0 && !label_values.iter().any(|values| values.is_empty()))
        {
            problems::report(Problem::OverBudget {
                name: self.desc.name,
                site: self.site_info(),
                budget: VALUE_SITE_BUDGET,
            });
            rows = 0;
        }
        let bounds = self.buckets();
        let family = store::declare(&self.family(Some(label_values)));
        let mut values = Vec::with_capacity(label_values.len());
        let mut export = |row: usize, source: Source| {
            if let Some(family) = &family {
                values.clear();
                push_row_values(row, label_values, &mut values);
                family.export(&values, source);
            }
        };
        match self.desc.kind {
            ValueKind::Counter => {
                let arena = Arena::leaked(rows);
                for row in 0..rows {
                    export(row, Source::FloatCount { arena, word: row });
                }
                ValueTable::Counters((0..rows).map(|word| Counter::new(arena, word)).collect())
            }
            ValueKind::Gauge => ValueTable::Gauges(
                (0..rows)
                    .map(|row| {
                        values.clear();
                        push_row_values(row, label_values, &mut values);
                        match &family {
                            Some(family) => Gauge::new(family.gauge_cell(&values)),
                            None => Gauge::new(Box::leak(Box::new(AtomicU64::new(0)))),
                        }
                    })
                    .collect(),
            ),
            ValueKind::Histogram => {
                let width = HistogramCells::width(bounds.len());
                let arena = Arena::leaked(rows * width);
                let cells = |row: usize| HistogramCells {
                    first: row * width,
                    bounds: bounds.len(),
                };
                for row in 0..rows {
                    export(
                        row,
                        Source::Values {
                            arena,
                            cells: cells(row),
                        },
                    );
                }
                ValueTable::Histograms(
                    (0..rows)
                        .map(|row| Histogram::new(arena, cells(row), bounds))
                        .collect(),
                )
            }
        }
    }
}

macro_rules! accessors {
    ($($known:ident, $inferred:ident, $variant:ident, $handle:ty, $detached:ident;)*) => {$(
        impl ValueSite {
            /// The handle of row `row`, for a site whose label types are written.
            #[inline]
            pub fn $known(&'static self, row: usize) -> &'static $handle {
                match self.known_table() {
                    ValueTable::$variant(handles) => handles.get(row).unwrap_or(&$detached),
                    _ => &$detached,
                }
            }

            /// The handle of row `row`, for the label types a use found.
            #[inline]
            pub fn $inferred(
                &'static self,
                label_values: &[&'static [&'static str]],
                row: usize,
            ) -> &'static $handle {
                match self.table_for(label_values) {
                    ValueTable::$variant(handles) => handles.get(row).unwrap_or(&$detached),
                    _ => &$detached,
                }
            }
        }
    )*};
}

accessors! {
    counter, counter_for, Counters, Counter, DETACHED_COUNTER;
    gauge, gauge_for, Gauges, Gauge, DETACHED_GAUGE;
    histogram, histogram_for, Histograms, Histogram, DETACHED_HISTOGRAM;
}
