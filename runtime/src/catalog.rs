//! The metric catalogue: every family any metricate macro declares anywhere in
//! the binary, known at start because the linker collects the declarations.

use crate::families::{openmetrics_clash, Shape};
use crate::problems::{KnownAtFirstUse, Problem};
use crate::site::{Role, Site, ERROR_TYPE};
use crate::value_site::ValueSite;
use std::fmt;

/// Every `#[instrument_metric]` site in every crate linked into the binary,
/// collected by the linker: each site is itself an element of this slice.
#[doc(hidden)]
#[linkme::distributed_slice]
#[linkme(crate = linkme)]
pub static FUNCTION_SITES: [Site];

/// Every `counter!`, `gauge!` and `histogram!` site, likewise.
#[doc(hidden)]
#[linkme::distributed_slice]
#[linkme(crate = linkme)]
pub static VALUE_SITES: [ValueSite];

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
    /// first call, and [`Catalog::validate`] reports them.
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

/// The error [`Catalog::validate`] returns: every problem the declarations
/// have, conflicts first.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogError {
    /// The problems: [`Problem::Conflict`] and [`Problem::KnownAtFirstUse`], in
    /// declaration order.
    pub problems: Vec<Problem>,
}

impl CatalogError {
    /// The conflicts among the problems.
    pub fn conflicts(&self) -> impl Iterator<Item = &Conflict> {
        self.problems.iter().filter_map(|problem| match problem {
            Problem::Conflict(conflict) => Some(&**conflict),
            _ => None,
        })
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} problem(s) with metric declarations",
            self.problems.len()
        )?;
        for problem in &self.problems {
            write!(f, "\n- {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

/// Every metric family declared in the binary. See [`catalog`].
#[derive(Clone, Debug)]
pub struct Catalog {
    families: Vec<FamilyInfo>,
    functions: Vec<FunctionInfo>,
    conflicts: Vec<Conflict>,
    first_use: Vec<KnownAtFirstUse>,
}

impl Catalog {
    /// The families, sorted by name.
    pub fn families(&self) -> &[FamilyInfo] {
        &self.families
    }

    /// The family named `name`.
    pub fn family(&self, name: &str) -> Option<&FamilyInfo> {
        self.families.iter().find(|family| family.name == name)
    }

    /// The `#[instrument_metric]` fns, in source order.
    ///
    /// ```
    /// use metricate::instrument_metric;
    ///
    /// /// Parses an uploaded CV.
    /// #[instrument_metric(
    ///     histogram = "doc_fn_parse_duration_seconds",
    ///     errors = "doc_fn_parse_errors_total",
    ///     calls = "doc_fn_parse_calls_total",
    ///     objective(latency = "250ms", percentile = 95, success = "99.5%"),
    /// )]
    /// fn parse(body: &str) -> Result<usize, std::io::Error> { Ok(body.len()) }
    ///
    /// let catalog = metricate::catalog();
    /// let parse = catalog.functions().iter().find(|f| f.site.function == Some("parse")).unwrap();
    /// let objective = parse.objective.unwrap();
    /// assert_eq!(objective.success, Some(0.995));
    /// assert_eq!(objective.latency.unwrap().threshold_seconds, 0.25);
    /// assert_eq!(objective.latency.unwrap().percentile, 0.95);
    /// ```
    pub fn functions(&self) -> &[FunctionInfo] {
        &self.functions
    }

    /// `Err` naming both sites of every name declared twice with different kinds,
    /// label names or buckets, and every family whose series exist only from a
    /// site's first call (with the typed form to write instead). Call it from a
    /// unit test so such a mistake fails `cargo test` instead of leaving a
    /// dashboard empty in production:
    ///
    /// ```
    /// // In a test: `#[test] fn metric_declarations_agree() { ... }`
    /// metricate::catalog().validate().unwrap();
    /// ```
    pub fn validate(&self) -> Result<(), CatalogError> {
        let problems: Vec<Problem> = self
            .conflicts
            .iter()
            .cloned()
            .map(|conflict| Problem::Conflict(Box::new(conflict)))
            .chain(
                self.first_use
                    .iter()
                    .map(|first_use| Problem::KnownAtFirstUse(Box::new(first_use.clone()))),
            )
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(CatalogError { problems })
        }
    }

    /// The families whose series exist only from a site's first call.
    pub(crate) fn known_at_first_use(&self) -> &[KnownAtFirstUse] {
        &self.first_use
    }
}

/// Every metric family that `#[instrument_metric]`, `counter!`, `gauge!` and
/// `histogram!` declare anywhere in the binary, including sites never executed:
/// name, kind, help, labels with their complete value sets, buckets and every
/// declaring site; and those declared as the program runs, from where they are
/// registered: computed gauges, `build_info`, the HTTP layer's (when built) and
/// the process metrics (from [`init`](crate::init)).
///
/// ```
/// use metricate::{instrument_metric, MetricKind};
///
/// /// Scans the job boards.
/// #[instrument_metric(histogram = "doc_catalog_scan_duration_seconds")]
/// fn scan() {}
///
/// let catalog = metricate::catalog();
/// let family = catalog.family("doc_catalog_scan_duration_seconds").unwrap();
/// assert_eq!(family.kind, MetricKind::Histogram);
/// assert_eq!(family.help, "Scans the job boards.");
/// assert_eq!(family.sites[0].function, Some("scan"));
/// ```
pub fn catalog() -> Catalog {
    let mut builder = Builder::default();
    for declared in in_source_order() {
        match declared {
            Declared::Function(site) => builder.add_function(site),
            Declared::Value(site) => builder.add_value(site),
        }
    }
    for family in declared_at_run_time() {
        for site in &family.sites {
            builder.add(
                family.name,
                family.kind,
                family.help.clone(),
                family.labels.clone(),
                family.buckets.clone(),
                site.clone(),
            );
        }
    }
    builder.families.sort_by(|a, b| a.name.cmp(b.name));
    Catalog {
        families: builder.families,
        functions: builder.functions,
        conflicts: builder.conflicts,
        first_use: builder.first_use,
    }
}

#[derive(Default)]
struct Builder {
    families: Vec<FamilyInfo>,
    functions: Vec<FunctionInfo>,
    conflicts: Vec<Conflict>,
    first_use: Vec<KnownAtFirstUse>,
}

impl Builder {
    fn add_function(&mut self, site: &Site) {
        let desc = &site.desc;
        let info = desc.site_info();
        let mut labels = label_infos(desc.label_names, site.label_values);
        labels.extend(desc.const_labels.iter().map(|(name, value)| LabelInfo {
            name,
            values: Some(vec![*value]),
        }));
        self.functions.push(FunctionInfo {
            site: info.clone(),
            help: desc.help,
            histogram: desc.histogram,
            errors: desc.errors,
            calls: desc.calls,
            in_flight: desc.in_flight,
            outcome: desc.outcome,
            labels: labels.clone(),
            client_errors: site.client_errors.to_vec(),
            objective: desc.objective,
            native_schema: desc.native_schema,
        });
        for (name, kind, role, _) in desc.metrics() {
            let mut labels = labels.clone();
            match role {
                Role::Errors => labels.push(LabelInfo {
                    name: ERROR_TYPE,
                    values: site.error_values.map(|values| desc.error_types(values)),
                }),
                Role::Calls => labels.extend(desc.outcome.map(|name| LabelInfo {
                    name,
                    values: Some(desc.outcomes()),
                })),
                Role::Duration | Role::InFlight => {}
            }
            let buckets = (kind == MetricKind::Histogram).then(|| desc.buckets().to_vec());
            let unknown = unknown_values(&labels);
            if !unknown.is_empty() {
                // The fn's families without an unknown label are created with
                // this one, at the first call: said here rather than reported
                // as families whose values are unknown.
                let also = desc
                    .metrics()
                    .into_iter()
                    .map(|(other, ..)| other)
                    .filter(|other| *other != name)
                    .collect();
                self.first_use.push(KnownAtFirstUse {
                    family: name,
                    site: info.clone(),
                    unknown,
                    fix: desc.first_use_fix.to_owned(),
                    also,
                });
            }
            self.add(
                name,
                kind,
                desc.help_for(role),
                labels,
                buckets,
                info.clone(),
            );
        }
    }

    fn add_value(&mut self, site: &ValueSite) {
        let desc = &site.desc;
        let labels = label_infos(desc.label_names, site.label_values);
        let kind = desc.kind.metric_kind();
        let buckets = (kind == MetricKind::Histogram).then(|| site.buckets().to_vec());
        let info = site.site_info();
        if !site.known_at_start() {
            let typed: Vec<String> = desc
                .label_names
                .iter()
                .map(|name| format!("{name}: Type = ..."))
                .collect();
            self.first_use.push(KnownAtFirstUse {
                family: desc.name,
                site: info.clone(),
                unknown: unknown_values(&labels),
                fix: format!("each label's type: `{}`", typed.join(", ")),
                also: Vec::new(),
            });
        }
        self.add(desc.name, kind, desc.help.to_owned(), labels, buckets, info);
    }

    /// Adds one declaration: a new family, or one more site of a family whose
    /// kind, label names and buckets agree (their label values are merged).
    fn add(
        &mut self,
        name: &'static str,
        kind: MetricKind,
        help: String,
        labels: Vec<LabelInfo>,
        buckets: Option<Vec<f64>>,
        site: SiteInfo,
    ) {
        let Some(family) = self.families.iter_mut().find(|family| family.name == name) else {
            let existing = self
                .families
                .iter()
                .map(|family| (family.name, family.kind));
            if let Some((other, difference)) = openmetrics_clash(name, kind, existing) {
                let first = self
                    .families
                    .iter()
                    .find(|family| family.name == other)
                    .map_or_else(|| site.clone(), |family| family.sites[0].clone());
                self.conflicts.push(Conflict {
                    name,
                    difference,
                    first,
                    second: site,
                });
                return;
            }
            self.families.push(FamilyInfo {
                name,
                kind,
                help,
                labels,
                buckets,
                sites: vec![site],
            });
            return;
        };
        let names =
            |labels: &[LabelInfo]| labels.iter().map(|label| label.name).collect::<Vec<_>>();
        let (family_names, site_names) = (names(&family.labels), names(&labels));
        let family_shape = Shape {
            kind: family.kind,
            label_names: &family_names,
            bounds: family.buckets.as_deref().unwrap_or_default(),
        };
        let difference = family_shape.difference(&Shape {
            kind,
            label_names: &site_names,
            bounds: buckets.as_deref().unwrap_or_default(),
        });
        if let Some(difference) = difference {
            self.conflicts.push(Conflict {
                name,
                difference,
                first: family.sites[0].clone(),
                second: site,
            });
            return;
        }
        for label in labels {
            if let Some(known) = family
                .labels
                .iter_mut()
                .find(|known| known.name == label.name)
            {
                known.values = match (known.values.take(), label.values) {
                    (Some(mut values), Some(more)) => {
                        for value in more {
                            if !values.contains(&value) {
                                values.push(value);
                            }
                        }
                        Some(values)
                    }
                    _ => None,
                };
            }
        }
        family.sites.push(site);
    }
}

/// The labels (and `error_type`) whose values are not known at compile time.
fn unknown_values(labels: &[LabelInfo]) -> Vec<&'static str> {
    labels
        .iter()
        .filter(|label| label.values.is_none())
        .map(|label| label.name)
        .collect()
}

