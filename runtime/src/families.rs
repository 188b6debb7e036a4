//! The families metricate exports and the series of each: every site joins
//! its family here when its table is built, and exports each label combination
//! with where its value is read from. The exposition reads them back.

use crate::arena::{Arena, HistogramCells};
use crate::catalog::{Conflict, MetricKind, SiteInfo};
use crate::exemplars::ExemplarCells;
use crate::native::NativeCells;
use crate::problems::{self, Problem};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What a computed family's callback reads at a scrape: each series' label
/// values (in the family's label order) and value; `Err` with a reason when the
/// read failed.
pub(crate) type Readings = Result<Vec<(Vec<&'static str>, f64)>, String>;

/// A computed family's callback. It runs at each scrape, outside any lock of
/// metricate's, so it may record metrics itself.
pub(crate) type Read = Arc<dyn Fn() -> Readings + Send + Sync>;

/// What a family is, as its declarations must agree on: kind, label names (in
/// any order) and buckets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape<'a> {
    pub(crate) kind: MetricKind,
    pub(crate) label_names: &'a [&'static str],
    pub(crate) bounds: &'a [f64],
}

impl Shape<'_> {
    /// How `other` disagrees with this shape, in words, or `None` when they
    /// agree and so may share the family. The one rule, for the catalogue and
    /// for the families built at run time alike.
    pub(crate) fn difference(&self, other: &Shape<'_>) -> Option<String> {
        let same_names = self.label_names.len() == other.label_names.len()
            && other
                .label_names
                .iter()
                .all(|name| self.label_names.contains(name));
        if self.kind != other.kind {
            Some(format!(
                "different kinds ({} and {})",
                self.kind, other.kind
            ))
        } else if !same_names {
            Some(format!(
                "different label names ({{{}}} and {{{}}})",
                self.label_names.join(", "),
                other.label_names.join(", ")
            ))
        } else if self.bounds != other.bounds {
            Some("different buckets".to_owned())
        } else {
            None
        }
    }
}

/// The name OpenMetrics gives the family: a counter's without `_total`, which
/// its samples add back. Two families with one such name would write two
/// `# TYPE` lines for it, which OpenMetrics parsers refuse.
pub(crate) fn openmetrics_name(name: &str, kind: MetricKind) -> &str {
    match kind {
        MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    }
}

/// The family among `families` (name and kind) that `name` of `kind` would
/// meet under one OpenMetrics name, such as a gauge `jobs` beside a counter
/// `jobs_total`, and the difference in words.
pub(crate) fn openmetrics_clash<'a>(
    name: &str,
    kind: MetricKind,
    mut families: impl Iterator<Item = (&'a str, MetricKind)>,
) -> Option<(&'a str, String)> {
    let own = openmetrics_name(name, kind);
    families.find_map(|(other, other_kind)| {
        (other != name && openmetrics_name(other, other_kind) == own).then(|| {
            (
                other,
                format!(
                    "one OpenMetrics family name, `{own}`: a {other_kind} `{other}` and a {kind} `{name}` (rename one)"
                ),
            )
        })
    })
}

/// What one site declares about one family.
pub(crate) struct Declaration<'a> {
    pub(crate) name: &'static str,
    pub(crate) shape: Shape<'a>,
    pub(crate) help: &'a str,
    pub(crate) site: SiteInfo,
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

