//! The store: the one record of every family metricate exports. Every
//! declaration goes through [`Store::declare`], which keeps what the family is
//! (kind, help, labels and their values, buckets, sites) and any conflict;
//! sites then export each label combination with where its value is read
//! from. The catalogue is a view of it, and the exposition writes it.

use crate::arena::{Arena, HistogramCells};
use crate::exemplars::ExemplarCells;
use crate::native::NativeCells;
use crate::problems;
use crate::vocabulary::Problem;
use crate::vocabulary::{
    openmetrics_clash, Conflict, FamilyInfo, LabelInfo, MetricKind, Shape, SiteInfo,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What a computed family's callback reads at a scrape: each series' label
/// values (in the family's label order) and value; `Err` with a reason when the
/// read failed.
pub(crate) type Readings = Result<Vec<(Vec<&'static str>, f64)>, String>;

/// A computed family's callback. It runs at each scrape, outside any lock of
/// metricate's, so it may record metrics itself.
pub(crate) type Callback = Arc<dyn Fn() -> Readings + Send + Sync>;

/// What one site declares about one family: everything the catalogue shows
/// of it.
#[derive(Clone, Debug)]
pub(crate) struct Declaration {
    pub(crate) name: &'static str,
    pub(crate) kind: MetricKind,
    pub(crate) help: String,
    /// Its labels in the site's order, each with its values when known.
    pub(crate) labels: Vec<LabelInfo>,
    /// The bucket bounds, for histograms.
    pub(crate) bounds: &'static [f64],
    pub(crate) site: SiteInfo,
}

impl Declaration {
    fn label_names(&self) -> Vec<&'static str> {
        self.labels.iter().map(|label| label.name).collect()
    }
}

/// Where a series' value is read from.
#[derive(Clone, Copy)]
pub(crate) enum Source {
    /// An integer counter, with its exemplar when it has one.
    Count {
        arena: &'static Arena,
        word: usize,
        exemplar: Option<ExemplarCells>,
    },
    /// An integer gauge moved by increments and decrements.
    Level { arena: &'static Arena, word: usize },
    /// A float counter.
    FloatCount { arena: &'static Arena, word: usize },
    /// A float gauge that is set: one cell, not one per slot.
    Cell { cell: &'static AtomicU64 },
    /// A histogram of durations, its sum in clock ticks; with an exemplar per
    /// bucket when it has them.
    Ticks {
        arena: &'static Arena,
        cells: HistogramCells,
        ticks_per_second: f64,
        exemplars: Option<ExemplarCells>,
        /// Its native buckets, when it is also a native histogram.
        native: Option<NativeCells>,
    },
    /// A histogram of values, its sum a float.
    Values {
        arena: &'static Arena,
        cells: HistogramCells,
    },
}

/// A series' value at one scrape.
pub(crate) enum Value {
    Number(f64),
    /// Per-bucket counts (not cumulative), `+Inf` last, and the sum.
    Histogram {
        buckets: Vec<u64>,
        sum: f64,
    },
}

impl Source {
    pub(crate) fn value(self) -> Value {
        match self {
            Source::Count { arena, word, .. } => Value::Number(arena.total(word) as f64),
            Source::Level { arena, word } => Value::Number(arena.total(word) as i64 as f64),
            Source::FloatCount { arena, word } => Value::Number(arena.total_f64(word)),
            Source::Cell { cell } => Value::Number(f64::from_bits(cell.load(Relaxed))),
            Source::Ticks {
                arena,
                cells,
                ticks_per_second,
                ..
            } => Value::Histogram {
                buckets: cells.counts(arena).collect(),
                sum: arena.total(cells.sum()) as f64 / ticks_per_second,
            },
            Source::Values { arena, cells } => Value::Histogram {
                buckets: cells.counts(arena).collect(),
                sum: arena.total_f64(cells.sum()),
            },
        }
    }
}

/// One series of a family: its label values, and its cells.
pub(crate) struct Series {
    /// The label values, in the family's label order, as written (each format
    /// escapes them as it writes).
    pub(crate) values: Arc<[&'static str]>,
    /// When the series began, in seconds since the epoch (OpenMetrics' `_created`).
    pub(crate) created: f64,
    pub(crate) source: Source,
    /// The cells of other sites, or other instantiations of a generic fn, with
    /// the same labels: the series is their sum.
    pub(crate) more: Vec<Source>,
}

impl Series {
    /// The series' value, summed over every source that shares it.
    pub(crate) fn value(&self) -> Value {
        let mut total = self.source.value();
        for source in &self.more {
            total = match (total, source.value()) {
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

/// One family: what its declarations say (the catalogue's view of it), and
/// every series of every site that joined it.
pub(crate) struct Family {
    pub(crate) kind: MetricKind,
    /// The HELP text of its first declaration.
    pub(crate) help: String,
    /// Its labels in the first declaration's order, with every value known
    /// across its sites; `None` where a site knows its values only at its
    /// first call.
    pub(crate) labels: Vec<LabelInfo>,
    /// The same label names, as the writers take them.
    pub(crate) label_names: Vec<&'static str>,
    pub(crate) bounds: Vec<f64>,
    /// Every site that declared it, the first (in source order) first.
    pub(crate) sites: Vec<SiteInfo>,
    /// In the order they were created: the order they are written in.
    pub(crate) series: Vec<Series>,
    /// Where each series' values are in `series`, so joining a series is one
    /// lookup, not a scan: building a table is linear in its series.
    index: HashMap<Arc<[&'static str]>, usize>,
    /// For a family whose series a callback reads at each scrape (computed
    /// gauges, process metrics): the callback.
    pub(crate) computed: Option<Callback>,
}

impl Family {
    /// A family as `declaration` declares it, with no series yet.
    fn new(declaration: &Declaration) -> Family {
        Family {
            kind: declaration.kind,
            help: declaration.help.clone(),
            labels: declaration.labels.clone(),
            label_names: declaration.label_names(),
            bounds: declaration.bounds.to_vec(),
            sites: vec![declaration.site.clone()],
            series: Vec::new(),
            index: HashMap::new(),
            computed: None,
        }
    }

    pub(crate) fn first_site(&self) -> &SiteInfo {
        &self.sites[0]
    }

    fn shape(&self) -> Shape<'_> {
        Shape {
            kind: self.kind,
            label_names: &self.label_names,
            bounds: &self.bounds,
        }
    }

    /// Takes in one more agreeing declaration: its site, and its label values.
    /// A site that declared the family alone and knew its values only at run
    /// time (a computed gauge, before its callback is registered) gives them
    /// now.
    fn merge(&mut self, declaration: &Declaration) {
        let alone = self.sites.len() == 1 && self.sites[0] == declaration.site;
        for label in &declaration.labels {
            let Some(known) = self
                .labels
                .iter_mut()
                .find(|known| known.name == label.name)
            else {
                continue;
            };
            known.values = match (known.values.take(), &label.values) {
                (Some(mut values), Some(more)) => {
                    for value in more {
                        if !values.contains(value) {
                            values.push(value);
                        }
                    }
                    Some(values)
                }
                (None, Some(values)) if alone => Some(values.clone()),
                _ => None,
            };
        }
        if !self.sites.contains(&declaration.site) {
            self.sites.push(declaration.site.clone());
        }
    }

    /// The catalogue's view of it.
    fn info(&self, name: &'static str) -> FamilyInfo {
        FamilyInfo {
            name,
            kind: self.kind,
            help: self.help.clone(),
            labels: self.labels.clone(),
            buckets: (self.kind == MetricKind::Histogram).then(|| self.bounds.clone()),
            sites: self.sites.clone(),
            known_at_run_time: self.sites.iter().all(SiteInfo::is_run_time),
        }
    }
}

/// Every family, and every conflict among their declarations: the one record
/// of what metricate exports.
#[derive(Default)]
pub(crate) struct Store {
    pub(crate) families: BTreeMap<&'static str, Family>,
    conflicts: Vec<Conflict>,
}

static STORE: Mutex<Store> = Mutex::new(Store {
    families: BTreeMap::new(),
    conflicts: Vec::new(),
});

/// The store, locked: the exposition holds it while it writes the families.
pub(crate) fn store() -> MutexGuard<'static, Store> {
    STORE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A site's place in a family: where each family label sits among the site's.
pub(crate) struct Joined {
    name: &'static str,
    /// `order[i]` is the position, among the site's labels, of the family's i-th.
    order: Vec<usize>,
}

/// Whether `a` comes before `b` in the source: by file path, then line. A site
/// known only at run time (the `metrics` facade) comes after every site in the
/// source, so a family a macro declares keeps its shape whenever it is declared.
fn earlier(a: &SiteInfo, b: &SiteInfo) -> bool {
    match (a.is_run_time(), b.is_run_time()) {
        (false, true) => true,
        (true, _) => false,
        (false, false) => (a.file, a.line) < (b.file, b.line),
    }
}

impl Store {
    /// Declares one site's family: creates it, or joins it when the shapes
    /// agree. Of two declarations that disagree (kind, label names, buckets,
    /// or one OpenMetrics name for two families) the first in source order is
    /// exported, whichever declared first; the other gets `None` (its series
    /// record, but are not exported) and the conflict, naming both sites, is
    /// kept and reported once.
    pub(crate) fn declare(&mut self, declaration: &Declaration) -> Option<Joined> {
        let name = declaration.name;
        let new_shape = Shape {
            kind: declaration.kind,
            label_names: &declaration.label_names(),
            bounds: declaration.bounds,
        };
        let rival = match self.families.get(name) {
            Some(family) => family
                .shape()
                .difference(&new_shape)
                .map(|difference| (name, difference)),
            None => openmetrics_clash(
                name,
                declaration.kind,
                self.families
                    .iter()
                    .map(|(name, family)| (*name, family.kind)),
            ),
        };
        match rival {
            None => {}
            Some((other, difference)) => {
                let (other_first, other_sites, displaced) = match self.families.get(other) {
                    // The difference as the earlier declaration would state it.
                    Some(family) => (
                        family.first_site().clone(),
                        family.sites.clone(),
                        if other == name {
                            new_shape.difference(&family.shape())
                        } else {
                            openmetrics_clash(
                                other,
                                family.kind,
                                std::iter::once((name, declaration.kind)),
                            )
                            .map(|(_, difference)| difference)
                        }
                        .unwrap_or_else(|| difference.clone()),
                    ),
                    None => return None,
                };
                if !earlier(&declaration.site, &other_first) {
                    self.conflict(Conflict {
                        name,
                        difference,
                        first: other_first,
                        second: declaration.site.clone(),
                    });
                    return None;
                }
                // This one is first in the source: it takes the name, and every
                // site of the family it displaces is in conflict with it.
                self.families.remove(other);
                for second in other_sites {
                    self.conflict(Conflict {
                        name: other,
                        difference: displaced.clone(),
                        first: declaration.site.clone(),
                        second,
                    });
                }
            }
        }
        let family = self
            .families
            .entry(name)
            .or_insert_with(|| Family::new(declaration));
        family.merge(declaration);
        let order = family
            .label_names
            .iter()
            .map(|label| {
                declaration
                    .labels
                    .iter()
                    .position(|candidate| candidate.name == *label)
                    .unwrap_or(0)
            })
            .collect();
        Some(Joined { name, order })
    }

    fn conflict(&mut self, conflict: Conflict) {
        let known = self.conflicts.iter().any(|known| {
            (known.name, &known.first, &known.second)
                == (conflict.name, &conflict.first, &conflict.second)
        });
        if !known {
            problems::report(Problem::Conflict(Box::new(conflict.clone())));
            self.conflicts.push(conflict);
        }
    }

    /// Every family as the catalogue shows it, sorted by name.
    pub(crate) fn infos(&self) -> Vec<FamilyInfo> {
        self.families
            .iter()
            .map(|(name, family)| family.info(name))
            .collect()
    }

    /// Every conflict found so far.
    pub(crate) fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }
}

/// What a family is, when it exists: its kind, label names and bounds, and its
/// labels with their known values.
#[cfg(feature = "metrics")]
pub(crate) fn shape_of(name: &str) -> Option<(MetricKind, Vec<LabelInfo>, Vec<f64>)> {
    let store = store();
    let family = store.families.get(name)?;
    Some((family.kind, family.labels.clone(), family.bounds.clone()))
}

/// Gives a family the HELP text described for it at run time (the `metrics`
/// facade's `describe_*`), when no site in the source declared it.
#[cfg(feature = "metrics")]
pub(crate) fn describe(name: &str, help: &str) {
    let mut store = store();
    if let Some(family) = store.families.get_mut(name) {
        if family.sites.iter().all(SiteInfo::is_run_time) {
            help.clone_into(&mut family.help);
        }
    }
}

/// Declares one site's family; see [`Store::declare`].
pub(crate) fn declare(declaration: &Declaration) -> Option<Joined> {
    store().declare(declaration)
}

impl Joined {
    /// The family's name.
    #[cfg(feature = "metrics")]
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Exports one series whose label values are `values`, in the site's order.
    pub(crate) fn export(&self, values: &[&'static str], source: Source) {
        let mut store = store();
        let Some(family) = store.families.get_mut(self.name) else {
            return;
        };
        let values = self.in_family_order(values);
        match family.index.get(&*values) {
            Some(&at) => family.series[at].more.push(source),
            None => {
                let values: Arc<[&'static str]> = values.into();
                family
                    .index
                    .insert(Arc::clone(&values), family.series.len());
                family.series.push(Series {
                    values,
                    created: now_seconds(),
                    source,
                    more: Vec::new(),
                });
            }
        }
    }

    /// The cell of the gauge with these label values: a gauge is set, so sites
    /// sharing a series must share its one cell.
    pub(crate) fn gauge_cell(&self, values: &[&'static str]) -> &'static AtomicU64 {
        let existing = {
            let store = store();
            store.families.get(self.name).and_then(|family| {
                let at = *family.index.get(&*self.in_family_order(values))?;
                match family.series[at].source {
                    Source::Cell { cell } => Some(cell),
                    _ => None,
                }
            })
        };
        existing.unwrap_or_else(|| {
            let cell: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
            self.export(values, Source::Cell { cell });
            cell
        })
    }

    /// `values` (in the site's order) in the family's label order.
    fn in_family_order(&self, values: &[&'static str]) -> Vec<&'static str> {
        self.order
            .iter()
            .map(|&position| values.get(position).copied().unwrap_or(""))
            .collect()
    }
}

/// The time since the epoch, in seconds.
fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// Declares a family whose series `read` computes at each scrape, and gives
/// it the callback. A family that has one already is a second registration:
/// refused with the problem, naming the site that has it.
pub(crate) fn declare_computed(declaration: &Declaration, read: Callback) -> Result<(), Problem> {
    let mut store = store();
    registered_once(&store, declaration, |family| family.computed.is_some())?;
    store.declare(declaration);
    match store.families.get_mut(declaration.name) {
        Some(family) if family.first_site() == &declaration.site => {
            family.computed = Some(read);
            Ok(())
        }
        Some(family) => Err(two_registrations(family, declaration)),
        None => Err(Problem::Conflict(Box::new(
            store
                .conflicts
                .iter()
                .rev()
                .find(|conflict| conflict.second == declaration.site)
                .cloned()
                .unwrap_or_else(|| Conflict {
                    name: declaration.name,
                    difference: "two registrations".to_owned(),
                    first: declaration.site.clone(),
                    second: declaration.site.clone(),
                }),
        ))),
    }
}

/// Joins a family that one registration fills (`build_info`): a second
/// registration, once the first exported its series, is refused.
pub(crate) fn join_once(declaration: &Declaration) -> Result<Joined, Problem> {
    let mut store = store();
    registered_once(&store, declaration, |family| !family.series.is_empty())?;
    store
        .declare(declaration)
        .ok_or_else(|| match store.families.get(declaration.name) {
            Some(family) => two_registrations(family, declaration),
            None => Problem::Conflict(Box::new(Conflict {
                name: declaration.name,
                difference: "two registrations".to_owned(),
                first: declaration.site.clone(),
                second: declaration.site.clone(),
            })),
        })
}

/// `Err` when the family is registered already (`done` says how to tell).
fn registered_once(
    store: &Store,
    declaration: &Declaration,
    done: impl Fn(&Family) -> bool,
) -> Result<(), Problem> {
    match store.families.get(declaration.name) {
        Some(family) if done(family) => Err(two_registrations(family, declaration)),
        _ => Ok(()),
    }
}

fn two_registrations(family: &Family, declaration: &Declaration) -> Problem {
    let new_shape = Shape {
        kind: declaration.kind,
        label_names: &declaration.label_names(),
        bounds: declaration.bounds,
    };
    Problem::Conflict(Box::new(Conflict {
        name: declaration.name,
        difference: family
            .shape()
            .difference(&new_shape)
            .unwrap_or_else(|| "two registrations".to_owned()),
        first: family.first_site().clone(),
        second: declaration.site.clone(),
    }))
}

/// The callbacks of the computed families, to run outside the lock.
pub(crate) fn computed_reads() -> Vec<(&'static str, Callback)> {
    store()
        .families
        .iter()
        .filter_map(|(name, family)| Some((*name, Arc::clone(family.computed.as_ref()?))))
        .collect()
}

/// Names of metricate families also found in the registry (feature
/// `prometheus`): the registry's are
/// exported, metricate's are not (two families of one name break a scrape).
static TAKEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn taken() -> MutexGuard<'static, Vec<String>> {
    TAKEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Notes the metricate families whose names the registry's `gathered` families
/// already use, reporting each once.
#[cfg(feature = "prometheus")]
pub(crate) fn note_names_taken(gathered: &[prometheus::proto::MetricFamily]) {
    let store = store();
    let families = &store.families;
    let mut taken = taken();
    for family in gathered {
        let name = family.name();
        if let Some((name, own)) = families.get_key_value(name) {
            if !taken.iter().any(|known| known == name) {
                taken.push((*name).to_owned());
                problems::report(Problem::NameTaken {
                    name,
                    site: own.first_site().clone(),
                });
            }
        }
    }
}

impl Store {
    /// The series the exposition writes in text format for the families
    /// not computed at scrape time: one per counter or gauge series, and per
    /// histogram series one per bucket (`+Inf` included), `_sum` and `_count`.
    pub(crate) fn written_series(&self) -> usize {
        self.exposed().values().sum()
    }

    /// Per family not computed at scrape time nor taken by the registry, the
    /// series the text format writes for it (see [`Store::written_series`]).
    pub(crate) fn exposed(&self) -> BTreeMap<&'static str, usize> {
        self.families
            .iter()
            .filter(|(name, family)| family.computed.is_none() && !is_taken(name))
            .map(|(name, family)| {
                let series = match family.kind {
                    MetricKind::Histogram => family.series.len() * (family.bounds.len() + 3),
                    _ => family.series.len(),
                };
                (*name, series)
            })
            .collect()
    }
}

/// Whether the registry exports a family of this name instead of metricate.
pub(crate) fn is_taken(name: &str) -> bool {
    taken().iter().any(|known| known == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(line: u32) -> SiteInfo {
        SiteInfo {
            file: "src/lib.rs",
            line,
            module_path: "app",
            function: None,
        }
    }

    fn declaration(kind: MetricKind, line: u32) -> Declaration {
        Declaration {
            name: "jobs_total",
            kind,
            help: "Jobs.".to_owned(),
            labels: Vec::new(),
            bounds: &[],
            site: site(line),
        }
    }

    #[test]
    fn the_first_declaration_in_source_order_wins_whichever_declared_first() {
        let mut store = Store::default();
        assert!(store.declare(&declaration(MetricKind::Gauge, 20)).is_some());
        // Earlier in the source: it takes the name from the later one.
        assert!(store
            .declare(&declaration(MetricKind::Counter, 10))
            .is_some());
        assert!(store.declare(&declaration(MetricKind::Gauge, 20)).is_none());
        assert_eq!(store.families["jobs_total"].kind, MetricKind::Counter);
        let [conflict] = store.conflicts() else {
            panic!("one conflict: {:?}", store.conflicts())
        };
        assert_eq!((conflict.first.line, conflict.second.line), (10, 20));
        // Agreeing sites join, each listed once.
        assert!(store
            .declare(&declaration(MetricKind::Counter, 30))
            .is_some());
        assert!(store
            .declare(&declaration(MetricKind::Counter, 30))
            .is_some());
        assert_eq!(store.families["jobs_total"].sites.len(), 2);
    }
}
