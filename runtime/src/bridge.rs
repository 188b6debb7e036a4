//! The bridge to the `prometheus` crate's default registry (feature
//! `prometheus`): its collectors, registered by hand or by other libraries, are
//! gathered at each scrape and written after metricate's own families; a name
//! both use is exported from the registry and reported. Without the feature
//! there is nothing to gather.

#[cfg(feature = "prometheus")]
use crate::store;

/// The families of the registry, gathered for one scrape.
#[cfg(feature = "prometheus")]
pub(crate) type Gathered = Vec<prometheus::proto::MetricFamily>;
/// Without the `prometheus` feature there is nothing to gather.
#[cfg(not(feature = "prometheus"))]
pub(crate) type Gathered = ();

/// The `prometheus` crate's default registry, for collectors registered by
/// hand (or by other libraries): [`render`](crate::render) writes them after metricate's own
/// families. metricate keeps its families in its own store, not here, so
/// `registry().gather()` holds only those collectors. A name taken here is
/// exported from here, and the metricate site of that name is a
/// [`Problem::NameTaken`](crate::Problem::NameTaken). To register collectors, depend on `prometheus` 0.14.
///
/// ```
/// let workers = prometheus::IntGauge::new("doc_workers", "Workers, registered by hand.").unwrap();
/// workers.set(4);
/// metricate::registry().register(Box::new(workers)).unwrap();
/// metricate::counter!("doc_scans_total").inc();
///
/// let text = metricate::render();
/// assert!(text.contains("doc_scans_total 1") && text.contains("doc_workers 4"));
/// let gathered = metricate::registry().gather();
/// assert_eq!(gathered.iter().map(|family| family.name()).collect::<Vec<_>>(), ["doc_workers"]);
/// ```
#[cfg(feature = "prometheus")]
pub fn registry() -> &'static prometheus::Registry {
    prometheus::default_registry()
}

/// The registry's families, noting any name metricate also declares.
#[cfg(feature = "prometheus")]
pub(crate) fn gather() -> Gathered {
    let families = registry().gather();
    store::note_names_taken(&families);
    families
}

/// Without the `prometheus` feature there is no registry to gather.
#[cfg(not(feature = "prometheus"))]
pub(crate) fn gather() -> Gathered {}
