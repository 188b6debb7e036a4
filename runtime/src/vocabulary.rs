//! The vocabulary every layer speaks: what a metric family is (kind, labels,
//! buckets, where it is declared), what an instrumented fn promises, and the
//! problems a declaration can have. Plain data, no state; it imports nothing
//! of metricate's, and everything else imports it.

use std::fmt;

/// The kind of a metric family, as Prometheus types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// Only goes up; its name ends in `_total`.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations counted into buckets.
    Histogram,
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        })
    }
}

/// Where a family is declared: an annotated fn, or a `counter!`, `gauge!` or
/// `histogram!` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteInfo {
    /// The source file.
    pub file: &'static str,
    /// The line of the fn's name or the macro call.
    pub line: u32,
    /// The module the site is in.
    pub module_path: &'static str,
    /// The annotated fn, for `#[instrument_metric]` sites.
    pub function: Option<&'static str>,
}

impl SiteInfo {
    /// The file of a site known only at run time: a family created through the
    /// `metrics` facade (feature `metrics`), whose name and labels no macro
    /// checked. Such a site has line 0.
    pub const RUN_TIME_FILE: &'static str = "<metrics facade>";

    /// Whether the site was seen only at run time (a family created through the
    /// `metrics` facade), not declared by a macro or a registration in the source.
    pub fn is_run_time(&self) -> bool {
        self.file == Self::RUN_TIME_FILE && self.line == 0
    }
}

impl fmt::Display for SiteInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        match (self.function, self.module_path) {
            (Some(function), module) => write!(f, " (`{module}::{function}`)"),
            (None, "") => Ok(()),
            (None, module) => write!(f, " (`{module}`)"),
        }
    }
}

/// One label of a family and every value it can take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelInfo {
    /// The label's name.
    pub name: &'static str,
    /// Every value, or `None` when a site's values are not known at compile time
    /// (a label read through `Self` without its type written, an inferred
    /// `counter!` label, a generic error type): those are known from the site's
    /// first call, and [`Catalog::validate`](crate::Catalog::validate) reports them.
    pub values: Option<Vec<&'static str>>,
}

/// What an instrumented fn promises: `objective(latency = "2s", percentile =
/// 95, success = "99.5%")` in `#[instrument_metric]`. The generated rules turn
/// each into error-budget burn-rate alerts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// The share of calls faster than a threshold.
    pub latency: Option<LatencyObjective>,
    /// The share of calls that succeed, as a ratio (`0.995` for `"99.5%"`).
    pub success: Option<f64>,
}

/// A latency objective: `percentile` (a ratio, `0.95`) of calls take at most
/// `threshold_seconds`, one of the histogram's bucket bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencyObjective {
    /// The threshold, in seconds.
    pub threshold_seconds: f64,
    /// The share of calls under it, as a ratio.
    pub percentile: f64,
}

/// One `#[instrument_metric]` fn and the metrics it declares, as the
/// generators of rules and dashboards read it.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionInfo {
    /// Where it is, with its name.
    pub site: SiteInfo,
    /// Its HELP text (the doc comment's first paragraph).
    pub help: &'static str,
    /// `histogram = ".."`.
    pub histogram: Option<&'static str>,
    /// `errors = ".."`.
    pub errors: Option<&'static str>,
    /// `calls = ".."`.
    pub calls: Option<&'static str>,
    /// `in_flight = ".."`.
    pub in_flight: Option<&'static str>,
    /// `outcome = ".."`: the label splitting `calls` by how each call ended.
    pub outcome: Option<&'static str>,
    /// Its labels, `const_labels` with their one value, in order.
    pub labels: Vec<LabelInfo>,
    /// The `error_type` values of `errors` that are the caller's fault
    /// ([`LabelValue::CLIENT_ERRORS`](crate::LabelValue::CLIENT_ERRORS)):
    /// the generated error-ratio alerts and success objectives leave them out.
    pub client_errors: Vec<&'static str>,
    /// `objective(..)`.
    pub objective: Option<Objective>,
    /// `native(schema = ..)`: the histogram is also a native histogram.
    pub native_schema: Option<i8>,
}

/// A metric family and everything its declarations say about it.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilyInfo {
    /// The metric name.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// The HELP text (of the first site).
    pub help: String,
    /// The labels, with every value each can take across all sites.
    pub labels: Vec<LabelInfo>,
    /// The bucket bounds, for histograms.
    pub buckets: Option<Vec<f64>>,
    /// Every site that declares the family.
    pub sites: Vec<SiteInfo>,
    /// Whether the family is known only at run time: every site of it is a
    /// call through the `metrics` facade ([`SiteInfo::is_run_time`]), so its
    /// name and labels were checked when first used, not at compile time, and
    /// it is absent until then.
    pub known_at_run_time: bool,
}

impl FamilyInfo {
    /// How many series the family has (histograms: label combinations), when
    /// every label's values are known.
    pub fn series(&self) -> Option<usize> {
        self.labels.iter().try_fold(1usize, |product, label| {
            Some(product.saturating_mul(label.values.as_ref()?.len()))
        })
    }
}

/// Two declarations of one name that disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The metric name.
    pub name: &'static str,
    /// What differs: the kinds, the label names or the buckets.
    pub difference: String,
    /// The site that declared the name first.
    pub first: SiteInfo,
    /// The site that disagrees with it.
    pub second: SiteInfo,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "metric `{}` is declared with {}: at {} and at {}",
            self.name, self.difference, self.first, self.second
        )
    }
}

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

