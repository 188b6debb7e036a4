//! metricate's own storage for the series its macros declare, and their text
//! exposition.
//!
//! Every table of series is an [`Arena`] of 64-bit cells with one region per
//! *slot*. Each thread gets a slot of its own (while there are free ones) and
//! writes its region with a plain load and store — no locked instruction, no
//! cache line shared with another thread — so two threads on one series cost
//! what one does. Threads beyond the exclusive slots share one last region and
//! write it with atomic read-modify-write. A scrape sums the regions: every
//! update that returned before the scrape is in it, none is lost.

use crate::family::Kind;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

/// How many threads can have a slot of their own: twice the parallelism, so a
/// runtime's workers and a few helpers each get one, within 4..=64.
static EXCLUSIVE_SLOTS: LazyLock<usize> = LazyLock::new(|| {
    let parallelism = std::thread::available_parallelism().map_or(4, usize::from);
    (parallelism * 2).clamp(4, 64)
});

/// The slots: the exclusive ones, then the shared one.
pub(crate) fn slot_count() -> usize {
    *EXCLUSIVE_SLOTS + 1
}

/// A thread's slot: the region of every arena it writes.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    index: usize,
    shared: bool,
}

const UNASSIGNED: usize = usize::MAX;

thread_local! {
    /// This thread's slot, encoded as `index << 1 | shared`.
    static SLOT: Cell<usize> = const { Cell::new(UNASSIGNED) };
    /// Hands the slot back when the thread ends.
    static RELEASE: SlotRelease = const { SlotRelease(Cell::new(UNASSIGNED)) };
}

struct SlotRelease(Cell<usize>);

impl Drop for SlotRelease {
    fn drop(&mut self) {
        let index = self.0.get();
        if index != UNASSIGNED {
            // The thread is ending: no write of its can follow this one. If
            // something does record later in its teardown, it gets the shared slot.
            let _ = SLOT.try_with(|slot| slot.set(shared_slot_code()));
            free_slots().push(index);
        }
    }
}

/// Exclusive slot indices ready for reuse, and the next never used.
struct SlotPool {
    free: Vec<usize>,
    next: usize,
}

static POOL: Mutex<SlotPool> = Mutex::new(SlotPool {
    free: Vec::new(),
    next: 0,
});

fn free_slots() -> std::sync::MutexGuard<'static, SlotPool> {
    POOL.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SlotPool {
    fn push(&mut self, index: usize) {
        self.free.push(index);
    }
}

fn shared_slot_code() -> usize {
    (*EXCLUSIVE_SLOTS << 1) | 1
}

/// The current thread's slot.
#[inline]
pub(crate) fn current_slot() -> Slot {
    let code = SLOT.try_with(Cell::get).unwrap_or(UNASSIGNED);
    let code = if code == UNASSIGNED {
        assign_slot()
    } else {
        code
    };
    Slot {
        index: code >> 1,
        shared: code & 1 == 1,
    }
}

#[cold]
fn assign_slot() -> usize {
    let exclusive = {
        let mut pool = free_slots();
        match pool.free.pop() {
            Some(index) => Some(index),
            None if pool.next < *EXCLUSIVE_SLOTS => {
                pool.next += 1;
                Some(pool.next - 1)
            }
            None => None,
        }
    };
    let code = match exclusive {
        // Only a thread that will hand its slot back may keep it.
        Some(index) => match RELEASE.try_with(|release| release.0.set(index)) {
            Ok(()) => index << 1,
            Err(_) => {
                free_slots().push(index);
                shared_slot_code()
            }
        },
        None => shared_slot_code(),
    };
    let _ = SLOT.try_with(|slot| slot.set(code));
    code
}

/// Cells of 64 bits, one region of `words` per slot. A slot's region is
/// allocated when a thread holding that slot first writes to this arena, so
/// memory grows with the threads that use a site, not with the machine's size.
pub(crate) struct Arena {
    regions: Box<[OnceLock<Box<[AtomicU64]>>]>,
    words: usize,
}

impl Arena {
    pub(crate) fn new(words: usize) -> Arena {
        Arena {
            regions: (0..slot_count()).map(|_| OnceLock::new()).collect(),
            words,
        }
    }

