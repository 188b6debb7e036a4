//! What can go wrong with a declared metric, as one typed report: read through
//! [`problems`](crate::problems) at run time and [`Catalog::validate`] in a test.
//!
//! [`Catalog::validate`]: crate::Catalog::validate

use crate::catalog::{Conflict, SiteInfo};
use std::fmt;
use std::sync::{Mutex, PoisonError};

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
        }
    }
}

impl std::error::Error for Problem {}

static PROBLEMS: Mutex<Vec<Problem>> = Mutex::new(Vec::new());

/// Keeps a problem found at run time for [`problems`](crate::problems), once.
pub(crate) fn report(problem: Problem) {
    let mut problems = PROBLEMS.lock().unwrap_or_else(PoisonError::into_inner);
    if !problems.contains(&problem) {
        problems.push(problem);
    }
}

/// The problems found at run time so far.
pub(crate) fn reported() -> Vec<Problem> {
    PROBLEMS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}
