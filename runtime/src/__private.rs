//! What generated code calls into. Not part of the public API: names and
//! signatures here change without notice. Only re-exports: each item lives in
//! the module of its concern.

pub use crate::catalog::{FUNCTION_SITES, VALUE_SITES};
pub use crate::codegen::{
    handles_exist_at_run_time, next_row, require_label_value, values_of, values_of_type,
    within_budget, FutureProbe, Probe, ReturnsAFuture, ReturnsAValue, ViaFallback, ViaLabelValue,
};
/// The key of a native histogram's bucket, for the benchmarks of its cost.
pub use crate::native::key as native_bucket_key;
pub use crate::process::register_build_info;
pub use crate::site::{
    call, classify, polled, DropMeans, ErrorClassifier, ErrorOf, Guard, Outcome, Site, SiteDesc,
    Table,
};
pub use crate::value_site::{
    ValueKind, ValueSite, ValueSiteDesc, DETACHED_COUNTER, DETACHED_GAUGE, DETACHED_HISTOGRAM,
};
pub use linkme;