    /// An arena that lives as long as the program: tables are built once and
    /// their series are exported until the end.
    pub(crate) fn leaked(words: usize) -> &'static Arena {
        Box::leak(Box::new(Arena::new(words)))
    }

    #[inline]
    fn cell(&self, slot: Slot, word: usize) -> Option<&AtomicU64> {
        let region = self.regions.get(slot.index)?;
        let region = region.get_or_init(|| (0..self.words).map(|_| AtomicU64::new(0)).collect());
        region.get(word)
    }

    /// Adds `amount` (wrapping: a gauge adds `u64::MAX` to go down by one).
    #[inline]
    pub(crate) fn add(&self, slot: Slot, word: usize, amount: u64) {
        if let Some(cell) = self.cell(slot, word) {
            if slot.shared {
                cell.fetch_add(amount, Relaxed);
            } else {
                cell.store(cell.load(Relaxed).wrapping_add(amount), Relaxed);
            }
        }
    }

    /// Adds a float kept as its bits.
    #[inline]
    pub(crate) fn add_f64(&self, slot: Slot, word: usize, amount: f64) {
        if let Some(cell) = self.cell(slot, word) {
            let add = |bits: u64| (f64::from_bits(bits) + amount).to_bits();
            if slot.shared {
                let _ = cell.fetch_update(Relaxed, Relaxed, |bits| Some(add(bits)));
            } else {
                cell.store(add(cell.load(Relaxed)), Relaxed);
            }
        }
    }

    /// A cell of every region written so far.
    fn cells(&self, word: usize) -> impl Iterator<Item = &AtomicU64> {
        self.regions
            .iter()
            .filter_map(move |region| region.get()?.get(word))
    }

    /// The sum of a cell over every slot.
    pub(crate) fn total(&self, word: usize) -> u64 {
        self.cells(word)
            .fold(0u64, |sum, cell| sum.wrapping_add(cell.load(Relaxed)))
    }

    /// The sum of a float cell over every slot.
    pub(crate) fn total_f64(&self, word: usize) -> f64 {
        // A fold from +0.0: `Sum` starts from -0.0, which would print as `-0`
        // for a series nothing has written yet.
        self.cells(word)
            .fold(0.0, |sum, cell| sum + f64::from_bits(cell.load(Relaxed)))
    }
}

