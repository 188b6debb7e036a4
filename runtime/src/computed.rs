//! Families computed when Prometheus scrapes: rows in a table, a pool's active
//! and idle connections, the process' memory. A callback that fails or panics
//! does not break the scrape: its family is left out of that scrape and the
//! failure is counted in `metricate_callback_failures_total{metric="..."}`.

use crate::arena::Arena;
use crate::label::LabelValue;
use crate::slots;
use crate::store::{self, Callback, Declaration, Readings, Source};
use crate::vocabulary::{LabelInfo, MetricKind, Problem, SiteInfo};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

/// What a computed gauge's callback may return: a number, an `Option` (`None`
/// leaves the gauge out of this scrape), a `Result` (an `Err` counts as a
/// failure), or, for a gauge with a label, pairs of label value and number.
pub trait Reading {
    /// The label's values, when the callback returns pairs of a [`LabelValue`]
    /// and a number: the catalogue lists them.
    const LABEL_VALUES: Option<&'static [&'static str]> = None;

    /// The label values and numbers read; `Err` with a reason when the read failed.
    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String>;
}

macro_rules! numeric_reading {
    ($($number:ty),*) => {$(
        impl Reading for $number {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
                Ok(vec![(None, self as f64)])
            }
        }
    )*};
}

numeric_reading!(f64, f32, i64, i32, u64, u32, usize);

impl<T: Reading> Reading for Option<T> {
    const LABEL_VALUES: Option<&'static [&'static str]> = T::LABEL_VALUES;

    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
        self.map_or_else(|| Ok(Vec::new()), Reading::readings)
    }
}

impl<T: Reading, E: Display> Reading for Result<T, E> {
    const LABEL_VALUES: Option<&'static [&'static str]> = T::LABEL_VALUES;

    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
        self.map_err(|error| error.to_string())?.readings()
    }
}

impl<L: LabelValue> Reading for Vec<(L, f64)> {
    const LABEL_VALUES: Option<&'static [&'static str]> = Some(L::VALUES);

    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
        Ok(self
            .into_iter()
            .map(|(label, value)| (Some(label.label_value()), value))
            .collect())
    }
}

/// The family that counts failed callbacks, by computed family.
const FAILURES: &str = "metricate_callback_failures_total";

/// The failure counter of each computed family.
static FAILURE_CELLS: Mutex<BTreeMap<&'static str, &'static Arena>> = Mutex::new(BTreeMap::new());

/// A family computed at scrape time, as the store takes it.
pub(crate) struct Computed {
    pub(crate) name: &'static str,
    pub(crate) kind: MetricKind,
    pub(crate) help: &'static str,
    pub(crate) labels: Vec<LabelInfo>,
    pub(crate) site: SiteInfo,
}

/// The declaration of the family that counts failed callbacks.
pub(crate) fn failures_family(computed: &[&'static str]) -> Declaration {
    Declaration {
        name: FAILURES,
        kind: MetricKind::Counter,
        help: "Scrapes in which the callback of a computed metric failed or panicked, by metric."
            .to_owned(),
        labels: vec![LabelInfo {
            name: "metric",
            values: Some(computed.to_vec()),
        }],
        bounds: &[],
        site: SiteInfo {
            file: file!(),
            line: line!(),
            module_path: module_path!(),
            function: None,
        },
    }
}

/// Declares a computed family in the store, with its failure counter at 0.
pub(crate) fn declare(computed: Computed, read: Callback) -> Result<(), Problem> {
    store::declare_computed(
        &Declaration {
            name: computed.name,
            kind: computed.kind,
            help: computed.help.to_owned(),
            labels: computed.labels,
            bounds: &[],
            site: computed.site,
        },
        read,
    )?;
    let arena = Arena::leaked(1);
    if let Some(failures) = store::declare(&failures_family(&[computed.name])) {
        failures.export(
            &[computed.name],
            Source::Count {
                arena,
                word: 0,
                exemplar: None,
            },
        );
    }
    FAILURE_CELLS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(computed.name, arena);
    Ok(())
}

/// Runs every computed family's callback, outside any lock: the readings of
/// those that succeeded, by family; those that failed are counted.
pub(crate) fn read_all() -> BTreeMap<&'static str, Vec<(Vec<&'static str>, f64)>> {
    let mut readings = BTreeMap::new();
    for (name, read) in store::computed_reads() {
        match catch_unwind(AssertUnwindSafe(|| read())) {
            Ok(Ok(series)) => {
                readings.insert(name, summed_by_labels(series));
            }
            Ok(Err(_)) | Err(_) => count_failure(name),
        }
    }
    // `metricate_series` counts this scrape's computed series too, known
    // only now; its callback read the store's.
    let computed: usize = readings
        .iter()
        .filter(|(name, _)| !store::is_taken(name))
        .map(|(_, series)| series.len())
        .sum();
    if let Some(own) = readings.get_mut(crate::names::METRICATE_SERIES) {
        for (_, value) in own.iter_mut() {
            #[allow(clippy::cast_precision_loss)]
            let total = computed as f64;
            *value += total;
        }
    }
    readings
}

