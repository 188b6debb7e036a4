//! The `metrics` facade, bridged (feature `metrics`): metricate as the
//! [`metrics`] crate's recorder, so `metrics::counter!`, `gauge!` and
//! `histogram!` calls (older code, and every dependency using the facade) are
//! exported on the same `/metrics`, in every format, beside metricate's own
//! families.
//!
//! Those names and labels are not checked at compile time, so the facade
//! checks them when first used: a name that breaks the naming rules is
//! exported under a fixed name, or dropped when none can be made, and reported
//! as a [`Problem::FacadeName`]; each family holds at most
//! [`Facade::max_series`] series (default 1000), the rest going to one series
//! whose label values are all `overflow`, reported once as
//! [`Problem::FacadeOverflow`]; and the facade makes at most
//! [`Facade::max_families`] families (default 1000): names made from data
//! past that are not recorded, reported once as
//! [`Problem::FacadeFamilyOverflow`]. Memory stays bounded either way; a call
//! to an overflowing key or a dropped name takes the slow path (a mutex) each
//! time, since keeping a handle per such key would grow without bound. Such
//! families are in
//! [`catalog()`](crate::catalog()) from their first use, marked
//! [`known_at_run_time`](crate::FamilyInfo::known_at_run_time).
//!
//! ```
//! metricate::facade::install().unwrap();
//!
//! // What a dependency writes: only the `metrics` crate.
//! metrics::describe_counter!("doc_facade_jobs_total", "Jobs the worker ran.");
//! metrics::counter!("doc_facade_jobs_total", "queue" => "mail").increment(3);
//! metrics::gauge!("doc_facade_queue_depth").set(7.0);
//!
//! let text = metricate::render();
//! assert!(text.contains("# HELP doc_facade_jobs_total Jobs the worker ran.\n"));
//! assert!(text.contains("doc_facade_jobs_total{queue=\"mail\"} 3\n"));
//! assert!(text.contains("doc_facade_queue_depth 7\n"));
//! assert!(metricate::catalog().family("doc_facade_jobs_total").unwrap().known_at_run_time);
//! ```

mod rules;

use crate::arena::{bucket_of, Arena, HistogramCells};
use crate::problems;
use crate::slots;
use crate::store::{self, Declaration, Joined, Source};
use crate::vocabulary::{FacadeName, LabelInfo, MetricKind, Problem, SiteInfo};
use metrics::{Key, KeyName, Metadata, SharedString, Unit};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The duration buckets of a histogram in `_seconds` that nothing else gives
/// buckets: Prometheus' own, 5 ms to 10 s (those of `#[instrument_metric]`).
pub const DEFAULT_DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The buckets of any other histogram that nothing else gives buckets: powers
/// of 4 from 1 to about 4 million (those of [`histogram!`](crate::histogram)).
pub const DEFAULT_VALUE_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
];

/// The default cap of series per facade family.
pub const DEFAULT_MAX_SERIES: usize = 1000;

/// The default cap of families the facade makes.
pub const DEFAULT_MAX_FAMILIES: usize = 1000;

/// The label value of a family's overflow series.
pub const OVERFLOW: &str = "overflow";

/// Installs metricate as the `metrics` recorder with the defaults: see
/// [`Facade`].
///
/// # Errors
///
/// [`InstallError`] when a recorder is already installed (by this function,
/// or another exporter).
pub fn install() -> Result<(), InstallError> {
    Facade::new().install()
}

/// How the facade is installed: the cap of series per family, and the buckets
/// of histograms no declaration gives buckets.
///
/// A histogram's buckets are, in order: those of a family of that name already
/// declared by metricate (`histogram!`, `#[instrument_metric]`); those given
/// here for its name; [`DEFAULT_DURATION_BUCKETS`] for a name in `_seconds`;
/// else [`DEFAULT_VALUE_BUCKETS`].
///
/// ```
/// metricate::facade::Facade::new()
///     .max_series(100)
///     .buckets("doc_upload_size_bytes", &[1024.0, 1048576.0])
///     .install()
///     .unwrap();
/// metrics::histogram!("doc_upload_size_bytes").record(2048.0);
/// assert!(metricate::render().contains("doc_upload_size_bytes_bucket{le=\"1048576\"} 1\n"));
/// ```
#[derive(Clone, Debug)]
pub struct Facade {
    max_series: usize,
    max_families: usize,
    buckets: HashMap<String, &'static [f64]>,
}

impl Default for Facade {
    fn default() -> Self {
        Facade::new()
    }
}