/// How a series' value is read from its cells.
#[derive(Clone, Copy)]
pub(crate) enum Reading {
    /// An integer counter.
    Count { arena: &'static Arena, word: usize },
    /// An integer gauge moved by increments and decrements.
    Level { arena: &'static Arena, word: usize },
    /// A float counter.
    FloatCount { arena: &'static Arena, word: usize },
    /// A float gauge that is set: one cell, not per slot.
    Cell { cell: &'static AtomicU64 },
    /// A histogram of durations: bucket counts from `first`, then the sum in ticks.
    Ticks {
        arena: &'static Arena,
        first: usize,
        ticks_per_second: f64,
    },
    /// A histogram of values: bucket counts from `first`, then the float sum.
    Values { arena: &'static Arena, first: usize },
}

/// One series of a family: its labels, rendered once, and its cells.
struct Series {
    /// `name="value",...` sorted by name, escaped.
    labels: String,
    reading: Reading,
    /// The cells of other sites with the same labels (two fns that both count
    /// calls into one unlabelled family): the series is their sum.
    more: Vec<Reading>,
}

/// A family as first declared, and every series of every site that joined it.
struct Family {
    kind: Kind,
    help: String,
    label_names: Vec<String>,
    bounds: Vec<f64>,
    first_site: String,
    series: Vec<Series>,
}

static FAMILIES: Mutex<BTreeMap<&'static str, Family>> = Mutex::new(BTreeMap::new());

fn families() -> std::sync::MutexGuard<'static, BTreeMap<&'static str, Family>> {
    FAMILIES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a site declares about one family.
pub(crate) struct Declaration<'a> {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) help: &'a str,
    pub(crate) label_names: &'a [&'a str],
    pub(crate) bounds: &'a [f64],
    pub(crate) site: String,
}

/// A site's place in a family: where each family label sits among the site's.
pub(crate) struct Joined {
    name: &'static str,
    /// `order[i]` is the position, among the site's labels, of the family's i-th.
    order: Vec<usize>,
}

/// Joins the family `declaration` names, creating it on first use. Sites share a
/// family when kind, label names (in any order) and buckets agree; a site that
/// disagrees gets `None`, so its series record but are not exported, and the
/// conflict, naming both sites, is reported.
pub(crate) fn join(declaration: &Declaration<'_>) -> Option<Joined> {
    let mut families = families();
    if let Some(family) = families.get(declaration.name) {
        return match order_of(family, declaration) {
            Ok(order) => Some(Joined {
                name: declaration.name,
                order,
            }),
            Err(difference) => {
                crate::report_problem(format!(
                    "metric `{}` is declared twice with {difference}: {} at {}, {} at {}",
                    declaration.name,
                    describe(family.kind, &family.label_names),
                    family.first_site,
                    describe(
                        declaration.kind,
                        &declaration
                            .label_names
                            .iter()
                            .map(|name| (*name).to_owned())
                            .collect::<Vec<_>>()
                    ),
                    declaration.site,
                ));
                None
            }
        };
    }
    families.insert(
        declaration.name,
        Family {
            kind: declaration.kind,
            help: declaration.help.to_owned(),
            label_names: declaration
                .label_names
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            bounds: declaration.bounds.to_vec(),
            first_site: declaration.site.clone(),
            series: Vec::new(),
        },
    );
    Some(Joined {
        name: declaration.name,
        order: (0..declaration.label_names.len()).collect(),
    })
}

fn describe(kind: Kind, label_names: &[String]) -> String {
    format!("{} {{{}}}", kind.name(), label_names.join(", "))
}

fn order_of(family: &Family, declaration: &Declaration<'_>) -> Result<Vec<usize>, &'static str> {
    if family.kind.metric_kind() != declaration.kind.metric_kind() {
        return Err("different kinds");
    }
    if family.bounds != declaration.bounds {
        return Err("different buckets");
    }
    if family.label_names.len() != declaration.label_names.len() {
        return Err("different label names");
    }
    family
        .label_names
        .iter()
        .map(|name| {
            declaration
                .label_names
                .iter()
                .position(|candidate| candidate == name)
                .ok_or("different label names")
        })
        .collect()
}

impl Joined {
    /// Exports one series whose label values are `values`, in the site's order.
    pub(crate) fn export(&self, values: &[&str], reading: Reading) {
        let mut families = families();
        let Some(family) = families.get_mut(self.name) else {
            return;
        };
        let labels = self.labels(family, values);
        match family
            .series
            .iter_mut()
            .find(|series| series.labels == labels)
        {
            Some(series) => series.more.push(reading),
            None => family.series.push(Series {
                labels,
                reading,
                more: Vec::new(),
            }),
        }
    }
}

impl Joined {
    /// The cell of the gauge with these label values: a gauge is set, so sites
    /// sharing a series must share its one cell.
    pub(crate) fn gauge_cell(&self, values: &[&str]) -> &'static AtomicU64 {
        let existing = {
            let families = families();
            families.get(self.name).and_then(|family| {
                let labels = self.labels(family, values);
                family
                    .series
                    .iter()
                    .find_map(|series| match series.reading {
                        Reading::Cell { cell } if series.labels == labels => Some(cell),
                        _ => None,
                    })
            })
        };
        existing.unwrap_or_else(|| {
            let cell: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
            self.export(values, Reading::Cell { cell });
            cell
        })
    }

    /// `name="value",...` for `values` (in the site's order), sorted by name, as
    /// the exposition writes them.
    fn labels(&self, family: &Family, values: &[&str]) -> String {
        let mut pairs: Vec<(&str, &str)> = family
            .label_names
            .iter()
            .zip(&self.order)
            .map(|(name, &position)| (name.as_str(), values.get(position).copied().unwrap_or("")))
            .collect();
        pairs.sort_unstable();
        let mut labels = String::new();
        for (name, value) in pairs {
            if !labels.is_empty() {
                labels.push(',');
            }
            let _ = write!(labels, "{name}=\"{}\"", escape_label_value(value));
        }
        labels
    }
}

/// Names of metricate families also found in the registry: the registry's are
/// exported, metricate's are not (two families of one name break a scrape).
static TAKEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn taken() -> std::sync::MutexGuard<'static, Vec<String>> {
    TAKEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Notes the metricate families whose names the registry's `gathered` families
/// already use, reporting each once.
pub(crate) fn note_names_taken(gathered: &[prometheus::proto::MetricFamily]) {
    let families = families();
    let mut taken = taken();
    for family in gathered {
        let name = family.name();
        if let Some(own) = families.get(name) {
            if !taken.iter().any(|known| known == name) {
                taken.push(name.to_owned());
                crate::report_problem(format!(
                    "metric `{name}` declared at {} could not be registered: the name is taken in `metricate::registry()` by a metric registered by hand or by another library, which is exported instead",
                    own.first_site
                ));
            }
        }
    }
}

fn is_taken(name: &str) -> bool {
    taken().iter().any(|known| known == name)
}

fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Writes every family with series in the text format 0.0.4.
pub(crate) fn render_into(out: &mut String) {
    let families = families();
    for (name, family) in families.iter() {
        if family.series.is_empty() || is_taken(name) {
            continue;
        }
        let kind = match family.kind.metric_kind() {
            crate::MetricKind::Counter => "counter",
            crate::MetricKind::Gauge => "gauge",
            crate::MetricKind::Histogram => "histogram",
        };
        let _ = writeln!(out, "# HELP {name} {}", escape_help(&family.help));
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for series in &family.series {
            write_series(out, name, &family.bounds, series);
        }
    }
}

fn write_sample(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &str,
    extra: &str,
    value: impl std::fmt::Display,
) {
    let _ = match (labels.is_empty(), extra.is_empty()) {
        (true, true) => writeln!(out, "{name}{suffix} {value}"),
        (true, false) => writeln!(out, "{name}{suffix}{{{extra}}} {value}"),
        (false, true) => writeln!(out, "{name}{suffix}{{{labels}}} {value}"),
        (false, false) => writeln!(out, "{name}{suffix}{{{labels},{extra}}} {value}"),
    };
}

fn write_series(out: &mut String, name: &str, bounds: &[f64], series: &Series) {
    let labels = series.labels.as_str();
    if !series.more.is_empty() {
        match series.value(bounds) {
            Value::Number(number) => write_sample(out, name, "", labels, "", Float(number)),
            Value::Histogram { buckets, sum } => write_buckets(
                out,
                name,
                labels,
                bounds,
                |bucket| buckets.get(bucket).copied().unwrap_or(0),
                sum,
            ),
        }
        return;
    }
    match series.reading {
        Reading::Count { arena, word } => {
            write_sample(out, name, "", labels, "", arena.total(word))
        }
        Reading::Level { arena, word } => {
            write_sample(out, name, "", labels, "", arena.total(word) as i64);
        }
        Reading::FloatCount { arena, word } => {
            write_sample(out, name, "", labels, "", Float(arena.total_f64(word)));
        }
        Reading::Cell { cell } => {
            write_sample(
                out,
                name,
                "",
                labels,
                "",
                Float(f64::from_bits(cell.load(Relaxed))),
            );
        }
        Reading::Ticks {
            arena,
            first,
            ticks_per_second,
        } => {
            let sum = arena.total(first + bounds.len() + 1) as f64 / ticks_per_second;
            write_buckets(
                out,
                name,
                labels,
                bounds,
                |bucket| arena.total(first + bucket),
                sum,
            );
        }
        Reading::Values { arena, first } => {
            let sum = arena.total_f64(first + bounds.len() + 1);
            write_buckets(
                out,
                name,
                labels,
                bounds,
                |bucket| arena.total(first + bucket),
                sum,
            );
        }
    }
}

/// A series' value, summed over every site that shares it.
enum Value {
    Number(f64),
    /// Per-bucket counts (not cumulative), `+Inf` last, and the sum.
    Histogram {
        buckets: Vec<u64>,
        sum: f64,
    },
}

impl Reading {
    fn value(self, bounds: &[f64]) -> Value {
        let histogram = |arena: &Arena, first: usize, sum: f64| Value::Histogram {
            buckets: (0..=bounds.len())
                .map(|bucket| arena.total(first + bucket))
                .collect(),
            sum,
        };
        match self {
            Reading::Count { arena, word } => Value::Number(arena.total(word) as f64),
            Reading::Level { arena, word } => Value::Number(arena.total(word) as i64 as f64),
            Reading::FloatCount { arena, word } => Value::Number(arena.total_f64(word)),
            Reading::Cell { cell } => Value::Number(f64::from_bits(cell.load(Relaxed))),
            Reading::Ticks {
                arena,
                first,
                ticks_per_second,
            } => histogram(
                arena,
                first,
                arena.total(first + bounds.len() + 1) as f64 / ticks_per_second,
            ),
            Reading::Values { arena, first } => {
                histogram(arena, first, arena.total_f64(first + bounds.len() + 1))
            }
        }
    }
}

impl Series {
    fn value(&self, bounds: &[f64]) -> Value {
        let mut total = self.reading.value(bounds);
        for reading in &self.more {
            total = match (total, reading.value(bounds)) {
                (Value::Number(left), Value::Number(right)) => Value::Number(left + right),
                (
                    Value::Histogram { buckets, sum },
                    Value::Histogram {
                        buckets: more,
                        sum: more_sum,
                    },
                ) => Value::Histogram {
                    buckets: buckets
                        .iter()
                        .zip(&more)
                        .map(|(a, b)| a.wrapping_add(*b))
                        .collect(),
                    sum: sum + more_sum,
                },
                (total, _) => total,
            };
        }
        total
    }
}

/// A histogram's lines: `count(b)` is the number in bucket `b` (not
/// cumulative), `+Inf` being bucket `bounds.len()`.
fn write_buckets(
    out: &mut String,
    name: &str,
    labels: &str,
    bounds: &[f64],
    count: impl Fn(usize) -> u64,
    sum: f64,
) {
    let mut cumulative = 0u64;
    let mut le = String::new();
    for (index, bound) in bounds.iter().enumerate() {
        cumulative = cumulative.wrapping_add(count(index));
        le.clear();
        let _ = write!(le, "le=\"{}\"", Float(*bound));
        write_sample(out, name, "_bucket", labels, &le, cumulative);
    }
    cumulative = cumulative.wrapping_add(count(bounds.len()));
    write_sample(out, name, "_bucket", labels, "le=\"+Inf\"", cumulative);
    write_sample(out, name, "_sum", labels, "", Float(sum));
    write_sample(out, name, "_count", labels, "", cumulative);
}

/// A float as the text format writes it: `+Inf`, `-Inf`, `NaN`, or decimal.
struct Float(f64);

impl std::fmt::Display for Float {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            value if value.is_nan() => f.write_str("NaN"),
            value if value == f64::INFINITY => f.write_str("+Inf"),
            value if value == f64::NEG_INFINITY => f.write_str("-Inf"),
            value => write!(f, "{value}"),
        }
    }
}

/// Where a value falls among `bounds` (upper bounds, inclusive): the bucket
/// index, `bounds.len()` for `+Inf`.
#[inline]
pub(crate) fn bucket_of<T: PartialOrd + Copy>(bounds: &[T], value: T) -> usize {
    bounds
        .iter()
        .position(|bound| value <= *bound)
        .unwrap_or(bounds.len())
}

thread_local! {
    /// Set while `render` gathers the registry: it has written metricate's own
    /// families already, so the registry's view of them stays empty.
    static RENDERING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `gather` with metricate's families left out of the registry's view.
pub(crate) fn without_own_families<T>(gather: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = RENDERING.try_with(|rendering| rendering.set(false));
        }
    }
    let _ = RENDERING.try_with(|rendering| rendering.set(true));
    let _reset = Reset;
    gather()
}

/// metricate's families as a `prometheus` collector, registered in the default
/// registry so that `registry().gather()` (a push, another encoder) sees them too.
pub(crate) struct OwnFamilies;

impl prometheus::core::Collector for OwnFamilies {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        Vec::new()
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        use prometheus::proto;
        if RENDERING.try_with(Cell::get).unwrap_or(false) {
            return Vec::new();
        }
        let families = families();
        let mut collected = Vec::with_capacity(families.len());
        for (name, family) in families
            .iter()
            .filter(|(name, family)| !family.series.is_empty() && !is_taken(name))
        {
            let mut out = proto::MetricFamily::default();
            out.set_name((*name).to_owned());
            out.set_help(family.help.clone());
            out.set_field_type(match family.kind.metric_kind() {
                crate::MetricKind::Counter => proto::MetricType::COUNTER,
                crate::MetricKind::Gauge => proto::MetricType::GAUGE,
                crate::MetricKind::Histogram => proto::MetricType::HISTOGRAM,
            });
            let metrics = family
                .series
                .iter()
                .map(|series| series_proto(family, series))
                .collect();
            out.set_metric(metrics);
            collected.push(out);
        }
        collected
    }
}

