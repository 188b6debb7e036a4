//! Handles returned by [`counter!`](crate::counter), [`gauge!`](crate::gauge) and
//! [`histogram!`](crate::histogram): one pre-resolved series each, no lookup.

use crate::arena::{bucket_of, Arena, HistogramCells};
use crate::slots;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A counter series, from [`counter!`](crate::counter).
///
/// ```
/// let tokens = metricate::counter!("doc_tokens_total");
/// tokens.inc();
/// tokens.inc_by(120_u32);
/// tokens.inc_by(0.5);
/// assert_eq!(tokens.get(), 121.5);
/// ```
pub struct Counter {
    arena: Option<&'static Arena>,
    word: usize,
}

/// A gauge series, from [`gauge!`](crate::gauge).
///
/// ```
/// let queued = metricate::gauge!("doc_queued_jobs");
/// queued.set(4.0);
/// queued.inc();
/// queued.sub(2.0);
/// assert_eq!(queued.get(), 3.0);
/// ```
pub struct Gauge {
    /// The value's bits: a gauge is set, so it is one cell, not one per thread.
    cell: Option<&'static AtomicU64>,
}

/// A histogram series, from [`histogram!`](crate::histogram).
///
/// ```
/// let sizes = metricate::histogram!("doc_upload_size_bytes", buckets = [1024.0, 65536.0]);
/// sizes.observe(2048.0);
/// assert_eq!(sizes.sample_count(), 1);
/// ```
pub struct Histogram {
    arena: Option<&'static Arena>,
    cells: HistogramCells,
    bounds: &'static [f64],
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counter")
            .field("value", &self.get())
            .finish()
    }
}

impl std::fmt::Debug for Gauge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gauge").field("value", &self.get()).finish()
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.sample_count())
            .field("sum", &self.sample_sum())
            .finish()
    }
}

impl Counter {
    /// A handle that records nothing: what a site whose family could not be
    /// created gets, so the caller's code still runs.
    pub(crate) const DETACHED: Counter = Counter {
        arena: None,
        word: 0,
    };

    pub(crate) fn new(arena: &'static Arena, word: usize) -> Counter {
        Counter {
            arena: Some(arena),
            word,
        }
    }

    /// Adds 1.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1_u8);
    }

    /// Adds `amount`: any unsigned integer, or an `f64` (or `f32`). A counter only
    /// goes up: negative and NaN amounts are ignored.
    #[inline]
    pub fn inc_by(&self, amount: impl CounterIncrement) {
        let amount = amount.into_increment();
        if let (Some(arena), true) = (self.arena, amount >= 0.0) {
            arena.add_f64(slots::current_slot(), self.word, amount);
        }
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        self.arena.map_or(0.0, |arena| arena.total_f64(self.word))
    }
}

impl Gauge {
    pub(crate) const DETACHED: Gauge = Gauge { cell: None };

    pub(crate) fn new(cell: &'static AtomicU64) -> Gauge {
        Gauge { cell: Some(cell) }
    }

    fn update(&self, change: impl Fn(f64) -> f64) {
        if let Some(cell) = self.cell {
            let _ = cell.fetch_update(Relaxed, Relaxed, |bits| {
                Some(change(f64::from_bits(bits)).to_bits())
            });
        }
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, value: f64) {
        if let Some(cell) = self.cell {
            cell.store(value.to_bits(), Relaxed);
        }
    }

    /// Adds 1.
    #[inline]
    pub fn inc(&self) {
        self.add(1.0);
    }

    /// Subtracts 1.
    #[inline]
    pub fn dec(&self) {
        self.add(-1.0);
    }

    /// Adds `value`.
    #[inline]
    pub fn add(&self, value: f64) {
        self.update(|current| current + value);
    }

    /// Subtracts `value`.
    #[inline]
    pub fn sub(&self, value: f64) {
        self.update(|current| current - value);
    }

    /// Sets the value to the current Unix time in seconds, as for
    /// `*_last_success_timestamp_seconds` gauges.
    pub fn set_to_current_time(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        self.set(now);
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        self.cell
            .map_or(0.0, |cell| f64::from_bits(cell.load(Relaxed)))
    }
}

impl Histogram {
    pub(crate) const DETACHED: Histogram = Histogram {
        arena: None,
        cells: HistogramCells {
            first: 0,
            bounds: 0,
        },
        bounds: &[],
    };

    pub(crate) fn new(
        arena: &'static Arena,
        cells: HistogramCells,
        bounds: &'static [f64],
    ) -> Histogram {
        Histogram {
            arena: Some(arena),
            cells,
            bounds,
        }
    }

    /// Records one observation, in the unit the metric's name ends with. NaN is
    /// ignored.
    #[inline]
    pub fn observe(&self, value: f64) {
        if let (Some(arena), false) = (self.arena, value.is_nan()) {
            let slot = slots::current_slot();
            arena.add(slot, self.cells.bucket(bucket_of(self.bounds, value)), 1);
            arena.add_f64(slot, self.cells.sum(), value);
        }
    }

    /// How many observations were recorded.
    pub fn sample_count(&self) -> u64 {
        self.arena.map_or(0, |arena| {
            self.cells
                .counts(arena)
                .fold(0u64, |count, bucket| count.wrapping_add(bucket))
        })
    }

    /// The sum of the observations.
    pub fn sample_sum(&self) -> f64 {
        self.arena
            .map_or(0.0, |arena| arena.total_f64(self.cells.sum()))
    }
}

/// An amount a [`Counter`] can go up by: an unsigned integer or a float.
pub trait CounterIncrement {
    /// The amount as the `f64` Prometheus counters hold.
    fn into_increment(self) -> f64;
}

macro_rules! lossless_increment {
    ($($unsigned:ty),*) => {$(
        impl CounterIncrement for $unsigned {
            #[inline]
            fn into_increment(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}

lossless_increment!(u8, u16, u32, f32, f64);

macro_rules! rounded_increment {
    ($($unsigned:ty),*) => {$(
        /// Values above 2^53 are rounded to the nearest `f64`, as Prometheus stores them.
        impl CounterIncrement for $unsigned {
            #[inline]
            #[allow(clippy::cast_precision_loss)]
            fn into_increment(self) -> f64 {
                self as f64
            }
        }
    )*};
}

rounded_increment!(u64, u128, usize);