impl Facade {
    /// The defaults: 1000 series per family, 1000 families, the default
    /// buckets.
    pub fn new() -> Facade {
        Facade {
            max_series: DEFAULT_MAX_SERIES,
            max_families: DEFAULT_MAX_FAMILIES,
            buckets: HashMap::new(),
        }
    }

    /// The cap of series per family (at least 1): further label combinations
    /// go to the family's `overflow` series.
    pub fn max_series(mut self, max_series: usize) -> Facade {
        self.max_series = max_series.max(1);
        self
    }

    /// The cap of families the facade makes (at least 1): a name first met
    /// past it is not recorded (a metric name made from data, such as
    /// `format!("requests_{user}_total")`, would otherwise grow without bound).
    ///
    /// ```
    /// let recorder = metricate::facade::Facade::new().max_families(1).build();
    /// metrics::with_local_recorder(&recorder, || {
    ///     metrics::counter!("doc_first_family_total").increment(1);
    ///     metrics::counter!("doc_second_family_total").increment(1);
    /// });
    /// let text = metricate::render();
    /// assert!(text.contains("doc_first_family_total 1\n"));
    /// assert!(!text.contains("doc_second_family_total"));
    /// ```
    pub fn max_families(mut self, max_families: usize) -> Facade {
        self.max_families = max_families.max(1);
        self
    }

    /// The buckets of the histogram `name` (as given to the facade, or as
    /// exported): the bounds sorted, with duplicates and non-finite ones left out.
    pub fn buckets(mut self, name: &str, bounds: &[f64]) -> Facade {
        let mut bounds: Vec<f64> = bounds.iter().copied().filter(|b| b.is_finite()).collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        self.buckets
            .insert(name.to_owned(), Box::leak(bounds.into_boxed_slice()));
        self
    }

    /// Installs metricate as the global `metrics` recorder.
    ///
    /// # Errors
    ///
    /// [`InstallError`] when a recorder is already installed.
    pub fn install(self) -> Result<(), InstallError> {
        metrics::set_global_recorder(self.build()).map_err(|_| InstallError)
    }

    /// The recorder, not installed: for `metrics::with_local_recorder` (a
    /// test, a benchmark). Its families are metricate's, exported by
    /// [`render`](crate::render) like those of the installed one.
    ///
    /// ```
    /// let recorder = metricate::facade::Facade::new().build();
    /// metrics::with_local_recorder(&recorder, || {
    ///     metrics::counter!("doc_local_events_total").increment(2);
    /// });
    /// assert!(metricate::render().contains("doc_local_events_total 2\n"));
    /// ```
    pub fn build(self) -> FacadeRecorder {
        FacadeRecorder(Recorder::new(self))
    }
}

/// metricate as a `metrics` recorder, from [`Facade::build`].
pub struct FacadeRecorder(Recorder);

impl fmt::Debug for FacadeRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FacadeRecorder")
            .field("max_series", &self.0.config.max_series)
            .finish_non_exhaustive()
    }
}

impl metrics::Recorder for FacadeRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_counter(key, unit, description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_gauge(key, unit, description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_histogram(key, unit, description);
    }

    #[inline]
    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Counter {
        self.0.register_counter(key, metadata)
    }

    #[inline]
    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Gauge {
        self.0.register_gauge(key, metadata)
    }

    #[inline]
    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Histogram {
        self.0.register_histogram(key, metadata)
    }
}

/// A `metrics` recorder was installed already: the process has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstallError;

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `metrics` recorder is already installed: a process has one")
    }
}

impl std::error::Error for InstallError {}

/// The hasher of the key maps: a `metrics::Key` hashes as its precomputed
/// hash, written once, so hashing is taking it.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 ^= value;
    }
}

type KeyMap<H> = RwLock<HashMap<Key, H, BuildHasherDefault<KeyHasher>>>;

/// The recorder: each key resolved once to its series' handle; the families
/// the facade created, by kind and name as given.
struct Recorder {
    config: Facade,
    counters: KeyMap<metrics::Counter>,
    gauges: KeyMap<metrics::Gauge>,
    histograms: KeyMap<metrics::Histogram>,
    state: Mutex<State>,
}

/// What the slow path (a key met for the first time) works on.
#[derive(Default)]
struct State {
    families: HashMap<(MetricKind, String), FacadeFamily>,
    /// Whether a name past [`Facade::max_families`] was met (reported once).
    families_overflowed: bool,
    /// What `describe_*` said, by name as given: the unit and the HELP text.
    descriptions: HashMap<String, (Option<Unit>, String)>,
}

