//! The metric catalogue: every family any metricate macro declares anywhere in
//! the binary, known at start because the linker collects the declarations.

use crate::__private::{
    error_types, Role, Site, ValueSite, ERROR_TYPE, FUNCTION_SITES, VALUE_SITES,
};
use crate::family::Kind;
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

impl fmt::Display for SiteInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        match self.function {
            Some(function) => write!(f, " (`{}::{function}`)", self.module_path),
            None => write!(f, " (`{}`)", self.module_path),
        }
    }
}

/// One label of a family and every value it can take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelInfo {
    /// The label's name.
    pub name: &'static str,
    /// Every value, or `None` when a site's label type mentions `Self` or a
    /// generic parameter: those values are known from the site's first call.
    pub values: Option<Vec<&'static str>>,
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

/// The error [`Catalog::validate`] returns: every conflict found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError {
    /// The conflicts, in declaration order.
    pub conflicts: Vec<Conflict>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} conflicting metric declaration(s)",
            self.conflicts.len()
        )?;
        for conflict in &self.conflicts {
            write!(f, "\n- {conflict}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

/// Every metric family declared in the binary. See [`catalog`].
#[derive(Clone, Debug)]
pub struct Catalog {
    families: Vec<FamilyInfo>,
    conflicts: Vec<Conflict>,
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

    /// `Err` naming both sites of every name declared twice with different kinds,
    /// label names or buckets. Call it from a unit test so such a mistake fails
    /// `cargo test` instead of hiding a metric in production:
    ///
    /// ```
    /// // In a test: `#[test] fn metric_declarations_agree() { ... }`
    /// metricate::catalog().validate().unwrap();
    /// ```
    pub fn validate(&self) -> Result<(), CatalogError> {
        if self.conflicts.is_empty() {
            Ok(())
        } else {
            Err(CatalogError {
                conflicts: self.conflicts.clone(),
            })
        }
    }
}

/// Every metric family that `#[instrument_metric]`, `counter!`, `gauge!` and
/// `histogram!` declare anywhere in the binary, including sites never executed:
/// name, kind, help, labels with their complete value sets, buckets and every
/// declaring site.
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
    builder.families.sort_by(|a, b| a.name.cmp(b.name));
    Catalog {
        families: builder.families,
        conflicts: builder.conflicts,
    }
}

#[derive(Default)]
struct Builder {
    families: Vec<FamilyInfo>,
    conflicts: Vec<Conflict>,
}

impl Builder {
    fn add_function(&mut self, site: &Site) {
        let desc = &site.desc;
        let info = SiteInfo {
            file: desc.file,
            line: desc.line,
            module_path: desc.module_path,
            function: Some(desc.function),
        };
        let mut labels = label_infos(desc.label_names, site.label_values);
        labels.extend(desc.const_labels.iter().map(|(name, value)| LabelInfo {
            name,
            values: Some(vec![*value]),
        }));
        let metrics = [
            (desc.histogram, Kind::Histogram, Role::Duration),
            (desc.calls, Kind::IntCounter, Role::Calls),
            (desc.in_flight, Kind::IntGauge, Role::InFlight),
            (desc.errors, Kind::IntCounter, Role::Errors),
        ];
        for (name, kind, role) in metrics {
            let Some(name) = name else { continue };
            let mut labels = labels.clone();
            if matches!(role, Role::Errors) {
                labels.push(LabelInfo {
                    name: ERROR_TYPE,
                    values: site.error_values.map(error_types),
                });
            }
            let buckets = (kind == Kind::Histogram).then(|| desc.buckets().to_vec());
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
        let kind = desc.kind.family_kind();
        let buckets = (kind == Kind::Histogram).then(|| site.buckets().to_vec());
        let info = SiteInfo {
            file: desc.file,
            line: desc.line,
            module_path: desc.module_path,
            function: None,
        };
        self.add(desc.name, kind, desc.help.to_owned(), labels, buckets, info);
    }

    /// Adds one declaration: a new family, or one more site of a family whose
    /// kind, label names and buckets agree (their label values are merged).
    fn add(
        &mut self,
        name: &'static str,
        kind: Kind,
        help: String,
        labels: Vec<LabelInfo>,
        buckets: Option<Vec<f64>>,
        site: SiteInfo,
    ) {
        let Some(family) = self.families.iter_mut().find(|family| family.name == name) else {
            self.families.push(FamilyInfo {
                name,
                kind: kind.metric_kind(),
                help,
                labels,
                buckets,
                sites: vec![site],
            });
            return;
        };
        let same_names = family.labels.len() == labels.len()
            && labels
                .iter()
                .all(|label| family.labels.iter().any(|known| known.name == label.name));
        let difference = if family.kind != kind.metric_kind() {
            Some(format!(
                "different kinds ({} and {})",
                family.kind,
                kind.metric_kind()
            ))
        } else if !same_names {
            let names = |labels: &[LabelInfo]| {
                labels
                    .iter()
                    .map(|label| label.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            Some(format!(
                "different label names ({{{}}} and {{{}}})",
                names(&family.labels),
                names(&labels)
            ))
        } else if family.buckets != buckets {
            Some("different buckets".to_owned())
        } else {
            None
        };
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