/// A family as first declared, and every series of every site that joined it.
pub(crate) struct Family {
    pub(crate) kind: MetricKind,
    pub(crate) help: String,
    pub(crate) label_names: Vec<&'static str>,
    pub(crate) bounds: Vec<f64>,
    pub(crate) first_site: SiteInfo,
    /// In the order they were created: the order they are written in.
    pub(crate) series: Vec<Series>,
    /// Where each series' values are in `series`, so joining a series is one
    /// lookup, not a scan: building a table is linear in its series.
    index: HashMap<Arc<[&'static str]>, usize>,
    /// For a family whose series a callback reads at each scrape (computed
    /// gauges, process metrics): the callback.
    pub(crate) computed: Option<Read>,
}

impl Family {
    /// A family as `declaration` declares it, with no series yet.
    fn new(declaration: &Declaration<'_>, computed: Option<Read>) -> Family {
        Family {
            kind: declaration.shape.kind,
            help: declaration.help.to_owned(),
            label_names: declaration.shape.label_names.to_vec(),
            bounds: declaration.shape.bounds.to_vec(),
            first_site: declaration.site.clone(),
            series: Vec::new(),
            index: HashMap::new(),
            computed,
        }
    }
}

static FAMILIES: Mutex<BTreeMap<&'static str, Family>> = Mutex::new(BTreeMap::new());

/// The families, locked: the exposition holds this while it writes them.
pub(crate) fn families() -> MutexGuard<'static, BTreeMap<&'static str, Family>> {
    FAMILIES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A site's place in a family: where each family label sits among the site's.
pub(crate) struct Joined {
    name: &'static str,
    /// `order[i]` is the position, among the site's labels, of the family's i-th.
    order: Vec<usize>,
}

/// Joins the family `declaration` names, creating it on first use. A site that
/// disagrees with the family's first declaration gets `None` (its series
/// record, but are not exported) and the conflict, naming both sites, is
/// reported.
pub(crate) fn join(declaration: &Declaration<'_>) -> Option<Joined> {
    let mut families = families();
    if let Some(family) = families.get(declaration.name) {
        let shape = Shape {
            kind: family.kind,
            label_names: &family.label_names,
            bounds: &family.bounds,
        };
        if let Some(difference) = shape.difference(&declaration.shape) {
            problems::report(Problem::Conflict(Box::new(Conflict {
                name: declaration.name,
                difference,
                first: family.first_site.clone(),
                second: declaration.site.clone(),
            })));
            return None;
        }
        let order = family
            .label_names
            .iter()
            .map(|name| {
                declaration
                    .shape
                    .label_names
                    .iter()
                    .position(|candidate| candidate == name)
                    .unwrap_or(0)
            })
            .collect();
        return Some(Joined {
            name: declaration.name,
            order,
        });
    }
    if let Err(problem) = refuse_openmetrics_clash(&families, declaration) {
        problems::report(problem);
        return None;
    }
    families.insert(declaration.name, Family::new(declaration, None));
    Some(Joined {
        name: declaration.name,
        order: (0..declaration.shape.label_names.len()).collect(),
    })
}

impl Joined {
    /// Exports one series whose label values are `values`, in the site's order.
    pub(crate) fn export(&self, values: &[&'static str], source: Source) {
        let mut families = families();
        let Some(family) = families.get_mut(self.name) else {
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
            let families = families();
            families.get(self.name).and_then(|family| {
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

/// Declares a family whose series `read` computes at each scrape. A name
/// already declared is refused with the problem, naming the site that has it.
pub(crate) fn declare_computed(declaration: &Declaration<'_>, read: Read) -> Result<(), Problem> {
    insert_new(declaration, Some(read)).map(|_| ())
}

/// Creates a family that must not exist yet: what one registration declares
/// (`build_info`), which a second one would duplicate.
pub(crate) fn join_new(declaration: &Declaration<'_>) -> Result<Joined, Problem> {
    insert_new(declaration, None)
}

fn insert_new(declaration: &Declaration<'_>, computed: Option<Read>) -> Result<Joined, Problem> {
    let mut families = families();
    if let Some(family) = families.get(declaration.name) {
        let shape = Shape {
            kind: family.kind,
            label_names: &family.label_names,
            bounds: &family.bounds,
        };
        let difference = shape
            .difference(&declaration.shape)
            .unwrap_or_else(|| "two registrations".to_owned());
        return Err(Problem::Conflict(Box::new(Conflict {
            name: declaration.name,
            difference,
            first: family.first_site.clone(),
            second: declaration.site.clone(),
        })));
    }
    refuse_openmetrics_clash(&families, declaration)?;
    families.insert(declaration.name, Family::new(declaration, computed));
    Ok(Joined {
        name: declaration.name,
        order: (0..declaration.shape.label_names.len()).collect(),
    })
}

/// A new family whose OpenMetrics name another family has already: refused,
/// so every format stays valid; the first declaration is exported.
fn refuse_openmetrics_clash(
    families: &BTreeMap<&'static str, Family>,
    declaration: &Declaration<'_>,
) -> Result<(), Problem> {
    let existing = families.iter().map(|(name, family)| (*name, family.kind));
    match openmetrics_clash(declaration.name, declaration.shape.kind, existing) {
        Some((other, difference)) => Err(Problem::Conflict(Box::new(Conflict {
            name: declaration.name,
            difference,
            first: families
                .get(other)
                .map(|family| family.first_site.clone())
                .unwrap_or_else(|| declaration.site.clone()),
            second: declaration.site.clone(),
        }))),
        None => Ok(()),
    }
}

/// The callbacks of the computed families, to run outside the lock.
pub(crate) fn computed_reads() -> Vec<(&'static str, Read)> {
    families()
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
    let families = families();
    let mut taken = taken();
    for family in gathered {
        let name = family.name();
        if let Some((name, own)) = families.get_key_value(name) {
            if !taken.iter().any(|known| known == name) {
                taken.push((*name).to_owned());
                problems::report(Problem::NameTaken {
                    name,
                    site: own.first_site.clone(),
                });
            }
        }
    }
}

/// Whether the registry exports a family of this name instead of metricate.
pub(crate) fn is_taken(name: &str) -> bool {
    taken().iter().any(|known| known == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_agree_on_kind_label_names_in_any_order_and_buckets() {
        let shape = |kind, label_names, bounds| Shape {
            kind,
            label_names,
            bounds,
        };
        let first = shape(MetricKind::Counter, &["a", "b"], &[]);
        assert!(first
            .difference(&shape(MetricKind::Counter, &["b", "a"], &[]))
            .is_none());
        assert_eq!(
            first.difference(&shape(MetricKind::Gauge, &["a", "b"], &[])),
            Some("different kinds (counter and gauge)".to_owned())
        );
        assert_eq!(
            first.difference(&shape(MetricKind::Counter, &["a"], &[])),
            Some("different label names ({a, b} and {a})".to_owned())
        );
        assert_eq!(
            shape(MetricKind::Histogram, &[], &[1.0]).difference(&shape(
                MetricKind::Histogram,
                &[],
                &[2.0]
            )),
            Some("different buckets".to_owned())
        );
    }
}