/// One family the facade created.
struct FacadeFamily {
    /// The exported name; `None` when no valid name could be made, or the
    /// store refused the family (a conflict, reported there).
    joined: Option<Joined>,
    /// Its label names as exported, in the order of its first use.
    labels: Vec<&'static str>,
    /// Each label name met, as given, and what it is exported as.
    label_names: HashMap<String, Option<&'static str>>,
    bounds: &'static [f64],
    /// Its series by label values (in `labels`' order).
    series: HashMap<Vec<String>, Handle>,
    overflow: Option<Handle>,
}

/// A series' handle, of any kind.
#[derive(Clone)]
enum Handle {
    Counter(metrics::Counter),
    Gauge(metrics::Gauge),
    Histogram(metrics::Histogram),
}

impl Handle {
    fn noop(kind: MetricKind) -> Handle {
        match kind {
            MetricKind::Counter => Handle::Counter(metrics::Counter::noop()),
            MetricKind::Gauge => Handle::Gauge(metrics::Gauge::noop()),
            MetricKind::Histogram => Handle::Histogram(metrics::Histogram::noop()),
        }
    }
}

/// A counter series: an integer cell per writing thread.
struct CounterCell {
    arena: &'static Arena,
}

impl metrics::CounterFn for CounterCell {
    fn increment(&self, value: u64) {
        self.arena.add(slots::current_slot(), 0, value);
    }

    /// Raises the counter to `value` (a counter never goes down): adds the
    /// difference. Racing increments between the read and the add are kept.
    fn absolute(&self, value: u64) {
        let total = self.arena.total(0);
        if value > total {
            self.arena.add(slots::current_slot(), 0, value - total);
        }
    }
}

/// A gauge series: one cell, shared with any metricate site of that series.
struct GaugeCell {
    cell: &'static AtomicU64,
}

impl GaugeCell {
    fn update(&self, change: impl Fn(f64) -> f64) {
        let _ = self.cell.fetch_update(Relaxed, Relaxed, |bits| {
            Some(change(f64::from_bits(bits)).to_bits())
        });
    }
}

impl metrics::GaugeFn for GaugeCell {
    fn increment(&self, value: f64) {
        self.update(|current| current + value);
    }

    fn decrement(&self, value: f64) {
        self.update(|current| current - value);
    }

    fn set(&self, value: f64) {
        self.cell.store(value.to_bits(), Relaxed);
    }
}

/// A histogram series: its buckets and sum, per writing thread.
struct HistogramCell {
    arena: &'static Arena,
    cells: HistogramCells,
    bounds: &'static [f64],
}

impl metrics::HistogramFn for HistogramCell {
    fn record(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        let slot = slots::current_slot();
        self.arena
            .add(slot, self.cells.bucket(bucket_of(self.bounds, value)), 1);
        self.arena.add_f64(slot, self.cells.sum(), value);
    }

    fn record_many(&self, value: f64, count: usize) {
        if value.is_nan() {
            return;
        }
        let slot = slots::current_slot();
        self.arena.add(
            slot,
            self.cells.bucket(bucket_of(self.bounds, value)),
            count as u64,
        );
        #[allow(clippy::cast_precision_loss)]
        self.arena
            .add_f64(slot, self.cells.sum(), value * count as f64);
    }
}

/// The base unit a `metrics` unit is, among those a name may end in.
fn base_unit(unit: Unit) -> Option<&'static str> {
    match unit {
        Unit::Seconds => Some("seconds"),
        Unit::Bytes => Some("bytes"),
        _ => None,
    }
}

