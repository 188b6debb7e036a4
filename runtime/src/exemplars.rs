//! Exemplars: the trace of one call kept beside the histogram bucket (and the
//! error counter) it was counted in, so a slow bucket on a dashboard leads to
//! a trace. Only OpenMetrics and protobuf scrapes carry them.
//!
//! metricate asks a *trace-id source* for the current trace when a call ends:
//! a fn the application installs once with [`set_trace_id_source`] (for
//! example one reading the OpenTelemetry context of the current `tracing`
//! span). With no source installed, a call pays one atomic load for this.
//!
//! ```
//! use metricate::exemplars::{self, TraceId};
//!
//! thread_local! {
//!     static CURRENT: std::cell::Cell<Option<u128>> = const { std::cell::Cell::new(None) };
//! }
//!
//! fn current_trace() -> Option<TraceId> {
//!     CURRENT.with(|current| current.get()).map(TraceId)
//! }
//!
//! exemplars::set_trace_id_source(current_trace);
//!
//! /// Scores a CV.
//! #[metricate::instrument_metric(histogram = "doc_exemplar_score_duration_seconds")]
//! fn score() {}
//!
//! CURRENT.with(|current| current.set(Some(0x4bf92f3577b34da6a3ce929d0e0e4736)));
//! score();
//! let text = String::from_utf8(metricate::render_with(metricate::Format::OpenMetrics)).unwrap();
//! assert!(text.contains(r#"# {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"}"#));
//! ```

use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};

/// A W3C trace id: 16 bytes, written as 32 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId(pub u128);

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl TraceId {
    /// The trace id of a W3C `traceparent` header (`00-<trace-id>-<span-id>-<flags>`),
    /// when it is well formed and not all zeros.
    ///
    /// ```
    /// use metricate::exemplars::TraceId;
    ///
    /// let id = TraceId::from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    /// assert_eq!(id.map(|id| id.to_string()).as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    /// assert_eq!(TraceId::from_traceparent("garbage"), None);
    /// ```
    pub fn from_traceparent(header: &str) -> Option<TraceId> {
        let mut parts = header.trim().split('-');
        let (version, trace, span, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex = |text: &str, length: usize| {
            text.len() == length && text.bytes().all(|byte| byte.is_ascii_hexdigit())
        };
        if !(hex(version, 2) && hex(trace, 32) && hex(span, 16) && hex(flags, 2)) {
            return None;
        }
        u128::from_str_radix(trace, 16)
            .ok()
            .filter(|id| *id != 0)
            .map(TraceId)
    }
}

/// A fn that tells the trace the current call belongs to.
pub type TraceIdSource = fn() -> Option<TraceId>;

static SOURCE: OnceLock<TraceIdSource> = OnceLock::new();

/// Installs the trace-id source, once for the process; `false` when one was
/// installed already (the first stays).
pub fn set_trace_id_source(source: TraceIdSource) -> bool {
    SOURCE.set(source).is_ok()
}

/// The current trace, if a source is installed and reports one.
#[inline]
pub(crate) fn current_trace() -> Option<TraceId> {
    SOURCE.get().and_then(|source| source())
}

/// One exemplar: the trace, the value observed (seconds, or 1 for a count) and
/// when, in seconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Exemplar {
    pub(crate) trace: TraceId,
    pub(crate) value: f64,
    pub(crate) timestamp: f64,
}

/// The latest exemplar of each bucket and error series of a table: cells made
/// on the first exemplar, so a table whose calls never carry a trace costs one
/// empty `OnceLock`.
pub(crate) struct Exemplars {
    cells: OnceLock<Box<[Mutex<Option<Exemplar>>]>>,
    len: usize,
}

impl Exemplars {
    pub(crate) fn new(len: usize) -> Exemplars {
        Exemplars {
            cells: OnceLock::new(),
            len,
        }
    }

    /// Keeps `exemplar` as the latest of cell `index`. A cell another thread is
    /// writing keeps that thread's: the latest of two racing calls is either.
    pub(crate) fn record(&self, index: usize, trace: TraceId, value: f64) {
        let cells = self
            .cells
            .get_or_init(|| (0..self.len).map(|_| Mutex::new(None)).collect());
        if let Some(Ok(mut cell)) = cells.get(index).map(Mutex::try_lock) {
            *cell = Some(Exemplar {
                trace,
                value,
                timestamp: now_seconds(),
            });
        }
    }

    /// The latest exemplar of cell `index`, if any.
    pub(crate) fn get(&self, index: usize) -> Option<Exemplar> {
        let cell = self.cells.get()?.get(index)?;
        *cell.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// Where a series' exemplars are: a table's cells from `first` (a histogram's
/// bucket `b` at `first + b`).
#[derive(Clone, Copy)]
pub(crate) struct ExemplarCells {
    pub(crate) exemplars: &'static Exemplars,
    pub(crate) first: usize,
}

impl ExemplarCells {
    pub(crate) fn get(self, offset: usize) -> Option<Exemplar> {
        self.exemplars.get(self.first + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_exemplar_of_each_cell_is_kept() {
        let exemplars = Exemplars::new(3);
        assert_eq!(exemplars.get(1), None);
        exemplars.record(1, TraceId(7), 0.5);
        exemplars.record(1, TraceId(9), 0.25);
        exemplars.record(5, TraceId(1), 1.0);
        let kept = exemplars.get(1).unwrap();
        assert_eq!((kept.trace, kept.value), (TraceId(9), 0.25));
        assert!(kept.timestamp > 1.0e9);
        assert_eq!(exemplars.get(0), None);
        assert_eq!(
            TraceId(0xab).to_string(),
            "000000000000000000000000000000ab"
        );
    }
}