fn series_proto(family: &Family, series: &Series) -> prometheus::proto::Metric {
    use prometheus::proto;
    let mut metric = proto::Metric::default();
    metric.set_label(
        label_pairs(&series.labels)
            .into_iter()
            .map(|(name, value)| {
                let mut pair = proto::LabelPair::default();
                pair.set_name(name);
                pair.set_value(value);
                pair
            })
            .collect(),
    );
    match (series.value(&family.bounds), family.kind.metric_kind()) {
        (Value::Number(value), crate::MetricKind::Counter) => {
            metric.set_counter(counter_proto(value))
        }
        (Value::Number(value), _) => metric.set_gauge(gauge_proto(value)),
        (Value::Histogram { buckets, sum }, _) => {
            let mut histogram = proto::Histogram::default();
            let mut cumulative = 0u64;
            let mut protos = Vec::with_capacity(family.bounds.len());
            for (bound, count) in family.bounds.iter().zip(&buckets) {
                cumulative = cumulative.wrapping_add(*count);
                let mut bucket = proto::Bucket::default();
                bucket.set_upper_bound(*bound);
                bucket.set_cumulative_count(cumulative);
                protos.push(bucket);
            }
            histogram.set_bucket(protos);
            histogram
                .set_sample_count(cumulative.wrapping_add(buckets.last().copied().unwrap_or(0)));
            histogram.set_sample_sum(sum);
            metric.set_histogram(histogram);
        }
    }
    metric
}