/// A problem with a declared metric. Each names the source location(s)
/// involved and says how to fix it.
///
/// ```
/// for problem in metricate::problems() {
///     eprintln!("metric problem: {problem}");
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    /// Two declarations of one name disagree on kind, label names or buckets;
    /// the first in source order is exported, the other records into series
    /// nobody scrapes.
    Conflict(Box<Conflict>),
    /// A family whose series exist only from a site's first call, because a
    /// label's (or the error's) values are not known at compile time: until
    /// then a dashboard panel or an alert on it sees nothing.
    KnownAtFirstUse(Box<KnownAtFirstUse>),
    /// The name is taken in [`registry()`](crate::registry) by a collector
    /// registered by hand or by another library, which is exported instead.
    NameTaken {
        /// The metric name.
        name: &'static str,
        /// The site that declared it in metricate.
        site: SiteInfo,
    },
    /// A hand-written [`LabelValue`](crate::LabelValue) whose `index()` gave an
    /// ordinal outside its `VALUES`: the calls that met it were not recorded.
    LabelOutOfRange {
        /// The label's type, as `std::any::type_name` writes it.
        label_type: &'static str,
        /// The ordinal `index()` returned.
        index: usize,
        /// How many values the type declares.
        values: usize,
    },
    /// A `counter!`, `gauge!` or `histogram!` site whose inferred label types
    /// have more combinations than its budget: it records nothing.
    OverBudget {
        /// The metric name.
        name: &'static str,
        /// The site.
        site: SiteInfo,
        /// The site's budget of series.
        budget: usize,
    },
    /// A metric or label name given through the `metrics` facade that breaks
    /// the naming rules the macros enforce at compile time: it is exported
    /// under a fixed name, or dropped when none can be made.
    FacadeName(Box<FacadeName>),
    /// A family of the `metrics` facade reached its cap of series: every new
    /// label combination is recorded into its one `overflow` series (each
    /// label's value `overflow`) instead.
    FacadeOverflow {
        /// The exported metric name.
        name: &'static str,
        /// The cap of series per family.
        max_series: usize,
    },
    /// The `metrics` facade met a new metric name past its cap of families
    /// ([`Facade::max_families`](crate::facade::Facade::max_families)): that
    /// name, and every later new one, is not recorded. Reported once.
    FacadeFamilyOverflow {
        /// The first name not recorded, as given.
        name: String,
        /// The cap of families.
        max_families: usize,
    },
}

/// A name given through the `metrics` facade that breaks the naming rules.
/// See [`Problem::FacadeName`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacadeName {
    /// The metric name as given.
    pub metric: String,
    /// The label name as given, when the problem is a label's.
    pub label: Option<String>,
    /// The rule it breaks.
    pub reason: String,
    /// The name exported instead (the metric's, or the label's), or `None`
    /// when the metric (or the series) is dropped.
    pub exported: Option<String>,
}

/// A family known only from a site's first call. See [`Problem::KnownAtFirstUse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownAtFirstUse {
    /// The metric name.
    pub family: &'static str,
    /// The site whose values are not known at compile time.
    pub site: SiteInfo,
    /// What is not known: the labels, or `error_type`.
    pub unknown: Vec<&'static str>,
    /// What to write instead, e.g. ``labels(tier: Type = self.tier)``.
    pub fix: String,
    /// The site's other families, whose values are all known but whose series
    /// are created with this family's, at the same first call.
    pub also: Vec<&'static str>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Conflict(conflict) => conflict.fmt(f),
            Problem::KnownAtFirstUse(first_use) => {
                let listed = |names: &[&str]| {
                    names
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let label = match first_use.unknown.len() {
                    1 => "label",
                    _ => "labels",
                };
                write!(
                    f,
                    "the series of `{}` declared at {} exist only from its first call, because the values of the {label} {} are not known at compile time",
                    first_use.family,
                    first_use.site,
                    listed(&first_use.unknown),
                )?;
                if !first_use.also.is_empty() {
                    write!(
                        f,
                        "; the same fn's {} wait for that call too",
                        listed(&first_use.also)
                    )?;
                }
                write!(f, ". To create them at start, write {}.", first_use.fix)
            }
            Problem::NameTaken { name, site } => write!(
                f,
                "metric `{name}` declared at {site} could not be registered: the name is taken in `metricate::registry()` by a metric registered by hand or by another library, which is exported instead"
            ),
            Problem::LabelOutOfRange {
                label_type,
                index,
                values,
            } => write!(
                f,
                "`{label_type}::index()` returned {index}, but the type has {values} value(s) in `VALUES`: calls with that value were not recorded; make `index()` return a position in `VALUES`"
            ),
            Problem::OverBudget { name, site, budget } => write!(
                f,
                "`{name}` at {site} has more label combinations than its budget of {budget} series: it records nothing"
            ),
            Problem::FacadeName(facade) => {
                let given = match &facade.label {
                    Some(label) => format!("label `{label}` of metric `{}`", facade.metric),
                    None => format!("metric `{}`", facade.metric),
                };
                write!(f, "{given}, recorded through the `metrics` facade: {}; ", facade.reason)?;
                match &facade.exported {
                    Some(exported) => write!(f, "exported as `{exported}`"),
                    None => write!(f, "not exported"),
                }
            }
            Problem::FacadeFamilyOverflow { name, max_families } => write!(
                f,
                "the `metrics` facade reached its cap of {max_families} families at `{name}`: it and every later new name are not recorded; a name made from data belongs in a label, or raise the cap with `metricate::facade::Facade::max_families`"
            ),
            Problem::FacadeOverflow { name, max_series } => write!(
                f,
                "`{name}`, recorded through the `metrics` facade, reached its cap of {max_series} series: new label combinations are recorded into its `overflow` series; drop the unbounded label, or raise the cap with `metricate::facade::Facade::max_series`"
            ),
        }
    }
}

impl std::error::Error for Problem {}

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