/// A HELP text with its unit, when the unit is not a base unit the name
/// carries (`Unit::Milliseconds`, `Unit::Count`, ...).
fn help_with_unit(description: &str, unit: Option<Unit>) -> String {
    match unit.filter(|unit| base_unit(*unit).is_none()) {
        Some(unit) => format!("{description} (unit: {})", unit.as_str()),
        None => description.to_owned(),
    }
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

impl Recorder {
    fn new(config: Facade) -> Recorder {
        Recorder {
            config,
            counters: RwLock::default(),
            gauges: RwLock::default(),
            histograms: RwLock::default(),
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn describe(&self, kind: MetricKind, key: &KeyName, unit: Option<Unit>, help: &str) {
        let mut state = self.state();
        let help = help_with_unit(help, unit);
        if let Some(family) = state.families.get(&(kind, key.as_str().to_owned())) {
            if let Some(joined) = &family.joined {
                store::describe(joined.name(), &help);
            }
        }
        state
            .descriptions
            .insert(key.as_str().to_owned(), (unit, help));
    }

    /// The handle of `key`'s series: looked up in `map`, else made (the slow
    /// path) and kept there unless it is the overflow series.
    fn handle<H: Clone>(
        &self,
        map: &KeyMap<H>,
        kind: MetricKind,
        key: &Key,
        metadata: &Metadata<'_>,
        unwrap: impl Fn(Handle) -> Option<H>,
    ) -> Option<H> {
        if let Some(handle) = map.read().unwrap_or_else(PoisonError::into_inner).get(key) {
            return Some(handle.clone());
        }
        let (handle, keep) = self.make(kind, key, metadata);
        let handle = unwrap(handle)?;
        if keep {
            map.write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key.clone(), handle.clone());
        }
        Some(handle)
    }

    /// Makes the handle of `key`'s series, creating its family and series as
    /// needed; `false` when it is the overflow series (not kept per key, so an
    /// exploding label does not grow the key map).
    fn make(&self, kind: MetricKind, key: &Key, metadata: &Metadata<'_>) -> (Handle, bool) {
        let mut state = self.state();
        let state = &mut *state;
        let name = key.name();
        let full = state.families.len() >= self.config.max_families;
        let family = match state.families.entry((kind, name.to_owned())) {
            Entry::Occupied(family) => family.into_mut(),
            Entry::Vacant(_) if full => {
                if !state.families_overflowed {
                    state.families_overflowed = true;
                    problems::report(Problem::FacadeFamilyOverflow {
                        name: name.to_owned(),
                        max_families: self.config.max_families,
                    });
                }
                return (Handle::noop(kind), false);
            }
            Entry::Vacant(vacant) => vacant.insert(new_family(
                &self.config,
                kind,
                key,
                metadata,
                state.descriptions.get(name),
            )),
        };
        // The key's label values in the family's order; labels the family does
        // not have are reported and left out, those it has and the key lacks
        // are empty (absent, to Prometheus).
        let mut values = vec![String::new(); family.labels.len()];
        for label in key.labels() {
            let exported = *family
                .label_names
                .entry(label.key().to_owned())
                .or_insert_with(|| fixed_label(name, label.key()));
            match exported.and_then(|exported| family.labels.iter().position(|l| *l == exported)) {
                Some(at) => label.value().clone_into(&mut values[at]),
                None => problems::report(Problem::FacadeName(Box::new(FacadeName {
                    metric: name.to_owned(),
                    label: Some(label.key().to_owned()),
                    reason: format!(
                        "not among the family's labels {{{}}}, set by its first use",
                        family.labels.join(", ")
                    ),
                    exported: None,
                }))),
            }
        }
        if let Some(handle) = family.series.get(&values) {
            return (handle.clone(), true);
        }
        if family.series.len() >= self.config.max_series {
            let overflow = family.overflow.get_or_insert_with(|| {
                let exported = family.joined.as_ref().map(Joined::name);
                if let Some(name) = exported {
                    problems::report(Problem::FacadeOverflow {
                        name,
                        max_series: self.config.max_series,
                    });
                }
                let values = vec![OVERFLOW; family.labels.len()];
                new_series(family.joined.as_ref(), kind, family.bounds, &values)
            });
            return (overflow.clone(), false);
        }
        let leaked: Vec<&'static str> = values.iter().map(|value| leak(value)).collect();
        let handle = new_series(family.joined.as_ref(), kind, family.bounds, &leaked);
        family.series.insert(values, handle.clone());
        (handle, true)
    }
}

/// What label `label` of metric `metric` is exported as; a name that breaks
/// the rules is reported.
fn fixed_label(metric: &str, label: &str) -> Option<&'static str> {
    let verdict = rules::label(label);
    if let Some(reason) = verdict.reason {
        problems::report(Problem::FacadeName(Box::new(FacadeName {
            metric: metric.to_owned(),
            label: Some(label.to_owned()),
            reason,
            exported: verdict.exported.clone(),
        })));
    }
    verdict.exported.as_deref().map(leak)
}

/// A family as its first key makes it: the name fixed by the rules, declared
/// in the store (joining a family of that name metricate declared, when they
/// agree), with its first key's labels.
fn new_family(
    config: &Facade,
    kind: MetricKind,
    key: &Key,
    metadata: &Metadata<'_>,
    description: Option<&(Option<Unit>, String)>,
) -> FacadeFamily {
    let given = key.name();
    let unit = description.and_then(|(unit, _)| unit.and_then(base_unit));
    let verdict = rules::metric(given, kind, unit);
    if let Some(reason) = verdict.reason {
        problems::report(Problem::FacadeName(Box::new(FacadeName {
            metric: given.to_owned(),
            label: None,
            reason,
            exported: verdict.exported.clone(),
        })));
    }
    let mut label_names = HashMap::new();
    let mut labels: Vec<&'static str> = Vec::new();
    for label in key.labels() {
        let exported = fixed_label(given, label.key());
        label_names.insert(label.key().to_owned(), exported);
        if let Some(exported) = exported.filter(|exported| !labels.contains(exported)) {
            labels.push(exported);
        }
    }
    let mut family = FacadeFamily {
        joined: None,
        labels,
        label_names,
        bounds: &[],
        series: HashMap::new(),
        overflow: None,
    };
    let Some(exported) = verdict.exported else {
        return family;
    };
    let name = leak(&exported);
    let existing = store::shape_of(name);
    let (declared_labels, bounds): (Vec<LabelInfo>, &'static [f64]) = match existing {
        // Joining a family declared in the source, of the same shape: its
        // label values and buckets stay as declared.
        Some((existing_kind, existing_labels, existing_bounds))
            if existing_kind == kind
                && existing_labels.len() == family.labels.len()
                && existing_labels
                    .iter()
                    .all(|label| family.labels.contains(&label.name)) =>
        {
            family.labels = existing_labels.iter().map(|label| label.name).collect();
            (
                existing_labels,
                Box::leak(existing_bounds.into_boxed_slice()),
            )
        }
        _ => (
            family
                .labels
                .iter()
                .map(|name| LabelInfo { name, values: None })
                .collect(),
            match kind {
                MetricKind::Histogram => config
                    .buckets
                    .get(given)
                    .or_else(|| config.buckets.get(name))
                    .copied()
                    .unwrap_or_else(|| rules::default_buckets(name)),
                _ => &[],
            },
        ),
    };
    let help = description.map_or_else(|| name.to_owned(), |(_, help)| help.clone());
    family.bounds = bounds;
    family.joined = store::declare(&Declaration {
        name,
        kind,
        help,
        labels: declared_labels,
        bounds,
        site: SiteInfo {
            file: SiteInfo::RUN_TIME_FILE,
            line: 0,
            module_path: metadata.module_path().map_or("", leak),
            function: None,
        },
    });
    family
}

/// A new series of `joined` with label `values` (in the family's order), and
/// its handle; a handle that records nothing when the family is not exported.
fn new_series(
    joined: Option<&Joined>,
    kind: MetricKind,
    bounds: &'static [f64],
    values: &[&'static str],
) -> Handle {
    let Some(joined) = joined else {
        return Handle::noop(kind);
    };
    match kind {
        MetricKind::Counter => {
            let arena = Arena::leaked(1);
            joined.export(
                values,
                Source::Count {
                    arena,
                    word: 0,
                    exemplar: None,
                },
            );
            Handle::Counter(metrics::Counter::from_arc(Arc::new(CounterCell { arena })))
        }
        MetricKind::Gauge => Handle::Gauge(metrics::Gauge::from_arc(Arc::new(GaugeCell {
            cell: joined.gauge_cell(values),
        }))),
        MetricKind::Histogram => {
            let arena = Arena::leaked(HistogramCells::width(bounds.len()));
            let cells = HistogramCells {
                first: 0,
                bounds: bounds.len(),
            };
            joined.export(values, Source::Values { arena, cells });
            Handle::Histogram(metrics::Histogram::from_arc(Arc::new(HistogramCell {
                arena,
                cells,
                bounds,
            })))
        }
    }
}

impl metrics::Recorder for Recorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(MetricKind::Counter, &key, unit, &description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(MetricKind::Gauge, &key, unit, &description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(MetricKind::Histogram, &key, unit, &description);
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Counter {
        self.handle(
            &self.counters,
            MetricKind::Counter,
            key,
            metadata,
            |handle| match handle {
                Handle::Counter(counter) => Some(counter),
                _ => None,
            },
        )
        .unwrap_or_else(metrics::Counter::noop)
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Gauge {
        self.handle(
            &self.gauges,
            MetricKind::Gauge,
            key,
            metadata,
            |handle| match handle {
                Handle::Gauge(gauge) => Some(gauge),
                _ => None,
            },
        )
        .unwrap_or_else(metrics::Gauge::noop)
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> metrics::Histogram {
        self.handle(
            &self.histograms,
            MetricKind::Histogram,
            key,
            metadata,
            |handle| match handle {
                Handle::Histogram(histogram) => Some(histogram),
                _ => None,
            },
        )
        .unwrap_or_else(metrics::Histogram::noop)
    }
}
