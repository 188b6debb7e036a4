//! The metric catalogue: a view of the store, complete at start because the
//! linker collects every macro's declaration and metricate's own families
//! are declared with them.

use crate::computed::{self, ComputedSite};
use crate::instances::Declares;
use crate::process;
use crate::site::Site;
use crate::store;
use crate::value_site::ValueSite;
use crate::vocabulary::{Conflict, FamilyInfo, FunctionInfo, KnownAtFirstUse, LabelInfo, Problem};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

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

/// Every `computed_gauge!` site, likewise.
#[doc(hidden)]
#[linkme::distributed_slice]
#[linkme(crate = linkme)]
pub static COMPUTED_SITES: [ComputedSite];

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
    exposed: BTreeMap<&'static str, usize>,
    functions: Vec<FunctionInfo>,
    conflicts: Vec<Conflict>,
    first_use: Vec<KnownAtFirstUse>,
}

impl Catalog {
    /// The families, sorted by name.
    pub fn families(&self) -> &[FamilyInfo] {
        &self.families
    }

    /// The series the text format writes for the family `name` when the
    /// catalogue was taken: one per series of a counter or gauge, and per
    /// series of a histogram one per bucket (`+Inf` included), `_sum` and
    /// `_count`. After [`init`](crate::init) every series whose label values
    /// are known exists, at 0, so this is what one instance adds to a
    /// scraper's store from start (the HTTP layer's pairs of method and
    /// route, not every method with every route). `None` for a family
    /// computed at scrape time (its callback says how many) or not declared.
    ///
    /// ```
    /// /// Scans the job boards.
    /// #[metricate::instrument_metric(histogram = "doc_exposed_scan_duration_seconds")]
    /// fn scan() {}
    ///
    /// metricate::init();
    /// let catalog = metricate::catalog();
    /// let buckets = catalog.family("doc_exposed_scan_duration_seconds").unwrap().buckets.as_ref().unwrap().len();
    /// assert_eq!(catalog.exposed_series("doc_exposed_scan_duration_seconds"), Some(buckets + 3));
    /// ```
    pub fn exposed_series(&self, name: &str) -> Option<usize> {
        self.exposed.get(name).copied()
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
}

/// Every metric family that `#[instrument_metric]`, `counter!`, `gauge!` and
/// `histogram!` declare anywhere in the binary, including sites never executed:
/// name, kind, help, labels with their complete value sets, buckets and every
/// declaring site; and those declared as the program runs, from where they are
/// registered: computed gauges, `build_info`, the HTTP layer's (when built) and
/// the process metrics (from [`init`](crate::init)). It is a view of
/// metricate's store, where every family is declared once: what it shows is
/// what is exported.
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
    let linked = declare_linked();
    let store = store::store();
    Catalog {
        families: store.infos(),
        exposed: store.exposed(),
        functions: linked.functions.clone(),
        conflicts: store.conflicts().to_vec(),
        first_use: linked.first_use.clone(),
    }
}

/// What the linker's slices say beyond their families: each instrumented fn,
/// and the families known only from a site's first call.
struct Linked {
    functions: Vec<FunctionInfo>,
    first_use: Vec<KnownAtFirstUse>,
}

/// Declares every site the linker collected into the store, once, in source
/// order, with the families metricate itself always has.
fn declare_linked() -> &'static Linked {
    static LINKED: OnceLock<Linked> = OnceLock::new();
    LINKED.get_or_init(|| {
        let mut linked = Linked {
            functions: Vec::new(),
            first_use: Vec::new(),
        };
        let mut store = store::store();
        for declared in in_source_order() {
            match declared {
                Declared::Function(site) => {
                    let info = site.desc.site_info();
                    linked.functions.push(site.function_info());
                    for (_, family) in site.desc.families(site.label_values, site.error_values) {
                        let unknown = unknown_values(&family.labels);
                        if !unknown.is_empty() {
                            let also = site
                                .desc
                                .metrics()
                                .into_iter()
                                .map(|(other, ..)| other)
                                .filter(|other| *other != family.name)
                                .collect();
                            linked.first_use.push(KnownAtFirstUse {
                                family: family.name,
                                site: info.clone(),
                                unknown,
                                fix: site.desc.first_use_fix.to_owned(),
                                also,
                            });
                        }
                        store.declare(&family);
                    }
                }
                Declared::Value(site) => {
                    let family = site.family(site.label_values);
                    if !site.known_at_start() {
                        let typed: Vec<String> = site
                            .desc
                            .label_names
                            .iter()
                            .map(|name| format!("{name}: Type = ..."))
                            .collect();
                        linked.first_use.push(KnownAtFirstUse {
                            family: site.desc.name,
                            site: site.site_info(),
                            unknown: unknown_values(&family.labels),
                            fix: format!("each label's type: `{}`", typed.join(", ")),
                            also: Vec::new(),
                        });
                    }
                    store.declare(&family);
                }
            }
        }
        // Metricate's own families, whose names are fixed: the gauges computed
        // at scrape time (the process metrics and every `computed_gauge!`),
        // and the counter of their failed callbacks.
        let mut computed_names = Vec::new();
        let mut sites: Vec<&ComputedSite> = COMPUTED_SITES.iter().collect();
        sites.sort_by_key(|site| (site.site_info().file, site.site_info().line));
        for declaration in process::declarations()
            .into_iter()
            .chain(sites.iter().map(|site| site.declaration(None)))
        {
            computed_names.push(declaration.name);
            store.declare(&declaration);
        }
        store.declare(&computed::failures_family(&computed_names));
        linked
    })
}

/// The labels (and `error_type`) whose values are not known at compile time.
fn unknown_values(labels: &[LabelInfo]) -> Vec<&'static str> {
    labels
        .iter()
        .filter(|label| label.values.is_none())
        .map(|label| label.name)
        .collect()
}

/// Declares every site into the store, and creates every series whose values
/// are known, so they are exported at 0 before any call.
pub(crate) fn register_declared() {
    declare_linked();
    for declared in in_source_order() {
        declared.site().prebuild();
    }
}

/// The families known only from a site's first call.
pub(crate) fn known_at_first_use() -> &'static [KnownAtFirstUse] {
    &declare_linked().first_use
}

/// The declarations sorted by file and line: the linker's order is arbitrary,
/// and "the first declaration wins" must mean the first in the source.
fn in_source_order() -> Vec<Declared> {
    let mut declarations: Vec<Declared> = FUNCTION_SITES
        .iter()
        .map(Declared::Function)
        .chain(VALUE_SITES.iter().map(Declared::Value))
        .collect();
    declarations.sort_by_key(|declared| {
        let site = declared.site().site_info();
        (site.file, site.line)
    });
    declarations
}

/// A site of either kind.
#[derive(Clone, Copy)]
enum Declared {
    Function(&'static Site),
    Value(&'static ValueSite),
}

impl Declared {
    /// What both kinds tell the catalogue and start.
    fn site(self) -> &'static dyn Declares {
        match self {
            Declared::Function(site) => site,
            Declared::Value(site) => site,
        }
    }
}