fn counter_proto(value: f64) -> prometheus::proto::Counter {
    let mut counter = prometheus::proto::Counter::default();
    counter.set_value(value);
    counter
}

fn gauge_proto(value: f64) -> prometheus::proto::Gauge {
    let mut gauge = prometheus::proto::Gauge::default();
    gauge.set_value(value);
    gauge
}

/// The pairs of a rendered `name="value",...` label string, unescaped.
fn label_pairs(labels: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut chars = labels.chars();
    loop {
        let name: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if name.is_empty() || chars.next() != Some('"') {
            return pairs;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => {}
                },
                '"' => break,
                other => value.push(other),
            }
        }
        pairs.push((name.trim_start_matches(',').to_owned(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_and_shared_slots_sum_exactly() {
        let arena = Arena::new(2);
        let exclusive = Slot {
            index: 0,
            shared: false,
        };
        let shared = Slot {
            index: slot_count() - 1,
            shared: true,
        };
        arena.add(exclusive, 0, 3);
        arena.add(shared, 0, 4);
        arena.add(exclusive, 1, u64::MAX);
        assert_eq!(arena.total(0), 7);
        assert_eq!(arena.total(1) as i64, -1);
        let floats = Arena::new(1);
        assert_eq!(
            floats.total_f64(0).to_string(),
            "0",
            "no region written yet"
        );
        floats.add_f64(shared, 0, 0.5);
        floats.add_f64(exclusive, 0, 0.25);
        assert_eq!(floats.total_f64(0), 0.75);
        // An out-of-range word is ignored, not a panic.
        arena.add(exclusive, 9, 1);
    }

    #[test]
    fn threads_get_their_own_slots_and_give_them_back() {
        let slot = current_slot();
        let other = std::thread::spawn(|| current_slot().index).join().unwrap();
        assert_ne!(slot.index, other);
        assert!(!slot.shared);
    }

    #[test]
    fn buckets_are_inclusive_upper_bounds() {
        let bounds = [1.0, 2.5];
        assert_eq!(bucket_of(&bounds, 0.5), 0);
        assert_eq!(bucket_of(&bounds, 1.0), 0);
        assert_eq!(bucket_of(&bounds, 2.0), 1);
        assert_eq!(bucket_of(&bounds, 3.0), 2);
        assert_eq!(Float(f64::INFINITY).to_string(), "+Inf");
        assert_eq!(Float(0.25).to_string(), "0.25");
        assert_eq!(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let pairs = label_pairs(r#"a="x\"y",b="",c="z""#);
        assert_eq!(
            pairs,
            [
                ("a".into(), "x\"y".into()),
                ("b".into(), String::new()),
                ("c".into(), "z".into())
            ]
        );
    }
}