/// A site's labels, with their value sets when they are known at compile time.
fn label_infos(
    names: &'static [&'static str],
    values: Option<&'static [&'static [&'static str]]>,
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

/// Families declared as the program runs rather than by a macro: computed
/// gauges, the process metrics, `build_info`, the HTTP layer's.
static DECLARED_AT_RUN_TIME: std::sync::Mutex<Vec<FamilyInfo>> = std::sync::Mutex::new(Vec::new());

/// Adds a family declared at run time to the catalogue, or updates it when the
/// same site declares it again (the HTTP layer, as routes are handed to it).
pub(crate) fn declare_at_run_time(family: FamilyInfo) {
    let mut declared = DECLARED_AT_RUN_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match declared
        .iter_mut()
        .find(|known| known.name == family.name && known.sites == family.sites)
    {
        Some(known) => *known = family,
        None => declared.push(family),
    }
}

fn declared_at_run_time() -> Vec<FamilyInfo> {
    DECLARED_AT_RUN_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Registers every declared family and creates every series whose values are
/// known, so they are exported at 0 before any call.
pub(crate) fn register_declared() {
    for declared in in_source_order() {
        match declared {
            Declared::Function(site) => site.prebuild(),
            Declared::Value(site) => site.prebuild(),
        }
    }
}

/// The declarations sorted by file and line: the linker's order is arbitrary,
/// and "the first declaration wins" must mean the first in the source.
fn in_source_order() -> Vec<Declared> {
    let mut declarations: Vec<Declared> = FUNCTION_SITES
        .iter()
        .map(Declared::Function)
        .chain(VALUE_SITES.iter().map(Declared::Value))
        .collect();
    declarations.sort_by_key(|declared| match declared {
        Declared::Function(site) => (site.desc.file, site.desc.line),
        Declared::Value(site) => (site.desc.file, site.desc.line),
    });
    declarations
}

/// A site of either kind.
#[derive(Clone, Copy)]
enum Declared {
    Function(&'static Site),
    Value(&'static ValueSite),
}