/// The readings with one series per label values: a callback that returns one
/// label value twice (two rows of one status) has them summed, as `sum by`
/// would, so the scrape never holds one series twice.
fn summed_by_labels(series: Vec<(Vec<&'static str>, f64)>) -> Vec<(Vec<&'static str>, f64)> {
    let mut summed: Vec<(Vec<&'static str>, f64)> = Vec::with_capacity(series.len());
    for (labels, value) in series {
        match summed.iter_mut().find(|(known, _)| *known == labels) {
            Some((_, total)) => *total += value,
            None => summed.push((labels, value)),
        }
    }
    summed
}

fn count_failure(name: &str) {
    let cell = FAILURE_CELLS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(name)
        .copied();
    if let Some(arena) = cell {
        arena.add(slots::current_slot(), 0, 1);
    }
}

/// A `computed_gauge!` call site: declared in the catalogue from start, its
/// callback given when the macro runs.
pub struct ComputedSite {
    name: &'static str,
    help: &'static str,
    label: Option<&'static str>,
    module_path: &'static str,
    file: &'static str,
    line: u32,
}

impl ComputedSite {
    /// The site of `computed_gauge!("NAME", help = .., label = .., ..)`.
    pub const fn new(
        name: &'static str,
        help: &'static str,
        label: Option<&'static str>,
        module_path: &'static str,
        file: &'static str,
        line: u32,
    ) -> Self {
        ComputedSite {
            name,
            help,
            label,
            module_path,
            file,
            line,
        }
    }

    pub(crate) fn site_info(&self) -> SiteInfo {
        SiteInfo {
            file: self.file,
            line: self.line,
            module_path: self.module_path,
            function: None,
        }
    }

    /// The HELP text: the one given, else the name.
    fn help(&self) -> &'static str {
        if self.help.is_empty() {
            self.name
        } else {
            self.help
        }
    }

    /// The gauge as declared; its label's values when the callback's type
    /// gives them.
    pub(crate) fn declaration(&self, values: Option<&'static [&'static str]>) -> Declaration {
        Declaration {
            name: self.name,
            kind: MetricKind::Gauge,
            help: self.help().to_owned(),
            labels: self
                .label
                .map(|name| LabelInfo {
                    name,
                    values: values.map(<[&str]>::to_vec),
                })
                .into_iter()
                .collect(),
            bounds: &[],
            site: self.site_info(),
        }
    }
}

/// Registers a gauge whose value `read` computes at each scrape. Use it through
/// [`computed_gauge!`](crate::computed_gauge), which checks the name at compile
/// time and declares the gauge from start; this function checks it at run time
/// and declares it when called.
///
/// `label` names the label of a callback returning `Vec<(L, f64)>`; the
/// catalogue lists `L`'s values. The caller's location is the declaring site.
///
/// # Errors
///
/// [`Problem::Conflict`] when the name is already declared, naming both sites.
///
/// ```
/// metricate::register_computed_gauge("doc_rows_in_jobs_table", "Rows in the jobs table.", None, || 42_u64)
///     .unwrap();
/// assert!(metricate::render().contains("doc_rows_in_jobs_table 42"));
/// assert!(metricate::register_computed_gauge("doc_rows_in_jobs_table", "Again.", None, || 1_u64).is_err());
/// ```
#[track_caller]
pub fn register_computed_gauge<F, R>(
    name: &'static str,
    help: &'static str,
    label: Option<&'static str>,
    read: F,
) -> Result<(), Problem>
where
    F: Fn() -> R + Send + Sync + 'static,
    R: Reading + 'static,
{
    let location = std::panic::Location::caller();
    let site = ComputedSite::new(name, help, label, "", location.file(), location.line());
    register_computed(&site, read)
}

/// What `computed_gauge!` calls (and [`register_computed_gauge`] through a
/// site of its caller's): gives the gauge its site declared its callback.
pub fn register_computed<F, R>(site: &ComputedSite, read: F) -> Result<(), Problem>
where
    F: Fn() -> R + Send + Sync + 'static,
    R: Reading + 'static,
{
    let declaration = site.declaration(R::LABEL_VALUES);
    let label = site.label;
    let read: Callback = Arc::new(move || -> Readings {
        let readings = read().readings()?;
        Ok(readings
            .into_iter()
            .map(|(value, number)| {
                (
                    value.into_iter().filter(|_| label.is_some()).collect(),
                    number,
                )
            })
            .collect())
    });
    declare(
        Computed {
            name: declaration.name,
            kind: declaration.kind,
            help: site.help(),
            labels: declaration.labels,
            site: declaration.site,
        },
        read,
    )
}
