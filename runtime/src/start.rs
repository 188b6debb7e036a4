//! Start: every declared family in the store and every series whose values
//! are known created at 0, the process metrics declared, the problems found so
//! far reported. The exposition and the `/metrics` route run it first.

use crate::vocabulary::Problem;
use crate::{bridge, catalog, problems, process};

/// Creates every series whose label values are known at compile time, at 0,
/// before any call and for call sites never executed, and declares the
/// `process_*` metrics (on Linux). Idempotent; [`render`](crate::render) and the `/metrics`
/// route run it, so calling it first thing in `main` only moves the work (and
/// the problems it finds) to start. Conflicting declarations, families known
/// only from a site's first call and names taken in [`registry`](crate::registry) are reported
/// through [`problems`](crate::problems); [`Catalog::validate`](crate::Catalog::validate) finds the first two in a test.
///
/// ```
/// metricate::init();
/// # #[cfg(target_os = "linux")]
/// assert!(metricate::render().contains("process_resident_memory_bytes"));
/// ```
pub fn init() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        for first_use in catalog::known_at_first_use() {
            problems::report(Problem::KnownAtFirstUse(Box::new(first_use.clone())));
        }
        catalog::register_declared();
        if let Err(problem) = process::declare() {
            problems::report(problem);
        }
        bridge::gather();
    });
}
