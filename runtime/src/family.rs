//! Metric families: one per name, shared by every site that declares it, and
//! registered once in the default registry.

use prometheus::core::Collector;
use prometheus::{
    CounterVec, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, IntGaugeVec, Opts,
};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The kind of a metric family, with the value type of its collector: the
/// counters and gauges of annotated fns hold integers (an atomic add is cheaper),
/// those of `counter!` and `gauge!` hold floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    IntCounter,
    Counter,
    IntGauge,
    Gauge,
    Histogram,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::IntCounter => "integer counter",
            Kind::Counter => "counter",
            Kind::IntGauge => "integer gauge",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }

    /// The kind Prometheus sees.
    pub(crate) fn metric_kind(self) -> crate::MetricKind {
        match self {
            Kind::IntCounter | Kind::Counter => crate::MetricKind::Counter,
            Kind::IntGauge | Kind::Gauge => crate::MetricKind::Gauge,
            Kind::Histogram => crate::MetricKind::Histogram,
        }
    }
}

/// The collector of a family.
#[derive(Clone)]
pub(crate) enum Vector {
    IntCounter(IntCounterVec),
    Counter(CounterVec),
    IntGauge(IntGaugeVec),
    Gauge(GaugeVec),
    Histogram(HistogramVec),
}

/// What a site declares about one family.
pub(crate) struct Declaration<'a> {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) help: &'a str,
    pub(crate) label_names: &'a [&'a str],
    pub(crate) buckets: &'a [f64],
    pub(crate) site: String,
}

/// A family as first declared, and the order its collector expects label values in.
struct Family {
    kind: Kind,
    label_names: Vec<String>,
    buckets: Vec<f64>,
    vector: Vector,
    first_site: String,
}

/// A family's collector, and where each of the declaring site's labels goes in it.
pub(crate) struct Resolved {
    pub(crate) vector: Vector,
    /// `order[i]` is the position, among the site's labels, of the family's i-th label.
    pub(crate) order: Vec<usize>,
}

static FAMILIES: Mutex<Option<HashMap<&'static str, Family>>> = Mutex::new(None);

/// The family `declaration` names, created and registered on first use. Two sites
/// share a family when kind, label names (in any order) and buckets agree;
/// otherwise the second gets a detached collector, so its calls still work, and the
/// conflict, naming both sites, is returned beside it.
pub(crate) fn resolve(declaration: &Declaration<'_>) -> (Option<Resolved>, Option<String>) {
    let mut families = FAMILIES.lock().unwrap_or_else(PoisonError::into_inner);
    let families = families.get_or_insert_with(HashMap::new);
    if let Some(family) = families.get(declaration.name) {
        match order_of(family, declaration) {
            Ok(order) => {
                return (
                    Some(Resolved {
                        vector: family.vector.clone(),
                        order,
                    }),
                    None,
                )
            }
            Err(difference) => {
                let conflict = format!(
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
                );
                return (detached(declaration).ok(), Some(conflict));
            }
        }
    }
    let resolved = match detached(declaration) {
        Ok(resolved) => resolved,
        Err(error) => {
            let problem = format!(
                "metric `{}` declared at {} is invalid: {error}",
                declaration.name, declaration.site
            );
            return (None, Some(problem));
        }
    };
    let registered = match &resolved.vector {
        Vector::IntCounter(vector) => register(vector.clone()),
        Vector::Counter(vector) => register(vector.clone()),
        Vector::IntGauge(vector) => register(vector.clone()),
        Vector::Gauge(vector) => register(vector.clone()),
        Vector::Histogram(vector) => register(vector.clone()),
    };
    let conflict = registered.err().map(|error| {
        format!(
            "metric `{}` declared at {} could not be registered: {error}",
            declaration.name, declaration.site
        )
    });
    families.insert(
        declaration.name,
        Family {
            kind: declaration.kind,
            label_names: declaration
                .label_names
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            buckets: declaration.buckets.to_vec(),
            vector: resolved.vector.clone(),
            first_site: declaration.site.clone(),
        },
    );
    (Some(resolved), conflict)
}

/// [`resolve`], with any problem reported: a site always gets on with its calls.
pub(crate) fn resolve_reporting(declaration: &Declaration<'_>) -> Option<Resolved> {
    let (resolved, problem) = resolve(declaration);
    if let Some(problem) = problem {
        crate::report_problem(problem);
    }
    resolved
}

fn register<C: Collector + 'static>(collector: C) -> prometheus::Result<()> {
    crate::registry().register(Box::new(collector))
}

fn describe(kind: Kind, label_names: &[String]) -> String {
    format!("{} {{{}}}", kind.name(), label_names.join(", "))
}

/// Where each of the family's labels sits among the declaration's labels, or what differs.
fn order_of(family: &Family, declaration: &Declaration<'_>) -> Result<Vec<usize>, &'static str> {
    if family.kind != declaration.kind {
        return Err("different kinds");
    }
    if family.kind == Kind::Histogram && family.buckets != declaration.buckets {
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

/// A collector in the declaration's own label order, not (yet) registered.
fn detached(declaration: &Declaration<'_>) -> prometheus::Result<Resolved> {
    // Prometheus refuses an empty help text; the name is the least surprising stand-in.
    let help = if declaration.help.is_empty() {
        declaration.name
    } else {
        declaration.help
    };
    let opts = Opts::new(declaration.name, help);
    let labels = declaration.label_names;
    let vector = match declaration.kind {
        Kind::IntCounter => Vector::IntCounter(IntCounterVec::new(opts, labels)?),
        Kind::Counter => Vector::Counter(CounterVec::new(opts, labels)?),
        Kind::IntGauge => Vector::IntGauge(IntGaugeVec::new(opts, labels)?),
        Kind::Gauge => Vector::Gauge(GaugeVec::new(opts, labels)?),
        Kind::Histogram => Vector::Histogram(HistogramVec::new(
            HistogramOpts::from(opts).buckets(declaration.buckets.to_vec()),
            labels,
        )?),
    };
    Ok(Resolved {
        vector,
        order: (0..labels.len()).collect(),
    })
}

impl Resolved {
    /// The site's label values in the order of the family's labels.
    fn family_order<'v>(&self, values: &[&'v str]) -> Vec<&'v str> {
        self.order
            .iter()
            .map(|&position| values.get(position).copied().unwrap_or(""))
            .collect()
    }
}

macro_rules! series_of {
    ($($method:ident: $variant:ident -> $metric:ty;)*) => {
        impl Resolved {
            $(
                /// The series with these label values (in the site's order), created at 0.
                pub(crate) fn $method(&self, values: &[&str]) -> Option<$metric> {
                    match &self.vector {
                        Vector::$variant(vector) => {
                            vector.get_metric_with_label_values(&self.family_order(values)).ok()
                        }
                        _ => None,
                    }
                }
            )*
        }
    };
}

series_of! {
    int_counter: IntCounter -> IntCounter;
    counter: Counter -> prometheus::Counter;
    int_gauge: IntGauge -> IntGauge;
    gauge: Gauge -> prometheus::Gauge;
    histogram: Histogram -> Histogram;
}
